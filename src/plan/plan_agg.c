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
#define PLAN_GRID_MAX 128

int plan_agg_eval(const struct plan_query *q, const struct model_ctx *c,
		  const struct worker_shape *s, long replicas,
		  long max_num_tokens, long b, struct plan_config *out,
		  struct sc_err *e)
{
	struct plan_config *o = out;
	*o = (struct plan_config){.mode = DEPLOY_AGG, .replicas = replicas};
	o->w[0] = (struct worker_spec){.role = ROLE_AGG,
				       .count = replicas,
				       .shape = *s,
				       .max_batch = b,
				       .max_num_tokens = max_num_tokens};
	o->gpus = replicas * worker_gpus(s);
	o->concurrency = (double)(replicas * b);
	int rc = perf_agg(c, &o->w[0], replicas, &q->wl, o->concurrency,
			  &o->perf, e);
	if (rc != SC_OK)
		return rc;
	o->feasible = plan_meets_sla(&q->sla, &o->perf);
	return SC_OK;
}

long plan_agg_largest_batch(const struct plan_query *q,
			    const struct model_ctx *c,
			    const struct worker_shape *s, long replicas,
			    long max_num_tokens, long max_b,
			    struct plan_config *out, long *evals)
{
	struct plan_config cur, best;
	long lo = 0, hi = max_b + 1; /* lo feasible (or 0), hi infeasible */
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		if (plan_agg_eval(q, c, s, replicas, max_num_tokens, mid, &cur,
				  NULL) != SC_OK)
			return 0;
		(*evals)++;
		if (cur.feasible) {
			lo = mid;
			best = cur;
		} else {
			hi = mid;
		}
	}
	if (lo > 0 && out)
		*out = best;
	return lo;
}

/* One (shape, budget): walk the batch grid while TPOT holds (TPOT only grows
 * with the batch), keep every feasible point, then pin the exact largest
 * feasible batch between the last feasible and first infeasible grid point. */
static int agg_shape(const struct plan_query *q, const struct model_ctx *c,
		     const struct worker_shape *s, long budget,
		     long max_fit, struct plan_list *l, struct plan_mode_result *r,
		     struct sc_err *e)
{
	long replicas = q->total_gpus / worker_gpus(s);
	long grid[PLAN_GRID_MAX];
	size_t ng = plan_batch_grid(max_fit, grid, PLAN_GRID_MAX);
	long last_ok = 0, first_bad = 0;
	struct plan_config cur;
	for (size_t i = 0; i < ng; i++) {
		int rc = plan_agg_eval(q, c, s, replicas, budget, grid[i], &cur,
				       e);
		if (rc != SC_OK)
			return rc;
		r->evaluated++;
		if (cur.perf.oom)
			break;
		if (cur.feasible) {
			plan_list_push(l, &cur);
			last_ok = grid[i];
			first_bad = 0;
			continue;
		}
		plan_miss_offer(&r->miss, &q->sla, &cur);
		if (!first_bad)
			first_bad = grid[i];
		if (cur.perf.tpot_s > q->sla.tpot_s)
			break;
	}
	if (last_ok && first_bad == 0 && last_ok < max_fit)
		first_bad = max_fit + 1; /* stopped by OOM past last_ok */
	if (last_ok && first_bad > last_ok + 1) {
		/* exact boundary between the two grid points */
		long lo = last_ok, hi = first_bad;
		struct plan_config edge;
		bool have = false;
		while (hi - lo > 1) {
			long mid = lo + (hi - lo) / 2;
			int rc = plan_agg_eval(q, c, s, replicas, budget, mid,
					       &cur, e);
			if (rc != SC_OK)
				return rc;
			r->evaluated++;
			if (cur.feasible) {
				lo = mid;
				edge = cur;
				have = true;
			} else {
				hi = mid;
			}
		}
		if (have)
			plan_list_push(l, &edge);
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
out:
	plan_finish_mode(&l, r);
	return rc;
}
