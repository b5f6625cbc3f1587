#!/bin/sh
# A campaign logged to a file is never silent: a line when each step starts
# and ends and one per bench level, each with the campaign's elapsed time
# and the time left; `campaign status` shows each step's state, elapsed
# time, the estimate, and the level a running bench is on. Formats only:
# the times themselves depend on the machine.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
F="$SC_SRCDIR/tests/fixtures/e2e-campaign"
export SERVECAL_DB="$TMP/db"
T='\[[0-9:]* s* *elapsed, about [0-9:]* s* *left\]'

# 1. Run in the background with stdout in a file; look at it from outside
# while a level is being measured.
"$SERVECAL" campaign run "$F/progress.json" --out "$TMP/p" >"$TMP/p.out" 2>"$TMP/p.err" &
pid=$!
i=0
while ! grep -q "level c4 started" "$TMP/p.out" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$SERVECAL" campaign status "$TMP/p" >"$TMP/mid.out" 2>&1 || fail "status of a running campaign failed"
wait $pid && pass || fail "campaign exited $?: $(head -c 400 "$TMP/p.err")"
# Between "level c4 started" and the status call c4 may have ended: the
# bench is on c4 or c8, or (rarely) done.
expect_grep "$TMP/mid.out" "^state: running, [0-9:]* s* *elapsed, about [0-9:]* s* *left$" "status of a running campaign says so, with the times"
expect_grep "$TMP/mid.out" "bench:agg *running *on level c[48] ([23] of 3)\|bench:agg *done" "status names the level a running bench is on"
expect_grep "$TMP/mid.out" "^ *- *report *pending *expected about [0-9:]* s*$" "status lists pending steps with their expected time"

# 2. The log: every step starts and ends with the times, every level too.
out="$TMP/p.out"
expect_grep "$out" "^plan: 7 steps $T$" "the plan's size and first estimate"
n=1
for s in "bench agg" fit "match:calibrated-ttft200" "match:prior-ttft200" plot report "perf database"; do
	expect_grep "$out" "^  $s: started (step $n of 7) $T$" "start line of $s"
	n=$((n + 1))
done
for l in 1 4 8; do
	expect_grep "$out" "^  bench agg: level c$l started ([1-3] of 3) $T$" "start line of level c$l"
	expect_grep "$out" "^  bench agg: level c$l done in [0-9][0-9:]*\( s\)\{0,1\}: [0-9]* ok, 0 failed $T$" "end line of level c$l with its counts"
done
for s in "bench agg: done in [0-9][0-9:]*" "fit: done in [0-9:]* s*" "match:calibrated-ttft200: done" \
	"match:prior-ttft200: done" "plot: done" "report: done" "perf database: $TMP/db"; do
	expect_grep "$out" "^  $s.*$T$" "end line of '$s'"
done
# Nothing after the last step is still expected.
tail -3 "$out" | grep -q "perf database: .*about 0 s left\]$" && pass ||
	fail "the last step leaves no time: $(tail -3 "$out")"

# 3. Status of the finished campaign.
expect_rc 0 "status" -- "$SERVECAL" campaign status "$TMP/p"
# Durations read "N s" under 100 s and "M:SS" from there (a loaded machine).
expect_grep "$TMP/out" "^state: finished in [0-9][0-9:]*\( s\)\{0,1\}$" "a finished campaign"
expect_grep "$TMP/out" "^ *elapsed *step *state *note$" "a header"
for s in bench:agg fit match:calibrated-ttft200 match:prior-ttft200 plot report db; do
	expect_grep "$TMP/out" "^ *[0-9:]* s* *$s *done" "$s done with its elapsed time"
done
expect_grep "$TMP/out" "levels measured agg *3 of 3" "status counts levels"
expect_grep "$TMP/p/manifest.json" '"remaining_s"' "the manifest keeps the estimate"

# 4. A campaign killed mid-bench: status says it stopped and how to go on.
setsid sh -c 'echo $$ >"$1"; exec "$2" campaign run "$3" --out "$4"' \
	sh "$TMP/kill.pid" "$SERVECAL" "$F/progress.json" "$TMP/k" >"$TMP/k.out" 2>&1 &
i=0
while ! grep -q "level c1 started" "$TMP/k.out" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
pgid=$(cat "$TMP/kill.pid")
kill -9 "-$pgid" 2>/dev/null || fail "could not kill the campaign group $pgid"
i=0
while kill -0 "-$pgid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect_rc 0 "status of a killed campaign" -- "$SERVECAL" campaign status "$TMP/k"
expect_grep "$TMP/out" "^state: stopped after [0-9:]* s* (about [0-9:]* s* of work left); .*--resume" "a stopped campaign and how to continue it"
expect_grep "$TMP/out" "bench:agg *stopped" "the step it was on is stopped, not running"
finish
