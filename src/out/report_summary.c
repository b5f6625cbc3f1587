/* The report's summary and closure test (report_summary.h). A figure is
 * "measured" only when a benchmark of this campaign produced it; what the
 * model says is "projected", and a gain between a measured and an
 * unmeasured mode is projected too. */
#include "out/report_summary.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"

static const char *const mode_names[2] = {"agg", "disagg"};

const char *report_num(char *buf, size_t n, double v, int prec)
{
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.*f", prec, v);
	return buf;
}

const char *report_gpus(char *buf, size_t n, double gpus, double idle,
			long budget)
{
	if (!isfinite(gpus)) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (!isfinite(idle) && budget > 0)
		idle = (double)budget - gpus;
	if (budget <= 0)
		snprintf(buf, n, "%.0f", gpus);
	else if (idle > 0)
		snprintf(buf, n, "%.0f of %ld (%.0f idle)", gpus, budget, idle);
	else
		snprintf(buf, n, "%.0f of %ld", gpus, budget);
	return buf;
}

size_t report_slas(const struct campdir *c, double *out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_ttft_slas && n < cap; i++)
		out[n++] = c->ttft_slas_ms[i];
	for (size_t i = 0; i < c->n_matches && n < cap; i++) {
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |= fabs(out[k] - c->matches[i].ttft_sla_ms) < 1e-6;
		if (!seen)
			out[n++] = c->matches[i].ttft_sla_ms;
	}
	return n;
}

/* Whether any deployment of mode (0 agg, 1 disagg) has a good request. */
static bool mode_measured(const struct campdir *c, int mode)
{
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *d = &c->deploys[i];
		if (strcmp(campdir_deploy_mode(c, d), mode_names[mode]))
			continue;
		for (size_t k = 0; k < d->n_levels; k++)
			if (d->levels[k].req_ok > 0)
				return true;
	}
	return false;
}

struct measured_best {
	const struct campdir_deploy *d;
	const struct campdir_level *l;
};

/* The measured level of mode with the most tokens/s/gpu among those that
 * meet the SLAs of m (the campaign's when m is NULL) at sla. */
static struct measured_best best_level(const struct campdir *c, int mode,
				       double sla,
				       const struct campdir_match *m)
{
	struct measured_best b = {0};
	enum stat_sel ts = m ? m->ttft_stat : c->ttft_stat,
		      ps = m ? m->tpot_stat : c->tpot_stat;
	double tpot = m ? m->tpot_sla_ms : c->tpot_sla_ms;
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *d = &c->deploys[i];
		if (strcmp(campdir_deploy_mode(c, d), mode_names[mode]))
			continue;
		for (size_t k = 0; k < d->n_levels; k++) {
			const struct campdir_level *l = &d->levels[k];
			if (campdir_level_meets(l, sla, ts, tpot, ps) &&
			    (!b.l || l->tokens_per_s_per_gpu >
					 b.l->tokens_per_s_per_gpu)) {
				b.d = d;
				b.l = l;
			}
		}
	}
	return b;
}

/* The TTFT cell: at the statistic of the column (the campaign's), or with
 * its own statistic named when it differs. */
static void ttft_cell(char *buf, size_t n, const struct campdir *c, double v,
		      enum stat_sel s)
{
	char x[32];
	report_num(x, sizeof x, v, 0);
	if (s == c->ttft_stat || !isfinite(v))
		snprintf(buf, n, "%s", x);
	else
		snprintf(buf, n, "%s (%s)", x, statsel_name(s));
}

static void summary_rows(struct doc *d, const struct campdir *c, double sla,
			 const struct campdir_match *m)
{
	/* The limit with the statistic it applies to: "p90 \u2264 600 ms". */
	char slat[48];
	snprintf(slat, sizeof slat, "%s \u2264 %g ms",
		 statsel_name(m ? m->ttft_stat : c->ttft_stat), sla);
	for (int k = 0; k < 2; k++) {
		char fig[200], gp[64], a[32], b[32], t[48];
		const char *mode = mode_names[k];
		bool measured = mode_measured(c, k);
		if (!m || !m->best_present) {
			const char *r[] = {
			    slat, mode, "projected: no matching result",
			    "-",  "-",	"-",
			    "-",  "-"};
			doc_row(d, r);
		} else {
			const struct plan_file_config *cf =
			    k ? &m->best_disagg : &m->best_agg;
			snprintf(fig, sizeof fig, "projected (%s model)%s%s%s",
				 strcmp(m->source, "prior") ? m->source
							    : "prior",
				 measured ? "" : "; no ", measured ? "" : mode,
				 measured ? "" : " deployment measured");
			if (!cf->present) {
				char none[480];
				snprintf(none, sizeof none,
					 "none meets the SLAs%s%s%s",
					 cf->why[0] ? " (" : "", cf->why,
					 cf->why[0] ? ")" : "");
				const char *r[] = {slat, mode, fig, none,
						   "-",	 "-",  "-", "-"};
				doc_row(d, r);
			} else {
				ttft_cell(t, sizeof t, c,
					  isfinite(cf->ttft_at_stat_ms)
					      ? cf->ttft_at_stat_ms
					      : cf->ttft_ms,
					  isfinite(cf->ttft_at_stat_ms)
					      ? m->ttft_stat
					      : STAT_MEAN);
				const char *r[] = {
				    slat,
				    mode,
				    fig,
				    cf->config,
				    report_gpus(gp, sizeof gp, cf->gpus,
						cf->gpus_idle, m->total_gpus),
				    report_num(a, sizeof a,
					       cf->tokens_per_s_per_gpu, 1),
				    report_num(b, sizeof b,
					       cf->tokens_per_s_per_user, 1),
				    t};
				doc_row(d, r);
			}
			const struct verify_row *v = &m->verify.rows[k];
			if (m->verify.present && v->present && v->measured) {
				snprintf(fig, sizeof fig,
					 "measured by verify at c%.0f (%.0f%% "
					 "within the TTFT SLA)",
					 v->concurrency, 100 * v->attainment);
				ttft_cell(t, sizeof t, c, v->meas_ttft_ms,
					  v->ttft_stat);
				const char *r[] = {
				    slat,
				    mode,
				    fig,
				    v->config,
				    report_gpus(gp, sizeof gp, cf->gpus,
						cf->gpus_idle, m->total_gpus),
				    report_num(a, sizeof a, v->meas_tps_gpu, 1),
				    report_num(b, sizeof b,
					       m->tpot_stat == STAT_MEAN
						   ? 1000.0 / v->meas_tpot_ms
						   : NAN,
					       1),
				    t};
				doc_row(d, r);
			}
		}
		if (!measured)
			continue;
		struct measured_best mb = best_level(c, k, sla, m);
		if (!mb.l) {
			const char *r[] = {
			    slat, mode, "measured: no level meets the SLAs",
			    "-",  "-",	"-",
			    "-",  "-"};
			doc_row(d, r);
			continue;
		}
		enum stat_sel ts = m ? m->ttft_stat : c->ttft_stat;
		char cfg[CAMPDIR_NAME_MAX * 2 + 32];
		snprintf(fig, sizeof fig, "measured: %s at c%ld", mb.d->name,
			 mb.l->concurrency);
		bool spec =
		    mb.d->spec_name[0] && strcmp(mb.d->spec_name, mb.d->name);
		snprintf(cfg, sizeof cfg, "deployment %s%s%s%s", mb.d->name,
			 spec ? " (" : "", spec ? mb.d->spec_name : "",
			 spec ? ")" : "");
		ttft_cell(t, sizeof t, c, mb.l->ttft_ms.at[ts], ts);
		const char *r[] = {
		    slat,
		    mode,
		    fig,
		    cfg,
		    report_gpus(gp, sizeof gp,
				mb.l->gpus > 0 ? (double)mb.l->gpus : NAN, NAN,
				m ? m->total_gpus : c->total_gpus),
		    report_num(a, sizeof a, mb.l->tokens_per_s_per_gpu, 1),
		    report_num(b, sizeof b, mb.l->tokens_per_s_per_user, 1),
		    t};
		doc_row(d, r);
	}
}

/* The gain at one SLA in words that say where each side comes from. */
static void gain_item(struct doc *d, const struct campdir *c, double sla,
		      const struct campdir_match *m)
{
	char head[96], total[96] = "", basis[200] = "", ver[120] = "",
		       meas[400] = "";
	snprintf(head, sizeof head, "TTFT %s \u2264 %g ms",
		 statsel_name(m ? m->ttft_stat : c->ttft_stat), sla);
	if (!m || !m->best_present) {
		doc_li(d, "%s: no matching result", head);
		return;
	}
	bool ma = mode_measured(c, 0), md = mode_measured(c, 1);
	if (!ma && !md)
		snprintf(basis, sizeof basis,
			 "; neither mode was measured in this campaign");
	else if (!ma || !md)
		snprintf(basis, sizeof basis,
			 "; no %s deployment was measured in this campaign, "
			 "so that side is the model's extrapolation",
			 ma ? "disagg" : "agg");
	const struct verify_row *va = &m->verify.rows[0],
				*vd = &m->verify.rows[1];
	if (va->measured && vd->measured && va->meas_tps_gpu > 0)
		snprintf(ver, sizeof ver,
			 "; measured by verify: %.2fx (%.1f vs %.1f "
			 "tokens/s/gpu)",
			 vd->meas_tps_gpu / va->meas_tps_gpu, vd->meas_tps_gpu,
			 va->meas_tps_gpu);
	struct measured_best ba = best_level(c, 0, sla, m),
			     bd = best_level(c, 1, sla, m);
	if (ba.l && bd.l && ba.l->tokens_per_s_per_gpu > 0)
		snprintf(
		    meas, sizeof meas,
		    "; measured here, as benchmarked (not the recommended "
		    "configurations): %s at c%ld %.1f vs %s at c%ld %.1f "
		    "tokens/s/gpu, %.2fx",
		    bd.d->name, bd.l->concurrency, bd.l->tokens_per_s_per_gpu,
		    ba.d->name, ba.l->concurrency, ba.l->tokens_per_s_per_gpu,
		    bd.l->tokens_per_s_per_gpu / ba.l->tokens_per_s_per_gpu);
	const char *model =
	    strcmp(m->source, "prior") ? "the calibrated model" : "the priors";
	if (isfinite(m->disagg_over_agg)) {
		if (isfinite(m->disagg_over_agg_total))
			snprintf(total, sizeof total,
				 " (%.2fx in total tokens/s within the "
				 "budget)",
				 m->disagg_over_agg_total);
		doc_li(d,
		       "%s: disagg over agg %.2fx in tokens/s per GPU used%s, "
		       "projected by %s%s%s%s",
		       head, m->disagg_over_agg, total, model, basis, ver,
		       meas);
	} else if (m->best_agg.present || m->best_disagg.present) {
		doc_li(d, "%s: only %s meets the SLAs (projected by %s)%s%s",
		       head, m->best_agg.present ? "agg" : "disagg", model,
		       basis, meas);
	} else {
		doc_li(d,
		       "%s: no configuration meets the SLAs (projected by "
		       "%s)%s",
		       head, model, meas);
	}
}

static void fit_items(struct doc *d, const struct campdir *c)
{
	const struct calib_file *f = &c->fit;
	if (!f->present) {
		doc_li(d, "calibration: no fit.json, nothing calibrated");
		return;
	}
	char held[48] = "";
	if (isfinite(f->mape_out.v[OM_TTFT]))
		snprintf(held, sizeof held, ", %.1f%% held-out",
			 f->mape_out.v[OM_TTFT]);
	if (isfinite(f->mape_prior.v[OM_TTFT]) &&
	    isfinite(f->mape_in.v[OM_TTFT]))
		doc_li(d,
		       "calibration%s: TTFT mean error (MAPE) %.1f%% with the "
		       "priors, %.1f%% in-sample%s after the fit",
		       f->converged ? "" : " (NOT converged)",
		       f->mape_prior.v[OM_TTFT], f->mape_in.v[OM_TTFT], held);
}

void report_summary(struct doc *d, const struct campdir *c)
{
	doc_h(d, 2, "Summary");
	if (c->bench_only) {
		doc_p(d, NULL, NULL,
		      "A bench directory of one deployment (%s, %zu "
		      "levels): no SLAs, fit or matching to report; the "
		      "charts show its levels.",
		      c->deploys[0].name, c->deploys[0].n_levels);
		return;
	}
	const struct calib_file *f = &c->fit;
	if (f->present && !f->quality_ok)
		doc_p(d, "warn", "Warning: the fit step",
		      "%s: %s. The calibrated projections below rest on it.",
		      f->verdict[0] ? f->verdict : "failed its quality check",
		      f->reason[0] ? f->reason : "no reason given");
	double slas[CAMPDIR_MAX_SLAS * 2];
	size_t n = report_slas(c, slas, sizeof slas / sizeof *slas);
	char th[48];
	snprintf(th, sizeof th, "TTFT %s (ms)", statsel_name(c->ttft_stat));
	const char *cols[] = {"TTFT SLA",      "mode",	    "figure",
			      "configuration", "GPUs used", "tokens/s/gpu",
			      "tokens/s/user", th};
	if (n) {
		/* What the search ranked by, as its best.json says. */
		const char *obj = "";
		for (size_t i = 0; i < c->n_matches && !obj[0]; i++)
			obj = c->matches[i].objective;
		char ranked[160] = "";
		enum plan_objective o;
		if (obj[0] && !plan_objective_parse(obj, &o))
			snprintf(ranked, sizeof ranked, " (ranked by %s)",
				 plan_objective_desc(o));
		else if (obj[0])
			snprintf(ranked, sizeof ranked,
				 " (ranked by '%s', a ranking this servecal "
				 "does not know)",
				 obj);
		doc_p(d, NULL, "Winners per SLA.",
		      "Projected: what the model says the best configuration "
		      "of each mode does%s; measured: benchmarked (the best "
		      "level of this campaign's deployments that meets the "
		      "SLAs, or verify's run of the recommendation).",
		      ranked);
		doc_table(d, cols, 8, "rlllrrrr");
		for (size_t i = 0; i < n; i++) {
			const struct campdir_match *m =
			    campdir_find_match(c, "calibrated", slas[i]);
			summary_rows(
			    d, c, slas[i],
			    m ? m : campdir_find_match(c, "prior", slas[i]));
		}
		doc_table_end(d);
	}
	doc_list(d, true);
	for (size_t i = 0; i < n; i++) {
		const struct campdir_match *m =
		    campdir_find_match(c, "calibrated", slas[i]);
		gain_item(d, c, slas[i],
			  m ? m : campdir_find_match(c, "prior", slas[i]));
	}
	fit_items(d, c);
	size_t failed = 0, verified = 0, passed = 0;
	for (size_t i = 0; i < c->n_deploys; i++)
		failed += c->deploys[i].failed;
	for (size_t i = 0; i < c->n_matches; i++) {
		verified += c->matches[i].verify.present;
		passed +=
		    c->matches[i].verify.present && c->matches[i].verify.passed;
	}
	if (verified)
		doc_li(d,
		       "closure test (verify): %zu of %zu recommendation "
		       "sets met their SLAs when benchmarked",
		       passed, verified);
	if (failed)
		doc_li(d,
		       "%zu of %zu deployments failed (see below); the rest "
		       "are reported",
		       failed, c->n_deploys);
	doc_list(d, false);
}

void report_verify(struct doc *d, const struct campdir *c)
{
	size_t any = 0;
	for (size_t i = 0; i < c->n_matches; i++)
		any += c->matches[i].verify.present;
	if (!any)
		return;
	doc_h(d, 2, "Closure test: recommendations benchmarked");
	doc_p(d, NULL, NULL,
	      "servecal verify brought up each recommended deployment, "
	      "benchmarked it at its recommended concurrency and compared "
	      "with the projection.");
	const char *cols[] = {"match",	   "mode",	 "configuration",
			      "TTFT stat", "projected",	 "measured",
			      "SLA",	   "attainment", "tokens/s/gpu proj.",
			      "measured",  "verdict"};
	doc_table(d, cols, 11, "llllrrrrrrl");
	for (size_t i = 0; i < c->n_matches; i++) {
		const struct campdir_match *m = &c->matches[i];
		for (int k = 0; m->verify.present && k < 2; k++) {
			const struct verify_row *v = &m->verify.rows[k];
			if (!v->present)
				continue;
			char x[6][32], att[48], verdict[300];
			if (!v->measured)
				snprintf(verdict, sizeof verdict,
					 "!not measured: %s", v->error);
			else
				snprintf(verdict, sizeof verdict, "%s%s",
					 v->sla_met ? "meets its SLAs"
						    : "!MISSES its SLAs",
					 v->tps_within ? ""
						       : "; tokens/s/gpu "
							 "off the "
							 "projection");
			snprintf(
			    att, sizeof att, "%s%.0f%% (target %.0f%%)",
			    v->attainment < v->target_attainment ? "!" : "",
			    100 * v->attainment, 100 * v->target_attainment);
			const char *r[] = {
			    m->name,
			    mode_names[k],
			    v->config,
			    statsel_name(v->ttft_stat),
			    report_num(x[0], 32, v->proj_ttft_ms, 0),
			    report_num(x[1], 32, v->meas_ttft_ms, 0),
			    report_num(x[2], 32, v->sla_ttft_ms, 0),
			    v->measured ? att : "-",
			    report_num(x[3], 32, v->proj_tps_gpu, 1),
			    report_num(x[4], 32, v->meas_tps_gpu, 1),
			    verdict};
			doc_row(d, r);
		}
	}
	doc_table_end(d);
}
