/* Deployment specs: model, GPU, backend, dtypes, mode and worker groups.
 * The optional "emulator" section is ground truth for `servecal emulate` and
 * is kept as raw JSON here; the model, the fitter and the matcher never read
 * it. */
#ifndef SC_DEPLOY_H
#define SC_DEPLOY_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "model/dtype.h"
#include "model/gpuspec.h"
#include "model/modelspec.h"
#include "util/err.h"

enum deploy_mode { DEPLOY_AGG, DEPLOY_DISAGG };
enum worker_role { ROLE_AGG, ROLE_PREFILL, ROLE_DECODE };

/* Parallelism of one worker: GPUs = tp * pp * dp. For MoE models the expert
 * layers are split moe_tp x ep over the same tp * dp GPUs of a stage. */
struct worker_shape {
	long tp, pp, dp, ep, moe_tp;
};

/* How an engine's scheduler shares iterations between prompts and
 * decoding requests (see model/sim.h). The zero value is vLLM's default:
 * mixed iterations, chunked prompts. */
enum sched_policy {
	SCHED_MIXED,	/* decode tokens first, prompt tokens fill the rest of
			   the budget (vLLM, llama.cpp, TensorRT-LLM) */
	SCHED_SEPARATE, /* a pending prompt gets a prefill-only iteration and
			   decoding requests wait (SGLang's default) */
};

struct sched_spec {
	enum sched_policy policy;
	bool whole_prompts;  /* prompts are never split across iterations
				(TensorRT-LLM without chunked prefill) */
	bool unified_kv;     /* one KV cell array for all sequences whose
				attention spans every occupied cell
				(llama.cpp); else paged per sequence */
	bool arrivals_first; /* a slot freed at an iteration's end goes first
				to a request that arrived during that
				iteration, then to the oldest waiting one;
				a waiting request passed over goes to the
				back of the wait (llama.cpp's deferred
				tasks) */
	long engine_wait;    /* arrivals_first: how many requests beyond the
				slots the engine takes in (llama-server: its
				HTTP threads, --threads-http, by default
				slots + 2); more wait in front of it in
				arrival order, one entering per request that
				ends; 0: no bound */
	double start_lag_s;  /* an idle engine starts its first iteration this
				long after a request arrives; requests that
				arrive meanwhile join it */
	bool kv_of_free;     /* the KV cache gets its fraction of the memory
				that weights, activations and the runtime
				leave (TensorRT-LLM's
				kv_cache_free_gpu_mem_fraction); else weights,
				activations, runtime and KV cache share that
				fraction of all memory (vLLM's
				gpu_memory_utilization, SGLang's
				mem_fraction_static) */
	double cpu_share;    /* CPU work of an iteration (scheduling, batch
				preparation, output processing) that does not
				overlap the GPU's, as a share of the GPU time;
				0 where the engine overlaps it (SGLang >= 0.4,
				vLLM V1, TensorRT-LLM) */
};

/* The documented default of a backend (vllm, sglang, trtllm, dynamo,
 * llamacpp; anything else, NULL included, gets vLLM's). */
struct sched_spec sched_default(const char *backend);
/* The same, as a pointer to a constant table entry (lives forever). */
const struct sched_spec *sched_find(const char *backend);
const char *sched_policy_name(enum sched_policy p);
/* 0, or -1 for a name other than "mixed" or "separate". */
int sched_policy_parse(const char *s, enum sched_policy *out) SC_MUST_CHECK;

struct worker_spec {
	enum worker_role role;
	long count;
	struct worker_shape shape;
	long max_batch;		 /* sequences per worker */
	long max_num_tokens;	 /* token budget per iteration */
	struct sched_spec sched; /* the deployment's, copied per group */
};

struct kv_link {
	double gbps;	   /* per GPU pair, GB/s */
	double latency_us; /* per transfer */
};

#define DEPLOY_MAX_GROUPS 4

struct deploy_spec {
	char name[128];
	char backend[32];
	char path[512]; /* file it came from, "" if built in memory */
	/* How model and GPU were named: a catalog name is written back as the
	 * name, anything else as an inline object. */
	char model_ref[256], gpu_ref[256];
	struct model_spec model;
	struct gpu_spec gpu;
	enum dtype wdtype, kvdtype;
	enum deploy_mode mode;
	struct worker_spec groups[DEPLOY_MAX_GROUPS];
	size_t n_groups;
	struct kv_link link;
	struct sched_spec sched; /* "scheduler", or the backend's default */
	bool sched_given;	 /* "scheduler" was in the file */
	cJSON *emulator; /* owned copy of the "emulator" section, or NULL */
};

/* Loads and validates a deployment file; "model" and "gpu" are catalog names
 * or paths relative to the file. Agg: exactly one group, role agg. Disagg:
 * one prefill and one decode group and a kv_link. On success the caller
 * releases with deploy_release. */
int deploy_load(const char *path, struct deploy_spec *d,
		struct sc_err *e) SC_MUST_CHECK;
int deploy_from_json(const cJSON *j, const char *where, const char *basedir,
		     struct deploy_spec *d, struct sc_err *e) SC_MUST_CHECK;
void deploy_release(struct deploy_spec *d);
/* JSON a deploy_load accepts (emulator section included if present). */
cJSON *deploy_to_json(const struct deploy_spec *d);
/* Which optional keys a worker group's object carries beside role, count,
 * tp, pp, max_batch and max_num_tokens. */
enum { DEPLOY_W_DP = 1, DEPLOY_W_MOE = 2 /* ep and moe_tp */ };
/* One worker group as deployment.json's "workers" lists it (also in
 * match's configurations and generate's launch files), with the optional
 * keys in `keys`. Caller frees. */
cJSON *deploy_worker_to_json(const struct worker_spec *w, unsigned keys);
int deploy_save(const char *path, const struct deploy_spec *d,
		struct sc_err *e) SC_MUST_CHECK;

long worker_gpus(const struct worker_shape *s);
/* Total GPUs: sum over groups of count * gpus per worker. */
long deploy_gpus(const struct deploy_spec *d);
/* The group with that role, or NULL. */
const struct worker_spec *deploy_group(const struct deploy_spec *d,
				       enum worker_role r);
const char *worker_role_name(enum worker_role r);
const char *deploy_mode_name(enum deploy_mode m);

#endif
