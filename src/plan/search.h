/* The configuration search a query asks for: agg, disagg or both, each
 * ranked with its Pareto front, or the nearest miss in words. */
#ifndef SC_PLAN_SEARCH_H
#define SC_PLAN_SEARCH_H
#include "plan/plan.h"

/* Runs the searches the query asks for into r (zeroed first; release with
 * plan_result_release). Returns SC_OK even when a mode has no feasible
 * config (see r->MODE.miss); SC_EINVAL for a bad query. */
int plan_search(const struct plan_query *q, struct plan_result *r,
		struct sc_err *e) SC_MUST_CHECK;

#endif
