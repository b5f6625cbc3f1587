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
expect_grep "$TMP/err" "\-\-tp: must be a whole number in \[1, 1024\], got 'two'" "names the flag and quotes the value"
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

# ---- Every bad number and every bad file rejected -----------------------
# A port nothing listens on: a flag that is accepted gets as far as the
# connection (exit 1); a refused one exits 2 before it.
DEAD=http://127.0.0.1:1
M="$SC_SRCDIR/calib/models/tiny-llama.json"
# `timeout` turns a regression that blocks (a FIFO opened for reading waits
# for a writer) into exit 124, a failure, instead of a hung suite.
T="timeout 20"

# Flags: each value was accepted before (garbage or a UBSan abort later).
while IFS='|' read -r args msg; do
	[ -n "$args" ] || continue
	# shellcheck disable=SC2086
	eval "expect_rc 2 \"bench \$args\" -- $T \"\$SERVECAL\" bench --url $DEAD --model m --no-probe $args"
	expect_grep "$TMP/err" "$msg" "bench $args: names the flag and value"
done <<'FLAGS'
--isl 0.4|--isl: must be a whole number in \[1, 10000000\], got '0.4'
--isl 1e308|--isl: must be a whole number in \[1, 10000000\], got '1e308'
--osl 0|--osl: must be a whole number in \[1, 10000000\], got '0'
--timeout 1e308h|--timeout: must be a duration in \[0.001, 604800\] s .*got '1e308h'
--duration-per-level 1e12s|--duration-per-level: must be a duration .*got '1e12s'
--concurrency 1,|--concurrency: must be up to 64 comma-separated whole numbers .*got '1,'
--request-rate 1e10|--request-rate: .*rates in \[0.001, 100000\] requests/s, got '1e10'
--request-rate 1e300|got '1e300'
--request-rate 2,|got '2,'
--request-rate 1000 --duration-per-level 168h|more than 100000000 requests a level
--request-rate 1 --arrival gamma:1e308|gamma:K needs K in \[0.01, 100\], got '1e308'
--request-rate 1 --arrival gamma:1e-308|got '1e-308'
--max-error-rate 1.5|--max-error-rate: must be a number in \[0, 1\], got '1.5'
--isl-std 1e308|--isl-std: must be a number in \[0, 10000000\]
--out ''|option '--out' needs a non-empty value
FLAGS
expect_rc 1 "in-range flags reach the connection" -- $T "$SERVECAL" bench --url $DEAD \
	--model m --no-probe --isl 100 --osl 10 --timeout 2s --request-rate 5 \
	--duration-per-level 1s --arrival gamma:0.5 --out "$TMP/b" --quiet
EMU="$SC_SRCDIR/bench/emu-agg-fast.json"
expect_rc 2 "emulate --host garbage" -- $T "$SERVECAL" emulate -d "$EMU" --host garbage -p 0
expect_grep "$TMP/err" "\-\-host must be an IPv4 or IPv6 address or localhost, got 'garbage'" "quotes the host"
expect_rc 2 "emulate --fault-stall-ms 1e308" -- $T "$SERVECAL" emulate -d "$EMU" --fault-stall-ms 1e308
expect_rc 2 "emulate --fault-http-429 2" -- $T "$SERVECAL" emulate -d "$EMU" --fault-http-429 2
expect_grep "$TMP/err" "\-\-fault-http-429: must be a number in \[0, 1\], got '2'" "names the flag as typed (dashes), quotes the value"
expect_rc 2 "match --ttft-ms 1e308" -- "$SERVECAL" match --model qwen3-8b --gpu h200-sxm \
	--isl 100 --osl 10 --ttft-ms 1e308 --tpot-ms 20 --total-gpus 8
expect_rc 2 "predict --concurrency 1e7" -- "$SERVECAL" predict --model qwen3-8b --gpu h200-sxm --concurrency 10000000

# Special files: refused at once by every reader, exit 3.
mkfifo "$TMP/fifo.json" "$TMP/fifo.jsonl"
for args in "predict --model $TMP/fifo.json --gpu h200-sxm" \
	"predict --model qwen3-8b --gpu $TMP/fifo.json" \
	"predict --deployment $TMP/fifo.json" \
	"predict --model qwen3-8b --gpu h200-sxm --params $TMP/fifo.json" \
	"emulate -d $TMP/fifo.json -p 0" \
	"bench --url $DEAD --model m --dataset $TMP/fifo.jsonl" \
	"bench --url $DEAD --model m --deployment $TMP/fifo.json" \
	"import aiperf $TMP/fifo.jsonl --out $TMP/i1" \
	"import vllm $TMP/fifo.json --out $TMP/i2" \
	"campaign run $TMP/fifo.json --dry-run --out $TMP/c" \
	"db show $TMP/fifo.json" \
	"predict --model /dev/zero --gpu h200-sxm" \
	"import vllm /dev/zero --out $TMP/i3" \
	"bench --url $DEAD --model m --dataset /dev/zero"; do
	# shellcheck disable=SC2086
	expect_rc 3 "$args" -- $T "$SERVECAL" $args
	expect_grep "$TMP/err" "not a regular file" "$args: says why"
done
expect_grep "$TMP/err" "/dev/zero: not a regular file (a character device)" "names the device"
expect_rc 3 "db show FIFO" -- $T "$SERVECAL" db show "$TMP/fifo.json"
expect_grep "$TMP/err" "servecal: $TMP/fifo.json: not a regular file (a FIFO)" "db show names the FIFO, not calib/db/...json.json"
expect_rc 2 "db list extra" -- "$SERVECAL" db list extra
expect_grep "$TMP/err" "'list' takes no arguments, got 1 (first extra: 'extra')" "db list names the extra argument"
expect_rc 2 "db show A B" -- "$SERVECAL" db show a b
expect_grep "$TMP/err" "'show' takes one ENTRY, got 2 (first extra: 'b')" "db show names the extra argument"

# Strict JSON: trailing data and duplicate keys, exit 3 naming the place.
{ cat "$M"; echo 'GARBAGE{{{'; } >"$TMP/trail.json"
expect_rc 3 "model file with trailing garbage" -- "$SERVECAL" predict --model "$TMP/trail.json" --gpu h200-sxm
expect_grep "$TMP/err" "trail.json: data after the JSON value at line" "names file and place"
cat "$M" "$M" "$M" >"$TMP/thrice.json"
expect_rc 3 "model file three times" -- "$SERVECAL" predict --model "$TMP/thrice.json" --gpu h200-sxm
sed 's/"layers": *\([0-9]*\),/"layers": \1, "layers": 5,/' "$M" >"$TMP/dup.json"
expect_rc 3 "duplicate key" -- "$SERVECAL" predict --model "$TMP/dup.json" --gpu h200-sxm
expect_grep "$TMP/err" "dup.json: duplicate key 'layers'" "names the key"
sed 's/"hbm_gib": *[0-9.]*/"hbm_gib": 1e308/' "$SC_SRCDIR/calib/gpus/h200-sxm.json" >"$TMP/hbm.json"
expect_rc 3 "hbm_gib 1e308" -- "$SERVECAL" predict --model qwen3-8b --gpu "$TMP/hbm.json"
expect_grep "$TMP/err" "field 'hbm_gib': must be in \[1e-06, 1000000\], got 1e+308" "quotes the value"
sed 's/"time_scale": *0.1/"time_scale": 1e18/' "$EMU" >"$TMP/ts.json"
expect_rc 3 "emulator time_scale 1e18" -- $T "$SERVECAL" emulate -d "$TMP/ts.json" -p 0
expect_grep "$TMP/err" "field 'time_scale': must be in \[0.001, 1000\], got 1e+18" "quotes time_scale"

# Import: nonsense is bad input; "-" reads stdin.
echo '{"completed": -3, "num_prompts": 4, "mean_ttft_ms": -50}' >"$TMP/v.json"
expect_rc 3 "import nonsense" -- "$SERVECAL" import vllm "$TMP/v.json" --out "$TMP/i4"
expect_grep "$TMP/err" "field 'completed': must be in \[0, 100000000\], got -3" "quotes the count"
expect_rc 0 "import from stdin" -- sh -c "'$SERVECAL' import vllm - --out '$TMP/i5' <'$SC_SRCDIR/tests/fixtures/import/vllm_summary.json'"
expect_grep "$TMP/i5/r4/summary.json" '"ttft_ms"' "stdin import wrote the level"
finish
