/* Iteration (step) time of one worker: the core of the analytical model.
 *   step = tau_s + tau_r * B + pp * smoothmax(compute, memory) + comm
 * for the tokens of one iteration: decode sequences (one token each, with
 * their cached context) and prefill tokens (chunks of prompts). */
#ifndef SC_STEP_H
#define SC_STEP_H
#include <stdbool.h>

#include "model/deploy.h"
#include "model/params.h"
#include "util/err.h"

/* Everything the model needs about what runs where. Borrowed pointers. */
struct model_ctx {
	const struct model_spec *m;
	const struct gpu_spec *g;
	enum dtype wdtype, kvdtype;
	const struct model_params *p;
	/* The engine's defaults (how it splits memory); NULL: vLLM's. */
	const struct sched_spec *sched;
};

/* Checks that the GPU supports both dtypes (SC_EINVAL otherwise) and that
 * the shape divides the model (heads by tp, layers by pp, experts by ep). */
int model_ctx_check(const struct model_ctx *c, const struct worker_shape *s,
		    struct sc_err *e) SC_MUST_CHECK;

/* What one iteration processes on one worker. */
struct step_load {
	double decode_seqs;    /* sequences producing one token each */
	double decode_ctx_sum; /* sum of their cached context lengths */
	double prefill_tokens; /* prompt tokens computed this iteration */
	double prefill_ctx;    /* cached context in front of those tokens */
	double prefill_seqs;   /* prompts those tokens belong to */
	double attn_cells;     /* > 0: a unified KV cache (llama.cpp): every
				  token's attention spans this many occupied
				  cells, whatever its own context */
};

/* The parts of a step, in seconds, before they are combined. */
struct step_parts {
	double compute_s;  /* linear + attention FLOPs at efficiency */
	double memory_s;   /* weights + KV bytes at eta_m * HBM bandwidth */
	double comm_s;	   /* TP all-reduces / EP all-to-alls */
	double overhead_s; /* tau_s + tau_r * sequences */
	double pp;	   /* pipeline stages */
	double cpu_share;  /* the engine's CPU time not overlapped, as a share
			      of the GPU's (sched_spec.cpu_share) */
};

void step_parts(const struct model_ctx *c, const struct worker_shape *s,
		const struct step_load *l, struct step_parts *out);

/* What step_parts computes from the model, GPU, parameters and shape
 * alone, once per worker: a simulation times many iterations of the same
 * worker. Borrows c's model and parameters (they must outlive it). */
struct step_consts {
	const struct model_spec *m;
	const struct model_params *p;
	struct worker_shape s;
	double ranks, per_tok_attn, lin_flops_tok, lm_flops_tok, kappa;
	double lin_rate, attn_rate, attn_dec_rate; /* FLOP/s at efficiency */
	double dense_bytes, expert_bytes, experts, top_k, expert_split;
	double mem_rate, expert_rate, link; /* bytes/s */
	double cpu_share;
};
void step_prep(const struct model_ctx *c, const struct worker_shape *s,
	       struct step_consts *k);
/* step_parts and step_time_s from prepared constants: the same numbers,
 * bit for bit. */
void step_parts_of(const struct step_consts *k, const struct step_load *l,
		   struct step_parts *out);
double step_time_of(const struct step_consts *k, const struct step_load *l);
/* overhead + (1 + cpu_share) * (pp * smoothmax(compute/pp, memory/pp) +
 * comm) (the parts already hold the whole model's work; a stage does 1/pp
 * of it). */
double step_combine(const struct step_parts *sp);
double step_time_s(const struct model_ctx *c, const struct worker_shape *s,
		   const struct step_load *l);

/* Decode iteration at batch b with mean context ctx per sequence. */
double step_decode_s(const struct model_ctx *c, const struct worker_shape *s,
		     double b, double ctx);
/* Prefill of `reqs` prompts of isl tokens each, processed in chunks of at most
 * budget tokens per iteration (budget <= 0: unchunked). Returns the total time
 * until the last prompt's first token. */
double step_prefill_s(const struct model_ctx *c, const struct worker_shape *s,
		      double reqs, double isl, double budget);
/* Iteration carrying b decoding sequences (mean context ctx) plus a prefill
 * chunk of n tokens behind chunk_ctx cached tokens (agg, chunked prefill). */
double step_mixed_s(const struct model_ctx *c, const struct worker_shape *s,
		    double b, double ctx, double n, double chunk_ctx);
/* KV handoff in disagg: T_kv + link latency + isl * kappa bytes over
 * min(tp_p, tp_d) parallel links of link->gbps. */
double step_kv_transfer_s(const struct model_ctx *c, const struct kv_link *l,
			  const struct worker_shape *prefill,
			  const struct worker_shape *decode, double isl);

#endif
