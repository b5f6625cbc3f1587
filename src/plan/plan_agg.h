/* Aggregated search: every worker runs prefill and decode in mixed
 * iterations; for each parallelism, token budget and batch cap, TTFT and
 * TPOT must both meet the SLAs at the concurrency it runs at; replicas of
 * the worker fill the GPU budget. */
#ifndef SC_PLAN_AGG_H
#define SC_PLAN_AGG_H
#include "plan/plan.h"

/* Evaluates `replicas` workers of shape s with max_batch b and token budget
 * max_num_tokens at closed-loop concurrency n into out, feasibility
 * included (OOM shows in out->perf.oom). Returns SC_OK or the model's
 * error. */
int plan_agg_eval(const struct plan_query *q, const struct model_ctx *c,
		  const struct worker_shape *s, long replicas,
		  long max_num_tokens, long b, double n,
		  struct plan_config *out, struct sc_err *e) SC_MUST_CHECK;

/* The same workers at the largest concurrency in [1, replicas * b] meeting
 * both SLAs (out->feasible), or at concurrency 1 when none does (the
 * nearest it gets). *evals counts model calls. */
int plan_agg_operate(const struct plan_query *q, const struct model_ctx *c,
		     const struct worker_shape *s, long replicas,
		     long max_num_tokens, long b, struct plan_config *out,
		     long *evals, struct sc_err *e) SC_MUST_CHECK;

/* The agg search of q into r: every shape, budget and batch cap within the
 * GPU limits, ranked, with its Pareto front. SC_OK or the model's error. */
int plan_agg_search(const struct plan_query *q, struct plan_mode_result *r,
		    struct sc_err *e) SC_MUST_CHECK;

#endif
