/* Aggregated search: every worker runs prefill and decode in mixed
 * iterations; for each parallelism, token budget and batch, TTFT and TPOT
 * must both meet the SLAs; replicas of the worker fill the GPU budget. */
#ifndef SC_PLAN_AGG_H
#define SC_PLAN_AGG_H
#include "plan/plan.h"

/* Evaluates `replicas` workers of shape s with max_batch b and token budget
 * max_num_tokens at closed-loop concurrency replicas * b (every batch slot
 * busy) into out, feasibility included. OOM (b above what memory holds) is
 * reported through out->perf.oom. Returns SC_OK or the model's error. */
int plan_agg_eval(const struct plan_query *q, const struct model_ctx *c,
		  const struct worker_shape *s, long replicas,
		  long max_num_tokens, long b, struct plan_config *out,
		  struct sc_err *e);

/* Largest batch in [1, max_b] whose agg config meets both SLAs, assuming
 * feasibility only falls as the batch grows; 0 when batch 1 fails. The
 * config at that batch goes to out when non-NULL. *evals counts model
 * calls. */
long plan_agg_largest_batch(const struct plan_query *q,
			    const struct model_ctx *c,
			    const struct worker_shape *s, long replicas,
			    long max_num_tokens, long max_b,
			    struct plan_config *out, long *evals);

#endif
