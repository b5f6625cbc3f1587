#!/bin/sh
# Soak: `servecal bench` holds 500 concurrent streams against
# `servecal emulate` for 10 minutes (or DURATION_S) while the emulator
# injects every fault kind and the client abandons requests (its --timeout
# cuts the long ones mid-stream). Samples the resident memory (VmRSS) of
# both processes and checks that, after the warm-up (the first fifth), each
# stays within 10% of its smallest sample, and that no request is lost:
# the bench's record ids run 0..N-1 without a gap, N equals the level's
# request count, and the emulator counted N + retries + the probe requests.
# usage: bench/perf/soak.sh [DURATION_S] [BUILDDIR]
# env: SOAK_CONCURRENCY (500), SOAK_SAMPLES (20), SOAK_OUT (a fresh tmpdir)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
dur=${1:-600}
build=${2:-$top/build}
sc="$build/servecal"
conc=${SOAK_CONCURRENCY:-500}
samples=${SOAK_SAMPLES:-20}
out=${SOAK_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/soak.XXXXXX")}
mkdir -p "$out"
[ -x "$sc" ] || { echo "soak: no servecal at $sc (give BUILDDIR)" >&2; exit 2; }

# Qwen3-8B on 8 H200s, slowed to half speed (about 40 tokens/s per stream at
# this load) so that both processes fit on one shared core each.
cat >"$out/deploy.json" <<'EOF'
{
  "name": "soak", "model": "qwen3-8b", "gpu": "h200-sxm",
  "backend": "emulated", "dtype": "fp8", "kv_dtype": "fp8", "mode": "agg",
  "workers": [{"role": "agg", "count": 8, "tp": 1, "pp": 1,
               "max_batch": 128, "max_num_tokens": 8192}],
  "emulator": {"seed": 7, "time_scale": 2.0}
}
EOF

emu_pid=""
bench_pid=""
cleanup() {
	[ -n "$bench_pid" ] && kill "$bench_pid" 2>/dev/null || true
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
	wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

# 1% of requests each: HTTP 429, 500, 503 before streaming; an error chunk,
# a dropped connection, a 1 s stall or a malformed chunk mid-stream.
"$sc" emulate --deployment "$out/deploy.json" --port 0 \
	--fault-http-429 0.01 --fault-http-500 0.01 --fault-http-503 0.01 \
	--fault-error-chunk 0.01 --fault-drop 0.01 --fault-stall 0.01 \
	--fault-stall-ms 1000 --fault-malformed 0.01 \
	>"$out/emu.out" 2>"$out/emu.err" &
emu_pid=$!
url=""
for _ in $(seq 1 100); do
	url=$(head -n 1 "$out/emu.out" 2>/dev/null || true)
	[ -n "$url" ] && break
	sleep 0.1
done
[ -n "$url" ] || { echo "soak: emulator did not start: $(cat "$out/emu.err")" >&2; exit 1; }

# Output lengths spread widely (mean 200, sd 120 tokens, about 5 s at 40
# tokens/s); the 10 s timeout cuts the longest few percent mid-stream. No
# error-rate stop: instant HTTP faults finish first and would trip it.
"$sc" bench --url "$url" --isl 256 --osl 200 --osl-std 120 \
	--concurrency "$conc" --duration-per-level "${dur}s" --timeout 10s \
	--max-error-rate 1 --out "$out/bench" --quiet \
	>"$out/bench.out" 2>"$out/bench.err" &
bench_pid=$!

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
metric() { # sum of a metric's samples
	curl -s --max-time 5 "$url/metrics" |
		awk -v m="$1" '$1 == m || index($1, m "{") == 1 { s += $2 } END { printf "%.0f", s }'
}

interval=$(awk "BEGIN { i = $dur / $samples; print (i < 1 ? 1 : i) }")
t0=$(date +%s.%N)
: >"$out/samples.txt"
printf '%8s %12s %14s %13s %12s %12s\n' t_s emu_rss_kB bench_rss_kB streams_open conns_open tokens
while kill -0 "$bench_pid" 2>/dev/null; do
	sleep "$interval"
	kill -0 "$bench_pid" 2>/dev/null || break
	t=$(awk "BEGIN { printf \"%.0f\", $(date +%s.%N) - $t0 }")
	line=$(printf '%8s %12s %14s %13s %12s %12s' "$t" "$(rss_kb "$emu_pid")" \
		"$(rss_kb "$bench_pid")" "$(metric servecal_emu_streams_open)" \
		"$(metric servecal_emu_connections_open)" "$(metric servecal_emu_tokens_total)")
	echo "$line"
	echo "$line" >>"$out/samples.txt"
done
bench_rc=0
wait "$bench_pid" || bench_rc=$?
bench_pid=""
curl -s --max-time 5 "$url/metrics" >"$out/metrics.txt"

python3 - "$out" "$bench_rc" "$conc" <<'EOF'
import json, os, sys
out, bench_rc, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ok = True
def check(cond, what):
    global ok
    print(("  ok    " if cond else "  FAIL  ") + what)
    ok = ok and cond

rows = [list(map(float, l.split())) for l in open(os.path.join(out, "samples.txt")) if l.strip()]
steady = rows[len(rows) // 5:]
print("\nsoak: %d samples, the first %d are warm-up" % (len(rows), len(rows) - len(steady)))
for col, name in ((1, "emulator"), (2, "bench")):
    v = [r[col] for r in steady if r[col] > 0]
    if not v:
        check(False, "%s RSS sampled" % name)
        continue
    growth = max(v) / min(v) - 1
    check(growth <= 0.10, "%s RSS after warm-up %.1f-%.1f MB (spread %.1f%%, limit 10%%)"
          % (name, min(v) / 1024, max(v) / 1024, 100 * growth))

level = os.path.join(out, "bench", "c%d" % conc)
recs = [json.loads(l) for l in open(os.path.join(level, "requests.jsonl"))]
summ = json.load(open(os.path.join(level, "summary.json")))
ids = sorted(r["id"] for r in recs)
sent = ids[-1] + 1 if ids else 0
retries = sum(r.get("retries") or 0 for r in recs)
reasons = {}
for r in recs:
    if not r["ok"]:
        reasons[r["reason"]] = reasons.get(r["reason"], 0) + 1
m = {}
for l in open(os.path.join(out, "metrics.txt")):
    if l.startswith("#") or not l.strip():
        continue
    k, v = l.rsplit(" ", 1)
    m[k] = float(v)
server = m.get('servecal_emu_requests_total{endpoint="completions"}', -1)
probes = server - len(recs) - retries
print("bench exit status %d; records %d (ok %d, failed %d: %s)" % (
    bench_rc, len(recs), sum(r["ok"] for r in recs), len(recs) - sum(r["ok"] for r in recs),
    ", ".join("%s %d" % kv for kv in sorted(reasons.items()))))
print("server: %d generation requests, %d disconnects, faults %s" % (
    server, m.get("servecal_emu_disconnects_total", -1),
    ", ".join("%s %d" % (k.split('"')[1], v) for k, v in sorted(m.items())
              if k.startswith("servecal_emu_faults_total") and v)))
check(ids == list(range(sent)), "record ids run 0..%d without a gap or a repeat" % (sent - 1))
check(summ["requests"]["total"] == len(recs),
      "the level's request count %d equals the records %d" % (summ["requests"]["total"], len(recs)))
check(0 <= probes <= 2,
      "the emulator counted records + retries + probe: %d = %d + %d + %d"
      % (server, len(recs), retries, probes))
check(m.get("servecal_emu_streams_open", -1) == 0, "no stream left open on the emulator")
sys.exit(0 if ok else 1)
EOF
