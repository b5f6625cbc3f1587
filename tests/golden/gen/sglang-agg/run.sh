#!/bin/bash
# Deployment 'seed-agg' on SGLang 0.5.4 (servecal generate).
# Qwen3-32B on H200-SXM: fp8 weights, fp8 KV cache; agg: 4 x agg (tp 2, pp 1, dp 1, max_batch 32, max_num_tokens 2048).
# 8 GPU(s) on 1 node(s) of 8; max_model_len 4500.
# Scheduler: policy mixed, chunked true, kv_cache paged; start_lag_ms 0 is measured, not set.
# Flags from: https://docs.sglang.io/advanced_features/server_arguments.html ; https://docs.sglang.io/advanced_features/pd_disaggregation.html
# Without a flag (the engine's own behaviour):
#   a paged KV cache (scheduler.kv_cache paged): a token-level KV pool per sequence
# Usage: ./run.sh [NODE]  (NODE 0..0, default 0).
# Environment: MODEL, PORT (the endpoint; processes use PORT..PORT+0),
# BIND_HOST (address to listen on). Endpoint: http://HOST0:PORT, health /health.
set -u
GEN_DIR=${GEN_DIR:-$(cd "$(dirname "$0")" && pwd)}
MODEL=${MODEL:-"Qwen/Qwen3-32B-FP8"}
PORT=${PORT:-8000}
BIND_HOST=${BIND_HOST:-0.0.0.0}
read -r -a HOSTS_ARR <<<"${HOSTS:-127.0.0.1}"

servecal_node() {
	local node=${1:-0}
	trap 'kill $(jobs -p) 2>/dev/null' EXIT
	trap 'exit 143' TERM INT
	case "$node" in
	0)
		# agg-0: GPUs 0-7, 4 replicas in one engine, port PORT+0
		CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7 python3 -m sglang.launch_server \
			--model-path "${MODEL}" \
			--host "${BIND_HOST}" \
			--port "$((PORT + 0))" \
			--tp-size 2 \
			--pp-size 1 \
			--dp-size 4 \
			--max-running-requests 32 \
			--max-prefill-tokens 2048 \
			--context-length 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8_e4m3 \
			--disable-radix-cache \
			--chunked-prefill-size 2048 \
			--enable-mixed-chunk &
		;;
	*)
		echo "servecal_node: no node $node (this deployment has 1)" >&2
		return 2
		;;
	esac
	# The node is done when its first server ends.
	wait -n
}

servecal_node "${1:-0}"
