/* A streaming quantile sketch: the statistics of struct stats over samples
 * that arrive one at a time, in memory that does not grow with their
 * number. The first SKETCH_EXACT_MAX samples are kept as they are and give
 * exact results; past them every sample goes into a log-bucketed histogram
 * (DDSketch's mapping) whose percentiles are within SKETCH_REL_ERR of the
 * exact ones (numpy "linear") for samples of one sign with magnitudes in
 * [SKETCH_MIN_ABS, SKETCH_MAX_ABS]. n, mean, std, min and max are always
 * exact (up to floating-point rounding). */
#ifndef SC_SKETCH_H
#define SC_SKETCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/stats.h"

/* Relative error of a percentile once the histogram is in use. */
#define SKETCH_REL_ERR 0.005
/* Samples kept raw (exact percentiles) before the histogram takes over:
 * 16 KiB of doubles. */
#define SKETCH_EXACT_MAX 2048
/* Magnitudes below this count as 0 in the histogram (an absolute error of
 * at most this much); above SKETCH_MAX_ABS they share the top bucket. */
#define SKETCH_MIN_ABS 1e-6
#define SKETCH_MAX_ABS 1e12

struct sketch {
	size_t n;
	double mean, m2; /* Welford running mean and squared deviation */
	double min, max;
	double *exact; /* while n <= SKETCH_EXACT_MAX */
	size_t n_exact, cap_exact;
	uint64_t *pos, *neg; /* histogram counts by bucket, once binned */
	uint64_t zeros;	     /* |x| < SKETCH_MIN_ABS, once binned */
	bool binned;
};

void sketch_init(struct sketch *s);
/* Frees what s holds; s may be initialised again. */
void sketch_release(struct sketch *s);
/* Adds x; NaN and infinities are ignored. */
void sketch_add(struct sketch *s, double x);
/* Percentile p in [0, 100] by linear interpolation between order
 * statistics; NaN when s is empty. May reorder the exact samples. */
double sketch_percentile(struct sketch *s, double p);
/* Fills out as stats_compute would over the samples added. May reorder
 * the exact samples. */
void sketch_stats(struct sketch *s, struct stats *out);

#endif
