/* The files of one chart, shared by the chart writers (plot.c,
 * plot_pareto.c): numbered data blocks for NAME.dat, the plot command list
 * for NAME.gp, quoting for both, and saving through a template of plots/. */
#ifndef SC_PLOTFILE_H
#define SC_PLOTFILE_H
#include <stddef.h>

#include "out/plot.h"
#include "util/err.h"
#include "util/textbuf.h"

/* Data blocks of one .dat file; plot commands refer to them by index, so
 * empty blocks are never written. */
struct plotfile_blocks {
	struct textbuf dat;
	int n;
};

/* What one chart's script needs besides its template: extra settings and
 * the plot command. */
struct plotfile_script {
	struct textbuf settings, plot;
	int n_series;
};

/* Starts the next block with a comment naming it and its columns; returns
 * its index. */
int plotfile_block(struct plotfile_blocks *bl, const char *what,
		   const char *cols);
void plotfile_script_init(struct plotfile_script *s);
void plotfile_script_release(struct plotfile_script *s);
/* Appends one series (text after "plot " or ", ") to the plot command. */
void plotfile_series(struct plotfile_script *s, const char *text);
/* A series "SPEC title 'TITLE'" (title quoted for gnuplot). */
void plotfile_titled(struct plotfile_script *s, const char *spec,
		     const char *title);
/* A series from block idx of NAME.dat; title NULL leaves it out of the
 * key. */
void plotfile_data(struct plotfile_script *s, const char *name, int idx,
		   const char *spec, const char *title);

/* Appends s as a gnuplot single-quoted string literal. */
void plotfile_gpstr(struct textbuf *b, const char *s);
/* Appends s as a double-quoted string column of a data file. */
void plotfile_str(struct textbuf *b, const char *s);
/* Appends " %.6g", or " NaN" for a missing value. */
void plotfile_num(struct textbuf *b, double v);
/* prefix + s with characters unsafe in file names replaced by '_'. */
void plotfile_stem(char *dst, size_t n, const char *prefix, const char *s);

/* Replaces each @KEY@ of tmpl whose KEY is in keys[0..n) by vals[i].
 * Returns a heap string. */
char *plotfile_expand(const char *tmpl, const char *const *keys,
		      const char *const *vals, size_t n);
/* Fills template tmpl_name (TERMINAL, OUTPUT, TITLE, SETTINGS, PLOT) and
 * saves outdir/NAME.gp and outdir/NAME.dat. Returns SC_OK, SC_EINPUT
 * (template unreadable) or SC_ERUNTIME (cannot write). */
int plotfile_save(const char *outdir, const char *tmpl_name,
		  const struct plot_chart *ch, enum plot_format f,
		  const struct plotfile_blocks *bl,
		  const struct plotfile_script *s,
		  struct sc_err *e) SC_MUST_CHECK;

#endif
