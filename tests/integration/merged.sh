# Checks of a level directory written by several workers (--procs, MPI
# ranks), sourced by their tests. merged_check DIR ISL OSL prints "ok" when
# every record is a success with exactly ISL prompt and OSL output tokens,
# ids are unique, the summary counts the records, and every percentile of
# the summary equals the one recomputed from the measured records (linear
# interpolation, as DESIGN.md defines them); else what differs.
# merged_count DIR prints the records' count.
merged_count() { wc -l <"$1/requests.jsonl" | tr -d ' '; }
merged_check() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
d, isl, osl = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
recs = [json.loads(l) for l in open(d + '/requests.jsonl')]
s = json.load(open(d + '/summary.json'))
bad = []
if len({r['id'] for r in recs}) != len(recs):
    bad.append('ids repeat')
if s['requests']['total'] != len(recs):
    bad.append('summary total %d, records %d' % (s['requests']['total'], len(recs)))
for r in recs:
    if not (r['ok'] and r['prompt_tokens'] == isl and r['output_tokens'] == osl):
        bad.append('record %s: ok %s, %s/%s tokens' % (r['id'], r['ok'], r['prompt_tokens'], r['output_tokens']))
        break
meas = [r for r in recs if r['ok'] and not r.get('warmup')]
def pct(v, q):
    v = sorted(v)
    x = (len(v) - 1) * q / 100.0
    i = int(x)
    return v[i] if i + 1 >= len(v) else v[i] + (v[i + 1] - v[i]) * (x - i)
for m in ('ttft_ms', 'tpot_ms', 'e2e_ms', 'ttfb_ms'):
    v = [r[m] for r in meas if r.get(m) is not None]
    for q in (50, 90, 95, 99):
        want, got = pct(v, q), s[m]['p%d' % q]
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            bad.append('%s p%d: summary %r, records %r' % (m, q, got, want))
itl = [g for r in meas for g in (r.get('itl_ms') or [])]
if itl and len(itl) <= 2048:  # past that the summary's sketch is approximate
    for q in (50, 99):
        want, got = pct(itl, q), s['itl_ms']['p%d' % q]
        if abs(got - want) > 1e-6 * max(1.0, abs(want)):
            bad.append('itl_ms p%d: summary %r, records %r' % (q, got, want))
print('; '.join(bad) if bad else 'ok')
PY
}
