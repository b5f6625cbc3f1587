#!/bin/sh
# Campaign deployments on Kubernetes, with a stand-in kubectl first on
# PATH: it records its arguments and the manifests applied, "runs the pod"
# by starting the real llama-server of ../shared/realsrv on this machine,
# and port-forwards to it, so the campaign's apply, wait, port-forward,
# bench and delete path runs for real. The generated DynamoGraphDeployment
# must carry the spec's replicas, GPU limits and engine arguments. Also: a
# given manifest whose pod never becomes ready fails its deployment with
# kubectl's words and the pods' status and is deleted, and --resume does
# not apply a finished deployment again.
. "${SC_SRCDIR:-.}/tests/integration/lib.sh"
. "$SC_SRCDIR/tests/integration/realsrv.sh"
realsrv_require campaign_k8s
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "SKIP: campaign_k8s: python3-yaml missing (tests/install-deps.sh installs it)"
	exit 77
fi
export SERVECAL_DB="$TMP/db"
BIN="$TMP/bin"
STATE="$TMP/k8s"
mkdir -p "$BIN" "$STATE"
POD_PORT=$(realsrv_free_port)
export STATE POD_PORT REALSRV_BIN REALSRV_MODEL
PATH="$BIN:$PATH"
export PATH

# A TCP relay for the stand-in port-forward.
cat >"$BIN/relay.py" <<'EOF'
import socket, sys, threading
lport, rport = int(sys.argv[1]), int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", lport))
srv.listen(64)
print("Forwarding from 127.0.0.1:%d -> %d" % (lport, rport), flush=True)
def pipe(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    c, _ = srv.accept()
    try:
        u = socket.create_connection(("127.0.0.1", rport))
    except OSError:
        c.close()
        continue
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
EOF
# kubectl [--context C] [-n NS] VERB ...: apply starts the "pod" (a real
# llama-server) unless the manifest is the never-ready one; wait and
# rollout status succeed once it answers; port-forward relays to it;
# delete stops it.
cat >"$BIN/kubectl" <<'EOF'
#!/bin/sh
echo "$*" >>"$STATE/kubectl.args"
while [ $# -gt 0 ]; do
	case $1 in
	--context|-n) shift 2 ;;
	*) break ;;
	esac
done
verb=$1
shift
healthy() { curl -sf "http://127.0.0.1:$POD_PORT/health" >/dev/null 2>&1; }
case $verb in
apply)
	n=$(ls "$STATE" | grep -c '^applied-')
	cp "$2" "$STATE/applied-$n.yaml"
	if grep -q never-ready "$2"; then
		echo "deployment.apps/never-ready created"
		exit 0
	fi
	setsid sh -c 'echo $$ >"$1"; exec "$2" -m "$3" --host 127.0.0.1 --port "$4" --parallel 4 --threads 1 --ctx-size 8192' \
		sh "$STATE/pod.pid" "$REALSRV_BIN" "$REALSRV_MODEL" "$POD_PORT" \
		>"$STATE/pod.log" 2>&1 </dev/null &
	echo "dynamographdeployment.nvidia.com/applied created" ;;
wait|rollout)
	# wait --for=COND RES ... | rollout status RES ...
	res=$2
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		healthy && { echo "$res condition met"; exit 0; }
		sleep 0.1
	done
	echo "error: timed out waiting for the condition on $res" >&2
	exit 1 ;;
port-forward)
	lport=${2%%:*}
	exec python3 "$STATE/../bin/relay.py" "$lport" "$POD_PORT" ;;
get)
	if [ -f "$STATE/pod.pid" ]; then
		echo "applied-frontend-7d9f   1/1   Running   0   1m"
	else
		echo "never-ready-5d8f6c   0/1   CrashLoopBackOff   4 (20s ago)   2m"
	fi ;;
delete)
	pid=$(cat "$STATE/pod.pid" 2>/dev/null)
	[ -z "$pid" ] || kill -TERM "-$pid" 2>/dev/null
	rm -f "$STATE/pod.pid"
	echo "deleted" ;;
*)
	echo "stand-in kubectl: $verb?" >&2
	exit 1 ;;
esac
EOF
chmod +x "$BIN/kubectl"
stop_pod() {
	pid=$(cat "$STATE/pod.pid" 2>/dev/null)
	[ -z "$pid" ] || kill -KILL "-$pid" 2>/dev/null
	return 0
}
cleanup_hooks="stop_pod"

# A small model on a GPU spec, so that Dynamo can run it (vLLM workers).
cat >"$TMP/tiny-gpu.json" <<'EOF'
{"name": "tiny-gpu", "model": "tiny-llama", "gpu": "h100", "backend": "vllm",
 "dtype": "bf16", "mode": "agg",
 "workers": [{"role": "agg", "count": 2, "tp": 1, "max_batch": 4, "max_num_tokens": 1024}]}
EOF
cat >"$TMP/never.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: never-ready
EOF
cat >"$TMP/a.json" <<EOF
{"name": "k8s-a", "deployments": [
  {"name": "dgd", "spec": "tiny-gpu.json",
   "kubernetes": {"namespace": "perf", "model_path": "/models/tiny", "poll_s": 1,
                  "ready_timeout_s": 30, "max_model_len": 512}},
  {"name": "never", "spec": "tiny-gpu.json",
   "kubernetes": {"manifest": "never.yaml", "namespace": "perf",
                  "resource": "deployment/never-ready", "wait": "rollout",
                  "service": "never-ready", "ready_timeout_s": 3, "poll_s": 1}}],
 "workload": {"isl": 256, "osl": 32},
 "sweep": {"concurrency": [1, 2], "duration_per_level_s": 2, "timeout_s": 30},
 "slas": {"ttft_ms": 400, "tpot_ms": 20},
 "search": {"total_gpus": 2, "max_gpus_per_worker": 1},
 "fit": {"holdout": "none", "bootstrap": 0}}
EOF
"$SERVECAL" campaign run "$TMP/a.json" --out "$TMP/a" >"$TMP/a.out" 2>&1
expect_grep "$TMP/a.out" "bench dgd: applied $TMP/a/k8s/dgd.yaml; waiting for dynamographdeployment/tiny-gpu" "applies the generated manifest and waits for it"
expect_grep "$TMP/a.out" "bench dgd: healthy at http://127.0.0.1:[0-9]*" "reaches the frontend through a port-forward"
expect_grep "$TMP/a.out" "bench dgd: done" "benches it"
expect_grep "$TMP/a.out" "bench never: FAILED: deployment/never-ready not ready after 3 s: error: timed out waiting for the condition on deployment/never-ready; pods: never-ready-5d8f6c 0/1 CrashLoopBackOff" "a never-ready pod fails its deployment with kubectl's words"
for f in dgd/c1/summary.json dgd/c2/summary.json; do
	[ -s "$TMP/a/$f" ] && pass || fail "campaign: $f missing or empty"
done
# kubectl calls, in order, with the namespace.
args="$STATE/kubectl.args"
expect_grep "$args" "^-n perf apply -f $TMP/a/k8s/dgd.yaml$" "kubectl apply -f the generated manifest"
expect_grep "$args" "^-n perf wait --for=condition=Ready dynamographdeployment/tiny-gpu --timeout=[0-9]*s$" "kubectl wait for the DGD"
expect_grep "$args" "^-n perf port-forward svc/tiny-gpu-frontend [0-9]*:8000 --address 127.0.0.1$" "port-forward to the frontend Service"
expect_grep "$args" "^-n perf delete -f $TMP/a/k8s/dgd.yaml --ignore-not-found$" "deletes it after the bench"
expect_grep "$args" "^-n perf rollout status deployment/never-ready --timeout=[0-9]*s$" "rollout status for the given manifest"
expect_grep "$args" "^-n perf delete -f $TMP/never.yaml --ignore-not-found$" "deletes the never-ready one"
expect_grep "$TMP/a/logs/k8s-never.log" "CrashLoopBackOff" "kubectl's answers are logged"
[ ! -f "$STATE/pod.pid" ] && ! pgrep -f -- "--port $POD_PORT" >/dev/null && pass ||
	fail "the pod (llama-server) outlived the campaign"
! pgrep -f "relay.py" >/dev/null && pass || fail "the port-forward outlived the campaign"
# The manifest carries the configuration: replicas, a GPU each, the
# engine's arguments.
python3 - "$STATE/applied-0.yaml" <<'EOF' && pass || fail "generated DynamoGraphDeployment lacks the configuration"
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
g = [d for d in docs if d["kind"] == "DynamoGraphDeployment"][0]
assert g["metadata"]["name"] == "tiny-gpu" and g["metadata"]["namespace"] == "perf", g["metadata"]
w = g["spec"]["services"]["VllmWorker"]
assert w["replicas"] == 2, w["replicas"]
assert w["resources"]["limits"]["gpu"] == "1", w["resources"]
args = w["extraPodSpec"]["mainContainer"]["args"]
assert args[:2] == ["--model", "/models/tiny"], args
assert args[args.index("--max-num-seqs") + 1] == "4", args
assert args[args.index("--max-num-batched-tokens") + 1] == "1024", args
assert args[args.index("--max-model-len") + 1] == "512", args
assert "--no-enable-prefix-caching" in args, args
assert g["spec"]["services"]["Frontend"]["componentType"] == "frontend"
EOF

# --resume: the finished deployment is not applied again.
before=$(grep -c "apply -f $TMP/a/k8s/dgd.yaml" "$args")
"$SERVECAL" campaign run "$TMP/a.json" --out "$TMP/a" --resume >"$TMP/b.out" 2>&1
expect_grep "$TMP/b.out" "bench dgd: done earlier" "resume keeps the benched deployment"
after=$(grep -c "apply -f $TMP/a/k8s/dgd.yaml" "$args")
[ "$before" -eq 1 ] && [ "$after" -eq 1 ] && pass ||
	fail "dgd applied $after times (once before --resume: $before)"
finish
