#!/bin/sh
# `servecal bench` and `servecal import` end to end against the loopback
# stub server (tests/unit/test_stub_server): results layout, exact token
# counts, failure records per reason, Ctrl-C and --resume, one bench per
# results directory, memory that does not grow with a level, the open
# loop's schedule and its bound at the highest rate, usage errors. Nothing
# here is timed against a tight limit: speed lives in bench/perf.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

STUB="$SC_BUILDDIR/tests/unit/test_stub_server"
[ -x "$STUB" ] || { echo "stub server not built: $STUB"; exit 77; }
"$STUB" 3000 >"$TMP/stub.out" 2>"$TMP/stub.err" &
STUB_PID=$!
stop_stub() { kill "$STUB_PID" 2>/dev/null; wait "$STUB_PID" 2>/dev/null; }
cleanup_hooks="stop_stub"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	URL=$(head -n 1 "$TMP/stub.out" 2>/dev/null)
	[ -n "$URL" ] && break
	sleep 0.2
done
[ -n "$URL" ] || { echo "stub server did not start"; exit 1; }

# json FILE EXPR: evaluates a Python expression over the parsed file `d`.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
lines() { wc -l <"$1" | tr -d ' '; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }
# maxrss CMD...: runs CMD (output in $TMP/out); prints its exit code, peak
# RSS in KB and wall seconds. ASan's quarantine would hold freed memory.
maxrss() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}quarantine_size_mb=0" \
	python3 -c "
import resource,subprocess,sys,time
t=time.time()
with open(sys.argv[1],'w') as o:
    rc=subprocess.call(sys.argv[2:],stdout=o,stderr=subprocess.STDOUT)
print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, round(time.time()-t,1))" "$TMP/out" "$@"
}
# records_agree DIR/LEVEL: every line is a JSON object and there are as
# many as the summary's requests.total
records_agree() {
	python3 -c "
import json,sys
n=0
for l in open(sys.argv[1]+'/requests.jsonl'):
    assert isinstance(json.loads(l), dict); n+=1
print(n==json.load(open(sys.argv[1]+'/summary.json'))['requests']['total'])" "$1" 2>&1
}

# --- a closed-loop sweep writes the results layout ------------------------
OUT="$TMP/run1"
expect_rc 0 "closed-loop bench" -- "$SERVECAL" bench --url "$URL" --model m \
	--isl 64 --osl 8 --concurrency 1,4 --requests-per-level 12 --gpus 2 \
	--sla ttft_ms=1000,tpot_ms=100 --out "$OUT" --quiet
for f in run.json summary.csv c1/requests.jsonl c1/summary.json \
	c4/requests.jsonl c4/summary.json; do
	[ -s "$OUT/$f" ] && pass || fail "missing $f"
done
expect_eq "$(lines "$OUT/c4/requests.jsonl")" 16 "c4 records = 12 measured + 4 warm-up"
expect_eq "$(json "$OUT/c4/summary.json" "d['requests']['warmup'], d['requests']['ok'], d['ttft_ms']['n']")" \
	"(4, 16, 12)" "c4 counts"
expect_eq "$(python3 -c "
import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
print(all(x['output_tokens']==8 and not x['output_tokens_estimated'] and x['prompt_tokens']==64 and x['input_tokens']==64 and x['ok'] for x in r))" "$OUT/c4/requests.jsonl")" \
	"True" "exact input and output tokens in every record"
expect_eq "$(json "$OUT/c4/summary.json" "d['prompt_tokens_mismatch'], d['gpus'], 'goodput' in d")" \
	"(0, 2, True)" "summary mismatch count, gpus, goodput"
# attainment is per request: recount it from the records (non-warm-up,
# failed ones missing every limit); a summary that counted warm-up
# requests or judged on a statistic would disagree
expect_eq "$(python3 -c "
import json,sys
d=json.load(open(sys.argv[1]+'/summary.json'))
rs=[json.loads(l) for l in open(sys.argv[1]+'/requests.jsonl')]
rs=[r for r in rs if not r['warmup']]
def ok(r,k,lim): return r['ok'] and (r[k] is None or r[k]<=lim)
t=sum(ok(r,'ttft_ms',1000) for r in rs); p=sum(ok(r,'tpot_ms',100) for r in rs)
a=sum(ok(r,'ttft_ms',1000) and ok(r,'tpot_ms',100) for r in rs)
at=d['attainment']; n=len(rs)
print(at['n']==n, abs(at['ttft']-t/n)<1e-9, abs(at['tpot']-p/n)<1e-9, abs(at['all']-a/n)<1e-9,
      d['sla']['ttft_stat'], d['sla']['tpot_stat'], d['sla_met']['ttft']==(d['ttft_ms']['p90']<=1000),
      d['goodput_tokens_per_s']>0)" "$OUT/c4")" \
	"True True True True p90 mean True True" "attainment recounted from the records, default statistics, verdict on p90"
expect_eq "$(sed -n 1p "$OUT/summary.csv" | tr ',' '\n' | grep -c '^attainment_\|^goodput_tokens_per_s$\|^sla_met_')" 8 \
	"summary.csv has the attainment, goodput-tokens and verdict columns"
expect_eq "$(json "$OUT/c4/summary.json" "abs(d['little']['measured_concurrency']-4)<0.2")" \
	"True" "closed loop holds 4 in flight (Little)"
expect_eq "$(json "$OUT/run.json" "d['mode'], d['model'], d['gpus'], d['isl'], d['end_wall'] is not None")" \
	"('closed', 'm', 2, 64, True)" "run.json fields"
# header values (credentials) never reach the results
OPENAI_API_KEY=sk-secret-1 "$SERVECAL" bench --url "$URL" --model m --isl 4 \
	--osl 2 --requests-per-level 1 --header "X-Token: hush-2" --out "$TMP/sec" --quiet
if grep -rq -e "sk-secret-1" -e "hush-2" "$TMP/sec"; then fail "a secret was written to results"; else pass; fi
expect_grep "$TMP/sec/run.json" "X-Token: (redacted)" "header name kept, value redacted"
expect_eq "$(sed -n 1p "$OUT/summary.csv" | cut -d, -f1-3)" "level,concurrency,request_rate" "csv header"
expect_eq "$(lines "$OUT/summary.csv")" 3 "csv has one row per level"

# --- --token-times keeps each chunk's arrival; records name the response --
"$SERVECAL" bench --url "$URL" --model m --isl 8 --osl 5 --concurrency 2 \
	--requests-per-level 2 --token-times --out "$TMP/tt" --quiet >/dev/null 2>&1
expect_eq "$(python3 -c "
import json,sys
r=[json.loads(l) for l in open(sys.argv[1])]
print(all(len(x['token_ns'])==5 and x['token_ns']==sorted(x['token_ns']) and x['token_ns'][0]==x['first_token_ns'] and x['response_id'].startswith('stub-') for x in r), len(set(x['response_id'] for x in r)))" "$TMP/tt/c2/requests.jsonl")" \
	"True 4" "token_ns per chunk and distinct response ids"

# --- failures become records with reasons and the run goes on ------------
for case in "errchunk error_chunk" "drop transport" "malformed malformed" \
	"http429 http_429" "nodone no_done" "oversize oversize"; do
	path=${case% *} reason=${case#* }
	O="$TMP/f-$path"
	"$SERVECAL" bench --url "$URL/$path/v1/completions" --model m --isl 8 \
		--osl 4 --concurrency 2 --requests-per-level 4 --max-error-rate 1 \
		--no-probe --out "$O" --quiet >/dev/null 2>&1
	expect_eq "$(lines "$O/c2/requests.jsonl")" 6 "$path: every request recorded"
	expect_eq "$(json "$O/c2/summary.json" "d['requests']['by_reason'].get('$reason'), d['ttft_ms']['n']")" \
		"(6, 0)" "$path: counted as $reason, out of latency stats"
done
"$SERVECAL" bench --url "$URL/stall/v1/completions" --model m --isl 8 --osl 4 \
	--concurrency 1 --requests-per-level 1 --timeout 300ms --max-error-rate 1 \
	--no-probe --out "$TMP/f-stall" --quiet >/dev/null 2>&1
expect_eq "$(json "$TMP/f-stall/c1/summary.json" "d['requests']['by_reason']")" \
	"{'timeout': 2}" "stalled stream ends as timeout"
# too many failures stop the run with exit code 1, with the server's words
expect_rc 1 "max-error-rate stops the run" -- "$SERVECAL" bench \
	--url "$URL/http429/v1/completions" --model m --concurrency 2 \
	--requests-per-level 100 --no-probe --out "$TMP/f-rate" --quiet
expect_grep "$TMP/err" "more than 50% of requests failed" "says why it stopped"
expect_grep "$TMP/err" "http_429: HTTP 429: rate limited" "quotes the server"
# the probe stops a run against a failing endpoint before any level
expect_rc 1 "probe stops the run" -- "$SERVECAL" bench \
	--url "$URL/http429/v1/completions" --model m --concurrency 2 \
	--requests-per-level 4 --out "$TMP/f-probe" --quiet
expect_grep "$TMP/err" "probe request failed (http_429): HTTP 429: rate limited" "probe quotes the server"
[ ! -d "$TMP/f-probe/c2" ] && pass || fail "nothing measured after a failed probe"
# every level failing below the error-rate sample size still fails the run
expect_rc 1 "all-failed small level exits 1" -- "$SERVECAL" bench \
	--url "$URL/errchunk/v1/completions" --model m --concurrency 1 \
	--requests-per-level 3 --no-probe --out "$TMP/f-small" --quiet
expect_grep "$TMP/err" "1 of 1 level(s) had no successful request" "says so"
expect_eq "$(json "$TMP/f-small/c1/summary.json" "d['complete']")" "False" "and the level is not complete"

# --- open loop -------------------------------------------------------------
O="$TMP/open"
expect_rc 0 "open loop" -- "$SERVECAL" bench --url "$URL" --model m --isl 16 \
	--osl 4 --request-rate 50,100 --arrival constant --requests-per-level 40 \
	--out "$O" --quiet
expect_eq "$(json "$O/r100/summary.json" "d['requests']['ok'], d['requests']['failed']")" \
	"(40, 0)" "open loop sends every planned request"
# the schedule, not the clock: constant arrivals at 100/s are 10 ms apart
# (to a few ns: the JSON numbers are doubles); how punctually they are
# sent is a speed figure (bench/perf/loadgen_bench)
expect_eq "$(python3 -c "
import json,sys
s=sorted(json.loads(l)['sched_ns'] for l in open(sys.argv[1]))
print(len(s), all(abs(b-a-1e7)<=4 for a,b in zip(s,s[1:])))" "$O/r100/requests.jsonl")" \
	"40 True" "open loop schedule: 10 ms gaps"
expect_eq "$(json "$O/run.json" "d['mode']")" "open" "run.json mode open"

# --- the highest rate the flags allow, far past what the client can send:
# a bounded in-flight cap and client queue, the rest client_queue_full
# records; memory bounded (maxrss) and the level ends after its duration
# plus the queue's drain, not when the schedule is caught up ----------------
O="$TMP/flood"
set -- $(maxrss "$SERVECAL" bench --url "$URL" --model m --isl 8 --osl 1 \
	--request-rate 100000 --duration-per-level 300ms --max-concurrency 16 \
	--max-error-rate 1 --no-probe --out "$O" --quiet)
expect_eq "$1" 0 "flood run exits 0"
[ "$2" -lt 200000 ] && pass || fail "flood run used $2 KB (over 200 MB)"
[ "${3%.*}" -lt 60 ] && pass || fail "flood run took $3 s"
expect_eq "$(python3 -c "
import json,sys
n=0; full=0
for l in open(sys.argv[1]):
    r=json.loads(l); n+=1; full+=r['reason']=='client_queue_full'
d=json.load(open(sys.argv[2]))
print(n==d['requests']['total'], full>0, full==d['requests']['by_reason'].get('client_queue_full'))" \
	"$O/r100000/requests.jsonl" "$O/r100000/summary.json")" \
	"True True True" "every due request is a record; the overflow counted as client_queue_full"

# --- Ctrl-C keeps finished records; --resume skips finished levels ---------
O="$TMP/resume"
"$SERVECAL" bench --url "$URL" --model m --isl 16 --osl 30 --concurrency 1,2 \
	--requests-per-level 30 --out "$O" --quiet >/dev/null 2>"$TMP/int.err" &
B=$!
# interrupt during c2 (~16 rounds of 90 ms), once c1 is complete and c2
# has a finished record (waited for, not timed: a loaded machine may take
# longer than a round to start the level)
for _ in $(seq 1 600); do
	[ -f "$O/c1/summary.json" ] && [ -s "$O/c2/requests.jsonl" ] && break
	sleep 0.05
done
kill -INT "$B"
wait "$B"
rc=$?
expect_eq "$rc" 1 "interrupted run exits 1"
expect_grep "$TMP/int.err" "rerun with --resume" "interrupt message"
expect_eq "$(json "$O/c1/summary.json" "d['complete']")" "True" "c1 finished before the interrupt"
expect_eq "$(json "$O/c2/summary.json" "d['complete'], d.get('interrupted')")" "(False, True)" "c2 marked interrupted"
n_before=$(lines "$O/c2/requests.jsonl")
[ "$n_before" -ge 1 ] && [ "$n_before" -lt 32 ] && pass || fail "c2 kept $n_before finished records"
expect_rc 0 "resume" -- "$SERVECAL" bench --url "$URL" --model m --isl 16 --osl 30 \
	--concurrency 1,2 --requests-per-level 30 --out "$O" --resume
expect_grep "$TMP/out" "c1.*skipped" "c1 skipped on resume"
expect_eq "$(json "$O/c2/summary.json" "d['complete'], d['requests']['total']")" "(True, 32)" "c2 redone"
expect_eq "$(lines "$O/c1/requests.jsonl")" 31 "c1 records kept"

# --- one bench per results directory: a second one is refused at once,
# naming the directory, and the first one's records stay whole -------------
O="$TMP/locked"
"$SERVECAL" bench --url "$URL" --model m --isl 16 --osl 30 --concurrency 2 \
	--duration-per-level 60s --out "$O" --quiet >/dev/null 2>&1 &
B=$!
for _ in $(seq 1 300); do
	[ -s "$O/c2/requests.jsonl" ] && break
	sleep 0.05
done
expect_rc 1 "a second bench on a directory in use" -- "$SERVECAL" bench \
	--url "$URL" --model m --isl 16 --osl 30 --concurrency 2 \
	--requests-per-level 4 --out "$O" --quiet
expect_grep "$TMP/err" "$O: another servecal holds this results directory" \
	"says which directory and why"
kill -INT "$B"
wait "$B"
expect_eq "$(records_agree "$O/c2")" True "the first bench's records are whole"
expect_eq "$(ls -a "$O" | tr '\n' ' ')" ". .. c2 run.json summary.csv " "no lock file left behind"
expect_rc 0 "the directory is free once its bench ended" -- "$SERVECAL" bench \
	--url "$URL" --model m --isl 16 --osl 4 --concurrency 1 \
	--requests-per-level 2 --out "$O" --quiet

# --- a level's memory does not grow with its requests or chunks: peak RSS
# for 2 and for 8 requests of 100,000 one-token chunks each differs by far
# less than the 2 MB a request's chunk times and ITL take (the records are
# on disk; statistics come from bounded sketches) ---------------------------
"$STUB" 0 >"$TMP/stub0.out" 2>/dev/null &
STUB0_PID=$!
stop_stub0() { kill "$STUB0_PID" 2>/dev/null; wait "$STUB0_PID" 2>/dev/null; }
cleanup_hooks="stop_stub stop_stub0"
for _ in 1 2 3 4 5 6 7 8 9 10; do
	URL0=$(head -n 1 "$TMP/stub0.out" 2>/dev/null)
	[ -n "$URL0" ] && break
	sleep 0.2
done
set -- $(maxrss "$SERVECAL" bench --url "$URL0" --model m --isl 8 --osl 100000 \
	--concurrency 1 --warmup 0 --requests-per-level 2 --no-probe \
	--out "$TMP/rss2" --quiet)
rss2=$2
set -- $(maxrss "$SERVECAL" bench --url "$URL0" --model m --isl 8 --osl 100000 \
	--concurrency 1 --warmup 0 --requests-per-level 8 --no-probe \
	--out "$TMP/rss8" --quiet)
rss8=$2
expect_eq "$1 $(json "$TMP/rss8/c1/summary.json" "d['requests']['ok'], d['output_tokens']['max'], d['itl_ms']['n']")" \
	"0 (8, 100000, 799992)" "8 requests of 100,000 chunks measured"
[ $((rss8 - rss2)) -lt 4000 ] && pass || fail "peak RSS grew from $rss2 KB (2 requests) to $rss8 KB (8 requests)"

# --- usage and input errors -------------------------------------------------
expect_rc 2 "no --url" -- "$SERVECAL" bench --isl 10
expect_rc 2 "bad --sla" -- "$SERVECAL" bench --url "$URL" --sla ttft=3
expect_grep "$TMP/err" "unknown SLA key 'ttft'" "names the SLA key"
expect_rc 2 "both loops" -- "$SERVECAL" bench --url "$URL" --concurrency 1 --request-rate 2
expect_rc 2 "bad arrival" -- "$SERVECAL" bench --url "$URL" --request-rate 2 --arrival weibull
echo '{"prompt": 3}' >"$TMP/bad.jsonl"
expect_rc 3 "bad dataset" -- "$SERVECAL" bench --url "$URL" --model m --dataset "$TMP/bad.jsonl" --out "$TMP/x"
expect_grep "$TMP/err" "bad.jsonl:1" "names file and line"

# --- trace replay and JSON output -----------------------------------------
expect_rc 0 "trace replay" -- "$SERVECAL" bench --url "$URL" --model m \
	--dataset "$SC_SRCDIR/tests/fixtures/datasets/mooncake_trace.jsonl" \
	--out "$TMP/replay" --json
expect_eq "$(python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[0]['level'], d[0]['requests']['ok'], d[0]['input_tokens']['max'])" "$TMP/out")" \
	"replay 4 300" "replayed trace: 4 requests, exact lengths"

# --- import -----------------------------------------------------------------
F="$SC_SRCDIR/tests/fixtures/import"
expect_rc 0 "import aiperf" -- "$SERVECAL" import aiperf "$F/profile_export_aiperf.json" "$F/profile_export.jsonl" --out "$TMP/imp" --gpus 4
expect_eq "$(json "$TMP/imp/c4/summary.json" "d['ttft_ms']['p50'], d['gpus']")" "(250, 4)" "aiperf summary imported"
expect_rc 0 "import vllm" -- "$SERVECAL" import vllm "$F/vllm_detailed.json" --out "$TMP/impv"
expect_eq "$(lines "$TMP/impv/summary.csv")" 2 "vllm import csv"
expect_rc 2 "import unknown tool" -- "$SERVECAL" import locust x --out "$TMP/i"
expect_rc 3 "import wrong file" -- "$SERVECAL" import vllm "$F/profile_export.jsonl" --out "$TMP/i"

finish
