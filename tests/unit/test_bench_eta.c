/* bench's time-left estimates on plans with hand-computed answers: a
 * wrong level count, warm-up left out of a level's requests, or later
 * levels timed at the wrong rate would show here. */
#include <math.h>

#include "load/bench.h"
#include "testutil.h"

static void test_closed_requests(void)
{
	/* c1, c2, c4 with 10 measured requests each and one warm-up round:
	 * 11, 12 and 14 requests. Level c1 after 2 s with 5 of 11 done:
	 * 2 s x 6/5 = 2.4 s left; 0.4 s a round; c2 6 rounds (2.4 s), c4
	 * 3.5 rounds (1.4 s). */
	struct bench_plan p = {
	    .levels = {1, 2, 4}, .n_levels = 3, .requests = 10, .warmup = -1};
	double lvl, run;
	bench_eta(&p, 0, 2.0, 5, 11, &lvl, &run);
	ASSERT_REL(lvl, 2.4, 1e-12);
	ASSERT_REL(run, 2.4 + 2.4 + 1.4, 1e-12);
	/* the last level: nothing after it */
	bench_eta(&p, 2, 1.0, 7, 14, &lvl, &run);
	ASSERT_REL(lvl, 1.0, 1e-12);
	ASSERT_REL(run, 1.0, 1e-12);
	/* nothing finished yet: unknown, not 0 */
	bench_eta(&p, 0, 0.5, 0, 11, &lvl, &run);
	CU_ASSERT(isnan(lvl));
	CU_ASSERT(isnan(run));
}

static void test_open_and_timed(void)
{
	/* open loop at 2 and 4 req/s, 10 requests each, no warm-up: after
	 * 1 s with 2 of 10 done, 4 s left; the next level takes 10/4 s */
	struct bench_plan p = {.open_loop = true,
			       .levels = {2, 4},
			       .n_levels = 2,
			       .requests = 10,
			       .warmup = -1};
	double lvl, run;
	bench_eta(&p, 0, 1.0, 2, 10, &lvl, &run);
	ASSERT_REL(lvl, 4.0, 1e-12);
	ASSERT_REL(run, 6.5, 1e-12);
	/* closed loop, 60 s a level: 20 s in, 40 s left; the next level
	 * its 60 s plus one warm-up round at this level's 0.5 s a round */
	struct bench_plan q = {
	    .levels = {1, 2}, .n_levels = 2, .duration_s = 60, .warmup = -1};
	bench_eta(&q, 0, 20.0, 40, -1, &lvl, &run);
	ASSERT_REL(lvl, 40.0, 1e-12);
	ASSERT_REL(run, 100.5, 1e-12);
}

static CU_TestInfo tests[] = {
    {"closed loop by requests", test_closed_requests},
    {"open loop and timed levels", test_open_and_timed},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("bench_eta", tests)
