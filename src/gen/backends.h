/* The engines servecal writes launch files for, as data: for each backend
 * the engine version and documentation its flags were taken from, the
 * command that starts a worker, and how each setting of a deployment spec
 * is expressed (a flag, a switch, a key of the engine's config file, the
 * engine's own behaviour, or not at all). */
#ifndef SC_GEN_BACKENDS_H
#define SC_GEN_BACKENDS_H
#include <stdbool.h>
#include <stddef.h>

/* How an engine expresses one setting. */
enum gen_form {
	GEN_INHERIT = 0, /* a Dynamo row: as the engine it runs */
	GEN_NONE,	 /* cannot: an error naming it when the spec asks */
	GEN_IMPLICIT,	 /* the engine does it with no flag (its default) */
	GEN_FLAG,	 /* "--flag VALUE" (and key2 VALUE) */
	GEN_SWITCH,	 /* "--flag" alone */
	GEN_YAML,	 /* key (a dotted path) in the engine's config file */
};

/* The settings of a deployment spec that reach an engine. Where the value
 * decides the flag (a dtype, the scheduler), each value is its own row. */
enum gen_opt {
	GEN_O_HOST,	   /* address to listen on */
	GEN_O_PORT,	   /* port to listen on */
	GEN_O_ALIAS,	   /* name the model is served under */
	GEN_O_TP,	   /* tensor parallel size */
	GEN_O_PP,	   /* pipeline parallel size */
	GEN_O_DP,	   /* attention data parallel size (MoE) */
	GEN_O_EP,	   /* expert parallel size (MoE) */
	GEN_O_MOE_TP,	   /* MoE tensor parallel size */
	GEN_O_REPLICAS,	   /* agg replicas (count) in one endpoint */
	GEN_O_MAX_BATCH,   /* max_batch: sequences in flight */
	GEN_O_MAX_TOKENS,  /* max_num_tokens: tokens per iteration */
	GEN_O_MAX_LEN,	   /* tokens of one sequence (prompt + output) */
	GEN_O_CTX_TOTAL,   /* KV cells for all slots (llama.cpp) */
	GEN_O_W_BF16,	   /* weights in 16 bits */
	GEN_O_W_FP8,	   /* weights in FP8 */
	GEN_O_W_FP4,	   /* weights in FP4 */
	GEN_O_KV_BF16,	   /* KV cache in 16 bits */
	GEN_O_KV_FP8,	   /* KV cache in FP8 */
	GEN_O_KV_FP4,	   /* KV cache in FP4 */
	GEN_O_PREFIX_OFF,  /* no prefix cache (calibration) */
	GEN_O_CHUNKED,	   /* scheduler.chunked true */
	GEN_O_WHOLE,	   /* scheduler.chunked false */
	GEN_O_MIXED,	   /* scheduler.policy mixed */
	GEN_O_SEPARATE,	   /* scheduler.policy separate */
	GEN_O_PAGED,	   /* scheduler.kv_cache paged */
	GEN_O_UNIFIED,	   /* scheduler.kv_cache unified */
	GEN_O_KV_TRANSFER, /* disagg: KV transfer between workers */
	GEN_O_PREFILL,	   /* disagg: this worker prefills */
	GEN_O_DECODE,	   /* disagg: this worker decodes */
	GEN_O_THREADS,	   /* CPU threads (a CPU "GPU" spec) */
	GEN_O_ENGINE_WAIT, /* request handlers: slots + scheduler.engine_wait */
	GEN_O_GPU_LAYERS,  /* layers offloaded to the GPU */
	GEN_O_CONFIG,	   /* flag naming the engine's config file */
	GEN_O_COUNT
};

struct gen_map {
	enum gen_form form;
	const char *key;    /* flag or dotted YAML path */
	const char *key2;   /* a second flag given the same value, or NULL */
	const char *value;  /* fixed value; NULL: the deployment's */
	const char *note;   /* why NONE or IMPLICIT (errors, file comments) */
	enum gen_opt needs; /* another setting this one requires; 0 (the
			       listen address, never a requirement): none */
};

/* How a disaggregated deployment's requests reach its workers. */
enum gen_router {
	GEN_ROUTER_NONE,       /* no disaggregated serving */
	GEN_ROUTER_VLLM_PROXY, /* vLLM's NIXL proxy server */
	GEN_ROUTER_SGLANG,     /* sglang_router --pd-disaggregation */
	GEN_ROUTER_TRTLLM,     /* trtllm-serve disaggregated -c FILE */
	GEN_ROUTER_DYNAMO,     /* the Dynamo frontend */
};

struct gen_backend {
	const char *name;   /* as given to --backend */
	const char *engine; /* for Dynamo: the engine it runs; else NULL */
	const char *title;  /* "vLLM 0.11.0" */
	const char *version;
	const char *doc; /* where the flag names were taken from */
	const struct gen_backend *base; /* Dynamo rows: the engine's row */
	const char *const *program;	/* argv prefix; "{MODEL}" the model */
	const char *health;	 /* health path of a worker or frontend */
	const char *config_file; /* config file name ("%s": role) or NULL */
	enum gen_router router;
	/* Whole prompts (no chunked prefill) need max_num_tokens >=
	 * max_model_len: the engine refuses to start or rejects longer
	 * prompts. */
	bool whole_needs_budget;
	/* Agg replicas run as processes of their own behind the frontend
	 * (Dynamo) rather than through GEN_O_REPLICAS. */
	bool replicas_as_workers;
	/* Expert parallelism always spans tp x dp (vLLM's
	 * --enable-expert-parallel): another ep cannot be expressed. */
	bool ep_spans_tp_dp;
	struct gen_map map[GEN_O_COUNT];
};

/* The row for backend (and for "dynamo", engine: vllm, sglang or trtllm;
 * NULL picks vllm), or NULL. */
const struct gen_backend *gen_backend_find(const char *backend,
					   const char *engine);
/* The names --backend accepts, comma separated ("vllm, sglang, ..."). */
const char *gen_backend_names(void);
/* How b expresses opt (a Dynamo row falls back to its engine's). */
const struct gen_map *gen_backend_map(const struct gen_backend *b,
				      enum gen_opt opt);
/* A short name of opt for messages ("tensor parallel size"). */
const char *gen_opt_name(enum gen_opt opt);
/* Row i of the table (0-based), or NULL past the end: for tests. */
const struct gen_backend *gen_backend_at(size_t i);

#endif
