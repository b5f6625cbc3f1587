/* AIPerf-format exports: a record and a level summary written the way
 * AIPerf writes them, and read back by servecal's own aiperf importer with
 * the same statistics (the round trip). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/aiperf_out.h"
#include "metrics/importer.h"
#include "util/jsonio.h"
#include "util/stats.h"
#include "testutil.h"

static struct req_record rec(uint64_t id, double ttft_ms, double tpot_ms,
			     long out, bool ok)
{
	struct req_record r = {0};
	r.id = id;
	r.start_ns = 1000000000LL * (int64_t)(id + 1);
	r.first_byte_ns = r.start_ns + 1000000;
	r.first_token_ns = r.start_ns + (int64_t)(ttft_ms * 1e6);
	r.end_ns =
	    r.first_token_ns + (int64_t)(tpot_ms * 1e6 * (double)(out - 1));
	r.input_tokens = 128;
	r.prompt_tokens = 128;
	r.output_tokens = out;
	r.ok = ok;
	if (!ok) {
		r.reason = REASON_HTTP;
		r.http_status = 503;
		snprintf(r.error, sizeof r.error, "HTTP 503: overloaded");
	}
	req_derive(&r);
	return r;
}

/* A record: wall-clock times from the offset, AIPerf's metric names with
 * units, and a failed record's error block with the server's words. */
static void test_record(void)
{
	struct req_record r = rec(3, 120, 10, 11, true);
	cJSON *j = aiperf_record(&r, 5000);
	const cJSON *md = cJSON_GetObjectItem(j, "metadata");
	char want[64];
	snprintf(want, sizeof want, "%lld", (long long)r.start_ns + 5000);
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(md, "request_start_ns")->valuestring, want);
	cJSON_Delete(j);
	/* at today's epoch the nanoseconds stay exact (a double keeps them
	 * only to 256 ns) */
	j = aiperf_record(&r, 1700000000000000001LL);
	char *txt = cJSON_PrintUnformatted(j);
	snprintf(want, sizeof want, "\"request_start_ns\":%lld",
		 (long long)r.start_ns + 1700000000000000001LL);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, want));
	free(txt);
	md = cJSON_GetObjectItem(j, "metadata");
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(md, "benchmark_phase")->valuestring,
	    "profiling");
	const cJSON *mt = cJSON_GetObjectItem(j, "metrics");
	const cJSON *ttft = cJSON_GetObjectItem(mt, "time_to_first_token");
	CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(ttft, "value")->valuedouble,
			       120, 1e-6);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(ttft, "unit")->valuestring,
			       "ms");
	CU_ASSERT_DOUBLE_EQUAL(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(mt, "inter_token_latency"),
				"value")
		->valuedouble,
	    10, 1e-6);
	CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(j, "error")));
	cJSON_Delete(j);
	struct req_record f = rec(4, 0, 0, 1, false);
	j = aiperf_record(&f, 0);
	const cJSON *err = cJSON_GetObjectItem(j, "error");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(err, "code")->valueint, 503);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(err, "type")->valuestring,
			       "http_503");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(err, "message")->valuestring,
			       "HTTP 503: overloaded");
	cJSON_Delete(j);
}

/* Records exported and imported again give back their statistics. */
static void test_round_trip(void)
{
	char *dir = testutil_tmpdir();
	char path[4096];
	snprintf(path, sizeof path, "%s/profile_export.jsonl", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	double ttfts[] = {100, 200, 300, 400, 250};
	for (int i = 0; i < 5; i++) {
		struct req_record r =
		    rec((uint64_t)i, ttfts[i], 10 + i, 21, true);
		cJSON *j = aiperf_record(&r, 1700000000000000000LL);
		char *s = cJSON_PrintUnformatted(j);
		fprintf(f, "%s\n", s);
		free(s);
		cJSON_Delete(j);
	}
	struct req_record bad = rec(9, 0, 0, 1, false);
	cJSON *j = aiperf_record(&bad, 1700000000000000000LL);
	char *s = cJSON_PrintUnformatted(j);
	fprintf(f, "%s\n", s);
	free(s);
	cJSON_Delete(j);
	fclose(f);
	struct import_level lv;
	struct sc_err e = {0};
	int rc = import_file(IMPORT_AIPERF, path, 1, &lv, &e);
	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
	const cJSON *tt = cJSON_GetObjectItem(lv.summary, "ttft_ms");
	CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(tt, "mean")->valuedouble,
			       250, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(tt, "p50")->valuedouble, 250,
			       1e-6);
	const cJSON *rq = cJSON_GetObjectItem(lv.summary, "requests");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(rq, "ok")->valueint, 5);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(rq, "failed")->valueint, 1);

	/* The summary the import made, exported as AIPerf's aggregate and
	 * imported again: the same TTFT statistics. */
	struct level_summary ls;
	struct level_info li;
	CU_ASSERT_EQUAL_FATAL(summary_from_json(lv.summary, "x", &ls, &li, &e),
			      SC_OK);
	cJSON *agg = aiperf_summary(&ls, &li, "m");
	snprintf(path, sizeof path, "%s/profile_export_aiperf.json", dir);
	CU_ASSERT_EQUAL(jsonio_save_file(path, agg, &e), SC_OK);
	struct import_level lv2;
	rc = import_file(IMPORT_AIPERF, path, 1, &lv2, &e);
	if (rc)
		fprintf(stderr, "\n%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
	const cJSON *tt2 = cJSON_GetObjectItem(lv2.summary, "ttft_ms");
	for (const char *const *k =
		 (const char *const[]){"mean", "p90", "p99", "max", NULL};
	     *k; k++)
		CU_ASSERT_DOUBLE_EQUAL(
		    cJSON_GetObjectItem(tt2, *k)->valuedouble,
		    cJSON_GetObjectItem(tt, *k)->valuedouble, 1e-9);
	/* and the CSV has a row per record metric and the aggregates */
	snprintf(path, sizeof path, "%s/profile_export_aiperf.csv", dir);
	f = fopen(path, "w");
	CU_ASSERT_EQUAL(aiperf_csv(f, agg), 0);
	fclose(f);
	size_t len;
	char *csv = jsonio_read_text(path, 1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(csv, "Metric,avg,min,max,p99,p90,p75,p50,p25,std\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(csv, "Time to First Token (ms),250,100,400,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(csv, "request_count (requests),5\n"));
	free(csv);
	cJSON_Delete(agg);
	cJSON_Delete(lv.summary);
	cJSON_Delete(lv2.summary);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"a record in AIPerf's format", test_record},
    {"export then import gives the same statistics", test_round_trip},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("aiperf_out", tests)
