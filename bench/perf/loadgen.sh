#!/bin/sh
# bench/perf/loadgen: timing accuracy of `servecal bench` against
# `servecal emulate --trace`. For 1, 100 and 1,000 concurrent streams it
# compares each token's client timestamp (bench --token-times, stamped in
# the curl write callback) with the emulator's server-side write time (same
# CLOCK_MONOTONIC), and reports the client-minus-server offset p50/p99, the
# bench process's CPU time per received token, and the open-loop achieved
# rate and send lateness at 1,000 req/s. Then worker processes: received
# tokens/s and CPU per token at --procs 1 and 2 (and their ratio) with the
# emulator's own CPU share beside them (near one core: the emulator, not
# the client, sets the rate), the open-loop aggregate rate of 2 workers
# over 2,000 requests against its 2% target, and the most streams held by
# 2 workers (HELD, default 5000), and the syscalls per received token of
# one process (strace -f -c, when strace is installed).
# usage: bench/perf/loadgen.sh [BUILDDIR] [LEVELS] [OSL]
# env: PROCS_STREAMS (default 400) streams of the --procs runs; HELD.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top}
levels=${2:-1,100,1000}
osl=${3:-200}
SERVECAL="$build/servecal"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/loadgen-perf.XXXXXX")
EMU_PID=""
cleanup() {
	[ -z "$EMU_PID" ] || { kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null || true; }
	rm -rf "$TMP"
}
trap cleanup EXIT

# start_emu [SPEC]: the token server (emu-bench.json, traced) or SPEC
# without a trace (its logging would cost the emulator CPU); sets URL and
# EMU_PID.
start_emu() {
	# a stale first line would name the last emulator's port
	rm -f "$TMP/emu.out"
	if [ $# -gt 0 ]; then
		"$SERVECAL" emulate --deployment "$1" --port 0 \
			>"$TMP/emu.out" 2>"$TMP/emu.err" &
	else
		"$SERVECAL" emulate --deployment "$top/bench/emu-bench.json" --port 0 \
			--trace "$TMP/trace.jsonl" >"$TMP/emu.out" 2>"$TMP/emu.err" &
	fi
	EMU_PID=$!
	for _ in $(seq 1 50); do
		URL=$(head -n 1 "$TMP/emu.out" 2>/dev/null || true)
		[ -n "$URL" ] && return 0
		sleep 0.1
	done
	echo "emulator did not start: $(cat "$TMP/emu.err")" >&2
	exit 1
}
stop_emu() { kill "$EMU_PID"; wait "$EMU_PID" || true; EMU_PID=""; }

# cpu_run OUTFILE CMD...: runs CMD, writes its user+system CPU seconds
# (its worker processes included: it waits for them) and its wall seconds.
cpu_run() {
	out=$1
	shift
	python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
rc = subprocess.run(sys.argv[2:]).returncode
w = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%f %f\n" % (r.ru_utime + r.ru_stime, w))
sys.exit(rc)' "$out" "$@"
}
# cpu_of PID: user+system CPU seconds of a running process.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

echo "# servecal bench vs servecal emulate --trace (bench/emu-bench.json), osl=$osl, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (other users included)"
# each level with one process, and past one stream with --procs 2 too
for n in $(echo "$levels" | tr , ' '); do
for p in 1 2; do
	[ "$n" -gt 1 ] || [ "$p" -eq 1 ] || continue
	start_emu
	reqs=$((n * 2))
	[ "$reqs" -ge 50 ] || reqs=50
	cpu_run "$TMP/cpu" "$SERVECAL" bench --url "$URL" --isl 128 --osl "$osl" \
		--concurrency "$n" --requests-per-level "$reqs" --token-times \
		--procs "$p" --timeout 600s --out "$TMP/run$n-$p" --quiet
	stop_emu
	python3 - "$TMP/trace.jsonl" "$TMP/run$n-$p/c$n" "$(cut -d' ' -f1 "$TMP/cpu")" "$n procs=$p" <<'PY'
import json, sys
trace, lvl, cpu, n = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
srv = {}
for line in open(trace):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if "id" in d:
        srv[d["id"]] = d["token_ns"]
offs, tokens, matched, failed = [], 0, 0, 0
for line in open(lvl + "/requests.jsonl"):
    r = json.loads(line)
    tokens += r["output_tokens"]
    failed += not r["ok"]
    s = srv.get(r.get("response_id"))
    if not s or not r.get("token_ns"):
        continue
    matched += 1
    offs += [(c - t) / 1e3 for c, t in zip(r["token_ns"], s)]
offs.sort()
q = lambda p: offs[min(len(offs) - 1, int(p * (len(offs) - 1) + 0.5))]
summ = json.load(open(lvl + "/summary.json"))
print("c=%-13s requests=%d failed=%d matched=%d tokens=%d  offset_us p50=%.1f p90=%.1f p99=%.1f max=%.1f  "
      "cpu_us/token=%.2f  held_in_flight=%.1f" % (n, summ["requests"]["total"], failed, matched, tokens,
      q(.5), q(.9), q(.99), offs[-1], cpu / tokens * 1e6, summ["little"]["measured_concurrency"]))
PY
done
done

start_emu
"$SERVECAL" bench --url "$URL" --isl 64 --osl 8 --request-rate 1000 \
	--arrival constant --requests-per-level 5000 --out "$TMP/open" --quiet
stop_emu
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("open loop: target=1000/s constant achieved=%.1f/s (%.2f%%) send_lateness_p99=%.3f ms ok=%d failed=%d" % (
    d["achieved_rate"], d["achieved_rate"] / 10, d["send_lateness_p99_ms"], d["requests"]["ok"], d["requests"]["failed"]))' "$TMP/open/r1000/summary.json"

# --- worker processes -------------------------------------------------------
# Closed loop at PROCS_STREAMS streams with --procs 1 and 2 against
# bench/perf/emu-loadgen.json (emulated steps a thousandth of real ones, so
# CPU, not the emulated GPUs, limits the rate), no trace (its logging would
# cost the emulator CPU).
ps=${PROCS_STREAMS:-400}
echo "# --procs: $ps streams, osl=$osl, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (other users included)"
for p in 1 2; do
	start_emu "$top/bench/perf/emu-loadgen.json"
	e0=$(cpu_of "$EMU_PID")
	cpu_run "$TMP/cpu" "$SERVECAL" bench --url "$URL" --isl 128 --osl "$osl" \
		--concurrency "$ps" --requests-per-level $((ps * 3)) --procs "$p" \
		--timeout 600s --out "$TMP/procs$p" --quiet
	e1=$(cpu_of "$EMU_PID")
	stop_emu
	python3 - "$TMP/procs$p/c$ps" "$(cat "$TMP/cpu")" "$e0" "$e1" "$p" "$TMP/procs.txt" <<'PY'
import json, sys
lvl, cw, e0, e1, p, keep = sys.argv[1], sys.argv[2].split(), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
cpu, wall = float(cw[0]), float(cw[1])
tokens = failed = 0
for line in open(lvl + "/requests.jsonl"):
    r = json.loads(line)
    tokens += r["output_tokens"]
    failed += not r["ok"]
s = json.load(open(lvl + "/summary.json"))
tps = s["throughput"]["output_tokens_per_s"]
# the emulator is the bottleneck when it uses about a core of its own
print("procs=%s received_tokens_per_s=%.0f (steady window) cpu_us/token=%.2f  bench_cpu=%.2f cores  emulator_cpu=%.2f cores (%.2f us/token)  failed=%d" % (
    p, tps, cpu / tokens * 1e6, cpu / wall, (e1 - e0) / wall, (e1 - e0) / tokens * 1e6, failed))
open(keep, "a").write("%s %f\n" % (p, tps))
PY
done
python3 -c '
import sys
v = dict(l.split() for l in open(sys.argv[1]))
print("scaling 2 vs 1 worker: %.2fx (target 1.7x where the emulator is not the bottleneck)" % (float(v["2"]) / float(v["1"])))' "$TMP/procs.txt"

start_emu
"$SERVECAL" bench --url "$URL" --isl 64 --osl 8 --request-rate 1000 \
	--requests-per-level 2000 --procs 2 --out "$TMP/open2" --quiet
stop_emu
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = d["achieved_rate"]
print("open loop, 2 workers: target=1000/s poisson achieved=%.1f/s (%+.2f%%, target within 2%%: %s) send_lateness_p99=%.3f ms ok=%d failed=%d" % (
    a, a / 10 - 100, "met" if abs(a / 1000 - 1) <= 0.02 else "NOT met", d["send_lateness_p99_ms"], d["requests"]["ok"], d["requests"]["failed"]))' "$TMP/open2/r1000/summary.json"

# --- syscalls per token ------------------------------------------------------
# One process at PROCS_STREAMS streams under strace -f -c (slower, so reads
# batch more chunks than without it: an upper bound on chunks per read).
if command -v strace >/dev/null 2>&1; then
	start_emu "$top/bench/perf/emu-loadgen.json"
	traced=0
	strace -f -c -o "$TMP/strace.txt" "$SERVECAL" bench --url "$URL" --isl 128 \
		--osl "$osl" --concurrency "$ps" --requests-per-level $((ps * 3)) \
		--timeout 600s --out "$TMP/strace" --quiet || traced=$?
	stop_emu
	# a container may forbid ptrace: say so and go on to the last figure
	[ "$traced" -eq 0 ] || echo "syscalls per received token: strace -f -c failed (exit $traced), skipped"
	[ "$traced" -ne 0 ] || python3 - "$TMP/strace.txt" "$TMP/strace/c$ps" <<'PY'
import json, sys
calls = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        calls[f[-1]] = int(f[3])
tokens = sum(json.loads(l)["output_tokens"] for l in open(sys.argv[2] + "/requests.jsonl"))
per = lambda n: calls.get(n, 0) / tokens
print("syscalls per received token (strace -f -c, %d tokens): all %.3f  recvfrom %.3f  poll %.3f  epoll_wait %.4f  epoll_ctl %.4f  timerfd_settime %.4f  write %.4f" % (
    tokens, sum(calls.values()) / tokens, per("recvfrom"), per("poll"), per("epoll_wait"), per("epoll_ctl"), per("timerfd_settime"), per("write")))
PY
fi

held=${HELD:-5000}
start_emu
cpu_run "$TMP/cpu" "$SERVECAL" bench --url "$URL" --isl 16 --osl 40 \
	--concurrency "$held" --requests-per-level "$held" --warmup 0 --procs 2 \
	--timeout 600s --out "$TMP/held" --quiet || true
stop_emu
python3 - "$TMP/held/c$held" "$held" <<'PY'
import json, sys
# the most requests open at one moment, from the records' own spans
ev = []
ok = failed = 0
for line in open(sys.argv[1] + "/requests.jsonl"):
    r = json.loads(line)
    ok += r["ok"]
    failed += not r["ok"]
    if r["start_ns"] and r["end_ns"]:
        ev += [(r["start_ns"], 1), (r["end_ns"], -1)]
ev.sort(key=lambda e: (e[0], e[1]))
cur = most = 0
for _, d in ev:
    cur += d
    most = max(most, cur)
print("streams held by 2 workers: %s asked, at most %d open at once, ok=%d failed=%d" % (sys.argv[2], most, ok, failed))
PY
