#!/bin/sh
# Calibration accuracy on the emulator: sweeps three emulated deployments
# (bench/perf/fit-emulator.json, about 7 minutes), fits with every other
# level held out, and reports in-sample and held-out MAPE of TTFT mean and
# p90, TPOT and throughput, the TTFT knee concurrency measured vs projected,
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
# Knee: the concurrency where mean TTFT first reaches 1.5x its value at the
# lowest level, interpolated between levels; projected the same way from the
# fitted model on a fine grid.
for d in agg disagg disagg-2p2; do
	meas=$(for c in "$out/$d"/c*/summary.json; do
		n=$(basename "$(dirname "$c")" | tr -d c)
		t=$(grep -A3 '"ttft_ms"' "$c" | grep '"mean"' | head -1 | tr -dc '0-9.e+-')
		echo "$n $t"
	done | sort -n | awk 'NR==1 {b=$2; pn=$1; pt=$2; next}
		!k && $2 >= 1.5*b { k = pn + ($1-pn) * (1.5*b-pt)/($2-pt) }
		{pn=$1; pt=$2} END { if (k) print k; else print "none" }')
	proj=$(n=1; while [ $n -le 256 ]; do
		t=$("$sc" predict --deployment "$out/specs/$d.json" --isl 2000 --osl 128 \
			--concurrency $n --params "$out/fit-bench.json" --json |
			grep '"ttft_ms"' | tr -dc '0-9.e+-')
		echo "$n $t"; n=$((n + 1)); done | awk 'NR==1 {b=$2; pn=$1; pt=$2; next}
		!k && $2 >= 1.5*b { k = pn + ($1-pn) * (1.5*b-pt)/($2-pt) }
		{pn=$1; pt=$2} END { if (k) print k; else print "none" }')
	echo "TTFT knee $d: measured $meas, projected $proj"
done
