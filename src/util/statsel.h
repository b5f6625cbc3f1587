/* Which statistic of a latency distribution an SLA applies to: the mean or
 * a percentile. Shared by the model's projections, the search, the
 * measured summaries and the reports, so they name it alike. */
#ifndef SC_STATSEL_H
#define SC_STATSEL_H

enum stat_sel {
	STAT_MEAN,
	STAT_P50,
	STAT_P90,
	STAT_P95,
	STAT_P99,
	STAT_SEL_COUNT
};

/* "mean", "p50", "p90", "p95", "p99". */
const char *statsel_name(enum stat_sel s);
/* 0, or -1 for a name not in the list above. */
int statsel_parse(const char *name, enum stat_sel *out);
/* The quantile of a percentile (0.5 .. 0.99); 0 for the mean. */
double statsel_quantile(enum stat_sel s);

#endif
