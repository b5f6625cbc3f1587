/* The text table `servecal match` prints: the query in one paragraph, the
 * best config of each mode, the disagg/agg gain, the top configs and the
 * size of each Pareto front. */
#include "out/match_table.h"

#include "util/statsel.h"

static void print_row(FILE *f, const struct plan_query *q, const char *label,
		      const struct plan_config *c)
{
	char name[256], gpus[32];
	plan_config_name(c, name, sizeof name);
	snprintf(gpus, sizeof gpus, "%ld/%ld", c->gpus, q->total_gpus);
	const struct perf_point *p = &c->perf;
	fprintf(f, "%-7s %-44s %6s %9.1f %9.0f %8.1f %9.1f %8.2f %7.3f %6.0f\n",
		label, name, gpus, p->tokens_per_s_per_gpu, p->tokens_per_s,
		p->tokens_per_s_per_user,
		perf_ttft_at(p, q->sla.ttft_stat) * 1e3,
		perf_tpot_at(p, q->sla.tpot_stat) * 1e3, p->req_per_s,
		c->concurrency);
}

static void print_header(FILE *f, const struct plan_query *q)
{
	char ttft[24], tpot[24];
	snprintf(ttft, sizeof ttft, "TTFT %s", statsel_name(q->sla.ttft_stat));
	snprintf(tpot, sizeof tpot, "TPOT %s", statsel_name(q->sla.tpot_stat));
	fprintf(f, "%-7s %-44s %6s %9s %9s %8s %9s %8s %7s %6s\n", "mode",
		"config", "GPUs", "tok/s/gpu", "tok/s", "tok/s/u", ttft, tpot,
		"req/s", "conc");
	fprintf(f, "%-7s %-44s %6s %9s %9s %8s %9s %8s %7s %6s\n", "", "",
		"used", "", "total", "", "ms", "ms", "", "");
}

static void print_mode(FILE *f, const struct plan_query *q, const char *label,
		       const struct plan_mode_result *r, bool asked)
{
	if (!asked)
		return;
	if (r->n)
		print_row(f, q, label, &r->cfg[0]);
	else
		fprintf(f, "%-7s none meets the SLAs (%s): %s\n", label,
			plan_bind_name(r->miss.bind), r->miss.detail);
}

static void print_top(FILE *f, const struct plan_query *q, const char *label,
		      const struct plan_mode_result *r, long top)
{
	if (!r->n || top <= 0)
		return;
	fprintf(f, "\ntop %ld %s of %zu feasible (%ld model evaluations",
		top < (long)r->n ? top : (long)r->n, label, r->n, r->evaluated);
	if (r->matched)
		fprintf(f, ", %ld prefill x decode pairs matched", r->matched);
	fprintf(f, "):\n");
	print_header(f, q);
	for (size_t i = 0; i < r->n && (long)i < top; i++)
		print_row(f, q, label, &r->cfg[i]);
	fprintf(f, "Pareto front (tokens/s/user vs tokens/s/gpu): %zu points\n",
		r->n_front);
}

void match_table_write(FILE *f, const struct plan_query *q,
		       const struct plan_result *r, long top, const char *pfrom,
		       double ms)
{
	fprintf(f,
		"%s on %s, %s weights, %s KV; ISL %.0f, OSL %.0f; TTFT %s <= "
		"%.1f ms "
		"with a margin of %g prompt(s) and %.0f%% more users, TPOT %s "
		"<= %.2f ms (%.1f tokens/s/user); budget %ld GPUs; "
		"ranked by %s; params: %s\n\n",
		q->m->name, q->g->name, dtype_name(q->wdtype),
		dtype_name(q->kvdtype), q->wl.isl, q->wl.osl,
		statsel_name(q->sla.ttft_stat), q->sla.ttft_s * 1e3,
		q->sla.ttft_margin_prompts, 100 * q->sla.load_margin,
		statsel_name(q->sla.tpot_stat), q->sla.tpot_s * 1e3,
		1.0 / q->sla.tpot_s, q->total_gpus,
		plan_objective_desc(q->objective), pfrom);
	print_header(f, q);
	print_mode(f, q, "agg", &r->agg, q->do_agg);
	print_mode(f, q, "disagg", &r->disagg, q->do_disagg);
	for (int k = 0; k < 2; k++) {
		const struct plan_mode_result *m = k ? &r->disagg : &r->agg;
		if (m->n && m->cfg[0].gpus < q->total_gpus)
			fprintf(f,
				"%s: uses %ld of the %ld GPUs; %ld stay idle\n",
				k ? "disagg" : "agg", m->cfg[0].gpus,
				q->total_gpus, q->total_gpus - m->cfg[0].gpus);
	}
	if (r->agg.n && r->disagg.n) {
		const struct perf_point *a = &r->agg.cfg[0].perf;
		const struct perf_point *d = &r->disagg.cfg[0].perf;
		fprintf(f,
			"\ndisagg/agg: %.2fx tokens/s per GPU used, %.2fx "
			"tokens/s in all "
			"(%.0f vs %.0f); ranked by %s\n",
			d->tokens_per_s_per_gpu / a->tokens_per_s_per_gpu,
			d->tokens_per_s / a->tokens_per_s, d->tokens_per_s,
			a->tokens_per_s, plan_objective_desc(q->objective));
	}
	print_top(f, q, "agg", &r->agg, top);
	print_top(f, q, "disagg", &r->disagg, top);
	fprintf(f, "\nsearch took %.1f ms\n", ms);
}
