#!/bin/sh
# What `servecal bench` shows and exports, against `servecal emulate`: the
# closing block of each level (counts, failures by reason with the
# server's first message, SLA verdicts and attainment as in summary.json)
# and the exit code of a level with no successful request.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

"$SERVECAL" help emulate >/dev/null 2>&1 || { echo "no emulate command"; exit 77; }
DEPLOY="$SC_SRCDIR/bench/emu-agg-fast.json"

# start_emu NAME [FLAGS...]: starts an emulator, sets EMU_URL.
EMU_PIDS=""
start_emu() {
	name=$1
	shift
	"$SERVECAL" emulate --deployment "$DEPLOY" --port 0 "$@" \
		>"$TMP/$name.out" 2>"$TMP/$name.err" &
	EMU_PIDS="$EMU_PIDS $!"
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
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }

# --- a server that refuses every request: the block says why -------------
start_emu plain
expect_rc 1 "wrong model, no probe: no successful request" -- "$SERVECAL" bench \
	--url "$EMU_URL" --model llama-3 --no-probe --isl 30 --osl 4 \
	--concurrency 2 --requests-per-level 4 --out "$TMP/wrong"
expect_grep "$TMP/out" "Serving Benchmark Result (c2)" "the level's block is printed"
expect_grep "$TMP/out" "^Successful requests: *0$" "no successful request"
expect_grep "$TMP/out" "^http_404: *6 (first: HTTP 404: The model .llama-3. does not exist" \
	"failures by reason with the count and the server's message"
expect_grep "$TMP/err" "1 of 1 level(s) had no successful request" "stderr says so"

expect_rc 0 "six measured requests" -- "$SERVECAL" bench --url "$EMU_URL" \
	--isl 30 --osl 4 --concurrency 1 --requests-per-level 6 --out "$TMP/six"
expect_grep "$TMP/out" "^(p90, p99 from 6 requests: fewer than 20)$" \
	"a percentile on few samples is flagged"

# --- progress when stderr is not a terminal: one line per level at its
# end, with elapsed and remaining time, and no carriage return ----------
expect_rc 0 "three levels, stderr to a file" -- "$SERVECAL" bench --url "$EMU_URL" \
	--isl 300 --osl 32 --concurrency 1,2,4 --requests-per-level 8 --out "$TMP/prog"
if grep -q "$(printf '\r')" "$TMP/err"; then fail "a carriage return in non-terminal output"; else pass; fi
expect_eq "$(grep -c '^servecal: level c[124] ([123]/3) done: ' "$TMP/err")" 3 "one line per level"
expect_grep "$TMP/err" "^servecal: level c2 (2/3) done: 10 requests, 0 failed, TTFT p50 [0-9.]* ms; [0-9.]* s elapsed in the level, [0-9.]* s in the run, ~[0-9.]* s left$" \
	"the line's format: counts (warm-up included), median, elapsed and left"
expect_grep "$TMP/err" "^servecal: level c4 (3/3) done: .*, ~0.0 s left$" "nothing left after the last level"
# the median shown is the summary's (measured requests, warm-up excluded)
for c in 1 2 4; do
	want=$(json "$TMP/prog/c$c/summary.json" "'%.1f' % d['ttft_ms']['p50']")
	expect_grep "$TMP/err" "^servecal: level c$c .*TTFT p50 $want ms;" "c$c: live median = summary median"
done
expect_rc 0 "--quiet: no progress" -- "$SERVECAL" bench --url "$EMU_URL" \
	--isl 30 --osl 4 --concurrency 1 --requests-per-level 2 --out "$TMP/q" --quiet
expect_eq "$(grep -c 'done:' "$TMP/err")" 0 "quiet is quiet"

# --- injected faults: counts and first messages per reason ----------------
start_emu faults --fault-http-503 0.3 --fault-error-chunk 0.2 --seed 7
expect_rc 0 "faults within --max-error-rate 1" -- "$SERVECAL" bench \
	--url "$EMU_URL" --no-probe --isl 30 --osl 4 --concurrency 2 \
	--requests-per-level 40 --max-error-rate 1 \
	--sla ttft_ms=100,e2e_ms=500,e2e_stat=p99 --out "$TMP/faults"
S="$TMP/faults/c2/summary.json"
n503=$(json "$S" "d['requests']['by_reason'].get('http_503', 0)")
nerr=$(json "$S" "d['requests']['by_reason'].get('error_chunk', 0)")
[ "$n503" -gt 0 ] && [ "$nerr" -gt 0 ] && pass || fail "both faults happened ($n503, $nerr)"
expect_grep "$TMP/out" "^http_503: *$n503 (first: HTTP 503: injected fault" "503 count and message"
expect_grep "$TMP/out" "^error_chunk: *$nerr (first: injected fault: internal error mid-stream)" \
	"error-chunk count and message"
expect_grep "$TMP/out" "^Failed requests: *$(json "$S" "d['requests']['failed']")$" "failed count"
att=$(json "$S" "'%.1f' % (d['attainment']['all'] * 100)")
expect_grep "$TMP/out" "^All-SLA attainment (%): *$att$" "attainment as in summary.json"
expect_grep "$TMP/out" "^E2E p99 <= 500 ms: .*(met)$" "the verdict names its statistic"

# --- AIPerf exports beside servecal's files, read back by the importer ---
# the faults run: failed records and warm-up must survive the round trip
for f in profile_export.jsonl profile_export_aiperf.json profile_export_aiperf.csv; do
	[ -s "$TMP/faults/c2/$f" ] && pass || fail "missing c2/$f"
done
expect_eq "$(wc -l <"$TMP/faults/c2/profile_export.jsonl" | tr -d ' ')" \
	"$(wc -l <"$TMP/faults/c2/requests.jsonl" | tr -d ' ')" "one AIPerf record per request"
expect_rc 0 "import the per-request export" -- "$SERVECAL" import aiperf \
	"$TMP/faults/c2/profile_export.jsonl" --out "$TMP/imp1"
expect_rc 0 "import the aggregate export" -- "$SERVECAL" import aiperf \
	"$TMP/faults/c2/profile_export_aiperf.json" --out "$TMP/imp2"
# compare FILE KEYS: counts equal to servecal's own summary, statistics
# within a nanosecond (the records keep ms to 6 decimals)
same() {
	python3 -c "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
bad=[k for k in sys.argv[3].split() if (lambda x,y: x!=y if isinstance(x,int) or x is None or y is None else abs(x-y)>1e-6+1e-9*abs(x))(
    eval('a'+k), eval('b'+k))]
print(bad or 'same')" "$TMP/faults/c2/summary.json" "$1" "$2"
}
expect_eq "$(same "$TMP/imp1/c2/summary.json" "['requests']['total'] ['requests']['ok'] ['requests']['failed'] ['requests']['warmup'] ['requests']['by_reason']['http_503'] ['ttft_ms']['n'] ['ttft_ms']['mean'] ['ttft_ms']['p90'] ['tpot_ms']['mean'] ['e2e_ms']['mean'] ['e2e_ms']['p99'] ['output_tokens']['mean'] ['input_tokens']['mean']")" \
	same "per-request export: counts, reasons and means as servecal's summary"
expect_eq "$(same "$TMP/imp2/c2/summary.json" "['requests']['ok'] ['requests']['failed'] ['ttft_ms']['n'] ['ttft_ms']['mean'] ['ttft_ms']['p99'] ['tpot_ms']['mean'] ['e2e_ms']['mean'] ['throughput']['output_tokens_per_s']")" \
	same "aggregate export: counts, statistics and throughput as servecal's summary"
expect_grep "$TMP/faults/c2/profile_export_aiperf.csv" "^Time to First Token (ms),$(json "$TMP/faults/c2/summary.json" "'%.6g' % d['ttft_ms']['mean']")," \
	"the CSV's TTFT mean"

finish
