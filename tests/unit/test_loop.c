/* Load-loop tests against the loopback stub server: closed loop keeps
 * exactly N in flight and warms up one round; each failure kind becomes a
 * record with the right reason and the server's words, and the level goes
 * on; server timings reach the records and the summary; no request is lost
 * when the server closes kept-alive connections; the error-rate stop; the
 * stop flag; the open loop's rate and client queue. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "load/loop.h"
#include "metrics/summary.h"
#include "stubserver.h"
#include "testutil.h"

static struct loop_config base(const char *url, long conc, long reqs)
{
	struct loop_config c = {.url = url, .concurrency = conc,
				.requests = reqs, .warmup = conc,
				.timeout_ms = 5000, .max_error_rate = 1.0,
				.keep_itl = true};
	return c;
}

static void test_closed_exact(void)
{
	struct stubserver *s = stub_start(500);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 50, 0, 6, 0, 1);
	struct loop_config c = base(url, 4, 20);
	struct loop_result r;
	CU_ASSERT_EQUAL_FATAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.n, 24);
	CU_ASSERT_EQUAL(stub_max_inflight(s), 4);
	CU_ASSERT_EQUAL(stub_requests(s), 24);
	size_t warm = 0;
	for (size_t i = 0; i < r.n; i++) {
		CU_ASSERT(r.recs[i].ok);
		CU_ASSERT_EQUAL(r.recs[i].output_tokens, 6);
		CU_ASSERT_EQUAL(r.recs[i].prompt_tokens, 50);
		CU_ASSERT_EQUAL(r.recs[i].input_tokens, 50);
		CU_ASSERT_EQUAL(r.recs[i].n_itl, 5);
		warm += r.recs[i].warmup;
		for (size_t j = 0; j < i; j++)
			CU_ASSERT(r.recs[i].id != r.recs[j].id);
	}
	CU_ASSERT_EQUAL(warm, 4);
	CU_ASSERT(r.window_end_ns > r.window_start_ns);
	struct level_info li = {.concurrency = 4,
				.window_start_ns = r.window_start_ns,
				.window_end_ns = r.window_end_ns};
	struct level_summary sm;
	summary_compute(r.recs, r.n, &li, &sm);
	/* exactly 4 in flight through the steady window */
	ASSERT_REL(sm.little_measured, 4.0, 0.05);
	CU_ASSERT_EQUAL(sm.ttft_ms.n, 20);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

struct fault_case {
	const char *path;
	enum req_reason reason;
	const char *msg_has;
	int http_status; /* expected in the record; 0: none or 200 */
};

static void test_fault_reasons(void)
{
	static const struct fault_case cases[] = {
		{"/http429", REASON_HTTP, "HTTP 429: rate limited", 429},
		{"/errchunk", REASON_ERROR_CHUNK, "engine died", 200},
		/* reset mid-stream: the transport's failure, not a server
		 * that forgot its [DONE] */
		{"/drop", REASON_TRANSPORT, "after the response began", 200},
		{"/stall", REASON_TIMEOUT, NULL, 200},
		{"/malformed", REASON_MALFORMED, "not a JSON object", 200},
		{"/oversize", REASON_OVERSIZE, "larger than", 200},
		{"/nodone", REASON_NO_DONE, NULL, 200},
		/* llama.cpp's "error:" line inside a 200 stream */
		{"/errfield", REASON_ERROR_CHUNK,
		 "Input prompt is too big compared to KV size", 200},
		/* completes properly but with no token for max_tokens 4 */
		{"/noout", REASON_NO_OUTPUT, "no output token (max_tokens 4", 200},
		/* a plain-text body is still the server's words, on one line */
		{"/http500text", REASON_HTTP,
		 "HTTP 500: Internal Server Error upstream failed", 500},
		/* a JSON body longer than the loop keeps: its message */
		{"/http500long", REASON_HTTP, "HTTP 500: out of memory: habcdefgh",
		 500},
		/* read and dropped on a new connection: not a connect failure */
		{"/hangup", REASON_TRANSPORT, "before any response byte", 0},
	};
	struct stubserver *s = stub_start(200);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 4, 0, 1);
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char url[128];
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", stub_port(s),
			 cases[k].path);
		struct loop_config c = base(url, 2, 3);
		c.timeout_ms = 200;
		struct loop_result r;
		CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
		/* the level runs to its end: every request is a record */
		CU_ASSERT_EQUAL(r.n, 5);
		for (size_t i = 0; i < r.n; i++) {
			bool good = !r.recs[i].ok &&
				    r.recs[i].reason == cases[k].reason &&
				    r.recs[i].http_status == cases[k].http_status &&
				    (!cases[k].msg_has ||
				     strstr(r.recs[i].error, cases[k].msg_has));
			if (!good)
				fprintf(stderr, "%s: ok=%d reason=%d error=%s\n",
					cases[k].path, r.recs[i].ok,
					r.recs[i].reason, r.recs[i].error);
			CU_ASSERT(good);
		}
		loop_result_release(&r);
	}
	/* nothing listening */
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port_closed());
	struct loop_config c = base(url, 1, 2);
	struct loop_result r;
	CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_EQUAL(r.recs[0].reason, REASON_CONNECT);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

/* llama.cpp's "timings" reach the records (and their JSON) and the level
 * summary's client-minus-server TTFT; a server without them gives null. */
static void test_server_timings(void)
{
	struct stubserver *s = stub_start(200);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 4, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/timings", stub_port(s));
	struct loop_config c = base(url, 2, 6);
	struct loop_result r;
	CU_ASSERT_EQUAL_FATAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL_FATAL(r.n, 8);
	double want = 0;
	size_t nm = 0;
	for (size_t i = 0; i < r.n; i++) {
		const struct req_record *q = &r.recs[i];
		CU_ASSERT(q->ok && q->has_server_timings);
		ASSERT_REL(q->server_prompt_ms, 1.25, 1e-12);
		ASSERT_REL(q->server_predicted_ms, 2.5, 1e-12);
		CU_ASSERT_EQUAL(q->server_prompt_n, 10);
		CU_ASSERT_EQUAL(q->server_predicted_n, 4);
		if (!q->warmup) {
			want += q->ttft_ms - 1.25;
			nm++;
		}
	}
	cJSON *j = req_to_json(&r.recs[0], 0);
	ASSERT_REL(cJSON_GetObjectItem(j, "server_prompt_ms")->valuedouble,
		   1.25, 1e-12);
	ASSERT_REL(cJSON_GetObjectItem(j, "server_predicted_ms")->valuedouble,
		   2.5, 1e-12);
	cJSON_Delete(j);
	struct level_info li = {.concurrency = 2,
				.window_start_ns = r.window_start_ns,
				.window_end_ns = r.window_end_ns};
	struct level_summary sm;
	summary_compute(r.recs, r.n, &li, &sm);
	CU_ASSERT_EQUAL(sm.ttft_client_minus_server_ms.n, nm);
	ASSERT_REL(sm.ttft_client_minus_server_ms.mean, want / (double)nm,
		   1e-9);
	loop_result_release(&r);

	/* the plain stream has no timings: records and summary say so */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	CU_ASSERT_EQUAL_FATAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT(!r.recs[0].has_server_timings);
	j = req_to_json(&r.recs[0], 0);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "server_prompt_ms")));
	cJSON_Delete(j);
	summary_compute(r.recs, r.n, &li, &sm);
	j = summary_to_json(&sm, &li);
	CU_ASSERT(cJSON_IsNull(
		cJSON_GetObjectItem(j, "ttft_client_minus_server_ms")));
	cJSON_Delete(j);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts))
		;
}

/* Servers close kept-alive connections after some requests or some idle
 * time (llama-server: 100 requests or 5 s; uvicorn: 5 s). Here the stub
 * does so after 5 requests or 200 ms idle, unannounced, its close crossing
 * the client's next request (the worst case), and levels are separated by
 * idle gaps on both sides of 200 ms. Over 2,000 requests at concurrency 1,
 * 4 and 16, not one may fail, and the records must say which requests
 * were sent again. Without the HTTP driver's resend on a fresh connection
 * libcurl gives up after 5 dead connections per handle ("Connection died,
 * tried 5 times before giving up"). */
static void test_no_request_lost_to_reuse(void)
{
	static const long conc[] = {1, 4, 16};
	static const long gap_ms[] = {150, 250};
	struct stub_opts o = {.token_gap_us = 100, .max_requests = 5,
			      .idle_close_ms = 200, .unannounced = true};
	struct stubserver *s = stub_start_opts(&o);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 2, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	size_t total = 0, failed = 0;
	long retries = 0;
	uint64_t next_id = 0;
	for (size_t k = 0; k < sizeof conc / sizeof *conc; k++) {
		for (int round = 0; round < 6; round++) {
			struct loop_config c = base(url, conc[k], 110);
			c.first_id = next_id;
			struct loop_result r;
			CU_ASSERT_EQUAL_FATAL(loop_run(d, &wl, &c, &r, NULL),
					      SC_OK);
			next_id = r.next_id;
			for (size_t i = 0; i < r.n; i++) {
				retries += r.recs[i].retries;
				if (r.recs[i].ok)
					continue;
				if (failed++ < 3)
					fprintf(stderr, "c%ld: %s\n", conc[k],
						r.recs[i].error);
			}
			total += r.n;
			loop_result_release(&r);
			sleep_ms(gap_ms[round % 2]);
		}
	}
	CU_ASSERT(total >= 2000);
	CU_ASSERT_EQUAL(failed, 0);
	/* the server did drop requests, so the case was met */
	CU_ASSERT(stub_dropped(s) > 100);
	CU_ASSERT_EQUAL(retries, http_retries(d));
	wl_release(&wl);
	http_free(d);
	stub_stop(s);

	/* Announced closes (Connection: close, a FIN at idle time), as
	 * cpp-httplib and uvicorn mostly do, cost no request either. */
	o.unannounced = false;
	s = stub_start_opts(&o);
	d = http_new(NULL, NULL);
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 2, 0, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	failed = 0;
	for (int round = 0; round < 4; round++) {
		struct loop_config c = base(url, 4, 60);
		struct loop_result r;
		CU_ASSERT_EQUAL_FATAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
		for (size_t i = 0; i < r.n; i++)
			failed += !r.recs[i].ok;
		loop_result_release(&r);
		sleep_ms(gap_ms[round % 2]);
	}
	CU_ASSERT_EQUAL(failed, 0);
	/* 256 requests, at most 5 a connection */
	CU_ASSERT(stub_connections(s) >= 256 / 5);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

static void test_error_rate_stop(void)
{
	struct stubserver *s = stub_start(200);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 4, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/http429", stub_port(s));
	struct loop_config c = base(url, 2, 200);
	c.max_error_rate = 0.5;
	struct loop_result r;
	CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT(r.too_many_errors);
	CU_ASSERT(r.n >= 20 && r.n < 30);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

static volatile sig_atomic_t stop_now;

static void stop_after_some(void *ud, const struct req_record *recs, size_t n,
			    long planned)
{
	(void)ud;
	(void)recs;
	(void)planned;
	if (n >= 3)
		stop_now = 1;
}

static void test_stop_flag(void)
{
	struct stubserver *s = stub_start(2000);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 10, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct loop_config c = base(url, 2, 1000);
	c.stop = &stop_now;
	c.on_progress = stop_after_some;
	c.progress_ns = 1000000;
	struct loop_result r;
	CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT(r.interrupted);
	CU_ASSERT(r.n >= 3 && r.n < 20);
	/* requests cut off in flight are not records */
	for (size_t i = 0; i < r.n; i++)
		CU_ASSERT(r.recs[i].ok);
	CU_ASSERT_EQUAL(http_active(d), 0);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

static void test_open_loop(void)
{
	struct stubserver *s = stub_start(1000);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 3, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct arrival a;
	arrival_init(&a, ARRIVAL_CONSTANT, 200, 1, 1);
	struct loop_config c = base(url, 0, 100);
	c.open_loop = true;
	c.arrival = &a;
	c.warmup = 0;
	struct loop_result r;
	CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.n, 100);
	ASSERT_REL(r.achieved_rate_per_s, 200.0, 0.02);
	/* loose: this checks the schedule is followed, not speed (see
	 * bench/perf/loadgen_bench for lateness figures) */
	CU_ASSERT(r.send_lateness_p99_ms < 50.0);
	for (size_t i = 0; i < r.n; i++)
		CU_ASSERT(r.recs[i].ok && r.recs[i].open_loop);
	loop_result_release(&r);

	/* a cap of 1 in flight against 3 ms requests at 1000/s queues them:
	 * queue time shows and latency counts from the schedule */
	stub_stop(s);
	s = stub_start(1000);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	arrival_init(&a, ARRIVAL_CONSTANT, 1000, 1, 1);
	c.requests = 20;
	c.max_concurrency = 1;
	CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.n, 20);
	CU_ASSERT_EQUAL(stub_max_inflight(s), 1);
	double maxq = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (r.recs[i].queue_ms > maxq)
			maxq = r.recs[i].queue_ms;
		CU_ASSERT(r.recs[i].ttft_ms >= r.recs[i].queue_ms);
	}
	CU_ASSERT(maxq > 20.0);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

static CU_TestInfo tests[] = {
	{"closed loop keeps N in flight", test_closed_exact},
	{"failure kinds become records", test_fault_reasons},
	{"server timings", test_server_timings},
	{"no request lost to connection reuse", test_no_request_lost_to_reuse},
	{"error-rate stop", test_error_rate_stop},
	{"stop flag", test_stop_flag},
	{"open loop rate and queue", test_open_loop},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("loop", tests)
