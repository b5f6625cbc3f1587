#!/bin/sh
# `servecal campaign` with deployments launched by command: llama-server
# (../shared/realsrv) started on a free loopback port, benched, fitted,
# reported and stopped; a server killed with kill -9 mid-level fails its
# deployment (no hang) while the next one still runs; and a campaign killed
# with kill -9 does not leave its server running.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/realsrv.sh"
realsrv_require campaign_launch
export SERVECAL_DB="$TMP/db"

# A launched deployment (name, llama-server --parallel) as campaign JSON.
deployment() {
	cat <<EOF
    {"name": "$1", "spec": "$SC_SRCDIR/bench/llamacpp-tiny-par$2.json",
     "launch": {"command": ["$REALSRV_BIN", "-m", "$REALSRV_MODEL", "--alias", "tiny-llama",
                            "--host", "{host}", "--port", "{port}", "--parallel", "$2",
                            "--threads", "1", "--ctx-size", "8192"],
                "health": "/health", "ready_timeout_s": 30, "stop_grace_s": 5}}
EOF
}

# campaign FILE NAME DURATION_S DEPLOYMENT_JSON...
campaign() {
	file=$1 name=$2 dur=$3
	shift 3
	{
		echo "{\"name\": \"$name\", \"deployments\": ["
		first=1
		for d in "$@"; do
			[ $first -eq 1 ] || echo ","
			first=0
			echo "$d"
		done
		echo "], \"workload\": {\"isl\": 256, \"osl\": 32},"
		echo " \"sweep\": {\"concurrency\": [1, 2], \"duration_per_level_s\": $dur, \"timeout_s\": 30},"
		echo " \"slas\": {\"ttft_ms\": 400, \"tpot_ms\": 20},"
		echo " \"search\": {\"total_gpus\": 2, \"max_gpus_per_worker\": 1, \"objective\": \"users\"},"
		echo " \"fit\": {\"holdout\": \"none\", \"bootstrap\": 0}}"
	} >"$file"
}

# A process is alive when it exists and is not a zombie nobody reaped yet.
alive() {
	kill -0 "$1" 2>/dev/null || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ "$state" != Z ]
}

# wait_for FILE PATTERN SECONDS: until PATTERN is in FILE.
wait_for() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		[ $i -lt $(($3 * 10)) ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# The pid the runner reports for the server it launched for deployment $2.
server_pid() {
	sed -n "s/.*bench $2: launched .* (pid \([0-9]*\)).*/\1/p" "$1" | tail -n 1
}

# 1. Launch, bench two levels, fit, report; the server is gone afterwards
# and its output is in the campaign's logs.
campaign "$TMP/one.json" one 2 "$(deployment par2 2)"
expect_rc 0 "launched campaign" -- "$SERVECAL" campaign run "$TMP/one.json" --out "$TMP/one"
cp "$TMP/out" "$TMP/one.out"
expect_grep "$TMP/one.out" "bench par2: launched .*llama-server (pid [0-9]*) at http://127.0.0.1:[0-9]*" "says what it launched, where"
expect_grep "$TMP/one.out" "report: $TMP/one/report.html" "reaches the report"
for f in par2/c1/summary.json par2/c2/summary.json fit.json report.html logs/launch-par2.err; do
	[ -s "$TMP/one/$f" ] && pass || fail "launched campaign: $f missing or empty"
done
expect_grep "$TMP/one/logs/launch-par2.err" "127.0.0.1" "the server's own log (its port filled in) is kept"
# The campaign's ranking reaches match on the fit of the real engine: the
# recommendation runs at least as many users as any config match kept.
best="$TMP/one/match/calibrated-ttft400/best.json"
expect_grep "$best" '"objective":	"users"' "match ranked by users, as the campaign says"
expect_grep "$TMP/one/report.md" "ranked by concurrent users within the SLAs" "report names the ranking"
if python3 - "$best" "$TMP/one/match/calibrated-ttft400/agg.csv" <<'PY'
import csv, json, sys
b = json.load(open(sys.argv[1]))["agg"]["best"]["concurrency"]
rows = [float(r["concurrency"]) for r in csv.DictReader(open(sys.argv[2]))]
print("best runs %g users; the configs kept run %g-%g" % (b, min(rows), max(rows)))
sys.exit(0 if rows and b >= max(rows) else 1)
PY
then pass; else fail "the users ranking did not put the most users first"; fi
pid=$(server_pid "$TMP/one.out" par2)
[ -n "$pid" ] && ! alive "$pid" && pass || fail "launched server $pid still running after the campaign"

# 2. The first server is killed with kill -9 in the middle of a level: its
# deployment fails with the reason, without a hang, and the second
# deployment is still measured and reported.
campaign "$TMP/kill.json" kill 4 "$(deployment victim 2)" "$(deployment par4 4)"
"$SERVECAL" campaign run "$TMP/kill.json" --out "$TMP/kill" >"$TMP/kill.out" 2>"$TMP/kill.err" &
cpid=$!
if wait_for "$TMP/kill.out" "bench victim: levels" 60; then
	sleep 1.5
	vpid=$(server_pid "$TMP/kill.out" victim)
	kill -9 "$vpid" && pass || fail "could not kill the victim server '$vpid'"
else
	fail "the victim server never started: $(cat "$TMP/kill.out" "$TMP/kill.err")"
fi
i=0
while kill -0 "$cpid" 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$cpid" 2>/dev/null; then
	fail "campaign hangs after its server was killed"
	kill -9 "$cpid"
fi
wait "$cpid"
rc=$?
[ "$rc" -eq 1 ] && pass || fail "campaign with a killed server: exit $rc, want 1"
expect_grep "$TMP/kill.out" "bench victim: FAILED: llama-server was killed by signal 9" "names the server's death"
expect_grep "$TMP/kill.out" "bench par4: done" "the next deployment still runs"
expect_rc 0 "status" -- "$SERVECAL" campaign status "$TMP/kill"
expect_grep "$TMP/out" "bench:victim *failed *llama-server was killed by signal 9" "manifest marks it failed, with the reason"
[ -s "$TMP/kill/report.html" ] && pass || fail "no report after a killed server"
expect_grep "$TMP/kill/report.md" "victim" "report names the failed deployment"

# 3. kill -9 of the campaign's main process: the server it launched gets
# SIGTERM from the kernel (PR_SET_PDEATHSIG) and is gone a second later.
campaign "$TMP/orphan.json" orphan 30 "$(deployment par2 2)"
"$SERVECAL" campaign run "$TMP/orphan.json" --out "$TMP/orphan" >"$TMP/orphan.out" 2>&1 &
cpid=$!
if wait_for "$TMP/orphan.out" "bench par2: levels" 60; then
	opid=$(server_pid "$TMP/orphan.out" par2)
	sleep 0.5
	alive "$opid" && pass || fail "server $opid not running before the kill"
	kill -9 "$cpid"
	wait "$cpid" 2>/dev/null
	sleep 1
	if alive "$opid"; then
		fail "server $opid outlived its campaign"
		kill -9 "$opid"
	else
		pass
	fi
else
	fail "the orphan campaign never started its server: $(cat "$TMP/orphan.out")"
	kill -9 "$cpid" 2>/dev/null
fi
finish
