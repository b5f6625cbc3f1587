/* Pareto front: exact on fixed point sets (dominated points out, of equal
 * points only the first kept, non-finite points ignored) and equal to a
 * brute force. */
#include <math.h>
#include <stdlib.h>

#include "plan/pareto.h"
#include "testutil.h"

static void test_fixed_set(void)
{
	/* (tokens/s/user, tokens/s/gpu) */
	const double a[] = {10, 20, 20, 30, 30, 5, 40, 25, 10, NAN, 1};
	const double b[] = {100, 80, 90, 50, 50, 100, 10, 40, 100, 1, INFINITY};
	size_t n = sizeof a / sizeof a[0], out[16];
	size_t k = pareto_front(a, b, n, out);
	/* 1 is beaten by 2 (same user, more gpu), 5 by 0, 7 by 3; of the two
	 * copies of (10,100) and of (30,50) the first stands for both (a
	 * front listing 8 and 4 too would repeat points, as pareto.csv did);
	 * the NaN and infinite points never enter. */
	const size_t want[] = {0, 2, 3, 6};
	CU_ASSERT_EQUAL_FATAL(k, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < k; i++)
		CU_ASSERT_EQUAL(out[i], want[i]);
}

static void test_edge_cases(void)
{
	size_t out[4];
	CU_ASSERT_EQUAL(pareto_front(NULL, NULL, 0, out), 0);
	const double a1[] = {3}, b1[] = {4};
	CU_ASSERT_EQUAL(pareto_front(a1, b1, 1, out), 1);
	/* a chain where each point beats the previous leaves one point */
	const double a2[] = {1, 2, 3, 4}, b2[] = {1, 2, 3, 4};
	CU_ASSERT_EQUAL(pareto_front(a2, b2, 4, out), 1);
	CU_ASSERT_EQUAL(out[0], 3);
	/* copies of one point: only the first */
	const double a4[] = {2, 2, 2}, b4[] = {5, 5, 5};
	CU_ASSERT_EQUAL(pareto_front(a4, b4, 3, out), 1);
	CU_ASSERT_EQUAL(out[0], 0);
	/* an anti-chain keeps everything, sorted by the first objective */
	const double a3[] = {4, 1, 3, 2}, b3[] = {1, 4, 2, 3};
	CU_ASSERT_EQUAL(pareto_front(a3, b3, 4, out), 4);
	CU_ASSERT_EQUAL(out[0], 1);
	CU_ASSERT_EQUAL(out[3], 0);
	CU_ASSERT_TRUE(pareto_dominates(2, 2, 2, 1));
	CU_ASSERT_FALSE(pareto_dominates(2, 2, 2, 2));
	CU_ASSERT_FALSE(pareto_dominates(3, 1, 1, 3));
}

/* Random sets on a coarse grid (many ties) against the O(n^2) definition. */
static void test_brute_force(void)
{
	enum { N = 200 };
	double a[N], b[N];
	size_t out[N];
	unsigned seed = 12345;
	for (int round = 0; round < 50; round++) {
		for (int i = 0; i < N; i++) {
			a[i] = (double)(rand_r(&seed) % 15);
			b[i] = (double)(rand_r(&seed) % 15);
		}
		size_t k = pareto_front(a, b, N, out);
		char on[N] = {0};
		for (size_t j = 0; j < k; j++)
			on[out[j]] = 1;
		for (int i = 0; i < N; i++) {
			/* out when strictly dominated, or equal to an earlier
			 * point (weakly dominated by it) */
			int dom = 0;
			for (int j = 0; j < N && !dom; j++)
				dom =
				    pareto_dominates(a[j], b[j], a[i], b[i]) ||
				    (j < i && a[j] == a[i] && b[j] == b[i]);
			CU_ASSERT_EQUAL(on[i], !dom);
		}
		/* no two points of the front weakly dominate each other */
		for (size_t j = 0; j < k; j++)
			for (size_t l = 0; l < k; l++)
				CU_ASSERT_TRUE(j == l ||
					       a[out[j]] < a[out[l]] ||
					       b[out[j]] < b[out[l]]);
		for (size_t j = 1; j < k; j++)
			CU_ASSERT_TRUE(a[out[j - 1]] <= a[out[j]]);
	}
}

static CU_TestInfo tests[] = {
    {"fixed set exact", test_fixed_set},
    {"edge cases", test_edge_cases},
    {"matches brute force", test_brute_force},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("pareto", tests)
