/* The alignment report of a campaign: report.md and a self-contained
 * report.html (images embedded as data URIs). First the summary (the
 * winner of each mode per SLA, every figure marked measured or projected),
 * then the charts, the closure test, what is missing, the best
 * configurations calibrated vs prior, the fit, and the long tables
 * (measurements, alignment per point) collapsed; campaign and environment
 * last. Missing pieces are reported as missing. */
#ifndef SC_REPORT_H
#define SC_REPORT_H
#include <stdbool.h>

#include "out/campdir.h"
#include "out/plot.h"
#include "util/err.h"

/* Writes c->dir/report.md and c->dir/report.html. Charts come from ps (may
 * be NULL: no plots section); a chart that was not rendered is listed with
 * its error. Returns SC_OK or SC_ERUNTIME (cannot write). */
int report_write(const struct campdir *c, const struct plot_set *ps,
		 struct sc_err *e) SC_MUST_CHECK;

struct report_opts {
	enum plot_format format; /* png or svg (pdf cannot be embedded) */
	bool render;		 /* run gnuplot; else use images present */
	double timeout_s;	 /* per chart */
};

struct report_result {
	char *html_path, *md_path; /* heap; NULL when nothing was written */
	bool plots_ok;		   /* every chart rendered (or render off) */
	struct sc_err plot_err;	   /* why not, when !plots_ok */
};

/* Loads dir, writes the charts into dir/plots (rendering them unless
 * o->render is false) and writes the report. The report is written even
 * when rendering fails (r->plots_ok false, r->plot_err says why). Returns
 * SC_OK, SC_EINPUT (dir or campaign.json missing or malformed) or
 * SC_ERUNTIME (cannot write). Free r with report_result_release. */
int report_campaign(const char *dir, const struct report_opts *o,
		    struct report_result *r, struct sc_err *e) SC_MUST_CHECK;
void report_result_release(struct report_result *r);

#endif
