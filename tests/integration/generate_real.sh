#!/bin/sh
# From recommendation to running deployment on this machine: `servecal
# match` over a one-device llama.cpp spec (tiny-llama on cpu-1core), then
# `servecal generate --backend llamacpp`, then a campaign whose deployment
# launches the generated command (launch.json's "launch" object, as is):
# llama-server from ../shared/realsrv starts with the generated flags,
# is benched, fitted and reported, and is gone afterwards. The generated
# run.sh starts the same server and stops it with itself.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/realsrv.sh"
realsrv_require generate_real
export SERVECAL_DB="$TMP/db"
# The generated command names llama-server; it is found in $PATH.
PATH="$(cd "$(dirname "$REALSRV_BIN")" && pwd):$PATH"
export PATH

expect_rc 0 "match over the one-device llama.cpp spec" -- "$SERVECAL" match \
	--model tiny-llama --gpu cpu-1core --backend llamacpp --isl 256 --osl 64 \
	--ttft-ms 400 --tpot-ms 20 --total-gpus 1 --max-gpus-per-worker 1 \
	--mode agg --top 0 --out "$TMP/match"
spec="$TMP/match/deploy-agg.json"
[ -s "$spec" ] && pass || fail "match wrote no deploy-agg.json"
expect_rc 0 "generate --backend llamacpp" -- "$SERVECAL" generate --deployment "$spec" \
	--backend llamacpp --model-path "$REALSRV_MODEL" --max-model-len 512 --out "$TMP/gen"
gen="$TMP/gen/match-best-agg"
batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["workers"][0]["max_batch"])' "$spec")
expect_grep "$gen/run.sh" "--parallel $batch" "run.sh: --parallel is the spec's max_batch"
# The engine takes in the slots + scheduler.engine_wait (2 for llamacpp)
# requests the projection assumes: one HTTP thread each.
threads=$((batch + 2))
expect_grep "$gen/run.sh" "--threads-http $threads" "run.sh: --threads-http is max_batch + engine_wait"

# The campaign launches launch.json's command untouched.
python3 - "$gen/launch.json" "$spec" "$TMP/camp.json" <<'EOF'
import json, sys
launch = json.load(open(sys.argv[1]))["launch"]
launch["ready_timeout_s"] = 30
launch["stop_grace_s"] = 5
camp = {"name": "gen-real",
        "deployments": [{"name": "gen", "spec": sys.argv[2], "launch": launch}],
        "workload": {"isl": 256, "osl": 64},
        "sweep": {"concurrency": [1, 2, 4], "duration_per_level_s": 3, "timeout_s": 30},
        "slas": {"ttft_ms": 400, "tpot_ms": 20},
        "search": {"total_gpus": 1, "max_gpus_per_worker": 1},
        "fit": {"holdout": "none", "bootstrap": 0}}
json.dump(camp, open(sys.argv[3], "w"), indent=1)
EOF
expect_rc 0 "campaign with the generated launch command" -- "$SERVECAL" campaign run "$TMP/camp.json" --out "$TMP/camp"
cp "$TMP/out" "$TMP/camp.out"
expect_grep "$TMP/camp.out" "bench gen: launched .*llama-server" "launches llama-server"
for f in gen/c1/summary.json gen/c4/summary.json fit.json report.html; do
	[ -s "$TMP/camp/$f" ] && pass || fail "campaign: $f missing or empty"
done
# llama-server says how many slots it made: the generated --parallel.
expect_grep "$TMP/camp/logs/launch-gen.err" "n_slots = $batch" "the server runs the generated slot count"
expect_grep "$TMP/camp/logs/launch-gen.err" "http threads: $threads" "the server runs the generated HTTP threads"
pid=$(sed -n 's/.*bench gen: launched .* (pid \([0-9]*\)).*/\1/p' "$TMP/camp.out" | tail -n 1)
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && pass || fail "llama-server $pid still running after the campaign"

# run.sh starts the same server, and takes it down with itself.
port=$(realsrv_free_port)
MODEL="$REALSRV_MODEL" PORT=$port BIND_HOST=127.0.0.1 bash "$gen/run.sh" >"$TMP/run.log" 2>&1 &
runpid=$!
i=0
while ! curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
curl -sf "http://127.0.0.1:$port/v1/models" >"$TMP/models.json" 2>/dev/null
expect_grep "$TMP/models.json" '"id":"tiny-llama"' "run.sh: the server answers under the model's name (--alias)"
srv=$(pgrep -f -- "--port $port" | head -n 1)
kill "$runpid"
i=0
while [ -n "$srv" ] && kill -0 "$srv" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -n "$srv" ] && ! kill -0 "$srv" 2>/dev/null && pass ||
	{ fail "run.sh: llama-server '$srv' outlived run.sh"; [ -n "$srv" ] && kill "$srv"; }
finish
