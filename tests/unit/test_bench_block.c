/* bench's closing block on a fixed summary: the golden text below is what
 * a reader of a bench run sees; a changed label, unit, statistic or a lost
 * failure message shows up as a difference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/bench_block.h"
#include "testutil.h"

/* A c4 level on 2 GPUs: 6 measured requests (so the percentile note
 * shows), 2 failures with their first messages, TTFT p90 over its limit
 * and TPOT mean within its limit. */
static const char summary_json[] =
    "{\"concurrency\": 4, \"gpus\": 2, \"complete\": true,"
    " \"requests\": {\"total\": 12, \"ok\": 10, \"failed\": 2,"
    "  \"warmup\": 4, \"by_reason\": {\"http_503\": 1, \"timeout\": 1},"
    "  \"first_error\": {\"http_503\": \"HTTP 503: overloaded\","
    "   \"timeout\": \"no answer in 600 s\"}},"
    " \"ttft_ms\": {\"n\": 6, \"mean\": 420.5, \"p50\": 400, \"p90\": 650,"
    "  \"p95\": 700, \"p99\": 740},"
    " \"tpot_ms\": {\"n\": 6, \"mean\": 15.25, \"p50\": 15, \"p90\": 17,"
    "  \"p95\": 17.5, \"p99\": 18},"
    " \"itl_ms\": {\"n\": 600, \"mean\": 15.1, \"p50\": 14.9, \"p90\": 16,"
    "  \"p95\": 17, \"p99\": 30},"
    " \"e2e_ms\": {\"n\": 6, \"mean\": 1925, \"p50\": 1900, \"p90\": 2100,"
    "  \"p95\": 2150, \"p99\": 2190},"
    " \"input_tokens\": {\"n\": 6, \"mean\": 1000},"
    " \"output_tokens\": {\"n\": 6, \"mean\": 100},"
    " \"throughput\": {\"window_s\": 3.5, \"output_tokens_per_s\": 180,"
    "  \"requests_per_s\": 1.75, \"tokens_per_s_per_gpu\": 90},"
    " \"sla\": {\"ttft_ms\": 600, \"ttft_stat\": \"p90\","
    "  \"tpot_ms\": 16.7, \"tpot_stat\": \"mean\"},"
    " \"attainment\": {\"n\": 8, \"ttft\": 0.625, \"tpot\": 0.75,"
    "  \"all\": 0.5},"
    " \"sla_met\": {\"ttft\": false, \"tpot\": true, \"all\": false},"
    " \"sla_values_ms\": {\"ttft\": 650, \"tpot\": 15.25},"
    " \"goodput_req_per_s\": 1.0, \"goodput_tokens_per_s\": 100,"
    " \"goodput\": {\"requests_per_s\": 1.0,"
    "  \"requests_per_s_per_gpu\": 0.5}}";

static const char golden[] =
    "========= Serving Benchmark Result (c4) ==========\n"
    "Successful requests:                     10\n"
    "Failed requests:                         2\n"
    "Warm-up requests (of these):             4\n"
    "Measured requests (latency samples):     6\n"
    "Concurrency:                             4\n"
    "Steady window (s):                       3.500\n"
    "Request throughput (req/s):              1.75\n"
    "Total input tokens:                      6000\n"
    "Total generated tokens:                  600\n"
    "Input token throughput (tok/s):          1750.00\n"
    "Output token throughput (tok/s):         180.00\n"
    "Total token throughput (tok/s):          1930.00\n"
    "Output tok/s per GPU (2 GPUs):           90.00\n"
    "Total tok/s per GPU:                     965.00\n"
    "-------------- Time to First Token ---------------\n"
    "Mean TTFT (ms):                          420.50\n"
    "Median TTFT (ms):                        400.00\n"
    "P90 TTFT (ms):                           650.00\n"
    "P99 TTFT (ms):                           740.00\n"
    "(p90, p99 from 6 requests: fewer than 20)\n"
    "---- Time per Output Token (excl. 1st token) -----\n"
    "Mean TPOT (ms):                          15.25\n"
    "Median TPOT (ms):                        15.00\n"
    "P90 TPOT (ms):                           17.00\n"
    "P99 TPOT (ms):                           18.00\n"
    "(p90, p99 from 6 requests: fewer than 20)\n"
    "-------------- Inter-token Latency ---------------\n"
    "Mean ITL (ms):                           15.10\n"
    "Median ITL (ms):                         14.90\n"
    "P90 ITL (ms):                            16.00\n"
    "P99 ITL (ms):                            30.00\n"
    "--------------- End-to-end Latency ---------------\n"
    "Mean E2E (ms):                           1925.00\n"
    "Median E2E (ms):                         1900.00\n"
    "P90 E2E (ms):                            2100.00\n"
    "P99 E2E (ms):                            2190.00\n"
    "(p90, p99 from 6 requests: fewer than 20)\n"
    "---------------------- SLA -----------------------\n"
    "TTFT p90 <= 600 ms:                      650.00 (missed)\n"
    "TTFT attainment (%):                     62.5\n"
    "TPOT mean <= 16.7 ms:                    15.25 (met)\n"
    "TPOT attainment (%):                     75.0\n"
    "All-SLA attainment (%):                  50.0\n"
    "Goodput (req/s):                         1.00\n"
    "Goodput (output tok/s):                  100.00\n"
    "Goodput per GPU (req/s):                 0.500\n"
    "-------------------- Failures --------------------\n"
    "http_503:                                1 (first: HTTP 503: overloaded)\n"
    "timeout:                                 1 (first: no answer in 600 s)\n"
    "==================================================\n";

static char *render(const struct level_summary *s, const struct level_info *li)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(bench_block_write(f, "c4", s, li), 0);
	fclose(f);
	return buf;
}

static void test_golden(void)
{
	cJSON *j = cJSON_Parse(summary_json);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	struct level_summary s;
	struct level_info li;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(summary_from_json(j, "fixed", &s, &li, &e),
			      SC_OK);
	cJSON_Delete(j);
	char *got = render(&s, &li);
	if (strcmp(got, golden))
		fprintf(stderr, "\n--- got:\n%s--- want:\n%s", got, golden);
	CU_ASSERT_STRING_EQUAL(got, golden);
	free(got);
}

/* Without an SLA there is no SLA section; without failures no failure
 * section; with 20 samples or more no note; an unmeasured value is "-",
 * never 0 or nan. */
static void test_sections(void)
{
	cJSON *j =
	    cJSON_Parse("{\"concurrency\": 1, \"requests\": {\"total\": 40,"
			" \"ok\": 40, \"warmup\": 1},"
			" \"ttft_ms\": {\"n\": 39, \"mean\": 10, \"p50\": 10,"
			" \"p90\": 10, \"p99\": 10}}");
	struct level_summary s;
	struct level_info li;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(summary_from_json(j, "x", &s, &li, &e), SC_OK);
	cJSON_Delete(j);
	char *got = render(&s, &li);
	CU_ASSERT_PTR_NULL(strstr(got, "SLA"));
	CU_ASSERT_PTR_NULL(strstr(got, "Failures"));
	CU_ASSERT_PTR_NULL(strstr(got, "fewer than"));
	CU_ASSERT_PTR_NULL(strstr(got, "nan"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(got, "Mean TPOT (ms):                          -\n"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(got, "Median TTFT (ms):                        10.00\n"));
	free(got);
}

static CU_TestInfo tests[] = {
    {"closing block of a fixed summary (golden text)", test_golden},
    {"sections only where they apply", test_sections},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("bench_block", tests)
