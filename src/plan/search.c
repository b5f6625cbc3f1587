/* The search driver: runs the agg and disagg searches a query asks for and
 * explains a mode with no feasible configuration (plan/search.h). It sits
 * above plan_agg.c and plan_disagg.c, which use plan.c's shared pieces, so
 * no file of the layer calls back into one that calls it. */
#include "plan/search.h"

#include <stdio.h>
#include <string.h>

#include "plan/plan_agg.h"
#include "plan/plan_disagg.h"

/* The nearest miss in words, unless the search already said why. */
static void miss_explain(struct plan_mode_result *r, const struct plan_sla *sla)
{
	struct plan_miss *m = &r->miss;
	if (r->n || m->detail[0])
		return;
	if (!m->have_nearest) {
		if (m->bind == PLAN_BIND_NONE)
			m->bind = PLAN_BIND_MEMORY;
		snprintf(m->detail, sizeof m->detail,
			 "no worker shape fits memory within the GPU limits");
		return;
	}
	char name[160];
	plan_config_name(&m->nearest, name, sizeof name);
	const struct perf_point *pt = &m->nearest.perf;
	snprintf(m->detail, sizeof m->detail,
		 "%s binds: nearest miss %s reaches TTFT %.1f ms (SLA %.1f), "
		 "TPOT %.2f ms (SLA %.2f)",
		 m->bind == PLAN_BIND_TTFT ? "TTFT" : "TPOT", name,
		 pt->ttft_s * 1e3, sla->ttft_s * 1e3, pt->tpot_s * 1e3,
		 sla->tpot_s * 1e3);
}

int plan_search(const struct plan_query *query, struct plan_result *r,
		struct sc_err *e)
{
	memset(r, 0, sizeof *r);
	int rc = plan_query_check(query, e);
	if (rc != SC_OK)
		return rc;
	/* Thousands of simulations with the same few seeds: their
	 * per-request draws are made once for the whole search. */
	struct sim_draws draws;
	sim_draws_init(&draws);
	struct plan_query qd = *query;
	if (!qd.draws)
		qd.draws = &draws;
	const struct plan_query *q = &qd;
	if (q->do_agg && (rc = plan_agg_search(q, &r->agg, e)) != SC_OK)
		goto out;
	if (q->do_disagg &&
	    (rc = plan_disagg_search(q, &r->disagg, e)) != SC_OK)
		goto out;
	miss_explain(&r->agg, &q->sla);
	miss_explain(&r->disagg, &q->sla);
out:
	sim_draws_release(&draws);
	return rc;
}
