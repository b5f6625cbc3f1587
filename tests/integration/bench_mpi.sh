#!/bin/sh
# `mpirun --oversubscribe -np 2 servecal bench` against `servecal emulate`
# on loopback: rank 0 writes one level directory with the record count of a
# lone bench, exact lengths and percentiles equal to those recomputed from
# the merged records; the open-loop schedule of two ranks is the one a lone
# bench draws; a killed rank fails the level within its timeout with rank
# 0 naming it; SIGINT to rank 0 stops both ranks and keeps the level as
# interrupted; --resume completes what was left.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/merged.sh"

if ! grep -q "define HAVE_MPI 1" "$SC_BUILDDIR/config.h" 2>/dev/null; then
	echo "bench_mpi: skipped: servecal was built without MPI (./configure --with-mpi needs libopenmpi-dev)"
	exit 77
fi
command -v mpirun >/dev/null || { echo "bench_mpi: skipped: no mpirun (Debian openmpi-bin)"; exit 77; }
# mpirun refuses root unless told; sanitizer builds: Open MPI's own
# allocations at exit are not ours to report
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
MPIRUN="mpirun --oversubscribe -np 2"

DEPLOY="$SC_SRCDIR/bench/emu-agg-fast.json"
EMU_PID=""
MPI_PID=""
stop_all() {
	[ -n "$MPI_PID" ] && kill "$MPI_PID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	wait 2>/dev/null
}
cleanup_hooks="stop_all"
"$SERVECAL" emulate --deployment "$DEPLOY" --port 0 >"$TMP/emu.out" 2>"$TMP/emu.err" &
EMU_PID=$!
URL=""
for _ in $(seq 1 50); do
	URL=$(head -n 1 "$TMP/emu.out" 2>/dev/null)
	[ -n "$URL" ] && break
	sleep 0.1
done
[ -n "$URL" ] || { echo "emulator did not start: $(cat "$TMP/emu.err")"; exit 1; }
expect_eq() { if [ "$1" = "$2" ]; then pass; else fail "$3: got '$1', want '$2'"; fi; }

# rank_pid N: the pid of rank N of the mpirun $MPI_PID (its environment says)
rank_pid() {
	for p in $(pgrep -P "$MPI_PID"); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
			grep -qx "OMPI_COMM_WORLD_RANK=$1" && { echo "$p"; return; }
	done
}

# --- closed loop: two ranks give the level of one process ------------------
expect_rc 0 "closed loop, one process" -- "$SERVECAL" bench --url "$URL" \
	--isl 120 --osl 16 --concurrency 5,8 --requests-per-level 60 --out "$TMP/c1" --quiet
expect_rc 0 "closed loop, 2 ranks" -- $MPIRUN "$SERVECAL" bench --url "$URL" \
	--isl 120 --osl 16 --concurrency 5,8 --requests-per-level 60 --out "$TMP/c2" --quiet
for lv in c5 c8; do
	expect_eq "$(merged_check "$TMP/c2/$lv" 120 16)" "ok" "$lv by 2 ranks: merged records"
	expect_eq "$(merged_count "$TMP/c2/$lv")" "$(merged_count "$TMP/c1/$lv")" \
		"$lv: 2 ranks keep the record count of one process"
done
[ -f "$TMP/c2/run.json" ] && [ -f "$TMP/c2/summary.csv" ] && pass || fail "rank 0 wrote run.json and summary.csv"

# --- open loop: the lone bench's schedule, dealt to the ranks ---------------
expect_rc 0 "open loop, one process" -- "$SERVECAL" bench --url "$URL" \
	--isl 40 --osl 4 --request-rate 1000 --requests-per-level 2000 --seed 7 --out "$TMP/o1" --quiet
expect_rc 0 "open loop, 2 ranks" -- $MPIRUN "$SERVECAL" bench --url "$URL" \
	--isl 40 --osl 4 --request-rate 1000 --requests-per-level 2000 --seed 7 --out "$TMP/o2" --quiet
expect_eq "$(merged_check "$TMP/o2/r1000" 40 4)" "ok" "open loop by 2 ranks: merged records"
expect_eq "$(python3 - "$TMP/o1/r1000/requests.jsonl" "$TMP/o2/r1000/requests.jsonl" <<'PY'
import json, sys
def offsets(path):
    s = sorted(json.loads(l)['sched_ns'] for l in open(path))
    return [x - s[0] for x in s]
a, b = offsets(sys.argv[1]), offsets(sys.argv[2])
# rank 1's times are moved onto rank 0's clock by the difference of their
# level starts: the schedule survives that to the nanosecond's rounding
rate = (len(b) - 1) / (b[-1] / 1e9)
same = len(a) == len(b) and all(abs(x - y) <= 1 for x, y in zip(a, b))
print(len(b), same, abs(rate / 1000 - 1) < 0.02)
PY
)" "2000 True True" "2 ranks send the schedule one process draws (2000 entries, rate within 2%)"
# the achieved rate counts every send of every rank: (sends - 1) over
# the span from the first send to the last, recomputed from the records
# (untimed; the 2% target on a quiet machine is in bench/perf/loadgen.sh)
expect_eq "$(python3 - "$TMP/o2/r1000" <<'PY'
import json, sys
s = sorted(json.loads(l)['start_ns'] for l in open(sys.argv[1] + '/requests.jsonl'))
want = (len(s) - 1) / ((s[-1] - s[0]) / 1e9)
got = json.load(open(sys.argv[1] + '/summary.json'))['achieved_rate']
print(abs(got / want - 1) < 1e-6)
PY
)" "True" "open loop by 2 ranks: the achieved rate of all sends together"

# --- a killed rank fails the level; --resume completes it --------------------
O="$TMP/kill"
$MPIRUN "$SERVECAL" bench --url "$URL" --isl 40 --osl 3000 --concurrency 4 \
	--requests-per-level 200 --timeout 20s --out "$O" --quiet >"$TMP/kill.out" 2>&1 &
MPI_PID=$!
R1=""
for _ in $(seq 1 100); do
	sleep 0.1
	[ -s "$O/c4/requests.jsonl" ] && R1=$(rank_pid 1) && [ -n "$R1" ] && break
done
[ -n "$R1" ] && kill -9 "$R1"
t0=$(date +%s)
wait "$MPI_PID"
rc=$?
MPI_PID=""
t1=$(date +%s)
[ "$rc" -ne 0 ] && pass || fail "a killed rank: mpirun exits non-zero"
[ $((t1 - t0)) -le 20 ] && pass || fail "the killed rank's level ended $((t1 - t0)) s later (timeout 20 s)"
expect_grep "$TMP/kill.out" "rank(s) 1 of 2 sent no records" "rank 0 names the rank that ended"
[ ! -e "$O/c4/summary.json" ] && pass || fail "a failed level has no summary (a resume must run it again)"
expect_rc 0 "--resume under mpirun" -- $MPIRUN "$SERVECAL" bench --url "$URL" --isl 40 \
	--osl 30 --concurrency 4 --requests-per-level 20 --out "$O" --resume --quiet
expect_eq "$(merged_check "$O/c4" 40 30)" "ok" "the resumed level: merged records"

# --- SIGINT to rank 0 stops both and keeps the level as interrupted ----------
O="$TMP/int"
$MPIRUN "$SERVECAL" bench --url "$URL" --isl 40 --osl 400 --concurrency 4,6 \
	--requests-per-level 4000 --out "$O" --quiet >"$TMP/int.out" 2>&1 &
MPI_PID=$!
R0=""
for _ in $(seq 1 100); do
	sleep 0.1
	[ -s "$O/c4/requests.jsonl" ] && R0=$(rank_pid 0) && [ -n "$R0" ] && break
done
[ -n "$R0" ] && kill -INT "$R0"
wait "$MPI_PID"
MPI_PID=""
expect_grep "$TMP/int.out" "interrupted; finished requests are in" "rank 0 says it was interrupted"
expect_eq "$(python3 -c "
import json,sys
d=json.load(open(sys.argv[1]+'/c4/summary.json'))
n=sum(1 for _ in open(sys.argv[1]+'/c4/requests.jsonl'))
print(d['complete'], d.get('interrupted'), d['requests']['total'] == n, n < 4004)" "$O")" \
	"False True True True" "the interrupted level: its records, marked incomplete"
[ ! -e "$O/c6" ] && pass || fail "no level after the interrupted one"

finish
