/* Summary statistics of raw samples: n, mean, standard deviation, min, max
 * and the p50/p90/p95/p99 percentiles by linear interpolation between
 * order statistics (numpy's default "linear" method). */
#ifndef SC_STATS_H
#define SC_STATS_H
#include <stddef.h>

#include <cjson/cJSON.h>

struct stats {
	size_t n;
	double mean, std; /* std is the population deviation (ddof = 0) */
	double min, p50, p90, p95, p99, max;
};

/* Computes s from xs[0..n); sorts xs in place. With n == 0 every field but
 * n is NaN (written as null in JSON). */
void stats_compute(double *xs, size_t n, struct stats *s);
/* Percentile p in [0, 100] of sorted xs by linear interpolation. */
double stats_percentile_sorted(const double *xs, size_t n, double p);
/* {"n","mean","std","min","p50","p90","p95","p99","max"}; NaN -> null. */
cJSON *stats_to_json(const struct stats *s);
/* The reverse: fields absent, null or not numbers become NaN (n: 0; a
 * negative or non-whole n also 0). o NULL or not an object: every field
 * NaN, n 0. */
void stats_from_json(const cJSON *o, struct stats *s);

/* A growable sample array (owned). */
struct samples {
	double *v;
	size_t n, cap;
};
void samples_push(struct samples *s, double x);
void samples_release(struct samples *s);

#endif
