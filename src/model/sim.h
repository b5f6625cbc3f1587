/* The serving engine's scheduler, simulated: requests arrive (closed-loop
 * users, Poisson arrivals at a rate, or all at once), wait for a slot,
 * are prefilled in iterations under a per-iteration token budget, decode
 * one token per iteration, and leave. Iteration times come from the
 * analytical step model (step.c), so the queueing, the prompt batching and
 * the prefill stalls of decoding requests follow from the engine's knobs
 * (slots, budget, policy) instead of from fitted shape terms.
 *
 * Semantics shared by vLLM, SGLang, TensorRT-LLM and llama.cpp: a request
 * joins at the next iteration boundary; an idle engine starts an iteration
 * as soon as a request arrives (so of several requests arriving a few
 * microseconds apart, the first is prefilled alone); the first output token
 * is sampled at the end of the iteration that completes the prompt (agg)
 * or of the first decode iteration after the KV handoff (disagg).
 *
 * Real engines jitter, and the jitter decides whether closed-loop users
 * stay locked in cohorts; a noiseless simulation would lock them exactly
 * and its projections would jump between cohort patterns as parameters
 * move. So unless `exact` is set, each request's frontend time varies
 * (log-normal around t0_s) and iteration times wander slowly (a smooth
 * random factor of time per worker). Both are drawn from hashes of the
 * request number and of the time, not from a stream, so a projection is a
 * deterministic, nearly smooth function of the parameters (common random
 * numbers). */
#ifndef SC_SIM_H
#define SC_SIM_H
#include <stdbool.h>
#include <stddef.h>

#include "model/step.h"
#include "util/err.h"
#include "util/stats.h"

enum load_kind {
	LOAD_CLOSED, /* `users` clients, each sending when its last ends */
	LOAD_OPEN,   /* Poisson arrivals at rate_per_s */
	LOAD_BURST,  /* every request at time zero (offline throughput) */
};

/* Ranges checked by sim_run. */
#define SIM_MAX_USERS	 1000000L
#define SIM_MAX_REQUESTS 200000L
#define SIM_MAX_WORKERS	 4096L
#define SIM_MAX_ROUNDS	 1000L

struct sim_load {
	enum load_kind kind;
	long users;	   /* closed loop, >= 1 */
	double rate_per_s; /* open loop, > 0 */
	long requests;	   /* requests measured (0: a default per kind) */
	long warmup;	   /* closed loop: first requests left out (-1: one
			      round, as `servecal bench` does) */
	long rounds;	   /* closed loop without `requests`: rounds of the
			      users measured, 0..SIM_MAX_ROUNDS (0: a
			      default) */
};

/* One pool of identical workers. */
struct sim_pool {
	long workers;
	const struct worker_shape *shape;
	long slots;    /* sequences a worker holds (max_batch, capped by
			  its KV capacity) */
	double budget; /* tokens per iteration */
	struct sched_spec sched;
};

/* The random draws of a run (each request's frontend jitter and send
 * spacing, each worker's iteration noise at the nodes of its grid) depend
 * only on the seed and the request, worker and node, so many simulations
 * with the same seeds can share them: a caller that runs them keeps a
 * sim_draws and points sim_config.draws at it (a search or a fit: up to
 * SIM_DRAW_SEEDS seeds, a few tens of MB at most). Results are the same
 * bit for bit with or without it. */
#define SIM_DRAW_SEEDS 4
struct sim_draw_set {
	unsigned long seed;
	bool used;
	long n;		  /* requests drawn */
	double *frontend; /* factor on t0_s */
	double *spacing;  /* -log(u): times the gap */
	long noise_workers;
	double **noise; /* noise[w][k]: worker w's iteration noise at grid
			   node k (noise_n[w] of them drawn) */
	long *noise_n;
};
struct sim_draws {
	struct sim_draw_set set[SIM_DRAW_SEEDS];
};
/* Zeroes d / frees what its simulations drew. */
void sim_draws_init(struct sim_draws *d);
void sim_draws_release(struct sim_draws *d);

struct sim_config {
	const struct model_ctx *c;
	bool disagg; /* pool[0] prefill, pool[1] decode */
	struct sim_pool pool[2];
	double isl, osl;      /* tokens per request */
	double t0_s;	      /* frontend: request in plus first token out */
	double kv_s;	      /* disagg: prefill end to decode arrival */
	double arrival_gap_s; /* closed loop: spacing of requests that are
				 sent at the same moment (0: default) */
	double client_s;      /* closed loop: from a request's end at the
				 engine to its user sending the next, beyond
				 the frontend time (the client reading the
				 last token, its own work, the network); not
				 part of TTFT; [0, 1e4) s */
	struct sim_load load;
	unsigned long seed;	 /* arrivals and jitter */
	bool exact;		 /* no jitter (tests with composed answers) */
	struct sim_draws *draws; /* shared per-request draws, or NULL */
};

struct sim_result {
	size_t measured;
	/* Per-request statistics over measured requests, seconds. */
	struct stats ttft_s, tpot_s, e2e_s;
	double wait_s;	     /* mean arrival to admission (first worker) */
	double prefill_s;    /* mean admission to end of prompt */
	double outside_s;    /* mean frontend + wait: TTFT minus what the
				engine reports as its prompt time */
	double window_s;     /* steady window */
	double tokens_per_s; /* output tokens emitted in the window */
	double req_per_s;    /* requests finished in the window */
	double decode_batch; /* mean decoding sequences per decode iteration */
	double iterations;   /* iterations simulated, all workers */
	bool unstable;	     /* open loop: the queue grew over the run */
};

/* Runs the simulation. SC_EINVAL (message in e) for a configuration
 * outside the documented ranges (workers 1..SIM_MAX_WORKERS, slots and
 * budget >= 1, isl and osl >= 1, users and requests within their caps).
 * The result is a pure function of cfg. */
int sim_run(const struct sim_config *cfg, struct sim_result *out,
	    struct sc_err *e) SC_MUST_CHECK;

#endif
