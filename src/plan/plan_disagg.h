/* Disaggregated search: prefill and decode worker candidates each meeting
 * their own SLA, matched by request rate into xPyD deployments within the
 * GPU budget, then run through the full model (queueing and KV handoff
 * included) at the largest closed-loop concurrency that keeps both SLAs. */
#ifndef SC_PLAN_DISAGG_H
#define SC_PLAN_DISAGG_H
#include "plan/plan.h"
#include "plan/ratematch.h"

/* A prefill worker: shape, batch of k prompts computed together (token
 * budget k * isl), its requests/s, and its TTFT floor: frontend + the
 * batch's prefill + KV handoff, before any waiting. */
struct plan_pcand {
	struct worker_shape s;
	long k, budget, gpus;
	double req_per_s, ttft_floor_s;
};

/* A decode worker: shape, batch b, TPOT at that batch and requests/s
 * (b / (osl * TPOT)). */
struct plan_dcand {
	struct worker_shape s;
	long b, gpus;
	double req_per_s, tpot_s;
};

/* Largest k in [1, max_k] whose prefill candidate fits memory and whose TTFT
 * floor meets the TTFT SLA, written to out; 0 when k = 1 fails. */
long plan_prefill_largest(const struct plan_query *q, const struct model_ctx *c,
			  const struct worker_shape *s, long max_k,
			  struct plan_pcand *out);
/* Prefill candidate for exactly k prompts per batch (no SLA check). */
void plan_prefill_eval(const struct plan_query *q, const struct model_ctx *c,
		       const struct worker_shape *s, long k,
		       struct plan_pcand *out);

/* Largest b in [1, max_b] that fits memory with TPOT <= the TPOT SLA; 0 when
 * b = 1 fails. */
long plan_decode_largest(const struct plan_query *q, const struct model_ctx *c,
			 const struct worker_shape *s, long max_b,
			 struct plan_dcand *out);
void plan_decode_eval(const struct plan_query *q, const struct model_ctx *c,
		      const struct worker_shape *s, long b,
		      struct plan_dcand *out);

/* Runs x prefill workers p and y decode workers d through perf_disagg at the
 * largest concurrency in [1, x*k + y*b] meeting both SLAs (out->feasible),
 * or at concurrency 1 when none does. *evals counts model calls. */
int plan_disagg_verify(const struct plan_query *q, const struct model_ctx *c,
		       const struct plan_pcand *p, const struct plan_dcand *d,
		       long x, long y, struct plan_config *out, long *evals,
		       struct sc_err *e) SC_MUST_CHECK;

/* The disagg search of q into r: candidates, rate matching, verification,
 * ranked with the Pareto front. SC_OK or the model's error. */
int plan_disagg_search(const struct plan_query *q, struct plan_mode_result *r,
		       struct sc_err *e) SC_MUST_CHECK;

#endif
