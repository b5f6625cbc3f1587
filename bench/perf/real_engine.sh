#!/bin/sh
# Calibration accuracy on a real engine: llama.cpp's llama-server with the
# tiny model of ../shared/realsrv (4 slots, one thread), two workload
# shapes (ISL 256 / OSL 64 and ISL 1024 / OSL 128), concurrency 1-16, each
# level on a freshly started server (llama.cpp's KV cell array carries its
# history from level to level), the whole sweep measured twice. Prints, per
# shape, the held-out MAPE of a fit on every other level next to the
# measurement's own run-to-run spread, the worst held-out level, and the
# error of a fit on one shape projected onto the other.
# Targets (held out, each shape): TTFT mean <= 8%, TTFT p90 <= 12%,
# TPOT <= 5%, throughput <= 5%, no level off by more than 20%; across
# shapes TTFT and TPOT <= 15%. About 20 minutes on 2 cores.
# Each level measures ROUNDS rounds of its users after one round of
# warm-up (a duration would hold less than one cycle at ISL 1024 and 16
# users, where a request takes about 17 s), and at least MIN requests: the
# p90 of 4 requests at one user is their largest, which one slow
# iteration moves by a third.
# usage: bench/perf/real_engine.sh [BUILDDIR] [OUTDIR] [ROUNDS] [MIN] [RUNS]
# RUNS: how many times each sweep is measured, 1 or 2 (default 2; the
# run-to-run spread needs 2).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
out=${2:-$top/results/real-engine}
rounds=${3:-4}
min_requests=${4:-40}
. "$top/bench/perf/args.sh"
whole_arg real_engine.sh ROUNDS "$rounds" 1 1000
whole_arg real_engine.sh MIN "$min_requests" 1 100000
case ${5:-2} in
1 | 2) runs=$(seq 1 "${5:-2}") ;;
*) echo "real_engine.sh: RUNS must be 1 or 2, got '$5'" >&2; exit 2 ;;
esac
sc="$build/servecal"
SC_SRCDIR=$top
TMP=$(mktemp -d "${TMPDIR:-/tmp}/screal.XXXXXX")
. "$top/tests/integration/realsrv.sh"
realsrv_require real_engine
trap 'realsrv_stop_all; rm -rf "$TMP"' EXIT INT TERM
export SERVECAL_DB="$out/perf-db"
levels="1 2 3 4 5 6 8 10 12 16"
spec="$top/bench/llamacpp-tiny-par4.json"
mkdir -p "$out"

# The server's HTTP threads are pinned to its slots + 2 (its default on
# machines of up to that many cores): the deployment's scheduler.engine_wait.
# sweep DIR ISL OSL: every level on a fresh server whose cell array holds
# four requests with a quarter to spare (a unified cache that is exactly
# full fails prompts when its free cells are not contiguous), rounded up
# to 256 cells.
sweep() {
	dir=$1 isl=$2 osl=$3
	ctx=$(( (5 * (isl + osl) + 255) / 256 * 256 ))
	for c in $levels; do
		[ -f "$dir/c$c/summary.json" ] && continue
		n=$((rounds * c))
		[ "$n" -ge "$min_requests" ] || n=$min_requests
		realsrv_start URL --parallel 4 --threads 1 --ctx-size "$ctx" \
			--threads-http 6
		"$sc" bench --url "$URL" --isl "$isl" --osl "$osl" \
			--concurrency "$c" --requests-per-level "$n" \
			--deployment "$spec" --out "$dir" --resume --quiet ||
			echo "level c$c of $dir failed" >&2
		realsrv_stop_all
	done
}

for run in $runs; do
	sweep "$out/a$run" 256 64
	sweep "$out/b$run" 1024 128
done

fixall=eta_c,eta_a,eta_ad,eta_m,eta_ar,alpha_ar,tau_s,tau_r,t0,tkv,eta_me
for d in $(for r in $runs; do echo a$r b$r; done); do
	"$sc" fit "$out/$d" --holdout levels --out "$out/$d/fit.json" \
		>"$out/$d/fit.txt"
	"$sc" fit "$out/$d" --holdout none --out "$out/$d/fit-all.json" \
		>"$out/$d/fit-all.txt"
done
# One shape's fit (all its levels) projected onto the other shape.
"$sc" fit "$out/b1" --prior "$out/a1/fit-all.json" --fix "$fixall" \
	--holdout none --out "$out/cross-a-to-b.json" >"$out/cross-a-to-b.txt" ||
	echo "fit on A projected onto B: marked unconverged (the MAPE is still the projection's)" >&2
"$sc" fit "$out/a1" --prior "$out/b1/fit-all.json" --fix "$fixall" \
	--holdout none --out "$out/cross-b-to-a.json" >"$out/cross-b-to-a.txt" ||
	echo "fit on B projected onto A: marked unconverged (the MAPE is still the projection's)" >&2

python3 - "$out" "${5:-2}" <<'EOF'
import json, sys, os
out = sys.argv[1]
n_runs = int(sys.argv[2])
keys = ["ttft_ms", "ttft_p90_ms", "ttft_p99_ms", "tpot_ms", "tokens_per_s"]
names = {"ttft_ms": "TTFT mean", "ttft_p90_ms": "TTFT p90",
         "ttft_p99_ms": "TTFT p99", "tpot_ms": "TPOT",
         "tokens_per_s": "throughput"}

def summary(d, lvl):
    s = json.load(open(os.path.join(out, d, lvl, "summary.json")))
    return {"ttft_ms": s["ttft_ms"]["mean"], "ttft_p90_ms": s["ttft_ms"]["p90"],
            "ttft_p99_ms": s["ttft_ms"]["p99"], "tpot_ms": s["tpot_ms"]["mean"],
            "tokens_per_s": s["throughput"]["output_tokens_per_s"]}

def spread(d1, d2):
    errs = {k: [] for k in keys}
    for lvl in sorted(os.listdir(os.path.join(out, d1))):
        p = os.path.join(out, d2, lvl, "summary.json")
        if not lvl.startswith("c") or not os.path.exists(p):
            continue
        a, b = summary(d1, lvl), summary(d2, lvl)
        for k in keys:
            if a[k] and b[k]:
                errs[k].append(abs(a[k] - b[k]) / ((a[k] + b[k]) / 2))
    return {k: 100 * sum(v) / len(v) if v else float("nan") for k, v in errs.items()}

def worst(fit):
    w = (0, "")
    for p in fit["points"]:
        if p["set"] != "holdout":
            continue
        for k in keys:
            m, q = p["measured"].get(k), p["projected_held_out"].get(k)
            if m and q and abs(q / m - 1) > w[0]:
                w = (abs(q / m - 1), "c%g %s" % (p["concurrency"], names[k]))
    return w

print("Real engine: llama-server, tiny model, 4 slots, 1 thread; "
      "every other level held out")
print("%-22s %10s %10s %10s %10s %10s   %s" % ("MAPE %", *[names[k] for k in keys], "worst held-out level"))
for shape, label in (("a", "ISL 256 / OSL 64"), ("b", "ISL 1024 / OSL 128")):
    for run in "12"[:n_runs]:
        f = json.load(open(os.path.join(out, shape + run, "fit.json")))
        held = f["mape"]["held_out"]
        w = worst(f)
        print("%-22s %10.1f %10.1f %10.1f %10.1f %10.1f   %.0f%% (%s)" % (
            "%s run %s held-out" % (shape.upper(), run),
            *[held.get(k) or float("nan") for k in keys], 100 * w[0], w[1]))
    if n_runs < 2:
        continue
    sp = spread(shape + "1", shape + "2")
    print("%-22s %10.1f %10.1f %10.1f %10.1f %10.1f" % (
        "%s run-to-run spread" % shape.upper(), *[sp[k] for k in keys]))
for name, label in (("cross-a-to-b", "fit on A, project B"),
                    ("cross-b-to-a", "fit on B, project A")):
    f = json.load(open(os.path.join(out, name + ".json")))
    m = f["mape"]["in_sample"]
    print("%-22s %10.1f %10.1f %10.1f %10.1f %10.1f" % (label, *[m.get(k) or float("nan") for k in keys]))
print("targets: held-out TTFT 8, p90 12, TPOT 5, throughput 5, worst level 20; "
      "across shapes TTFT and TPOT 15")
EOF
