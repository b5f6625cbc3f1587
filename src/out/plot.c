/* Chart data and scripts from a campaign directory. Templates in plots/
 * hold the look (fonts, palette, key placement); this file writes the
 * latency and alignment charts, drives the Pareto writer (plot_pareto.c)
 * and renders them all through out/gnuplot.h. */
#include "out/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/gnuplot.h"
#include "out/plot_pareto.h"
#include "out/plotfile.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Band drawn around y = x on alignment charts: the error a calibrated model
 * should stay within. */
#define ALIGN_BAND_FRAC 0.10
/* Above this max/min ratio alignment axes switch to log scale. */
#define ALIGN_LOG_RATIO 10.0
/* Above this max/min ratio a latency axis switches to log scale, and its
 * range is padded by this factor on each side. */
#define LATENCY_LOG_RATIO 6.0
#define LATENCY_LOG_PAD	  1.25

static const char *const format_ext[] = {"png", "svg", "pdf"};
static const char *const format_term[] = {
    "set terminal pngcairo size 1400,900 font 'DejaVu Sans,14' noenhanced",
    "set terminal svg size 1400,900 dynamic font 'DejaVu Sans,16' noenhanced "
    "background '#ffffff'",
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

const char *plot_format_terminal(enum plot_format f)
{
	return format_term[f];
}

static void chart_add(struct plot_set *s, size_t *cap,
		      const struct plot_chart *ch)
{
	s->charts = xgrow(s->charts, cap, s->n + 1, sizeof *ch);
	s->charts[s->n++] = *ch;
}

static const struct calib_file_point *fit_point(const struct campdir *c,
						const char *dep, long conc)
{
	for (size_t i = 0; i < c->fit.n_points; i++)
		if (c->fit.points[i].concurrency == conc &&
		    !strcmp(c->fit.points[i].deployment, dep))
			return &c->fit.points[i];
	return NULL;
}

/* Log axes label only decades by default; label 1-2-3-5 steps instead so
 * a range of one or two decades stays readable. axes: "x", "y" or "xy". */
static void log_tics(struct textbuf *t, const char *axes, double a, double b)
{
	static const int steps[] = {1, 2, 3, 5};
	textbuf_printf(t, "set logscale %s\n", axes);
	for (const char *ax = axes; *ax; ax++) {
		textbuf_printf(t, "set m%ctics default\nset %ctics (", *ax,
			       *ax);
		int k = 0;
		for (double dec = pow(10, floor(log10(a))); dec <= b; dec *= 10)
			for (size_t i = 0; i < sizeof steps / sizeof *steps;
			     i++) {
				double v = dec * steps[i];
				if (v >= a && v <= b)
					textbuf_printf(t, "%s%g",
						       k++ ? ", " : "", v);
			}
		textbuf_puts(t, ")\n");
	}
}

static void minmax(double v, double *lo, double *hi)
{
	if (!isfinite(v) || v <= 0)
		return;
	if (v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

/* Latency against concurrency for one deployment: the measured spread
 * (p50 to p90), the statistic the SLA applies to, the projections, the
 * SLA lines; levels that miss the tightest SLA ringed in red. The y axis
 * turns logarithmic when the values span more than LATENCY_LOG_RATIO, so
 * a tail of slow levels does not squash the region around the SLA. */
static int write_latency(const struct campdir *c,
			 const struct campdir_deploy *d, bool tpot,
			 const char *outdir, enum plot_format f,
			 struct plot_chart *ch, struct sc_err *e)
{
	struct plotfile_blocks bl = {{0}, 0};
	struct plotfile_script s;
	textbuf_init(&bl.dat);
	plotfile_script_init(&s);
	memset(ch, 0, sizeof *ch);
	ch->kind = tpot ? PLOT_TPOT : PLOT_TTFT;
	const char *metric = tpot ? "TPOT" : "TTFT";
	enum stat_sel stat = tpot ? c->tpot_stat : c->ttft_stat;
	const char *sn = statsel_name(stat);
	/* The tightest SLA: a level over it is ringed. */
	double sla = tpot ? c->tpot_sla_ms : NAN;
	for (size_t i = 0; !tpot && i < c->n_ttft_slas; i++)
		if (!(c->ttft_slas_ms[i] >= sla))
			sla = c->ttft_slas_ms[i];
	bool has_sla = sla > 0;
	plotfile_stem(ch->name, sizeof ch->name, tpot ? "tpot-" : "ttft-",
		      d->name);
	snprintf(ch->key, sizeof ch->key, "%s", d->name);
	bool fitted = false; /* a projection to draw beside the measurements */
	for (size_t i = 0; i < d->n_levels; i++)
		fitted |=
		    fit_point(c, d->name, d->levels[i].concurrency) != NULL;
	snprintf(ch->title, sizeof ch->title, "%s vs concurrency, %s (%s): %s",
		 metric, d->name, campdir_deploy_mode(c, d),
		 fitted ? "measured vs projected" : "measured");
	textbuf_printf(&bl.dat,
		       "# %s\n# from %s/cN/summary.json and fit.json points\n",
		       ch->title, d->name);
	char cols[320];
	snprintf(cols, sizeof cols,
		 "concurrency measured_p50_ms measured_p90_ms "
		 "projected_prior_ms projected_calibrated_ms measured_mean_ms "
		 "measured_%s_ms misses_sla_%s_ms projected_calibrated_p90_ms",
		 sn, sn);
	plotfile_block(&bl, "one row per measured concurrency level", cols);
	bool any_prior = false, any_cal = false, any_cal90 = false,
	     any_miss = false;
	double lo = INFINITY, hi = 0;
	for (size_t i = 0; i < d->n_levels; i++) {
		const struct campdir_level *lv = &d->levels[i];
		const struct campdir_stats *st =
		    tpot ? &lv->tpot_ms : &lv->ttft_ms;
		const struct calib_file_point *fp =
		    fit_point(c, d->name, lv->concurrency);
		int om = tpot ? OM_TPOT : OM_TTFT;
		double pr = fp ? fp->prior.v[om] : NAN,
		       ca = fp ? fp->projected.v[om] : NAN,
		       c90 = fp && !tpot ? fp->projected.v[OM_TTFT_P90] : NAN;
		bool ok = lv->req_ok > 0;
		double v[4] = {
		    ok ? st->at[STAT_P50] : NAN, ok ? st->at[STAT_P90] : NAN,
		    ok ? st->at[STAT_MEAN] : NAN, ok ? st->at[stat] : NAN};
		double miss = v[3] > sla ? v[3] : NAN;
		any_prior |= isfinite(pr);
		any_cal |= isfinite(ca);
		any_cal90 |= isfinite(c90);
		any_miss |= isfinite(miss);
		double all[] = {v[0], v[1], v[2], v[3], pr, ca, c90};
		for (size_t k = 0; k < sizeof all / sizeof *all; k++)
			minmax(all[k], &lo, &hi);
		textbuf_printf(&bl.dat, "%ld", lv->concurrency);
		plotfile_num(&bl.dat, v[0]);
		plotfile_num(&bl.dat, v[1]);
		plotfile_num(&bl.dat, pr);
		plotfile_num(&bl.dat, ca);
		plotfile_num(&bl.dat, v[2]);
		plotfile_num(&bl.dat, v[3]);
		plotfile_num(&bl.dat, miss);
		plotfile_num(&bl.dat, c90);
		textbuf_puts(&bl.dat, "\n");
	}
	textbuf_puts(&s.settings, "set xtics (");
	for (size_t i = 0; i < d->n_levels; i++)
		textbuf_printf(&s.settings, "%s%ld", i ? ", " : "",
			       d->levels[i].concurrency);
	textbuf_puts(&s.settings, ")\n");
	if (tpot)
		minmax(c->tpot_sla_ms, &lo, &hi);
	for (size_t i = 0; !tpot && i < c->n_ttft_slas; i++)
		minmax(c->ttft_slas_ms[i], &lo, &hi);
	if (hi > 0 && hi / lo > LATENCY_LOG_RATIO) {
		double a = lo / LATENCY_LOG_PAD, b = hi * LATENCY_LOG_PAD;
		textbuf_printf(&s.settings,
			       "# log scale: the values span %.0fx\n", hi / lo);
		log_tics(&s.settings, "y", a, b);
		textbuf_printf(&s.settings, "set yrange [%.6g:%.6g]\n", a, b);
	}
	const char *dat = ch->name;
	char title[128];
	plotfile_data(&s, dat, 0,
		      "using 1:2:3 with filledcurves fc rgb '#6baed6' fs "
		      "transparent solid 0.30 noborder",
		      "measured p50 to p90");
	/* The SLA's statistic drawn solid, the others lighter. */
	for (int k = 0; k < 2; k++) {
		enum stat_sel ks = k ? STAT_P90 : STAT_P50;
		snprintf(title, sizeof title, "measured %s%s", statsel_name(ks),
			 ks == stat && has_sla ? " (the SLA statistic)" : "");
		plotfile_data(
		    &s, dat, 0,
		    ks == stat ? (k ? "using 1:3 with linespoints lw 2.5 pt 7 "
				      "ps 1.5 lc rgb '#08519c'"
				    : "using 1:2 with linespoints lw 2.5 pt 7 "
				      "ps 1.5 lc rgb '#08519c'")
			       : (k ? "using 1:3 with lines lw 1 dt 3 lc rgb "
				      "'#08519c'"
				    : "using 1:2 with linespoints lw 1.5 pt 7 "
				      "ps 1.0 lc rgb '#6b8fc2'"),
		    title);
	}
	/* The model projects the mean: show it so the comparison is like for
	 * like. */
	snprintf(title, sizeof title, "measured mean%s",
		 stat == STAT_MEAN && has_sla ? " (the SLA statistic)" : "");
	plotfile_data(
	    &s, dat, 0,
	    "using 1:6 with points pt 3 ps 1.8 lw 1.5 lc rgb '#08519c'", title);
	if (stat != STAT_MEAN && stat != STAT_P50 && stat != STAT_P90) {
		snprintf(title, sizeof title, "measured %s%s", sn,
			 has_sla ? " (the SLA statistic)" : "");
		plotfile_data(&s, dat, 0,
			      "using 1:7 with linespoints lw 2.5 pt 5 ps 1.3 "
			      "lc rgb '#3f007d'",
			      title);
	}
	if (any_prior)
		plotfile_data(&s, dat, 0,
			      "using 1:4 with linespoints lw 2 dt (8,5) pt 4 "
			      "ps 1.5 lc rgb '#7f7f7f'",
			      "projected mean, priors (before calibration)");
	if (any_cal)
		plotfile_data(&s, dat, 0,
			      "using 1:5 with linespoints lw 2.5 pt 6 ps 1.7 "
			      "lc rgb '#d95f02'",
			      "projected mean, calibrated");
	if (any_cal90)
		plotfile_data(&s, dat, 0,
			      "using 1:9 with linespoints lw 1.5 dt (4,3) pt 6 "
			      "ps 1.2 lc rgb '#d95f02'",
			      "projected p90, calibrated");
	char spec[160];
	if (tpot && c->tpot_sla_ms > 0) {
		snprintf(spec, sizeof spec,
			 "%g with lines lw 1.5 dt 2 lc rgb '#b2182b'",
			 c->tpot_sla_ms);
		snprintf(title, sizeof title, "TPOT %s SLA %.4g ms", sn,
			 c->tpot_sla_ms);
		plotfile_titled(&s, spec, title);
	}
	for (size_t i = 0; !tpot && i < c->n_ttft_slas; i++) {
		snprintf(spec, sizeof spec,
			 "%g with lines lw 1.5 dt %d lc rgb '#b2182b'",
			 c->ttft_slas_ms[i], i ? 4 : 2);
		snprintf(title, sizeof title, "TTFT %s SLA %.4g ms", sn,
			 c->ttft_slas_ms[i]);
		plotfile_titled(&s, spec, title);
	}
	if (any_miss) {
		snprintf(title, sizeof title, "misses %s %s \u2264 %.4g ms",
			 metric, sn, sla);
		plotfile_data(&s, dat, 0,
			      "using 1:8 with points pt 6 ps 3.0 lw 2.5 lc rgb "
			      "'#b2182b'",
			      title);
	}
	int rc = plotfile_save(outdir, tpot ? "tpot.gp" : "ttft.gp", ch, f, &bl,
			       &s, e);
	textbuf_release(&bl.dat);
	plotfile_script_release(&s);
	return rc;
}

/* ---- alignment scatter, per metric ---- */

/* Writes the block of fit points in set (0 in-sample, 1 held-out, 2 prior
 * projection of all points) for metric m; -1 when empty. */
static int align_block(struct plotfile_blocks *bl, const struct campdir *c,
		       int m, int set, double *lo, double *hi)
{
	static const char *const what[] = {
	    "in-sample points (used by the fit)",
	    "held-out points (not used by the fit)",
	    "every point projected with the priors (before calibration)"};
	int idx = -1;
	for (size_t i = 0; i < c->fit.n_points; i++) {
		const struct calib_file_point *p = &c->fit.points[i];
		if (set < 2 && p->holdout != (set == 1))
			continue;
		double x = p->measured.v[m];
		double y = (set == 2 ? &p->prior : &p->projected)->v[m];
		if (!isfinite(x) || !isfinite(y))
			continue;
		if (idx < 0)
			idx = plotfile_block(bl, what[set],
					     "measured projected error_percent "
					     "\"deployment and concurrency\"");
		minmax(x, lo, hi);
		minmax(y, lo, hi);
		plotfile_num(&bl->dat, x);
		plotfile_num(&bl->dat, y);
		plotfile_num(&bl->dat, x != 0 ? (y / x - 1.0) * 100.0 : NAN);
		char lbl[CAMPDIR_NAME_MAX + 32];
		snprintf(lbl, sizeof lbl, "%s c%ld", p->deployment,
			 p->concurrency);
		textbuf_puts(&bl->dat, " ");
		plotfile_str(&bl->dat, lbl);
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

/* Returns SC_OK and sets *written false when the metric has no points. */
static int write_align(const struct campdir *c, int m, const char *outdir,
		       enum plot_format f, struct plot_chart *ch, bool *written,
		       struct sc_err *e)
{
	struct plotfile_blocks bl = {{0}, 0};
	struct plotfile_script s;
	textbuf_init(&bl.dat);
	plotfile_script_init(&s);
	memset(ch, 0, sizeof *ch);
	*written = false;
	ch->kind = PLOT_ALIGN;
	const char *key = obs_metrics[m].key;
	char label[80];
	snprintf(label, sizeof label, "%s (%s)", obs_metrics[m].label,
		 campdir_metric_unit(m));
	plotfile_stem(ch->name, sizeof ch->name, "align-", key);
	snprintf(ch->key, sizeof ch->key, "%s", key);
	char mape[160] = "";
	mape_part(mape, sizeof mape, "in-sample", c->fit.mape_in.v[m]);
	mape_part(mape, sizeof mape, "held-out", c->fit.mape_out.v[m]);
	mape_part(mape, sizeof mape, "priors", c->fit.mape_prior.v[m]);
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
		log_tics(&s.settings, "xy", a, b);
	textbuf_printf(&s.settings,
		       "set xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n", a, b,
		       a, b);
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
		 "'+' using 1:($1*%g):($1*%g) with filledcurves fc rgb "
		 "'#a1d99b' fs transparent solid 0.35 noborder",
		 1.0 - ALIGN_BAND_FRAC, 1.0 + ALIGN_BAND_FRAC);
	snprintf(band, sizeof band, "within \u00b1%.0f%%",
		 ALIGN_BAND_FRAC * 100);
	plotfile_titled(&s, spec, band);
	plotfile_titled(&s, "x with lines lw 1.5 dt 2 lc rgb '#404040'",
			"y = x");
	const char *dat = ch->name;
	if (pri >= 0)
		plotfile_data(
		    &s, dat, pri,
		    "using 1:2 with points pt 2 ps 1.6 lw 2 lc rgb '#9a9a9a'",
		    "priors (before calibration)");
	if (in >= 0)
		plotfile_data(
		    &s, dat, in,
		    "using 1:2 with points pt 7 ps 1.8 lc rgb '#1f77b4'",
		    "calibrated, in-sample");
	if (out >= 0)
		plotfile_data(
		    &s, dat, out,
		    "using 1:2 with points pt 9 ps 2.3 lc rgb '#d62728'",
		    "calibrated, held-out");
	rc = plotfile_save(outdir, "align.gp", ch, f, &bl, &s, e);
	*written = rc == SC_OK;
done:
	textbuf_release(&bl.dat);
	plotfile_script_release(&s);
	return rc;
}

/* ---- the set ---- */

int plot_write(const struct campdir *c, const char *outdir, enum plot_format f,
	       struct plot_set *s, struct sc_err *e)
{
	memset(s, 0, sizeof *s);
	s->dir = xstrdup(outdir);
	s->format = f;
	size_t cap = 0;
	int rc = SC_OK;
	struct plot_chart ch;
	if ((rc = fs_mkdir_p(outdir, e)))
		return rc;
	for (size_t i = 0; i < c->n_matches; i++) {
		if ((rc = plot_pareto_write(c, &c->matches[i], outdir, f, &ch,
					    e)))
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
			if ((rc = write_latency(c, d, t == 1, outdir, f, &ch,
						e)))
				return rc;
			chart_add(s, &cap, &ch);
		}
	}
	for (int m = 0; c->fit.present && m < OM_COUNT; m++) {
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
		return sc_err_set(
		    e, SC_ERUNTIME,
		    "gnuplot not found ('%s' is not on PATH): install gnuplot "
		    "(Debian: apt-get install gnuplot-nox) or set "
		    "SERVECAL_GNUPLOT; the data and scripts are in %s (run: cd "
		    "%s && gnuplot NAME.gp)",
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
		char log[GNUPLOT_LOG_MAX];
		int r = gnuplot_run(s->dir, script, timeout_s, log, sizeof log,
				    &ce);
		struct stat st;
		if (r == SC_OK && (stat(img, &st) || st.st_size == 0)) {
			r = sc_err_set(&ce, SC_ERUNTIME,
				       "gnuplot %s: wrote no image %s", script,
				       img);
		}
		free(img);
		ch->rendered = r == SC_OK;
		/* A chart that rendered may still have lost data: keep what
		 * gnuplot said so the caller can show it. */
		const char *w = log;
		while (*w == '\n' || *w == ' ')
			w++;
		snprintf(ch->warning, sizeof ch->warning, "%.*s",
			 r == SC_OK ? (int)strcspn(w, "\n") : 0, w);
		if (r != SC_OK) {
			snprintf(ch->error, sizeof ch->error, "%s", ce.msg);
			if (!failed++)
				rc = sc_err_set(e, SC_ERUNTIME, "%s", ce.msg);
		}
	}
	if (failed > 1)
		sc_err_prefix(e, "%zu of %zu charts failed, first", failed,
			      s->n);
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
