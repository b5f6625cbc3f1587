/* Worker-shape enumeration and batch grids: counts and invariants that a
 * hand enumeration gives. */
#include "model/catalog.h"
#include "modelfix.h"
#include "plan/plan_space.h"
#include "testutil.h"

/* Qwen3-32B (dense, 64 layers): tp, pp in {1,2,4,8} with tp*pp <= 8 gives
 * 4 + 3 + 2 + 1 = 10 shapes, none with dp or ep. */
static void test_dense_shapes(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	struct worker_shape s[64];
	size_t n = plan_shapes(&f.c, 8, s, 64);
	CU_ASSERT_EQUAL(n, 10);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(s[i].dp, 1);
		CU_ASSERT_EQUAL(s[i].ep, 1);
		CU_ASSERT_EQUAL(s[i].moe_tp, s[i].tp);
		CU_ASSERT_TRUE(s[i].tp * s[i].pp <= 8);
		if (i)
			CU_ASSERT_TRUE(worker_gpus(&s[i - 1]) <=
				       worker_gpus(&s[i]));
	}
	CU_ASSERT_EQUAL(plan_shapes(&f.c, 1, s, 64), 1);
	CU_ASSERT_EQUAL(plan_shapes(&f.c, 8, s, 3), 3); /* capacity holds */
}

/* Qwen3-235B-A22B (MoE, 128 experts): for 2^k GPUs split tp=2^a, pp=2^b,
 * dp=2^c with a+b+c=k, ep takes a+c+1 values; summed over k = 0..3 that
 * is 1 + 5 + 14 + 30 = 50 shapes, each with moe_tp * ep = tp * dp. */
static void test_moe_shapes(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-235b-a22b", "h200-sxm", DT_FP8, DT_FP8);
	struct worker_shape s[256];
	size_t n = plan_shapes(&f.c, 8, s, 256);
	CU_ASSERT_EQUAL(n, 50);
	size_t with_dp = 0, with_ep = 0;
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(s[i].moe_tp * s[i].ep, s[i].tp * s[i].dp);
		CU_ASSERT_TRUE(worker_gpus(&s[i]) <= 8);
		with_dp += s[i].dp > 1;
		with_ep += s[i].ep > 1;
	}
	CU_ASSERT_TRUE(with_dp > 0);
	CU_ASSERT_TRUE(with_ep > 0);
}

static void test_batch_grid(void)
{
	long g[64];
	const long want[] = {1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20};
	size_t n = plan_batch_grid(20, 4, g, 64);
	CU_ASSERT_EQUAL_FATAL(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(g[i], want[i]);
	/* the largest batch always closes the grid */
	n = plan_batch_grid(21, 4, g, 64);
	CU_ASSERT_EQUAL(g[n - 1], 21);
	CU_ASSERT_EQUAL(g[n - 2], 20);
	CU_ASSERT_EQUAL(plan_batch_grid(1, 4, g, 64), 1);
	CU_ASSERT_EQUAL(plan_batch_grid(0, 4, g, 64), 0);
	const long two[] = {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 40};
	n = plan_batch_grid(40, 2, g, 64);
	CU_ASSERT_EQUAL_FATAL(n, sizeof two / sizeof two[0]);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(g[i], two[i]);
	n = plan_batch_grid(4096, 4, g, 64);
	CU_ASSERT_EQUAL(g[n - 1], 4096);
	for (size_t i = 1; i < n; i++)
		CU_ASSERT_TRUE(g[i] > g[i - 1]);
}

static CU_TestInfo tests[] = {
    {"dense shapes", test_dense_shapes},
    {"MoE shapes with dp and ep", test_moe_shapes},
    {"batch grid", test_batch_grid},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("plan_space", tests)
