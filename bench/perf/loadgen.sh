#!/bin/sh
# bench/perf/loadgen: timing accuracy of `servecal bench` against
# `servecal emulate --trace`. For 1, 100 and 1,000 concurrent streams it
# compares each token's client timestamp (bench --token-times, stamped in
# the curl write callback) with the emulator's server-side write time (same
# CLOCK_MONOTONIC), and reports the client-minus-server offset p50/p99, the
# bench process's CPU time per received token, and the open-loop achieved
# rate and send lateness at 1,000 req/s.
# usage: bench/perf/loadgen.sh [BUILDDIR] [LEVELS] [OSL]
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

start_emu() {
	"$SERVECAL" emulate --deployment "$top/bench/emu-bench.json" --port 0 \
		--trace "$TMP/trace.jsonl" >"$TMP/emu.out" 2>"$TMP/emu.err" &
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

# cpu_run OUTFILE CMD...: runs CMD, writes its user+system CPU seconds.
cpu_run() {
	out=$1
	shift
	python3 -c '
import resource, subprocess, sys
rc = subprocess.run(sys.argv[2:]).returncode
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%f\n" % (r.ru_utime + r.ru_stime))
sys.exit(rc)' "$out" "$@"
}

echo "# servecal bench vs servecal emulate --trace (bench/emu-bench.json), osl=$osl, $(nproc) CPUs"
for n in $(echo "$levels" | tr , ' '); do
	start_emu
	reqs=$((n * 2))
	[ "$reqs" -ge 50 ] || reqs=50
	cpu_run "$TMP/cpu" "$SERVECAL" bench --url "$URL" --isl 128 --osl "$osl" \
		--concurrency "$n" --requests-per-level "$reqs" --token-times \
		--timeout 600s --out "$TMP/run$n" --quiet
	stop_emu
	python3 - "$TMP/trace.jsonl" "$TMP/run$n/c$n" "$(cat "$TMP/cpu")" "$n" <<'PY'
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
print("c=%-5s requests=%d failed=%d matched=%d tokens=%d  offset_us p50=%.1f p90=%.1f p99=%.1f max=%.1f  "
      "cpu_us/token=%.2f  held_in_flight=%.1f" % (n, summ["requests"]["total"], failed, matched, tokens,
      q(.5), q(.9), q(.99), offs[-1], cpu / tokens * 1e6, summ["little"]["measured_concurrency"]))
PY
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
