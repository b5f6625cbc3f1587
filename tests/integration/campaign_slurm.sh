#!/bin/sh
# Campaign deployments on Slurm, with stand-in sbatch, squeue and scancel
# first on PATH: they record their arguments and run the job script servecal
# wrote on this machine, so the generated llama-server command (the tiny
# model of ../shared/realsrv) starts for real and the campaign's submit,
# wait, health, bench and scancel path runs for real. Also: a job that
# waits in the queue and then fails, a job that never leaves the queue
# (queue timeout), --resume not submitting a finished deployment again, and
# a stopped campaign cancelling the job it started.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/realsrv.sh"
realsrv_require campaign_slurm
export SERVECAL_DB="$TMP/db"
BIN="$TMP/bin"
STATE="$TMP/slurm"
mkdir -p "$BIN" "$STATE"
export STATE
PATH="$BIN:$(cd "$(dirname "$REALSRV_BIN")" && pwd):$PATH"
export PATH

# sbatch --parsable SCRIPT: records its arguments and the script, and
# starts the script in a session of its own (as a node would), unless the
# script's STANDIN_MODE says the job fails or stays queued.
cat >"$BIN/sbatch" <<'EOF'
#!/bin/sh
echo "$*" >>"$STATE/sbatch.args"
for a; do script=$a; done
n=$(($(cat "$STATE/next" 2>/dev/null || echo 4240) + 1))
echo "$n" >"$STATE/next"
cp "$script" "$STATE/job-$n.sbatch"
mode=$(sed -n 's/^export STANDIN_MODE=//p' "$script")
echo "${mode:-run}" >"$STATE/job-$n.mode"
if [ "${mode:-run}" = run ]; then
	out=$(sed -n 's/^#SBATCH --output=//p' "$script" | sed "s/%j/$n/")
	SLURM_JOB_ID=$n SLURM_JOB_NUM_NODES=1 SLURM_NODEID=0 \
		SLURM_JOB_NODELIST=localhost setsid sh -c \
		'echo $$ >"$1"; exec bash "$2"' sh "$STATE/job-$n.pid" "$script" \
		>"$out" 2>&1 </dev/null &
fi
echo "$n"
EOF
# squeue -h -j ID -o FORMAT: RUNNING on 127.0.0.1 while the job runs;
# a failing job is PENDING twice, then FAILED; a queued one stays PENDING.
cat >"$BIN/squeue" <<'EOF'
#!/bin/sh
echo "$*" >>"$STATE/squeue.args"
id=$3
[ -f "$STATE/job-$id.mode" ] || { echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; }
[ -f "$STATE/job-$id.cancelled" ] && exit 0
case $(cat "$STATE/job-$id.mode") in
run)
	pid=$(cat "$STATE/job-$id.pid" 2>/dev/null)
	if [ -z "$pid" ]; then
		echo "PENDING|(null)|None" # not started yet
	elif kill -0 "$pid" 2>/dev/null; then
		echo "RUNNING|127.0.0.1|None"
	fi ;;
fail)
	k=$(($(cat "$STATE/job-$id.polls" 2>/dev/null || echo 0) + 1))
	echo "$k" >"$STATE/job-$id.polls"
	if [ "$k" -le 2 ]; then echo "PENDING|(null)|Priority"; else echo "FAILED|node7|NonZeroExitCode"; fi ;;
pending)
	echo "PENDING|(null)|Resources" ;;
esac
EOF
# scancel ID: records it and ends the job's session.
cat >"$BIN/scancel" <<'EOF'
#!/bin/sh
echo "$*" >>"$STATE/scancel.args"
touch "$STATE/job-$1.cancelled"
pid=$(cat "$STATE/job-$1.pid" 2>/dev/null)
[ -z "$pid" ] || kill -TERM "-$pid" 2>/dev/null
exit 0
EOF
chmod +x "$BIN/sbatch" "$BIN/squeue" "$BIN/scancel"

# A process is alive when it exists and is not a zombie nobody reaped yet
# (the jobs' parent, the stand-in sbatch, is gone).
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ "$state" != Z ]
}
# A process is gone within 5 s (scancel, like Slurm's, returns before the
# job has ended; on a loaded machine its shell takes a moment).
gone() {
	i=0
	while alive "$1" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! alive "$1"
}
# The job's llama-server (on the job's port) is gone within 5 s.
server_gone() {
	i=0
	while pgrep -f -- "--port $1" >/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	! pgrep -f -- "--port $1" >/dev/null
}

# Whatever the test leaves running ends with it.
kill_jobs() {
	for f in "$STATE"/job-*.pid; do
		[ -f "$f" ] && kill -KILL "-$(cat "$f")" 2>/dev/null
	done
	return 0
}
cleanup_hooks="kill_jobs"

PORT1=$(realsrv_free_port)
# deployment NAME MODE [EXTRA JSON]
deployment() {
	cat <<EOF
    {"name": "$1", "spec": "$SC_SRCDIR/tests/golden/gen/tiny-agg.json",
     "slurm": {"partition": "debug", "time": "00:10:00", "backend": "llamacpp",
               "model_path": "$REALSRV_MODEL", "port": $PORT1, "max_model_len": 512,
               "env": {"BIND_HOST": "127.0.0.1", "STANDIN_MODE": "$2"},
               "poll_s": 0.2, "ready_timeout_s": 30 ${3:-}}}
EOF
}
campaign() { # FILE NAME DURATION_S DEPLOYMENTS...
	file=$1 name=$2 dur=$3
	shift 3
	{
		echo "{\"name\": \"$name\", \"deployments\": ["
		sep=""
		for d in "$@"; do
			echo "$sep$d"
			sep=","
		done
		echo "], \"workload\": {\"isl\": 256, \"osl\": 32},"
		echo " \"sweep\": {\"concurrency\": [1, 2], \"duration_per_level_s\": $dur, \"timeout_s\": 30},"
		echo " \"slas\": {\"ttft_ms\": 400, \"tpot_ms\": 20},"
		echo " \"search\": {\"total_gpus\": 1, \"max_gpus_per_worker\": 1},"
		echo " \"fit\": {\"holdout\": \"none\", \"bootstrap\": 0}}"
	} >"$file"
}

# 1. A job that runs, one that fails after waiting in the queue, one that
# never leaves it: the first is benched and cancelled, the others fail
# with the scheduler's words, and the campaign goes on to fit and report.
campaign "$TMP/a.json" slurm-a 2 "$(deployment ok run)" \
	"$(deployment failed fail)" "$(deployment queued pending ', "queue_timeout_s": 2')"
expect_rc 1 "campaign with three Slurm deployments (two fail)" -- \
	"$SERVECAL" campaign run "$TMP/a.json" --out "$TMP/a"
cp "$TMP/out" "$TMP/a.out"
cp "$TMP/err" "$TMP/a.err"
expect_grep "$TMP/a.out" "bench ok: submitted job [0-9]*" "says what it submitted"
expect_grep "$TMP/a.out" "bench ok: job [0-9]* healthy at http://127.0.0.1:$PORT1" "reaches the job's endpoint"
expect_grep "$TMP/a.out" "bench ok: done" "benches the job"
expect_grep "$TMP/a.out" "bench failed: FAILED: job [0-9]* FAILED (NonZeroExitCode) before its deployment ran" "a failed job, in the scheduler's words"
expect_grep "$TMP/a.out" "bench queued: FAILED: job [0-9]* still PENDING after 2 s in the queue (reason: Resources); cancelled" "a job stuck in the queue"
expect_grep "$TMP/a.out" "report: " "the campaign still reports"
for f in ok/c1/summary.json ok/c2/summary.json fit.json report.html; do
	[ -s "$TMP/a/$f" ] && pass || fail "campaign: $f missing or empty"
done
python3 - "$TMP/a/manifest.json" <<'EOF' && pass || fail "manifest: bench:ok done, the others failed with the reason"
import json, sys
s = json.load(open(sys.argv[1]))["steps"]
assert s["bench:ok"]["status"] == "done", s["bench:ok"]
assert s["bench:failed"]["status"] == "failed" and "NonZeroExitCode" in s["bench:failed"]["note"], s["bench:failed"]
assert s["bench:queued"]["status"] == "failed" and "PENDING" in s["bench:queued"]["note"], s["bench:queued"]
EOF
ok=$(sed -n 's/.*bench ok: submitted job \([0-9]*\).*/\1/p' "$TMP/a.out" | head -n 1)
queued=$(sed -n 's/.*bench queued: submitted job \([0-9]*\).*/\1/p' "$TMP/a.out" | head -n 1)
# The job script: what the spec and the slurm object say.
script="$STATE/job-$ok.sbatch"
for want in "#SBATCH --job-name=servecal-slurm-a-ok" "#SBATCH --nodes=1" \
	"#SBATCH --cpus-per-task=1" "#SBATCH --partition=debug" "#SBATCH --time=00:10:00" \
	"#SBATCH --output=$TMP/a/logs/slurm-ok-%j.out" "export BIND_HOST=127.0.0.1" \
	"llama-server -m" "--parallel 3" "--ctx-size 1536" "--threads 1" "servecal_node 0"; do
	expect_grep "$script" "$want" "job script"
done
expect_grep "$STATE/sbatch.args" "^--parsable $TMP/a/slurm/ok.sbatch$" "sbatch --parsable SCRIPT"
expect_grep "$STATE/scancel.args" "^$ok$" "the benched job is cancelled after"
expect_grep "$STATE/scancel.args" "^$queued$" "the queued job is cancelled at the timeout"
expect_grep "$TMP/a/logs/slurm-ok.log" "\$ sbatch --parsable" "the scheduler calls are logged"
expect_grep "$TMP/a/logs/slurm-ok.log" "^$ok$" "with the job id"
expect_grep "$TMP/a/logs/slurm-ok-$ok.out" "n_slots = 3" "the job's own output is kept"
pid=$(cat "$STATE/job-$ok.pid")
gone "$pid" && server_gone "$PORT1" && pass || fail "job $ok still running after the campaign"
[ ! -e "$TMP/a/slurm/ok.jobid" ] && pass || fail "the job id file outlived the job"

# 2. --resume: the finished deployment is not submitted again.
before=$(grep -c "slurm/ok.sbatch" "$STATE/sbatch.args")
expect_rc 1 "campaign --resume" -- "$SERVECAL" campaign run "$TMP/a.json" --out "$TMP/a" --resume
expect_grep "$TMP/out" "bench ok: done earlier" "resume keeps the benched deployment"
after=$(grep -c "slurm/ok.sbatch" "$STATE/sbatch.args")
[ "$before" -eq 1 ] && [ "$after" -eq 1 ] && pass ||
	fail "deployment ok submitted $after times (once before --resume: $before)"

# 3. A campaign stopped during the bench cancels the job it started.
campaign "$TMP/b.json" slurm-b 30 "$(deployment stopme run)"
"$SERVECAL" campaign run "$TMP/b.json" --out "$TMP/b" >"$TMP/b.out" 2>&1 &
cpid=$!
i=0
while ! grep -q "bench stopme: levels" "$TMP/b.out" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
job=$(sed -n 's/.*bench stopme: submitted job \([0-9]*\).*/\1/p' "$TMP/b.out" | head -n 1)
kill -INT "$cpid"
wait "$cpid"
[ -n "$job" ] && grep -q "^$job$" "$STATE/scancel.args" && pass ||
	fail "stopped campaign: job '$job' not cancelled: $(tail -n 3 "$TMP/b.out")"
pid=$(cat "$STATE/job-$job.pid" 2>/dev/null)
[ -n "$pid" ] && gone "$pid" && server_gone "$PORT1" && pass ||
	fail "job $job still running after the stop"

# 4. A campaign killed with kill -9 cannot cancel its job; the next
# --resume cancels it before it submits a new one.
campaign "$TMP/c.json" slurm-c 30 "$(deployment killed run)"
"$SERVECAL" campaign run "$TMP/c.json" --out "$TMP/c" >"$TMP/c.out" 2>&1 &
cpid=$!
i=0
while ! grep -q "bench killed: levels" "$TMP/c.out" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
job=$(sed -n 's/.*bench killed: submitted job \([0-9]*\).*/\1/p' "$TMP/c.out" | head -n 1)
kill -KILL "$cpid"
wait "$cpid" 2>/dev/null
[ -n "$job" ] && [ "$(cat "$TMP/c/slurm/killed.jobid" 2>/dev/null)" = "$job" ] && pass ||
	fail "killed campaign: job '$job' not recorded in killed.jobid"
campaign "$TMP/c.json" slurm-c 1 "$(deployment killed run)"
expect_rc 0 "--resume after kill -9" -- "$SERVECAL" campaign run "$TMP/c.json" --out "$TMP/c" --resume
expect_grep "$TMP/out" "bench killed: cancelling job $job, left by an earlier run" "says it cancels the left job"
expect_grep "$STATE/scancel.args" "^$job$" "the left job is cancelled"
pid=$(cat "$STATE/job-$job.pid" 2>/dev/null)
[ -n "$pid" ] && gone "$pid" && pass || fail "left job $job still running"
finish
