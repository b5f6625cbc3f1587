#!/bin/bash
# Deployment 'seed-agg' on Dynamo 0.6.1 with vLLM 0.12.0 (servecal generate).
# Qwen3-32B on H200-SXM: fp8 weights, fp8 KV cache; agg: 4 x agg (tp 2, pp 1, dp 1, max_batch 32, max_num_tokens 2048).
# 8 GPU(s) on 1 node(s) of 8; max_model_len 4500.
# Scheduler: policy mixed, chunked true, kv_cache paged; start_lag_ms 0 is measured, not set.
# Flags from: https://docs.nvidia.com/dynamo/latest/guides/dynamo_deploy/README.html ; https://docs.nvidia.com/dynamo/latest/architecture/disagg_serving.html
# Without a flag (the engine's own behaviour):
#   mixed iterations (scheduler.policy mixed): the V1 scheduler puts prompt tokens into decode steps
#   a paged KV cache (scheduler.kv_cache paged): PagedAttention blocks
# Usage: ./run.sh [NODE]  (NODE 0..0, default 0).
# Environment: MODEL, PORT (the endpoint; processes use PORT..PORT+4),
# BIND_HOST (address to listen on). Endpoint: http://HOST0:PORT, health /health.
# Dynamo's runtime needs etcd and NATS running (ETCD_ENDPOINTS, NATS_SERVER).
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
		# agg-0: GPUs 0-1
		CUDA_VISIBLE_DEVICES=0,1 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 2 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 32 \
			--max-num-batched-tokens 2048 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--enable-chunked-prefill &
		# agg-1: GPUs 2-3
		CUDA_VISIBLE_DEVICES=2,3 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 2 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 32 \
			--max-num-batched-tokens 2048 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--enable-chunked-prefill &
		# agg-2: GPUs 4-5
		CUDA_VISIBLE_DEVICES=4,5 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 2 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 32 \
			--max-num-batched-tokens 2048 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--enable-chunked-prefill &
		# agg-3: GPUs 6-7
		CUDA_VISIBLE_DEVICES=6,7 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 2 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 32 \
			--max-num-batched-tokens 2048 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--enable-chunked-prefill &
		# frontend: the endpoint, port PORT+0
		python3 -m dynamo.frontend \
			--http-port "$((PORT + 0))" &
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
