#!/bin/sh
# bench's measured output against a real engine (llama.cpp's llama-server
# with the tiny model, 2 slots so a 4-stream level queues): attainment
# recounted from the records, the closing block agreeing with summary.json
# (verdict on the stated statistic), AIPerf's exports read back, one
# progress line per level, and a refusing server's own words in the
# block's failures.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/realsrv.sh"
realsrv_require bench_out_real
cleanup_hooks="realsrv_stop_all"
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(($2))" "$1"; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }
realsrv_start URL --parallel 2 --threads 1 || { echo "llama-server did not start"; exit 1; }

O="$TMP/sla"
expect_rc 0 "c1 and c4 with SLAs on p90 and p50" -- "$SERVECAL" bench --url "$URL" \
	--isl 100 --osl 8 --concurrency 1,4 --requests-per-level 8 \
	--sla ttft_ms=400,ttft_stat=p90,tpot_ms=40,tpot_stat=p50 --out "$O"
cp "$TMP/out" "$TMP/sla.out"
cp "$TMP/err" "$TMP/sla.err"
for c in 1 4; do
	S="$O/c$c/summary.json"
	# per request: TTFT <= 400, TPOT <= 40 (or none), failed ones miss
	expect_eq "$(python3 -c "
import json,sys
d=json.load(open(sys.argv[1]+'/summary.json'))
rs=[json.loads(l) for l in open(sys.argv[1]+'/requests.jsonl')]
rs=[r for r in rs if not r['warmup']]
t=[r['ok'] and r['ttft_ms']<=400 for r in rs]
p=[r['ok'] and (r['tpot_ms'] is None or r['tpot_ms']<=40) for r in rs]
at=d['attainment']; n=len(rs)
print(at['n']==n, abs(at['ttft']-sum(t)/n)<1e-9, abs(at['tpot']-sum(p)/n)<1e-9,
      abs(at['all']-sum(a and b for a,b in zip(t,p))/n)<1e-9,
      d['sla_met']['ttft']==(d['ttft_ms']['p90']<=400), d['sla_met']['tpot']==(d['tpot_ms']['p50']<=40))" "$O/c$c")" \
		"True True True True True True" "c$c: attainment recounted from the records, verdicts on p90 and p50"
	att=$(json "$S" "'%.1f' % (d['attainment']['all'] * 100)")
	p90=$(json "$S" "'%.2f' % d['ttft_ms']['p90']")
	expect_grep "$TMP/sla.out" "^All-SLA attainment (%): *$att$" "c$c: the block's attainment"
	expect_grep "$TMP/sla.out" "^TTFT p90 <= 400 ms: *$p90 (" "c$c: the block's TTFT p90"
	expect_grep "$TMP/sla.err" "^servecal: level c$c ([12]/2) done: .*TTFT p50 $(json "$S" "'%.1f' % d['ttft_ms']['p50']") ms;" \
		"c$c: one progress line with the summary's median"
done
expect_grep "$TMP/sla.out" "Serving Benchmark Result (c4)" "a block per level"
# AIPerf's per-request export, read back: counts and means as servecal's
expect_rc 0 "import the export" -- "$SERVECAL" import aiperf "$O/c4/profile_export.jsonl" --out "$TMP/imp"
# The import names its level after the concurrency Little's law gives from
# the records' times: c4 on an idle machine, lower where load stretches the
# gaps between requests. The one level it made is read, whatever its name.
imp=$(ls -d "$TMP/imp"/c*/ 2>/dev/null)
expect_eq "$(echo $imp | wc -w)" 1 "the import makes one level"
expect_eq "$(python3 -c "
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
print(a['requests']['ok']==b['requests']['ok'], a['requests']['warmup']==b['requests']['warmup'],
      all(abs(a[k]['mean']-b[k]['mean'])<=1e-6+1e-9*a[k]['mean'] for k in ('ttft_ms','tpot_ms','e2e_ms')))" \
	"$O/c4/summary.json" "${imp}summary.json")" "True True True" "AIPerf export matches the summary"

# --- token ids outside the vocabulary, no probe: every request fails with
# llama.cpp's message, the block says so and the exit code is 1 ---------
expect_rc 1 "a refusing server" -- "$SERVECAL" bench --url "$URL" --no-probe \
	--vocab-size 32000 --isl 64 --osl 4 --concurrency 1 --requests-per-level 3 \
	--out "$TMP/oov"
expect_grep "$TMP/out" "^error_chunk: *[0-9]* (first: Input prompt is too big compared to KV size" \
	"the server's own words in the block"
expect_grep "$TMP/out" "^Successful requests: *0$" "no success"

finish
