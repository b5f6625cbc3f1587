/* Streaming quantiles: raw samples up to a cap, then a log-bucketed
 * histogram. Bucket i holds magnitudes in (g^(i-1), g^i] with
 * g = (1 + a) / (1 - a); its representative 2 g^i / (g + 1) is within a
 * (SKETCH_REL_ERR) of every magnitude in it, and a linear interpolation
 * between two such values of one sign stays within a of the exact one. */
#include "metrics/sketch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static double log_gamma(void)
{
	return log((1 + SKETCH_REL_ERR) / (1 - SKETCH_REL_ERR));
}

static long raw_index(double mag)
{
	return (long)ceil(log(mag) / log_gamma());
}

/* Bucket of a magnitude >= SKETCH_MIN_ABS, from 0. */
static size_t bucket_of(double mag)
{
	if (mag > SKETCH_MAX_ABS)
		mag = SKETCH_MAX_ABS;
	long i = raw_index(mag) - raw_index(SKETCH_MIN_ABS);
	return i < 0 ? 0 : (size_t)i;
}

static size_t n_buckets(void)
{
	return (size_t)(raw_index(SKETCH_MAX_ABS) - raw_index(SKETCH_MIN_ABS)) +
	       1;
}

static double bucket_value(size_t b)
{
	double g = (1 + SKETCH_REL_ERR) / (1 - SKETCH_REL_ERR);
	long i = (long)b + raw_index(SKETCH_MIN_ABS);
	return 2.0 * exp((double)i * log_gamma()) / (g + 1);
}

void sketch_init(struct sketch *s)
{
	memset(s, 0, sizeof *s);
	s->min = s->max = NAN;
}

void sketch_release(struct sketch *s)
{
	free(s->exact);
	free(s->pos);
	free(s->neg);
	sketch_init(s);
}

static void bin(struct sketch *s, double x)
{
	double mag = fabs(x);
	if (mag < SKETCH_MIN_ABS) {
		s->zeros++;
		return;
	}
	uint64_t **side = x > 0 ? &s->pos : &s->neg;
	if (!*side)
		*side = xcalloc(n_buckets(), sizeof **side);
	(*side)[bucket_of(mag)]++;
}

void sketch_add(struct sketch *s, double x)
{
	if (!isfinite(x))
		return;
	s->n++;
	double d = x - s->mean;
	s->mean += d / (double)s->n;
	s->m2 += d * (x - s->mean);
	if (s->n == 1 || x < s->min)
		s->min = x;
	if (s->n == 1 || x > s->max)
		s->max = x;
	if (s->binned) {
		bin(s, x);
		return;
	}
	if (s->n_exact < SKETCH_EXACT_MAX) {
		if (s->n_exact == s->cap_exact)
			s->exact = xgrow(s->exact, &s->cap_exact,
					 s->n_exact + 1, sizeof *s->exact);
		s->exact[s->n_exact++] = x;
		return;
	}
	/* The cap is reached: from now on the histogram holds everything. */
	s->binned = true;
	for (size_t i = 0; i < s->n_exact; i++)
		bin(s, s->exact[i]);
	free(s->exact);
	s->exact = NULL;
	s->n_exact = s->cap_exact = 0;
	bin(s, x);
}

/* The k-th smallest sample (from 0) as the histogram knows it. */
static double binned_rank(const struct sketch *s, uint64_t k)
{
	if (k == 0)
		return s->min;
	if (k >= s->n - 1)
		return s->max;
	size_t nb = n_buckets();
	uint64_t seen = 0;
	if (s->neg)
		for (size_t b = nb; b-- > 0;) {
			seen += s->neg[b];
			if (seen > k)
				return -bucket_value(b);
		}
	seen += s->zeros;
	if (seen > k)
		return 0;
	if (s->pos)
		for (size_t b = 0; b < nb; b++) {
			seen += s->pos[b];
			if (seen > k)
				return bucket_value(b);
		}
	return s->max;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double sketch_percentile(struct sketch *s, double p)
{
	if (s->n == 0)
		return NAN;
	if (!s->binned) {
		qsort(s->exact, s->n_exact, sizeof *s->exact, cmp_double);
		return stats_percentile_sorted(s->exact, s->n_exact, p);
	}
	double pos = p / 100.0 * (double)(s->n - 1);
	uint64_t lo = (uint64_t)floor(pos);
	if (lo >= s->n - 1)
		return s->max;
	double a = binned_rank(s, lo), b = binned_rank(s, lo + 1);
	double v = a + (b - a) * (pos - (double)lo);
	return v < s->min ? s->min : v > s->max ? s->max : v;
}

void sketch_stats(struct sketch *s, struct stats *out)
{
	if (!s->binned) {
		stats_compute(s->exact, s->n_exact, out);
		return;
	}
	out->n = s->n;
	out->mean = s->mean;
	out->std = sqrt(s->m2 / (double)s->n);
	out->min = s->min;
	out->max = s->max;
	out->p50 = sketch_percentile(s, 50);
	out->p90 = sketch_percentile(s, 90);
	out->p95 = sketch_percentile(s, 95);
	out->p99 = sketch_percentile(s, 99);
}
