#!/bin/sh
# `servecal generate` and `match --emit`: the launch files of every backend
# for an agg and a disagg configuration of the seed case (Qwen3-32B FP8 on
# H200, tests/golden/gen/seed-*.json, written by `servecal match`) and the
# tiny llama.cpp case must equal the golden files under tests/golden/gen/CASE/;
# every YAML file parses (python3-yaml) and carries the numbers of the
# configuration it came from; every run.sh passes `bash -n`; a setting a
# backend does not have is an error (exit 3) naming it.
# After a deliberate change, review the diff and update the golden files:
#   SC_UPDATE_GOLDEN=1 SC_SRCDIR=.. SC_BUILDDIR=. sh ../tests/integration/generate.sh
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
G="$SC_SRCDIR/tests/golden/gen"
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "SKIP: generate: python3-yaml missing (tests/install-deps.sh installs it)"
	exit 77
fi

# CASE FIXTURE BACKEND [FLAGS...]
cases() {
	cat <<EOF
vllm-agg seed-agg vllm
vllm-disagg seed-disagg vllm
sglang-agg seed-agg sglang
sglang-disagg seed-disagg sglang
trtllm-agg seed-agg-1x trtllm
trtllm-disagg seed-disagg trtllm
dynamo-vllm-agg seed-agg dynamo --engine vllm
dynamo-vllm-disagg seed-disagg dynamo --engine vllm
dynamo-sglang-disagg seed-disagg dynamo --engine sglang
dynamo-trtllm-agg seed-agg dynamo --engine trtllm
dynamo-trtllm-disagg seed-disagg dynamo --engine trtllm
llamacpp-agg tiny-agg llamacpp --model-path tiny-llama.gguf --max-model-len 320
EOF
}

# The checks of one generated directory against its deployment.json.
cat >"$TMP/check.py" <<'EOF'
import json, os, sys, yaml
d = sys.argv[1]
dep = json.load(open(os.path.join(d, "deployment.json")))
launch = json.load(open(os.path.join(d, "launch.json")))
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append("%s: %r, want %r" % (what, got, exp))
groups = {w["role"]: w for w in dep["workers"]}
# launch.json carries the configuration it came from
for w in launch["workers"]:
    g = groups[w["role"]]
    for k in ("count", "tp", "max_batch", "max_num_tokens"):
        want("launch.json %s %s" % (w["role"], k), w[k], g.get(k, 1))
docs = {}
for f in sorted(os.listdir(d)):
    if f.endswith(".yaml"):
        docs[f] = [x for x in yaml.safe_load_all(open(os.path.join(d, f))) if x]
def engine_config(role, cfg):
    g = groups[role]
    want("%s max_batch_size" % role, cfg["max_batch_size"], g["max_batch"])
    want("%s max_num_tokens" % role, cfg["max_num_tokens"], g["max_num_tokens"])
    want("%s tensor_parallel_size" % role, cfg["tensor_parallel_size"], g["tp"])
    want("%s kv_cache_config.dtype" % role, cfg["kv_cache_config"]["dtype"],
         "fp8" if dep["kv_dtype"] == "fp8" else "auto")
    want("%s enable_block_reuse" % role, cfg["kv_cache_config"]["enable_block_reuse"], False)
    if role != "decode":
        want("%s enable_chunked_prefill" % role, cfg["enable_chunked_prefill"],
             dep["scheduler"]["chunked"])
for f, ds in docs.items():
    if f.startswith(("extra-llm-api-", "engine-")):
        engine_config(f.split("-")[-1][:-5], ds[0])
    if f == "disagg.yaml":
        want("context_servers", ds[0]["context_servers"]["num_instances"], groups["prefill"]["count"])
        want("generation_servers", ds[0]["generation_servers"]["num_instances"], groups["decode"]["count"])
    if f == "deploy.yaml":
        dgd = [x for x in ds if x["kind"] == "DynamoGraphDeployment"][0]
        cms = [x for x in ds if x["kind"] == "ConfigMap"]
        for c in cms:
            for name, text in c["data"].items():
                engine_config(name.split("-")[-1][:-5], yaml.safe_load(text))
        svcs = dgd["spec"]["services"]
        if "Frontend" not in svcs:
            bad.append("deploy.yaml: no Frontend")
        for name, s in svcs.items():
            if s["componentType"] != "worker":
                continue
            role = s.get("subComponentType", "agg")
            g = groups[role]
            want(name + " replicas", s["replicas"], g["count"])
            want(name + " gpu limit", s["resources"]["limits"]["gpu"], str(g["tp"] * g.get("pp", 1)))
            args = s["extraPodSpec"]["mainContainer"]["args"]
            for flag, key in (("--max-num-seqs", "max_batch"), ("--max-running-requests", "max_batch"),
                              ("--max-num-batched-tokens", "max_num_tokens"),
                              ("--tensor-parallel-size", "tp"), ("--tp-size", "tp")):
                if flag in args:
                    want(name + " " + flag, args[args.index(flag) + 1], str(g[key]))
# the commands carry the numbers too
for p in launch["processes"]:
    cmd = p["command"]
    if "--parallel" in cmd:
        want("llama-server --parallel", cmd[cmd.index("--parallel") + 1], str(groups["agg"]["max_batch"]))
    if "--max-num-seqs" in cmd and p["name"] != "frontend":
        g = groups[p["name"].split("-")[0]]
        want(p["name"] + " --max-num-seqs", cmd[cmd.index("--max-num-seqs") + 1], str(g["max_batch"]))
if bad:
    print("; ".join(bad))
    sys.exit(1)
EOF

mkdir -p "$TMP/norm"
cases | while read -r case fix backend flags; do
	out="$TMP/gen/$case"
	# shellcheck disable=SC2086
	"$SERVECAL" generate --deployment "$G/$fix.json" --backend "$backend" \
		--max-model-len 4500 $flags --out "$out" >"$TMP/gen.out" 2>"$TMP/gen.err" ||
		{ echo "FAIL: $case: generate exited $?: $(cat "$TMP/gen.err")"; continue; }
	dir="$out/$fix"
	real=$(cd "$dir" && pwd -P)
	python3 "$TMP/check.py" "$dir" >"$TMP/check.out" 2>&1 ||
		echo "FAIL: $case: the files do not carry the configuration: $(head -c 600 "$TMP/check.out")"
	for sh in "$dir"/run.sh; do
		bash -n "$sh" 2>"$TMP/bashn" || echo "FAIL: $case: run.sh: $(cat "$TMP/bashn")"
	done
	mkdir -p "$TMP/norm/$case"
	for f in "$dir"/*; do
		sed "s#$real#@DIR@#g" "$f" >"$TMP/norm/$case/$(basename "$f")"
	done
	if [ "${SC_UPDATE_GOLDEN:-0}" = 1 ]; then
		rm -rf "${G:?}/$case"
		cp -r "$TMP/norm/$case" "$G/$case"
	elif ! diff -r "$G/$case" "$TMP/norm/$case" >"$TMP/diff" 2>&1; then
		echo "FAIL: $case: generated files differ from $G/$case: $(head -c 1500 "$TMP/diff")"
	fi
done >"$TMP/loop.log"
if grep -q '^FAIL' "$TMP/loop.log"; then
	grep '^FAIL' "$TMP/loop.log" | while read -r l; do echo "$l" >&2; done
	fail "$(grep -c '^FAIL' "$TMP/loop.log") golden case(s) failed"
else
	pass
fi
[ "$(ls "$TMP/norm" | wc -l)" -eq "$(cases | wc -l)" ] && pass ||
	fail "not every golden case produced files"

# Settings a backend does not have: exit 3, each named (golden stderr).
errcase() { # NAME FIXTURE BACKEND WANT...
	name=$1 fix=$2 backend=$3
	shift 3
	expect_rc 3 "$name: exit 3" -- "$SERVECAL" generate --deployment "$G/$fix.json" \
		--backend "$backend" --max-model-len 4500 --out "$TMP/err-$name"
	for w in "$@"; do expect_grep "$TMP/err" "$w" "$name names it"; done
	sed "s#$G/##" "$TMP/err" >"$TMP/err.norm"
	if [ "${SC_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$TMP/err.norm" "$G/errors/$name.txt"
	else
		diff "$G/errors/$name.txt" "$TMP/err.norm" >"$TMP/diff" 2>&1 && pass ||
			fail "$name: message differs from $G/errors/$name.txt: $(cat "$TMP/diff")"
	fi
	[ ! -e "$TMP/err-$name/$fix/run.sh" ] && pass || fail "$name: files written despite the error"
}
mkdir -p "$G/errors"
errcase trtllm-replicas seed-agg trtllm "agg replicas behind one endpoint (count) = 4" "use --backend dynamo"
errcase trtllm-whole seed-agg-whole trtllm "whole prompts (scheduler.chunked false) with max_num_tokens 1024 < max_model_len 4500"
errcase vllm-whole seed-agg-whole vllm "vLLM 0.12.0 refuses prompts longer than max_num_tokens"
errcase sglang-mixed seed-agg-whole sglang "mixed iterations (scheduler.policy mixed) needs chunked prefill"
errcase llamacpp-seed-agg seed-agg llamacpp "FP8 KV cache (kv_dtype fp8)" "tensor parallel size (tp) = 2" "FP8 weights"
errcase llamacpp-seed-disagg seed-disagg llamacpp "prefill workers (mode disagg): no disaggregated serving" "llama.cpp llama-server c392e50"

# Usage: a backend that does not exist, --engine without dynamo.
expect_rc 2 "unknown backend" -- "$SERVECAL" generate --deployment "$G/seed-agg.json" --backend tgi --out "$TMP/x"
expect_grep "$TMP/err" "vllm, sglang, trtllm, dynamo, llamacpp" "lists the backends"
expect_rc 2 "--engine without dynamo" -- "$SERVECAL" generate --deployment "$G/seed-agg.json" --backend vllm --engine sglang --out "$TMP/x"
expect_rc 3 "llama.cpp without a model path" -- "$SERVECAL" generate --deployment "$G/tiny-agg.json" --backend llamacpp --out "$TMP/x"
expect_grep "$TMP/err" "no checkpoint known for tiny-llama" "asks for --model-path"

# match --emit: the launch files of the best configs, with the numbers of
# the deploy-*.json files the same run writes.
expect_rc 0 "match --emit" -- "$SERVECAL" match --model qwen3-32b --gpu h200 --dtype fp8 \
	--kv-dtype fp8 --isl 4000 --osl 500 --ttft-ms 600 --min-tokens-per-s-user 60 \
	--total-gpus 8 --backend vllm --top 0 --out "$TMP/match" --emit "$TMP/emit"
for m in agg disagg; do
	d="$TMP/emit/match-best-$m"
	[ -x "$d/run.sh" ] && pass || fail "match --emit: $d/run.sh missing"
	python3 - "$TMP/match/deploy-$m.json" "$d/launch.json" <<'EOF' && pass || fail "match --emit $m: launch.json and deploy-$m.json disagree"
import json, sys
spec = json.load(open(sys.argv[1])); launch = json.load(open(sys.argv[2]))
a = [(w["role"], w["count"], w["tp"], w["max_batch"], w["max_num_tokens"]) for w in spec["workers"]]
b = [(w["role"], w["count"], w["tp"], w["max_batch"], w["max_num_tokens"]) for w in launch["workers"]]
assert a == b, (a, b)
assert launch["max_model_len"] == 4500, launch["max_model_len"]
EOF
done
finish
