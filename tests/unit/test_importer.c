/* Importers: aiperf and vLLM result files give the statistics computed by
 * hand from the fixtures, failures are counted, and fields a source lacks
 * are null and listed as missing. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "metrics/importer.h"
#include "testutil.h"

static double get(const cJSON *j, const char *a, const char *b)
{
	const cJSON *o = cJSON_GetObjectItem(j, a);
	if (b)
		o = cJSON_GetObjectItem(o, b);
	return cJSON_IsNumber(o) ? o->valuedouble : NAN;
}

static bool missing_has(const cJSON *j, const char *name)
{
	const cJSON *m;
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(j, "missing"))
		if (!strcmp(m->valuestring, name))
			return true;
	return false;
}

static void test_aiperf_records(void)
{
	struct import_level lv;
	CU_ASSERT_EQUAL_FATAL(import_file(IMPORT_AIPERF, testutil_src("tests/fixtures/import/profile_export.jsonl"), 2, &lv, NULL), SC_OK);
	const cJSON *s = lv.summary;
	ASSERT_REL(get(s, "ttft_ms", "mean"), 250.0, 1e-9);
	ASSERT_REL(get(s, "ttft_ms", "p90"), 370.0, 1e-9);
	ASSERT_REL(get(s, "e2e_ms", "p50"), 1150.0, 1e-9);
	ASSERT_REL(get(s, "itl_ms", "mean"), 100.0, 1e-9);
	ASSERT_REL(get(s, "tpot_ms", "mean"), 100.0, 1e-9);
	const cJSON *rq = cJSON_GetObjectItem(s, "requests");
	CU_ASSERT_EQUAL(get(rq, "total", NULL), 5);
	CU_ASSERT_EQUAL(get(rq, "failed", NULL), 1);
	CU_ASSERT_EQUAL(get(cJSON_GetObjectItem(rq, "by_reason"), "http_503", NULL), 1);
	/* 40 tokens between the first start and the last end (2.05 s) */
	ASSERT_REL(get(s, "throughput", "output_tokens_per_s"), 40.0 / 2.05, 1e-6);
	ASSERT_REL(get(s, "throughput", "tokens_per_s_per_gpu"), 20.0 / 2.05, 1e-6);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ttfb_ms"), "p50")));
	CU_ASSERT(missing_has(s, "ttfb_ms"));
	CU_ASSERT_STRING_EQUAL(lv.level, "c2");
	cJSON_Delete(lv.summary);
}

static void test_aiperf_aggregate(void)
{
	struct import_level lv;
	CU_ASSERT_EQUAL_FATAL(import_file(IMPORT_AIPERF, testutil_src("tests/fixtures/import/profile_export_aiperf.json"), 0, &lv, NULL), SC_OK);
	const cJSON *s = lv.summary;
	CU_ASSERT_STRING_EQUAL(lv.level, "c4");
	ASSERT_REL(get(s, "ttft_ms", "p99"), 397.0, 1e-12);
	ASSERT_REL(get(s, "throughput", "output_tokens_per_s"), 25.0, 1e-12);
	/* no p95 in request_latency, no GPU count: null, not invented */
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "e2e_ms"), "p95")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "throughput"), "tokens_per_s_per_gpu")));
	CU_ASSERT(missing_has(s, "itl_ms"));
	cJSON_Delete(lv.summary);
}

static void test_vllm(void)
{
	struct import_level lv;
	CU_ASSERT_EQUAL_FATAL(import_file(IMPORT_VLLM, testutil_src("tests/fixtures/import/vllm_detailed.json"), 0, &lv, NULL), SC_OK);
	const cJSON *s = lv.summary;
	CU_ASSERT_STRING_EQUAL(lv.level, "c2");
	/* TPOT per request: 40, 80, 120 ms of gaps over 4 -> 10, 20, 30 */
	ASSERT_REL(get(s, "tpot_ms", "mean"), 20.0, 1e-9);
	ASSERT_REL(get(s, "e2e_ms", "p50"), 280.0, 1e-9);
	ASSERT_REL(get(s, "ttft_ms", "max"), 300.0, 1e-9);
	CU_ASSERT_EQUAL(get(s, "itl_ms", "n"), 12);
	CU_ASSERT_EQUAL(get(cJSON_GetObjectItem(s, "requests"), "failed", NULL), 1);
	cJSON_Delete(lv.summary);
	CU_ASSERT_EQUAL_FATAL(import_file(IMPORT_VLLM, testutil_src("tests/fixtures/import/vllm_summary.json"), 0, &lv, NULL), SC_OK);
	s = lv.summary;
	CU_ASSERT_STRING_EQUAL(lv.level, "r4");
	ASSERT_REL(get(s, "ttft_ms", "p50"), 200.0, 1e-12);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ttft_ms"), "p90")));
	cJSON_Delete(lv.summary);
}

static void test_bad_files(void)
{
	struct import_level lv;
	struct sc_err e = {0};
	/* a vLLM file given as aiperf, and the other way round */
	CU_ASSERT_EQUAL(import_file(IMPORT_AIPERF, testutil_src("tests/fixtures/import/vllm_summary.json"), 0, &lv, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not an aiperf summary"));
	CU_ASSERT_EQUAL(import_file(IMPORT_VLLM, testutil_src("tests/fixtures/import/profile_export_aiperf.json"), 0, &lv, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a vllm bench serve result"));
	CU_ASSERT_EQUAL(import_file(IMPORT_VLLM, "/nonexistent.json", 0, &lv, &e), SC_EINPUT);
}

static CU_TestInfo tests[] = {
	{"aiperf per-request records", test_aiperf_records},
	{"aiperf aggregate", test_aiperf_aggregate},
	{"vllm bench serve", test_vllm},
	{"wrong or missing files", test_bad_files},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("importer", tests)
