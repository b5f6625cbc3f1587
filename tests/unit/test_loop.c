/* Load-loop tests against the loopback stub server: closed loop keeps
 * exactly N in flight and warms up one round; each failure kind becomes a
 * record with the right reason and the server's words, and the level goes
 * on; server timings reach the records and the summary; no request is lost
 * when the server closes kept-alive connections; the error-rate stop; the
 * stop flag; the open loop's schedule, client queue and its overflow; the
 * statistics counted online agree with the batch over the same records.
 * Nothing here is timed: rates and lateness are measured in
 * bench/perf/loadgen_bench. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "load/loop.h"
#include "metrics/summary.h"
#include "stubserver.h"
#include "testutil.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* The records of a level as the loop hands them over, deep-copied (the
 * loop keeps none). */
struct collect {
	struct req_record *v;
	size_t n, cap;
};

static void *dup_array(const void *p, size_t n, size_t size)
{
	if (!n)
		return NULL;
	void *q = xmalloc(n * size);
	memcpy(q, p, n * size);
	return q;
}

static void collect_rec(void *ud, const struct req_record *r)
{
	struct collect *c = ud;
	if (c->n == c->cap)
		c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof *c->v);
	struct req_record *q = &c->v[c->n++];
	*q = *r;
	q->itl_ms = dup_array(r->itl_ms, r->n_itl, sizeof *r->itl_ms);
	q->tok_ns = dup_array(r->tok_ns, r->n_tok, sizeof *r->tok_ns);
	q->tok_n = dup_array(r->tok_n, r->n_tok, sizeof *r->tok_n);
}

static void collect_release(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		req_release(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof *c);
}

/* loop_run with every record collected into col (emptied first). */
static int run_collect(struct http_driver *d, struct workload *wl,
		       struct loop_config *c, struct loop_result *r,
		       struct collect *col)
{
	collect_release(col);
	c->on_record = collect_rec;
	c->ud = col;
	return loop_run(d, wl, c, r, NULL);
}

/* The level's summary from the loop's online statistics. */
static void online_summary(struct loop_result *r, const struct level_info *li0,
			   struct level_summary *s)
{
	struct level_info li = *li0;
	li.window_start_ns = r->window_start_ns;
	li.window_end_ns = r->window_end_ns;
	summary_acc_finish(&r->acc, &li, s);
}

static struct loop_config base(const char *url, long conc, long reqs)
{
	struct loop_config c = {.url = url,
				.concurrency = conc,
				.requests = reqs,
				.warmup = conc,
				.timeout_ms = 5000,
				.max_error_rate = 1.0,
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
	struct collect col = {0};
	CU_ASSERT_EQUAL_FATAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT_EQUAL(r.n, 24);
	CU_ASSERT_EQUAL(col.n, 24);
	CU_ASSERT_EQUAL(stub_max_inflight(s), 4);
	CU_ASSERT_EQUAL(stub_requests(s), 24);
	size_t warm = 0;
	for (size_t i = 0; i < col.n; i++) {
		const struct req_record *q = &col.v[i];
		CU_ASSERT(q->ok);
		CU_ASSERT_EQUAL(q->output_tokens, 6);
		CU_ASSERT_EQUAL(q->prompt_tokens, 50);
		CU_ASSERT_EQUAL(q->input_tokens, 50);
		CU_ASSERT_EQUAL(q->n_itl, 5);
		CU_ASSERT_EQUAL(q->n_tok, 6);
		warm += q->warmup;
		for (size_t j = 0; j < i; j++)
			CU_ASSERT(q->id != col.v[j].id);
	}
	CU_ASSERT_EQUAL(warm, 4);
	CU_ASSERT(r.window_end_ns > r.window_start_ns);
	struct level_info li = {.concurrency = 4,
				.window_start_ns = r.window_start_ns,
				.window_end_ns = r.window_end_ns};
	struct level_summary batch, online;
	summary_compute(col.v, col.n, &li, &batch);
	online_summary(&r, &li, &online);
	/* never more than 4 in flight, and no slot idle for long: a value
	 * far below 4 would mean a client waited a loop turn to send */
	CU_ASSERT(batch.little_measured <= 4.0 + 1e-9);
	CU_ASSERT(batch.little_measured >= 2.0);
	CU_ASSERT_EQUAL(batch.ttft_ms.n, 20);
	/* the statistics the loop counted as records finished, with window
	 * edges known only once they happened, are the batch's */
	CU_ASSERT_EQUAL(online.total, batch.total);
	CU_ASSERT_EQUAL(online.ttft_ms.n, 20);
	ASSERT_REL(online.output_tokens_per_s, batch.output_tokens_per_s,
		   1e-12);
	ASSERT_REL(online.requests_per_s, batch.requests_per_s, 1e-12);
	ASSERT_REL(online.little_measured, batch.little_measured, 1e-12);
	ASSERT_REL(online.ttft_ms.p90, batch.ttft_ms.p90, 1e-12);
	ASSERT_REL(online.itl_ms.p50, batch.itl_ms.p50, 1e-12);
	loop_result_release(&r);
	collect_release(&col);
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
	struct collect col = {0};
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 4, 0, 1);
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char url[128];
		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", stub_port(s),
			 cases[k].path);
		struct loop_config c = base(url, 2, 3);
		c.timeout_ms = 200;
		struct loop_result r;
		CU_ASSERT_EQUAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
		/* the level runs to its end: every request is a record */
		CU_ASSERT_EQUAL(r.n, 5);
		CU_ASSERT_EQUAL(col.n, 5);
		CU_ASSERT_EQUAL(r.acc.failed, 5);
		for (size_t i = 0; i < col.n; i++) {
			const struct req_record *q = &col.v[i];
			bool good = !q->ok && q->reason == cases[k].reason &&
				    q->http_status == cases[k].http_status &&
				    (!cases[k].msg_has ||
				     strstr(q->error, cases[k].msg_has));
			if (!good)
				fprintf(
				    stderr, "%s: ok=%d reason=%d error=%s\n",
				    cases[k].path, q->ok, q->reason, q->error);
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
	CU_ASSERT_EQUAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_EQUAL(col.v[0].reason, REASON_CONNECT);
	CU_ASSERT_EQUAL(r.acc.by_reason[REASON_CONNECT], 3);
	loop_result_release(&r);
	collect_release(&col);
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
	struct collect col = {0};
	CU_ASSERT_EQUAL_FATAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT_EQUAL_FATAL(col.n, 8);
	double want = 0;
	size_t nm = 0;
	for (size_t i = 0; i < col.n; i++) {
		const struct req_record *q = &col.v[i];
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
	cJSON *j = req_to_json(&col.v[0], 0);
	ASSERT_REL(cJSON_GetObjectItem(j, "server_prompt_ms")->valuedouble,
		   1.25, 1e-12);
	ASSERT_REL(cJSON_GetObjectItem(j, "server_predicted_ms")->valuedouble,
		   2.5, 1e-12);
	cJSON_Delete(j);
	struct level_info li = {.concurrency = 2};
	struct level_summary sm;
	online_summary(&r, &li, &sm);
	CU_ASSERT_EQUAL(sm.ttft_client_minus_server_ms.n, nm);
	ASSERT_REL(sm.ttft_client_minus_server_ms.mean, want / (double)nm,
		   1e-9);
	loop_result_release(&r);

	/* the plain stream has no timings: records and summary say so */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	CU_ASSERT_EQUAL_FATAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT(!col.v[0].has_server_timings);
	j = req_to_json(&col.v[0], 0);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "server_prompt_ms")));
	cJSON_Delete(j);
	online_summary(&r, &li, &sm);
	j = summary_to_json(&sm, &li);
	CU_ASSERT(cJSON_IsNull(
	    cJSON_GetObjectItem(j, "ttft_client_minus_server_ms")));
	cJSON_Delete(j);
	loop_result_release(&r);
	collect_release(&col);
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
	struct stub_opts o = {.token_gap_us = 100,
			      .max_requests = 5,
			      .idle_close_ms = 200,
			      .unannounced = true};
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
	struct collect col = {0};
	for (size_t k = 0; k < sizeof conc / sizeof *conc; k++) {
		for (int round = 0; round < 6; round++) {
			struct loop_config c = base(url, conc[k], 110);
			c.first_id = next_id;
			struct loop_result r;
			CU_ASSERT_EQUAL_FATAL(run_collect(d, &wl, &c, &r, &col),
					      SC_OK);
			next_id = r.next_id;
			for (size_t i = 0; i < col.n; i++) {
				retries += col.v[i].retries;
				if (col.v[i].ok)
					continue;
				if (failed++ < 3)
					fprintf(stderr, "c%ld: %s\n", conc[k],
						col.v[i].error);
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
		failed += r.acc.failed;
		loop_result_release(&r);
		sleep_ms(gap_ms[round % 2]);
	}
	CU_ASSERT_EQUAL(failed, 0);
	/* 256 requests, at most 5 a connection */
	CU_ASSERT(stub_connections(s) >= 256 / 5);
	collect_release(&col);
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

static void stop_after_some(void *ud, const struct loop_progress *p)
{
	(void)ud;
	if (p->done >= 3)
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
	CU_ASSERT_EQUAL(r.acc.ok, r.n);
	CU_ASSERT_EQUAL(r.acc.failed, 0);
	CU_ASSERT_EQUAL(http_active(d), 0);
	loop_result_release(&r);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

/* The open loop follows its schedule: every planned request is a record,
 * and the scheduled times are the arrival gaps summed exactly (constant
 * 200/s: 5 ms apart to the nanosecond). How punctually the sends follow
 * it is a speed figure: bench/perf/loadgen_bench measures it. */
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
	struct collect col = {0};
	CU_ASSERT_EQUAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT_EQUAL(r.n, 100);
	CU_ASSERT_EQUAL(stub_requests(s), 100);
	int64_t s0 = col.n ? col.v[0].sched_ns : 0, s1 = s0;
	for (size_t i = 0; i < col.n; i++) {
		CU_ASSERT(col.v[i].ok && col.v[i].open_loop);
		if (col.v[i].sched_ns < s0)
			s0 = col.v[i].sched_ns;
		if (col.v[i].sched_ns > s1)
			s1 = col.v[i].sched_ns;
	}
	CU_ASSERT_EQUAL(s1 - s0, 99 * 5000000LL);
	CU_ASSERT(r.window_start_ns <= s0 && r.window_end_ns >= s1);
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
	CU_ASSERT_EQUAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT_EQUAL(r.n, 20);
	CU_ASSERT_EQUAL(stub_max_inflight(s), 1);
	double maxq = 0;
	for (size_t i = 0; i < col.n; i++) {
		if (col.v[i].queue_ms > maxq)
			maxq = col.v[i].queue_ms;
		CU_ASSERT(col.v[i].ttft_ms >= col.v[i].queue_ms);
	}
	/* each request takes >= 3 ms (the server's gaps), one is sent per
	 * 1 ms: the 20th waits >= 38 ms however fast the client is */
	CU_ASSERT(maxq > 20.0);
	CU_ASSERT_EQUAL(r.queue_full, 0);
	loop_result_release(&r);
	collect_release(&col);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

/* A rate whose gap is below 1 ns (1e10/s) with 40 requests: all are due
 * in the first pass of the loop (at most LOOP_SENDS_PER_WAKE), before any
 * answer can be read, so what happens is fixed: 1 sent (the in-flight
 * cap), 10 queued (the queue's cap), 29 client_queue_full records, and the
 * queued ones sent as the slot frees. Nothing is lost: 40 records. The
 * schedule still advances (0.1 ns a request: 3 ns over 39 gaps); a gap
 * rounded to 0 ns froze it and an unbounded queue grew instead. */
static void test_open_queue_overflow(void)
{
	struct stubserver *s = stub_start(1000);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 3, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct arrival a;
	arrival_init(&a, ARRIVAL_CONSTANT, 1e10, 1, 1);
	struct loop_config c = base(url, 0, 40);
	c.open_loop = true;
	c.arrival = &a;
	c.warmup = 0;
	c.max_concurrency = 1;
	c.queue_max = 10;
	CU_ASSERT(40 <= LOOP_SENDS_PER_WAKE);
	struct loop_result r;
	struct collect col = {0};
	CU_ASSERT_EQUAL(run_collect(d, &wl, &c, &r, &col), SC_OK);
	CU_ASSERT_EQUAL(r.n, 40);
	CU_ASSERT_EQUAL(r.queue_full, 29);
	CU_ASSERT_EQUAL(r.acc.by_reason[REASON_CLIENT_QUEUE_FULL], 29);
	CU_ASSERT_EQUAL(r.acc.ok, 11);
	CU_ASSERT_EQUAL(stub_requests(s), 11);
	CU_ASSERT_EQUAL(stub_max_inflight(s), 1);
	int64_t lo = INT64_MAX, hi = 0;
	size_t full = 0;
	for (size_t i = 0; i < col.n; i++) {
		const struct req_record *q = &col.v[i];
		if (q->sched_ns < lo)
			lo = q->sched_ns;
		if (q->sched_ns > hi)
			hi = q->sched_ns;
		if (q->reason != REASON_CLIENT_QUEUE_FULL)
			continue;
		full++;
		char b[32];
		CU_ASSERT_STRING_EQUAL(req_reason_name(q, b, sizeof b),
				       "client_queue_full");
		CU_ASSERT(!q->ok && q->start_ns == 0 &&
			  q->end_ns >= q->sched_ns);
		CU_ASSERT_PTR_NOT_NULL(strstr(q->error, "client queue"));
	}
	CU_ASSERT_EQUAL(full, 29);
	CU_ASSERT_EQUAL(hi - lo, 3);
	loop_result_release(&r);
	collect_release(&col);
	wl_release(&wl);
	http_free(d);
	stub_stop(s);
}

/* Resident set size of this process in KB, from /proc (0 if unknown). */
static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void sample_rss(void *ud, const struct loop_progress *p)
{
	(void)p;
	long *peak = ud, k = rss_kb();
	if (k > *peak)
		*peak = k;
}

/* The runaway case: 1e10 requests/s for 0.3 s. The loop must end soon
 * after its duration (its clock ends sending even though the schedule can
 * never be kept; what is left is 8 in flight and 16 queued), its memory
 * must stay flat (RSS sampled every 10 ms), and every schedule entry it
 * reached is a record: sent, or refused for a full client queue. The old
 * loop froze its schedule at a 0 ns gap and piled due sends up in memory
 * until the OOM killer came. */
static void test_open_runaway(void)
{
	struct stubserver *s = stub_start(100);
	struct http_driver *d = http_new(NULL, NULL);
	struct workload wl;
	wl_init(&wl, WL_COMPLETIONS, "m", 10, 0, 2, 0, 1);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct arrival a;
	arrival_init(&a, ARRIVAL_CONSTANT, 1e10, 1, 1);
	struct loop_config c = base(url, 0, 0);
	c.open_loop = true;
	c.arrival = &a;
	c.warmup = 0;
	c.duration_s = 0.3;
	c.max_concurrency = 8;
	c.queue_max = 16;
	long rss0 = rss_kb(), peak = rss0;
	c.on_progress = sample_rss;
	c.progress_ns = 10000000;
	c.ud = &peak;
	struct loop_result r;
	int64_t t0 = clock_mono_ns();
	CU_ASSERT_EQUAL(loop_run(d, &wl, &c, &r, NULL), SC_OK);
	double took_s = (double)(clock_mono_ns() - t0) / 1e9;
	CU_ASSERT(took_s < 30); /* 0.3 s, with room for any machine */
	CU_ASSERT(peak - rss0 < 64 * 1024);
	CU_ASSERT(r.queue_full > 0);
	CU_ASSERT_EQUAL(r.n, (size_t)stub_requests(s) + r.queue_full);
	CU_ASSERT_EQUAL(r.acc.failed, r.queue_full);
	CU_ASSERT(stub_max_inflight(s) <= 8);
	CU_ASSERT(!r.interrupted);
	CU_ASSERT(r.window_end_ns > r.window_start_ns);
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
    {"open loop schedule and queue", test_open_loop},
    {"open loop queue overflow is records", test_open_queue_overflow},
    {"open loop at 1e10/s ends and stays bounded", test_open_runaway},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("loop", tests)
