/* Importers: aiperf and vLLM result files give the statistics computed by
 * hand from the fixtures, failures are counted, and fields a source lacks
 * are null and listed as missing. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(
				  j, "missing")) if (!strcmp(m->valuestring,
							     name)) return true;
	return false;
}

static void test_aiperf_records(void)
{
	struct import_level lv;
	CU_ASSERT_EQUAL_FATAL(
	    import_file(
		IMPORT_AIPERF,
		testutil_src("tests/fixtures/import/profile_export.jsonl"), 2,
		&lv, NULL),
	    SC_OK);
	const cJSON *s = lv.summary;
	ASSERT_REL(get(s, "ttft_ms", "mean"), 250.0, 1e-9);
	ASSERT_REL(get(s, "ttft_ms", "p90"), 370.0, 1e-9);
	ASSERT_REL(get(s, "e2e_ms", "p50"), 1150.0, 1e-9);
	ASSERT_REL(get(s, "itl_ms", "mean"), 100.0, 1e-9);
	ASSERT_REL(get(s, "tpot_ms", "mean"), 100.0, 1e-9);
	const cJSON *rq = cJSON_GetObjectItem(s, "requests");
	CU_ASSERT_EQUAL(get(rq, "total", NULL), 5);
	CU_ASSERT_EQUAL(get(rq, "failed", NULL), 1);
	CU_ASSERT_EQUAL(
	    get(cJSON_GetObjectItem(rq, "by_reason"), "http_503", NULL), 1);
	/* 40 tokens between the first start and the last end (2.05 s) */
	ASSERT_REL(get(s, "throughput", "output_tokens_per_s"), 40.0 / 2.05,
		   1e-6);
	ASSERT_REL(get(s, "throughput", "tokens_per_s_per_gpu"), 20.0 / 2.05,
		   1e-6);
	CU_ASSERT(cJSON_IsNull(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ttfb_ms"), "p50")));
	CU_ASSERT(missing_has(s, "ttfb_ms"));
	CU_ASSERT_STRING_EQUAL(lv.level, "c2");
	cJSON_Delete(lv.summary);
}

static void test_aiperf_aggregate(void)
{
	struct import_level lv;
	CU_ASSERT_EQUAL_FATAL(
	    import_file(IMPORT_AIPERF,
			testutil_src(
			    "tests/fixtures/import/profile_export_aiperf.json"),
			0, &lv, NULL),
	    SC_OK);
	const cJSON *s = lv.summary;
	CU_ASSERT_STRING_EQUAL(lv.level, "c4");
	ASSERT_REL(get(s, "ttft_ms", "p99"), 397.0, 1e-12);
	ASSERT_REL(get(s, "throughput", "output_tokens_per_s"), 25.0, 1e-12);
	/* no p95 in request_latency, no GPU count: null, not invented */
	CU_ASSERT(cJSON_IsNull(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(s, "e2e_ms"), "p95")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(s, "throughput"), "tokens_per_s_per_gpu")));
	CU_ASSERT(missing_has(s, "itl_ms"));
	cJSON_Delete(lv.summary);
}

static void test_vllm(void)
{
	struct import_level lv;
	CU_ASSERT_EQUAL_FATAL(
	    import_file(
		IMPORT_VLLM,
		testutil_src("tests/fixtures/import/vllm_detailed.json"), 0,
		&lv, NULL),
	    SC_OK);
	const cJSON *s = lv.summary;
	CU_ASSERT_STRING_EQUAL(lv.level, "c2");
	/* TPOT per request: 40, 80, 120 ms of gaps over 4 -> 10, 20, 30 */
	ASSERT_REL(get(s, "tpot_ms", "mean"), 20.0, 1e-9);
	ASSERT_REL(get(s, "e2e_ms", "p50"), 280.0, 1e-9);
	ASSERT_REL(get(s, "ttft_ms", "max"), 300.0, 1e-9);
	CU_ASSERT_EQUAL(get(s, "itl_ms", "n"), 12);
	CU_ASSERT_EQUAL(get(cJSON_GetObjectItem(s, "requests"), "failed", NULL),
			1);
	cJSON_Delete(lv.summary);
	CU_ASSERT_EQUAL_FATAL(
	    import_file(IMPORT_VLLM,
			testutil_src("tests/fixtures/import/vllm_summary.json"),
			0, &lv, NULL),
	    SC_OK);
	s = lv.summary;
	CU_ASSERT_STRING_EQUAL(lv.level, "r4");
	ASSERT_REL(get(s, "ttft_ms", "p50"), 200.0, 1e-12);
	CU_ASSERT(cJSON_IsNull(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ttft_ms"), "p90")));
	cJSON_Delete(lv.summary);
}

static void test_bad_files(void)
{
	struct import_level lv;
	struct sc_err e = {0};
	/* a vLLM file given as aiperf, and the other way round */
	CU_ASSERT_EQUAL(
	    import_file(IMPORT_AIPERF,
			testutil_src("tests/fixtures/import/vllm_summary.json"),
			0, &lv, &e),
	    SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not an aiperf summary"));
	CU_ASSERT_EQUAL(
	    import_file(IMPORT_VLLM,
			testutil_src(
			    "tests/fixtures/import/profile_export_aiperf.json"),
			0, &lv, &e),
	    SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a vllm bench serve result"));
	CU_ASSERT_EQUAL(
	    import_file(IMPORT_VLLM, "/nonexistent.json", 0, &lv, &e),
	    SC_EINPUT);
}

/* Nonsense in an imported file stops the import with the field and the
 * value named. Before, each of these was converted with exit 0: "ok": -3,
 * a negative TTFT mean, n = 1.8e19 (wrapped to size_t), window_s -2, and
 * start times of +-1e308 ns cast to int64 (UB). */
#define VOK	     "\"completed\":3,\"num_prompts\":4,\"mean_ttft_ms\":200"
#define AREC(md, mt) "{\"metadata\":{" md "},\"metrics\":{" mt "}}\n"
#define ATTFT(v)     "\"time_to_first_token\":{\"value\":" v "}"
static const struct {
	enum import_source src;
	const char *text;
	const char *want;
} nonsense[] = {
    {IMPORT_VLLM, "{\"completed\":3,\"num_prompts\":4,\"mean_ttft_ms\":-50}",
     "field 'mean_ttft_ms': must be in [0, 604800000], got -50"},
    {IMPORT_VLLM, "{\"completed\":-3,\"num_prompts\":4,\"mean_ttft_ms\":200}",
     "field 'completed': must be in [0, 100000000], got -3"},
    {IMPORT_VLLM,
     "{\"completed\":1.8e19,\"num_prompts\":4,\"mean_ttft_ms\":200}",
     "field 'completed': must be in [0, 100000000], got 1.8e+19"},
    {IMPORT_VLLM, "{\"completed\":5,\"num_prompts\":4,\"mean_ttft_ms\":200}",
     "field 'completed': 5 is more than num_prompts 4"},
    {IMPORT_VLLM, "{" VOK ",\"duration\":-2}",
     "field 'duration': must be in [0, 604800], got -2"},
    {IMPORT_VLLM, "{" VOK ",\"max_concurrency\":0.5}",
     "field 'max_concurrency': must be a whole number, got 0.5"},
    {IMPORT_VLLM, "{" VOK ",\"output_throughput\":-1}",
     "field 'output_throughput': must be in [0, 1000000000], got -1"},
    {IMPORT_VLLM, "{" VOK ",\"request_rate\":1e300}",
     "field 'request_rate': must be in [0, 100000], got 1e+300"},
    {IMPORT_VLLM, "{" VOK ",\"ttfts\":[0.1,-1,0.2]}",
     "ttfts[1]: must be a number in [0, 604800], got -1"},
    {IMPORT_VLLM, "{" VOK ",\"itls\":[[0.01],[0.01,1e300]]}",
     "itls[1][1]: must be a number in [0, 604800], got 1e+300"},
    {IMPORT_VLLM, "{" VOK ",\"output_lens\":[5,2.5]}",
     "output_lens[1]: must be a whole number in [0, 10000000], got 2.5"},
    {IMPORT_VLLM, "{" VOK "}GARBAGE{{{", "data after the JSON value at line 1"},
    {IMPORT_VLLM, "{" VOK ",\"completed\":3}", "duplicate key 'completed'"},
    {IMPORT_AIPERF, "{\"time_to_first_token\":{\"avg\":-5,\"count\":4}}",
     "time_to_first_token: field 'avg': must be in [0, 604800000], got -5"},
    {IMPORT_AIPERF, "{\"time_to_first_token\":{\"avg\":5,\"count\":1.8e19}}",
     "time_to_first_token: field 'count': must be in [0, 100000000], got "
     "1.8e+19"},
    {IMPORT_AIPERF,
     "{\"time_to_first_token\":{\"avg\":5},\"request_count\":{\"avg\":-3}}",
     "request_count: field 'avg': must be in [0, 100000000], got -3"},
    {IMPORT_AIPERF,
     "{\"time_to_first_token\":{\"avg\":5},\"input_config\":{\"loadgen\":{"
     "\"concurrency\":1e300}}}",
     "input_config: concurrency: must be a whole number in [0, 1000000], got "
     "1e+300"},
    {IMPORT_AIPERF, AREC("\"request_start_ns\":1e308", ATTFT("5")),
     ":1: metadata: field 'request_start_ns': must be in [0, 4e+18], got "
     "1e+308"},
    {IMPORT_AIPERF,
     AREC("\"request_start_ns\":1,\"request_end_ns\":2", ATTFT("5"))
	 AREC("\"request_start_ns\":-1e308", ATTFT("5")),
     ":2: metadata: field 'request_start_ns': must be in [0, 4e+18], got "
     "-1e+308"},
    {IMPORT_AIPERF,
     AREC("\"request_start_ns\":2000,\"request_end_ns\":1000", ATTFT("5")),
     "field 'request_end_ns': 1000 is before request_start_ns 2000"},
    {IMPORT_AIPERF, AREC("\"request_start_ns\":1", ATTFT("-50")),
     "metrics.time_to_first_token: field 'value': must be in [0, 604800000], "
     "got -50"},
    {IMPORT_AIPERF,
     AREC("\"request_start_ns\":1",
	  "\"inter_chunk_latency\":{\"value\":[1,-1]}"),
     "metrics.inter_chunk_latency[1]: must be a number in [0, 604800000], got "
     "-1"},
    {IMPORT_AIPERF,
     AREC("\"request_start_ns\":1", ATTFT("5")) "{\"metadata\":{}} x\n",
     ":2: data after the JSON value at line 1 column 17"},
    {IMPORT_AIPERF,
     "{\"metadata\":{\"request_start_ns\":1,\"request_start_ns\":2}}\n",
     "duplicate key 'request_start_ns' in metadata"},
};

static void test_nonsense(void)
{
	char *dir = testutil_tmpdir();
	for (size_t i = 0; i < sizeof nonsense / sizeof nonsense[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "case%zu.json", i);
		char *path = testutil_write(dir, name, nonsense[i].text);
		struct import_level lv;
		struct sc_err e = {0};
		int rc = import_file(nonsense[i].src, path, 1, &lv, &e);
		bool said =
		    strstr(e.msg, nonsense[i].want) && strstr(e.msg, path);
		if (rc != SC_EINPUT || !said)
			fprintf(stderr,
				"case %zu: rc %d, got '%s', want '%s'\n", i, rc,
				e.msg, nonsense[i].want);
		CU_ASSERT_EQUAL(rc, SC_EINPUT);
		CU_ASSERT(said);
		CU_ASSERT_PTR_NULL(lv.summary);
		free(path);
	}
	testutil_rmtree(dir);
	free(dir);
}

/* A FIFO or a device is refused before any read (a FIFO used to block the
 * import forever; alarm() fails the run if it ever does again). */
static void test_special_files(void)
{
	char *dir = testutil_tmpdir();
	char fifo[1100];
	snprintf(fifo, sizeof fifo, "%s/export.jsonl", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	alarm(10);
	const char *paths[] = {fifo, "/dev/zero", dir};
	for (size_t p = 0; p < 3; p++)
		for (int src = IMPORT_AIPERF; src <= IMPORT_VLLM; src++) {
			struct import_level lv;
			struct sc_err e = {0};
			CU_ASSERT_EQUAL(import_file((enum import_source)src,
						    paths[p], 0, &lv, &e),
					SC_EINPUT);
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(e.msg, "not a regular file"));
		}
	alarm(0);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"nonsense values are bad input", test_nonsense},
    {"FIFO and devices refused at once", test_special_files},
    {"aiperf per-request records", test_aiperf_records},
    {"aiperf aggregate", test_aiperf_aggregate},
    {"vllm bench serve", test_vllm},
    {"wrong or missing files", test_bad_files},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("importer", tests)
