#!/bin/sh
# `servecal bench` against `servecal emulate` on loopback: exact token
# counts and input lengths, every emulator fault kind recorded as a failed
# request with the right reason while the run goes on, concurrency held
# exactly (the server's /metrics agree), and a killed run resumed.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

"$SERVECAL" help emulate >/dev/null 2>&1 || { echo "no emulate command"; exit 77; }
DEPLOY="$SC_SRCDIR/bench/emu-agg-fast.json"

# start_emu NAME [FLAGS...]: starts an emulator, sets EMU_URL and EMU_PID.
EMU_PIDS=""
start_emu() {
	name=$1
	shift
	"$SERVECAL" emulate --deployment "$DEPLOY" --port 0 "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	EMU_PID=$!
	EMU_PIDS="$EMU_PIDS $EMU_PID"
	EMU_URL=""
	for _ in $(seq 1 50); do
		EMU_URL=$(head -n 1 "$TMP/$name.out" 2>/dev/null)
		[ -n "$EMU_URL" ] && return 0
		sleep 0.1
	done
	echo "emulator $name did not start: $(cat "$TMP/$name.err")"
	exit 1
}
stop_emus() { for p in $EMU_PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
cleanup_hooks="stop_emus"

json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
lines() { wc -l <"$1" | tr -d ' '; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }

# --- exact lengths ---------------------------------------------------------
start_emu plain
O="$TMP/exact"
expect_rc 0 "bench against the emulator" -- "$SERVECAL" bench --url "$EMU_URL" \
	--isl 300 --osl 24 --concurrency 1,4 --requests-per-level 12 \
	--deployment "$DEPLOY" --out "$O" --quiet
expect_eq "$(python3 -c "
import json,sys
r=[json.loads(l) for f in sys.argv[1:] for l in open(f)]
print(len(r), all(x['ok'] and x['output_tokens']==24 and not x['output_tokens_estimated'] and x['prompt_tokens']==300 and x['chunks']==24 for x in r))" "$O/c1/requests.jsonl" "$O/c4/requests.jsonl")" \
	"29 True" "every request: 24 output tokens by usage, 300 prompt tokens"
expect_eq "$(json "$O/c4/summary.json" "d['prompt_tokens_mismatch'], d['gpus']")" "(0, 2)" "no mismatch, GPUs from the deployment"
cmp -s "$DEPLOY" "$O/deployment.json" && pass || fail "deployment.json copied verbatim"
expect_eq "$(json "$O/run.json" "d['model'], d['deployment'], d['gpus']")" \
	"('Qwen3-8B', 'emu-agg-fast', 2)" "model from /v1/models, deployment name"
# a wrong model name: the probe stops the run with the server's message
expect_rc 1 "wrong model name" -- "$SERVECAL" bench --url "$EMU_URL" \
	--model llama-3 --isl 30 --osl 4 --concurrency 2 --out "$TMP/wrong" --quiet
expect_grep "$TMP/err" "probe request failed (http_404)" "the probe names the failure"
expect_grep "$TMP/err" "llama-3" "and quotes the server about the model"
# chat endpoint: role-only first chunk is not the first token
expect_rc 0 "chat api" -- "$SERVECAL" bench --url "$EMU_URL" --api chat \
	--isl 50 --osl 10 --concurrency 2 --requests-per-level 4 --out "$TMP/chat" --quiet
expect_eq "$(json "$TMP/chat/c2/summary.json" "d['requests']['ok'], d['output_tokens']['min'], d['output_tokens']['max']")" \
	"(6, 10, 10)" "chat: exact output tokens"

# --- concurrency is exact: the server sees N requests ----------------------
O="$TMP/conc"
"$SERVECAL" bench --url "$EMU_URL" --isl 64 --osl 3000 --concurrency 6 \
	--requests-per-level 12 --out "$O" --quiet >/dev/null 2>&1 &
B=$!
samples=""
for _ in 1 2 3 4 5 6; do
	sleep 0.4
	n=$(curl -s "$EMU_URL/metrics" | awk '/^servecal_emu_requests_(running|waiting)[{ ]/ {s += $NF} END {print s + 0}')
	samples="$samples $n"
done
wait "$B"
max=0 six=0
for n in $samples; do
	[ "$n" -gt "$max" ] && max=$n
	[ "$n" -eq 6 ] && six=$((six + 1))
done
[ "$max" -eq 6 ] && [ "$six" -ge 4 ] && pass || fail "server-side in-flight samples:$samples (want 6)"
expect_eq "$(json "$O/c6/summary.json" "round(d['little']['measured_concurrency'], 1)")" "6.0" "client-side concurrency"
stop_emus
EMU_PIDS=""

# --- every fault kind is a failed record with its reason ------------------
for case in "http-429 http_429" "http-500 http_500" "http-503 http_503" \
	"error-chunk error_chunk" "drop transport" "malformed malformed" \
	"stall timeout"; do
	flag=${case% *} reason=${case#* }
	start_emu "f-$flag" --fault-$flag 0.5 --fault-stall-ms 1500 --seed 5
	O="$TMP/f-$flag"
	expect_rc 0 "fault $flag: run goes on" -- "$SERVECAL" bench --url "$EMU_URL" \
		--isl 32 --osl 8 --concurrency 4 --requests-per-level 24 \
		--timeout 400ms --max-error-rate 1 --no-probe --out "$O" --quiet
	expect_eq "$(json "$O/c4/summary.json" "d['requests']['total'], d['requests']['ok'] + d['requests']['failed'], list(d['requests']['by_reason'].keys()) == ['$reason'], 4 <= d['requests']['failed'] <= 24, d['ttft_ms']['n'] + d['requests']['failed'] >= 24")" \
		"(28, 28, True, True, True)" "fault $flag: failures counted as $reason"
	stop_emus
	EMU_PIDS=""
done

# --- a killed run resumes where it stopped ---------------------------------
start_emu resume
O="$TMP/resume"
"$SERVECAL" bench --url "$EMU_URL" --isl 32 --osl 400 --concurrency 1,2,3 \
	--requests-per-level 6 --out "$O" --quiet >/dev/null 2>&1 &
B=$!
for _ in $(seq 1 100); do
	[ -f "$O/c1/summary.json" ] && break
	sleep 0.05
done
sleep 0.1
kill -KILL "$B"
wait "$B" 2>/dev/null
[ -f "$O/c1/summary.json" ] && pass || fail "c1 finished before the kill"
[ -f "$O/c3/summary.json" ] && fail "c3 should not have finished" || pass
expect_rc 0 "resume after kill" -- "$SERVECAL" bench --url "$EMU_URL" --isl 32 \
	--osl 400 --concurrency 1,2,3 --requests-per-level 6 --out "$O" --resume
expect_grep "$TMP/out" "c1.*skipped" "finished level skipped"
expect_eq "$(json "$O/c2/summary.json" "d['complete'], d['requests']['total']")" "(True, 8)" "c2 redone whole"
expect_eq "$(json "$O/c3/summary.json" "d['complete'], d['requests']['total']")" "(True, 9)" "c3 run"
expect_eq "$(lines "$O/summary.csv")" 4 "csv lists all levels"

finish
