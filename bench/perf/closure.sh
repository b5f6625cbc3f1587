#!/bin/sh
# Closure on the emulator: for each case, `servecal match` recommends the
# best agg and the best disagg deployment (with the priors), then
# `servecal verify` brings each up emulated (no emulator section: the
# ground truth is the priors plus the emulator's own effects: per-step
# noise, GEMM efficiency that falls for small batches, frontend jitter)
# and benches it at its recommended concurrency. Prints, per case and
# mode: TTFT p90 projected and measured, attainment (share of requests
# within the TTFT SLA) and tokens/s/gpu projected and measured.
# Targets: attainment >= 85% and tokens/s/gpu within 10% for every row.
# Each point: WARMUP rounds of its users, then ROUNDS rounds measured
# (ROUNDS x concurrency requests). About 10 minutes on 2 cores; the
# emulator runs in real time, so a machine busy with other work delays
# its iterations (say the load, `uptime`, with the figures).
# usage: bench/perf/closure.sh [BUILDDIR] [OUTDIR] [ROUNDS] [WARMUP]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
out=${2:-$top/results/closure}
rounds=${3:-3}
warmup=${4:-2}
sc="$build/servecal"
mkdir -p "$out"

# name|match arguments
cases='seed-600|--model qwen3-32b --gpu h200-sxm --dtype fp8 --kv-dtype fp8 --isl 4000 --osl 500 --ttft-ms 600 --min-tokens-per-s-user 60 --total-gpus 8
seed-1200|--model qwen3-32b --gpu h200-sxm --dtype fp8 --kv-dtype fp8 --isl 4000 --osl 500 --ttft-ms 1200 --min-tokens-per-s-user 60 --total-gpus 8
moe-30b-a3b|--model qwen3-30b-a3b --gpu h200-sxm --dtype fp8 --kv-dtype fp8 --isl 4000 --osl 500 --ttft-ms 600 --min-tokens-per-s-user 60 --total-gpus 2
long-out|--model llama-3.1-8b --gpu h200-sxm --dtype fp8 --kv-dtype fp8 --isl 1000 --osl 2000 --ttft-ms 400 --min-tokens-per-s-user 150 --total-gpus 2'

echo "$cases" | while IFS='|' read -r name args; do
	[ -f "$out/$name/verify/verify.json" ] && continue
	rm -rf "$out/$name"
	mkdir -p "$out/$name"
	# shellcheck disable=SC2086
	"$sc" match $args --ttft-stat p90 --top 0 --out "$out/$name/match" \
		>"$out/$name/match.txt" || {
		echo "$name: match found nothing (see $out/$name/match.txt)" >&2
		continue
	}
	start=$(date +%s)
	"$sc" verify "$out/$name/match" --rounds "$rounds" \
		--warmup-rounds "$warmup" --out "$out/$name/verify" \
		>"$out/$name/verify.txt" 2>&1 || true
	echo "$name: verified in $(($(date +%s) - start)) s; load: $(uptime | sed 's/.*load average: //')" >&2
done

python3 - "$out" "$rounds" <<'PY'
import json, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows, ok_all = [], True
for name in sorted(os.listdir(out)):
    v = os.path.join(out, name, "verify", "verify.json")
    if not os.path.exists(v):
        continue
    d = json.load(open(v))
    for mode in ("agg", "disagg"):
        r = d.get(mode)
        if not r:
            continue
        if not r.get("measured"):
            rows.append((name, mode, r["config"], "not measured: " + r.get("error", "")))
            ok_all = False
            continue
        err = r["measured_tokens_per_s_per_gpu"] / r["projected_tokens_per_s_per_gpu"] - 1
        ok = r["ttft_attainment"] >= 0.85 and abs(err) <= 0.10
        ok_all &= ok
        rows.append((name, mode, r["config"], int(r["concurrency"]),
                     int(r["concurrency"]) * rounds,
                     r["sla_ttft_ms"], r["projected_ttft_ms"], r["measured_ttft_ms"],
                     100 * r["ttft_attainment"], r["projected_tokens_per_s_per_gpu"],
                     r["measured_tokens_per_s_per_gpu"], 100 * err, "ok" if ok else "MISS"))
print("| case | mode | config | users | requests | SLA ms | TTFT p90 proj | meas | attainment | tok/s/gpu proj | meas | error | target |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for r in rows:
    if len(r) == 4:
        print("| %s | %s | %s | %s |" % r)
        continue
    print("| %s | %s | %s | %d | %d | %.0f | %.0f | %.0f | %.1f%% | %.0f | %.0f | %+.1f%% | %s |" % r)
print("targets (attainment >= 85%%, tokens/s/gpu within 10%%): %s"
      % ("all met" if ok_all else "MISSED"))
PY
