#!/bin/sh
# The closure path in seconds: match recommends, verify emulates the
# recommendation with a ground truth equal to the priors match projected
# with (no batch-shape efficiency effect) and benches it at its
# recommended concurrency. The verdict must pass there, and must fail,
# naming the miss, when the tolerance is too tight to hold or when the
# deployment run is not the one recommended (one slot where nine were
# projected, on an engine half as fast). A verdict that always passed would let a recommendation
# that does not hold go out unnoticed.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }

M="$TMP/match"
expect_rc 0 "match" -- "$SERVECAL" match --model tiny-llama --gpu cpu-1core \
	--dtype bf16 --isl 128 --osl 16 --ttft-ms 400 --tpot-ms 40 \
	--total-gpus 1 --mode agg --backend vllm --out "$M"
expect_eq "$(json "$M/best.json" "d['query']['ttft_margin_prompts'], d['query']['load_margin']")" \
	"(1, 0.1)" "best.json records the margins the search kept"
python3 - "$M/deploy-agg.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["emulator"] = {"gemm_eff_min": 1}
json.dump(d, open(sys.argv[1], "w"))
PY
# The emulator runs in real time with iterations of a few ms: on a loaded
# 2-core machine its throughput wanders by several percent, so the pass
# is judged at 25% (bench/perf/closure.sh holds the 10% target), and a
# miss is measured once more before it counts: under the sanitizer suite
# at -j8 beside other work (load 15) the sanitized emulator ran 42% slow
# once. A verdict that cannot pass fails both times.
"$SERVECAL" verify "$M" --rounds 4 --warmup-rounds 1 --tolerance 0.25 \
	--out "$TMP/ok" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "first verify missed (exit $rc, load $(cut -d' ' -f1 /proc/loadavg)); measuring again" >&2
	tail -3 "$TMP/out" | sed 's/^/  /' >&2
	rm -rf "$TMP/ok"
	expect_rc 0 "the recommendation holds" -- "$SERVECAL" verify "$M" --rounds 4 \
		--warmup-rounds 1 --tolerance 0.25 --out "$TMP/ok"
else
	pass
fi
expect_grep "$TMP/out" "verdict: meets its SLAs and its projected tokens/s/gpu" "says it holds"
expect_eq "$(json "$TMP/ok/verify.json" "d['passed'], d['agg']['miss'], d['agg']['ttft_attainment'] >= 0.85")" \
	"(True, '', True)" "verify.json: passed, nothing missed, attainment >= 85%"
conc=$(json "$M/best.json" "int(d['agg']['best']['concurrency'])")
[ -f "$TMP/ok/agg/c$conc/requests.jsonl" ] && pass || fail "benched at the recommended concurrency $conc"
expect_eq "$(wc -l <"$TMP/ok/agg/c$conc/requests.jsonl" | tr -d ' ')" "$((5 * conc))" \
	"one round of warm-up and four measured"

# No tolerance: a measured throughput is never exactly the projection.
expect_rc 1 "a tolerance of 0" -- "$SERVECAL" verify "$M" --rounds 2 \
	--warmup-rounds 1 --tolerance 0 --out "$TMP/tight"
expect_grep "$TMP/out" "tokens/s/gpu .* off the projection, past +-0.0%" "names the throughput miss"
expect_eq "$(json "$TMP/tight/verify.json" "d['passed'], 'tokens/s/gpu' in d['agg']['miss']")" \
	"(False, True)" "verify.json names the miss"

# The deployment brought up is not the one recommended: one slot for the
# recommended users, so requests queue behind each other, on an engine
# half as fast (at the 9 users recommended now, one slot alone put TTFT
# p90 at 477 ms: over the SLA of 400 ms, but within its 25% tolerance).
python3 - "$M/deploy-agg.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workers"][0]["max_batch"] = 1
d["emulator"]["time_scale"] = 2.0
json.dump(d, open(sys.argv[1], "w"))
PY
expect_rc 1 "a mismatched deployment" -- "$SERVECAL" verify "$M" --rounds 2 \
	--warmup-rounds 1 --tolerance 0.25 --out "$TMP/mis"
expect_grep "$TMP/out" "MISSES its SLAs: TTFT .* over its SLA of 400.0 ms" "names the TTFT miss"
expect_grep "$TMP/out" "of requests within the TTFT SLA, under 65.0%" "names the attainment miss"
expect_eq "$(json "$TMP/mis/verify.json" "d['passed'], d['agg']['sla_met']")" "(False, False)" \
	"verify.json says so"
expect_rc 2 "bad warm-up" -- "$SERVECAL" verify "$M" --warmup-rounds 0
finish
