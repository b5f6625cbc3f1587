/* SSE parser tests: every recorded stream split at every byte offset (and
 * fed byte by byte, and with CRLF / CR line ends) must give the same events
 * as the whole stream; plus the corner cases of the format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/sse.h"
#include "testutil.h"
#include "util/jsonio.h"

/* Events are recorded as "name|data" lines joined with '\x1e'. */
struct rec {
	char buf[65536];
	size_t len;
	int stop_after; /* stop the parser after this many events (0: never) */
	int n;
};

static int on_ev(void *ud, const struct sse_event *ev)
{
	struct rec *r = ud;
	int k = snprintf(r->buf + r->len, sizeof r->buf - r->len, "%s|%.*s\x1e",
			 ev->event, (int)ev->data_len, ev->data);
	CU_ASSERT_EQUAL(strlen(ev->data), ev->data_len);
	if (k > 0 && (size_t)k < sizeof r->buf - r->len)
		r->len += (size_t)k;
	r->n++;
	return r->stop_after && r->n >= r->stop_after;
}

static int parse_whole(const char *text, size_t len, size_t cap, struct rec *r)
{
	struct sse_parser p;
	sse_init(&p, cap, on_ev, r);
	int rc = sse_feed(&p, text, len);
	sse_release(&p);
	return rc;
}

/* Rewrites every "\n" of src as eol. */
static char *with_eol(const char *src, size_t len, const char *eol,
		      size_t *out_len)
{
	char *o = malloc(len * 2 + 1);
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\n')
			for (const char *e = eol; *e; e++)
				o[k++] = *e;
		else
			o[k++] = src[i];
	}
	o[k] = 0;
	*out_len = k;
	return o;
}

static void check_splits(const char *text, size_t len, const struct rec *want)
{
	for (size_t cut = 0; cut <= len; cut++) {
		struct rec r = {0};
		struct sse_parser p;
		sse_init(&p, 0, on_ev, &r);
		CU_ASSERT_EQUAL(sse_feed(&p, text, cut), SSE_OK);
		CU_ASSERT_EQUAL(sse_feed(&p, text + cut, len - cut), SSE_OK);
		sse_release(&p);
		if (r.len != want->len || memcmp(r.buf, want->buf, r.len)) {
			CU_FAIL("events differ when split");
			fprintf(stderr, "split at %zu differs\n", cut);
			return;
		}
	}
	/* Byte by byte: every line is split at every offset at once. */
	struct rec r = {0};
	struct sse_parser p;
	sse_init(&p, 0, on_ev, &r);
	int rc = SSE_OK;
	for (size_t i = 0; i < len && rc == SSE_OK; i++)
		rc = sse_feed(&p, text + i, 1);
	sse_release(&p);
	CU_ASSERT_EQUAL(rc, SSE_OK);
	CU_ASSERT_EQUAL(r.len, want->len);
	CU_ASSERT(r.len == want->len && !memcmp(r.buf, want->buf, r.len));
}

static void test_fixture_splits(void)
{
	for (size_t f = 0; f < testutil_n_stream_fixtures; f++) {
		char rel[256];
		snprintf(rel, sizeof rel, "tests/fixtures/streams/%s",
			 testutil_stream_fixtures[f]);
		size_t len;
		char *text =
		    jsonio_read_text(testutil_src(rel), 1 << 20, &len, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		struct rec want = {0};
		CU_ASSERT_EQUAL(parse_whole(text, len, 0, &want), SSE_OK);
		CU_ASSERT(want.n >= 2); /* each fixture has several events */
		check_splits(text, len, &want);
		static const char *const eols[] = {"\r\n", "\r"};
		for (int e = 0; e < 2; e++) {
			size_t l2;
			char *t2 = with_eol(text, len, eols[e], &l2);
			check_splits(t2, l2, &want);
			free(t2);
		}
		free(text);
	}
}

static void expect(const char *in, const char *want_events)
{
	struct rec r = {0};
	CU_ASSERT_EQUAL(parse_whole(in, strlen(in), 0, &r), SSE_OK);
	r.buf[r.len] = 0;
	if (strcmp(r.buf, want_events)) {
		fprintf(stderr, "input %s\n got  %s\n want %s\n", in, r.buf,
			want_events);
		CU_FAIL("unexpected events");
	}
}

/* Table of format corner cases and the events each must give. */
static void test_format_cases(void)
{
	/* multi-line data is joined with '\n' */
	expect("data: a\ndata: b\n\n", "|a\nb\x1e");
	/* comments and unknown fields are ignored; no data, no event */
	expect(": ping\n\nid: 3\nretry: 10\n\n", "");
	/* one space after the colon is dropped, a second one kept */
	expect("data:x\n\ndata:  y\n\n", "|x\x1e| y\x1e");
	/* "data" without colon is an empty data line */
	expect("data\n\n", "|\x1e");
	/* event name is reported and reset after dispatch */
	expect("event: error\ndata: e\n\ndata: f\n\n", "error|e\x1e|f\x1e");
	/* several events in one feed, mixed line ends */
	expect("data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n", "|1\x1e|2\x1e|3\x1e");
	/* a line ends at whichever of CR and LF comes first, though the
	 * other one was found further on for an earlier line */
	expect("data: a\r\rdata: b\r\ndata: c\n\n", "|a\x1e|b\nc\x1e");
	expect("data: a\n\ndata: b\rdata: c\r\n\r\n", "|a\x1e|b\nc\x1e");
	/* a line of blanks ends an event (TensorRT-LLM style padding) */
	expect("data: {} \n \ndata: z\n\n", "|{} \x1e|z\x1e");
	/* a UTF-8 BOM at the start is skipped */
	expect("\xEF\xBB\xBF"
	       "data: b\n\n",
	       "|b\x1e");
	/* an unfinished event at the end is not dispatched */
	expect("data: a\n\ndata: partial", "|a\x1e");
	/* llama.cpp's in-stream error: an "error:" line is an event named
	 * "error" (the spec would drop it and the failure with it) */
	expect("error: {\"code\":500}\n\ndata: [DONE]\n\n",
	       "error|{\"code\":500}\x1e|[DONE]\x1e");
	/* the error line names the event whatever "event:" said */
	expect("event: message\nerror: e\n\ndata: f\n\n", "error|e\x1e|f\x1e");
	/* only that exact field name; "error" alone is an empty error */
	expect("errors: x\n\nerror\n\n", "error|\x1e");
	/* an event named "error" by its event field keeps its name */
	expect("event: error\ndata: {}\n\n", "error|{}\x1e");
}

/* The recorded llama.cpp error stream gives the error event then [DONE],
 * at every split (check_splits compares with this whole-stream parse). */
static void test_llamacpp_error_line(void)
{
	size_t len;
	char *text = jsonio_read_text(
	    testutil_src("tests/fixtures/streams/llamacpp_error_oov.sse"),
	    1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	struct rec r = {0};
	CU_ASSERT_EQUAL(parse_whole(text, len, 0, &r), SSE_OK);
	r.buf[r.len] = 0;
	CU_ASSERT_EQUAL(r.n, 2);
	static const char head[] = "error|{\"code\":500,\"message\":";
	CU_ASSERT(!strncmp(r.buf, head, sizeof head - 1));
	CU_ASSERT_PTR_NOT_NULL(strstr(r.buf, "\x1e|[DONE]\x1e"));
	check_splits(text, len, &r);
	free(text);
}

static void test_bom_split_and_pending(void)
{
	struct rec r = {0};
	struct sse_parser p;
	sse_init(&p, 0, on_ev, &r);
	CU_ASSERT_EQUAL(sse_feed(&p, "\xEF", 1), SSE_OK);
	CU_ASSERT_EQUAL(sse_feed(&p,
				 "\xBB\xBF"
				 "data: q\n",
				 10),
			SSE_OK);
	CU_ASSERT(sse_pending(&p));
	CU_ASSERT_EQUAL(sse_feed(&p, "\n", 1), SSE_OK);
	CU_ASSERT(!sse_pending(&p));
	CU_ASSERT_EQUAL(r.n, 1);
	CU_ASSERT_STRING_EQUAL(r.buf, "|q\x1e");
	sse_release(&p);
}

static void test_oversize(void)
{
	/* Cap 64: a 100-byte data line must fail, whether it arrives at once
	 * or in pieces, and the failure is sticky. */
	char big[200];
	memset(big, 'a', sizeof big);
	memcpy(big, "data: ", 6);
	struct rec r = {0};
	struct sse_parser p;
	sse_init(&p, 64, on_ev, &r);
	CU_ASSERT_EQUAL(sse_feed(&p, "data: ok\n\n", 10), SSE_OK);
	CU_ASSERT_EQUAL(sse_feed(&p, big, 50), SSE_OK);
	CU_ASSERT_EQUAL(sse_feed(&p, big + 50, 50), SSE_EOVERSIZE);
	CU_ASSERT_EQUAL(sse_feed(&p, "\n\n", 2), SSE_EOVERSIZE);
	CU_ASSERT_EQUAL(r.n, 1);
	sse_release(&p);

	/* Many short data lines that add up past the cap also fail. */
	struct rec r2 = {0};
	sse_init(&p, 64, on_ev, &r2);
	int rc = SSE_OK;
	for (int i = 0; i < 20 && rc == SSE_OK; i++)
		rc = sse_feed(&p, "data: 0123456789\n", 17);
	CU_ASSERT_EQUAL(rc, SSE_EOVERSIZE);
	CU_ASSERT_EQUAL(r2.n, 0);
	sse_release(&p);

	/* One whole line in a single feed larger than the cap. */
	struct rec r3 = {0};
	big[150] = '\n';
	big[151] = '\n';
	sse_init(&p, 64, on_ev, &r3);
	CU_ASSERT_EQUAL(sse_feed(&p, big, 152), SSE_EOVERSIZE);
	sse_release(&p);
}

static void test_stop_and_reset(void)
{
	struct rec r = {.stop_after = 1};
	struct sse_parser p;
	sse_init(&p, 0, on_ev, &r);
	CU_ASSERT_EQUAL(sse_feed(&p, "data: 1\n\ndata: 2\n\n", 18),
			SSE_ESTOPPED);
	CU_ASSERT_EQUAL(r.n, 1);
	sse_reset(&p);
	r.stop_after = 0;
	CU_ASSERT_EQUAL(sse_feed(&p, "data: 3\n\n", 9), SSE_OK);
	CU_ASSERT_EQUAL(r.n, 2);
	CU_ASSERT_EQUAL(p.comments, 0);
	sse_release(&p);
}

static CU_TestInfo tests[] = {
    {"fixtures split at every offset", test_fixture_splits},
    {"format corner cases", test_format_cases},
    {"llama.cpp error line", test_llamacpp_error_line},
    {"BOM split and pending", test_bom_split_and_pending},
    {"event size cap", test_oversize},
    {"stop and reset", test_stop_and_reset},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("sse", tests)
