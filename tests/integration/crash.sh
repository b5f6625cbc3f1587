#!/bin/sh
# Nothing lost to a crash: a campaign killed with SIGKILL in the middle of a
# level, then resumed at once. Its bench and emulator children die with it
# (PR_SET_PDEATHSIG), the resumed bench gets the results directory (a bench
# holds it with flock, which the kernel drops with the process), and
# --resume redoes every level whose records disagree with its summary. The
# resumed campaign must exit 0, every level's requests.jsonl must hold
# exactly its summary's requests.total records, each a JSON object, and no
# process of either run may be left behind.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"

expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }

CAMP="$SC_SRCDIR/tests/fixtures/e2e-campaign/e2e.json"
D="$TMP/camp"
"$SERVECAL" campaign run "$CAMP" --out "$D" --quiet >"$TMP/first.out" 2>&1 &
P=$!
kill_first() { kill -9 "$P" 2>/dev/null; wait "$P" 2>/dev/null; }
cleanup_hooks="kill_first"
# kill it while the first deployment's bench writes a level
for _ in $(seq 1 600); do
	[ -s "$D/agg/c1/requests.jsonl" ] && break
	sleep 0.05
done
[ -s "$D/agg/c1/requests.jsonl" ] && pass || fail "no bench started: $(tail -c 400 "$TMP/first.out")"
sleep 1
kill -9 "$P"
wait "$P" 2>/dev/null
expect_rc 0 "campaign resumed after kill -9" -- "$SERVECAL" campaign run \
	"$CAMP" --out "$D" --resume --quiet

# every level: as many well-formed records as its summary counts
levels=0
for s in "$D"/*/c*/summary.json; do
	[ -f "$s" ] || continue
	levels=$((levels + 1))
	got=$(python3 -c "
import json,sys
d=sys.argv[1]
n=0
for l in open(d+'/requests.jsonl'):
    assert isinstance(json.loads(l), dict); n+=1
s=json.load(open(d+'/summary.json'))
print(n, s['requests']['total'], s['complete'])" "$(dirname "$s")" 2>&1)
	set -- $got
	if [ "$#" -eq 3 ] && [ "$1" = "$2" ] && [ "$3" = True ]; then
		pass
	else
		fail "$(dirname "$s"): records, summary total, complete: $got"
	fi
done
# two deployments of 7 levels each
expect_eq "$levels" 14 "every level of both deployments has a summary"
# nothing of either run is still running (children of the killed one died
# with it)
left=$(ps -eo args= | grep -F -- "$D" | grep -v grep || true)
expect_eq "$left" "" "no process of either run left"
finish
