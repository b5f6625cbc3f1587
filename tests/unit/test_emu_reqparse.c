/* Tests of the emulator's HTTP/1.x request parser: every case is fed
 * whole, split at every offset and byte by byte, and must parse the same
 * way each time; refusals carry the status the server answers with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu_reqparse.h"
#include "testutil.h"

#define HEAD_CAP 256
#define BODY_CAP 64

struct outcome {
	enum emu_reqparse_state state;
	int status;
	char method[16], target[64], body[BODY_CAP + 1];
	size_t body_len, used;
	int minor;
	bool keep_alive, expect_continue;
};

/* Feeds raw in pieces of `step` bytes (0: split once at `split`). */
static void run_parse(const char *raw, size_t len, size_t split, size_t step,
		      struct outcome *o)
{
	struct emu_reqparse p;
	emu_reqparse_init(&p, HEAD_CAP, BODY_CAP);
	size_t off = 0;
	while (off < len &&
	       (p.state == EMU_RP_HEAD || p.state == EMU_RP_BODY)) {
		size_t n =
		    step ? step : (off < split ? split - off : len - off);
		if (n > len - off)
			n = len - off;
		size_t u = emu_reqparse_feed(&p, raw + off, n);
		off += u;
		if (u < n)
			break; /* done or refused: the rest is not this
				  request's */
	}
	memset(o, 0, sizeof *o);
	o->state = p.state;
	o->status = p.status;
	o->used = off; /* where a refusal is noticed may vary; it closes */
	if (p.state == EMU_RP_DONE) {
		snprintf(o->method, sizeof o->method, "%s", p.method);
		snprintf(o->target, sizeof o->target, "%s", p.target);
		o->body_len = p.body_len;
		if (p.body_len)
			memcpy(o->body, p.body, p.body_len);
		o->minor = p.http_minor;
		o->keep_alive = p.keep_alive;
		o->expect_continue = p.expect_continue;
	}
	emu_reqparse_release(&p);
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	return a->state == b->state && a->status == b->status &&
	       !strcmp(a->method, b->method) && !strcmp(a->target, b->target) &&
	       a->body_len == b->body_len &&
	       !memcmp(a->body, b->body, a->body_len) &&
	       (a->state != EMU_RP_DONE || a->used == b->used) &&
	       a->minor == b->minor && a->keep_alive == b->keep_alive &&
	       a->expect_continue == b->expect_continue;
}

/* The whole-buffer outcome, checked against every split and byte by byte:
 * a parser that depends on where reads end would differ somewhere. */
static void parse_all_ways(const char *raw, struct outcome *o)
{
	size_t len = strlen(raw);
	run_parse(raw, len, len, 0, o);
	struct outcome x;
	for (size_t k = 1; k < len; k++) {
		run_parse(raw, len, k, 0, &x);
		if (!same(o, &x))
			fprintf(stderr, "\nsplit at %zu differs: %.60s\n", k,
				raw);
		CU_ASSERT(same(o, &x));
	}
	run_parse(raw, len, 0, 1, &x);
	CU_ASSERT(same(o, &x));
}

static void test_accepts(void)
{
	static const struct {
		const char *raw, *method, *target, *body;
		int minor;
		bool keep_alive, expect;
		size_t trailing; /* bytes left for the next request */
	} t[] = {
	    {"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/health", "", 1,
	     true, false, 0},
	    {"POST /v1/completions HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
	     "POST", "/v1/completions", "hello", 1, true, false, 0},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\nX-Trailer: 1\r\n\r\n",
	     "POST", "/p", "hello", 1, true, false, 0},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	     "A\r\n0123456789\r\n0\r\n\r\n",
	     "POST", "/p", "0123456789", 1, true, false, 0},
	    {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "GET", "/", "",
	     0, true, false, 0},
	    {"GET / HTTP/1.0\r\n\r\n", "GET", "/", "", 0, false, false, 0},
	    {"GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n", "GET", "/",
	     "", 1, false, false, 0},
	    {"\r\n\r\nGET /x?q=1 HTTP/1.1\n\n", "GET", "/x?q=1", "", 1, true,
	     false, 0},
	    {"POST /p HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: "
	     "2\r\n\r\nab",
	     "POST", "/p", "ab", 1, true, false, 0},
	    {"POST /p HTTP/1.1\r\nContent-Length: 2, 2\r\n\r\nab", "POST", "/p",
	     "ab", 1, true, false, 0},
	    {"POST /p HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: "
	     "1\r\n\r\nx",
	     "POST", "/p", "x", 1, true, true, 0},
	    {"POST /p HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "POST", "/p", "",
	     1, true, false, 0},
	    {"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", "GET", "/a", "",
	     1, true, false, 19},
	    {"POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nxGET /b", "POST",
	     "/a", "x", 1, true, false, 6},
	    {"GET /h HTTP/1.1\r\nX-Empty:\r\nX-Tab:\tv \t\r\n\r\n", "GET", "/h",
	     "", 1, true, false, 0},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct outcome o;
		parse_all_ways(t[i].raw, &o);
		if (o.state != EMU_RP_DONE)
			fprintf(stderr, "\ncase %zu refused with %d\n", i,
				o.status);
		CU_ASSERT_EQUAL(o.state, EMU_RP_DONE);
		CU_ASSERT_STRING_EQUAL(o.method, t[i].method);
		CU_ASSERT_STRING_EQUAL(o.target, t[i].target);
		CU_ASSERT_EQUAL(o.body_len, strlen(t[i].body));
		CU_ASSERT_STRING_EQUAL(o.body, t[i].body);
		CU_ASSERT_EQUAL(o.minor, t[i].minor);
		CU_ASSERT_EQUAL(o.keep_alive, t[i].keep_alive);
		CU_ASSERT_EQUAL(o.expect_continue, t[i].expect);
		CU_ASSERT_EQUAL(strlen(t[i].raw) - o.used, t[i].trailing);
	}
}

static void test_refusals(void)
{
	char big_head[HEAD_CAP + 64];
	snprintf(big_head, sizeof big_head, "GET / HTTP/1.1\r\nX: %0*d\r\n\r\n",
		 HEAD_CAP, 0);
	const struct {
		const char *raw;
		int status;
	} t[] = {
	    {"GARBAGE\r\n\r\n", 400},
	    {"GET /health HTTP/1.1\r\nHost x\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", 400},
	    {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400},
	    {"GET  / HTTP/1.1\r\n\r\n", 400},
	    {"G@T / HTTP/1.1\r\n\r\n", 400},
	    {"GETTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTTT / HTTP/1.1\r\n\r\n",
	     400},
	    {"GET / HTTP/1.x\r\n\r\n", 400},
	    {"GET / HTTP/2.0\r\n\r\n", 505},
	    {"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
	    {"POST /p HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: "
	     "7\r\n\r\nhello",
	     400},
	    {"POST /p HTTP/1.1\r\nContent-Length: 5, 7\r\n\r\nhello", 400},
	    {"POST /p HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
	    {"POST /p HTTP/1.1\r\nContent-Length: 0x10\r\n\r\n", 400},
	    {"POST /p HTTP/1.1\r\nContent-Length:\r\n\r\n", 400},
	    {"POST /p HTTP/1.1\r\nContent-Length: 65\r\n\r\n", 413},
	    {"POST /p HTTP/1.1\r\nContent-Length: "
	     "99999999999999999999999\r\n\r\n",
	     413},
	    {"POST /p HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n",
	     400},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
	     501},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
	     400},
	    {"POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	     400},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n",
	     413},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "20\r\n01234567890123456789012345678901\r\n"
	     "20\r\n01234567890123456789012345678901\r\n1\r\n",
	     413},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: "
	     "chunked\r\n\r\n2\r\nabc\r\n",
	     400},
	    {"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "00000000000000000000000000000000000000000000000000000000000000000"
	     "1\r\n",
	     400},
	    {"POST /p HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", 417},
	    {big_head, 431},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct outcome o;
		parse_all_ways(t[i].raw, &o);
		if (o.status != t[i].status)
			fprintf(stderr, "\ncase %zu: status %d, want %d\n", i,
				o.status, t[i].status);
		CU_ASSERT_EQUAL(o.state, EMU_RP_ERROR);
		CU_ASSERT_EQUAL(o.status, t[i].status);
	}
	/* A NUL byte inside the head (strlen-based cases cannot hold one). */
	static const char nul[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
	struct outcome o;
	run_parse(nul, sizeof nul - 1, sizeof nul - 1, 0, &o);
	CU_ASSERT_EQUAL(o.status, 400);
}

/* Reset keeps a connection's parser usable for the next request and does
 * not carry over the previous one's length or body. */
static void test_reset_between_requests(void)
{
	struct emu_reqparse p;
	emu_reqparse_init(&p, HEAD_CAP, BODY_CAP);
	const char *a = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
	CU_ASSERT_EQUAL(emu_reqparse_feed(&p, a, strlen(a)), strlen(a));
	CU_ASSERT_EQUAL(p.state, EMU_RP_DONE);
	CU_ASSERT(emu_reqparse_started(&p));
	emu_reqparse_reset(&p);
	CU_ASSERT(!emu_reqparse_started(&p));
	const char *b = "GET /b HTTP/1.1\r\n\r\n";
	CU_ASSERT_EQUAL(emu_reqparse_feed(&p, b, strlen(b)), strlen(b));
	CU_ASSERT_EQUAL(p.state, EMU_RP_DONE);
	CU_ASSERT_STRING_EQUAL(p.target, "/b");
	CU_ASSERT_EQUAL(p.body_len, 0);
	CU_ASSERT_EQUAL(p.content_length, -1);
	emu_reqparse_reset(&p);
	/* A partial head counts as started (the server answers 408 to it). */
	emu_reqparse_feed(&p, "GE", 2);
	CU_ASSERT(emu_reqparse_started(&p));
	CU_ASSERT(!emu_reqparse_head_done(&p));
	emu_reqparse_release(&p);
}

static CU_TestInfo tests[] = {
    {"valid requests parse the same at every split", test_accepts},
    {"refusals carry their status", test_refusals},
    {"reset between requests", test_reset_between_requests},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("emu_reqparse", tests)
