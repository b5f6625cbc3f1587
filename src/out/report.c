/* Report writer. One walk over the campaign emits Markdown and HTML side by
 * side through out/doc.h. The order serves a reader in a hurry: the answers
 * (out/report_summary.c), then the charts, then the tables behind them,
 * the longest collapsed. */
#include "out/report.h"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/doc.h"
#include "out/gnuplot.h"
#include "out/markup.h"
#include "out/report_summary.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/textbuf.h"
#include "util/xalloc.h"

/* A parameter correlation at least this strong is flagged: the data cannot
 * tell the two parameters apart well. */
#define REPORT_STRONG_CORR 0.8
/* Alignment errors beyond this (percent) are flagged in the table. */
#define REPORT_ERR_FLAG_PCT 10.0

/* Every chart of kind (and key, when key is non-NULL). */
static void doc_figures(struct doc *d, const struct plot_set *ps,
			enum plot_kind kind, const char *key)
{
	for (size_t i = 0; ps && i < ps->n; i++)
		if (ps->charts[i].kind == kind &&
		    (!key || !strcmp(ps->charts[i].key, key)))
			doc_figure(d, ps, &ps->charts[i]);
}

/* ---- number formatting ---- */

/* Signed percent error of got against want, "!"-flagged past the limit. */
static const char *pct_err(char *buf, size_t n, double got, double want)
{
	if (!isfinite(got) || !isfinite(want) || want == 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	double p = (got / want - 1.0) * 100.0;
	snprintf(buf, n, "%s%+.1f%%", fabs(p) > REPORT_ERR_FLAG_PCT ? "!" : "",
		 p);
	return buf;
}

/* ---- sections ---- */

static void sec_campaign(struct doc *d, const struct campdir *c)
{
	char buf[512], v[64];
	doc_h(d, 2, "Campaign");
	const char *cols[] = {"item", "value"};
	doc_table(d, cols, 2, "ll");
	const char *r0[] = {"name", c->name};
	doc_row(d, r0);
	const char *r1[] = {"directory", c->dir};
	doc_row(d, r1);
	snprintf(buf, sizeof buf, "ISL %ld / OSL %ld tokens", c->isl, c->osl);
	const char *r2[] = {"workload", buf};
	doc_row(d, r2);
	char sl[256] = "";
	for (size_t i = 0; i < c->n_ttft_slas; i++)
		snprintf(sl + strlen(sl), sizeof sl - strlen(sl), "%s%g ms",
			 i ? ", " : "", c->ttft_slas_ms[i]);
	if (sl[0])
		snprintf(sl + strlen(sl), sizeof sl - strlen(sl), " at %s",
			 statsel_name(c->ttft_stat));
	const char *r3[] = {"TTFT SLAs", sl[0] ? sl : "-"};
	doc_row(d, r3);
	if (isfinite(c->tpot_sla_ms))
		snprintf(buf, sizeof buf,
			 "TPOT %s \u2264 %s ms (\u2265 %.1f tokens/s/user)",
			 statsel_name(c->tpot_stat),
			 report_num(v, sizeof v, c->tpot_sla_ms, 2),
			 c->min_tokens_per_s_user);
	else
		snprintf(buf, sizeof buf, "-");
	const char *r4[] = {"TPOT SLA", buf};
	doc_row(d, r4);
	snprintf(v, sizeof v, "%ld", c->total_gpus);
	const char *r5[] = {"GPU budget", v};
	doc_row(d, r5);
	buf[0] = '\0';
	for (size_t i = 0; i < c->n_deploys; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s",
			 i ? ", " : "", c->deploys[i].name);
	const char *r6[] = {"deployments", buf};
	doc_row(d, r6);
	doc_table_end(d);
	if (c->n_steps) {
		doc_p(d, NULL, "Steps (manifest.json):", "%s", "");
		doc_list(d, true);
		for (size_t i = 0; i < c->n_steps; i++) {
			/* The fit's own quality verdict marks its step. */
			bool warn = !strcmp(c->steps[i].key, "fit") &&
				    c->fit.present && !c->fit.quality_ok;
			doc_li(d, "%s: %s%s%s%s%s%s", c->steps[i].key,
			       c->steps[i].value,
			       c->steps[i].note[0] ? " (" : "",
			       c->steps[i].note, c->steps[i].note[0] ? ")" : "",
			       warn ? ", WARNING: " : "",
			       warn ? c->fit.verdict : "");
		}
		doc_list(d, false);
	}
}

static void sec_env(struct doc *d, const struct campdir *c)
{
	doc_h(d, 2, "Environment and versions");
	if (!c->n_env) {
		doc_p(d, "warn", "Missing:",
		      "env.json (environment and versions not recorded)");
		return;
	}
	const char *cols[] = {"item", "value"};
	doc_table(d, cols, 2, "ll");
	for (size_t i = 0; i < c->n_env; i++) {
		const char *r[] = {c->env[i].key, c->env[i].value};
		doc_row(d, r);
	}
	doc_table_end(d);
}

static void sec_missing(struct doc *d, const struct campdir *c)
{
	size_t failed = 0;
	for (size_t i = 0; i < c->n_deploys; i++)
		failed += c->deploys[i].failed || c->deploys[i].note[0];
	if (!c->n_notes && !failed)
		return;
	doc_h(d, 2, "Missing or failed");
	doc_list(d, true);
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *dp = &c->deploys[i];
		if (dp->failed)
			doc_li(d,
			       "deployment %s: FAILED (%s%s%s%s%s); the other "
			       "deployments are reported",
			       dp->name,
			       !strcmp(dp->status, "failed")
				   ? "benchmark step failed"
				   : "no successful request",
			       dp->step_note[0] ? ": " : "", dp->step_note,
			       dp->note[0] ? "; " : "", dp->note);
		else if (dp->note[0])
			doc_li(d, "deployment %s: incomplete: %s", dp->name,
			       dp->note);
	}
	for (size_t i = 0; i < c->n_notes; i++)
		doc_li(d, "%s", c->notes[i]);
	doc_list(d, false);
}

/* "TTFT p90 <= 200 ms, TPOT mean <= 10 ms": the limits of sla. */
static void sla_text(char *buf, size_t n, const struct sla *sla)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int m = 0; m < SLA_METRIC_COUNT && used < n; m++) {
		if (!(sla->limit_ms[m] > 0))
			continue;
		char name[8];
		snprintf(name, sizeof name, "%s", summary_sla_metric_name(m));
		for (char *p = name; *p; p++)
			*p = (char)(*p - 'a' + 'A');
		used += (size_t)snprintf(
		    buf + used, n - used, "%s%s %s \u2264 %.4g ms",
		    used ? ", " : "", name, statsel_name(sla->stat[m]),
		    sla->limit_ms[m]);
	}
}

/* "97% (TTFT 97%, TPOT 100%)": the share meeting all limits of the level's
 * SLA, then each limit's; "-" without an SLA. */
static void attainment_text(char *buf, size_t n, const struct campdir_level *l)
{
	if (!isfinite(l->attainment_all)) {
		snprintf(buf, n, "-");
		return;
	}
	size_t used =
	    (size_t)snprintf(buf, n, "%.0f%%", 100 * l->attainment_all);
	const char *sep = " (";
	for (int m = 0; m < SLA_METRIC_COUNT && used < n; m++) {
		if (!isfinite(l->attainment[m]))
			continue;
		used += (size_t)snprintf(buf + used, n - used, "%s%s %.0f%%",
					 sep, summary_sla_metric_name(m),
					 100 * l->attainment[m]);
		sep = ", ";
	}
	if (strcmp(sep, " (") && used < n)
		snprintf(buf + used, n - used, ")");
}

static void sec_deploy(struct doc *d, const struct campdir *c,
		       const struct campdir_deploy *dp)
{
	char t[256];
	snprintf(t, sizeof t, "%s (%s)", dp->name,
		 dp->mode[0] ? dp->mode : "mode unknown");
	doc_h(d, 3, t);
	if (dp->failed) {
		char reasons[512] = "";
		for (size_t i = 0; i < dp->n_levels; i++)
			if (dp->levels[i].reasons[0])
				snprintf(reasons + strlen(reasons),
					 sizeof reasons - strlen(reasons),
					 "%sc%ld: %s", reasons[0] ? "; " : "",
					 dp->levels[i].concurrency,
					 dp->levels[i].reasons);
		doc_p(d, "fail", "FAILED:", "benchmark step %s%s%s%s%s%s%s",
		      dp->status[0] ? dp->status : "has no successful request",
		      dp->step_note[0] ? ": " : "", dp->step_note,
		      dp->note[0] ? "; " : "", dp->note,
		      reasons[0] ? "; failures by reason: " : "", reasons);
	} else if (dp->note[0]) {
		doc_p(d, "warn", "Incomplete:", "%s", dp->note);
	}
	if (!dp->n_levels)
		return;
	char sum[CAMPDIR_NAME_MAX + 64];
	snprintf(sum, sizeof sum, "%s: %zu measured level%s", dp->name,
		 dp->n_levels, dp->n_levels == 1 ? "" : "s");
	doc_details(d, sum);
	/* The bench's own SLA (the campaign's first): attainment and goodput
	 * come from each level's summary.json. */
	char sla[256] = "";
	for (size_t i = 0; i < dp->n_levels && !sla[0]; i++)
		sla_text(sla, sizeof sla, &dp->levels[i].sla);
	if (sla[0])
		doc_p(d, NULL, NULL,
		      "Attainment: the share of each level's requests meeting "
		      "%s (each limit per request; a failed request meets "
		      "none); goodput: requests meeting all of them per second "
		      "of the steady window, and their output tokens/s. "
		      "\"Meets\": the level's statistic within each SLA of the "
		      "campaign.",
		      sla);
	/* One verdict per campaign SLA, at its statistics. */
	char meets_h[256] = "meets";
	for (size_t k = 0; k < c->n_slas; k++)
		snprintf(
		    meets_h + strlen(meets_h), sizeof meets_h - strlen(meets_h),
		    "%s TTFT %s \u2264 %g ms", k ? "," : "",
		    statsel_name(c->slas[k].ttft_stat), c->slas[k].ttft_ms);
	const char *cols[] = {
	    "concurrency",	"requests ok",	  "failed",
	    "TTFT p50 (ms)",	"TTFT p90 (ms)",  "TPOT p50 (ms)",
	    "TPOT p90 (ms)",	"tokens/s",	  "tokens/s/gpu",
	    "tokens/s/user",	"SLA attainment", "goodput (req/s)",
	    "goodput tokens/s", meets_h};
	size_t ncols = c->n_slas ? 14 : 13;
	doc_table(d, cols, ncols, "rrrrrrrrrrrrrl");
	for (size_t i = 0; i < dp->n_levels; i++) {
		const struct campdir_level *l = &dp->levels[i];
		char b[14][128];
		snprintf(b[0], 128, "%ld", l->concurrency);
		snprintf(b[1], 128, "%ld", l->req_ok);
		snprintf(b[2], 128, "%s%ld", l->req_failed ? "!" : "",
			 l->req_failed);
		report_num(b[3], 128, l->ttft_ms.at[STAT_P50], 1);
		report_num(b[4], 128, l->ttft_ms.at[STAT_P90], 1);
		report_num(b[5], 128, l->tpot_ms.at[STAT_P50], 2);
		report_num(b[6], 128, l->tpot_ms.at[STAT_P90], 2);
		/* No good request, no throughput (a 0 would read as measured).
		 */
		bool ok = l->req_ok > 0;
		report_num(b[7], 128, ok ? l->tokens_per_s : NAN, 1);
		report_num(b[8], 128, ok ? l->tokens_per_s_per_gpu : NAN, 1);
		report_num(b[9], 128, ok ? l->tokens_per_s_per_user : NAN, 1);
		attainment_text(b[10], 128, l);
		report_num(b[11], 128, l->goodput_req_per_s, 2);
		report_num(b[12], 128, l->goodput_tokens_per_s, 1);
		b[13][0] = '\0';
		bool missed = false;
		for (size_t k = 0; k < c->n_slas; k++) {
			const struct campaign_sla *s = &c->slas[k];
			double tpot = s->tpot_ms > 0 ? s->tpot_ms
				      : s->min_tokens_per_s_user > 0
					  ? 1000.0 / s->min_tokens_per_s_user
					  : NAN;
			bool met = campdir_level_meets(
			    l, s->ttft_ms, s->ttft_stat, tpot, s->tpot_stat);
			missed |= !met;
			snprintf(b[13] + strlen(b[13]), 128 - strlen(b[13]),
				 "%s%s", k ? ", " : "", met ? "yes" : "no");
		}
		if (missed) { /* flagged */
			memmove(b[13] + 1, b[13], strlen(b[13]) + 1);
			b[13][0] = '!';
		}
		const char *r[14];
		for (int k = 0; k < 14; k++)
			r[k] = b[k];
		doc_row(d, r);
	}
	doc_table_end(d);
	doc_details_end(d);
}

static void sec_measurements(struct doc *d, const struct campdir *c)
{
	doc_h(d, 2, "Measurements");
	if (!c->n_deploys)
		doc_p(d, "warn",
		      "Missing:", "the campaign lists no deployment");
	for (size_t i = 0; i < c->n_deploys; i++)
		sec_deploy(d, c, &c->deploys[i]);
}

static void sec_fit(struct doc *d, const struct campdir *c)
{
	const struct calib_file *f = &c->fit;
	char a[64], b[64], v[64];
	doc_h(d, 2, "Fit");
	if (!f->present) {
		doc_p(d, "warn", "Missing:",
		      "fit.json: no calibrated parameters (the fit did not run "
		      "or failed); projections below use the priors only where "
		      "present");
		return;
	}
	doc_p(d, f->converged ? "ok" : "fail",
	      f->converged ? "Converged:" : "NOT converged:",
	      "%s; %ld iterations; chi2 %s over %s degrees of freedom, "
	      "chi2/dof %s; model %s on %s (%s); held out: %s",
	      f->status[0] ? f->status : "no status", f->iterations,
	      report_num(a, sizeof a, f->chi2, 2),
	      report_num(b, sizeof b, f->dof, 0),
	      report_num(v, sizeof v, f->chi2_dof, 3),
	      f->model[0] ? f->model : "-", f->gpu[0] ? f->gpu : "-",
	      f->backend[0] ? f->backend : "-",
	      f->holdout[0] ? f->holdout : "-");
	if (!f->quality_ok)
		doc_p(d, "warn", "Quality check failed:", "%s: %s",
		      f->verdict[0] ? f->verdict : "-",
		      f->reason[0] ? f->reason : "no reason given");
	else if (f->reason[0])
		doc_p(d, "ok", "Quality check passed:", "%s", f->reason);
	/* Bold sigma means exactly what fit.json's not_identifiable list
	 * says, so the table and the list below cannot disagree. */
	const char *cols[] = {"parameter", "value",	  "sigma",
			      "unit",	   "prior",	  "change vs prior",
			      "fitted",	   "identifiable"};
	doc_table(d, cols, 8, "lrrlrrll");
	for (size_t i = 0; i < f->n_params; i++) {
		const struct calib_file_param *p = &f->params[i];
		char val[48], sig[48], pri[48], chg[48];
		snprintf(val, sizeof val, "%.4g", p->value);
		if (!p->free)
			snprintf(sig, sizeof sig, "-");
		else if (isfinite(p->sigma) && isfinite(p->value) &&
			 p->value != 0)
			snprintf(sig, sizeof sig, "%s%.2g (%.0f%%)",
				 p->identifiable ? "" : "!", p->sigma,
				 fabs(p->sigma / p->value) * 100.0);
		else
			report_num(sig, sizeof sig, p->sigma, 3);
		snprintf(pri, sizeof pri, "%.4g", p->prior);
		if (isfinite(p->prior) && p->prior != 0 && isfinite(p->value))
			snprintf(chg, sizeof chg, "%+.1f%%",
				 (p->value / p->prior - 1.0) * 100.0);
		else
			snprintf(chg, sizeof chg, "-");
		const char *r[] = {p->name,
				   val,
				   sig,
				   p->unit[0] ? p->unit : "-",
				   pri,
				   chg,
				   p->free ? "yes" : "fixed",
				   !p->free	     ? "-"
				   : p->identifiable ? "yes"
						     : "!no"};
		doc_row(d, r);
	}
	doc_table_end(d);
	if (f->not_identifiable[0])
		doc_p(d, "warn", "Not identifiable:",
		      "%s (sigma in bold above): the measurements do not pin "
		      "these down; their values stay near the priors or trade "
		      "against a correlated parameter and should not be "
		      "trusted",
		      f->not_identifiable);
	for (size_t i = 0; i < f->n_corrs; i++)
		if (fabs(f->corrs[i].r) >= REPORT_STRONG_CORR)
			doc_p(d, "warn", "Strongly correlated:",
			      "%s and %s (r = %.2f): the data trade one "
			      "against the other",
			      f->corrs[i].a, f->corrs[i].b, f->corrs[i].r);
	if (f->n_corrs) {
		doc_p(d, NULL, "Correlations:", "%s", "");
		doc_list(d, true);
		for (size_t i = 0; i < f->n_corrs; i++)
			doc_li(d, "%s / %s: r = %.2f", f->corrs[i].a,
			       f->corrs[i].b, f->corrs[i].r);
		doc_list(d, false);
	}
}

/* "TTFT mean (ms)": the fit's metric name with its unit. */
static const char *metric_label(char *buf, size_t n, int m)
{
	snprintf(buf, n, "%s (%s)", obs_metrics[m].label,
		 campdir_metric_unit(m));
	return buf;
}

static void sec_alignment(struct doc *d, const struct campdir *c)
{
	const struct calib_file *f = &c->fit;
	char lbl[96];
	doc_h(d, 2, "Alignment: projected vs measured");
	if (!f->present || !f->n_points) {
		doc_p(d, "warn", "Missing:", "no fit points (fit.json %s)",
		      f->present ? "has no points" : "is missing");
		return;
	}
	doc_p(d, NULL, "MAPE",
	      "(mean absolute percentage error) of the projection, calibrated "
	      "in-sample and held-out, and with the priors:");
	const char *mc[] = {"metric", "in-sample", "held-out", "priors"};
	doc_table(d, mc, 4, NULL);
	for (int m = 0; m < OM_COUNT; m++) {
		char x[3][32];
		double vals[3] = {f->mape_in.v[m], f->mape_out.v[m],
				  f->mape_prior.v[m]};
		if (!isfinite(vals[0]) && !isfinite(vals[1]) &&
		    !isfinite(vals[2]))
			continue; /* e.g. no server timings: no such metric */
		for (int k = 0; k < 3; k++) {
			if (isfinite(vals[k]))
				snprintf(x[k], 32, "%s%.1f%%",
					 vals[k] > REPORT_ERR_FLAG_PCT ? "!"
								       : "",
					 vals[k]);
			else
				snprintf(x[k], 32, "-");
		}
		const char *r[] = {metric_label(lbl, sizeof lbl, m), x[0], x[1],
				   x[2]};
		doc_row(d, r);
	}
	doc_table_end(d);
	/* One row per point and metric: long, so collapsed. */
	char sum[128];
	size_t rows = 0;
	for (size_t i = 0; i < f->n_points; i++)
		for (int m = 0; m < OM_COUNT; m++)
			rows += isfinite(f->points[i].measured.v[m]) ||
				isfinite(f->points[i].projected.v[m]);
	snprintf(sum, sizeof sum,
		 "Per point and metric (%zu rows; errors beyond %.0f%% in "
		 "bold)",
		 rows, REPORT_ERR_FLAG_PCT);
	doc_details(d, sum);
	const char *pc[] = {"deployment", "concurrency", "set",
			    "metric",	  "measured",	 "calibrated",
			    "error",	  "priors",	 "error (priors)"};
	doc_table(d, pc, 9, "lrllrrrrr");
	for (size_t i = 0; i < f->n_points; i++) {
		const struct calib_file_point *p = &f->points[i];
		for (int m = 0; m < OM_COUNT; m++) {
			double me = p->measured.v[m];
			double pj = p->projected.v[m];
			double pr = p->prior.v[m];
			if (!isfinite(me) && !isfinite(pj))
				continue;
			int prec = m == OM_TPOT ? 2 : 1;
			char cc[24], x[4][48];
			snprintf(cc, sizeof cc, "%ld", p->concurrency);
			report_num(x[0], 48, me, prec);
			report_num(x[1], 48, pj, prec);
			report_num(x[2], 48, pr, prec);
			char e1[48], e2[48];
			pct_err(e1, sizeof e1, pj, me);
			pct_err(e2, sizeof e2, pr, me);
			const char *r[] = {p->deployment,
					   cc,
					   p->holdout ? "held-out"
						      : "in-sample",
					   metric_label(lbl, sizeof lbl, m),
					   x[0],
					   x[1],
					   e1,
					   x[2],
					   e2};
			doc_row(d, r);
		}
	}
	doc_table_end(d);
	doc_details_end(d);
}

/* TTFT of a best config at its match's SLA statistic (the mean for files
 * that lack it). */
static double cfg_ttft(const struct plan_file_config *cf)
{
	return isfinite(cf->ttft_at_stat_ms) ? cf->ttft_at_stat_ms
					     : cf->ttft_ms;
}

static void config_row(struct doc *d, const char *source,
		       const struct campdir_match *m, bool disagg)
{
	const struct plan_file_config *cf =
	    disagg ? &m->best_disagg : &m->best_agg;
	const char *mode = disagg ? "disagg" : "agg";
	char b[7][48];
	if (!cf->present) {
		char none[480];
		snprintf(none, sizeof none, "none meets the SLAs%s%s%s",
			 cf->why[0] ? " (" : "", cf->why,
			 cf->why[0] ? ")" : "");
		const char *r[] = {source, mode, none, "-", "-",
				   "-",	   "-",	 "-",  "-"};
		doc_row(d, r);
		return;
	}
	report_num(b[0], 48, cf->tokens_per_s_per_gpu, 1);
	report_num(b[1], 48, cf->tokens_per_s_per_user, 1);
	report_num(b[2], 48, cfg_ttft(cf), 0);
	if (isfinite(cfg_ttft(cf)) && !isfinite(cf->ttft_at_stat_ms))
		snprintf(b[2] + strlen(b[2]), 48 - strlen(b[2]), " (mean)");
	report_num(b[3], 48, cf->tpot_ms, 2);
	report_gpus(b[4], 48, cf->gpus, cf->gpus_idle, m->total_gpus);
	report_num(b[5], 48, cf->req_per_s, 2);
	const char *r[] = {source, mode, cf->config, b[0], b[1],
			   b[2],   b[3], b[4],	     b[5]};
	doc_row(d, r);
}

/* One sentence on how the calibrated choice differs from the prior's. */
static void changed(struct doc *d, const char *mode, const char *stat,
		    const struct plan_file_config *cal,
		    const struct plan_file_config *pri)
{
	if (!cal->present && !pri->present)
		return;
	if (!cal->present) {
		doc_li(
		    d,
		    "%s: the priors chose %s (%.1f tokens/s/gpu) but with the "
		    "calibrated model no %s configuration meets the SLAs",
		    mode, pri->config, pri->tokens_per_s_per_gpu, mode);
		return;
	}
	if (!pri->present) {
		doc_li(d,
		       "%s: the priors found no configuration; the calibrated "
		       "model chooses %s (%.1f tokens/s/gpu)",
		       mode, cal->config, cal->tokens_per_s_per_gpu);
		return;
	}
	double dt =
	    pri->tokens_per_s_per_gpu != 0
		? (cal->tokens_per_s_per_gpu / pri->tokens_per_s_per_gpu - 1) *
		      100
		: NAN;
	if (!strcmp(cal->config, pri->config))
		doc_li(d,
		       "%s: same configuration (%s); projected tokens/s/gpu "
		       "%.1f -> %.1f (%+.1f%%), TTFT %s %.0f -> %.0f ms",
		       mode, cal->config, pri->tokens_per_s_per_gpu,
		       cal->tokens_per_s_per_gpu, dt, stat, cfg_ttft(pri),
		       cfg_ttft(cal));
	else
		doc_li(d,
		       "%s: configuration changed from %s (priors, %.1f "
		       "tokens/s/gpu, TTFT %s %.0f ms) to %s (calibrated, %.1f "
		       "tokens/s/gpu, TTFT %s %.0f ms; %+.1f%%)",
		       mode, pri->config, pri->tokens_per_s_per_gpu, stat,
		       cfg_ttft(pri), cal->config, cal->tokens_per_s_per_gpu,
		       stat, cfg_ttft(cal), dt);
}

static void gain_text(char *buf, size_t n, const struct campdir_match *m)
{
	if (m && isfinite(m->disagg_over_agg))
		snprintf(buf, n, "%.2fx", m->disagg_over_agg);
	else
		snprintf(buf, n, "-");
}

static void sec_best(struct doc *d, const struct campdir *c)
{
	doc_h(d, 2, "Best configurations: calibrated model vs priors");
	if (!c->n_matches) {
		doc_p(d, "warn", "Missing:",
		      "no matching results (match/ is missing or empty)");
		return;
	}
	double slas[CAMPDIR_MAX_SLAS * 2];
	size_t n = report_slas(c, slas, sizeof slas / sizeof *slas);
	for (size_t i = 0; i < n; i++) {
		const struct campdir_match *cal =
		    campdir_find_match(c, "calibrated", slas[i]);
		const struct campdir_match *pri =
		    campdir_find_match(c, "prior", slas[i]);
		const char *stat = statsel_name(cal   ? cal->ttft_stat
						: pri ? pri->ttft_stat
						      : c->ttft_stat);
		char t[128], th[48];
		snprintf(t, sizeof t, "TTFT %s \u2264 %g ms", stat, slas[i]);
		snprintf(th, sizeof th, "TTFT %s (ms)", stat);
		doc_h(d, 3, t);
		const char *cols[] = {
		    "model",	    "mode",	     "config",
		    "tokens/s/gpu", "tokens/s/user", th,
		    "TPOT (ms)",    "GPUs used",     "requests/s"};
		doc_table(d, cols, 9, "lllrrrrrr");
		const struct campdir_match *ms[2] = {cal, pri};
		const char *names[2] = {"calibrated", "priors"};
		for (int k = 0; k < 2; k++) {
			if (!ms[k] || !ms[k]->best_present) {
				const char *r[] = {
				    names[k], "-", "missing (no best.json)",
				    "-",      "-", "-",
				    "-",      "-", "-"};
				doc_row(d, r);
				continue;
			}
			config_row(d, names[k], ms[k], false);
			config_row(d, names[k], ms[k], true);
		}
		doc_table_end(d);
		char g1[32], g2[32];
		gain_text(g1, sizeof g1, cal);
		gain_text(g2, sizeof g2, pri);
		doc_p(d, NULL, "Disagg gain",
		      "(projected: best disagg over best agg tokens/s/gpu): "
		      "calibrated %s, priors %s.",
		      g1, g2);
		if (cal && pri && cal->best_present && pri->best_present) {
			doc_p(d, NULL, "What changed", "with calibration:");
			doc_list(d, true);
			changed(d, "agg", stat, &cal->best_agg, &pri->best_agg);
			changed(d, "disagg", stat, &cal->best_disagg,
				&pri->best_disagg);
			doc_list(d, false);
		}
		for (int k = 0; k < 2; k++)
			if (ms[k] && ms[k]->note[0])
				doc_p(d, "warn", "Incomplete:", "match/%s/: %s",
				      ms[k]->name, ms[k]->note);
	}
}

/* Every chart, grouped: Pareto charts of the calibrated model, latency
 * per deployment, alignment, then the priors' Pareto charts. */
static void sec_charts(struct doc *d, const struct campdir *c,
		       const struct plot_set *ps)
{
	if (!ps || !ps->n)
		return;
	doc_h(d, 2, "Charts");
	bool pareto = false;
	for (size_t i = 0; i < ps->n; i++)
		pareto |= ps->charts[i].kind == PLOT_PARETO;
	if (pareto) {
		doc_h(d, 3,
		      "Pareto: tokens/s per GPU against tokens/s per "
		      "user");
		for (size_t i = 0; i < c->n_matches; i++)
			if (strcmp(c->matches[i].source, "prior"))
				doc_figures(d, ps, PLOT_PARETO,
					    c->matches[i].name);
		for (size_t i = 0; i < c->n_matches; i++)
			if (!strcmp(c->matches[i].source, "prior"))
				doc_figures(d, ps, PLOT_PARETO,
					    c->matches[i].name);
	}
	bool lat = false;
	for (size_t i = 0; i < ps->n; i++)
		lat |= ps->charts[i].kind == PLOT_TTFT ||
		       ps->charts[i].kind == PLOT_TPOT;
	if (lat) {
		doc_h(d, 3,
		      "Latency against concurrency, measured and "
		      "projected");
		for (size_t i = 0; i < c->n_deploys; i++) {
			doc_figures(d, ps, PLOT_TTFT, c->deploys[i].name);
			doc_figures(d, ps, PLOT_TPOT, c->deploys[i].name);
		}
	}
	for (size_t i = 0; i < ps->n; i++)
		if (ps->charts[i].kind == PLOT_ALIGN) {
			doc_h(d, 3, "Projected against measured, per metric");
			doc_figures(d, ps, PLOT_ALIGN, NULL);
			break;
		}
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>";
static const char html_style[] =
    "</title>\n<style>\n"
    "body{font-family:'DejaVu "
    "Sans',Helvetica,Arial,sans-serif;max-width:1200px;margin:2em "
    "auto;padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{border-bottom:2px solid #444}h2{border-bottom:1px solid "
    "#bbb;margin-top:2em}\n"
    "table{border-collapse:collapse;margin:0.8em 0;font-size:0.92em}\n"
    "th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:right}\n"
    "th{background:#f0f0f0}td.l,th.l{text-align:left}\n"
    "td{white-space:nowrap}td.l{white-space:normal}\n"
    "td.flag{font-weight:bold;background:#fde2e2}\n"
    "p.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:0.4em "
    "0.8em}\n"
    "p.fail{background:#fde2e2;border-left:4px solid #c62828;padding:0.4em "
    "0.8em}\n"
    "p.ok{background:#e4f4e4;border-left:4px solid #2e7d32;padding:0.4em "
    "0.8em}\n"
    "figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{font-size:0.9em;color:#555}\n"
    "ul.toc{columns:3;font-size:0.95em;margin:0.3em 0}nav{margin:1em 0}\n"
    "details{margin:0.8em 0}summary{cursor:pointer;font-weight:bold}\n"
    "</style>\n</head>\n<body>\n";

int report_write(const struct campdir *c, const struct plot_set *ps,
		 struct sc_err *e)
{
	struct doc d;
	struct textbuf page;
	doc_init(&d);
	textbuf_init(&page);
	char title[CAMPDIR_NAME_MAX + 32], when[40];
	snprintf(title, sizeof title, "servecal report: %s", c->name);
	textbuf_puts(&page, html_head);
	markup_html(&page, title);
	textbuf_puts(&page, html_style);
	doc_h(&d, 1, title);
	clock_wall_iso(when, sizeof when);
	doc_p(&d, NULL, "Generated", "%s by servecal %s from %s.", when,
	      PACKAGE_VERSION, c->dir);
	report_summary(&d, c);
	/* The contents follow the summary, once every section is known. */
	textbuf_puts(&page, d.html.s);
	textbuf_release(&d.html);
	textbuf_init(&d.html);
	sec_charts(&d, c, ps);
	report_verify(&d, c);
	sec_missing(&d, c);
	if (!c->bench_only) {
		sec_best(&d, c);
		sec_fit(&d, c);
	}
	sec_measurements(&d, c);
	if (!c->bench_only)
		sec_alignment(&d, c);
	sec_campaign(&d, c);
	sec_env(&d, c);
	textbuf_puts(&d.html, "</body>\n</html>\n");
	textbuf_puts(&page, "<nav><b>Contents</b>\n<ul class=\"toc\">\n");
	textbuf_puts(&page, d.toc.s);
	textbuf_puts(&page, "</ul></nav>\n");
	textbuf_puts(&page, d.html.s);
	char *md = xasprintf("%s/report.md", c->dir);
	char *html = xasprintf("%s/report.html", c->dir);
	int rc = textbuf_save(&d.md, md, e);
	if (rc == SC_OK)
		rc = textbuf_save(&page, html, e);
	free(md);
	free(html);
	doc_release(&d);
	textbuf_release(&page);
	return rc;
}

/* Marks the charts whose image is already present (when not rendering). */
static void mark_present(struct plot_set *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		char *p = xasprintf("%s/%s.%s", ps->dir, ps->charts[i].name,
				    plot_format_ext(ps->format));
		struct stat st;
		ps->charts[i].rendered = stat(p, &st) == 0 && st.st_size > 0;
		if (!ps->charts[i].rendered)
			snprintf(ps->charts[i].error,
				 sizeof ps->charts[i].error,
				 "no image (run servecal plot)");
		free(p);
	}
}

int report_campaign(const char *dir, const struct report_opts *o,
		    struct report_result *r, struct sc_err *e)
{
	memset(r, 0, sizeof *r);
	r->plots_ok = true;
	struct campdir c;
	struct plot_set ps = {0};
	int rc = campdir_load(dir, &c, e);
	if (rc)
		goto out;
	char *pdir = xasprintf("%s/plots", dir);
	rc = plot_write(&c, pdir, o->format, &ps, &r->plot_err);
	free(pdir);
	if (rc) {
		/* Charts could not even be written: report without them. */
		r->plots_ok = false;
		plot_set_release(&ps);
	} else if (o->render) {
		if (plot_render(&ps, o->timeout_s, &r->plot_err))
			r->plots_ok = false;
	} else {
		mark_present(&ps);
	}
	if ((rc = report_write(&c, ps.n ? &ps : NULL, e)))
		goto out;
	r->md_path = xasprintf("%s/report.md", dir);
	r->html_path = xasprintf("%s/report.html", dir);
out:
	plot_set_release(&ps);
	campdir_release(&c);
	return rc;
}

void report_result_release(struct report_result *r)
{
	if (!r)
		return;
	free(r->html_path);
	free(r->md_path);
	r->html_path = r->md_path = NULL;
}
