/* Percentile statistics over raw samples. */
#include "util/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util/xalloc.h"
#include "util/jsonio.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Ascending sort of values that hold no NaN: quicksort (median of three,
 * the smaller side first) with insertion sort below SORT_SMALL, and qsort
 * past a depth that only adversarial orders reach. It gives the same
 * order as qsort with cmp_double without a call per comparison, which
 * dominated the scheduler simulation's statistics. */
#define SORT_SMALL 16
static void sort_doubles(double *x, size_t n, int depth)
{
	while (n > SORT_SMALL) {
		if (depth-- == 0) {
			qsort(x, n, sizeof *x, cmp_double);
			return;
		}
		double a = x[0], b = x[n / 2], c = x[n - 1];
		double piv = a < b ? (b < c   ? b
				      : a < c ? c
					      : a)
				   : (a < c   ? a
				      : b < c ? c
					      : b);
		size_t i = 0, j = n - 1;
		for (;;) {
			while (x[i] < piv)
				i++;
			while (piv < x[j])
				j--;
			if (i >= j)
				break;
			double t = x[i];
			x[i] = x[j];
			x[j] = t;
			i++;
			j--;
		}
		/* [0, j] <= piv <= [j + 1, n) */
		size_t left = j + 1;
		if (left < n - left) {
			sort_doubles(x, left, depth);
			x += left;
			n -= left;
		} else {
			sort_doubles(x + left, n - left, depth);
			n = left;
		}
	}
	for (size_t i = 1; i < n; i++) {
		double v = x[i];
		size_t j = i;
		for (; j > 0 && x[j - 1] > v; j--)
			x[j] = x[j - 1];
		x[j] = v;
	}
}

double stats_percentile_sorted(const double *xs, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double pos = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(pos);
	if (lo >= n - 1)
		return xs[n - 1];
	double frac = pos - (double)lo;
	return xs[lo] + (xs[lo + 1] - xs[lo]) * frac;
}

void stats_compute(double *xs, size_t n, struct stats *s)
{
	s->n = n;
	if (n == 0) {
		s->mean = s->std = s->min = s->max = NAN;
		s->p50 = s->p90 = s->p95 = s->p99 = NAN;
		return;
	}
	bool nan = false;
	for (size_t i = 0; i < n; i++)
		nan = nan || isnan(xs[i]);
	if (nan)
		qsort(xs, n, sizeof *xs, cmp_double);
	else
		sort_doubles(xs, n, 64);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += xs[i];
	s->mean = sum / (double)n;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (xs[i] - s->mean) * (xs[i] - s->mean);
	s->std = sqrt(ss / (double)n);
	s->min = xs[0];
	s->max = xs[n - 1];
	s->p50 = stats_percentile_sorted(xs, n, 50);
	s->p90 = stats_percentile_sorted(xs, n, 90);
	s->p95 = stats_percentile_sorted(xs, n, 95);
	s->p99 = stats_percentile_sorted(xs, n, 99);
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

void stats_from_json(const cJSON *o, struct stats *s)
{
	double n = jsonio_num_or_nan(o, "n");
	s->n = n >= 0 && n < 1e15 && n == floor(n) ? (size_t)n : 0;
	s->mean = jsonio_num_or_nan(o, "mean");
	s->std = jsonio_num_or_nan(o, "std");
	s->min = jsonio_num_or_nan(o, "min");
	s->p50 = jsonio_num_or_nan(o, "p50");
	s->p90 = jsonio_num_or_nan(o, "p90");
	s->p95 = jsonio_num_or_nan(o, "p95");
	s->p99 = jsonio_num_or_nan(o, "p99");
	s->max = jsonio_num_or_nan(o, "max");
}

cJSON *stats_to_json(const struct stats *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "n", (double)s->n);
	add_num(o, "mean", s->mean);
	add_num(o, "std", s->std);
	add_num(o, "min", s->min);
	add_num(o, "p50", s->p50);
	add_num(o, "p90", s->p90);
	add_num(o, "p95", s->p95);
	add_num(o, "p99", s->p99);
	add_num(o, "max", s->max);
	return o;
}

void samples_push(struct samples *s, double x)
{
	if (s->n == s->cap)
		s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
	s->v[s->n++] = x;
}

void samples_release(struct samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}
