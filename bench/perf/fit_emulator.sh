#!/bin/sh
# Calibration accuracy on the emulator: sweeps three emulated deployments
# (bench/perf/fit-emulator.json, about 7 minutes), fits with every other
# level held out, and reports in-sample and held-out MAPE of TTFT mean, p90
# and p99 (levels of 100 requests or more), TPOT mean and p90 and throughput, the TTFT knee concurrency measured vs projected,
# and the fit time. Targets (held out): TPOT <= 3%, throughput <= 3%, TTFT
# mean <= 8%, TTFT p90 <= 12%, knee within 10%.
# usage: bench/perf/fit_emulator.sh [BUILDDIR] [OUTDIR]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
out=${2:-$top/results/fit-emulator}
sc="$build/servecal"
export SERVECAL_DB="$out-db"
if [ ! -f "$out/manifest.json" ]; then
	"$sc" campaign run "$top/bench/perf/fit-emulator.json" --out "$out" --quiet || true
fi
t0=$(date +%s.%N)
"$sc" fit "$out/agg" "$out/disagg" "$out/disagg-2p2" --holdout levels \
	--bootstrap 200 --out "$out/fit-bench.json" >"$out/fit-bench.txt"
t1=$(date +%s.%N)
sed -n '/MAPE/,/priors/p' "$out/fit-bench.txt"
echo "fit time with 200 bootstrap rounds (3 deployments x 10 levels): $(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }") s (target <= 2 s)"
# Knee: the concurrency at which TTFT leaves its flat part, from a hinge
# fit TTFT = a + b * max(0, N - k) (least squares over a fine grid of k),
# applied the same way to the measured means and to the fitted model's
# projection at every concurrency of the sweep's range.
hinge() { # reads "N ttft_ms" lines
	python3 -c '
import sys
pts = sorted(tuple(map(float, l.split())) for l in sys.stdin if l.strip())
best = None
lo, hi = pts[0][0], pts[-1][0]
for i in range(1, 2001):
    k = lo + (hi - lo) * i / 2001
    xs = [max(0.0, n - k) for n, _ in pts]
    ys = [t for _, t in pts]
    m = len(pts); sx = sum(xs); sy = sum(ys)
    sxx = sum(x * x for x in xs); sxy = sum(x * y for x, y in zip(xs, ys))
    den = m * sxx - sx * sx
    if den <= 0: continue
    b = (m * sxy - sx * sy) / den; a = (sy - b * sx) / m
    if b <= 0: continue
    sse = sum((a + b * x - y) ** 2 for x, y in zip(xs, ys))
    if best is None or sse < best[0]: best = (sse, k)
print("%.1f" % best[1] if best else "none")'
}
for d in agg disagg disagg-2p2; do
	meas=$(for c in "$out/$d"/c*/summary.json; do
		python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["concurrency"], s["ttft_ms"]["mean"])' "$c"
	done | hinge)
	top=$(ls -d "$out/$d"/c* | sed 's/.*c//' | sort -n | tail -1)
	proj=$(n=1; while [ $n -le "$top" ]; do
		t=$("$sc" predict --deployment "$out/specs/$d.json" --isl 2000 --osl 128 \
			--concurrency $n --params "$out/fit-bench.json" --json |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["ttft_ms"])')
		echo "$n $t"; n=$((n + 1)); done | hinge)
	echo "TTFT knee $d: measured $meas, projected $proj"
done
