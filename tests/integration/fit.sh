#!/bin/sh
# `servecal fit` and `servecal db` on recorded result fixtures: the fit
# writes fit.json and the perf database, predict and db read them back,
# and degenerate inputs are refused with exit code 3.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
R="$SC_SRCDIR/tests/fixtures/results"
export SERVECAL_DB="$TMP/db"

expect_rc 0 "fit agg+disagg" -- "$SERVECAL" fit "$R/agg" "$R/disagg" \
	--out "$TMP/fit.json" --bootstrap 20 --db --backend trtllm
expect_grep "$TMP/out" "MAPE" "prints MAPE"
expect_grep "$TMP/out" "held-out" "prints held-out error"
expect_grep "$TMP/out" "perf database: .*h200-sxm/trtllm/qwen3-32b.json" "names the db entry"
for k in '"converged":	true' '"params":' '"sigma":' '"not_identifiable":' \
	'"held_out":' '"projected_prior":' '"set":	"holdout"'; do
	expect_grep "$TMP/fit.json" "$k" "fit.json has $k"
done
expect_rc 0 "db list" -- "$SERVECAL" db list
expect_grep "$TMP/out" "h200-sxm/trtllm/qwen3-32b" "db list shows the entry"
expect_rc 0 "db show" -- "$SERVECAL" db show h200-sxm/trtllm/qwen3-32b
expect_grep "$TMP/out" "eta_c" "db show lists parameters"
# A second fit refreshes the entry and keeps the first in its history.
expect_rc 0 "refit into db" -- "$SERVECAL" fit "$R/agg" "$R/disagg" \
	--out "$TMP/fit2.json" --holdout none --db --backend trtllm
expect_grep "$SERVECAL_DB/h200-sxm/trtllm/qwen3-32b.json" '"history":' "db keeps history"
expect_rc 0 "db show history" -- "$SERVECAL" db show h200-sxm/trtllm/qwen3-32b
expect_grep "$TMP/out" "history: 1 earlier" "one earlier fit"
expect_rc 0 "db diff" -- "$SERVECAL" db diff "$TMP/fit.json" h200-sxm/trtllm/qwen3-32b
expect_grep "$TMP/out" "change%" "diff prints changes"
expect_rc 0 "predict --db" -- "$SERVECAL" predict \
	--deployment "$SC_SRCDIR/bench/qwen3-32b-h200-agg.json" --concurrency 8 --db
expect_grep "$TMP/out" "parameters from .*qwen3-32b.json" "predict names the entry"
# Entry names may hold dots.
expect_rc 0 "fit into a dotted entry" -- "$SERVECAL" fit "$R/agg" --model llama-3.1-8b \
	--holdout none --out "$TMP/fit3.json" --db --backend trtllm
expect_rc 0 "db show dotted entry" -- "$SERVECAL" db show h200-sxm/trtllm/llama-3.1-8b
expect_grep "$TMP/out" "Llama-3.1-8B" "shows the dotted entry"
expect_rc 3 "db show missing entry" -- "$SERVECAL" db show h200-sxm/trtllm/nope
expect_grep "$TMP/err" "nope.json: cannot open" "names the missing entry"
expect_rc 3 "predict --db without entry" -- "$SERVECAL" predict --model qwen3-8b \
	--gpu h100-sxm --db
expect_grep "$TMP/err" "no entry" "says the entry is missing"

# Degenerate inputs: exit 3 with a reason.
mkdir -p "$TMP/one"
cp "$R/agg/deployment.json" "$R/agg/run.json" "$TMP/one/"
cp -r "$R/agg/c8" "$TMP/one/"
expect_rc 3 "single level" -- "$SERVECAL" fit "$TMP/one" --out "$TMP/x.json"
expect_grep "$TMP/err" "at least two" "explains the single level"
cp -r "$R/agg/c32" "$TMP/one/"
sed 's/"ok": [0-9]*/"ok": 0/' "$R/agg/c64/summary.json" >"$TMP/s.json"
mkdir -p "$TMP/failed/c64" && cp "$R/agg/deployment.json" "$TMP/failed/" &&
	cp "$TMP/s.json" "$TMP/failed/c64/summary.json"
expect_rc 3 "all requests failed" -- "$SERVECAL" fit "$TMP/failed" --out "$TMP/x.json"
expect_grep "$TMP/err" "no concurrency level with a successful request" "explains"
mkdir -p "$TMP/open/r4" && cp "$R/agg/deployment.json" "$TMP/open/" &&
	cp "$R/agg/c8/summary.json" "$TMP/open/r4/"
# Open-loop levels are fitted too (each under its own load): one level
# alone is as degenerate as one concurrency.
expect_rc 3 "one open-loop level" -- "$SERVECAL" fit "$TMP/open" --out "$TMP/x.json"
expect_grep "$TMP/err" "at least two" "explains the single level"
expect_rc 3 "missing dir" -- "$SERVECAL" fit "$TMP/nope"
expect_rc 3 "imported without deployment" -- "$SERVECAL" fit "$TMP/failed/c64"
sed 's/"ttft_ms": {/"ttft_ms": {"bogus": 1, /; s/"mean": [0-9.e+-]*,/"mean": "x",/' \
	"$R/agg/c1/summary.json" >"$TMP/one/c32/summary.json"
expect_rc 3 "malformed summary" -- "$SERVECAL" fit "$TMP/one" --out "$TMP/x.json"
expect_grep "$TMP/err" "c32/summary.json" "names the file"
expect_rc 2 "unknown parameter" -- "$SERVECAL" fit "$R/agg" --fix eta_q
expect_rc 2 "bad holdout" -- "$SERVECAL" fit "$R/agg" --holdout sometimes
# Different models cannot be fitted together.
mkdir -p "$TMP/other" && cp -r "$R/disagg/." "$TMP/other/"
sed 's/"qwen3-32b"/"qwen3-8b"/' "$R/disagg/deployment.json" >"$TMP/other/deployment.json"
expect_rc 3 "conflicting models" -- "$SERVECAL" fit "$R/agg" "$TMP/other" --out "$TMP/x.json"
expect_grep "$TMP/err" "one model, GPU and backend" "explains the conflict"
finish
