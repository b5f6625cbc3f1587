/* xPyD rate matching on hand-computed cases and against exhaustive search. */
#include <math.h>
#include <stdlib.h>

#include "plan/ratematch.h"
#include "testutil.h"

/* Prefill 1 GPU at 3 req/s, decode 1 GPU at 1 req/s, 8 GPUs: balance needs
 * y = 3x; 1P3D and 2P6D both give 0.75 req/s/GPU, and 2P6D serves twice the
 * traffic on the budget, so it wins: two replicas of 1P3D, 6 req/s. */
static void test_balanced_ratio(void)
{
	struct ratematch_side p = {1, 3.0}, d = {1, 1.0};
	struct ratematch_result r;
	CU_ASSERT_TRUE_FATAL(ratematch_best(&p, &d, 8, &r));
	CU_ASSERT_EQUAL(r.x, 2);
	CU_ASSERT_EQUAL(r.y, 6);
	CU_ASSERT_EQUAL(r.unit_x, 1);
	CU_ASSERT_EQUAL(r.unit_y, 3);
	CU_ASSERT_EQUAL(r.replicas, 2);
	CU_ASSERT_EQUAL(r.gpus, 8);
	ASSERT_REL(r.req_per_s, 6.0, 1e-12);
	ASSERT_REL(r.req_per_s_per_gpu, 0.75, 1e-12);
}

/* Prefill worker of 2 GPUs at 6 req/s, decode 1 GPU at 1.5 req/s, 8 GPUs.
 * x=1: y=4 balances (6 = 4*1.5) on 6 GPUs -> 1.0 req/s/GPU.
 * x=2: only 4 decode GPUs remain -> min(12, 6) / 8 = 0.75.
 * So 1P4D on 6 of 8 GPUs is best: idle GPUs beat an unbalanced pool. */
static void test_leaves_gpus_idle(void)
{
	struct ratematch_side p = {2, 6.0}, d = {1, 1.5};
	struct ratematch_result r;
	CU_ASSERT_TRUE_FATAL(ratematch_best(&p, &d, 8, &r));
	CU_ASSERT_EQUAL(r.x, 1);
	CU_ASSERT_EQUAL(r.y, 4);
	CU_ASSERT_EQUAL(r.gpus, 6);
	ASSERT_REL(r.req_per_s, 6.0, 1e-12);
	ASSERT_REL(r.req_per_s_per_gpu, 1.0, 1e-12);
	CU_ASSERT_FALSE(r.prefill_bound);
}

/* Decode much faster than prefill: 3P1D on 4 GPUs (rate min(3*1, 10) = 3,
 * 0.75/GPU) vs 1P1D (1/2 = 0.5): more prefill workers per decode worker. */
static void test_prefill_heavy(void)
{
	struct ratematch_side p = {1, 1.0}, d = {1, 10.0};
	struct ratematch_result r;
	CU_ASSERT_TRUE_FATAL(ratematch_best(&p, &d, 4, &r));
	CU_ASSERT_EQUAL(r.x, 3);
	CU_ASSERT_EQUAL(r.y, 1);
	CU_ASSERT_TRUE(r.prefill_bound);
	ASSERT_REL(r.req_per_s_per_gpu, 0.75, 1e-12);
}

static void test_does_not_fit(void)
{
	struct ratematch_side p = {4, 1.0}, d = {8, 1.0}, z = {1, 0.0};
	struct ratematch_result r = {.x = -7};
	CU_ASSERT_FALSE(ratematch_best(&p, &d, 8, &r));
	CU_ASSERT_EQUAL(r.x, -7);
	CU_ASSERT_FALSE(ratematch_best(&z, &z, 8, &r));
}

/* The floor/ceil shortcut equals trying every (x, y) in the budget. */
static void test_exhaustive(void)
{
	unsigned seed = 7;
	for (int round = 0; round < 2000; round++) {
		struct ratematch_side p = {1L << (rand_r(&seed) % 4),
					   0.1 + (rand_r(&seed) % 1000) / 37.0};
		struct ratematch_side d = {1L << (rand_r(&seed) % 4),
					   0.1 + (rand_r(&seed) % 1000) / 53.0};
		long total = 2 + rand_r(&seed) % 70;
		struct ratematch_result fast, brute = {0}, cur;
		bool have = false;
		for (long x = 1; x * p.gpus + d.gpus <= total; x++)
			for (long y = 1; x * p.gpus + y * d.gpus <= total;
			     y++) {
				ratematch_eval(&p, &d, x, y, &cur);
				if (!have || ratematch_better(&cur, &brute)) {
					brute = cur;
					have = true;
				}
			}
		CU_ASSERT_EQUAL_FATAL(ratematch_best(&p, &d, total, &fast),
				      have);
		if (!have)
			continue;
		CU_ASSERT_EQUAL(fast.x, brute.x);
		CU_ASSERT_EQUAL(fast.y, brute.y);
		ASSERT_REL(fast.req_per_s_per_gpu, brute.req_per_s_per_gpu,
			   1e-12);
	}
}

static CU_TestInfo tests[] = {
    {"balanced ratio with replicas", test_balanced_ratio},
    {"idle GPUs beat imbalance", test_leaves_gpus_idle},
    {"prefill-heavy ratio", test_prefill_heavy},
    {"nothing fits", test_does_not_fit},
    {"equals exhaustive search", test_exhaustive},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("plan_ratematch", tests)
