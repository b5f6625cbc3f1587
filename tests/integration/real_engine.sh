#!/bin/sh
# `servecal bench` against a real engine (llama.cpp's llama-server with the
# tiny model): exact input and output lengths for token-id and text
# prompts, the probe stopping a run with the server's own message, server
# timings kept, and a server killed mid-level ending the run with failed
# records and a reason, not a hang.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/realsrv.sh"
realsrv_require real_engine
cleanup_hooks="realsrv_stop_all"
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }
realsrv_start URL --parallel 4 --threads 1 || { echo "llama-server did not start"; exit 1; }

# --- exact lengths: token ids inside the vocabulary ------------------------
O="$TMP/ids"
expect_rc 0 "token-id prompts" -- "$SERVECAL" bench --url "$URL" --isl 100 \
	--osl 12 --concurrency 1,3 --requests-per-level 6 --out "$O" --quiet
expect_eq "$(python3 -c "
import json,sys
r=[json.loads(l) for f in sys.argv[1:] for l in open(f)]
print(len(r), all(x['ok'] and x['prompt_tokens']==100 and x['output_tokens']==12 and not x['output_tokens_estimated'] for x in r))" "$O/c1/requests.jsonl" "$O/c3/requests.jsonl")" \
	"16 True" "every request: 100 prompt tokens by the server's usage, 12 output tokens"
expect_eq "$(json "$O/run.json" "d['vocab_size']")" "5536" "vocabulary from /v1/models meta.n_vocab"
expect_eq "$(json "$O/c3/summary.json" "d['prompt_tokens_mismatch'] if 'prompt_tokens_mismatch' in d else 0, d['ttft_client_minus_server_ms']['n'] > 0")" \
	"(0, True)" "no length mismatch; server timings kept"

# --- text prompts: the probe learns the BOS token, lengths come out exact --
O="$TMP/text"
expect_rc 0 "text prompts" -- "$SERVECAL" bench --url "$URL" --prompts text \
	--isl 60 --osl 5 --concurrency 2 --requests-per-level 4 --out "$O" --quiet
expect_eq "$(python3 -c "
import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
print(len(r), sorted(set(x['prompt_tokens'] for x in r)), all(x['ok'] and x['output_tokens']==5 for x in r))" "$O/c2/requests.jsonl")" \
	"6 [60] True" "text prompts of exactly 60 tokens"

# --- the probe stops a run with the server's own words -------------------
expect_rc 1 "ids outside the vocabulary" -- "$SERVECAL" bench --url "$URL" \
	--vocab-size 32000 --isl 64 --osl 4 --concurrency 1 --out "$TMP/oov" --quiet
expect_grep "$TMP/err" "probe request failed (error_chunk): Input prompt is too big compared to KV size" \
	"llama.cpp's in-stream error quoted"
[ ! -d "$TMP/oov/c1" ] && pass || fail "nothing measured after a failed probe"
# (llama-server serves any model name, so a wrong --model is checked
# against the emulator in bench_emu.sh.)

# --- the server killed mid-level: failed records with a reason, no hang ----
O="$TMP/kill"
"$SERVECAL" bench --url "$URL" --isl 64 --osl 400 --concurrency 4 \
	--requests-per-level 40 --timeout 20s --out "$O" --quiet \
	>"$TMP/kill.out" 2>"$TMP/kill.err" &
B=$!
for _ in $(seq 1 100); do
	[ -s "$O/c4/requests.jsonl" ] && break
	sleep 0.1
done
kill -9 "$REALSRV_PID"
i=0
while kill -0 "$B" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$B" 2>/dev/null; then
	fail "bench still running 30 s after the server died"
	kill -9 "$B"
fi
wait "$B"
rc=$?
expect_eq "$rc" "1" "bench exits 1 when the server dies"
expect_eq "$(python3 -c "
import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
s=json.load(open(sys.argv[2]))
bad=[x for x in r if not x['ok']]
print(len(r)==s['requests']['total'], len(bad)>0, all(x['reason'] in ('transport','connect','no_done') and x['error'] for x in bad), s['complete'])" "$O/c4/requests.jsonl" "$O/c4/summary.json")" \
	"True True True False" "records match the summary; failures carry a reason; level incomplete"
finish
