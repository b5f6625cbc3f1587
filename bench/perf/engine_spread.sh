#!/bin/sh
# How far a real engine moves on its own: llama.cpp's llama-server with
# the tiny model of ../shared/realsrv (one thread), one deployment (SLOTS
# slots) benched RUNS times at USERS users, each run on a freshly started
# server, back to back, with the workload of closure_real.sh (ISL 256 /
# OSL 64). Prints each run's TTFT p90, TPOT and tokens/s, their median and
# range, and how many runs fall within 10% of the median: the share of
# closure checks (closure_real.sh, `servecal verify`) that a projection
# equal to the engine's own median would pass. An accuracy claim finer
# than this spread cannot be shown on the machine it was measured on.
# About 20 s a run on 2 cores (say the load, `uptime`, with the figures).
# usage: bench/perf/engine_spread.sh [BUILDDIR] [OUTDIR] [RUNS] [SLOTS] [USERS] [REQUESTS]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
out=${2:-$top/results/engine-spread}
runs=${3:-8}
slots=${4:-2}
users=${5:-2}
requests=${6:-60}
. "$top/bench/perf/args.sh"
whole_arg engine_spread.sh RUNS "$runs" 2 100
whole_arg engine_spread.sh SLOTS "$slots" 1 64
whole_arg engine_spread.sh USERS "$users" 1 256
whole_arg engine_spread.sh REQUESTS "$requests" 1 100000
sc="$build/servecal"
SC_SRCDIR=$top
TMP=$(mktemp -d "${TMPDIR:-/tmp}/scspread.XXXXXX")
. "$top/tests/integration/realsrv.sh"
realsrv_require engine_spread
trap 'realsrv_stop_all; rm -rf "$TMP"' EXIT INT TERM
isl=256 osl=64
mkdir -p "$out"
# The cell array as closure_real.sh sizes it: a request's tokens a slot
# and one to spare, in 256-cell steps.
ctx=$(( ((slots + 1) * (isl + osl) + 255) / 256 * 256 ))

run=1
while [ "$run" -le "$runs" ]; do
	dir="$out/run$run"
	if [ ! -f "$dir/c$users/summary.json" ]; then
		realsrv_start URL --parallel "$slots" --threads 1 --ctx-size "$ctx" \
			--threads-http $((slots + 2))
		"$sc" bench --url "$URL" --isl $isl --osl $osl --concurrency "$users" \
			--requests-per-level "$requests" --out "$dir" --quiet ||
			echo "run $run failed" >&2
		realsrv_stop_all
	fi
	run=$((run + 1))
done

python3 - "$out" "$runs" "$users" "$slots" <<'PY'
import json, os, statistics, sys
out, runs, users, slots = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = []
for r in range(1, runs + 1):
    p = os.path.join(out, "run%d" % r, "c" + users, "summary.json")
    if not os.path.exists(p):
        print("run %d: not measured" % r)
        continue
    s = json.load(open(p))
    rows.append((r, s["ttft_ms"]["p90"], s["tpot_ms"]["mean"],
                 s["throughput"]["output_tokens_per_s"]))
if len(rows) < 2:
    sys.exit("engine_spread.sh: fewer than 2 runs measured")
print("%s slots, %s users, each run on a fresh server" % (slots, users))
print("| run | TTFT p90 ms | TPOT ms | tokens/s |")
print("|---:|---:|---:|---:|")
for r, t90, tpot, tok in rows:
    print("| %d | %.0f | %.2f | %.0f |" % (r, t90, tpot, tok))
for i, name in ((1, "TTFT p90"), (2, "TPOT"), (3, "tokens/s")):
    v = [row[i] for row in rows]
    med = statistics.median(v)
    within = sum(1 for x in v if abs(x / med - 1) <= 0.10)
    print("%-9s median %.2f, range %.2f-%.2f (max/min %.2f), %d of %d runs within 10%% of the median"
          % (name, med, min(v), max(v), max(v) / min(v), within, len(v)))
PY
