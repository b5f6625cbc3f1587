/* The campaign-directory reader on the hand-made fixture: what it finds,
 * what it marks failed or missing, and the errors for a bad directory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/campdir.h"
#include "testutil.h"

static void test_fixture(void)
{
	struct campdir c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    campdir_load(testutil_src("tests/fixtures/campaign"), &c, &e),
	    SC_OK);
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
	/* Levels sorted numerically, not as directory names (c32 < c64 < c8).
	 */
	CU_ASSERT_EQUAL(a->levels[0].concurrency, 1);
	CU_ASSERT_EQUAL(a->levels[1].concurrency, 8);
	CU_ASSERT_EQUAL(a->levels[3].concurrency, 64);
	CU_ASSERT_DOUBLE_EQUAL(a->levels[2].ttft_ms.at[STAT_P90], 910, 1e-9);
	CU_ASSERT_EQUAL(a->levels[3].req_failed, 1);
	CU_ASSERT_STRING_EQUAL(a->levels[3].reasons, "timeout: 1");
	const struct campdir_deploy *b =
	    campdir_find_deploy(&c, "agg-tp8-broken");
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_TRUE(b->failed);
	/* Manifest steps are objects with a status and a note. */
	CU_ASSERT_STRING_EQUAL(b->status, "failed");
	CU_ASSERT_STRING_EQUAL(b->step_note,
			       "every request failed at c1 (http_503)");
	CU_ASSERT_STRING_EQUAL(campdir_find_deploy(&c, "disagg-2p1d")->status,
			       "done");
	CU_ASSERT_EQUAL(b->n_levels, 1);
	CU_ASSERT(isnan(
	    b->levels[0].ttft_ms.at[STAT_P50])); /* no sample, no number */

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
	/* fit.json names disagg-2p1d by its spec's name; mapped back. */
	CU_ASSERT_STRING_EQUAL(
	    campdir_find_deploy(&c, "disagg-2p1d")->spec_name,
	    "qwen3-32b-h200-2p1d");
	CU_ASSERT_STRING_EQUAL(c.fit.points[6].deployment, "disagg-2p1d");
	/* A held-out point is judged by the fit that did not see it
	 * (projected_held_out 690), not the full fit's 669.3. */
	for (size_t i = 0; i < c.fit.n_points; i++)
		if (c.fit.points[i].holdout &&
		    c.fit.points[i].concurrency == 32)
			CU_ASSERT_DOUBLE_EQUAL(
			    c.fit.points[i].projected.v[OM_TTFT], 690, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.fit.mape_out.v[OM_TTFT], 10.65, 1e-9);
	/* fit.json's quality block; the fixture's fit passed its check */
	CU_ASSERT_TRUE(c.fit.quality_ok);
	CU_ASSERT_STRING_EQUAL(c.fit.verdict, "ok");
	/* identifiable: exactly the parameters fit.json does not list */
	for (size_t i = 0; i < c.fit.n_params; i++)
		CU_ASSERT_EQUAL(c.fit.params[i].identifiable,
				strcmp(c.fit.params[i].name, "tau_s") != 0);

	CU_ASSERT_EQUAL_FATAL(c.n_matches, 3);
	const struct campdir_match *m =
	    campdir_find_match(&c, "calibrated", 600);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->n_points, 13); /* 7 agg + 6 disagg */
	CU_ASSERT_EQUAL(m->n_front, 9);
	CU_ASSERT_STRING_EQUAL(m->best_disagg.config,
			       "3P TP1 (batch 4) + 1D TP4 (batch 96)");
	CU_ASSERT_DOUBLE_EQUAL(m->disagg_over_agg, 2.258, 1e-12);
	/* best.json's query names the statistics; the tables have the p90
	 * column, so the chart's TTFT is the SLA's p90 */
	CU_ASSERT_EQUAL(m->ttft_stat, STAT_P90);
	CU_ASSERT_EQUAL(m->tpot_stat, STAT_MEAN);
	CU_ASSERT_EQUAL(m->ttft_col, STAT_P90);
	CU_ASSERT_EQUAL(m->total_gpus, 8);
	CU_ASSERT_DOUBLE_EQUAL(m->best_disagg.gpus_idle, 1, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->best_disagg.ttft_at_stat_ms, 590, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->best_disagg.ttft_ms, 519, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->points[0].ttft_at_stat_ms, 310, 1e-12);
	/* verify.json in match/calibrated-ttft600/verify/ */
	CU_ASSERT_TRUE(m->verify.present);
	CU_ASSERT_FALSE(m->verify.passed);
	CU_ASSERT_TRUE(m->verify.rows[1].measured);
	CU_ASSERT_FALSE(m->verify.rows[1].tps_within);
	CU_ASSERT_DOUBLE_EQUAL(m->verify.rows[1].meas_ttft_ms, 641, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(m->verify.rows[0].attainment, 0.87, 1e-12);
	/* an older match (no statistics, no p90 column): the campaign's
	 * statistic for the SLA, the mean for the chart's colours */
	const struct campdir_match *old =
	    campdir_find_match(&c, "calibrated", 1200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(old);
	CU_ASSERT_EQUAL(old->ttft_stat, STAT_P90);
	CU_ASSERT_EQUAL(old->ttft_col, STAT_MEAN);
	CU_ASSERT(isnan(old->best_agg.ttft_at_stat_ms));
	CU_ASSERT_FALSE(old->verify.present);
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
	CU_ASSERT_EQUAL(campdir_load("/nonexistent/campaign", &c, &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/campaign"));
	campdir_release(&c);

	char *dir = testutil_tmpdir();
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "campaign.json"));
	campdir_release(&c);
	free(testutil_write(
	    dir, "campaign.json",
	    "{\"name\": \"x\", \"slas\": {\"ttft_ms\": \"fast\"}}"));
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "slas: field 'ttft_ms': must be a number or a list"));
	campdir_release(&c);
	free(testutil_write(
	    dir, "campaign.json",
	    "{\"name\": \"x\", \"deployments\": [{\"name\": \"../up\"}]}"));
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a directory name"));
	campdir_release(&c);

	/* Only campaign.json: everything else is reported missing. */
	free(testutil_write(
	    dir, "campaign.json",
	    "{\"name\": \"bare\", \"slas\": {\"ttft_ms\": 600}}"));
	CU_ASSERT_EQUAL_FATAL(campdir_load(dir, &c, &e), SC_OK);
	CU_ASSERT_FALSE(c.fit.present);
	CU_ASSERT_EQUAL(c.n_matches, 0);
	CU_ASSERT(c.n_notes >= 4); /* env, manifest, fit, match */
	campdir_release(&c);
	testutil_rmtree(dir);
	free(dir);
}

/* best.json as `servecal match` writes it: each mode nested, "best" null
 * with the reason when nothing met the SLAs. */
static void test_nested_best(void)
{
	char *dir = testutil_tmpdir();
	char md[4096];
	free(testutil_write(dir, "campaign.json",
			    "{\"name\": \"n\", \"slas\": {\"ttft_ms\": 300, "
			    "\"tpot_ms\": 10}}"));
	snprintf(md, sizeof md, "%s/match", dir);
	mkdir(md, 0777);
	snprintf(md, sizeof md, "%s/match/calibrated-ttft300", dir);
	mkdir(md, 0777);
	free(testutil_write(
	    md, "best.json",
	    "{\"query\": {\"ttft_ms\": 300}, \"agg\": {\"searched\": true, "
	    "\"best\": null, \"infeasible\": {\"binding\": \"ttft\", "
	    "\"detail\": \"prefill alone takes 410 ms\"}}, \"disagg\": "
	    "{\"searched\": true, \"best\": {\"config\": \"2P1D\", "
	    "\"tokens_per_s_per_gpu\": 500}}, \"disagg_over_agg\": null}"));
	struct campdir c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(campdir_load(dir, &c, &e), SC_OK);
	CU_ASSERT_EQUAL_FATAL(c.n_matches, 1);
	const struct campdir_match *m = &c.matches[0];
	CU_ASSERT_TRUE(m->best_present);
	CU_ASSERT_FALSE(m->best_agg.present);
	CU_ASSERT_STRING_EQUAL(m->best_agg.why,
			       "ttft: prefill alone takes 410 ms");
	CU_ASSERT_TRUE(m->best_disagg.present);
	CU_ASSERT_STRING_EQUAL(m->best_disagg.config, "2P1D");
	CU_ASSERT(isnan(m->disagg_over_agg));
	campdir_release(&c);
	testutil_rmtree(dir);
	free(dir);
}

/* A bench directory reads as a campaign of its one deployment; a
 * directory that is neither says what it needs. */
static void test_bench_dir(void)
{
	char *root = testutil_tmpdir();
	char dir[1024], lv[1100];
	snprintf(dir, sizeof dir, "%s/bench-a", root);
	mkdir(dir, 0777);
	struct campdir c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(campdir_load(dir, &c, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no campaign.json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no cN/summary.json"));
	campdir_release(&c);
	snprintf(lv, sizeof lv, "%s/c4", dir);
	mkdir(lv, 0777);
	free(testutil_write(lv, "summary.json",
			    "{\"concurrency\": 4, \"requests\": {\"ok\": 3}, "
			    "\"ttft_ms\": {\"p90\": 120}}"));
	free(testutil_write(dir, "run.json",
			    "{\"isl\": 100, \"osl\": 20, \"gpus\": 2}"));
	/* a trailing slash does not change the name */
	snprintf(lv, sizeof lv, "%s/", dir);
	CU_ASSERT_EQUAL_FATAL(campdir_load(lv, &c, &e), SC_OK);
	CU_ASSERT_TRUE(c.bench_only);
	CU_ASSERT_STRING_EQUAL(c.name, "bench-a");
	CU_ASSERT_EQUAL(c.isl, 100);
	CU_ASSERT_EQUAL(c.total_gpus, 2);
	CU_ASSERT_EQUAL_FATAL(c.n_deploys, 1);
	CU_ASSERT_STRING_EQUAL(c.deploys[0].name, "bench-a");
	CU_ASSERT_EQUAL_FATAL(c.deploys[0].n_levels, 1);
	CU_ASSERT_DOUBLE_EQUAL(c.deploys[0].levels[0].ttft_ms.at[STAT_P90], 120,
			       1e-12);
	CU_ASSERT_FALSE(c.fit.present);
	campdir_release(&c);
	testutil_rmtree(root);
	free(root);
}

/* A level meets the SLAs at the statistic asked for, not the mean. */
static void test_level_meets(void)
{
	struct campdir_level l = {.req_ok = 10};
	for (int i = 0; i < STAT_SEL_COUNT; i++)
		l.ttft_ms.at[i] = l.tpot_ms.at[i] = NAN;
	l.ttft_ms.at[STAT_MEAN] = 500;
	l.ttft_ms.at[STAT_P90] = 700;
	l.tpot_ms.at[STAT_MEAN] = 15;
	CU_ASSERT_TRUE(campdir_level_meets(&l, 600, STAT_MEAN, 16, STAT_MEAN));
	CU_ASSERT_FALSE(campdir_level_meets(&l, 600, STAT_P90, 16, STAT_MEAN));
	CU_ASSERT_FALSE(campdir_level_meets(&l, 800, STAT_P90, 14, STAT_MEAN));
	CU_ASSERT_TRUE(campdir_level_meets(&l, 800, STAT_P90, NAN, STAT_MEAN));
	/* a statistic the summary lacks cannot be judged as met */
	CU_ASSERT_FALSE(campdir_level_meets(&l, 800, STAT_P99, NAN, STAT_MEAN));
	l.req_ok = 0;
	CU_ASSERT_FALSE(campdir_level_meets(&l, 800, STAT_P90, NAN, STAT_MEAN));
}

/* A campaign file with a list of SLAs on their own statistics: each TTFT
 * limit is listed, the first SLA's statistics and TPOT stand for the
 * campaign, and a match directory named with a statistic ("-p99") is
 * found. Wrong here: the list form read as missing SLAs, or the "-p99"
 * directory skipped as not a match. */
static void test_sla_list(void)
{
	char *dir = testutil_tmpdir();
	char md[4096];
	free(testutil_write(
	    dir, "campaign.json",
	    "{\"name\": \"l\", \"slas\": [{\"ttft_ms\": 300, "
	    "\"ttft_stat\": \"p99\", \"tpot_ms\": 10, \"tpot_stat\": \"p90\"}, "
	    "{\"ttft_ms\": 900, \"min_tokens_per_s_user\": 50}]}"));
	snprintf(md, sizeof md, "%s/match", dir);
	mkdir(md, 0777);
	snprintf(md, sizeof md, "%s/match/calibrated-ttft300-p99", dir);
	mkdir(md, 0777);
	struct campdir c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(campdir_load(dir, &c, &e), SC_OK);
	CU_ASSERT_EQUAL(c.n_ttft_slas, 2);
	CU_ASSERT_DOUBLE_EQUAL(c.ttft_slas_ms[1], 900, 1e-9);
	CU_ASSERT_EQUAL(c.ttft_stat, STAT_P99);
	CU_ASSERT_EQUAL(c.tpot_stat, STAT_P90);
	CU_ASSERT_DOUBLE_EQUAL(c.tpot_sla_ms, 10, 1e-9);
	CU_ASSERT_EQUAL(c.slas[1].ttft_stat, STAT_P90);
	CU_ASSERT_PTR_NOT_NULL(campdir_find_match(&c, "calibrated", 300));
	campdir_release(&c);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"fixture campaign", test_fixture},
    {"missing and malformed directories", test_bad_dirs},
    {"best.json nested as servecal match writes it", test_nested_best},
    {"a bench directory reads as one deployment", test_bench_dir},
    {"a level meets SLAs at their statistic", test_level_meets},
    {"a list of SLAs and a match named with its statistic", test_sla_list},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("campdir", tests)
