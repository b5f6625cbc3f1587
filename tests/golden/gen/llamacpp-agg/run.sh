#!/bin/bash
# Deployment 'tiny-agg' on llama.cpp llama-server c392e50 (2025-02-20) (servecal generate).
# tiny-llama on CPU-1core: bf16 weights, bf16 KV cache; agg: 1 x agg (tp 1, pp 1, dp 1, max_batch 3, max_num_tokens 1024).
# 1 CPU core(s) on 1 node(s) of 1; max_model_len 320.
# Scheduler: policy mixed, chunked true, kv_cache unified; start_lag_ms 0.5 is measured, not set.
# Flags from: https://github.com/ggml-org/llama.cpp/blob/c392e5094deaf2d1a7c18683214f007fad3fe42b/examples/server/README.md ; llama-server --help of ../shared/realsrv/llama-server
# Without a flag (the engine's own behaviour):
#   max sequence length: each slot gets --ctx-size / --parallel cells
#   16-bit weights (dtype bf16): the GGUF file's tensor types
#   prefix caching off: prompt caching is per request (cache_prompt); servecal bench gives every prompt a unique start, so no prefix is reused
#   chunked prefill (scheduler.chunked true): prompts are processed in --batch-size pieces
#   mixed iterations (scheduler.policy mixed): generating slots and prompt pieces share each batch
#   a unified KV cache (scheduler.kv_cache unified): one KV cell array for all slots
# Usage: ./run.sh [NODE]  (NODE 0..0, default 0).
# Environment: MODEL, PORT (the endpoint; processes use PORT..PORT+0),
# BIND_HOST (address to listen on). Endpoint: http://HOST0:PORT, health /health.
set -u
GEN_DIR=${GEN_DIR:-$(cd "$(dirname "$0")" && pwd)}
MODEL=${MODEL:-"tiny-llama.gguf"}
PORT=${PORT:-8000}
BIND_HOST=${BIND_HOST:-0.0.0.0}
read -r -a HOSTS_ARR <<<"${HOSTS:-127.0.0.1}"

servecal_node() {
	local node=${1:-0}
	trap 'kill $(jobs -p) 2>/dev/null' EXIT
	trap 'exit 143' TERM INT
	case "$node" in
	0)
		# agg-0: 1 CPU thread(s), port PORT+0
		llama-server -m "${MODEL}" \
			--metrics \
			--host "${BIND_HOST}" \
			--port "$((PORT + 0))" \
			--alias tiny-llama \
			--parallel 3 \
			--batch-size 1024 \
			--ctx-size 960 \
			--cache-type-k f16 \
			--cache-type-v f16 \
			--threads-http 5 \
			--threads 1 &
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
