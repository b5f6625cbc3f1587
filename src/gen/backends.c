/* The backend table: each engine's flag names with the version and the
 * documentation they were taken from. To follow a new engine release,
 * change its row (and its golden files under tests/golden/gen). */
#include "gen/backends.h"

#include <string.h>

#define NOTE_NO_MOE                                                            \
	"not for dense models; servecal's MoE shapes are not mapped to this "  \
	"engine"

/* ---- vLLM ---- */

static const char *const vllm_prog[] = {"vllm", "serve", "{MODEL}", NULL};

static const struct gen_backend vllm = {
    .name = "vllm",
    .title = "vLLM 0.12.0",
    .version = "0.12.0",
    .doc = "https://docs.vllm.ai/en/v0.12.0/configuration/engine_args/ ; "
	   "https://docs.vllm.ai/en/v0.12.0/features/nixl_connector_usage/",
    .program = vllm_prog,
    .health = "/health",
    .router = GEN_ROUTER_VLLM_PROXY,
    /* SchedulerConfig: without chunked prefill, max_num_batched_tokens
     * below max_model_len is refused at start. */
    .whole_needs_budget = true,
    .ep_spans_tp_dp = true,
    .map =
	{
	    [GEN_O_HOST] = {GEN_FLAG, "--host"},
	    [GEN_O_PORT] = {GEN_FLAG, "--port"},
	    [GEN_O_ALIAS] = {GEN_IMPLICIT,
			     .note = "served under the model path"},
	    [GEN_O_TP] = {GEN_FLAG, "--tensor-parallel-size"},
	    [GEN_O_PP] = {GEN_FLAG, "--pipeline-parallel-size"},
	    [GEN_O_DP] = {GEN_FLAG, "--data-parallel-size"},
	    [GEN_O_EP] = {GEN_SWITCH, "--enable-expert-parallel",
			  .note = "experts split over tp x dp"},
	    [GEN_O_MOE_TP] = {GEN_IMPLICIT,
			      .note = "what expert parallelism leaves"},
	    [GEN_O_REPLICAS] =
		{GEN_FLAG, "--data-parallel-size",
		 .note =
		     "replicas as data-parallel engines behind one API server"},
	    [GEN_O_MAX_BATCH] = {GEN_FLAG, "--max-num-seqs"},
	    [GEN_O_MAX_TOKENS] = {GEN_FLAG, "--max-num-batched-tokens"},
	    [GEN_O_MAX_LEN] = {GEN_FLAG, "--max-model-len"},
	    [GEN_O_CTX_TOTAL] = {GEN_IMPLICIT,
				 .note = "KV blocks fill the memory left"},
	    [GEN_O_W_BF16] = {GEN_IMPLICIT, .note = "the checkpoint's dtype"},
	    [GEN_O_W_FP8] = {GEN_FLAG, "--quantization", .value = "fp8"},
	    [GEN_O_W_FP4] = {GEN_FLAG, "--quantization",
			     .value = "modelopt_fp4",
			     .note = "an NVFP4 (ModelOpt) checkpoint"},
	    [GEN_O_KV_BF16] = {GEN_FLAG, "--kv-cache-dtype", .value = "auto"},
	    [GEN_O_KV_FP8] = {GEN_FLAG, "--kv-cache-dtype", .value = "fp8"},
	    [GEN_O_KV_FP4] =
		{GEN_NONE,
		 .note = "KV cache dtypes are auto, fp8, fp8_e4m3, fp8_e5m2"},
	    [GEN_O_PREFIX_OFF] = {GEN_SWITCH, "--no-enable-prefix-caching"},
	    [GEN_O_CHUNKED] = {GEN_SWITCH, "--enable-chunked-prefill"},
	    [GEN_O_WHOLE] = {GEN_SWITCH, "--no-enable-chunked-prefill"},
	    [GEN_O_MIXED] =
		{GEN_IMPLICIT,
		 .note =
		     "the V1 scheduler puts prompt tokens into decode steps"},
	    [GEN_O_SEPARATE] =
		{GEN_NONE,
		 .note =
		     "the V1 scheduler always mixes prompts into decode steps"},
	    [GEN_O_PAGED] = {GEN_IMPLICIT, .note = "PagedAttention blocks"},
	    [GEN_O_UNIFIED] = {GEN_NONE,
			       .note = "the KV cache is paged per sequence"},
	    [GEN_O_KV_TRANSFER] = {GEN_FLAG, "--kv-transfer-config",
				   .value =
				       "{\"kv_connector\":\"NixlConnector\","
				       "\"kv_role\":\"kv_both\"}"},
	    [GEN_O_PREFILL] =
		{GEN_IMPLICIT,
		 .note = "the proxy sends prefill requests (max_tokens 1)"},
	    [GEN_O_DECODE] =
		{GEN_IMPLICIT,
		 .note = "the proxy sends the request on with the KV handle"},
	    [GEN_O_THREADS] = {GEN_NONE, .note = "a GPU engine"},
	    [GEN_O_ENGINE_WAIT] = {GEN_NONE,
				   .note = "its server takes in every request"},
	    [GEN_O_GPU_LAYERS] = {GEN_IMPLICIT,
				  .note = "the whole model is on the GPUs"},
	    [GEN_O_CONFIG] = {GEN_NONE},
	},
};

/* ---- SGLang ---- */

static const char *const sglang_prog[] = {
    "python3", "-m", "sglang.launch_server", "--model-path", "{MODEL}", NULL};

static const struct gen_backend sglang = {
    .name = "sglang",
    .title = "SGLang 0.5.4",
    .version = "0.5.4",
    .doc = "https://docs.sglang.io/advanced_features/server_arguments.html ; "
	   "https://docs.sglang.io/advanced_features/pd_disaggregation.html",
    .program = sglang_prog,
    .health = "/health",
    .router = GEN_ROUTER_SGLANG,
    .map =
	{
	    [GEN_O_HOST] = {GEN_FLAG, "--host"},
	    [GEN_O_PORT] = {GEN_FLAG, "--port"},
	    [GEN_O_ALIAS] = {GEN_IMPLICIT,
			     .note = "served under the model path"},
	    [GEN_O_TP] = {GEN_FLAG, "--tp-size"},
	    [GEN_O_PP] = {GEN_FLAG, "--pp-size"},
	    [GEN_O_DP] = {GEN_FLAG, "--dp-size"},
	    [GEN_O_EP] = {GEN_FLAG, "--ep-size"},
	    [GEN_O_MOE_TP] = {GEN_IMPLICIT,
			      .note = "what expert parallelism leaves"},
	    [GEN_O_REPLICAS] =
		{GEN_FLAG, "--dp-size",
		 .note = "replicas as data-parallel workers behind one server"},
	    [GEN_O_MAX_BATCH] = {GEN_FLAG, "--max-running-requests"},
	    [GEN_O_MAX_TOKENS] = {GEN_FLAG, "--max-prefill-tokens"},
	    [GEN_O_MAX_LEN] = {GEN_FLAG, "--context-length"},
	    [GEN_O_CTX_TOTAL] = {GEN_IMPLICIT,
				 .note =
				     "the token pool fills the memory left"},
	    [GEN_O_W_BF16] = {GEN_IMPLICIT, .note = "the checkpoint's dtype"},
	    [GEN_O_W_FP8] = {GEN_FLAG, "--quantization", .value = "fp8"},
	    [GEN_O_W_FP4] = {GEN_FLAG, "--quantization",
			     .value = "modelopt_fp4",
			     .note = "an NVFP4 (ModelOpt) checkpoint"},
	    [GEN_O_KV_BF16] = {GEN_FLAG, "--kv-cache-dtype", .value = "auto"},
	    [GEN_O_KV_FP8] = {GEN_FLAG, "--kv-cache-dtype",
			      .value = "fp8_e4m3"},
	    [GEN_O_KV_FP4] =
		{GEN_NONE,
		 .note = "KV cache dtypes are auto, fp8_e5m2, fp8_e4m3"},
	    [GEN_O_PREFIX_OFF] = {GEN_SWITCH, "--disable-radix-cache"},
	    /* value NULL: the deployment's max_num_tokens */
	    [GEN_O_CHUNKED] = {GEN_FLAG, "--chunked-prefill-size"},
	    [GEN_O_WHOLE] = {GEN_FLAG, "--chunked-prefill-size", .value = "-1"},
	    [GEN_O_MIXED] = {GEN_SWITCH, "--enable-mixed-chunk",
			     .note = "mixes prompt chunks into decode batches",
			     .needs = GEN_O_CHUNKED},
	    [GEN_O_SEPARATE] =
		{GEN_IMPLICIT,
		 .note = "a prefill batch runs before decoding resumes"},
	    [GEN_O_PAGED] = {GEN_IMPLICIT,
			     .note = "a token-level KV pool per sequence"},
	    [GEN_O_UNIFIED] = {GEN_NONE,
			       .note = "the KV pool is allocated per sequence"},
	    [GEN_O_KV_TRANSFER] =
		{GEN_IMPLICIT,
		 .note = "the Mooncake transfer engine by default"},
	    [GEN_O_PREFILL] = {GEN_FLAG, "--disaggregation-mode",
			       .value = "prefill"},
	    [GEN_O_DECODE] = {GEN_FLAG, "--disaggregation-mode",
			      .value = "decode"},
	    [GEN_O_THREADS] = {GEN_NONE, .note = "a GPU engine"},
	    [GEN_O_ENGINE_WAIT] = {GEN_NONE,
				   .note = "its server takes in every request"},
	    [GEN_O_GPU_LAYERS] = {GEN_IMPLICIT,
				  .note = "the whole model is on the GPUs"},
	    [GEN_O_CONFIG] = {GEN_NONE},
	},
};

/* ---- TensorRT-LLM ---- */

static const char *const trtllm_prog[] = {"trtllm-serve", "{MODEL}",
					  "--backend", "pytorch", NULL};

static const struct gen_backend trtllm = {
    .name = "trtllm",
    .title = "TensorRT-LLM 1.0.0",
    .version = "1.0.0",
    .doc = "https://nvidia.github.io/TensorRT-LLM/commands/trtllm-serve/"
	   "trtllm-serve.html ; "
	   "https://nvidia.github.io/TensorRT-LLM/llm-api/reference.html ; "
	   "https://nvidia.github.io/TensorRT-LLM/features/disagg-serving.html",
    .program = trtllm_prog,
    .health = "/health",
    .config_file = "extra-llm-api-%s.yaml",
    .router = GEN_ROUTER_TRTLLM,
    /* LLM API: without enable_chunked_prefill a prompt longer than
     * max_num_tokens is rejected. */
    .whole_needs_budget = true,
    .map =
	{
	    [GEN_O_HOST] = {GEN_FLAG, "--host"},
	    [GEN_O_PORT] = {GEN_FLAG, "--port"},
	    [GEN_O_ALIAS] = {GEN_IMPLICIT,
			     .note = "served under the model path"},
	    [GEN_O_TP] = {GEN_YAML, "tensor_parallel_size"},
	    [GEN_O_PP] = {GEN_YAML, "pipeline_parallel_size"},
	    [GEN_O_DP] = {GEN_NONE,
			  .note = "attention DP (enable_attention_dp) spans "
				  "all tp ranks, not tp x dp"},
	    [GEN_O_EP] = {GEN_YAML, "moe_expert_parallel_size"},
	    [GEN_O_MOE_TP] = {GEN_YAML, "moe_tensor_parallel_size"},
	    [GEN_O_REPLICAS] =
		{GEN_NONE,
		 .note = "trtllm-serve has no load balancer over replicas; "
			 "use --backend dynamo (its frontend routes over "
			 "replicas)"},
	    [GEN_O_MAX_BATCH] = {GEN_YAML, "max_batch_size"},
	    [GEN_O_MAX_TOKENS] = {GEN_YAML, "max_num_tokens"},
	    [GEN_O_MAX_LEN] = {GEN_YAML, "max_seq_len"},
	    [GEN_O_CTX_TOTAL] = {GEN_IMPLICIT,
				 .note =
				     "KV blocks fill free_gpu_memory_fraction"},
	    [GEN_O_W_BF16] = {GEN_IMPLICIT, .note = "the checkpoint's dtype"},
	    [GEN_O_W_FP8] = {GEN_IMPLICIT,
			     .note = "from the checkpoint's quantization "
				     "config (an FP8 checkpoint)"},
	    [GEN_O_W_FP4] = {GEN_IMPLICIT,
			     .note = "from the checkpoint's quantization "
				     "config (an NVFP4 checkpoint)"},
	    [GEN_O_KV_BF16] = {GEN_YAML, "kv_cache_config.dtype",
			       .value = "auto"},
	    [GEN_O_KV_FP8] = {GEN_YAML, "kv_cache_config.dtype",
			      .value = "fp8"},
	    [GEN_O_KV_FP4] =
		{GEN_NONE,
		 .note = "kv_cache_config.dtype is auto or fp8 in 1.0"},
	    [GEN_O_PREFIX_OFF] = {GEN_YAML,
				  "kv_cache_config.enable_block_reuse",
				  .value = "false"},
	    [GEN_O_CHUNKED] = {GEN_YAML, "enable_chunked_prefill",
			       .value = "true"},
	    [GEN_O_WHOLE] = {GEN_YAML, "enable_chunked_prefill",
			     .value = "false"},
	    [GEN_O_MIXED] = {GEN_IMPLICIT,
			     .note = "in-flight batching mixes context and "
				     "generation requests"},
	    [GEN_O_SEPARATE] = {GEN_NONE,
				.note = "in-flight batching always mixes "
					"context and generation requests"},
	    [GEN_O_PAGED] = {GEN_IMPLICIT, .note = "paged KV blocks"},
	    [GEN_O_UNIFIED] = {GEN_NONE,
			       .note = "the KV cache is paged per sequence"},
	    [GEN_O_KV_TRANSFER] = {GEN_YAML, "cache_transceiver_config.backend",
				   .value = "DEFAULT"},
	    [GEN_O_PREFILL] =
		{GEN_YAML, "disable_overlap_scheduler", .value = "true",
		 .note = "context servers run without the overlap scheduler"},
	    [GEN_O_DECODE] =
		{GEN_IMPLICIT,
		 .note =
		     "the disaggregated server sends generation-only requests"},
	    [GEN_O_THREADS] = {GEN_NONE, .note = "a GPU engine"},
	    [GEN_O_ENGINE_WAIT] = {GEN_NONE,
				   .note = "its server takes in every request"},
	    [GEN_O_GPU_LAYERS] = {GEN_IMPLICIT,
				  .note = "the whole model is on the GPUs"},
	    [GEN_O_CONFIG] = {GEN_FLAG, "--extra_llm_api_options"},
	},
};

/* ---- llama.cpp ---- */

static const char *const llamacpp_prog[] = {"llama-server", "-m", "{MODEL}",
					    "--metrics", NULL};

static const struct gen_backend llamacpp = {
    .name = "llamacpp",
    .title = "llama.cpp llama-server c392e50 (2025-02-20)",
    .version = "c392e5094deaf2d1a7c18683214f007fad3fe42b",
    .doc =
	"https://github.com/ggml-org/llama.cpp/blob/"
	"c392e5094deaf2d1a7c18683214f007fad3fe42b/examples/server/README.md ; "
	"llama-server --help of ../shared/realsrv/llama-server",
    .program = llamacpp_prog,
    .health = "/health",
    .router = GEN_ROUTER_NONE,
    .map =
	{
	    [GEN_O_HOST] = {GEN_FLAG, "--host"},
	    [GEN_O_PORT] = {GEN_FLAG, "--port"},
	    [GEN_O_ALIAS] = {GEN_FLAG, "--alias"},
	    [GEN_O_TP] = {GEN_NONE,
			  .note = "no tensor parallelism (--split-mode row "
				  "keeps the KV cache on one GPU)"},
	    [GEN_O_PP] = {GEN_IMPLICIT,
			  .note = "layers are split over the visible GPUs "
				  "(--split-mode layer)"},
	    [GEN_O_DP] = {GEN_NONE, .note = NOTE_NO_MOE},
	    [GEN_O_EP] = {GEN_NONE, .note = NOTE_NO_MOE},
	    [GEN_O_MOE_TP] = {GEN_NONE, .note = NOTE_NO_MOE},
	    [GEN_O_REPLICAS] =
		{GEN_NONE,
		 .note = "llama-server has no load balancer over replicas"},
	    [GEN_O_MAX_BATCH] = {GEN_FLAG, "--parallel"},
	    [GEN_O_MAX_TOKENS] = {GEN_FLAG, "--batch-size"},
	    [GEN_O_MAX_LEN] =
		{GEN_IMPLICIT,
		 .note = "each slot gets --ctx-size / --parallel cells"},
	    [GEN_O_CTX_TOTAL] = {GEN_FLAG, "--ctx-size"},
	    [GEN_O_W_BF16] = {GEN_IMPLICIT,
			      .note = "the GGUF file's tensor types"},
	    [GEN_O_W_FP8] =
		{GEN_NONE,
		 .note = "GGUF has no FP8 weights (Q8_0 is an integer format)"},
	    [GEN_O_W_FP4] = {GEN_NONE, .note = "GGUF has no FP4 weights"},
	    [GEN_O_KV_BF16] = {GEN_FLAG, "--cache-type-k", "--cache-type-v",
			       .value = "f16"},
	    [GEN_O_KV_FP8] = {GEN_NONE,
			      .note = "KV cache types are f32, f16, bf16, "
				      "q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1"},
	    [GEN_O_KV_FP4] = {GEN_NONE,
			      .note = "KV cache types are f32, f16, bf16, "
				      "q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1"},
	    [GEN_O_PREFIX_OFF] = {GEN_IMPLICIT,
				  .note = "prompt caching is per request "
					  "(cache_prompt); servecal bench "
					  "gives every prompt a unique start, "
					  "so no prefix is reused"},
	    [GEN_O_CHUNKED] =
		{GEN_IMPLICIT,
		 .note = "prompts are processed in --batch-size pieces"},
	    [GEN_O_WHOLE] = {GEN_NONE,
			     .note = "llama-server always splits prompts into "
				     "--batch-size pieces"},
	    [GEN_O_MIXED] =
		{GEN_IMPLICIT,
		 .note = "generating slots and prompt pieces share each batch"},
	    [GEN_O_SEPARATE] = {GEN_NONE,
				.note =
				    "generating slots always join each batch"},
	    [GEN_O_PAGED] =
		{GEN_NONE,
		 .note = "one KV cell array for all slots in this version"},
	    [GEN_O_UNIFIED] = {GEN_IMPLICIT,
			       .note = "one KV cell array for all slots"},
	    [GEN_O_KV_TRANSFER] = {GEN_NONE,
				   .note = "no disaggregated serving"},
	    [GEN_O_PREFILL] = {GEN_NONE, .note = "no disaggregated serving"},
	    [GEN_O_DECODE] = {GEN_NONE, .note = "no disaggregated serving"},
	    [GEN_O_THREADS] = {GEN_FLAG, "--threads"},
	    /* One HTTP thread per request the server takes in; its default
	     * (--parallel + 2, or the cores less one where more) would
	     * change how many wait in its own order. */
	    [GEN_O_ENGINE_WAIT] = {GEN_FLAG, "--threads-http"},
	    [GEN_O_GPU_LAYERS] = {GEN_FLAG, "--n-gpu-layers", .value = "999"},
	    [GEN_O_CONFIG] = {GEN_NONE},
	},
};

/* ---- Dynamo: a frontend and workers of an engine ---- */

#define DYNAMO_TITLE "Dynamo 0.6.1"
#define DYNAMO_DOC                                                             \
	"https://docs.nvidia.com/dynamo/latest/guides/dynamo_deploy/"          \
	"README.html ; "                                                       \
	"https://docs.nvidia.com/dynamo/latest/architecture/"                  \
	"disagg_serving.html"
#define DYNAMO_WORKER_NET                                                      \
	[GEN_O_HOST] =                                                         \
	    {GEN_IMPLICIT,                                                     \
	     .note = "workers register with the Dynamo runtime (etcd, NATS)"}, \
	[GEN_O_PORT] =                                                         \
	    {GEN_IMPLICIT,                                                     \
	     .note = "workers register with the Dynamo runtime (etcd, NATS)"}, \
	[GEN_O_REPLICAS] = {                                                   \
	    GEN_IMPLICIT, .note = "the frontend routes over worker replicas"}

static const char *const dyn_vllm_prog[] = {"python3", "-m",	  "dynamo.vllm",
					    "--model", "{MODEL}", NULL};
static const char *const dyn_sglang_prog[] = {
    "python3", "-m", "dynamo.sglang", "--model-path", "{MODEL}", NULL};
static const char *const dyn_trtllm_prog[] = {
    "python3", "-m", "dynamo.trtllm", "--model-path", "{MODEL}", NULL};

static const struct gen_backend dynamo_vllm = {
    .name = "dynamo",
    .engine = "vllm",
    .title = DYNAMO_TITLE " with vLLM 0.12.0",
    .version = "0.6.1",
    .doc = DYNAMO_DOC,
    .base = &vllm,
    .program = dyn_vllm_prog,
    .health = "/health",
    .router = GEN_ROUTER_DYNAMO,
    .whole_needs_budget = true,
    .replicas_as_workers = true,
    .ep_spans_tp_dp = true,
    .map =
	{
	    DYNAMO_WORKER_NET,
	    [GEN_O_KV_TRANSFER] =
		{GEN_IMPLICIT,
		 .note = "dynamo.vllm sets up the NIXL connector"},
	    [GEN_O_PREFILL] = {GEN_SWITCH, "--is-prefill-worker"},
	    [GEN_O_DECODE] =
		{GEN_IMPLICIT,
		 .note = "a worker without --is-prefill-worker decodes"},
	},
};

static const struct gen_backend dynamo_sglang = {
    .name = "dynamo",
    .engine = "sglang",
    .title = DYNAMO_TITLE " with SGLang 0.5.4",
    .version = "0.6.1",
    .doc = DYNAMO_DOC,
    .base = &sglang,
    .program = dyn_sglang_prog,
    .health = "/health",
    .router = GEN_ROUTER_DYNAMO,
    .replicas_as_workers = true,
    .map =
	{
	    DYNAMO_WORKER_NET,
	    [GEN_O_KV_TRANSFER] = {GEN_FLAG,
				   "--disaggregation-transfer-backend",
				   .value = "nixl"},
	},
};

static const struct gen_backend dynamo_trtllm = {
    .name = "dynamo",
    .engine = "trtllm",
    .title = DYNAMO_TITLE " with TensorRT-LLM 1.0.0",
    .version = "0.6.1",
    .doc = DYNAMO_DOC,
    .base = &trtllm,
    .program = dyn_trtllm_prog,
    .health = "/health",
    .router = GEN_ROUTER_DYNAMO,
    .config_file = "engine-%s.yaml",
    .whole_needs_budget = true,
    .replicas_as_workers = true,
    .map =
	{
	    DYNAMO_WORKER_NET,
	    [GEN_O_PREFILL] = {GEN_FLAG, "--disaggregation-mode",
			       .value = "prefill"},
	    [GEN_O_DECODE] = {GEN_FLAG, "--disaggregation-mode",
			      .value = "decode"},
	    [GEN_O_CONFIG] = {GEN_FLAG, "--extra-engine-args"},
	},
};

static const struct gen_backend *const table[] = {
    &vllm,	    &sglang,	    &trtllm,   &dynamo_vllm,
    &dynamo_sglang, &dynamo_trtllm, &llamacpp, NULL,
};

static const char *const opt_names[GEN_O_COUNT] = {
    [GEN_O_HOST] = "listen address",
    [GEN_O_PORT] = "listen port",
    [GEN_O_ALIAS] = "served model name",
    [GEN_O_TP] = "tensor parallel size (tp)",
    [GEN_O_PP] = "pipeline parallel size (pp)",
    [GEN_O_DP] = "attention data parallel size (dp)",
    [GEN_O_EP] = "expert parallel size (ep)",
    [GEN_O_MOE_TP] = "MoE tensor parallel size (moe_tp)",
    [GEN_O_REPLICAS] = "agg replicas behind one endpoint (count)",
    [GEN_O_MAX_BATCH] = "max batch (max_batch)",
    [GEN_O_MAX_TOKENS] = "token budget per iteration (max_num_tokens)",
    [GEN_O_MAX_LEN] = "max sequence length",
    [GEN_O_CTX_TOTAL] = "KV cells of all slots",
    [GEN_O_W_BF16] = "16-bit weights (dtype bf16)",
    [GEN_O_W_FP8] = "FP8 weights (dtype fp8)",
    [GEN_O_W_FP4] = "FP4 weights (dtype fp4)",
    [GEN_O_KV_BF16] = "16-bit KV cache (kv_dtype bf16)",
    [GEN_O_KV_FP8] = "FP8 KV cache (kv_dtype fp8)",
    [GEN_O_KV_FP4] = "FP4 KV cache (kv_dtype fp4)",
    [GEN_O_PREFIX_OFF] = "prefix caching off",
    [GEN_O_CHUNKED] = "chunked prefill (scheduler.chunked true)",
    [GEN_O_WHOLE] = "whole prompts (scheduler.chunked false)",
    [GEN_O_MIXED] = "mixed iterations (scheduler.policy mixed)",
    [GEN_O_SEPARATE] = "prefill-only iterations (scheduler.policy separate)",
    [GEN_O_PAGED] = "a paged KV cache (scheduler.kv_cache paged)",
    [GEN_O_UNIFIED] = "a unified KV cache (scheduler.kv_cache unified)",
    [GEN_O_KV_TRANSFER] =
	"KV transfer between prefill and decode workers (mode disagg)",
    [GEN_O_PREFILL] = "prefill workers (mode disagg)",
    [GEN_O_DECODE] = "decode workers (mode disagg)",
    [GEN_O_THREADS] = "CPU threads (a CPU device spec)",
    [GEN_O_ENGINE_WAIT] =
	"requests taken in beyond the slots (scheduler.engine_wait)",
    [GEN_O_GPU_LAYERS] = "GPU offload",
    [GEN_O_CONFIG] = "engine config file",
};

const struct gen_backend *gen_backend_find(const char *backend,
					   const char *engine)
{
	if (!backend)
		return NULL;
	if (!strcmp(backend, "dynamo") && !engine)
		engine = "vllm";
	for (size_t i = 0; table[i]; i++) {
		const struct gen_backend *b = table[i];
		if (strcmp(b->name, backend))
			continue;
		if (!b->engine || (engine && !strcmp(b->engine, engine)))
			return b;
	}
	return NULL;
}

const char *gen_backend_names(void)
{
	return "vllm, sglang, trtllm, dynamo, llamacpp";
}

const struct gen_map *gen_backend_map(const struct gen_backend *b,
				      enum gen_opt opt)
{
	static const struct gen_map none = {.form = GEN_NONE};
	while (b && b->map[opt].form == GEN_INHERIT)
		b = b->base;
	return b ? &b->map[opt] : &none;
}

const char *gen_opt_name(enum gen_opt opt)
{
	return opt < GEN_O_COUNT && opt_names[opt] ? opt_names[opt] : "?";
}

const struct gen_backend *gen_backend_at(size_t i)
{
	return i < sizeof table / sizeof table[0] - 1 ? table[i] : NULL;
}
