/* HTTP driver tests against a loopback stub server: streams arrive whole
 * with per-chunk timestamps, connections are reused, failures map to the
 * right result, timeouts fire, a request written to a kept-alive connection
 * the server had closed is sent again (once, on a fresh connection) and a
 * request the server received and dropped is not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/stream.h"
#include "stubserver.h"
#include "testutil.h"
#include "util/clock.h"

struct call {
	struct stream st;
	long status;
	int64_t start_ns, first_byte_ns, end_ns;
	enum http_result res;
	bool done;
	int retries;
	int n_end; /* on_done calls: must be exactly one */
	char msg[256];
	int *n_done;
};

static void on_fb(void *ud, int64_t t)
{
	((struct call *)ud)->first_byte_ns = t;
}

static int on_body(void *ud, long status, const char *b, size_t n, int64_t t)
{
	struct call *c = ud;
	c->status = status;
	if (status != 200)
		return 0;
	return stream_feed(&c->st, b, n, t) ? 1 : 0;
}

static void on_done(void *ud, const struct http_end *e)
{
	struct call *c = ud;
	c->res = e->res;
	c->status = e->status;
	c->end_ns = e->t_ns;
	c->done = true;
	c->retries = e->retries;
	c->n_end++;
	snprintf(c->msg, sizeof c->msg, "%s", e->msg);
	(*c->n_done)++;
}

static const struct http_callbacks cbs = {on_fb, on_body, on_done};
static const char *body =
    "{\"model\":\"m\",\"prompt\":[1,2,3,4,5],\"max_tokens\":7,\"stream\":true}";

static void run_calls(struct http_driver *d, const char *url, struct call *c,
		      int n, long timeout_ms)
{
	int n_done = 0;
	for (int i = 0; i < n; i++) {
		memset(&c[i], 0, sizeof c[i]);
		stream_init(&c[i].st, 0, 0);
		c[i].n_done = &n_done;
		CU_ASSERT_EQUAL(http_post(d, url, body, strlen(body),
					  timeout_ms, &cbs, &c[i],
					  &c[i].start_ns, NULL),
				SC_OK);
	}
	int64_t give_up = clock_mono_ns() + 10LL * 1000000000;
	while (n_done < n && clock_mono_ns() < give_up)
		CU_ASSERT_EQUAL(http_run(d, clock_mono_ns() + 100000000, NULL),
				SC_OK);
	CU_ASSERT_EQUAL(n_done, n);
}

static void test_streams_and_keepalive(void)
{
	struct stubserver *s = stub_start(2000);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct http_driver *d = http_new(NULL, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct call c[8];
	int spaced = 0; /* responses whose stamps show the server's gaps */
	for (int round = 0; round < 3; round++) {
		run_calls(d, url, c, 8, 5000);
		for (int i = 0; i < 8; i++) {
			bool est;
			CU_ASSERT_EQUAL(c[i].res, HTTP_DONE);
			CU_ASSERT_EQUAL(c[i].status, 200);
			CU_ASSERT(stream_complete(&c[i].st));
			CU_ASSERT_EQUAL(c[i].st.out_chunks, 7);
			CU_ASSERT_EQUAL(stream_output_tokens(&c[i].st, &est),
					7);
			CU_ASSERT_EQUAL(c[i].st.usage_prompt, 5);
			/* tokens 2 ms apart: 6 gaps of >= 2 ms show when
			 * each chunk is stamped as it is read */
			spaced +=
			    c[i].st.last_token_ns - c[i].st.first_token_ns >=
			    6 * 2000000 / 2;
			CU_ASSERT(c[i].first_byte_ns >= c[i].start_ns);
			CU_ASSERT(c[i].st.first_token_ns >= c[i].first_byte_ns);
			stream_release(&c[i].st);
		}
	}
	/* One stamp per response would show no gap in any of the 24; a
	 * client that a loaded machine (the sanitizer suite at -j8) wakes
	 * late reads a response's chunks at once, which some of them may. */
	CU_ASSERT(spaced >= 1);
	/* 24 requests, 8 at a time, over kept-alive connections */
	CU_ASSERT_EQUAL(stub_requests(s), 24);
	CU_ASSERT(stub_connections(s) <= 8);
	CU_ASSERT(http_connects(d) <= 8);
	CU_ASSERT_EQUAL(stub_max_inflight(s), 8);
	http_free(d);
	stub_stop(s);
}

static void test_failures(void)
{
	struct stubserver *s = stub_start(1000);
	struct http_driver *d = http_new(NULL, NULL);
	char url[128];
	struct call c[1];
	/* HTTP error status with a body */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/http429", stub_port(s));
	run_calls(d, url, c, 1, 5000);
	CU_ASSERT_EQUAL(c[0].res, HTTP_DONE);
	CU_ASSERT_EQUAL(c[0].status, 429);
	stream_release(&c[0].st);
	/* dropped connection mid-stream: a transport error, stream incomplete
	 */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/drop", stub_port(s));
	run_calls(d, url, c, 1, 5000);
	CU_ASSERT_EQUAL(c[0].res, HTTP_ETRANSPORT);
	CU_ASSERT(!stream_complete(&c[0].st));
	CU_ASSERT_EQUAL(c[0].st.out_chunks, 2);
	stream_release(&c[0].st);
	/* stall: the timeout fires at about its time */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/stall", stub_port(s));
	run_calls(d, url, c, 1, 300);
	CU_ASSERT_EQUAL(c[0].res, HTTP_ETIMEOUT);
	/* not before its time; after it only as late as a loaded machine
	 * (the sanitizer suite at -j8 on 2 cores) wakes the loop: the bound
	 * catches a timeout that never fires, not a slow scheduler */
	double ms = (double)(c[0].end_ns - c[0].start_ns) / 1e6;
	CU_ASSERT(ms >= 290 && ms < 5000);
	stream_release(&c[0].st);
	/* oversize event: the stream layer aborts the transfer */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/oversize", stub_port(s));
	run_calls(d, url, c, 1, 5000);
	CU_ASSERT_EQUAL(c[0].res, HTTP_EABORTED);
	CU_ASSERT_EQUAL(c[0].st.fail, STREAM_FAIL_OVERSIZE);
	stream_release(&c[0].st);
	/* error chunk after 200 */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/errchunk", stub_port(s));
	run_calls(d, url, c, 1, 5000);
	CU_ASSERT_EQUAL(c[0].res, HTTP_DONE);
	CU_ASSERT_EQUAL(c[0].st.fail, STREAM_FAIL_ERROR_CHUNK);
	stream_release(&c[0].st);
	http_free(d);
	stub_stop(s);
	/* nothing listening: connect failure */
	d = http_new(NULL, NULL);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port_closed());
	run_calls(d, url, c, 1, 2000);
	CU_ASSERT_EQUAL(c[0].res, HTTP_ECONNECT);
	stream_release(&c[0].st);
	http_free(d);
}

static void test_abort_all(void)
{
	struct stubserver *s = stub_start(1000);
	struct http_driver *d = http_new(NULL, NULL);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/stall", stub_port(s));
	int n_done = 0;
	struct call c[3];
	for (int i = 0; i < 3; i++) {
		memset(&c[i], 0, sizeof c[i]);
		stream_init(&c[i].st, 0, 0);
		c[i].n_done = &n_done;
		CU_ASSERT_EQUAL(http_post(d, url, body, strlen(body), 0, &cbs,
					  &c[i], NULL, NULL),
				SC_OK);
	}
	int64_t until = clock_mono_ns() + 100000000;
	while (clock_mono_ns() < until)
		CU_ASSERT_EQUAL(http_run(d, until, NULL), SC_OK);
	CU_ASSERT_EQUAL(http_active(d), 3);
	http_abort_all(d);
	CU_ASSERT_EQUAL(n_done, 3);
	CU_ASSERT_EQUAL(c[2].res, HTTP_EABORTED);
	CU_ASSERT_EQUAL(http_active(d), 0);
	for (int i = 0; i < 3; i++)
		stream_release(&c[i].st);
	http_free(d);
	stub_stop(s);
}

/* The server closes a connection when the 4th request arrives on it,
 * unannounced (its close crossed the request). libcurl retries such a
 * request itself only 5 times over an easy handle's whole life; past that
 * each one would fail with "Connection died". Every request must succeed,
 * each is reported once, and the driver's own resends are counted. */
static void test_dead_reused_connection(void)
{
	struct stub_opts o = {
	    .token_gap_us = 100, .max_requests = 3, .unannounced = true};
	struct stubserver *s = stub_start_opts(&o);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1/completions",
		 stub_port(s));
	struct http_driver *d = http_new(NULL, NULL);
	struct call c[4];
	long bad = 0, retries = 0;
	for (int round = 0; round < 40; round++) {
		run_calls(d, url, c, 4, 5000);
		for (int i = 0; i < 4; i++) {
			bool good = c[i].res == HTTP_DONE &&
				    c[i].status == 200 && c[i].n_end == 1 &&
				    stream_complete(&c[i].st) &&
				    c[i].st.out_chunks == 7;
			if (!good && bad++ < 3)
				fprintf(stderr,
					"round %d: res %d status %ld: %s\n",
					round, c[i].res, c[i].status, c[i].msg);
			retries += c[i].retries;
			stream_release(&c[i].st);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* the test did meet dead connections, and resent some itself */
	CU_ASSERT(stub_dropped(s) >= 20);
	CU_ASSERT(http_retries(d) > 0);
	CU_ASSERT_EQUAL(retries, http_retries(d));
	http_free(d);
	stub_stop(s);
}

/* A request the server read and then dropped on a connection opened for
 * it may have been run: it is a failure, sent exactly once. */
static void test_dropped_on_fresh_connection(void)
{
	struct stubserver *s = stub_start(100);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/hangup", stub_port(s));
	struct http_driver *d = http_new(NULL, NULL);
	struct call c[1];
	run_calls(d, url, c, 1, 5000);
	CU_ASSERT_EQUAL(c[0].res, HTTP_ETRANSPORT);
	CU_ASSERT_EQUAL(c[0].retries, 0);
	CU_ASSERT_EQUAL(c[0].n_end, 1);
	CU_ASSERT_EQUAL(stub_requests(s), 1);
	CU_ASSERT_EQUAL(http_retries(d), 0);
	stream_release(&c[0].st);
	http_free(d);
	stub_stop(s);
}

/* libcurl's global init runs once per process however many drivers and
 * GETs are made; a failure means it runs per call again (not thread-safe,
 * and repeated work on every http_new). */
static void test_global_init_once(void)
{
	for (int i = 0; i < 3; i++) {
		struct http_driver *d = http_new(NULL, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d);
		http_free(d);
	}
	char buf[64];
	long status = 0;
	struct sc_err e = {0};
	/* port 1 on loopback refuses at once: an error, after the init */
	CU_ASSERT_NOT_EQUAL(http_get_text(NULL, "http://127.0.0.1:1/", buf,
					  sizeof buf, 500, &status, &e),
			    SC_OK);
	CU_ASSERT_EQUAL(http_curl_inits(), 1);
}

static CU_TestInfo tests[] = {
    {"libcurl global init once per process", test_global_init_once},
    {"streams and keep-alive", test_streams_and_keepalive},
    {"failure kinds", test_failures},
    {"abort all", test_abort_all},
    {"dead reused connection costs no request", test_dead_reused_connection},
    {"dropped on a fresh connection is not resent",
     test_dropped_on_fresh_connection},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("http", tests)
