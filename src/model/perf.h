/* Serving performance of a deployment under a load (closed-loop users, an
 * open-loop request rate, or every request at once): TTFT (mean and
 * percentiles), TPOT, throughput. TTFT = frontend + waiting + prefill
 * (+ handoff + first decode step in disagg); the waiting, the batching of
 * prompts and the stalls of decoding requests come from simulating the
 * engine's scheduler (model/sim.h) on the step model's iteration times. */
#ifndef SC_PERF_H
#define SC_PERF_H
#include <stdbool.h>

#include "model/memory.h"
#include "util/statsel.h"
#include "model/sim.h"
#include "model/step.h"
#include "util/err.h"

struct perf_workload {
	double isl, osl; /* mean input and output tokens */
};

/* The load a projection is for (model/sim.h). */
struct perf_load {
	enum load_kind kind;
	double users;	   /* closed loop: concurrent users (rounded) */
	double rate_per_s; /* open loop: Poisson arrivals */
	long requests;	   /* requests measured; 0: the simulation's default */
	long warmup;	   /* closed loop: requests before measuring; 0: one
			      round (bench's default), PERF_NO_WARMUP: none */
	bool quick;	   /* one simulated run instead of the average of
			      several (a search screening many candidates) */
	long rounds;	   /* closed loop: rounds of the users measured (0:
			      the simulation's default; sim_load) */
	struct sim_draws *draws; /* per-request draws shared by the
				    simulations (sim.h), or NULL */
};
#define PERF_NO_WARMUP (-1L)

struct perf_point {
	double concurrency; /* users (closed loop), else mean in flight */
	double prefill_s;   /* mean admission to end of prompt */
	double wait_s;	    /* mean arrival to admission: queueing in TTFT */
	double outside_s;   /* mean frontend + waiting: TTFT outside the
			       engine's own prompt time */
	double kv_xfer_s;   /* disagg handoff (0 for agg) */
	double ttft_s;	    /* mean, frontend included */
	double ttft_p50_s, ttft_p90_s, ttft_p95_s, ttft_p99_s;
	double tpot_s; /* mean over requests */
	double tpot_p50_s, tpot_p90_s, tpot_p95_s, tpot_p99_s;
	double e2e_s;
	double req_per_s;
	double tokens_per_s;
	double tokens_per_s_per_gpu;
	double tokens_per_s_per_user; /* 1 / tpot */
	double decode_batch;	      /* mean sequences per decode iteration */
	long slots;		      /* sequences a (decode) worker holds:
					 max_batch capped by its KV capacity */
	long gpus;
	bool oom;      /* the weights, or not one sequence, fit in memory */
	bool unstable; /* open loop: arrivals outpace the deployment and the
			  queue grows for as long as the run lasts */
};

/* Agg: `replicas` workers of spec w behind a join-shortest-queue router,
 * under load ld. Fills out; returns SC_OK or SC_EINVAL for an impossible
 * shape or load (message in e). */
int perf_agg_at(const struct model_ctx *c, const struct worker_spec *w,
		long replicas, const struct perf_workload *wl,
		const struct perf_load *ld, struct perf_point *out,
		struct sc_err *e) SC_MUST_CHECK;
/* Disagg xPyD: x prefill workers pw, y decode workers dw, KV link. */
int perf_disagg_at(const struct model_ctx *c, const struct worker_spec *pw,
		   long x, const struct worker_spec *dw, long y,
		   const struct kv_link *link, const struct perf_workload *wl,
		   const struct perf_load *ld, struct perf_point *out,
		   struct sc_err *e) SC_MUST_CHECK;
/* Whether a projection of deployment d can depend on parameter i: a
 * dense model never reads eta_me, an agg deployment never reads t_kv,
 * and workers without tensor, pipeline or expert parallelism never read
 * the collective's eta_ar and alpha_ar. False only when the projection is
 * the same bit for bit whatever the parameter's value (the fit skips
 * those simulations in its finite differences). */
bool perf_deploy_reads(const struct deploy_spec *d, enum mp i);

/* Disagg as `replicas` independent units of x prefill and y decode
 * workers, a closed loop's users split between them as evenly as they go
 * (two units simulated at most): cheaper than perf_disagg_at on x *
 * replicas and y * replicas workers by about the replicas, and close to
 * it, since a router that balances the pools keeps the units' loads
 * within a user of each other. For a search's screening; a projection to
 * report uses perf_disagg_at. SC_EINVAL as perf_disagg_at, or for an open
 * loop or replicas < 1. */
int perf_disagg_units_at(const struct model_ctx *c,
			 const struct worker_spec *pw, long x,
			 const struct worker_spec *dw, long y, long replicas,
			 const struct kv_link *link,
			 const struct perf_workload *wl,
			 const struct perf_load *ld, struct perf_point *out,
			 struct sc_err *e) SC_MUST_CHECK;

/* A whole deployment spec with params p. */
int perf_deploy_at(const struct deploy_spec *d, const struct model_params *p,
		   const struct perf_workload *wl, const struct perf_load *ld,
		   struct perf_point *out, struct sc_err *e) SC_MUST_CHECK;

/* Which quantities a projection defines: a whole deployment defines all;
 * a prefill batch alone has no decode, a decode step alone no prompt. */
enum perf_scope { PERF_ALL, PERF_PREFILL_ONLY, PERF_DECODE_ONLY };

/* The projection as JSON with units in the keys (prefill_ms, wait_ms,
 * kv_transfer_ms, ttft_ms, ttft_p50_ms ... ttft_p99_ms, tpot_ms,
 * tpot_p90_ms, e2e_ms, req_per_s, tokens_per_s, tokens_per_s_per_gpu,
 * tokens_per_s_per_user, decode_batch, gpus, oom), leaving out what scope
 * does not define. The one writer of a perf_point; caller frees. */
cJSON *perf_point_to_json(const struct perf_point *p, enum perf_scope scope);

/* TTFT and TPOT of p at statistic s (mean or a percentile), seconds. */
double perf_ttft_at(const struct perf_point *p, enum stat_sel s);
double perf_tpot_at(const struct perf_point *p, enum stat_sel s);

/* The same at closed-loop concurrency n (the common case). */
int perf_agg(const struct model_ctx *c, const struct worker_spec *w,
	     long replicas, const struct perf_workload *wl, double n,
	     struct perf_point *out, struct sc_err *e) SC_MUST_CHECK;
int perf_disagg(const struct model_ctx *c, const struct worker_spec *pw, long x,
		const struct worker_spec *dw, long y,
		const struct kv_link *link, const struct perf_workload *wl,
		double n, struct perf_point *out,
		struct sc_err *e) SC_MUST_CHECK;
int perf_deploy(const struct deploy_spec *d, const struct model_params *p,
		const struct perf_workload *wl, double n,
		struct perf_point *out, struct sc_err *e) SC_MUST_CHECK;

#endif
