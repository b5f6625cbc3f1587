/* Load-loop tests against the loopback stub server: closed loop keeps
 * exactly N in flight and warms up one round; each failure kind becomes a
 * record with the right reason and the level goes on; the error-rate stop;
 * the stop flag; the open loop's rate and client queue. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};

static void test_fault_reasons(void)
{
	static const struct fault_case cases[] = {
		{"/http429", REASON_HTTP, "rate limited"},
		{"/errchunk", REASON_ERROR_CHUNK, "engine died"},
		{"/drop", REASON_NO_DONE, "without [DONE]"},
		{"/stall", REASON_TIMEOUT, NULL},
		{"/malformed", REASON_MALFORMED, "not a JSON object"},
		{"/oversize", REASON_OVERSIZE, "larger than"},
		{"/nodone", REASON_NO_DONE, NULL},
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
				    (!cases[k].msg_has ||
				     strstr(r.recs[i].error, cases[k].msg_has));
			if (!good)
				fprintf(stderr, "%s: ok=%d reason=%d error=%s\n",
					cases[k].path, r.recs[i].ok,
					r.recs[i].reason, r.recs[i].error);
			CU_ASSERT(good);
		}
		if (cases[k].reason == REASON_HTTP)
			CU_ASSERT_EQUAL(r.recs[0].http_status, 429);
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
	{"error-rate stop", test_error_rate_stop},
	{"stop flag", test_stop_flag},
	{"open loop rate and queue", test_open_loop},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("loop", tests)
