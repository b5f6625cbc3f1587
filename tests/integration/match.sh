#!/bin/sh
# `servecal match` end to end: the table, --json, --out files that predict
# accepts, exit 4 naming the binding constraint, and usage errors.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

BASE="--model qwen3-32b --gpu h200-sxm --dtype fp8 --kv-dtype fp8 --isl 4000 --osl 500"

expect_rc 0 "help match" -- "$SERVECAL" help match
expect_grep "$TMP/out" "usage: servecal match" "help prints usage"
expect_rc 0 "match lists in --help" -- "$SERVECAL" --help
expect_grep "$TMP/out" "match" "--help lists match"

# shellcheck disable=SC2086
expect_rc 0 "match table" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--min-tokens-per-s-user 60 --total-gpus 8 --top 3 --out "$TMP/m"
expect_grep "$TMP/out" "^agg  *[0-9]*x TP[0-9]* (batch " "table has the best agg"
expect_grep "$TMP/out" "^disagg  *[0-9]*P TP[0-9]* (batch [0-9]*) + " "table has the best disagg"
expect_grep "$TMP/out" "disagg/agg: [0-9.]*x tokens/s per GPU used" "table has the gain"
expect_grep "$TMP/out" "top 3 disagg" "table has the top N"
for f in agg.csv disagg.csv pareto.csv best.json deploy-agg.json deploy-disagg.json; do
	if [ -s "$TMP/m/$f" ]; then pass; else fail "--out wrote no $f"; fi
done
expect_grep "$TMP/m/pareto.csv" \
	"^tokens_per_s_per_user,tokens_per_s_per_gpu,ttft_ms,tpot_ms,config,mode,feasible$" \
	"pareto.csv header"

# The deployment file reproduces the reported point through predict: run it
# at the concurrency disagg.csv gives and compare tokens/s/gpu.
for mode in agg disagg; do
	# the quoted config name may hold commas: drop it, keep its column
	row=$(sed -n 2p "$TMP/m/$mode.csv" | sed 's/"[^"]*"//')
	tps=$(echo "$row" | cut -d, -f2)
	conc=$(echo "$row" | cut -d, -f11)
	expect_rc 0 "predict accepts deploy-$mode.json" -- "$SERVECAL" predict \
		--deployment "$TMP/m/deploy-$mode.json" --isl 4000 --osl 500 \
		--concurrency "$conc" --json
	expect_grep "$TMP/out" "\"mode\":	\"$mode\"" "predict runs the $mode deployment"
	got=$(sed -n 's/^.*"tokens_per_s_per_gpu":[^0-9]*\([0-9.]*\).*$/\1/p' "$TMP/out")
	if awk -v a="$got" -v b="$tps" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 1e-3 * b) }'; then
		pass
	else
		fail "$mode: predict gives $got tokens/s/gpu at concurrency $conc, match reported $tps"
	fi
done

# shellcheck disable=SC2086
expect_rc 0 "match --json" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--tpot-ms 16.67 --total-gpus 16 --json --mode disagg
expect_grep "$TMP/out" '"disagg_over_agg":	null' "no ratio for one mode"
expect_grep "$TMP/out" '"tokens_per_s_per_gpu":' "json has tokens/s/gpu"
expect_grep "$TMP/out" '"searched":	false' "agg not searched"

# Nothing meets a 10 ms TTFT: exit 4 naming TTFT.
# shellcheck disable=SC2086
expect_rc 4 "infeasible TTFT" -- "$SERVECAL" match $BASE --ttft-ms 10 \
	--min-tokens-per-s-user 60 --total-gpus 8 --out "$TMP/inf"
expect_grep "$TMP/err" "binding constraint: ttft" "names the binding constraint"
expect_grep "$TMP/err" "nearest miss" "gives the nearest miss"
if [ -s "$TMP/inf/best.json" ]; then pass; else fail "infeasible run wrote no best.json"; fi
# shellcheck disable=SC2086
expect_rc 4 "infeasible TPOT" -- "$SERVECAL" match $BASE --ttft-ms 5000 \
	--min-tokens-per-s-user 2000 --total-gpus 8
expect_grep "$TMP/err" "binding constraint: tpot" "names TPOT"

# Parameters from the perf database (an entry written by hand here) and
# --out creating missing parents, as a campaign asks for DIR/match/NAME.
mkdir -p "$TMP/db/h200-sxm/trtllm"
# shellcheck disable=SC2086
expect_rc 3 "--db without an entry" -- env SERVECAL_DB="$TMP/db" "$SERVECAL" \
	match $BASE --ttft-ms 600 --tpot-ms 16.67 --total-gpus 8 --db
expect_grep "$TMP/err" "no entry" "says the entry is missing"
echo '{"eta_c": 0.3}' >"$TMP/db/h200-sxm/trtllm/qwen3-32b.json"
# shellcheck disable=SC2086
expect_rc 0 "--db with an entry" -- env SERVECAL_DB="$TMP/db" "$SERVECAL" \
	match $BASE --ttft-ms 600 --tpot-ms 16.67 --total-gpus 8 --db \
	--out "$TMP/deep/match/calibrated"
expect_grep "$TMP/out" "params: .*qwen3-32b.json" "names the entry used"
if [ -s "$TMP/deep/match/calibrated/best.json" ]; then pass; else
	fail "--out did not create its parents"; fi
# shellcheck disable=SC2086
expect_rc 2 "--db with --params" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--tpot-ms 16.67 --total-gpus 8 --db --params "$TMP/p.json"

# --objective users, end to end: on one CPU core running llama.cpp (each
# slot's cells cost every decode step) the most users and the best tokens/s
# per core are different configs; the header and best.json say which ranking
# was used.
CORE="--model tiny-llama --gpu cpu-1core --dtype bf16 --backend llamacpp --mode agg
	--total-gpus 1 --isl 256 --osl 64 --ttft-ms 600 --tpot-ms 12"
# shellcheck disable=SC2086
expect_rc 0 "match per GPU on one core" -- "$SERVECAL" match $CORE --out "$TMP/c1"
# shellcheck disable=SC2086
expect_rc 0 "match --objective users" -- "$SERVECAL" match $CORE \
	--objective users --out "$TMP/cu"
expect_grep "$TMP/out" "ranked by concurrent users within the SLAs" "header names the users ranking"
expect_grep "$TMP/cu/best.json" '"objective":	"users"' "best.json names the users ranking"
n1=$(sed -n 2p "$TMP/c1/agg.csv" | sed 's/"[^"]*"//' | cut -d, -f11)
nu=$(sed -n 2p "$TMP/cu/agg.csv" | sed 's/"[^"]*"//' | cut -d, -f11)
most=$(sed 1d "$TMP/c1/agg.csv" | sed 's/"[^"]*"//' | cut -d, -f11 | sort -g | tail -1)
if awk -v a="$nu" -v b="$n1" -v m="$most" 'BEGIN { exit !(a + 0 > b + 0 && a + 0 >= m + 0) }'; then
	pass
else
	fail "--objective users runs $nu users, per GPU $n1, the most of any per-GPU row $most"
fi

# Usage errors.
# shellcheck disable=SC2086
expect_rc 2 "bad objective" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--tpot-ms 10 --total-gpus 8 --objective most
expect_grep "$TMP/err" "'most'" "quotes the bad objective"
expect_grep "$TMP/err" "users" "lists users among the objectives"
# shellcheck disable=SC2086
expect_rc 2 "both TPOT flags" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--tpot-ms 10 --min-tokens-per-s-user 60 --total-gpus 8
expect_grep "$TMP/err" "exactly one of --tpot-ms" "says which flags clash"
# shellcheck disable=SC2086
expect_rc 2 "no TTFT" -- "$SERVECAL" match $BASE --tpot-ms 10 --total-gpus 8
# shellcheck disable=SC2086
expect_rc 2 "bad mode" -- "$SERVECAL" match $BASE --ttft-ms 600 --tpot-ms 10 \
	--total-gpus 8 --mode split
expect_grep "$TMP/err" "--mode must be" "names --mode"
# shellcheck disable=SC2086
expect_rc 2 "bad GPU count" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--tpot-ms 10 --total-gpus 0
expect_rc 3 "unknown model" -- "$SERVECAL" match --model gpt-9 --gpu h200-sxm \
	--isl 10 --osl 10 --ttft-ms 600 --tpot-ms 10 --total-gpus 8
echo '{"eta_c": -1}' >"$TMP/p.json"
# shellcheck disable=SC2086
expect_rc 3 "bad params file" -- "$SERVECAL" match $BASE --ttft-ms 600 \
	--tpot-ms 10 --total-gpus 8 --params "$TMP/p.json"
expect_grep "$TMP/err" "p.json" "names the params file"
expect_rc 2 "fp8 on A100" -- "$SERVECAL" match --model qwen3-8b --gpu a100-80gb \
	--dtype fp8 --isl 10 --osl 10 --ttft-ms 600 --tpot-ms 10 --total-gpus 8

finish
