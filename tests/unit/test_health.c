/* The health probe: what it says of a server that answers other than 200
 * and of one that does not answer, and the error cause it quotes (taken
 * from the error's structure, not found by searching its text). */
#include <stdio.h>
#include <string.h>

#include "camp/health.h"
#include "stubserver.h"
#include "testutil.h"
#include "util/err.h"

/* The cause survives prefixes and is the whole message without them; a
 * cause that points past a message written over by hand is not used. */
static void test_err_cause(void)
{
	struct sc_err e = {0};
	CU_ASSERT_STRING_EQUAL(sc_err_cause(&e), "");
	CU_ASSERT_STRING_EQUAL(sc_err_cause(NULL), "");
	sc_err_set(&e, SC_ERUNTIME, "Couldn't connect: port %d", 1);
	CU_ASSERT_STRING_EQUAL(sc_err_cause(&e), "Couldn't connect: port 1");
	sc_err_prefix(&e, "GET %s", "http://h:1/a: b");
	sc_err_prefix(&e, "step");
	CU_ASSERT_STRING_EQUAL(e.msg,
			       "step: GET http://h:1/a: b: Couldn't connect: "
			       "port 1");
	CU_ASSERT_STRING_EQUAL(sc_err_cause(&e), "Couldn't connect: port 1");
	/* A new message has no prefix. */
	sc_err_set(&e, SC_EINPUT, "x");
	CU_ASSERT_STRING_EQUAL(sc_err_cause(&e), "x");
	sc_err_prefix(&e, "p");
	snprintf(e.msg, sizeof e.msg, "y");
	CU_ASSERT_STRING_EQUAL(sc_err_cause(&e), "y");
	sc_err_clear(&e);
	CU_ASSERT_STRING_EQUAL(sc_err_cause(&e), "");
}

/* A probe whose URL holds ": " quotes the transport's reason, not the end
 * of its own URL: cutting the message at its first ": " (what the probe
 * did before) gave "zq: Couldn't connect ..." here. */
static void test_probe_no_answer(void)
{
	char probe[128], last[200] = "";
	snprintf(probe, sizeof probe, "http://127.0.0.1:%d/h?a=zq:%%20zq",
		 stub_port_closed());
	CU_ASSERT_FALSE(health_probe(probe, 1000, last, sizeof last));
	CU_ASSERT_PTR_NULL(strstr(last, "zq"));
	CU_ASSERT_PTR_NULL(strstr(last, "GET "));
	CU_ASSERT_NOT_EQUAL(last[0], '\0');
	snprintf(probe, sizeof probe, "http://127.0.0.1:%d/zq: zq",
		 stub_port_closed());
	last[0] = '\0';
	CU_ASSERT_FALSE(health_probe(probe, 1000, last, sizeof last));
	CU_ASSERT_PTR_NULL(strstr(last, "zq"));
	CU_ASSERT_NOT_EQUAL(last[0], '\0');
}

/* An answer other than 200 is quoted by its status; the wait that ends on
 * its timeout quotes the last one. */
static void test_probe_status(void)
{
	struct stubserver *s = stub_start(0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char url[64], probe[96], last[200];
	snprintf(url, sizeof url, "http://127.0.0.1:%d", stub_port(s));
	/* The stub reads the path from the fifth byte of the request, past
	 * "POST "; a GET's begins one byte earlier, hence the double slash. */
	snprintf(probe, sizeof probe, "%s//http429", url);
	CU_ASSERT_FALSE(health_probe(probe, 1000, last, sizeof last));
	CU_ASSERT_STRING_EQUAL(last, "HTTP 429");
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(
	    health_wait(url, "//http429", 0.2, NULL, NULL, NULL, 1, &e),
	    SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "(last: HTTP 429)"));
	stub_stop(s);
}

static CU_TestInfo tests[] = {
    {"error cause past prefixes", test_err_cause},
    {"probe without an answer quotes the reason", test_probe_no_answer},
    {"probe answered other than 200", test_probe_status},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("health", tests)
