/* The Pareto chart of one matching result: tokens/s/gpu against
 * tokens/s/user, every point coloured by TTFT, measured points on top, the
 * best configurations labelled, the TPOT SLA drawn, infeasible points grey. */
#ifndef SC_PLOT_PARETO_H
#define SC_PLOT_PARETO_H
#include "out/campdir.h"
#include "out/plot.h"
#include "util/err.h"

/* Writes outdir/pareto-MATCH.dat and .gp for match m of c and describes the
 * chart in ch. Returns SC_OK, SC_EINPUT or SC_ERUNTIME (see plotfile_save). */
int plot_pareto_write(const struct campdir *c, const struct campdir_match *m,
		      const char *outdir, enum plot_format f,
		      struct plot_chart *ch, struct sc_err *e) SC_MUST_CHECK;

#endif
