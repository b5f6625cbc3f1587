/* verify.json: what `servecal verify` writes reads back the same through
 * its reader, so the report shows what the closure test found. */
#include <math.h>
#include <string.h>

#include "camp/verify.h"
#include "testutil.h"

static void row_fill(struct verify_row *r, const char *config, bool measured)
{
	memset(r, 0, sizeof *r);
	r->present = true;
	r->measured = measured;
	snprintf(r->config, sizeof r->config, "%s", config);
	r->concurrency = 24;
	r->sla_ttft_ms = 600;
	r->sla_tpot_ms = 16.5;
	r->ttft_stat = STAT_P99;
	r->tpot_stat = STAT_P50;
	if (!measured) {
		snprintf(r->error, sizeof r->error, "bench exited 1");
		return;
	}
	r->proj_ttft_ms = 410.25;
	r->meas_ttft_ms = 452.5;
	r->proj_tpot_ms = 14.0;
	r->meas_tpot_ms = NAN; /* written as null */
	r->attainment = 0.93;
	r->target_attainment = 0.99;
	r->proj_tps_gpu = 1250;
	r->meas_tps_gpu = 1190;
	r->sla_met = false;
	r->tps_within = true;
	snprintf(r->miss, sizeof r->miss, "TTFT over");
}

/* Every field of a measured row and an unmeasured one survives the trip;
 * a field that comes back different is a key the writer and the reader
 * spell differently. */
static void test_round_trip(void)
{
	struct verify_file f = {.tolerance = 0.15, .passed = false};
	row_fill(&f.result.rows[0], "4x TP2 (batch 32)", true);
	row_fill(&f.result.rows[1], "1P TP2 + 2D TP2", false);
	cJSON *j = verify_file_to_json(&f);
	CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(j, "agg"), "measured_tpot_ms")));
	struct verify_file g;
	verify_file_from_json(j, STAT_MEAN, STAT_MEAN, &g);
	cJSON_Delete(j);
	CU_ASSERT_DOUBLE_EQUAL(g.tolerance, 0.15, 1e-12);
	CU_ASSERT_FALSE(g.passed);
	const struct verify_row *a = &g.result.rows[0], *d = &g.result.rows[1];
	CU_ASSERT_TRUE(a->present && a->measured);
	CU_ASSERT_STRING_EQUAL(a->config, "4x TP2 (batch 32)");
	CU_ASSERT_EQUAL(a->ttft_stat, STAT_P99);
	CU_ASSERT_EQUAL(a->tpot_stat, STAT_P50);
	CU_ASSERT_DOUBLE_EQUAL(a->concurrency, 24, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->sla_ttft_ms, 600, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->sla_tpot_ms, 16.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->proj_ttft_ms, 410.25, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->meas_ttft_ms, 452.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->proj_tpot_ms, 14.0, 1e-12);
	CU_ASSERT_TRUE(isnan(a->meas_tpot_ms));
	CU_ASSERT_DOUBLE_EQUAL(a->attainment, 0.93, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->target_attainment, 0.99, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->proj_tps_gpu, 1250, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(a->meas_tps_gpu, 1190, 1e-12);
	CU_ASSERT_FALSE(a->sla_met);
	CU_ASSERT_TRUE(a->tps_within);
	CU_ASSERT_STRING_EQUAL(a->miss, "TTFT over");
	CU_ASSERT_TRUE(d->present);
	CU_ASSERT_FALSE(d->measured);
	CU_ASSERT_STRING_EQUAL(d->error, "bench exited 1");
	CU_ASSERT_TRUE(isnan(d->meas_ttft_ms));
}

/* A mode match did not recommend has no row, and a file without
 * statistics (or a tolerance) reads with the caller's and NAN: not as a
 * zero tolerance or the mean. */
static void test_absent_pieces(void)
{
	cJSON *j = cJSON_Parse("{\"disagg\": {\"config\": \"x\", "
			       "\"measured\": true, \"sla_met\": true}, "
			       "\"passed\": true}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	struct verify_file g;
	verify_file_from_json(j, STAT_P90, STAT_P95, &g);
	cJSON_Delete(j);
	CU_ASSERT_FALSE(g.result.rows[0].present);
	CU_ASSERT_TRUE(g.result.rows[1].present);
	CU_ASSERT_TRUE(g.result.rows[1].sla_met);
	CU_ASSERT_EQUAL(g.result.rows[1].ttft_stat, STAT_P90);
	CU_ASSERT_EQUAL(g.result.rows[1].tpot_stat, STAT_P95);
	CU_ASSERT_TRUE(isnan(g.result.rows[1].meas_ttft_ms));
	CU_ASSERT_TRUE(isnan(g.tolerance));
	CU_ASSERT_TRUE(g.passed);
}

static CU_TestInfo tests[] = {
    {"verify.json round trip", test_round_trip},
    {"absent pieces", test_absent_pieces},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("verify", tests)
