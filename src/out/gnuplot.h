/* The home of gnuplot: finds the plot templates and runs the gnuplot
 * program on a script, without a shell, with a time limit and its error
 * output captured. */
#ifndef SC_GNUPLOT_H
#define SC_GNUPLOT_H
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Time one chart may take to render before gnuplot is killed. */
#define GNUPLOT_TIMEOUT_S 60.0
/* Most bytes of gnuplot's error output kept (the rest is dropped). */
#define GNUPLOT_LOG_MAX 8192

/* Directory of the *.gp templates: $SERVECAL_PLOTS, the source tree's
 * plots/, or the installed data directory (never NULL). */
const char *gnuplot_template_dir(void);
/* Reads template name (e.g. "pareto.gp") into a heap string. Returns NULL
 * with SC_EINPUT naming the path when it cannot be read. */
char *gnuplot_template_load(const char *name, struct sc_err *e);
/* The program run: $SERVECAL_GNUPLOT when set, else "gnuplot". */
const char *gnuplot_program(void);
/* True when the program exists: an executable path, or found on $PATH. */
bool gnuplot_available(void);
/* Writes the gnuplot program's version ("5.4 patchlevel 4") into buf.
 * SC_ERUNTIME when it cannot be run. */
int gnuplot_version(char *buf, size_t len, struct sc_err *e) SC_MUST_CHECK;

/* Runs the gnuplot program on script (a file name relative to dir) with dir
 * as working directory, stdin from /dev/null. Its stderr (capped at
 * GNUPLOT_LOG_MAX) goes to log when log_len > 0. Returns SC_OK when it exits
 * 0; SC_ERUNTIME when it cannot start, is not found, runs past timeout_s
 * (it is killed) or exits non-zero, with its first error line in e. */
int gnuplot_run(const char *dir, const char *script, double timeout_s,
		char *log, size_t log_len, struct sc_err *e) SC_MUST_CHECK;

#endif
