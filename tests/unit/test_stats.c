/* Percentile statistics against hand-computed values (numpy "linear"). */
#include <math.h>

#include "metrics/stats.h"
#include "testutil.h"

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

static CU_TestInfo tests[] = {
	{"hand-computed percentiles", test_known},
	{"edge cases", test_edges},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("stats", tests)
