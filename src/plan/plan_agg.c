/* Aggregated search over parallelism x token budget x batch (plan_agg.h). */
#include "plan/plan_agg.h"

#include <math.h>

#include "model/memory.h"
#include "plan/plan_internal.h"
#include "plan/plan_space.h"

const long plan_agg_budgets[] = {1024, 2048, 4096, 8192, 16384};
const size_t plan_agg_n_budgets =
    sizeof plan_agg_budgets / sizeof plan_agg_budgets[0];

/* Largest batch the search considers for one worker (well past any SLA). */
#define PLAN_MAX_BATCH 4096
#define PLAN_GRID_MAX  128
/* Batch caps per doubling; each runs at its best concurrency, so a coarse
 * grid loses little. */
#define PLAN_AGG_GRID 2

int plan_agg_eval(const struct plan_query *q, const struct model_ctx *c,
		  const struct worker_shape *s, long replicas,
		  long max_num_tokens, long b, double n,
		  struct plan_config *out, struct sc_err *e)
{
	struct plan_config *o = out;
	*o = (struct plan_config){.mode = DEPLOY_AGG, .replicas = replicas};
	o->w[0] = (struct worker_spec){.role = ROLE_AGG,
				       .count = replicas,
				       .shape = *s,
				       .max_batch = b,
				       .max_num_tokens = max_num_tokens,
				       .sched = sched_default(q->backend)};
	o->gpus = replicas * worker_gpus(s);
	o->concurrency = n;
	/* Screening (plan_finish_mode searches the configurations it reports
	 * again with the full projection). */
	struct perf_load ld = plan_probe_load(q, n);
	int rc = perf_agg_at(c, &o->w[0], replicas, &q->wl, &ld, &o->perf, e);
	if (rc != SC_OK)
		return rc;
	o->feasible = plan_meets_sla(&q->sla, &o->perf);
	return SC_OK;
}

struct agg_probe {
	const struct plan_query *q;
	const struct model_ctx *c;
	const struct worker_shape *s;
	long replicas, tokens, b;
};

static int agg_probe(const void *ctx, long n, struct plan_config *out,
		     struct sc_err *e)
{
	const struct agg_probe *a = ctx;
	return plan_agg_eval(a->q, a->c, a->s, a->replicas, a->tokens, a->b,
			     (double)n, out, e);
}

static int agg_operate(const struct plan_query *q, const struct model_ctx *c,
		       const struct worker_shape *s, long replicas,
		       long max_num_tokens, long b, long hint,
		       struct plan_config *out, long *evals, struct sc_err *e)
{
	struct agg_probe a = {q, c, s, replicas, max_num_tokens, b};
	return plan_max_concurrency(agg_probe, &a, replicas * b, hint,
				    q->sla.load_margin, out, evals, e);
}

int plan_agg_operate(const struct plan_query *q, const struct model_ctx *c,
		     const struct worker_shape *s, long replicas,
		     long max_num_tokens, long b, struct plan_config *out,
		     long *evals, struct sc_err *e)
{
	return agg_operate(q, c, s, replicas, max_num_tokens, b, 0, out, evals,
			   e);
}

/* Grid points in a row without a gain in concurrency after which larger
 * batch caps are taken to add only idle slots. */
#define PLAN_AGG_PLATEAU 1

/* One (shape, budget): walk the batch grid, each cap at the largest
 * concurrency meeting the SLAs. Stop at OOM, when one user alone misses the
 * TPOT SLA (more slots cannot help), or once the SLAs rather than the slots
 * hold the concurrency still (larger caps only add idle slots). */
static int agg_shape(const struct plan_query *q, const struct model_ctx *c,
		     const struct worker_shape *s, long budget, long max_fit,
		     struct plan_list *l, struct plan_mode_result *r,
		     struct sc_err *e)
{
	long replicas = q->total_gpus / worker_gpus(s);
	long grid[PLAN_GRID_MAX];
	size_t ng =
	    plan_batch_grid(max_fit, PLAN_AGG_GRID, grid, PLAN_GRID_MAX);
	struct plan_config cur;
	double best_n = 0;
	int flat = 0;
	for (size_t i = 0; i < ng && flat < PLAN_AGG_PLATEAU; i++) {
		/* the previous cap's concurrency is a close guess */
		int rc =
		    agg_operate(q, c, s, replicas, budget, grid[i],
				i ? (long)(best_n * grid[i] / grid[i - 1]) : 0,
				&cur, &r->evaluated, e);
		if (rc != SC_OK)
			return rc;
		if (cur.perf.oom)
			break;
		if (!cur.feasible) {
			plan_miss_offer(&r->miss, &q->sla, &cur);
			if (cur.perf.tpot_s > q->sla.tpot_s)
				break;
			continue; /* more slots add capacity: less waiting */
		}
		plan_list_push(l, &cur);
		if (cur.concurrency > best_n * 1.01) {
			best_n = cur.concurrency;
			flat = 0;
		} else {
			flat++;
		}
	}
	return SC_OK;
}

int plan_agg_search(const struct plan_query *q, struct plan_mode_result *r,
		    struct sc_err *e)
{
	struct model_ctx c;
	plan_ctx(q, &c);
	struct worker_shape shapes[PLAN_SPACE_MAX];
	long maxg = q->max_gpus_per_worker < q->total_gpus
			? q->max_gpus_per_worker
			: q->total_gpus;
	size_t ns = plan_shapes(&c, maxg, shapes, PLAN_SPACE_MAX);
	struct plan_list l = {0};
	bool any_fit = false;
	int rc = SC_OK;
	for (size_t i = 0; i < ns; i++)
		for (size_t k = 0; k < plan_agg_n_budgets; k++) {
			long budget = plan_agg_budgets[k];
			/* An engine that never splits a prompt refuses one
			 * longer than its token budget (TensorRT-LLM without
			 * chunked prefill): such a budget is not a config. */
			if (sched_default(q->backend).whole_prompts &&
			    (double)budget < q->wl.isl)
				continue;
			struct mem_plan mp;
			mem_plan_worker(&c, &shapes[i], (double)budget,
					q->wl.isl + q->wl.osl, &mp);
			if (mp.oom || mp.max_batch_fit < 1)
				continue;
			any_fit = true;
			long max_fit = mp.max_batch_fit < PLAN_MAX_BATCH
					   ? mp.max_batch_fit
					   : PLAN_MAX_BATCH;
			rc = agg_shape(q, &c, &shapes[i], budget, max_fit, &l,
				       r, e);
			if (rc != SC_OK)
				goto out;
		}
	if (!any_fit)
		r->miss.bind = PLAN_BIND_MEMORY;
	int frc; /* declared before the label: C11 puts no declaration there */
out:
	/* After an error the list is only handed over (no refinement, which
	 * is what can fail), and the first error is the one returned. */
	frc = plan_finish_mode(q, &l, r, rc == SC_OK, rc == SC_OK ? e : NULL);
	if (rc == SC_OK)
		rc = frc;
	return rc;
}
