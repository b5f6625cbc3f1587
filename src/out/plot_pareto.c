/* Pareto chart writer: the data blocks (grey infeasible points, projected
 * points, fronts, measured points, best points) and the plot command, with
 * the best-point labels placed where they hide the fewest points. */
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
	plotfile_num(b, p->tokens_per_s_per_user);
	plotfile_num(b, p->tokens_per_s_per_gpu);
	plotfile_num(b, p->ttft_ms);
	plotfile_num(b, p->tpot_ms);
	textbuf_puts(b, " ");
	plotfile_str(b, p->config);
	textbuf_puts(b, "\n");
}

static const char pareto_cols[] =
    "tokens_per_s_per_user tokens_per_s_per_gpu ttft_ms tpot_ms \"label\"";

/* Block of matching points of one mode and feasibility; -1 when empty. */
static int pareto_points(struct plotfile_blocks *bl,
			 const struct campdir_match *m, bool disagg,
			 bool feasible, size_t *count)
{
	int idx = -1;
	*count = 0;
	for (size_t i = 0; i < m->n_points; i++) {
		const struct campdir_mpoint *p = &m->points[i];
		if (is_disagg(p->mode) != disagg || p->feasible != feasible ||
		    !isfinite(p->tokens_per_s_per_user) ||
		    !(p->tokens_per_s_per_gpu > 0))
			continue; /* no throughput (e.g. out of memory): off the
				     chart */
		if (idx < 0) {
			char what[128];
			snprintf(what, sizeof what, "%s configurations, %s",
				 disagg ? "disagg" : "agg",
				 feasible ? "meet every SLA" : "miss an SLA");
			idx = plotfile_block(bl, what, pareto_cols);
		}
		mpoint_row(&bl->dat, p);
		(*count)++;
	}
	return idx;
}

static int pareto_front(struct plotfile_blocks *bl,
			const struct campdir_match *m, bool disagg)
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
		idx = plotfile_block(bl,
				     disagg ? "disagg Pareto front (pareto.csv)"
					    : "agg Pareto front (pareto.csv)",
				     pareto_cols);
		for (size_t i = 0; i < n; i++)
			mpoint_row(&bl->dat, &f[i]);
	}
	free(f);
	return idx;
}

static int pareto_measured(struct plotfile_blocks *bl, const struct campdir *c,
			   bool disagg)
{
	int idx = -1;
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campdir_deploy *d = &c->deploys[i];
		if (is_disagg(campdir_deploy_mode(c, d)) != disagg)
			continue;
		for (size_t k = 0; k < d->n_levels; k++) {
			const struct campdir_level *lv = &d->levels[k];
			if (lv->req_ok <= 0 ||
			    !isfinite(lv->tokens_per_s_per_user) ||
			    !isfinite(lv->tokens_per_s_per_gpu))
				continue;
			if (idx < 0)
				idx = plotfile_block(
				    bl,
				    disagg ? "measured, disagg deployments"
					   : "measured, agg deployments",
				    "tokens_per_s_per_user "
				    "tokens_per_s_per_gpu ttft_p50_ms "
				    "tpot_p50_ms \"deployment and "
				    "concurrency\"");
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
static int pareto_best(struct plotfile_blocks *bl,
		       const struct campdir_match *m, bool disagg)
{
	const struct campdir_config *b =
	    disagg ? &m->best_disagg : &m->best_agg;
	if (!b->present || !isfinite(b->tokens_per_s_per_user) ||
	    !isfinite(b->tokens_per_s_per_gpu))
		return -1;
	int idx = plotfile_block(
	    bl,
	    disagg ? "best disagg configuration (best.json), labelled"
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

/* Placing a best-point label where it hides the fewest points. The chart
 * geometry is estimated (plot area of the 1400x900 canvas, glyph sizes of
 * the label font), which is good enough to choose between four corners. */
#define LABEL_PLOT_W_PX 1070.0 /* plot area width */
#define LABEL_PLOT_H_PX 640.0  /* plot area height */
#define LABEL_CHAR_W_PX 7.7    /* average glyph width at font 11 */
#define LABEL_H_PX	24.0   /* box height */
#define LABEL_DX_CHARS	2.2    /* offset from the point, in default chars */
#define LABEL_DY_CHARS	1.6
#define LABEL_DX_PX	19.0 /* the same offsets in pixels */
#define LABEL_DY_PX	27.0
enum { LABEL_LEFT = 1, LABEL_BELOW = 2 };

struct label_box {
	double x0, x1, y0, y1; /* data coordinates */
};

static bool in_box(const struct label_box *b, double x, double y)
{
	return x >= b->x0 && x <= b->x1 && y >= b->y0 && y <= b->y1;
}

static bool boxes_meet(const struct label_box *a, const struct label_box *b)
{
	return a->x0 <= b->x1 && b->x0 <= a->x1 && a->y0 <= b->y1 &&
	       b->y0 <= a->y1;
}

/* Chooses the corner (LABEL_LEFT | LABEL_BELOW bits) for a label of len
 * characters at (x, y): fewest points covered, not over labels already
 * placed, inside the plot; right-above first on ties. Writes its box. */
static int label_corner(const struct campdir *c, const struct campdir_match *m,
			double x, double y, size_t len,
			const struct label_box *placed, size_t n_placed,
			struct label_box *out)
{
	double xmax = 0, ymax = 0;
	for (size_t i = 0; i < m->n_points; i++) {
		if (m->points[i].tokens_per_s_per_user > xmax)
			xmax = m->points[i].tokens_per_s_per_user;
		if (m->points[i].tokens_per_s_per_gpu > ymax)
			ymax = m->points[i].tokens_per_s_per_gpu;
	}
	for (size_t i = 0; i < c->n_deploys; i++)
		for (size_t k = 0; k < c->deploys[i].n_levels; k++) {
			const struct campdir_level *l =
			    &c->deploys[i].levels[k];
			if (l->tokens_per_s_per_user > xmax)
				xmax = l->tokens_per_s_per_user;
			if (l->tokens_per_s_per_gpu > ymax)
				ymax = l->tokens_per_s_per_gpu;
		}
	/* Autoscale rounds up to a tic and the template adds offsets. */
	xmax = (xmax > x ? xmax : x) * 1.1;
	ymax = (ymax > y ? ymax : y) * 1.1;
	double xpp = xmax / LABEL_PLOT_W_PX, ypp = ymax / LABEL_PLOT_H_PX;
	double w = ((double)len * LABEL_CHAR_W_PX + 8.0) * xpp;
	int best = 0;
	double best_cost = INFINITY;
	for (int corner = 0; corner < 4; corner++) {
		struct label_box b;
		double dx = LABEL_DX_PX * xpp, dy = LABEL_DY_PX * ypp;
		b.x0 = corner & LABEL_LEFT ? x - dx - w : x + dx;
		b.x1 = b.x0 + w;
		double yc = corner & LABEL_BELOW ? y - dy : y + dy;
		b.y0 = yc - LABEL_H_PX / 2 * ypp;
		b.y1 = yc + LABEL_H_PX / 2 * ypp;
		double cost = 0;
		for (size_t i = 0; i < m->n_points; i++)
			cost += in_box(&b, m->points[i].tokens_per_s_per_user,
				       m->points[i].tokens_per_s_per_gpu);
		for (size_t i = 0; i < c->n_deploys; i++)
			for (size_t k = 0; k < c->deploys[i].n_levels; k++)
				cost += in_box(&b,
					       c->deploys[i]
						   .levels[k]
						   .tokens_per_s_per_user,
					       c->deploys[i]
						   .levels[k]
						   .tokens_per_s_per_gpu);
		for (size_t i = 0; i < n_placed; i++)
			cost += boxes_meet(&b, &placed[i]) ? 1000 : 0;
		if (b.x0 < 0 || b.x1 > xmax || b.y0 < 0 || b.y1 > ymax)
			cost += 100;
		cost += corner *
			0.1; /* prefer right-above, then left, then below */
		if (cost < best_cost) {
			best_cost = cost;
			best = corner;
			*out = b;
		}
	}
	return best;
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

static void pareto_settings(struct plotfile_script *s, const struct campdir *c,
			    const struct campdir_match *m)
{
	struct textbuf *t = &s->settings;
	double cbmax = pareto_cbmax(m);
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
		textbuf_printf(
		    t,
		    "# TPOT SLA: points left of x = %g tokens/s/user are too "
		    "slow per user.\n"
		    "set object 1 rect from graph 0, graph 0 to first %g, "
		    "graph 1 behind fc rgb '#f3f3f3' fs solid 1.0 noborder\n"
		    "set arrow 1 from first %g, graph 0 to first %g, graph 1 "
		    "nohead front lc rgb '#b2182b' lw 2 dt 2\n"
		    "set label 1 'TPOT SLA %.4g ms (%.1f tokens/s/user)' at "
		    "first %g, graph 0.98 right offset character -0.6,0 front "
		    "tc rgb '#b2182b' font ',11'\n",
		    x, x, x, x, tpot, x, x);
	}
	textbuf_puts(t, "set style textbox opaque fc rgb '#ffffff' border lc "
			"rgb '#808080' margins 2,2\n");
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
	char sla[96] = "";
	if (m->ttft_sla_ms > 0)
		snprintf(sla, sizeof sla, ", TTFT \u2264 %.4g ms",
			 m->ttft_sla_ms);
	if (isfinite(m->tpot_sla_ms))
		snprintf(sla + strlen(sla), sizeof sla - strlen(sla),
			 ", TPOT \u2264 %.4g ms", m->tpot_sla_ms);
	snprintf(ch->title, sizeof ch->title,
		 "Pareto, %s model%s (ISL %ld / OSL %ld, %ld GPUs)",
		 !strcmp(m->source, "prior") ? "prior" : m->source, sla, c->isl,
		 c->osl, c->total_gpus);
	textbuf_printf(
	    &bl.dat, "# %s\n# from match/%s/ and the deployments' summaries\n",
	    ch->title, m->name);

	size_t n_inf_a, n_inf_d, n_ok_a, n_ok_d;
	int inf_a = pareto_points(&bl, m, false, false, &n_inf_a);
	int inf_d = pareto_points(&bl, m, true, false, &n_inf_d);
	int ok_a = pareto_points(&bl, m, false, true, &n_ok_a);
	int ok_d = pareto_points(&bl, m, true, true, &n_ok_d);
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
		plotfile_titled(
		    &s, "keyentry with points pt 7 ps 1.9 lc rgb '#505050'",
		    "agg config (projected)");
	if (ok_d >= 0)
		plotfile_titled(
		    &s, "keyentry with points pt 9 ps 2.2 lc rgb '#505050'",
		    "disagg config (projected)");
	if (me_a >= 0)
		plotfile_titled(
		    &s, "keyentry with points pt 5 ps 2.0 lc rgb '#505050'",
		    "agg measured (TTFT p50)");
	if (me_d >= 0)
		plotfile_titled(
		    &s, "keyentry with points pt 13 ps 2.4 lc rgb '#505050'",
		    "disagg measured (TTFT p50)");
	/* Drawn back to front: greyed infeasible points, projected points,
	 * the fronts, measured points, then the labelled best points. Dense
	 * searches get smaller points without outlines so colour stays
	 * visible. */
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
	if (me_a >= 0) {
		plotfile_data(&s, dat, me_a,
			      "using 1:2:3 with points pt 5 ps 2.0 lc palette",
			      NULL);
		plotfile_data(
		    &s, dat, me_a,
		    "using 1:2 with points pt 4 ps 2.0 lw 2 lc rgb '#000000'",
		    NULL);
	}
	if (me_d >= 0) {
		plotfile_data(&s, dat, me_d,
			      "using 1:2:3 with points pt 13 ps 2.4 lc palette",
			      NULL);
		plotfile_data(
		    &s, dat, me_d,
		    "using 1:2 with points pt 12 ps 2.4 lw 2 lc rgb '#000000'",
		    NULL);
	}
	if (best_a >= 0 || best_d >= 0)
		plotfile_titled(
		    &s,
		    "keyentry with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'",
		    "best under the SLAs (labelled)");
	struct label_box placed[2];
	size_t n_placed = 0;
	for (int k = 0; k < 2; k++) {
		int idx = k ? best_d : best_a;
		const struct campdir_config *b =
		    k ? &m->best_disagg : &m->best_agg;
		if (idx < 0)
			continue;
		char lbl[320], spec[200];
		snprintf(lbl, sizeof lbl, "%s best: %.200s, TTFT %.0f ms",
			 k ? "disagg" : "agg", b->config, b->ttft_ms);
		int corner = label_corner(c, m, b->tokens_per_s_per_user,
					  b->tokens_per_s_per_gpu, strlen(lbl),
					  placed, n_placed, &placed[n_placed]);
		n_placed++;
		snprintf(spec, sizeof spec,
			 "using 1:2:5 with labels boxed %s offset character "
			 "%s%.1f,%s%.1f font ',11' tc rgb '#000000'",
			 corner & LABEL_LEFT ? "right" : "left",
			 corner & LABEL_LEFT ? "-" : "", LABEL_DX_CHARS,
			 corner & LABEL_BELOW ? "-" : "", LABEL_DY_CHARS);
		plotfile_data(
		    &s, dat, idx,
		    "using 1:2 with points pt 6 ps 3.6 lw 3 lc rgb '#d62728'",
		    NULL);
		plotfile_data(&s, dat, idx, spec, NULL);
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

/* ---- latency vs concurrency, per deployment ---- */
