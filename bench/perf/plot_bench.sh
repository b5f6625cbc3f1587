#!/bin/sh
# Time of `servecal plot` and `servecal report` on the fixture campaign with
# a large matching result: ROWS configurations in each of agg.csv and
# disagg.csv (default 50000, i.e. 100000 points on one Pareto chart).
# Usage: bench/perf/plot_bench.sh [ROWS]   (or: make bench-plot)
# Prints wall seconds and peak memory of: data/script writing only
# (--no-render), rendering PNGs with gnuplot, and the report.
set -eu
ROWS=${1:-50000}
SRC=${SC_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SC_BUILDDIR:-$SRC}/servecal
TMP=$(mktemp -d "${TMPDIR:-/tmp}/plotbench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
cp -R "$SRC/tests/fixtures/campaign" "$TMP/c" && chmod -R u+w "$TMP/c"
M="$TMP/c/match/calibrated-ttft600"
for mode in agg disagg; do
	awk -v n="$ROWS" -v mode="$mode" 'BEGIN {
		srand(1);
		print "config,mode,gpus,tokens_per_s_per_user,tokens_per_s_per_gpu,ttft_ms,tpot_ms,feasible";
		for (i = 0; i < n; i++) {
			u = 20 + 120 * rand(); g = 700 * rand() * (1 - u / 200); t = 100 + 1900 * rand();
			printf "\"%s cfg %d\",%s,8,%.3f,%.3f,%.1f,%.3f,%d\n", mode, i, mode, u, g, t, 1000 / u, (t <= 600 && u >= 60);
		}
	}' >"$M/$mode.csv"
done
echo "servecal plot/report on $((2 * ROWS)) configurations ($(wc -c <"$M/agg.csv") + $(wc -c <"$M/disagg.csv") bytes of CSV)"
t() {
	label=$1
	shift
	/usr/bin/time -f "  $label: %e s wall, %M KiB peak RSS" "$@" >/dev/null
}
t "plot --no-render (read, write .dat/.gp)" "$BIN" plot "$TMP/c" --no-render
if command -v gnuplot >/dev/null 2>&1; then
	t "plot (PNG, 11 charts)" "$BIN" plot "$TMP/c"
	t "report (PNG re-render + md + html)" "$BIN" report "$TMP/c"
else
	echo "  gnuplot not installed: rendering not timed"
fi
