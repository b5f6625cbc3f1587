#!/bin/bash
# Deployment 'seed-disagg' on TensorRT-LLM 1.0.0 (servecal generate).
# Qwen3-32B on H200-SXM: fp8 weights, fp8 KV cache; disagg: 3 x prefill (tp 1, pp 1, dp 1, max_batch 2, max_num_tokens 8000); 1 x decode (tp 2, pp 1, dp 1, max_batch 88, max_num_tokens 88).
# 5 GPU(s) on 1 node(s) of 8; max_model_len 4500.
# Scheduler: policy mixed, chunked false, kv_cache paged; start_lag_ms 0 is measured, not set.
# Flags from: https://nvidia.github.io/TensorRT-LLM/commands/trtllm-serve/trtllm-serve.html ; https://nvidia.github.io/TensorRT-LLM/llm-api/reference.html ; https://nvidia.github.io/TensorRT-LLM/features/disagg-serving.html
# Without a flag (the engine's own behaviour):
#   FP8 weights (dtype fp8): from the checkpoint's quantization config (an FP8 checkpoint)
#   a paged KV cache (scheduler.kv_cache paged): paged KV blocks
#   decode workers (mode disagg): the disaggregated server sends generation-only requests
# Usage: ./run.sh [NODE]  (NODE 0..0, default 0).
# Environment: MODEL, PORT (the endpoint; processes use PORT..PORT+4),
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
		# prefill-0: GPU 0, port PORT+1
		CUDA_VISIBLE_DEVICES=0 trtllm-serve "${MODEL}" \
			--backend pytorch \
			--host "${BIND_HOST}" \
			--port "$((PORT + 1))" \
			--extra_llm_api_options "${GEN_DIR}/extra-llm-api-prefill.yaml" &
		# prefill-1: GPU 1, port PORT+2
		CUDA_VISIBLE_DEVICES=1 trtllm-serve "${MODEL}" \
			--backend pytorch \
			--host "${BIND_HOST}" \
			--port "$((PORT + 2))" \
			--extra_llm_api_options "${GEN_DIR}/extra-llm-api-prefill.yaml" &
		# prefill-2: GPU 2, port PORT+3
		CUDA_VISIBLE_DEVICES=2 trtllm-serve "${MODEL}" \
			--backend pytorch \
			--host "${BIND_HOST}" \
			--port "$((PORT + 3))" \
			--extra_llm_api_options "${GEN_DIR}/extra-llm-api-prefill.yaml" &
		# decode-0: GPUs 3-4, port PORT+4
		CUDA_VISIBLE_DEVICES=3,4 trtllm-serve "${MODEL}" \
			--backend pytorch \
			--host "${BIND_HOST}" \
			--port "$((PORT + 4))" \
			--extra_llm_api_options "${GEN_DIR}/extra-llm-api-decode.yaml" &
		cat >"${GEN_DIR}/disagg.yaml" <<EOF
hostname: "${BIND_HOST}"
port: $((PORT + 0))
backend: pytorch
context_servers:
  num_instances: 3
  urls:
    - "${HOSTS_ARR[0]}:$((PORT + 1))"
    - "${HOSTS_ARR[0]}:$((PORT + 2))"
    - "${HOSTS_ARR[0]}:$((PORT + 3))"
generation_servers:
  num_instances: 1
  urls:
    - "${HOSTS_ARR[0]}:$((PORT + 4))"
EOF
		# frontend: the endpoint, port PORT+0
		trtllm-serve disaggregated -c "${GEN_DIR}/disagg.yaml" &
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
