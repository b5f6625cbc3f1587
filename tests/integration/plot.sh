#!/bin/sh
# `servecal plot` and `servecal report` on a copy of the fixture campaign:
# usage and input errors, a bench directory, a missing gnuplot (clear
# error, .dat/.gp still written), and real rendering to non-empty PNG and
# SVG with gnuplot.
# Exits 77 (skip) after the other checks when gnuplot is not installed.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

C="$TMP/campaign"
cp -R "$SC_SRCDIR/tests/fixtures/campaign" "$C" && chmod -R u+w "$C"

expect_rc 2 "plot without DIR" -- "$SERVECAL" plot
expect_grep "$TMP/err" "give the campaign directory" "says what is missing"
expect_rc 2 "plot bad format" -- "$SERVECAL" plot "$C" --format bmp
expect_grep "$TMP/err" "\-\-format must be png, svg or pdf" "names the flag"
expect_rc 2 "report pdf" -- "$SERVECAL" report "$C" --format pdf
expect_rc 3 "plot missing dir" -- "$SERVECAL" plot "$TMP/none"
expect_grep "$TMP/err" "$TMP/none" "names the directory"
mkdir -p "$TMP/bad" && echo '{"name": "x", "workload": {"isl": -1}}' >"$TMP/bad/campaign.json"
expect_rc 3 "malformed campaign.json" -- "$SERVECAL" report "$TMP/bad"
expect_grep "$TMP/err" "campaign.json.*isl" "names file and field"

# A bench directory (cN/summary.json, no campaign.json): its latency
# charts; a directory that is neither says what plot needs.
B="$TMP/bench-run"
cp -R "$SC_SRCDIR/tests/fixtures/campaign/agg-tp2x4" "$B" && chmod -R u+w "$B"
expect_rc 0 "plot a bench directory" -- "$SERVECAL" plot "$B" --no-render
expect_grep "$TMP/out" "plots/ttft-bench-run.gp" "draws its TTFT chart"
expect_grep "$TMP/out" "plots/tpot-bench-run.gp" "draws its TPOT chart"
expect_grep "$B/plots/ttft-bench-run.dat" "^32 620 910 " "with its measured levels"
mkdir -p "$TMP/empty"
expect_rc 3 "plot a directory with neither" -- "$SERVECAL" plot "$TMP/empty"
expect_grep "$TMP/err" "no campaign.json.*no cN/summary.json" "says what plot needs"

# Malformed pieces other than campaign.json are reported, not fatal.
M="$TMP/mal"
cp -R "$SC_SRCDIR/tests/fixtures/campaign" "$M" && chmod -R u+w "$M"
echo '{"converged": "yes", "params": [1, 2], "points": {"a": 1}, "mape": 5}' >"$M/fit.json"
echo '{"sla": 3, "agg": 7, "disagg": {"config": 5}}' >"$M/match/calibrated-ttft600/best.json"
printf 'config,"mode\n' >"$M/match/prior-ttft600/agg.csv"
echo '[]' >"$M/env.json"
printf '\001garbage' >"$M/disagg-2p1d/c16/summary.json"
expect_rc 0 "report on malformed pieces" -- "$SERVECAL" report "$M" --no-render
expect_grep "$M/report.md" "deployment disagg-2p1d: incomplete: .*c16/summary.json: invalid JSON" "names the bad summary"
expect_grep "$M/report.md" "agg.csv: line 1: unterminated quote" "names the bad CSV and line"
expect_grep "$M/report.md" "env.json is not an object" "names the bad env.json"
expect_grep "$M/report.md" "| 64 | 63 | \*\*1\*\* | 980.0" "keeps the good levels"

# No gnuplot: exit 1 with a clear message; the data and scripts are written.
expect_rc 1 "plot, gnuplot overridden to a missing program" -- \
	env SERVECAL_GNUPLOT=/nonexistent/gnuplot "$SERVECAL" plot "$C"
expect_grep "$TMP/err" "gnuplot not found" "says gnuplot is missing"
expect_grep "$TMP/err" "apt-get install gnuplot" "says how to get it"
expect_rc 1 "plot, PATH without gnuplot" -- env PATH=/nonexistent "$SERVECAL" plot "$C"
expect_grep "$TMP/err" "gnuplot not found" "PATH lookup says gnuplot is missing"
for f in pareto-calibrated-ttft600 ttft-agg-tp2x4 align-ttft_ms; do
	[ -s "$C/plots/$f.dat" ] && [ -s "$C/plots/$f.gp" ] && pass ||
		fail "$f.dat/.gp not written without gnuplot"
done
expect_rc 1 "report without gnuplot" -- env SERVECAL_GNUPLOT=/nonexistent/gnuplot "$SERVECAL" report "$C"
expect_grep "$TMP/out" "report.html" "report path still printed"
expect_grep "$C/report.md" "Plot missing" "report says plots are missing"
expect_grep "$C/report.md" "| 32 | 64 | 0 | 620.0" "report still has the tables"

if ! command -v gnuplot >/dev/null 2>&1; then
	finish && { echo "SKIP: gnuplot not installed: render checks not run"; exit 77; }
	exit 1
fi

# Real rendering.
expect_rc 0 "plot png" -- "$SERVECAL" plot "$C"
n=$(grep -c '\.png$' "$TMP/out")
[ "$n" -eq 11 ] && pass || fail "plot lists $n charts, want 11"
for f in $(cat "$TMP/out"); do
	[ -s "$f" ] || { fail "$f is empty or missing"; continue; }
	[ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] && pass ||
		fail "$f is not a PNG"
	w=$(od -An -j16 -N4 -tu1 "$f" | awk '{print $1*16777216+$2*65536+$3*256+$4}')
	[ "$w" -eq 1400 ] && pass || fail "$f width $w, want 1400"
done
expect_rc 0 "plot svg" -- "$SERVECAL" plot "$C" --format svg
for f in $(cat "$TMP/out"); do
	[ -s "$f" ] && grep -q "<svg" "$f" && pass || fail "$f is not a non-empty SVG"
done
expect_grep "$C/plots/pareto-calibrated-ttft600.svg" "TTFT p90 (ms)" "SVG Pareto names its TTFT statistic on the colour scale"
expect_grep "$C/plots/pareto-calibrated-ttft600.svg" "disagg best: 3P TP1 (batch 4) + 1D TP4 (batch 96): 560.0 tokens/s/gpu, 7 of 8 GPUs, TTFT p90 590 ms" "SVG describes the best point"
expect_rc 0 "plot pdf" -- "$SERVECAL" plot "$C" --format pdf --out "$TMP/pdf"
[ "$(head -c 4 "$TMP/pdf/pareto-prior-ttft600.pdf")" = "%PDF" ] && pass || fail "PDF not written"

# A broken template: gnuplot's own error, with the script line, exit 1.
mkdir -p "$TMP/tpl" && cp "$SC_SRCDIR"/plots/*.gp "$TMP/tpl/"
sed -i 's/^set grid back/set grdi back/' "$TMP/tpl/pareto.gp"
expect_rc 1 "gnuplot script error" -- env SERVECAL_PLOTS="$TMP/tpl" "$SERVECAL" plot "$C"
expect_grep "$TMP/err" "pareto-.*\.gp\" line [0-9]*:" "names the script and line"

expect_rc 0 "report" -- "$SERVECAL" report "$C"
expect_grep "$TMP/out" "^$C/report.html$" "prints the report path"
n=$(grep -o '<img src="data:image/png;base64,' "$C/report.html" | wc -l)
[ "$n" -eq 11 ] && pass || fail "report.html embeds $n images, want 11"
expect_grep "$C/report.md" "(plots/pareto-calibrated-ttft600.png)" "report.md links the Pareto chart"
expect_rc 0 "report svg" -- "$SERVECAL" report "$C" --format svg
n=$(grep -o '<img src="data:image/svg+xml;base64,' "$C/report.html" | wc -l)
[ "$n" -eq 11 ] && pass || fail "report.html embeds $n SVG images, want 11"
expect_rc 0 "report --no-render uses the images there" -- "$SERVECAL" report "$C" --format svg --no-render
expect_grep "$C/report.html" "data:image/svg+xml;base64," "existing SVGs embedded"
finish
