/* Chart data and scripts from a campaign directory. Templates in plots/
 * hold the look (fonts, palette, key placement); this file writes the data
 * blocks and the plot commands for the series that exist. */
#include "out/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/gnuplot.h"
#include "out/textbuf.h"
#include "util/xalloc.h"

/* Band drawn around y = x on alignment charts: the error a calibrated model
 * should stay within. */
#define ALIGN_BAND_FRAC 0.10
/* Colour scale top as a multiple of the TTFT SLA: the SLA sits mid-scale
 * and slower points saturate the top colour. */
#define PARETO_CB_SLA_MULT 2.0
/* Above this max/min ratio alignment axes switch to log scale. */
#define ALIGN_LOG_RATIO 10.0

static const char *const format_ext[] = {"png", "svg", "pdf"};
static const char *const format_term[] = {
	"set terminal pngcairo size 1400,900 font 'DejaVu Sans,14' noenhanced",
	"set terminal svg size 1400,900 dynamic font 'DejaVu Sans,14' noenhanced background '#ffffff'",
	"set terminal pdfcairo size 10in,6.4in font 'DejaVu Sans,11' noenhanced",
};

int plot_format_parse(const char *s, enum plot_format *out)
{
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(s, format_ext[i])) {
			*out = (enum plot_format)i;
			return SC_OK;
		}
	return SC_EINVAL;
}

const char *plot_format_ext(enum plot_format f)
{
	return format_ext[f];
}

char *plot_expand(const char *tmpl, const char *const *keys,
		  const char *const *vals, size_t n)
{
	struct textbuf b;
	textbuf_init(&b);
	const char *p = tmpl;
	while (*p) {
		const char *at = strchr(p, '@');
		if (!at) {
			textbuf_puts(&b, p);
			break;
		}
		textbuf_putn(&b, p, (size_t)(at - p));
		size_t i;
		for (i = 0; i < n; i++) {
			size_t kl = strlen(keys[i]);
			if (!strncmp(at + 1, keys[i], kl) && at[1 + kl] == '@')
				break;
		}
		if (i < n) {
			textbuf_puts(&b, vals[i]);
			p = at + strlen(keys[i]) + 2;
		} else {
			textbuf_putn(&b, at, 1);
			p = at + 1;
		}
	}
	return b.s;
}

/* A gnuplot single-quoted string literal: quotes doubled, control
 * characters dropped. */
static void gp_str(struct textbuf *b, const char *s)
{
	textbuf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			textbuf_puts(b, "''");
		else if ((unsigned char)*s >= 0x20)
			textbuf_putn(b, s, 1);
	}
	textbuf_puts(b, "'");
}

/* A string column of a data file: double-quoted, with double quotes and
 * control characters replaced since data files cannot escape them. */
static void dat_str(struct textbuf *b, const char *s)
{
	textbuf_puts(b, "\"");
	for (; *s; s++) {
		char ch = *s;
		if (ch == '"')
			ch = '\'';
		else if ((unsigned char)ch < 0x20)
			ch = ' ';
		textbuf_putn(b, &ch, 1);
	}
	textbuf_puts(b, "\"");
}

static void dat_num(struct textbuf *b, double v)
{
	if (isfinite(v))
		textbuf_printf(b, " %.6g", v);
	else
		textbuf_puts(b, " NaN");
}

/* File stem characters: others become '_'. */
static void safe_name(char *dst, size_t n, const char *prefix, const char *s)
{
	int k = snprintf(dst, n, "%s", prefix);
	for (; *s && (size_t)k + 1 < n; s++, k++) {
		char ch = *s;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
			 ch == '.';
		dst[k] = ok ? ch : '_';
	}
	dst[k] = '\0';
}

/* Data blocks of one .dat file; the plot commands refer to them by index,
 * so empty blocks are never written. */
struct blocks {
	struct textbuf dat;
	int n;
};

static int block_begin(struct blocks *bl, const char *what, const char *cols)
{
	if (bl->n)
		textbuf_puts(&bl->dat, "\n\n");
	textbuf_printf(&bl->dat, "# index %d: %s\n# %s\n", bl->n, what, cols);
	return bl->n++;
}

/* What one chart's script needs besides its template. */
struct script {
	struct textbuf settings, plot;
	int n_series;
};

static void series(struct script *s, const char *text)
{
	textbuf_puts(&s->plot, s->n_series ? ", \\\n     " : "plot ");
	textbuf_puts(&s->plot, text);
	s->n_series++;
}

static void titled(struct script *s, const char *spec, const char *title)
{
	struct textbuf t;
	textbuf_init(&t);
	textbuf_printf(&t, "%s title ", spec);
	gp_str(&t, title);
	series(s, t.s);
	textbuf_release(&t);
}

/* A series from block idx of NAME.dat; title NULL leaves it out of the
 * key. */
static void data(struct script *s, const char *name, int idx,
		 const char *spec, const char *title)
{
	struct textbuf t;
	textbuf_init(&t);
	textbuf_printf(&t, "'%s.dat' index %d %s ", name, idx, spec);
	if (title)
		textbuf_puts(&t, "title "), gp_str(&t, title);
	else
		textbuf_puts(&t, "notitle");
	series(s, t.s);
	textbuf_release(&t);
}

static void mkdir_p(const char *dir)
{
	char *p = xstrdup(dir);
	for (char *q = p + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			mkdir(p, 0777);
			*q = '/';
		}
	mkdir(p, 0777);
	free(p);
}

/* Fills the template and saves NAME.dat and NAME.gp. */
static int save_chart(const char *outdir, const char *tmpl_name,
		      const struct plot_chart *ch, enum plot_format f,
		      const struct blocks *bl, const struct script *s,
		      struct sc_err *e)
{
	int rc = SC_OK;
	char *tmpl = gnuplot_template_load(tmpl_name, e);
	char *out = NULL, *path = NULL;
	struct textbuf title, output, plot;
	textbuf_init(&title);
	textbuf_init(&output);
	textbuf_init(&plot);
	if (!tmpl)
		return SC_EINPUT;
	for (const char *p = ch->title; *p; p++)
		if (*p == '\'')
			textbuf_puts(&title, "''");
		else if ((unsigned char)*p >= 0x20)
			textbuf_putn(&title, p, 1);
	textbuf_printf(&output, "%s.%s", ch->name, plot_format_ext(f));
	textbuf_puts(&plot, s->plot.s);
	textbuf_puts(&plot, "\n");
	const char *keys[] = {"TERMINAL", "OUTPUT", "TITLE", "SETTINGS", "PLOT"};
	const char *vals[] = {format_term[f], output.s, title.s,
			      s->settings.s, plot.s};
	out = plot_expand(tmpl, keys, vals, 5);
	struct textbuf gp = {out, strlen(out), strlen(out) + 1};
	path = xasprintf("%s/%s.gp", outdir, ch->name);
	if ((rc = textbuf_save(&gp, path, e)))
		goto done;
	free(path);
	path = xasprintf("%s/%s.dat", outdir, ch->name);
	rc = textbuf_save(&bl->dat, path, e);
done:
	free(path);
	free(out);
	free(tmpl);
	textbuf_release(&title);
	textbuf_release(&output);
	textbuf_release(&plot);
	return rc;
}

static void chart_add(struct plot_set *s, size_t *cap,
		      const struct plot_chart *ch)
{
	s->charts = xgrow(s->charts, cap, s->n + 1, sizeof *ch);
	s->charts[s->n++] = *ch;
}

static void script_init(struct script *s)
{
	textbuf_init(&s->settings);
	textbuf_init(&s->plot);
	s->n_series = 0;
}

static void script_release(struct script *s)
{
	textbuf_release(&s->settings);
	textbuf_release(&s->plot);
}

/* ---- Pareto ---- */

static bool is_disagg(const char *mode)
{
	return !strcmp(mode, "disagg");
}

static int cmp_x(const void *a, const void *b)
{
	const struct campdir_mpoint *x = a, *y = b;
	return (x->tokens_per_s_per_user > y->tokens_per_s_per_user) -
	       (x->tokens_per_s_per_user < y->tokens_per_s_per_user);
}

static void mpoint_row(struct textbuf *b, const struct campdir_mpoint *p)
{
	dat_num(b, p->tokens_per_s_per_user);
	dat_num(b, p->tokens_per_s_per_gpu);
	dat_num(b, p->ttft_ms);
	dat_num(b, p->tpot_ms);
	textbuf_puts(b, " ");
	dat_str(b, p->config);
	textbuf_puts(b, "\n");
}

static const char pareto_cols[] =
	"tokens_per_s_per_user tokens_per_s_per_gpu ttft_ms tpot_ms \"label\"";

/* Block of matching points of one mode and feasibility; -1 when empty. */
static int pareto_points(struct blocks *bl, const struct campdir_match *m,
			 bool disagg, bool feasible)
{
	int idx = -1;
	for (size_t i = 0; i < m->n_points; i++) {
		const struct campdir_mpoint *p = &m->points[i];
		if (is_disagg(p->mode) != disagg || p->feasible != feasible ||
		    !isfinite(p->tokens_per_s_per_user) ||
		    !(p->tokens_per_s_per_gpu > 0))
			continue; /* no throughput (e.g. out of memory): off the chart */
		if (idx < 0) {
			char what[128];
			snprintf(what, sizeof what, "%s configurations, %s",
				 disagg ? "disagg" : "agg",
				 feasible ? "meet every SLA" : "miss an SLA");
			idx = block_begin(bl, what, pareto_cols);
		}
		mpoint_row(&bl->dat, p);
	}
	return idx;
}

static int pareto_front(struct blocks *bl, const struct campdir_match *m,
			bool disagg)
{
	struct campdir_mpoint *f = xcalloc(m->n_front + 1, sizeof *f);
	size_t n = 0;
	for (size_t i = 0; i < m->n_front; i++)
		if (is_disagg(m->front[i].mode) == disagg &&
		    isfinite(m->front[i].tokens_per_s_per_user) &&
		    isfinite(m->front[i].tokens_per_s_per_gpu))
			f[n++] = m->front[i];
	qsort(f, n, sizeof *f, cmp_x);
	int idx = -1;
	if (n) {
		idx = block_begin(bl, disagg ? "disagg Pareto front (pareto.csv)"
					     : "agg Pareto front (pareto.csv)",
				  pareto_cols);
		for (size_t i = 0; i < n; i++)
			mpoint_row(&bl->dat, &f[i]);
	}
	free(f);
	return idx;
}

static const char *deploy_mode(const struct campdir *c,
			       const struct campdir_deploy *d)
{
	if (d->mode[0])
		return d->mode;
	for (size_t i = 0; i < c->fit.n_points; i++)
		if (!strcmp(c->fit.points[i].deployment, d->name) &&
		    c->fit.points[i].mode[0])
			return c->fit.points[i].mode;
	return "agg";
}

static int pareto_measured(struct blocks *bl, const struct campdir *c,
			   bool disagg)
{
	int idx = -1;
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *d = &c->deploys[i];
		if (is_disagg(deploy_mode(c, d)) != disagg)
			continue;
		for (size_t k = 0; k < d->n_levels; k++) {
			const struct campdir_level *lv = &d->levels[k];
			if (lv->req_ok <= 0 || !isfinite(lv->tokens_per_s_per_user) ||
			    !isfinite(lv->tokens_per_s_per_gpu))
				continue;
			if (idx < 0)
				idx = block_begin(bl, disagg ? "measured, disagg deployments"
							     : "measured, agg deployments",
						  "tokens_per_s_per_user tokens_per_s_per_gpu ttft_p50_ms tpot_p50_ms \"deployment and concurrency\"");
			struct campdir_mpoint p = {0};
			snprintf(p.config, sizeof p.config, "%s c%ld", d->name,
				 lv->concurrency);
			p.tokens_per_s_per_user = lv->tokens_per_s_per_user;
			p.tokens_per_s_per_gpu = lv->tokens_per_s_per_gpu;
			p.ttft_ms = lv->ttft_ms.p50;
			p.tpot_ms = lv->tpot_ms.p50;
			mpoint_row(&bl->dat, &p);
		}
	}
	return idx;
}

/* Block of the best configuration of one mode from best.json, labelled
 * with its config and TTFT; -1 when there is none. */
static int pareto_best(struct blocks *bl, const struct campdir_match *m,
		       bool disagg)
{
	const struct campdir_config *b = disagg ? &m->best_disagg : &m->best_agg;
	if (!b->present || !isfinite(b->tokens_per_s_per_user) ||
	    !isfinite(b->tokens_per_s_per_gpu))
		return -1;
	int idx = block_begin(bl, disagg ? "best disagg configuration (best.json), labelled"
					 : "best agg configuration (best.json), labelled",
			      pareto_cols);
	struct campdir_mpoint p = {0};
	snprintf(p.config, sizeof p.config, "%s best: %.200s, TTFT %.0f ms",
		 disagg ? "disagg" : "agg", b->config, b->ttft_ms);
	p.tokens_per_s_per_user = b->tokens_per_s_per_user;
	p.tokens_per_s_per_gpu = b->tokens_per_s_per_gpu;
	p.ttft_ms = b->ttft_ms;
	p.tpot_ms = b->tpot_ms;
	mpoint_row(&bl->dat, &p);
	return idx;
}

static double pareto_cbmax(const struct campdir_match *m)
{
	if (m->ttft_sla_ms > 0)
		return m->ttft_sla_ms * PARETO_CB_SLA_MULT;
	double mx = 0;
	for (size_t i = 0; i < m->n_points; i++)
		if (isfinite(m->points[i].ttft_ms) && m->points[i].ttft_ms > mx)
			mx = m->points[i].ttft_ms;
	return mx > 0 ? mx : 1000;
}

static void pareto_settings(struct script *s, const struct campdir *c,
			    const struct campdir_match *m)
{
	struct textbuf *t = &s->settings;
	double cbmax = pareto_cbmax(m);
	textbuf_printf(t, "set cbrange [0:%g]\n", cbmax);
	if (m->ttft_sla_ms > 0) {
		double sla = m->ttft_sla_ms;
		textbuf_printf(t,
			       "set cbtics ('0' 0, '%g' %g, 'SLA %g' %g, '%g' %g, '\u2265 %g' %g)\n",
			       sla / 2, sla / 2, sla, sla, sla * 1.5, sla * 1.5,
			       cbmax, cbmax);
	}
	double tpot = isfinite(m->tpot_sla_ms) ? m->tpot_sla_ms : c->tpot_sla_ms;
	if (tpot > 0) {
		double x = 1000.0 / tpot;
		textbuf_printf(t,
			       "# TPOT SLA: points left of x = %g tokens/s/user are too slow per user.\n"
			       "set object 1 rect from graph 0, graph 0 to first %g, graph 1 behind fc rgb '#f3f3f3' fs solid 1.0 noborder\n"
			       "set arrow 1 from first %g, graph 0 to first %g, graph 1 nohead front lc rgb '#b2182b' lw 2 dt 2\n"
			       "set label 1 'TPOT SLA %g ms (%.1f tokens/s/user)' at first %g, graph 0.98 right offset character -0.6,0 front tc rgb '#b2182b' font ',11'\n",
			       x, x, x, x, tpot, x, x);
	}
	textbuf_puts(t, "set style textbox opaque fc rgb '#ffffff' border lc rgb '#808080' margins 2,2\n");
}

static int write_pareto(const struct campdir *c, const struct campdir_match *m,
			const char *outdir, enum plot_format f,
			struct plot_chart *ch, struct sc_err *e)
{
	struct blocks bl = {{0}, 0};
	struct script s;
	textbuf_init(&bl.dat);
	script_init(&s);
	memset(ch, 0, sizeof *ch);
	ch->kind = PLOT_PARETO;
	safe_name(ch->name, sizeof ch->name, "pareto-", m->name);
	snprintf(ch->key, sizeof ch->key, "%s", m->name);
	char sla[96] = "";
	if (m->ttft_sla_ms > 0)
		snprintf(sla, sizeof sla, ", TTFT \u2264 %g ms", m->ttft_sla_ms);
	if (isfinite(m->tpot_sla_ms))
		snprintf(sla + strlen(sla), sizeof sla - strlen(sla),
			 ", TPOT \u2264 %g ms", m->tpot_sla_ms);
	snprintf(ch->title, sizeof ch->title,
		 "Pareto, %s model%s (ISL %ld / OSL %ld, %ld GPUs)",
		 !strcmp(m->source, "prior") ? "prior" : m->source, sla,
		 c->isl, c->osl, c->total_gpus);
	textbuf_printf(&bl.dat, "# %s\n# from match/%s/ and the deployments' summaries\n",
		       ch->title, m->name);

	int inf_a = pareto_points(&bl, m, false, false);
	int inf_d = pareto_points(&bl, m, true, false);
	int ok_a = pareto_points(&bl, m, false, true);
	int ok_d = pareto_points(&bl, m, true, true);
	int fr_a = pareto_front(&bl, m, false);
	int fr_d = pareto_front(&bl, m, true);
	int me_a = pareto_measured(&bl, c, false);
	int me_d = pareto_measured(&bl, c, true);
	int best_a = pareto_best(&bl, m, false);
	int best_d = pareto_best(&bl, m, true);

	pareto_settings(&s, c, m);
	const char *dat = ch->name;
	/* Legend entries in grey: a point's fill colour is its TTFT. */
	if (ok_a >= 0)
		titled(&s, "keyentry with points pt 7 ps 1.9 lc rgb '#505050'",
		       "agg config (projected)");
	if (ok_d >= 0)
		titled(&s, "keyentry with points pt 9 ps 2.2 lc rgb '#505050'",
		       "disagg config (projected)");
	if (me_a >= 0)
		titled(&s, "keyentry with points pt 5 ps 2.0 lc rgb '#505050'",
		       "agg measured (TTFT p50)");
	if (me_d >= 0)
		titled(&s, "keyentry with points pt 13 ps 2.4 lc rgb '#505050'",
		       "disagg measured (TTFT p50)");
	/* Drawn back to front: greyed infeasible points, fronts, projected
	 * points, measured points, then the labelled best points. */
	if (inf_a >= 0)
		data(&s, dat, inf_a, "using 1:2 with points pt 6 ps 1.3 lc rgb '#a0a0a0'",
		     "misses an SLA (grey)");
	if (inf_d >= 0)
		data(&s, dat, inf_d, "using 1:2 with points pt 8 ps 1.5 lc rgb '#a0a0a0'",
		     inf_a >= 0 ? NULL : "misses an SLA (grey)");
	if (fr_a >= 0)
		data(&s, dat, fr_a, "using 1:2 with lines lw 2.5 lc rgb '#202020' dt 1",
		     "agg Pareto front");
	if (fr_d >= 0)
		data(&s, dat, fr_d, "using 1:2 with lines lw 2.5 lc rgb '#202020' dt (10,5)",
		     "disagg Pareto front");
	if (ok_a >= 0) {
		data(&s, dat, ok_a, "using 1:2:3 with points pt 7 ps 1.9 lc palette", NULL);
		data(&s, dat, ok_a, "using 1:2 with points pt 6 ps 1.9 lw 1 lc rgb '#303030'", NULL);
	}
	if (ok_d >= 0) {
		data(&s, dat, ok_d, "using 1:2:3 with points pt 9 ps 2.2 lc palette", NULL);
		data(&s, dat, ok_d, "using 1:2 with points pt 8 ps 2.2 lw 1 lc rgb '#303030'", NULL);
	}
	if (me_a >= 0) {
		data(&s, dat, me_a, "using 1:2:3 with points pt 5 ps 2.0 lc palette", NULL);
		data(&s, dat, me_a, "using 1:2 with points pt 4 ps 2.0 lw 2 lc rgb '#000000'", NULL);
	}
	if (me_d >= 0) {
		data(&s, dat, me_d, "using 1:2:3 with points pt 13 ps 2.4 lc palette", NULL);
		data(&s, dat, me_d, "using 1:2 with points pt 12 ps 2.4 lw 2 lc rgb '#000000'", NULL);
	}
	/* Labels beside the rings: agg's below its point, disagg's above, so
	 * the two do not cover each other when the points are close. */
	if (best_a >= 0 || best_d >= 0)
		titled(&s, "keyentry with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'",
		       "best under the SLAs (labelled)");
	if (best_a >= 0) {
		data(&s, dat, best_a, "using 1:2 with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'", NULL);
		data(&s, dat, best_a,
		     "using 1:2:5 with labels boxed left offset character 2.2,-1.6 font ',11' tc rgb '#000000'",
		     NULL);
	}
	if (best_d >= 0) {
		data(&s, dat, best_d, "using 1:2 with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'", NULL);
		data(&s, dat, best_d,
		     "using 1:2:5 with labels boxed left offset character 2.2,1.6 font ',11' tc rgb '#000000'",
		     NULL);
	}
	if (!s.n_series)
		textbuf_puts(&s.plot, "set label 2 'no configuration data in this match directory' at graph 0.5, graph 0.5 center\n"
				      "plot NaN notitle");
	int rc = save_chart(outdir, "pareto.gp", ch, f, &bl, &s, e);
	textbuf_release(&bl.dat);
	script_release(&s);
	return rc;
}

/* ---- latency vs concurrency, per deployment ---- */

static const struct campdir_fitpoint *fit_point(const struct campdir *c,
						const char *dep, long conc)
{
	for (size_t i = 0; i < c->fit.n_points; i++)
		if (c->fit.points[i].concurrency == conc &&
		    !strcmp(c->fit.points[i].deployment, dep))
			return &c->fit.points[i];
	return NULL;
}

static int write_latency(const struct campdir *c,
			 const struct campdir_deploy *d, bool tpot,
			 const char *outdir, enum plot_format f,
			 struct plot_chart *ch, struct sc_err *e)
{
	struct blocks bl = {{0}, 0};
	struct script s;
	textbuf_init(&bl.dat);
	script_init(&s);
	memset(ch, 0, sizeof *ch);
	ch->kind = tpot ? PLOT_TPOT : PLOT_TTFT;
	const char *metric = tpot ? "TPOT" : "TTFT";
	safe_name(ch->name, sizeof ch->name, tpot ? "tpot-" : "ttft-", d->name);
	snprintf(ch->key, sizeof ch->key, "%s", d->name);
	snprintf(ch->title, sizeof ch->title,
		 "%s vs concurrency, %s (%s): measured vs projected", metric,
		 d->name, deploy_mode(c, d));
	textbuf_printf(&bl.dat, "# %s\n# from %s/cN/summary.json and fit.json points\n",
		       ch->title, d->name);
	block_begin(&bl, "one row per measured concurrency level",
		    "concurrency measured_p50_ms measured_p90_ms projected_prior_ms projected_calibrated_ms measured_mean_ms");
	bool any_prior = false, any_cal = false;
	for (size_t i = 0; i < d->n_levels; i++) {
		const struct campdir_level *lv = &d->levels[i];
		const struct campdir_stats *st = tpot ? &lv->tpot_ms : &lv->ttft_ms;
		const struct campdir_fitpoint *fp = fit_point(c, d->name, lv->concurrency);
		double pr = NAN, ca = NAN;
		if (fp) {
			pr = tpot ? fp->prior.tpot_ms : fp->prior.ttft_ms;
			ca = tpot ? fp->projected.tpot_ms : fp->projected.ttft_ms;
		}
		any_prior |= isfinite(pr);
		any_cal |= isfinite(ca);
		textbuf_printf(&bl.dat, "%ld", lv->concurrency);
		dat_num(&bl.dat, lv->req_ok > 0 ? st->p50 : NAN);
		dat_num(&bl.dat, lv->req_ok > 0 ? st->p90 : NAN);
		dat_num(&bl.dat, pr);
		dat_num(&bl.dat, ca);
		dat_num(&bl.dat, lv->req_ok > 0 ? st->mean : NAN);
		textbuf_puts(&bl.dat, "\n");
	}
	textbuf_puts(&s.settings, "set xtics (");
	for (size_t i = 0; i < d->n_levels; i++)
		textbuf_printf(&s.settings, "%s%ld", i ? ", " : "",
			       d->levels[i].concurrency);
	textbuf_puts(&s.settings, ")\n");
	const char *dat = ch->name;
	data(&s, dat, 0,
	     "using 1:2:3 with filledcurves fc rgb '#6baed6' fs transparent solid 0.30 noborder",
	     "measured p50 to p90");
	data(&s, dat, 0, "using 1:2 with linespoints lw 2.5 pt 7 ps 1.5 lc rgb '#08519c'",
	     "measured p50");
	data(&s, dat, 0, "using 1:3 with lines lw 1 dt 3 lc rgb '#08519c'",
	     "measured p90");
	/* The model projects the mean: show it so the comparison is like for
	 * like. */
	data(&s, dat, 0, "using 1:6 with points pt 3 ps 1.8 lw 1.5 lc rgb '#08519c'",
	     "measured mean");
	if (any_prior)
		data(&s, dat, 0, "using 1:4 with linespoints lw 2 dt (8,5) pt 4 ps 1.5 lc rgb '#7f7f7f'",
		     "projected mean, priors (before calibration)");
	if (any_cal)
		data(&s, dat, 0, "using 1:5 with linespoints lw 2.5 pt 6 ps 1.7 lc rgb '#d95f02'",
		     "projected mean, calibrated");
	char lbl[128], spec[160];
	if (tpot && c->tpot_sla_ms > 0) {
		snprintf(spec, sizeof spec, "%g with lines lw 1.5 dt 2 lc rgb '#b2182b'",
			 c->tpot_sla_ms);
		snprintf(lbl, sizeof lbl, "TPOT SLA %g ms", c->tpot_sla_ms);
		titled(&s, spec, lbl);
	}
	for (size_t i = 0; !tpot && i < c->n_ttft_slas; i++) {
		snprintf(spec, sizeof spec, "%g with lines lw 1.5 dt %d lc rgb '#b2182b'",
			 c->ttft_slas_ms[i], i ? 4 : 2);
		snprintf(lbl, sizeof lbl, "TTFT SLA %g ms", c->ttft_slas_ms[i]);
		titled(&s, spec, lbl);
	}
	int rc = save_chart(outdir, tpot ? "tpot.gp" : "ttft.gp", ch, f, &bl, &s, e);
	textbuf_release(&bl.dat);
	script_release(&s);
	return rc;
}

/* ---- alignment scatter, per metric ---- */

static void minmax(double v, double *lo, double *hi)
{
	if (!isfinite(v) || v <= 0)
		return;
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

/* Writes the block of fit points in set (0 in-sample, 1 held-out, 2 prior
 * projection of all points) for metric m; -1 when empty. */
static int align_block(struct blocks *bl, const struct campdir *c, int m,
		       int set, double *lo, double *hi)
{
	static const char *const what[] = {
		"in-sample points (used by the fit)",
		"held-out points (not used by the fit)",
		"every point projected with the priors (before calibration)"};
	int idx = -1;
	for (size_t i = 0; i < c->fit.n_points; i++) {
		const struct campdir_fitpoint *p = &c->fit.points[i];
		if (set < 2 && p->holdout != (set == 1))
			continue;
		double x = campdir_metric(&p->measured, m);
		double y = campdir_metric(set == 2 ? &p->prior : &p->projected, m);
		if (!isfinite(x) || !isfinite(y))
			continue;
		if (idx < 0)
			idx = block_begin(bl, what[set],
					  "measured projected error_percent \"deployment and concurrency\"");
		minmax(x, lo, hi);
		minmax(y, lo, hi);
		dat_num(&bl->dat, x);
		dat_num(&bl->dat, y);
		dat_num(&bl->dat, x != 0 ? (y / x - 1.0) * 100.0 : NAN);
		char lbl[CAMPDIR_NAME_MAX + 32];
		snprintf(lbl, sizeof lbl, "%s c%ld", p->deployment, p->concurrency);
		textbuf_puts(&bl->dat, " ");
		dat_str(&bl->dat, lbl);
		textbuf_puts(&bl->dat, "\n");
	}
	return idx;
}

static void mape_part(char *buf, size_t n, const char *what, double v)
{
	size_t used = strlen(buf);
	if (isfinite(v) && used < n)
		snprintf(buf + used, n - used, "%s%s %.1f%%", used ? ", " : "",
			 what, v);
}

/* Log axes label only decades by default; label 1-2-5 steps instead so a
 * range of one or two decades stays readable. */
static void log_tics(struct textbuf *t, double a, double b)
{
	textbuf_puts(t, "set logscale xy\nset mxtics default\nset mytics default\n");
	for (int axis = 0; axis < 2; axis++) {
		textbuf_printf(t, "set %ctics (", axis ? 'y' : 'x');
		int k = 0;
		for (double dec = pow(10, floor(log10(a))); dec <= b; dec *= 10)
			for (int m = 1; m <= 5; m += m == 1 ? 1 : 3) {
				double v = dec * m;
				if (v >= a && v <= b)
					textbuf_printf(t, "%s%g", k++ ? ", " : "", v);
			}
		textbuf_puts(t, ")\n");
	}
}

/* Returns SC_OK and sets *written false when the metric has no points. */
static int write_align(const struct campdir *c, int m, const char *outdir,
		       enum plot_format f, struct plot_chart *ch, bool *written,
		       struct sc_err *e)
{
	struct blocks bl = {{0}, 0};
	struct script s;
	textbuf_init(&bl.dat);
	script_init(&s);
	memset(ch, 0, sizeof *ch);
	*written = false;
	ch->kind = PLOT_ALIGN;
	const char *key = campdir_metric_key(m), *label = campdir_metric_label(m);
	safe_name(ch->name, sizeof ch->name, "align-", key);
	snprintf(ch->key, sizeof ch->key, "%s", key);
	char mape[160] = "";
	mape_part(mape, sizeof mape, "in-sample", campdir_metric(&c->fit.mape_in, m));
	mape_part(mape, sizeof mape, "held-out", campdir_metric(&c->fit.mape_out, m));
	mape_part(mape, sizeof mape, "priors", campdir_metric(&c->fit.mape_prior, m));
	snprintf(ch->title, sizeof ch->title, "%s: projected vs measured%s%s%s",
		 label, mape[0] ? " (MAPE " : "", mape, mape[0] ? ")" : "");
	textbuf_printf(&bl.dat, "# %s\n# from fit.json points\n", ch->title);
	double lo = INFINITY, hi = 0;
	int in = align_block(&bl, c, m, 0, &lo, &hi);
	int out = align_block(&bl, c, m, 1, &lo, &hi);
	int pri = align_block(&bl, c, m, 2, &lo, &hi);
	int rc = SC_OK;
	if (in < 0 && out < 0)
		goto done;
	bool logs = hi / lo > ALIGN_LOG_RATIO;
	double a = logs ? lo / 1.4 : 0, b = logs ? hi * 1.4 : hi * 1.12;
	if (logs)
		log_tics(&s.settings, a, b);
	textbuf_printf(&s.settings, "set xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n",
		       a, b, a, b);
	struct textbuf t;
	textbuf_init(&t);
	textbuf_puts(&t, "set xlabel 'measured ");
	for (const char *p = label; *p; p++)
		textbuf_putn(&t, p, 1);
	textbuf_puts(&t, "'\nset ylabel 'projected ");
	textbuf_puts(&t, label);
	textbuf_puts(&t, "'\n");
	textbuf_puts(&s.settings, t.s);
	textbuf_release(&t);
	char spec[200], band[64];
	snprintf(spec, sizeof spec,
		 "'+' using 1:($1*%g):($1*%g) with filledcurves fc rgb '#a1d99b' fs transparent solid 0.35 noborder",
		 1.0 - ALIGN_BAND_FRAC, 1.0 + ALIGN_BAND_FRAC);
	snprintf(band, sizeof band, "within \u00b1%.0f%%", ALIGN_BAND_FRAC * 100);
	titled(&s, spec, band);
	titled(&s, "x with lines lw 1.5 dt 2 lc rgb '#404040'", "y = x");
	const char *dat = ch->name;
	if (pri >= 0)
		data(&s, dat, pri, "using 1:2 with points pt 2 ps 1.6 lw 2 lc rgb '#9a9a9a'",
		     "priors (before calibration)");
	if (in >= 0)
		data(&s, dat, in, "using 1:2 with points pt 7 ps 1.8 lc rgb '#1f77b4'",
		     "calibrated, in-sample");
	if (out >= 0)
		data(&s, dat, out, "using 1:2 with points pt 9 ps 2.3 lc rgb '#d62728'",
		     "calibrated, held-out");
	rc = save_chart(outdir, "align.gp", ch, f, &bl, &s, e);
	*written = rc == SC_OK;
done:
	textbuf_release(&bl.dat);
	script_release(&s);
	return rc;
}

/* ---- the set ---- */

int plot_write(const struct campdir *c, const char *outdir,
	       enum plot_format f, struct plot_set *s, struct sc_err *e)
{
	memset(s, 0, sizeof *s);
	s->dir = xstrdup(outdir);
	s->format = f;
	size_t cap = 0;
	int rc = SC_OK;
	struct plot_chart ch;
	mkdir_p(outdir);
	struct stat st;
	if (stat(outdir, &st) || !S_ISDIR(st.st_mode))
		return sc_err_set(e, SC_ERUNTIME, "%s: cannot create directory: %s",
				  outdir, strerror(errno));
	for (size_t i = 0; i < c->n_matches; i++) {
		if ((rc = write_pareto(c, &c->matches[i], outdir, f, &ch, e)))
			return rc;
		chart_add(s, &cap, &ch);
	}
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *d = &c->deploys[i];
		bool any = false;
		for (size_t k = 0; k < d->n_levels; k++)
			any |= d->levels[k].req_ok > 0;
		if (!any)
			continue;
		for (int t = 0; t < 2; t++) {
			if ((rc = write_latency(c, d, t == 1, outdir, f, &ch, e)))
				return rc;
			chart_add(s, &cap, &ch);
		}
	}
	for (int m = 0; c->fit.present && m < CAMPDIR_N_METRICS; m++) {
		bool written;
		if ((rc = write_align(c, m, outdir, f, &ch, &written, e)))
			return rc;
		if (written)
			chart_add(s, &cap, &ch);
	}
	return SC_OK;
}

int plot_render(struct plot_set *s, double timeout_s, struct sc_err *e)
{
	int rc = SC_OK;
	if (!s->n)
		return SC_OK;
	if (!gnuplot_available()) {
		for (size_t i = 0; i < s->n; i++)
			snprintf(s->charts[i].error, sizeof s->charts[i].error,
				 "gnuplot not found");
		return sc_err_set(e, SC_ERUNTIME,
				  "gnuplot not found ('%s' is not on PATH): install gnuplot (Debian: apt-get install gnuplot-nox) or set SERVECAL_GNUPLOT; the data and scripts are in %s (run: cd %s && gnuplot NAME.gp)",
				  gnuplot_program(), s->dir, s->dir);
	}
	size_t failed = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct plot_chart *ch = &s->charts[i];
		char script[220];
		snprintf(script, sizeof script, "%s.gp", ch->name);
		struct sc_err ce = {0};
		char *img = xasprintf("%s/%s.%s", s->dir, ch->name,
				      plot_format_ext(s->format));
		remove(img);
		int r = gnuplot_run(s->dir, script, timeout_s, NULL, 0, &ce);
		struct stat st;
		if (r == SC_OK && (stat(img, &st) || st.st_size == 0)) {
			r = sc_err_set(&ce, SC_ERUNTIME,
				       "gnuplot %s: wrote no image %s", script, img);
		}
		free(img);
		ch->rendered = r == SC_OK;
		if (r != SC_OK) {
			snprintf(ch->error, sizeof ch->error, "%s", ce.msg);
			if (!failed++)
				rc = sc_err_set(e, SC_ERUNTIME, "%s", ce.msg);
		}
	}
	if (failed > 1)
		sc_err_prefix(e, "%zu of %zu charts failed, first", failed, s->n);
	return rc;
}

void plot_set_release(struct plot_set *s)
{
	if (!s)
		return;
	free(s->dir);
	free(s->charts);
	memset(s, 0, sizeof *s);
}
