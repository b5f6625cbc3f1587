/* The plan of a campaign's steps with the time each is expected to take,
 * from the model with prior parameters, before any has been measured. */
#include "camp/runner_plan.h"

#include <math.h>
#include <stdio.h>

#include "camp/runner_step.h"
#include "model/perf.h"

/* What the plan expects of the steps that are not benches and of starting
 * the built-in emulator, before any has been measured (then the measured
 * ones take over, camp/eta.h). Measured on a shared 2-core machine (load
 * about 8; `campaign status` lists them) with the test campaigns
 * tests/fixtures/e2e-campaign/progress.json (3 points, no bootstrap: fit
 * 2 s; 9 charts: plot 1 s, report 2 s) and e2e.json (14 points, 20
 * bootstrap rounds: fit 72 s; 13 charts: plot 7 s, report 7 s), each match
 * 1-3 s, perf database and emulator start under 1 s. The fit refits once
 * per bootstrap round over every point. A launched server, Slurm job or
 * Kubernetes deployment is planned at its ready timeout: the longest it
 * may take. */
#define PLAN_FIT_BASE_S	       1.0
#define PLAN_FIT_POINT_ROUND_S 0.25
#define PLAN_MATCH_S	       2.0
#define PLAN_CHART_S	       0.4
#define PLAN_EMULATOR_S	       1.0

/* Seconds to bring d's target up, before any start was measured. */
static double plan_start_s(const struct campaign_deploy *d)
{
	if (d->launched)
		return d->launch.ready_timeout_s;
	if (d->on_slurm)
		return d->slurm.ready_timeout_s;
	if (d->on_k8s)
		return d->k8s.ready_timeout_s;
	return d->emulate ? PLAN_EMULATOR_S : 0;
}

void runner_plan(struct runner *r)
{
	const struct campaign *c = r->c;
	char step[200];
	eta_init(&r->eta);
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campaign_deploy *d = &c->deploys[i];
		snprintf(step, sizeof step, "bench:%s", d->name);
		eta_add_step(&r->eta, step);
		eta_add_piece(&r->eta, ETA_START, plan_start_s(d));
		for (size_t k = 0; k < c->n_levels; k++)
			eta_add_piece(&r->eta, ETA_LEVEL,
				      runner_level_expected_s(c, &d->spec, k));
	}
	eta_add_step(&r->eta, "fit");
	eta_add_piece(&r->eta, ETA_FIT,
		      PLAN_FIT_BASE_S +
			  PLAN_FIT_POINT_ROUND_S * (double)(c->bootstrap + 1) *
			      (double)(c->n_deploys * c->n_levels));
	for (size_t k = 0; k < c->n_slas; k++)
		for (int cal = 1; cal >= 0; cal--) {
			char name[160];
			campaign_match_name(cal ? "calibrated" : "prior",
					    &c->slas[k], name, sizeof name);
			snprintf(step, sizeof step, "match:%s", name);
			eta_add_step(&r->eta, step);
			eta_add_piece(&r->eta, ETA_MATCH, PLAN_MATCH_S);
		}
	/* Charts: a Pareto chart per match, TTFT and TPOT per deployment,
	 * about five alignment charts. */
	double charts = (double)(2 * c->n_slas + 2 * c->n_deploys + 5);
	static const char *const tools[] = {"plot", "report", "db"};
	for (size_t k = 0; k < 3; k++) {
		eta_add_step(&r->eta, tools[k]);
		eta_add_piece(&r->eta, k < 2 ? ETA_RENDER : ETA_MATCH,
			      k < 2 ? PLAN_CHART_S * charts : 0);
	}
	for (size_t i = 0; i < r->eta.n_steps; i++)
		if (runner_step_done(r, r->eta.steps[i].name))
			eta_step_done(&r->eta, i);
	r->cur_step = r->eta.n_steps;
}

double runner_level_expected_s(const struct campaign *c,
			       const struct deploy_spec *d, size_t k)
{
	struct model_params p;
	params_default(&p);
	struct perf_workload wl = {(double)c->isl, (double)c->osl};
	double n = (double)c->levels[k];
	struct perf_point pt;
	if (k >= c->n_levels || perf_deploy(d, &p, &wl, n, &pt, NULL))
		return 0;
	double warm = c->warmup >= 0 ? (double)c->warmup : n;
	if (c->requests_per_level > 0)
		return ceil(((double)c->requests_per_level + warm) / n) *
		       pt.e2e_s;
	return c->duration_per_level_s + pt.e2e_s;
}

double runner_expected_s(const struct campaign *c, const struct deploy_spec *d)
{
	double total = 0;
	for (size_t i = 0; i < c->n_levels; i++)
		total += runner_level_expected_s(c, d, i);
	return total;
}
