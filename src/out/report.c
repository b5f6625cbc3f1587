/* Report writer. One walk over the campaign emits Markdown and HTML side by
 * side through a small document interface (headings, paragraphs, tables,
 * lists, figures), so the two files always say the same thing. */
#include "out/report.h"

#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/gnuplot.h"
#include "out/markup.h"
#include "out/textbuf.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

/* A parameter correlation at least this strong is flagged: the data cannot
 * tell the two parameters apart well. */
#define REPORT_STRONG_CORR 0.8
/* Alignment errors beyond this (percent) are flagged in the table. */
#define REPORT_ERR_FLAG_PCT 10.0

/* ---- document interface: every call writes both files ---- */

struct doc {
	struct textbuf md, html;
	struct textbuf toc; /* HTML list of the level-2 headings */
	int n_sections;
	size_t n_cols;	/* of the open table */
	char align[16]; /* 'l' or 'r' per column of the open table */
};

static void doc_h(struct doc *d, int level, const char *text)
{
	for (int i = 0; i < level; i++)
		textbuf_puts(&d->md, "#");
	textbuf_puts(&d->md, " ");
	markup_md(&d->md, text);
	textbuf_puts(&d->md, "\n\n");
	if (level == 2) {
		/* Numbered anchors: headings come from files and are not
		 * safe as ids. */
		d->n_sections++;
		textbuf_printf(&d->html, "<h2 id=\"s%d\">", d->n_sections);
		textbuf_printf(&d->toc, "<li><a href=\"#s%d\">", d->n_sections);
		markup_html(&d->toc, text);
		textbuf_puts(&d->toc, "</a></li>\n");
	} else {
		textbuf_printf(&d->html, "<h%d>", level);
	}
	markup_html(&d->html, text);
	textbuf_printf(&d->html, "</h%d>\n", level);
}

/* A paragraph; cls is "warn", "fail", "ok" or NULL, label may be NULL. */
static void doc_p(struct doc *d, const char *cls, const char *label,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void doc_p(struct doc *d, const char *cls, const char *label,
		  const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (cls && strcmp(cls, "ok"))
		textbuf_puts(&d->md, "> ");
	if (label) {
		textbuf_puts(&d->md, "**");
		markup_md(&d->md, label);
		textbuf_puts(&d->md, "** ");
	}
	markup_md(&d->md, buf);
	textbuf_puts(&d->md, "\n\n");
	textbuf_printf(&d->html, "<p%s%s%s>", cls ? " class=\"" : "",
		       cls ? cls : "", cls ? "\"" : "");
	if (label) {
		textbuf_puts(&d->html, "<b>");
		markup_html(&d->html, label);
		textbuf_puts(&d->html, "</b> ");
	}
	markup_html(&d->html, buf);
	textbuf_puts(&d->html, "</p>\n");
}

static void doc_list(struct doc *d, bool open)
{
	textbuf_puts(&d->html, open ? "<ul>\n" : "</ul>\n");
	if (!open)
		textbuf_puts(&d->md, "\n");
}

static void doc_li(struct doc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void doc_li(struct doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	textbuf_puts(&d->md, "- ");
	markup_md(&d->md, buf);
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "<li>");
	markup_html(&d->html, buf);
	textbuf_puts(&d->html, "</li>\n");
}

/* Opens a table; align holds 'l' or 'r' per column (NULL: text in the
 * first column, numbers in the others). */
static void doc_table(struct doc *d, const char *const *cols, size_t n,
		      const char *align)
{
	d->n_cols = n;
	for (size_t i = 0; i < n && i < sizeof d->align; i++)
		d->align[i] = align ? align[i] : (i ? 'r' : 'l');
	textbuf_puts(&d->html, "<table>\n<thead><tr>");
	textbuf_puts(&d->md, "|");
	for (size_t i = 0; i < n; i++) {
		textbuf_puts(&d->md, " ");
		markup_md(&d->md, cols[i]);
		textbuf_puts(&d->md, " |");
		textbuf_puts(&d->html,
			     d->align[i] == 'l' ? "<th class=\"l\">" : "<th>");
		markup_html(&d->html, cols[i]);
		textbuf_puts(&d->html, "</th>");
	}
	textbuf_puts(&d->md, "\n|");
	for (size_t i = 0; i < n; i++)
		textbuf_puts(&d->md, d->align[i] == 'l' ? "---|" : "---:|");
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "</tr></thead>\n<tbody>\n");
}

/* A row of d->n_cols cells; a cell starting with "!" is flagged (shown in
 * bold / highlighted) and the "!" is not printed. */
static void doc_row(struct doc *d, const char *const *cells)
{
	textbuf_puts(&d->md, "|");
	textbuf_puts(&d->html, "<tr>");
	for (size_t i = 0; i < d->n_cols; i++) {
		const char *c = cells[i] ? cells[i] : "";
		bool flag = c[0] == '!';
		if (flag)
			c++;
		textbuf_puts(&d->md, flag ? " **" : " ");
		markup_md(&d->md, c);
		textbuf_puts(&d->md, flag ? "** |" : " |");
		textbuf_printf(&d->html, "<td%s%s%s>",
			       flag || d->align[i] == 'l' ? " class=\"" : "",
			       flag ? (d->align[i] == 'l' ? "flag l" : "flag")
				    : (d->align[i] == 'l' ? "l" : ""),
			       flag || d->align[i] == 'l' ? "\"" : "");
		markup_html(&d->html, c);
		textbuf_puts(&d->html, "</td>");
	}
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "</tr>\n");
}

static void doc_table_end(struct doc *d)
{
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "</tbody>\n</table>\n");
	d->n_cols = 0;
}

static const char *mime_of(enum plot_format f)
{
	switch (f) {
	case PLOT_SVG:
		return "image/svg+xml";
	case PLOT_PDF:
		return "application/pdf";
	default:
		return "image/png";
	}
}

/* A chart: embedded in the HTML as a data URI, linked from the Markdown
 * (plots/NAME.EXT next to report.md). */
static void doc_figure(struct doc *d, const struct plot_set *ps,
		       const struct plot_chart *ch)
{
	const char *ext = plot_format_ext(ps->format);
	char rel[300];
	snprintf(rel, sizeof rel, "plots/%s.%s", ch->name, ext);
	if (!ch->rendered) {
		doc_p(d, "warn", "Plot missing:",
		      "%s (%s.gp and %s.dat are in plots/): %s", ch->title,
		      ch->name, ch->name,
		      ch->error[0] ? ch->error : "not rendered");
		return;
	}
	textbuf_puts(&d->md, "![");
	markup_md(&d->md, ch->title);
	textbuf_printf(&d->md, "](%s)\n\n", rel);

	char *path = xasprintf("%s/%s.%s", ps->dir, ch->name, ext);
	struct sc_err e = {0};
	size_t len = 0;
	char *img =
	    ps->format == PLOT_PDF
		? NULL
		: jsonio_read_text(path, REPORT_MAX_IMAGE_BYTES, &len, &e);
	textbuf_puts(&d->html, "<figure>");
	if (img) {
		textbuf_printf(&d->html, "<img src=\"data:%s;base64,",
			       mime_of(ps->format));
		markup_base64(&d->html, (const unsigned char *)img, len);
		textbuf_puts(&d->html, "\" alt=\"");
		markup_html(&d->html, ch->title);
		textbuf_puts(&d->html, "\">");
	} else {
		textbuf_puts(&d->html, "<a href=\"");
		markup_html(&d->html, rel);
		textbuf_puts(&d->html, "\">");
		markup_html(&d->html, rel);
		textbuf_puts(&d->html, "</a>");
	}
	textbuf_puts(&d->html, "<figcaption>");
	markup_html(&d->html, ch->title);
	textbuf_puts(&d->html, "</figcaption></figure>\n");
	free(img);
	free(path);
}

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

/* v with prec decimals, or "-" when missing. Returns buf. */
static const char *num(char *buf, size_t n, double v, int prec)
{
	if (!isfinite(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.*f", prec, v);
	return buf;
}

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
	const char *r3[] = {"TTFT SLAs", sl[0] ? sl : "-"};
	doc_row(d, r3);
	if (isfinite(c->tpot_sla_ms))
		snprintf(buf, sizeof buf,
			 "TPOT \u2264 %s ms (\u2265 %.1f tokens/s/user)",
			 num(v, sizeof v, c->tpot_sla_ms, 2),
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
		for (size_t i = 0; i < c->n_steps; i++)
			doc_li(
			    d, "%s: %s%s%s%s", c->steps[i].key,
			    c->steps[i].value, c->steps[i].note[0] ? " (" : "",
			    c->steps[i].note, c->steps[i].note[0] ? ")" : "");
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

/* The answers first: per TTFT SLA the best agg and disagg configurations
 * of the calibrated model and the gain, how far calibration moved the TTFT
 * error, and what failed. */
static void sec_summary(struct doc *d, const struct campdir *c)
{
	doc_h(d, 2, "Summary");
	doc_list(d, true);
	for (size_t i = 0; i < c->n_ttft_slas; i++) {
		double sla = c->ttft_slas_ms[i];
		const struct campdir_match *cal =
		    campdir_find_match(c, "calibrated", sla);
		const struct campdir_match *pri =
		    campdir_find_match(c, "prior", sla);
		char pg[64] = "";
		if (pri && isfinite(pri->disagg_over_agg))
			snprintf(pg, sizeof pg, " (the priors predicted %.2fx)",
				 pri->disagg_over_agg);
		if (!cal || !cal->best_present) {
			doc_li(
			    d,
			    "TTFT \u2264 %g ms: no calibrated matching result",
			    sla);
		} else if (cal->best_agg.present && cal->best_disagg.present) {
			/* Config names from `servecal match` start with their
			 * mode; say it where one does not. */
			const char *dc = cal->best_disagg.config,
				   *ac = cal->best_agg.config;
			doc_li(
			    d,
			    "TTFT \u2264 %g ms: best %s%s at %.1f tokens/s/gpu "
			    "vs best %s%s at %.1f: disagg gain %.2fx%s",
			    sla, strncmp(dc, "disagg", 6) ? "disagg " : "", dc,
			    cal->best_disagg.tokens_per_s_per_gpu,
			    strncmp(ac, "agg", 3) ? "agg " : "", ac,
			    cal->best_agg.tokens_per_s_per_gpu,
			    cal->disagg_over_agg, pg);
		} else if (cal->best_agg.present || cal->best_disagg.present) {
			const struct campdir_config *b =
			    cal->best_agg.present ? &cal->best_agg
						  : &cal->best_disagg;
			doc_li(d,
			       "TTFT \u2264 %g ms: only %s meets the SLAs: %s "
			       "at %.1f tokens/s/gpu",
			       sla, b->mode[0] ? b->mode : "one mode",
			       b->config, b->tokens_per_s_per_gpu);
		} else {
			doc_li(d,
			       "TTFT \u2264 %g ms: no configuration meets the "
			       "SLAs",
			       sla);
		}
	}
	const struct campdir_fit *f = &c->fit;
	if (!f->present)
		doc_li(d, "calibration: no fit.json, nothing calibrated");
	else if (isfinite(f->mape_prior.ttft_ms) &&
		 isfinite(f->mape_in.ttft_ms)) {
		char held[48] = "";
		if (isfinite(f->mape_out.ttft_ms))
			snprintf(held, sizeof held, ", %.1f%% held-out",
				 f->mape_out.ttft_ms);
		doc_li(d,
		       "calibration%s: TTFT mean error (MAPE) %.1f%% with the "
		       "priors, %.1f%% in-sample%s after the fit",
		       f->converged ? "" : " (NOT converged)",
		       f->mape_prior.ttft_ms, f->mape_in.ttft_ms, held);
	}
	size_t failed = 0;
	for (size_t i = 0; i < c->n_deploys; i++)
		failed += c->deploys[i].failed;
	if (failed)
		doc_li(d,
		       "%zu of %zu deployments failed (see below); the rest "
		       "are reported",
		       failed, c->n_deploys);
	doc_list(d, false);
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

static void sec_deploy(struct doc *d, const struct campdir *c,
		       const struct campdir_deploy *dp,
		       const struct plot_set *ps)
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
	const char *cols[] = {"concurrency",   "requests ok",	"failed",
			      "TTFT p50 (ms)", "TTFT p90 (ms)", "TPOT p50 (ms)",
			      "TPOT p90 (ms)", "tokens/s",	"tokens/s/gpu",
			      "tokens/s/user"};
	doc_table(d, cols, 10, NULL);
	for (size_t i = 0; i < dp->n_levels; i++) {
		const struct campdir_level *l = &dp->levels[i];
		char b[10][48];
		snprintf(b[0], 48, "%ld", l->concurrency);
		snprintf(b[1], 48, "%ld", l->req_ok);
		snprintf(b[2], 48, "%s%ld", l->req_failed ? "!" : "",
			 l->req_failed);
		num(b[3], 48, l->ttft_ms.p50, 1);
		num(b[4], 48, l->ttft_ms.p90, 1);
		num(b[5], 48, l->tpot_ms.p50, 2);
		num(b[6], 48, l->tpot_ms.p90, 2);
		/* No good request, no throughput (a 0 would read as measured).
		 */
		bool ok = l->req_ok > 0;
		num(b[7], 48, ok ? l->tokens_per_s : NAN, 1);
		num(b[8], 48, ok ? l->tokens_per_s_per_gpu : NAN, 1);
		num(b[9], 48, ok ? l->tokens_per_s_per_user : NAN, 1);
		const char *r[10];
		for (int k = 0; k < 10; k++)
			r[k] = b[k];
		doc_row(d, r);
	}
	doc_table_end(d);
	(void)c;
	doc_figures(d, ps, PLOT_TTFT, dp->name);
	doc_figures(d, ps, PLOT_TPOT, dp->name);
}

static void sec_measurements(struct doc *d, const struct campdir *c,
			     const struct plot_set *ps)
{
	doc_h(d, 2, "Measurements");
	if (!c->n_deploys)
		doc_p(d, "warn",
		      "Missing:", "the campaign lists no deployment");
	for (size_t i = 0; i < c->n_deploys; i++)
		sec_deploy(d, c, &c->deploys[i], ps);
}

static void sec_fit(struct doc *d, const struct campdir *c)
{
	const struct campdir_fit *f = &c->fit;
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
	      num(a, sizeof a, f->chi2, 2), num(b, sizeof b, f->dof, 0),
	      num(v, sizeof v, f->chi2_dof, 3), f->model[0] ? f->model : "-",
	      f->gpu[0] ? f->gpu : "-", f->backend[0] ? f->backend : "-",
	      f->holdout[0] ? f->holdout : "-");
	const char *cols[] = {"parameter", "value",	      "sigma", "unit",
			      "prior",	   "change vs prior", "fitted"};
	doc_table(d, cols, 7, "lrrlrrl");
	for (size_t i = 0; i < f->n_params; i++) {
		const struct campdir_param *p = &f->params[i];
		char val[48], sig[48], pri[48], chg[48];
		snprintf(val, sizeof val, "%.4g", p->value);
		if (!p->free)
			snprintf(sig, sizeof sig, "-");
		else if (isfinite(p->sigma) && isfinite(p->value) &&
			 p->value != 0)
			snprintf(sig, sizeof sig, "%s%.2g (%.0f%%)",
				 fabs(p->sigma / p->value) > 0.5 ? "!" : "",
				 p->sigma, fabs(p->sigma / p->value) * 100.0);
		else
			num(sig, sizeof sig, p->sigma, 3);
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
				   p->free ? "yes" : "fixed"};
		doc_row(d, r);
	}
	doc_table_end(d);
	if (f->not_identifiable[0])
		doc_p(d, "warn", "Not identifiable:",
		      "%s: the measurements do not pin these down; their "
		      "values stay near the priors and should not be trusted",
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

static void sec_alignment(struct doc *d, const struct campdir *c,
			  const struct plot_set *ps)
{
	const struct campdir_fit *f = &c->fit;
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
	for (int m = 0; m < CAMPDIR_N_METRICS; m++) {
		char x[3][32];
		double vals[3] = {campdir_metric(&f->mape_in, m),
				  campdir_metric(&f->mape_out, m),
				  campdir_metric(&f->mape_prior, m)};
		for (int k = 0; k < 3; k++) {
			if (isfinite(vals[k]))
				snprintf(x[k], 32, "%s%.1f%%",
					 vals[k] > REPORT_ERR_FLAG_PCT ? "!"
								       : "",
					 vals[k]);
			else
				snprintf(x[k], 32, "-");
		}
		const char *r[] = {campdir_metric_label(m), x[0], x[1], x[2]};
		doc_row(d, r);
	}
	doc_table_end(d);
	doc_p(d, NULL, "Per point",
	      "(errors beyond %.0f%% in bold):", REPORT_ERR_FLAG_PCT);
	const char *pc[] = {"deployment", "concurrency", "set",
			    "metric",	  "measured",	 "calibrated",
			    "error",	  "priors",	 "error (priors)"};
	doc_table(d, pc, 9, "lrllrrrrr");
	for (size_t i = 0; i < f->n_points; i++) {
		const struct campdir_fitpoint *p = &f->points[i];
		for (int m = 0; m < CAMPDIR_N_METRICS; m++) {
			double me = campdir_metric(&p->measured, m);
			double pj = campdir_metric(&p->projected, m);
			double pr = campdir_metric(&p->prior, m);
			if (!isfinite(me) && !isfinite(pj))
				continue;
			int prec = m == 2 ? 2 : 1;
			char cc[24], x[4][48];
			snprintf(cc, sizeof cc, "%ld", p->concurrency);
			num(x[0], 48, me, prec);
			num(x[1], 48, pj, prec);
			num(x[2], 48, pr, prec);
			char e1[48], e2[48];
			pct_err(e1, sizeof e1, pj, me);
			pct_err(e2, sizeof e2, pr, me);
			const char *r[] = {p->deployment,
					   cc,
					   p->holdout ? "held-out"
						      : "in-sample",
					   campdir_metric_label(m),
					   x[0],
					   x[1],
					   e1,
					   x[2],
					   e2};
			doc_row(d, r);
		}
	}
	doc_table_end(d);
	doc_figures(d, ps, PLOT_ALIGN, NULL);
}

static void config_row(struct doc *d, const char *source,
		       const struct campdir_config *cf, const char *mode)
{
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
	num(b[0], 48, cf->tokens_per_s_per_gpu, 1);
	num(b[1], 48, cf->tokens_per_s_per_user, 1);
	num(b[2], 48, cf->ttft_ms, 0);
	num(b[3], 48, cf->tpot_ms, 2);
	num(b[4], 48, cf->gpus, 0);
	num(b[5], 48, cf->req_per_s, 2);
	const char *r[] = {source, mode, cf->config, b[0], b[1],
			   b[2],   b[3], b[4],	     b[5]};
	doc_row(d, r);
}

/* One sentence on how the calibrated choice differs from the prior's. */
static void changed(struct doc *d, const char *mode,
		    const struct campdir_config *cal,
		    const struct campdir_config *pri)
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
		       "%.1f -> %.1f (%+.1f%%), TTFT %.0f -> %.0f ms",
		       mode, cal->config, pri->tokens_per_s_per_gpu,
		       cal->tokens_per_s_per_gpu, dt, pri->ttft_ms,
		       cal->ttft_ms);
	else
		doc_li(d,
		       "%s: configuration changed from %s (priors, %.1f "
		       "tokens/s/gpu, TTFT %.0f ms) to %s (calibrated, %.1f "
		       "tokens/s/gpu, TTFT %.0f ms; %+.1f%%)",
		       mode, pri->config, pri->tokens_per_s_per_gpu,
		       pri->ttft_ms, cal->config, cal->tokens_per_s_per_gpu,
		       cal->ttft_ms, dt);
}

static void gain_text(char *buf, size_t n, const struct campdir_match *m)
{
	if (m && isfinite(m->disagg_over_agg))
		snprintf(buf, n, "%.2fx", m->disagg_over_agg);
	else
		snprintf(buf, n, "-");
}

static void sec_best(struct doc *d, const struct campdir *c,
		     const struct plot_set *ps)
{
	doc_h(d, 2, "Best configurations: calibrated model vs priors");
	if (!c->n_matches) {
		doc_p(d, "warn", "Missing:",
		      "no matching results (match/ is missing or empty)");
		return;
	}
	/* The SLAs: those of the campaign, plus any other found on disk. */
	double slas[CAMPDIR_MAX_SLAS * 2];
	size_t n = 0;
	for (size_t i = 0; i < c->n_ttft_slas; i++)
		slas[n++] = c->ttft_slas_ms[i];
	for (size_t i = 0; i < c->n_matches && n < sizeof slas / sizeof slas[0];
	     i++) {
		bool seen = false;
		for (size_t k = 0; k < n; k++)
			seen |=
			    fabs(slas[k] - c->matches[i].ttft_sla_ms) < 1e-6;
		if (!seen)
			slas[n++] = c->matches[i].ttft_sla_ms;
	}
	for (size_t i = 0; i < n; i++) {
		const struct campdir_match *cal =
		    campdir_find_match(c, "calibrated", slas[i]);
		const struct campdir_match *pri =
		    campdir_find_match(c, "prior", slas[i]);
		char t[128];
		snprintf(t, sizeof t, "TTFT \u2264 %g ms", slas[i]);
		doc_h(d, 3, t);
		const char *cols[] = {
		    "model",	    "mode",	     "config",
		    "tokens/s/gpu", "tokens/s/user", "TTFT (ms)",
		    "TPOT (ms)",    "GPUs",	     "requests/s"};
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
			config_row(d, names[k], &ms[k]->best_agg, "agg");
			config_row(d, names[k], &ms[k]->best_disagg, "disagg");
		}
		doc_table_end(d);
		char g1[32], g2[32];
		gain_text(g1, sizeof g1, cal);
		gain_text(g2, sizeof g2, pri);
		doc_p(d, NULL, "Disagg gain",
		      "(best disagg over best agg tokens/s/gpu): calibrated "
		      "%s, priors %s.",
		      g1, g2);
		if (cal && pri && cal->best_present && pri->best_present) {
			doc_p(d, NULL, "What changed", "with calibration:");
			doc_list(d, true);
			changed(d, "agg", &cal->best_agg, &pri->best_agg);
			changed(d, "disagg", &cal->best_disagg,
				&pri->best_disagg);
			doc_list(d, false);
		}
		for (int k = 0; k < 2; k++)
			if (ms[k] && ms[k]->note[0])
				doc_p(d, "warn", "Incomplete:", "match/%s/: %s",
				      ms[k]->name, ms[k]->note);
		if (cal)
			doc_figures(d, ps, PLOT_PARETO, cal->name);
		if (pri)
			doc_figures(d, ps, PLOT_PARETO, pri->name);
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
    "td.flag{font-weight:bold;background:#fde2e2}\n"
    "p.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:0.4em "
    "0.8em}\n"
    "p.fail{background:#fde2e2;border-left:4px solid #c62828;padding:0.4em "
    "0.8em}\n"
    "p.ok{background:#e4f4e4;border-left:4px solid #2e7d32;padding:0.4em "
    "0.8em}\n"
    "figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{font-size:0.9em;color:#555}\n"
    "ul.toc{columns:2;font-size:0.95em}nav{margin:1em 0}\n"
    "</style>\n</head>\n<body>\n";

int report_write(const struct campdir *c, const struct plot_set *ps,
		 struct sc_err *e)
{
	struct doc d;
	struct textbuf page;
	textbuf_init(&d.md);
	textbuf_init(&d.html);
	textbuf_init(&d.toc);
	textbuf_init(&page);
	d.n_cols = 0;
	d.n_sections = 0;
	char title[CAMPDIR_NAME_MAX + 32], when[40];
	snprintf(title, sizeof title, "servecal report: %s", c->name);
	textbuf_puts(&page, html_head);
	markup_html(&page, title);
	textbuf_puts(&page, html_style);
	doc_h(&d, 1, title);
	clock_wall_iso(when, sizeof when);
	doc_p(&d, NULL, "Generated", "%s by servecal %s from %s.", when,
	      PACKAGE_VERSION, c->dir);
	/* The contents go after the title, once every section is known. */
	textbuf_puts(&page, d.html.s);
	textbuf_release(&d.html);
	textbuf_init(&d.html);
	sec_summary(&d, c);
	sec_missing(&d, c);
	sec_campaign(&d, c);
	sec_env(&d, c);
	sec_measurements(&d, c, ps);
	sec_fit(&d, c);
	sec_alignment(&d, c, ps);
	sec_best(&d, c, ps);
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
	textbuf_release(&d.md);
	textbuf_release(&d.html);
	textbuf_release(&d.toc);
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
