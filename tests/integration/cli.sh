#!/bin/sh
# The command line: help, version, usage errors and exit codes, and
# `predict` end to end on the shipped catalogs and deployments.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

expect_rc 0 "--help" -- "$SERVECAL" --help
expect_grep "$TMP/out" "predict" "--help lists commands"
expect_rc 0 "--version" -- "$SERVECAL" --version
expect_grep "$TMP/out" "^servecal [0-9]" "--version prints the version"
expect_rc 0 "help predict" -- "$SERVECAL" help predict
expect_grep "$TMP/out" "usage: servecal predict" "help CMD prints usage"
expect_rc 0 "predict --help" -- "$SERVECAL" predict --help
expect_grep "$TMP/out" "usage: servecal predict" "CMD --help prints usage"
expect_rc 2 "no command" -- "$SERVECAL"
expect_rc 2 "unknown command" -- "$SERVECAL" frobnicate
expect_grep "$TMP/err" "unknown command 'frobnicate'" "names the command"
expect_grep "$TMP/err" "servecal --help" "hints at help"
expect_rc 2 "help of unknown command" -- "$SERVECAL" help frobnicate
expect_rc 2 "unknown global option" -- "$SERVECAL" --frob
expect_rc 2 "unknown option" -- "$SERVECAL" predict --model qwen3-32b --gpu h200-sxm --frob
expect_grep "$TMP/err" "unknown option '--frob'" "names the option"
expect_grep "$TMP/err" "servecal predict --help" "hints at command help"
expect_rc 2 "missing value" -- "$SERVECAL" predict --model
expect_rc 2 "bad number" -- "$SERVECAL" predict --model qwen3-32b --gpu h200-sxm --tp two
expect_grep "$TMP/err" "\-\-tp: expected a whole number" "names the flag"
expect_rc 2 "missing model" -- "$SERVECAL" predict --gpu h200-sxm
expect_rc 3 "unknown model name" -- "$SERVECAL" predict --model gpt-9 --gpu h200-sxm
expect_grep "$TMP/err" "unknown model 'gpt-9'" "names the model"
echo '{"name": "x", "layers": 2,}' >"$TMP/bad.json"
expect_rc 3 "malformed model file" -- "$SERVECAL" predict --model "$TMP/bad.json" --gpu h200-sxm
expect_grep "$TMP/err" "bad.json: invalid JSON near line 1" "names file and place"
expect_rc 2 "fp8 on A100" -- "$SERVECAL" predict --model qwen3-8b --gpu a100-80gb --dtype fp8
expect_grep "$TMP/err" "no fp8" "says the GPU lacks fp8"

expect_rc 0 "predict json" -- "$SERVECAL" predict --model qwen3-32b --gpu h200-sxm \
	--dtype fp8 --kv-dtype fp8 --tp 2 --isl 4000 --osl 500 --concurrency 64 --json
for k in prefill_ms ttft_ms tpot_ms tokens_per_s tokens_per_s_per_gpu \
	tokens_per_s_per_user kv_bytes_per_token weights_gib_per_gpu \
	kv_capacity_tokens max_batch_fit oom; do
	expect_grep "$TMP/out" "\"$k\":" "predict --json has $k"
done
expect_grep "$TMP/out" '"kv_bytes_per_token":	131072' "fp8 KV bytes per token"
expect_rc 0 "predict table" -- "$SERVECAL" predict --model llama-3.1-70b --gpu h100-sxm --tp 1 --mode decode --concurrency 8
expect_grep "$TMP/out" "OOM .*yes" "70B bf16 on one H100 is OOM"
for f in agg disagg; do
	expect_rc 0 "predict $f deployment" -- "$SERVECAL" predict \
		--deployment "$SC_SRCDIR/bench/qwen3-32b-h200-$f.json" --concurrency 32 --json
	expect_grep "$TMP/out" '"gpus":	8' "$f deployment has 8 GPUs"
done
expect_rc 3 "missing deployment" -- "$SERVECAL" predict --deployment "$TMP/none.json"
finish
