#!/bin/sh
# Hostile-input audit, re-runnable: every numeric flag of every command fed
# bad values, and kill -9 of bench and of a campaign's main process at
# random moments followed by --resume. Prints tries and failures per part.
#
# A bad flag value passes when servecal exits 2 within 20 s, its message
# names the flag and quotes the value, and no sanitizer report appears (run
# it on a --enable-sanitizers build to catch memory errors). A kill passes
# when --resume exits 0, every level's requests.jsonl parses line by line
# and its line count equals its summary's total, and no servecal process
# is left behind.
#
# usage: bench/perf/audit.sh [BUILDDIR] [KILLS]   (KILLS per kind, default 10)
# Only loopback traffic: bench flags point at 127.0.0.1:9 (discard port,
# nothing listens), and a value that slipped through would fail there.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
kills=${2:-10}
sc="$build/servecal"
[ -x "$sc" ] || { echo "audit: no servecal at $sc (give BUILDDIR)" >&2; exit 2; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/audit.XXXXXX")
trap 'pkill -9 -f "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
export SERVECAL_DB="$tmp/db"

# ---- part 1: bad flag values ------------------------------------------------
# command | base arguments | flags holding numbers
BENCH="bench --url http://127.0.0.1:9 --model m --isl 8 --osl 2 --out $tmp/b"
MATCH="match --model qwen3-32b --gpu h200-sxm --dtype fp8 --isl 4000 --osl 500"
PRED="predict --model qwen3-8b --gpu h200-sxm --dtype fp8 --isl 100 --osl 10"
EMU="emulate --deployment $top/bench/emu-agg-fast.json --port 0"
GEN="generate --deployment $top/bench/emu-agg-fast.json --backend vllm --out $tmp/g"
cat >"$tmp/flags" <<EOF
$BENCH|--concurrency --isl --osl --isl-std --osl-std --requests-per-level --duration-per-level --request-rate --max-concurrency --max-error-rate --timeout --seed --warmup --gpus --vocab-size
$MATCH|--isl --osl --ttft-ms --tpot-ms --min-tokens-per-s-user --total-gpus --max-gpus-per-worker --top --kv-link-gbps --kv-link-latency-us
$PRED|--isl --osl --concurrency --tp --pp --dp --ep --max-batch --max-num-tokens
$EMU|--port --seed --fault-drop --fault-error-chunk --fault-http-429 --fault-http-500 --fault-http-503 --fault-malformed --fault-stall --fault-stall-ms --idle-timeout-ms --write-timeout-ms
$GEN|--port --gpus-per-node --max-model-len
fit $top/tests/fixtures/campaign|--bootstrap --seed
EOF
vals='-1|nan|inf|-inf|1e300|-1e300|99999999999999999999999|abc|12abc||0x1p99'
tries=0
fails=0
: >"$tmp/flag-failures"
while IFS='|' read -r base flags; do
	for f in $flags; do
		old_ifs=$IFS
		IFS='|'
		for v in $vals; do
			IFS=$old_ifs
			tries=$((tries + 1))
			# shellcheck disable=SC2086 # base is a word list
			timeout 20 "$sc" $base "$f" "$v" >"$tmp/o" 2>"$tmp/e"
			rc=$?
			why=""
			[ $rc -eq 2 ] || why="exit $rc"
			grep -q -e "runtime error" -e "Sanitizer" "$tmp/e" && why="sanitizer report"
			grep -q -- "${f#--}" "$tmp/e" || why="${why:-message does not name the flag}"
			[ -z "$v" ] || grep -qF -- "$v" "$tmp/e" || why="${why:-message does not quote the value}"
			if [ -n "$why" ]; then
				fails=$((fails + 1))
				printf '%s %s %s: %s: %s\n' "${base%% *}" "$f" "'$v'" "$why" \
					"$(head -c 200 "$tmp/e" | tr '\n' ' ')" >>"$tmp/flag-failures"
			fi
			IFS='|'
		done
		IFS=$old_ifs
	done
done <"$tmp/flags"
printf 'bad flag values: %d tries, %d failures\n' "$tries" "$fails"
sed 's/^/  /' "$tmp/flag-failures"

# ---- part 2: kill -9 and resume ---------------------------------------------
# Every level's records parse and match the summary's total after a resume.
levels_ok() { # DIR
	python3 - "$1" <<'PY'
import json, os, sys
bad = []
for root, dirs, files in os.walk(sys.argv[1]):
    if "summary.json" not in files:
        continue
    s = json.load(open(os.path.join(root, "summary.json")))
    n = 0
    for line in open(os.path.join(root, "requests.jsonl")):
        json.loads(line)
        n += 1
    total = s.get("requests_total", s.get("requests", {}).get("total")) \
        if isinstance(s, dict) else None
    if total is not None and n != total:
        bad.append("%s: %d records, summary %s" % (root, n, total))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$sc" emulate --deployment "$top/bench/emu-agg-fast.json" --port "$port" \
	>"$tmp/emu.log" 2>&1 &
emu=$!
for _ in 1 2 3 4 5 6 7 8 9 10; do
	curl -s "http://127.0.0.1:$port/v1/models" >/dev/null && break
	sleep 0.5
done
ktries=0
kfails=0
i=0
while [ $i -lt "$kills" ]; do
	i=$((i + 1))
	d="$tmp/k$i"
	set -- bench --url "http://127.0.0.1:$port" --model qwen3-8b --isl 64 \
		--osl 16 --concurrency 1,4,8 --requests-per-level 40 --out "$d"
	"$sc" "$@" >/dev/null 2>&1 &
	p=$!
	sleep "$(awk -v s="$i" 'BEGIN{srand(s); printf "%.2f", 0.3 + 2.5*rand()}')"
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	ktries=$((ktries + 1))
	if ! timeout 120 "$sc" "$@" --resume >"$tmp/r.log" 2>&1; then
		kfails=$((kfails + 1))
		echo "  bench kill $i: resume failed: $(tail -1 "$tmp/r.log")"
	elif ! out=$(levels_ok "$d"); then
		kfails=$((kfails + 1))
		echo "  bench kill $i: $out"
	fi
done
printf 'kill -9 bench, then --resume: %d tries, %d failures\n' "$ktries" "$kfails"

ctries=0
cfails=0
i=0
while [ $i -lt "$kills" ]; do
	i=$((i + 1))
	d="$tmp/c$i"
	"$sc" campaign run "$top/tests/fixtures/e2e-campaign/e2e.json" --out "$d" \
		>/dev/null 2>&1 &
	p=$!
	sleep "$(awk -v s="$i" 'BEGIN{srand(100+s); printf "%.2f", 1 + 6*rand()}')"
	kill -9 "$p" 2>/dev/null # the main process only
	wait "$p" 2>/dev/null
	ctries=$((ctries + 1))
	if ! timeout 300 "$sc" campaign run "$top/tests/fixtures/e2e-campaign/e2e.json" \
		--out "$d" --resume >"$tmp/r.log" 2>&1; then
		cfails=$((cfails + 1))
		echo "  campaign kill $i: resume failed: $(tail -1 "$tmp/r.log")"
	elif ! out=$(levels_ok "$d"); then
		cfails=$((cfails + 1))
		echo "  campaign kill $i: $out"
	fi
	sleep 1
	if pgrep -f "$d" >/dev/null; then
		cfails=$((cfails + 1))
		echo "  campaign kill $i: processes left: $(pgrep -f -a "$d" | head -3)"
	fi
done
printf 'kill -9 campaign main process, then --resume: %d tries, %d failures\n' \
	"$ctries" "$cfails"
kill "$emu" 2>/dev/null
wait "$emu" 2>/dev/null
[ $((fails + kfails + cfails)) -eq 0 ]
