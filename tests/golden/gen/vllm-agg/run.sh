#!/bin/bash
# Deployment 'seed-agg' on vLLM 0.12.0 (servecal generate).
# Qwen3-32B on H200-SXM: fp8 weights, fp8 KV cache; agg: 4 x agg (tp 2, pp 1, dp 1, max_batch 32, max_num_tokens 2048).
# 8 GPU(s) on 1 node(s) of 8; max_model_len 4500.
# Scheduler: policy mixed, chunked true, kv_cache paged; start_lag_ms 0 is measured, not set.
# Flags from: https://docs.vllm.ai/en/v0.12.0/configuration/engine_args/ ; https://docs.vllm.ai/en/v0.12.0/features/nixl_connector_usage/
# Without a flag (the engine's own behaviour):
#   mixed iterations (scheduler.policy mixed): the V1 scheduler puts prompt tokens into decode steps
#   a paged KV cache (scheduler.kv_cache paged): PagedAttention blocks
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
		CUDA_VISIBLE_DEVICES=0,1,2,3,4,5,6,7 vllm serve "${MODEL}" \
			--host "${BIND_HOST}" \
			--port "$((PORT + 0))" \
			--tensor-parallel-size 2 \
			--pipeline-parallel-size 1 \
			--data-parallel-size 4 \
			--max-num-seqs 32 \
			--max-num-batched-tokens 2048 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--enable-chunked-prefill &
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
