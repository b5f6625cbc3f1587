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
# fitted model on a grid of every concurrency up to the largest measured.
knee() { # reads "N ttft_ms" lines sorted by N
	awk 'NR==1 {b=$2; pn=$1; pt=$2; next}
		!k && $2 >= 1.5*b { k = pn + ($1-pn) * (1.5*b-pt)/($2-pt) }
		{pn=$1; pt=$2} END { if (k) printf "%.1f", k; else print "none" }'
}
for d in agg disagg disagg-2p2; do
	meas=$(for c in "$out/$d"/c*/summary.json; do
		python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["concurrency"], s["ttft_ms"]["mean"])' "$c"
	done | sort -n | knee)
	top=$(ls -d "$out/$d"/c* | sed 's/.*c//' | sort -n | tail -1)
	proj=$(n=1; while [ $n -le "$top" ]; do
		t=$("$sc" predict --deployment "$out/specs/$d.json" --isl 2000 --osl 128 \
			--concurrency $n --params "$out/fit-bench.json" --json |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["ttft_ms"])')
		echo "$n $t"; n=$((n + 1)); done | knee)
	echo "TTFT knee $d: measured $meas, projected $proj"
done
