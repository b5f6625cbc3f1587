#!/bin/sh
# `servecal verify`: a match result's recommended deployment is emulated,
# benched at its operating point and judged against its SLAs; the exit
# status and verify.json agree, and a recommendation whose SLA cannot be
# met is reported as a miss with exit 1.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }

M="$TMP/match"
expect_rc 0 "match" -- "$SERVECAL" match --model tiny-llama --gpu cpu-1core \
	--dtype bf16 --isl 128 --osl 16 --ttft-ms 400 --tpot-ms 40 \
	--total-gpus 1 --mode agg --backend vllm --out "$M"
"$SERVECAL" verify "$M" --rounds 3 >"$TMP/v.out" 2>"$TMP/v.err"
rc=$?
expect_eq "$(json "$M/verify/verify.json" "d['agg']['measured'], d['agg']['measured_ttft_ms'] > 0, 0 <= d['agg']['ttft_attainment'] <= 1, d['agg']['ttft_stat']")" \
	"(True, True, True, 'p90')" "verify.json: the agg recommendation measured, TTFT at p90, an attainment"
want=1
[ "$(json "$M/verify/verify.json" "d['passed']")" = "True" ] && want=0
expect_eq "$rc" "$want" "exit status follows the verdict"
expect_grep "$TMP/v.out" "TTFT p90" "prints TTFT at the SLA statistic"
expect_grep "$TMP/v.out" "attainment" "prints the attainment"
[ -f "$M/verify/agg/c$(json "$M/best.json" "int(d['agg']['best']['concurrency'])")/requests.jsonl" ] && pass ||
	fail "benched at the recommended concurrency"

# An SLA no deployment can meet: the verdict is a miss, exit 1.
python3 - "$M/best.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["query"]["ttft_ms"] = 0.001
json.dump(d, open(sys.argv[1], "w"))
PY
expect_rc 1 "a missed SLA" -- "$SERVECAL" verify "$M" --rounds 2 --out "$TMP/v2"
expect_grep "$TMP/out" "MISSES its SLAs" "says it misses"
expect_eq "$(json "$TMP/v2/verify.json" "d['passed'], d['agg']['sla_met']")" "(False, False)" "verify.json says so"

expect_rc 2 "bad tolerance" -- "$SERVECAL" verify "$M" --tolerance 2
expect_rc 3 "no best.json" -- "$SERVECAL" verify "$TMP/nowhere"
finish
