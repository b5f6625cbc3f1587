/* Pareto chart writer: the data blocks (grey configurations that miss the
 * SLAs, projected points, fronts, measured points, best points) and the
 * plot command. The best configurations are ringed and tagged with one
 * letter; their description goes above the plot area, so no label box
 * covers a point. */
#include "out/plot_pareto.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/plotfile.h"
#include "util/xalloc.h"

/* Colour scale top as a multiple of the TTFT SLA: the SLA sits mid-scale
 * and slower points saturate the top colour. */
#define PARETO_CB_SLA_MULT 2.0
/* Above this many projected points the Pareto chart draws small points
 * without outlines, so colours stay visible in dense searches. */
#define PARETO_DENSE_POINTS 2000
/* The TPOT SLA label runs along its line on the too-slow side, unless the
 * line is this close to the y axis (share of the x range): then on the
 * other side, clear of the axis' tick labels. */
#define PARETO_SLA_LABEL_MIN_X 0.08
/* The best configurations' lines above the plot area: the lowest this
 * many characters above it, the next one step higher. */
#define PARETO_LABEL_BASE_CHARS 0.9
#define PARETO_LABEL_STEP_CHARS 1.4
/* Autoscale rounds the axis up past the largest point by about this. */
#define PARETO_AXIS_PAD 1.1
/* Measured levels of one deployment whose tokens/s per user and per GPU
 * are both within this share of each other's sit on one spot of the chart
 * and share one label. */
#define PARETO_SAME_SPOT 0.01
/* A measured spot's label, "c64, c96, ...", at most this long. */
#define PARETO_LABEL_MAX 48

static bool is_disagg(const char *mode)
{
	return !strcmp(mode, "disagg");
}

static int cmp_x(const void *a, const void *b)
{
	const struct plan_csv_row *x = a, *y = b;
	return (x->tokens_per_s_per_user > y->tokens_per_s_per_user) -
	       (x->tokens_per_s_per_user < y->tokens_per_s_per_user);
}

/* A row: tokens/s/user, tokens/s/gpu, TTFT at the chart's statistic, TPOT,
 * the label. */
static void row(struct textbuf *b, double user, double gpu, double ttft,
		double tpot, const char *label)
{
	plotfile_num(b, user);
	plotfile_num(b, gpu);
	plotfile_num(b, ttft);
	plotfile_num(b, tpot);
	textbuf_puts(b, " ");
	plotfile_str(b, label);
}

static void mpoint_row(struct textbuf *b, const struct plan_csv_row *p)
{
	row(b, p->tokens_per_s_per_user, p->tokens_per_s_per_gpu,
	    p->ttft_at_stat_ms, p->tpot_ms, p->config);
	textbuf_puts(b, "\n");
}

/* Columns of every block, the TTFT column named by its statistic. */
static void block_cols(char *buf, size_t n, const struct campdir_match *m,
		       const char *extra)
{
	snprintf(buf, n,
		 "tokens_per_s_per_user tokens_per_s_per_gpu ttft_%s_ms "
		 "tpot_ms \"label\"%s",
		 statsel_name(m->ttft_col), extra);
}

static bool on_chart(const struct plan_csv_row *p)
{
	/* no throughput (e.g. out of memory): off the chart */
	return isfinite(p->tokens_per_s_per_user) &&
	       p->tokens_per_s_per_gpu > 0;
}

/* Block of matching points of one mode that meet every SLA; -1 when
 * empty. */
static int pareto_points(struct plotfile_blocks *bl,
			 const struct campdir_match *m, bool disagg,
			 size_t *count)
{
	int idx = -1;
	char cols[160];
	*count = 0;
	for (size_t i = 0; i < m->n_points; i++) {
		const struct plan_csv_row *p = &m->points[i];
		if (is_disagg(p->mode) != disagg || !p->feasible ||
		    !on_chart(p))
			continue;
		if (idx < 0) {
			block_cols(cols, sizeof cols, m, "");
			idx = plotfile_block(bl,
					     disagg ? "disagg configurations "
						      "that meet every SLA"
						    : "agg configurations "
						      "that meet every SLA",
					     cols);
		}
		mpoint_row(&bl->dat, p);
		(*count)++;
	}
	return idx;
}

static bool same_point(const struct plan_csv_row *a,
		       const struct plan_csv_row *b)
{
	return a->tokens_per_s_per_user == b->tokens_per_s_per_user &&
	       a->tokens_per_s_per_gpu == b->tokens_per_s_per_gpu &&
	       !strcmp(a->config, b->config);
}

/* Configurations of one mode that miss this match's SLAs: rows marked
 * infeasible in its tables, and the configurations that the same model
 * recommends under a looser TTFT SLA (other match directories) at an
 * operating point whose TTFT misses this one. Grey; -1 when none. */
static int pareto_grey(struct plotfile_blocks *bl, const struct campdir *c,
		       const struct campdir_match *m, bool disagg,
		       size_t *count)
{
	struct plan_csv_row *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < m->n_points; i++)
		if (is_disagg(m->points[i].mode) == disagg &&
		    !m->points[i].feasible && on_chart(&m->points[i])) {
			v = xgrow(v, &cap, n + 1, sizeof *v);
			v[n++] = m->points[i];
		}
	for (size_t k = 0; k < c->n_matches; k++) {
		const struct campdir_match *o = &c->matches[k];
		/* Only TTFTs at this SLA's own statistic can be judged. */
		if (o == m || strcmp(o->source, m->source) ||
		    !(o->ttft_sla_ms > m->ttft_sla_ms) ||
		    o->ttft_col != m->ttft_stat || m->ttft_col != m->ttft_stat)
			continue;
		for (size_t i = 0; i < o->n_points; i++) {
			const struct plan_csv_row *p = &o->points[i];
			if (is_disagg(p->mode) != disagg || !on_chart(p) ||
			    !(p->ttft_at_stat_ms > m->ttft_sla_ms))
				continue;
			bool dup = false;
			for (size_t j = 0; j < n && !dup; j++)
				dup = same_point(&v[j], p);
			if (dup)
				continue;
			v = xgrow(v, &cap, n + 1, sizeof *v);
			v[n] = *p;
			v[n++].feasible = false;
		}
	}
	int idx = -1;
	char cols[160], what[200];
	if (n) {
		block_cols(cols, sizeof cols, m, "");
		snprintf(what, sizeof what,
			 "%s configurations that miss an SLA (infeasible rows "
			 "of the tables, and configurations of looser TTFT "
			 "SLAs whose TTFT misses %g ms)",
			 disagg ? "disagg" : "agg", m->ttft_sla_ms);
		idx = plotfile_block(bl, what, cols);
	}
	for (size_t i = 0; i < n; i++)
		mpoint_row(&bl->dat, &v[i]);
	free(v);
	*count = n;
	return idx;
}

static int pareto_front(struct plotfile_blocks *bl,
			const struct campdir_match *m, bool disagg)
{
	struct plan_csv_row *f = xcalloc(m->n_front + 1, sizeof *f);
	size_t n = 0;
	for (size_t i = 0; i < m->n_front; i++)
		if (is_disagg(m->front[i].mode) == disagg &&
		    isfinite(m->front[i].tokens_per_s_per_user) &&
		    isfinite(m->front[i].tokens_per_s_per_gpu))
			f[n++] = m->front[i];
	qsort(f, n, sizeof *f, cmp_x);
	int idx = -1;
	char cols[160];
	if (n) {
		block_cols(cols, sizeof cols, m, "");
		idx = plotfile_block(bl,
				     disagg ? "disagg Pareto front (pareto.csv)"
					    : "agg Pareto front (pareto.csv)",
				     cols);
		for (size_t i = 0; i < n; i++)
			mpoint_row(&bl->dat, &f[i]);
	}
	free(f);
	return idx;
}

/* Whether level lv is drawn in the measured block of this match's SLAs
 * that `meets` selects. */
static bool measured_in(const struct campdir_level *lv,
			const struct campdir_match *m, bool meets)
{
	return lv->req_ok > 0 && isfinite(lv->tokens_per_s_per_user) &&
	       isfinite(lv->tokens_per_s_per_gpu) &&
	       campdir_level_meets(lv, m->ttft_sla_ms, m->ttft_stat,
				   m->tpot_sla_ms, m->tpot_stat) == meets;
}

static bool near(double a, double b)
{
	return fabs(a - b) <= PARETO_SAME_SPOT * fmax(fabs(a), fabs(b));
}

/* For each level of d drawn in the block, the first level it shares a
 * spot with (itself when none before it): a deployment past its capacity
 * measures the same tokens/s at every concurrency, and labels written on
 * one spot are unreadable. A level near a level that is itself labelled
 * elsewhere goes with that one. -1 for levels not drawn. */
static long *spot_owners(const struct campdir_deploy *d,
			 const struct campdir_match *m, bool meets)
{
	long *own = xcalloc(d->n_levels ? d->n_levels : 1, sizeof *own);
	for (size_t k = 0; k < d->n_levels; k++) {
		const struct campdir_level *lv = &d->levels[k];
		own[k] = measured_in(lv, m, meets) ? (long)k : -1;
		for (size_t j = 0; own[k] >= 0 && j < k; j++) {
			const struct campdir_level *o = &d->levels[j];
			if (own[j] >= 0 &&
			    near(lv->tokens_per_s_per_user,
				 o->tokens_per_s_per_user) &&
			    near(lv->tokens_per_s_per_gpu,
				 o->tokens_per_s_per_gpu)) {
				own[k] = own[j];
				break;
			}
		}
	}
	return own;
}

/* What a spot's label ends in when its levels do not all fit. */
#define SPOT_MORE ", ..."

/* The label of level k: its concurrency and those of the levels that
 * share its spot ("c64, c96"), or "" when it shares another's. A list
 * too long for the buffer ends in ", ..." after the last concurrency
 * that fits with it: every entry written leaves room for that ending. */
static void spot_label(char *buf, size_t n, const struct campdir_deploy *d,
		       const long *own, size_t k)
{
	buf[0] = '\0';
	if (own[k] != (long)k)
		return;
	size_t used = 0, more = strlen(SPOT_MORE);
	for (size_t j = k; j < d->n_levels; j++) {
		if (own[j] != (long)k)
			continue;
		char one[32];
		int w = snprintf(one, sizeof one, "%sc%ld", used ? ", " : "",
				 d->levels[j].concurrency);
		if (w < 0 || used + (size_t)w + more >= n) {
			snprintf(buf + used, n - used, "%s",
				 used ? SPOT_MORE : "...");
			return;
		}
		memcpy(buf + used, one, (size_t)w + 1);
		used += (size_t)w;
	}
}

/* Measured levels of one mode that meet (or miss) this match's SLAs at
 * its statistics, labelled with their concurrency; -1 when none. */
static int pareto_measured(struct plotfile_blocks *bl, const struct campdir *c,
			   const struct campdir_match *m, bool disagg,
			   bool meets)
{
	int idx = -1;
	char cols[200], what[160];
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *d = &c->deploys[i];
		if (is_disagg(campdir_deploy_mode(c, d)) != disagg)
			continue;
		long *own = spot_owners(d, m, meets);
		for (size_t k = 0; k < d->n_levels; k++) {
			const struct campdir_level *lv = &d->levels[k];
			if (own[k] < 0)
				continue;
			if (idx < 0) {
				snprintf(cols, sizeof cols,
					 "tokens_per_s_per_user "
					 "tokens_per_s_per_gpu ttft_%s_ms "
					 "tpot_%s_ms \"deployment and "
					 "concurrency\" \"concurrency label\"",
					 statsel_name(m->ttft_col),
					 statsel_name(m->tpot_stat));
				snprintf(what, sizeof what,
					 "measured, %s deployments, %s",
					 disagg ? "disagg" : "agg",
					 meets ? "meet every SLA"
					       : "miss an SLA (drawn hollow)");
				idx = plotfile_block(bl, what, cols);
			}
			char lbl[CAMPDIR_NAME_MAX + 32], conc[PARETO_LABEL_MAX];
			snprintf(lbl, sizeof lbl, "%s c%ld", d->name,
				 lv->concurrency);
			spot_label(conc, sizeof conc, d, own, k);
			row(&bl->dat, lv->tokens_per_s_per_user,
			    lv->tokens_per_s_per_gpu,
			    lv->ttft_ms.at[m->ttft_col],
			    lv->tpot_ms.at[m->tpot_stat], lbl);
			textbuf_puts(&bl->dat, " ");
			plotfile_str(&bl->dat, conc);
			textbuf_puts(&bl->dat, "\n");
		}
		free(own);
	}
	return idx;
}

/* What a best configuration is, in one line: config, tokens/s/gpu, GPUs
 * used of the budget, TTFT at the SLA statistic. */
static void best_text(char *buf, size_t n, const struct campdir *c,
		      const struct campdir_match *m, bool disagg)
{
	const struct plan_file_config *b =
	    disagg ? &m->best_disagg : &m->best_agg;
	char gpus[64] = "";
	if (isfinite(b->gpus) && c->total_gpus > 0)
		snprintf(gpus, sizeof gpus, ", %.0f of %ld GPUs", b->gpus,
			 c->total_gpus);
	else if (isfinite(b->gpus))
		snprintf(gpus, sizeof gpus, ", %.0f GPUs", b->gpus);
	double ttft =
	    isfinite(b->ttft_at_stat_ms) ? b->ttft_at_stat_ms : b->ttft_ms;
	snprintf(buf, n,
		 "%s  %s best: %.140s: %.1f tokens/s/gpu%s, TTFT %s %.0f ms",
		 disagg ? "D" : "A", disagg ? "disagg" : "agg", b->config,
		 b->tokens_per_s_per_gpu, gpus,
		 statsel_name(isfinite(b->ttft_at_stat_ms) ? m->ttft_stat
							   : STAT_MEAN),
		 ttft);
}

/* Block of the best configuration of one mode from best.json, with its
 * one-letter tag; -1 when there is none. */
static int pareto_best(struct plotfile_blocks *bl, const struct campdir *c,
		       const struct campdir_match *m, bool disagg)
{
	const struct plan_file_config *b =
	    disagg ? &m->best_disagg : &m->best_agg;
	if (!b->present || !isfinite(b->tokens_per_s_per_user) ||
	    !isfinite(b->tokens_per_s_per_gpu))
		return -1;
	char cols[160], text[320];
	block_cols(cols, sizeof cols, m, " \"tag\"");
	int idx = plotfile_block(
	    bl,
	    disagg ? "best disagg configuration (best.json), tagged D"
		   : "best agg configuration (best.json), tagged A",
	    cols);
	best_text(text, sizeof text, c, m, disagg);
	row(&bl->dat, b->tokens_per_s_per_user, b->tokens_per_s_per_gpu,
	    m->ttft_col == m->ttft_stat ? b->ttft_at_stat_ms : b->ttft_ms,
	    b->tpot_ms, text);
	textbuf_puts(&bl->dat, disagg ? " \"D\"\n" : " \"A\"\n");
	return idx;
}

/* The agg and disagg fronts (block indexes, -1 when absent); a white halo
 * under each when drawn over dense points. */
static void pareto_fronts(struct plotfile_script *s, const char *dat, int fr_a,
			  int fr_d, bool halo)
{
	if (fr_a >= 0) {
		if (halo)
			plotfile_data(
			    s, dat, fr_a,
			    "using 1:2 with lines lw 6 lc rgb '#ffffff'", NULL);
		plotfile_data(
		    s, dat, fr_a,
		    "using 1:2 with lines lw 2.5 lc rgb '#202020' dt 1",
		    "agg Pareto front");
	}
	if (fr_d >= 0) {
		if (halo)
			plotfile_data(
			    s, dat, fr_d,
			    "using 1:2 with lines lw 6 lc rgb '#ffffff'", NULL);
		plotfile_data(
		    s, dat, fr_d,
		    "using 1:2 with lines lw 2.5 lc rgb '#202020' dt (10,5)",
		    "disagg Pareto front");
	}
}

static double pareto_cbmax(const struct campdir_match *m)
{
	if (m->ttft_sla_ms > 0)
		return m->ttft_sla_ms * PARETO_CB_SLA_MULT;
	double mx = 0;
	for (size_t i = 0; i < m->n_points; i++)
		if (isfinite(m->points[i].ttft_at_stat_ms) &&
		    m->points[i].ttft_at_stat_ms > mx)
			mx = m->points[i].ttft_at_stat_ms;
	return mx > 0 ? mx : 1000;
}

/* Largest tokens/s/user on the chart: where autoscale ends the x axis. */
static double pareto_xmax(const struct campdir *c,
			  const struct campdir_match *m)
{
	double x = 0;
	for (size_t i = 0; i < m->n_points; i++)
		x = fmax(x, m->points[i].tokens_per_s_per_user);
	for (size_t i = 0; i < c->n_deploys; i++)
		for (size_t k = 0; k < c->deploys[i].n_levels; k++)
			x = fmax(x,
				 c->deploys[i].levels[k].tokens_per_s_per_user);
	return x * PARETO_AXIS_PAD;
}

static void pareto_settings(struct plotfile_script *s, const struct campdir *c,
			    const struct campdir_match *m, int best_a,
			    int best_d)
{
	struct textbuf *t = &s->settings;
	double cbmax = pareto_cbmax(m);
	/* One TTFT statistic on the whole chart, named on its colour bar. */
	textbuf_printf(t, "set cblabel 'TTFT %s (ms)' offset 2.5,0\n",
		       statsel_name(m->ttft_col));
	textbuf_printf(t, "set cbrange [0:%g]\n", cbmax);
	if (m->ttft_sla_ms > 0) {
		double sla = m->ttft_sla_ms;
		textbuf_printf(t,
			       "set cbtics ('0' 0, '%g' %g, 'SLA %g' %g, '%g' "
			       "%g, '\u2265 %g' %g)\n",
			       sla / 2, sla / 2, sla, sla, sla * 1.5, sla * 1.5,
			       cbmax, cbmax);
	}
	double tpot =
	    isfinite(m->tpot_sla_ms) ? m->tpot_sla_ms : c->tpot_sla_ms;
	if (tpot > 0) {
		double x = 1000.0 / tpot;
		bool left = x > PARETO_SLA_LABEL_MIN_X * pareto_xmax(c, m);
		textbuf_printf(
		    t,
		    "# TPOT SLA: points left of x = %g tokens/s/user are too "
		    "slow per user. Its label runs along the line, away from "
		    "the tick labels.\n"
		    "set object 1 rect from graph 0, graph 0 to first %g, "
		    "graph 1 behind fc rgb '#f3f3f3' fs solid 1.0 noborder\n"
		    "set arrow 1 from first %g, graph 0 to first %g, graph 1 "
		    "nohead front lc rgb '#b2182b' lw 2 dt 2\n"
		    "set label 1 'TPOT %s SLA %.4g ms (%.1f tokens/s/user)' at "
		    "first %g, graph 0.5 center rotate by 90 offset character "
		    "%s1.2,0 front tc rgb '#b2182b' font ',11'\n",
		    x, x, x, x, statsel_name(m->tpot_stat), tpot, x, x,
		    left ? "-" : "");
	}
	/* The best configurations' descriptions sit above the plot area
	 * (graph y > 1), each line after its tag letter; the points carry
	 * only the letter. */
	int lines = (best_a >= 0) + (best_d >= 0), line = 0;
	char text[320];
	for (int k = 0; k < 2; k++) {
		if ((k ? best_d : best_a) < 0)
			continue;
		best_text(text, sizeof text, c, m, k == 1);
		textbuf_printf(t, "set label %d ", 11 + k);
		plotfile_gpstr(t, text);
		textbuf_printf(t,
			       " at graph 0, graph 1 offset 0, character "
			       "%.1f left front tc rgb '#000000' font ',12'\n",
			       PARETO_LABEL_BASE_CHARS +
				   PARETO_LABEL_STEP_CHARS *
				       (lines - 1 - line++));
	}
	/* The title moves up over the lines, the plot area down. */
	textbuf_printf(t, "set tmargin %d\nset title offset 0,%.1f\n",
		       3 + 2 * lines, PARETO_LABEL_STEP_CHARS * lines);
}

int plot_pareto_write(const struct campdir *c, const struct campdir_match *m,
		      const char *outdir, enum plot_format f,
		      struct plot_chart *ch, struct sc_err *e)
{
	struct plotfile_blocks bl = {{0}, 0};
	struct plotfile_script s;
	textbuf_init(&bl.dat);
	plotfile_script_init(&s);
	memset(ch, 0, sizeof *ch);
	ch->kind = PLOT_PARETO;
	plotfile_stem(ch->name, sizeof ch->name, "pareto-", m->name);
	snprintf(ch->key, sizeof ch->key, "%s", m->name);
	char sla[128] = "";
	if (m->ttft_sla_ms > 0)
		snprintf(sla, sizeof sla, ", TTFT %s \u2264 %.4g ms",
			 statsel_name(m->ttft_stat), m->ttft_sla_ms);
	if (isfinite(m->tpot_sla_ms))
		snprintf(sla + strlen(sla), sizeof sla - strlen(sla),
			 ", TPOT %s \u2264 %.4g ms", statsel_name(m->tpot_stat),
			 m->tpot_sla_ms);
	snprintf(ch->title, sizeof ch->title,
		 "Pareto, %s model%s (ISL %ld / OSL %ld, %ld GPUs)",
		 !strcmp(m->source, "prior") ? "prior" : m->source, sla, c->isl,
		 c->osl, c->total_gpus);
	textbuf_printf(
	    &bl.dat, "# %s\n# from match/%s/ and the deployments' summaries\n",
	    ch->title, m->name);

	size_t n_inf_a, n_inf_d, n_ok_a, n_ok_d;
	int inf_a = pareto_grey(&bl, c, m, false, &n_inf_a);
	int inf_d = pareto_grey(&bl, c, m, true, &n_inf_d);
	int ok_a = pareto_points(&bl, m, false, &n_ok_a);
	int ok_d = pareto_points(&bl, m, true, &n_ok_d);
	int fr_a = pareto_front(&bl, m, false);
	int fr_d = pareto_front(&bl, m, true);
	int me_a = pareto_measured(&bl, c, m, false, true);
	int mx_a = pareto_measured(&bl, c, m, false, false);
	int me_d = pareto_measured(&bl, c, m, true, true);
	int mx_d = pareto_measured(&bl, c, m, true, false);
	int best_a = pareto_best(&bl, c, m, false);
	int best_d = pareto_best(&bl, c, m, true);

	pareto_settings(&s, c, m, best_a, best_d);
	const char *dat = ch->name;
	char title[96];
	/* Legend entries in grey: a point's fill colour is its TTFT. */
	if (ok_a >= 0)
		plotfile_titled(
		    &s, "keyentry with points pt 7 ps 1.9 lc rgb '#505050'",
		    "agg (projected)");
	if (ok_d >= 0)
		plotfile_titled(
		    &s, "keyentry with points pt 9 ps 2.2 lc rgb '#505050'",
		    "disagg (projected)");
	if (me_a >= 0 || mx_a >= 0) {
		snprintf(title, sizeof title, "agg measured, cN");
		plotfile_titled(
		    &s, "keyentry with points pt 5 ps 2.0 lc rgb '#505050'",
		    title);
	}
	if (me_d >= 0 || mx_d >= 0) {
		snprintf(title, sizeof title, "disagg measured, cN");
		plotfile_titled(
		    &s, "keyentry with points pt 13 ps 2.4 lc rgb '#505050'",
		    title);
	}
	if (mx_a >= 0 || mx_d >= 0)
		plotfile_titled(&s,
				"keyentry with points pt 4 ps 2.0 lw 2 lc rgb "
				"'#b2182b'",
				"measured, misses an SLA");
	/* Drawn back to front: greyed configurations that miss an SLA,
	 * projected points, the fronts, measured points, then the tagged
	 * best points. Dense searches get smaller points without outlines
	 * so colour stays visible. */
	if (inf_a >= 0)
		plotfile_data(
		    &s, dat, inf_a,
		    n_inf_a > PARETO_DENSE_POINTS
			? "using 1:2 with points pt 7 ps 0.5 lc rgb '#c8c8c8'"
			: "using 1:2 with points pt 6 ps 1.3 lc rgb '#a0a0a0'",
		    "misses an SLA (grey)");
	if (inf_d >= 0)
		plotfile_data(
		    &s, dat, inf_d,
		    n_inf_d > PARETO_DENSE_POINTS
			? "using 1:2 with points pt 9 ps 0.6 lc rgb '#c8c8c8'"
			: "using 1:2 with points pt 8 ps 1.5 lc rgb '#a0a0a0'",
		    inf_a >= 0 ? NULL : "misses an SLA (grey)");
	/* Sparse: fronts under the points so every point's TTFT colour shows.
	 * Dense: fronts on top, with a halo, or they would be lost. */
	bool dense = n_ok_a + n_ok_d > PARETO_DENSE_POINTS;
	if (!dense)
		pareto_fronts(&s, dat, fr_a, fr_d, false);
	if (ok_a >= 0 && dense) {
		plotfile_data(&s, dat, ok_a,
			      "using 1:2:3 with points pt 7 ps 1.0 lc palette",
			      NULL);
	} else if (ok_a >= 0) {
		plotfile_data(&s, dat, ok_a,
			      "using 1:2:3 with points pt 7 ps 1.9 lc palette",
			      NULL);
		plotfile_data(
		    &s, dat, ok_a,
		    "using 1:2 with points pt 6 ps 1.9 lw 1 lc rgb '#303030'",
		    NULL);
	}
	if (ok_d >= 0 && dense) {
		plotfile_data(&s, dat, ok_d,
			      "using 1:2:3 with points pt 9 ps 1.2 lc palette",
			      NULL);
	} else if (ok_d >= 0) {
		plotfile_data(&s, dat, ok_d,
			      "using 1:2:3 with points pt 9 ps 2.2 lc palette",
			      NULL);
		plotfile_data(
		    &s, dat, ok_d,
		    "using 1:2 with points pt 8 ps 2.2 lw 1 lc rgb '#303030'",
		    NULL);
	}
	if (dense)
		pareto_fronts(&s, dat, fr_a, fr_d, true);
	/* Measured: filled by TTFT when they meet the SLAs, hollow with a
	 * red outline when they miss; each labelled with its concurrency. */
	static const struct {
		const char *fill, *outline, *miss;
	} shape[2] = {
	    {"using 1:2:3 with points pt 5 ps 2.0 lc palette",
	     "using 1:2 with points pt 4 ps 2.0 lw 2 lc rgb '#000000'",
	     "using 1:2 with points pt 4 ps 2.0 lw 2 lc rgb '#b2182b'"},
	    {"using 1:2:3 with points pt 13 ps 2.4 lc palette",
	     "using 1:2 with points pt 12 ps 2.4 lw 2 lc rgb '#000000'",
	     "using 1:2 with points pt 12 ps 2.4 lw 2 lc rgb '#b2182b'"},
	};
	const int meets[2] = {me_a, me_d}, misses[2] = {mx_a, mx_d};
	for (int k = 0; k < 2; k++) {
		if (meets[k] >= 0) {
			plotfile_data(&s, dat, meets[k], shape[k].fill, NULL);
			plotfile_data(&s, dat, meets[k], shape[k].outline,
				      NULL);
		}
		if (misses[k] >= 0)
			plotfile_data(&s, dat, misses[k], shape[k].miss, NULL);
		for (int w = 0; w < 2; w++)
			if ((w ? misses[k] : meets[k]) >= 0)
				plotfile_data(
				    &s, dat, w ? misses[k] : meets[k],
				    "using 1:2:6 with labels left offset "
				    "character 1.3,-0.9 font ',10' tc rgb "
				    "'#000000'",
				    NULL);
	}
	if (best_a >= 0 || best_d >= 0)
		plotfile_titled(
		    &s,
		    "keyentry with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'",
		    "best: A agg, D disagg");
	for (int k = 0; k < 2; k++) {
		int idx = k ? best_d : best_a;
		if (idx < 0)
			continue;
		plotfile_data(
		    &s, dat, idx,
		    "using 1:2 with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'",
		    NULL);
		plotfile_data(&s, dat, idx,
			      "using 1:2:6 with labels left offset character "
			      "1.4,1.1 font ',14' tc rgb '#d62728'",
			      NULL);
	}
	if (!s.n_series)
		textbuf_puts(&s.plot,
			     "set label 2 'no configuration data in this match "
			     "directory' at graph 0.5, graph 0.5 center\n"
			     "plot NaN notitle");
	int rc = plotfile_save(outdir, "pareto.gp", ch, f, &bl, &s, e);
	textbuf_release(&bl.dat);
	plotfile_script_release(&s);
	return rc;
}
