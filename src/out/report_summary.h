/* The report's answers: per TTFT SLA the winner of each mode (GPUs used of
 * the budget, tokens/s/gpu, tokens/s/user, TTFT at the SLA statistic),
 * every figure marked measured or projected, gains worded the same way,
 * the fit's quality verdict, and the closure test of verify.json. Shared
 * number formatting for the other sections too. */
#ifndef SC_REPORT_SUMMARY_H
#define SC_REPORT_SUMMARY_H
#include <stddef.h>

#include "out/campdir.h"
#include "out/doc.h"

/* The Summary section (the report's first). */
void report_summary(struct doc *d, const struct campdir *c);
/* The closure-test section; writes nothing when no match directory has a
 * verify.json. */
void report_verify(struct doc *d, const struct campdir *c);

/* The TTFT SLAs reported on: the campaign's, then any other that a match
 * directory names, into out (capacity cap). Returns how many. */
size_t report_slas(const struct campdir *c, double *out, size_t cap);
/* v with prec decimals, or "-" when not finite. Returns buf. */
const char *report_num(char *buf, size_t n, double v, int prec);
/* "7 of 8 (1 idle)", "8 of 8", or "7" without a budget. Returns buf. */
const char *report_gpus(char *buf, size_t n, double gpus, double idle,
			long budget);

#endif
