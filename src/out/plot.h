/* Plot writer: turns a campaign directory into gnuplot charts. For each
 * chart it writes NAME.dat (the numbers) and NAME.gp (a script filled in from
 * a template in plots/) so that the user can render them anywhere with
 * `gnuplot NAME.gp`; rendering runs gnuplot through out/gnuplot.h. */
#ifndef SC_PLOT_H
#define SC_PLOT_H
#include <stdbool.h>
#include <stddef.h>

#include "out/campdir.h"
#include "util/err.h"

enum plot_format { PLOT_PNG, PLOT_SVG, PLOT_PDF };

/* "png", "svg" or "pdf". Returns SC_OK or SC_EINVAL. */
int plot_format_parse(const char *s, enum plot_format *out) SC_MUST_CHECK;
/* File extension without the dot. */
const char *plot_format_ext(enum plot_format f);

enum plot_kind { PLOT_PARETO, PLOT_TTFT, PLOT_TPOT, PLOT_ALIGN };

struct plot_chart {
	enum plot_kind kind;
	char name[200];		    /* file stem: NAME.dat, NAME.gp, NAME.EXT */
	char title[300];	    /* what the chart shows, for reports */
	char key[CAMPDIR_NAME_MAX]; /* match dir, deployment or metric key */
	bool rendered;		    /* NAME.EXT exists and is non-empty */
	char error[SC_ERR_MSG_MAX]; /* why rendering failed, "" otherwise */
	char warning[256]; /* first line gnuplot printed on success, or "" */
};

struct plot_set {
	char *dir; /* where the files are */
	enum plot_format format;
	struct plot_chart *charts;
	size_t n;
};

/* Writes NAME.dat and NAME.gp into outdir (created if needed) for every
 * chart the campaign has data for: a Pareto chart per match directory,
 * TTFT and TPOT vs concurrency per measured deployment, an alignment scatter
 * per metric when fit.json has points. Fills s (release with
 * plot_set_release). Returns SC_OK, SC_EINPUT (template unreadable) or
 * SC_ERUNTIME (cannot write). */
int plot_write(const struct campdir *c, const char *outdir, enum plot_format f,
	       struct plot_set *s, struct sc_err *e) SC_MUST_CHECK;
/* Renders every chart of s with gnuplot (timeout_s each) and records each
 * chart's outcome. Returns SC_OK when all rendered, else SC_ERUNTIME with
 * the first failure in e (gnuplot missing is said once, plainly). */
int plot_render(struct plot_set *s, double timeout_s,
		struct sc_err *e) SC_MUST_CHECK;
void plot_set_release(struct plot_set *s);

/* The gnuplot "set terminal" line of format f. */
const char *plot_format_terminal(enum plot_format f);

#endif
