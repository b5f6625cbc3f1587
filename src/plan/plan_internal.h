/* Pieces the agg and disagg searches share: a growing list of configs,
 * feasibility against the SLAs, and nearest-miss bookkeeping. */
#ifndef SC_PLAN_INTERNAL_H
#define SC_PLAN_INTERNAL_H
#include "plan/plan.h"

struct plan_list {
	struct plan_config *v;
	size_t n, cap;
};

void plan_list_push(struct plan_list *l, const struct plan_config *c);

/* TTFT and TPOT within the SLAs (inclusive) and no OOM. */
bool plan_meets_sla(const struct plan_sla *sla, const struct perf_point *pt);

/* max(TTFT / SLA, TPOT / SLA): <= 1 means feasible. */
double plan_violation(const struct plan_sla *sla, const struct perf_point *pt);

/* Keeps c as the nearest miss when it violates less than the one held. */
void plan_miss_offer(struct plan_miss *m, const struct plan_sla *sla,
		     const struct plan_config *c);

/* Hands the list to r: ranked, duplicates dropped, then when `refine`
 * (and the search screened) the best PLAN_REFINE_TOP configurations, and
 * further ones (up to PLAN_REFINE_MAX in all) while their screening beats
 * the best of those or none of those is feasible, searched
 * again with the full projection from the concurrency the
 * screening found (so their concurrency and figures are the full
 * projection's; one that meets the SLAs at no concurrency leaves) and
 * ranked again, then the Pareto front. SC_OK, or the status of a failed
 * projection. */
#define PLAN_REFINE_TOP 5 /* match's default --top: the rows it prints */
#define PLAN_REFINE_MAX 48
int plan_finish_mode(const struct plan_query *q, struct plan_list *l,
		     struct plan_mode_result *r, bool refine,
		     struct sc_err *e) SC_MUST_CHECK;

/* The load a search probe projects at n users: the screening's (one
 * simulated run of PLAN_SCREEN_ROUNDS rounds) unless q->exhaustive. */
#define PLAN_SCREEN_ROUNDS 4
struct perf_load plan_probe_load(const struct plan_query *q, double n);

/* Evaluates a deployment at closed-loop concurrency n into out (feasibility
 * included). */
typedef int (*plan_probe_fn)(const void *ctx, long n, struct plan_config *out,
			     struct sc_err *e);

/* Largest n in [1, n_max] whose probe at n * (1 + margin) users (to the
 * nearest; margin 0: at n) is feasible, assuming feasibility only falls as n
 * grows: gallops from hint (a guess such as the answer for a neighbouring
 * config; <= 0 for none), then bisects. out gets the config projected at
 * that n, or at n = 1 when none is feasible. *evals counts probes. */
int plan_max_concurrency(plan_probe_fn probe, const void *ctx, long n_max,
			 long hint, double margin, struct plan_config *out,
			 long *evals, struct sc_err *e) SC_MUST_CHECK;
/* The same from a hint taken to be within a user or two of the answer:
 * the gallop starts with steps of one user. */
int plan_max_concurrency_near(plan_probe_fn probe, const void *ctx, long n_max,
			      long hint, double margin, struct plan_config *out,
			      long *evals, struct sc_err *e) SC_MUST_CHECK;

/* Token budgets (max_num_tokens) the agg search tries. */
extern const long plan_agg_budgets[];
extern const size_t plan_agg_n_budgets;

#endif
