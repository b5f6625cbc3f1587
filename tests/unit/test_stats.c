/* Percentile statistics against hand-computed values (numpy "linear"), and
 * the streaming sketch against them: identical while it keeps raw samples,
 * within its stated relative error once it bins them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/sketch.h"
#include "testutil.h"
#include "util/rng.h"
#include "util/stats.h"

static void test_known(void)
{
	double xs[] = {50, 15, 40, 20, 35}; /* unsorted on purpose */
	struct stats s;
	stats_compute(xs, 5, &s);
	CU_ASSERT_EQUAL(s.n, 5);
	ASSERT_REL(s.mean, 32.0, 1e-12);
	ASSERT_REL(s.std, sqrt(166.0), 1e-12); /* population deviation */
	ASSERT_REL(s.min, 15.0, 1e-12);
	ASSERT_REL(s.max, 50.0, 1e-12);
	ASSERT_REL(s.p50, 35.0, 1e-12);
	ASSERT_REL(s.p90, 46.0, 1e-12); /* pos 3.6: 40 + 0.6 * 10 */
	ASSERT_REL(s.p95, 48.0, 1e-12);
	ASSERT_REL(s.p99, 49.6, 1e-12);
}

static void test_edges(void)
{
	double one[] = {7.5};
	struct stats s;
	stats_compute(one, 1, &s);
	ASSERT_REL(s.p99, 7.5, 1e-12);
	ASSERT_REL(s.p50, 7.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(s.std, 0.0, 1e-12);
	stats_compute(NULL, 0, &s);
	CU_ASSERT_EQUAL(s.n, 0);
	CU_ASSERT(isnan(s.p50) && isnan(s.mean));
	/* 1..100: p99 at pos 98.01 -> 99.01 */
	double h[100];
	for (int i = 0; i < 100; i++)
		h[i] = 100 - i;
	stats_compute(h, 100, &s);
	ASSERT_REL(s.p99, 99.01, 1e-12);
	ASSERT_REL(s.p50, 50.5, 1e-12);
	ASSERT_REL(s.p90, 90.1, 1e-12);
	cJSON *j = stats_to_json(&s);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "n")->valuedouble, 100);
	ASSERT_REL(cJSON_GetObjectItem(j, "p95")->valuedouble, 95.05, 1e-12);
	cJSON_Delete(j);
	struct stats e;
	stats_compute(NULL, 0, &e);
	j = stats_to_json(&e);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "p99")));
	cJSON_Delete(j);
}

/* Up to SKETCH_EXACT_MAX samples the sketch must give exactly what
 * stats_compute gives (small levels, imports and fixtures keep their
 * figures); NaN and infinities are not samples. */
static void test_sketch_exact(void)
{
	struct sketch sk;
	sketch_init(&sk);
	struct stats want, got;
	sketch_stats(&sk, &got);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT(isnan(got.p50) && isnan(got.mean));
	double *xs = malloc(SKETCH_EXACT_MAX * sizeof *xs);
	struct rng r;
	rng_seed(&r, 11);
	for (size_t i = 0; i < SKETCH_EXACT_MAX; i++) {
		xs[i] = 100 * rng_uniform(&r) - 20;
		sketch_add(&sk, xs[i]);
	}
	sketch_add(&sk, NAN);
	sketch_add(&sk, INFINITY);
	stats_compute(xs, SKETCH_EXACT_MAX, &want);
	sketch_stats(&sk, &got);
	CU_ASSERT(!sk.binned);
	CU_ASSERT_EQUAL(got.n, SKETCH_EXACT_MAX);
	CU_ASSERT_EQUAL(memcmp(&got, &want, sizeof got), 0);
	free(xs);
	sketch_release(&sk);
}

/* One data set through the sketch and through the exact computation:
 * percentiles within SKETCH_REL_ERR, the rest exact. */
static void check_binned(const double *xs, size_t n, const char *what)
{
	struct sketch sk;
	sketch_init(&sk);
	for (size_t i = 0; i < n; i++)
		sketch_add(&sk, xs[i]);
	CU_ASSERT(sk.binned);
	CU_ASSERT_PTR_NULL(sk.exact); /* the raw samples are gone */
	double *copy = malloc(n * sizeof *copy);
	memcpy(copy, xs, n * sizeof *copy);
	struct stats want, got;
	stats_compute(copy, n, &want);
	sketch_stats(&sk, &got);
	CU_ASSERT_EQUAL(got.n, n);
	ASSERT_REL(got.mean, want.mean, 1e-9);
	ASSERT_REL(got.std, want.std, 1e-9);
	CU_ASSERT_EQUAL(got.min, want.min);
	CU_ASSERT_EQUAL(got.max, want.max);
	const double tol = SKETCH_REL_ERR * (1 + 1e-9);
	const double ps[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 100};
	for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
		double e = stats_percentile_sorted(copy, n, ps[i]);
		double g = sketch_percentile(&sk, ps[i]);
		bool ok = fabs(g - e) <= tol * fabs(e);
		if (!ok)
			fprintf(stderr, "%s p%g: sketch %.9g exact %.9g\n",
				what, ps[i], g, e);
		CU_ASSERT(ok);
	}
	free(copy);
	sketch_release(&sk);
}

static void test_sketch_binned(void)
{
	size_t n = 200000;
	double *xs = malloc(n * sizeof *xs);
	struct rng r;
	rng_seed(&r, 5);
	/* heavy-tailed latencies over six decades (1 us to 1000 s, in ms) */
	for (size_t i = 0; i < n; i++)
		xs[i] = exp(1.5 * rng_normal(&r));
	check_binned(xs, n, "lognormal");
	/* few distinct values (token counts), ties everywhere */
	for (size_t i = 0; i < n; i++)
		xs[i] = (double)(1 + rng_u64(&r) % 7);
	check_binned(xs, n, "ties");
	/* all negative (client-minus-server TTFT can be) */
	for (size_t i = 0; i < n; i++)
		xs[i] = -(1 + 1000 * rng_uniform(&r));
	check_binned(xs, n, "negative");
	free(xs);
	/* zeros (two chunks stamped in one read) stay exact zeros */
	struct sketch sk;
	sketch_init(&sk);
	for (int i = 0; i < 3000; i++)
		sketch_add(&sk, i < 2000 ? 0.0 : 5.0);
	CU_ASSERT(sk.binned);
	CU_ASSERT_EQUAL(sketch_percentile(&sk, 50), 0.0);
	CU_ASSERT(fabs(sketch_percentile(&sk, 90) - 5.0) <=
		  5.0 * SKETCH_REL_ERR);
	sketch_release(&sk);
}

static int cmp_ref(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* stats_compute sorts with its own quicksort: on orders that trip
 * quicksorts up (sorted, reversed, all equal, few distinct values, sizes
 * around its insertion-sort cutoff) the array must end sorted exactly as
 * qsort sorts it, or percentiles and the mean would move. */
static void test_sort_orders(void)
{
	const size_t sizes[] = {2, 15, 16, 17, 33, 100, 1001, 5000};
	struct rng r;
	rng_seed(&r, 7);
	for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
		size_t n = sizes[si];
		double *xs = malloc(n * sizeof *xs),
		       *ref = malloc(n * sizeof *ref);
		for (int kind = 0; kind < 5; kind++) {
			for (size_t i = 0; i < n; i++) {
				double u = rng_uniform(&r);
				xs[i] = kind == 0   ? u
					: kind == 1 ? (double)i
					: kind == 2 ? (double)(n - i)
					: kind == 3 ? 4.0
						    : floor(3.0 * u);
			}
			memcpy(ref, xs, n * sizeof *xs);
			qsort(ref, n, sizeof *ref, cmp_ref);
			struct stats s;
			stats_compute(xs, n, &s);
			CU_ASSERT(memcmp(xs, ref, n * sizeof *xs) == 0);
			CU_ASSERT_EQUAL(s.min, ref[0]);
			CU_ASSERT_EQUAL(s.max, ref[n - 1]);
		}
		free(xs);
		free(ref);
	}
}

static CU_TestInfo tests[] = {
    {"hand-computed percentiles", test_known},
    {"edge cases", test_edges},
    {"sort: same order as qsort", test_sort_orders},
    {"sketch: exact up to its cap", test_sketch_exact},
    {"sketch: binned within its relative error", test_sketch_binned},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("stats", tests)
