#!/bin/bash
# Deployment 'seed-disagg' on Dynamo 0.6.1 with vLLM 0.12.0 (servecal generate).
# Qwen3-32B on H200-SXM: fp8 weights, fp8 KV cache; disagg: 3 x prefill (tp 1, pp 1, dp 1, max_batch 2, max_num_tokens 8000); 1 x decode (tp 2, pp 1, dp 1, max_batch 88, max_num_tokens 88).
# 5 GPU(s) on 1 node(s) of 8; max_model_len 4500.
# Scheduler: policy mixed, chunked false, kv_cache paged; start_lag_ms 0 is measured, not set.
# Flags from: https://docs.nvidia.com/dynamo/latest/guides/dynamo_deploy/README.html ; https://docs.nvidia.com/dynamo/latest/architecture/disagg_serving.html
# Without a flag (the engine's own behaviour):
#   a paged KV cache (scheduler.kv_cache paged): PagedAttention blocks
#   KV transfer between prefill and decode workers (mode disagg): dynamo.vllm sets up the NIXL connector
#   decode workers (mode disagg): a worker without --is-prefill-worker decodes
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
		# prefill-0: GPU 0
		CUDA_VISIBLE_DEVICES=0 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 1 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 2 \
			--max-num-batched-tokens 8000 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--no-enable-chunked-prefill \
			--is-prefill-worker &
		# prefill-1: GPU 1
		CUDA_VISIBLE_DEVICES=1 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 1 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 2 \
			--max-num-batched-tokens 8000 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--no-enable-chunked-prefill \
			--is-prefill-worker &
		# prefill-2: GPU 2
		CUDA_VISIBLE_DEVICES=2 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 1 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 2 \
			--max-num-batched-tokens 8000 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching \
			--no-enable-chunked-prefill \
			--is-prefill-worker &
		# decode-0: GPUs 3-4
		CUDA_VISIBLE_DEVICES=3,4 python3 -m dynamo.vllm \
			--model "${MODEL}" \
			--tensor-parallel-size 2 \
			--pipeline-parallel-size 1 \
			--max-num-seqs 88 \
			--max-num-batched-tokens 88 \
			--max-model-len 4500 \
			--quantization fp8 \
			--kv-cache-dtype fp8 \
			--no-enable-prefix-caching &
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
