/* The campaign-directory reader on the hand-made fixture: what it finds,
 * what it marks failed or missing, and the errors for a bad directory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/campdir.h"
#include "testutil.h"

static void test_fixture(void)
{
	struct campdir c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(campdir_load(testutil_src("tests/fixtures/campaign"), &c, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(c.name, "fixture-qwen3-32b-h200");
	CU_ASSERT_EQUAL(c.isl, 4000);
	CU_ASSERT_EQUAL(c.osl, 500);
	CU_ASSERT_EQUAL(c.total_gpus, 8);
	CU_ASSERT_EQUAL(c.n_ttft_slas, 2);
	CU_ASSERT_DOUBLE_EQUAL(c.ttft_slas_ms[1], 1200, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.tpot_sla_ms, 16.67, 1e-9);
	ASSERT_REL(c.min_tokens_per_s_user, 1000.0 / 16.67, 1e-12);
	CU_ASSERT_STRING_EQUAL(campdir_env(&c, "gsl"), "2.7.1");
	CU_ASSERT_STRING_EQUAL(campdir_env(&c, "absent"), "");

	CU_ASSERT_EQUAL_FATAL(c.n_deploys, 3);
	const struct campdir_deploy *a = campdir_find_deploy(&c, "agg-tp2x4");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_FALSE(a->failed);
	CU_ASSERT_STRING_EQUAL(a->mode, "agg");
	CU_ASSERT_EQUAL_FATAL(a->n_levels, 4);
	/* Levels sorted numerically, not as directory names (c32 < c64 < c8). */
	CU_ASSERT_EQUAL(a->levels[0].concurrency, 1);
	CU_ASSERT_EQUAL(a->levels[1].concurrency, 8);
	CU_ASSERT_EQUAL(a->levels[3].concurrency, 64);
	CU_ASSERT_DOUBLE_EQUAL(a->levels[2].ttft_ms.p90, 910, 1e-9);
	CU_ASSERT_EQUAL(a->levels[3].req_failed, 1);
	CU_ASSERT_STRING_EQUAL(a->levels[3].reasons, "timeout: 1");
	const struct campdir_deploy *b = campdir_find_deploy(&c, "agg-tp8-broken");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_TRUE(b->failed);
	/* Manifest steps are objects with a status and a note. */
	CU_ASSERT_STRING_EQUAL(b->status, "failed");
	CU_ASSERT_STRING_EQUAL(b->step_note, "every request failed at c1 (http_503)");
	CU_ASSERT_STRING_EQUAL(campdir_find_deploy(&c, "disagg-2p1d")->status, "done");
	CU_ASSERT_EQUAL(b->n_levels, 1);
	CU_ASSERT(isnan(b->levels[0].ttft_ms.p50)); /* no sample, no number */

	CU_ASSERT_TRUE(c.fit.present);
	CU_ASSERT_TRUE(c.fit.converged);
	CU_ASSERT_EQUAL(c.fit.n_params, 6);
	CU_ASSERT_STRING_EQUAL(c.fit.params[0].name, "eta_c");
	CU_ASSERT_DOUBLE_EQUAL(c.fit.params[0].sigma, 0.031, 1e-12);
	CU_ASSERT_FALSE(c.fit.params[5].free);
	CU_ASSERT_STRING_EQUAL(c.fit.not_identifiable, "tau_s");
	CU_ASSERT_EQUAL(c.fit.n_points, 7);
	size_t held = 0;
	for (size_t i = 0; i < c.fit.n_points; i++)
		held += c.fit.points[i].holdout;
	CU_ASSERT_EQUAL(held, 2);
	/* A held-out point is judged by the fit that did not see it
	 * (projected_held_out 690), not the full fit's 669.3. */
	for (size_t i = 0; i < c.fit.n_points; i++)
		if (c.fit.points[i].holdout && c.fit.points[i].concurrency == 32)
			CU_ASSERT_DOUBLE_EQUAL(c.fit.points[i].projected.ttft_ms, 690, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.fit.mape_out.ttft_ms, 10.65, 1e-9);

	CU_ASSERT_EQUAL_FATAL(c.n_matches, 3);
	const struct campdir_match *m = campdir_find_match(&c, "calibrated", 600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->n_points, 13); /* 7 agg + 6 disagg */
	CU_ASSERT_EQUAL(m->n_front, 9);
	CU_ASSERT_STRING_EQUAL(m->best_disagg.config, "3P tp1 + 1D tp4 b96");
	CU_ASSERT_DOUBLE_EQUAL(m->disagg_over_agg, 2.258, 1e-12);
	CU_ASSERT_PTR_NULL(campdir_find_match(&c, "prior", 1200));
	/* The missing prior-ttft1200 directory is a note, not an error. */
	bool noted = false;
	for (size_t i = 0; i < c.n_notes; i++)
		noted |= strstr(c.notes[i], "prior-ttft1200") != NULL;
	CU_ASSERT_TRUE(noted);
	campdir_release(&c);
}

static void test_bad_dirs(void)
{
	struct campdir c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(campdir_load("/nonexistent/campaign", &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/campaign"));
	campdir_release(&c);

	char *dir = testutil_tmpdir();
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "campaign.json"));
	campdir_release(&c);
	free(testutil_write(dir, "campaign.json", "{\"name\": \"x\", \"slas\": {\"ttft_ms\": \"fast\"}}"));
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "slas.ttft_ms"));
	campdir_release(&c);
	free(testutil_write(dir, "campaign.json", "{\"name\": \"x\", \"deployments\": [{\"name\": \"../up\"}]}"));
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a directory name"));
	campdir_release(&c);

	/* Only campaign.json: everything else is reported missing. */
	free(testutil_write(dir, "campaign.json", "{\"name\": \"bare\", \"slas\": {\"ttft_ms\": 600}}"));
	CU_ASSERT_EQUAL_FATAL(campdir_load(dir, &c, &e), SC_OK);
	CU_ASSERT_FALSE(c.fit.present);
	CU_ASSERT_EQUAL(c.n_matches, 0);
	CU_ASSERT(c.n_notes >= 4); /* env, manifest, fit, match */
	campdir_release(&c);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
	{"fixture campaign", test_fixture},
	{"missing and malformed directories", test_bad_dirs},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("campdir", tests)
