/* The campaign's remaining-time estimate and the manifest's record of it:
 * known answers for the plan, the per-kind scaling by measured pieces, and
 * the progress block read back as written. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "camp/eta.h"
#include "camp/manifest.h"
#include "testutil.h"

/* bench:a = start 1 s + levels 10 s and 20 s; fit 3 s; report 2 s. */
static void plan(struct eta *t)
{
	eta_init(t);
	eta_add_step(t, "bench:a");
	eta_add_piece(t, ETA_START, 1);
	eta_add_piece(t, ETA_LEVEL, 10);
	eta_add_piece(t, ETA_LEVEL, 20);
	eta_add_step(t, "fit");
	eta_add_piece(t, ETA_FIT, 3);
	eta_add_step(t, "report");
	eta_add_piece(t, ETA_RENDER, 2);
}

/* Before any measurement the plan is the sum of its pieces; a level that
 * took twice its plan doubles every level still to come (and nothing
 * else), and the piece in progress counts only what is left of it. */
static void test_scaling(void)
{
	struct eta t;
	plan(&t);
	CU_ASSERT_EQUAL(eta_find(&t, "fit"), 1);
	CU_ASSERT_EQUAL(eta_find(&t, "plot"), -1);
	/* Wrong here: the plan's total is not the sum of its pieces. */
	ASSERT_REL(eta_remaining_s(&t, t.n_steps, 0, 0), 36, 1e-12);
	eta_piece_done(&t, 0, 0, 1);
	eta_piece_done(&t, 0, 1, 20); /* planned 10 */
	CU_ASSERT_DOUBLE_EQUAL(eta_scale(&t, ETA_LEVEL), 2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(eta_scale(&t, ETA_FIT), 1, 1e-12);
	/* level 2: 20 x 2 = 40 s, 15 s of it spent; then fit and report. */
	ASSERT_REL(eta_remaining_s(&t, 0, 2, 15), 25 + 3 + 2, 1e-12);
	/* Past its expectation the piece in progress counts 0, not less. */
	ASSERT_REL(eta_remaining_s(&t, 0, 2, 100), 5, 1e-12);
	ASSERT_REL(eta_step_s(&t, 0), 1 + 20 + 40, 1e-12);
	eta_step_done(&t, 0);
	/* A fit that took twice its plan says nothing of the report. */
	eta_piece_done(&t, 1, 0, 6);
	eta_step_done(&t, 1);
	CU_ASSERT_DOUBLE_EQUAL(eta_scale(&t, ETA_FIT), 2, 1e-12);
	ASSERT_REL(eta_remaining_s(&t, t.n_steps, 0, 0), 2, 1e-12);
	eta_release(&t);
}

/* A skipped piece (done by an earlier run) is over but teaches nothing. */
static void test_skipped(void)
{
	struct eta t;
	plan(&t);
	eta_piece_done(&t, 0, 1, -1);
	CU_ASSERT_DOUBLE_EQUAL(eta_scale(&t, ETA_LEVEL), 1, 1e-12);
	ASSERT_REL(eta_remaining_s(&t, t.n_steps, 0, 0), 26, 1e-12);
	eta_step_done(&t, 0); /* a failed bench drops its unfinished levels */
	ASSERT_REL(eta_remaining_s(&t, t.n_steps, 0, 0), 5, 1e-12);
	eta_release(&t);
}

static void test_fmt(void)
{
	static const struct {
		double s;
		const char *want;
	} cases[] = {
	    {0, "0 s"},	       {42.4, "42 s"}, {99.4, "99 s"}, {185, "3:05"},
	    {3725, "1:02:05"}, {-1, "?"},      {NAN, "?"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CU_ASSERT_STRING_EQUAL(eta_fmt(cases[i].s, buf, sizeof buf),
				       cases[i].want);
}

/* The manifest keeps a step's start and, once it ends, its elapsed time;
 * the progress block reads back as written. */
static void test_manifest_progress(void)
{
	char *dir = testutil_tmpdir();
	struct manifest m = {0};
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(manifest_open(&m, dir, "demo", &e), SC_OK);
	CU_ASSERT_EQUAL(manifest_start(&m, "fit", &e), SC_OK);
	struct manifest_step st;
	CU_ASSERT_TRUE(manifest_step_get(&m, "fit", &st));
	CU_ASSERT_STRING_EQUAL(st.status, "running");
	CU_ASSERT_TRUE(isfinite(st.started_unix_s));
	CU_ASSERT_TRUE(isnan(st.elapsed_s));
	CU_ASSERT_EQUAL(manifest_set(&m, "fit", "done", NULL, &e), SC_OK);
	CU_ASSERT_TRUE(manifest_step_get(&m, "fit", &st));
	CU_ASSERT_STRING_EQUAL(st.status, "done");
	CU_ASSERT_TRUE(st.elapsed_s >= 0 && st.elapsed_s < 60);
	CU_ASSERT_FALSE(manifest_step_get(&m, "plot", &st));
	struct manifest_plan_step plan[2] = {{"bench:a", 31}, {"fit", 3}};
	struct manifest_progress p = {.n_plan = 2,
				      .plan = plan,
				      .remaining_s = 12.5,
				      .at_unix_s = 100,
				      .started_unix_s = 50};
	CU_ASSERT_EQUAL(manifest_set_progress(&m, &p, &e), SC_OK);
	/* Without a plan the stored one stays. */
	p.plan = NULL;
	p.remaining_s = 2;
	CU_ASSERT_EQUAL(manifest_set_progress(&m, &p, &e), SC_OK);
	manifest_release(&m);
	CU_ASSERT_EQUAL_FATAL(manifest_read(&m, dir, &e), SC_OK);
	struct manifest_progress q;
	manifest_get_progress(&m, &q);
	CU_ASSERT_EQUAL_FATAL(q.n_plan, 2);
	CU_ASSERT_STRING_EQUAL(q.plan[0].step, "bench:a");
	CU_ASSERT_DOUBLE_EQUAL(q.plan[0].expected_s, 31, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(q.remaining_s, 2, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(q.at_unix_s, 100, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(q.started_unix_s, 50, 1e-9);
	CU_ASSERT_EQUAL(manifest_count(&m), 1);
	manifest_progress_release(&q);
	manifest_release(&m);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"plan scaled by measured pieces", test_scaling},
    {"skipped pieces", test_skipped},
    {"durations as text", test_fmt},
    {"manifest progress", test_manifest_progress},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("campaign_eta", tests)
