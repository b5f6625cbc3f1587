/* Stream decoding tests: each recorded server stream must give the right
 * first output chunk (TTFT), token counts, usage, completeness, errors and
 * server timings; the server's words from error events and HTTP error
 * bodies; plus single-chunk cases for each quirk. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/decode.h"
#include "net/stream.h"
#include "testutil.h"
#include "util/jsonio.h"

struct want {
	const char *file;
	int64_t first_event; /* index of the event that is the first output */
	long out_chunks;
	long output_tokens;
	bool estimated;
	long prompt_tokens; /* -1: server did not say */
	bool complete;
	enum stream_fail fail;
	const char *err_has; /* substring of the error message, or NULL */
};

static const struct want cases[] = {
    /* role-only first chunk is not output; merged tokens counted by usage */
    {"vllm_chat.sse", 1, 4, 6, false, 12, true, STREAM_FAIL_NONE, NULL},
    /* error chunk after HTTP 200, then [DONE]: still a failure */
    {"vllm_error.sse", 1, 2, 2, true, -1, true, STREAM_FAIL_ERROR_CHUNK,
     "CUDA out of memory"},
    {"vllm_completions.sse", 0, 6, 6, false, 4000, true, STREAM_FAIL_NONE,
     NULL},
    /* connection cut mid-event: no [DONE], no finish_reason */
    {"vllm_truncated.sse", 0, 2, 2, true, -1, false, STREAM_FAIL_NONE, NULL},
    /* reasoning_content counts as output; an empty final content not */
    {"sglang_chat.sse", 1, 3, 4, false, 20, true, STREAM_FAIL_NONE, NULL},
    /* padded data lines; usage chunk typed chat.completion.chunk */
    {"trtllm_completions.sse", 0, 4, 4, false, 50, true, STREAM_FAIL_NONE,
     NULL},
    /* no role chunk; usage and timings on the last chunk */
    {"llamacpp_chat.sse", 0, 3, 3, false, 9, true, STREAM_FAIL_NONE, NULL},
    /* role on every chunk, running usage */
    {"dynamo_chat.sse", 0, 4, 5, false, 30, true, STREAM_FAIL_NONE, NULL},
    /* logprobs give the token count; a broken JSON chunk is malformed */
    {"malformed_completions.sse", 0, 1, 2, false, -1, true,
     STREAM_FAIL_MALFORMED, "not a JSON object"},
    /* real llama-server /v1/completions: one word per chunk, usage and
     * timings on the last (empty) chunk */
    {"llamacpp_completions.sse", 0, 5, 5, false, 8, true, STREAM_FAIL_NONE,
     NULL},
    /* real llama-server, token id outside the vocabulary: HTTP 200, an
     * "error:" line, then [DONE]; no output. Must fail with its words. */
    {"llamacpp_error_oov.sse", -1, 0, 0, true, -1, true,
     STREAM_FAIL_ERROR_CHUNK,
     "Input prompt is too big compared to KV size. Please try increasing KV "
     "size."},
};

/* Feeds the fixture byte by byte, stamping each byte with (events
 * dispatched so far + 1) ns, so an output chunk's time names its event. */
static char *run_fixture(const char *file, struct stream *s)
{
	char rel[256];
	snprintf(rel, sizeof rel, "tests/fixtures/streams/%s", file);
	size_t len;
	char *text = jsonio_read_text(testutil_src(rel), 1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	stream_init(s, 0, 0);
	int rc = 0;
	for (size_t i = 0; i < len && rc == 0; i++)
		rc = stream_feed(s, text + i, 1, (int64_t)s->sse.events + 1);
	CU_ASSERT_EQUAL(rc, 0);
	return text;
}

static void test_fixtures(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const struct want *w = &cases[i];
		struct stream s;
		char *text = run_fixture(w->file, &s);
		bool est;
		long out = stream_output_tokens(&s, &est);
		bool ok =
		    s.first_token_ns == w->first_event + 1 &&
		    s.out_chunks == w->out_chunks && out == w->output_tokens &&
		    est == w->estimated && s.usage_prompt == w->prompt_tokens &&
		    stream_complete(&s) == w->complete && s.fail == w->fail &&
		    (!w->err_has || strstr(s.err, w->err_has));
		if (!ok)
			fprintf(
			    stderr,
			    "%s: first=%ld out_chunks=%ld tokens=%ld est=%d "
			    "prompt=%ld complete=%d fail=%d err=%s\n",
			    w->file, (long)s.first_token_ns - 1, s.out_chunks,
			    out, est, s.usage_prompt, stream_complete(&s),
			    s.fail, s.err);
		CU_ASSERT(ok);
		stream_release(&s);
		free(text);
	}
}

static void test_itl(void)
{
	struct stream s;
	double itl[16];
	/* Dynamo: the second chunk carries 2 tokens (running usage 1 -> 3). */
	char *t = run_fixture("dynamo_chat.sse", &s);
	CU_ASSERT_EQUAL_FATAL(stream_itl_ms(&s, itl, 16), 3);
	ASSERT_REL(itl[0], 0.5e-6, 1e-9);
	ASSERT_REL(itl[1], 1e-6, 1e-9);
	ASSERT_REL(itl[2], 1e-6, 1e-9);
	stream_release(&s);
	free(t);
	/* vLLM: 6 tokens in 4 chunks of unknown size: the 5 tokens after the
	 * first are spread over the 3 later chunks. */
	t = run_fixture("vllm_chat.sse", &s);
	CU_ASSERT_EQUAL_FATAL(stream_itl_ms(&s, itl, 16), 3);
	for (int i = 0; i < 3; i++)
		ASSERT_REL(itl[i], 1e-6 * 3.0 / 5.0, 1e-9);
	stream_release(&s);
	free(t);
}

static void test_chunk_cases(void)
{
	struct dec_chunk c;
	dec_chunk_parse("[DONE] ", 7, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_DONE);
	const char *e1 =
	    "{\"object\":\"error\",\"message\":\"bad\",\"code\":400}";
	dec_chunk_parse(e1, strlen(e1), &c);
	CU_ASSERT_EQUAL(c.kind, DEC_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "bad");
	dec_chunk_parse("{\"error\":\"plain\"}", 17, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "plain");
	dec_chunk_parse("[1,2]", 5, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_MALFORMED);
	dec_chunk_parse("", 0, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_MALFORMED);
	dec_chunk_parse("{}", 2, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_CHUNK);
	CU_ASSERT(!c.has_output);
	CU_ASSERT_EQUAL(c.tokens, -1);
	const char *tc =
	    "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"x\"}]}}]}";
	dec_chunk_parse(tc, strlen(tc), &c);
	CU_ASSERT(c.has_output);
	const char *ids =
	    "{\"choices\":[{\"text\":\"ab\",\"token_ids\":[5,6,7]}]}";
	dec_chunk_parse(ids, strlen(ids), &c);
	CU_ASSERT(c.has_output);
	CU_ASSERT_EQUAL(c.tokens, 3);
	/* usage with nonsense values is ignored, not trusted */
	const char *u = "{\"choices\":[],\"usage\":{\"prompt_tokens\":-4,"
			"\"completion_tokens\":\"x\"}}";
	dec_chunk_parse(u, strlen(u), &c);
	CU_ASSERT(!c.has_usage);
	CU_ASSERT_EQUAL(c.completion_tokens, -1);
	/* null content and null role: not output */
	const char *n = "{\"choices\":[{\"delta\":{\"content\":null,\"role\":"
			"\"assistant\"},\"finish_reason\":\"stop\"}]}";
	dec_chunk_parse(n, strlen(n), &c);
	CU_ASSERT(!c.has_output);
	CU_ASSERT_STRING_EQUAL(c.finish_reason, "stop");
}

/* The server's own timings from llama.cpp's last chunk; none elsewhere. */
static void test_server_timings(void)
{
	static const struct {
		const char *file;
		double prompt_ms, predicted_ms;
		long prompt_n, predicted_n;
	} tcases[] = {
	    {"llamacpp_completions.sse", 4.031, 7.291, 8, 5},
	    {"llamacpp_chat.sse", 12.5, 30.1, 9, 3},
	};
	for (size_t i = 0; i < sizeof tcases / sizeof *tcases; i++) {
		struct stream s;
		char *t = run_fixture(tcases[i].file, &s);
		CU_ASSERT(s.has_timings);
		ASSERT_REL(s.server_prompt_ms, tcases[i].prompt_ms, 1e-12);
		ASSERT_REL(s.server_predicted_ms, tcases[i].predicted_ms,
			   1e-12);
		CU_ASSERT_EQUAL(s.server_prompt_n, tcases[i].prompt_n);
		CU_ASSERT_EQUAL(s.server_predicted_n, tcases[i].predicted_n);
		stream_reset(&s); /* the next response starts without them */
		CU_ASSERT(!s.has_timings && isnan(s.server_prompt_ms));
		stream_release(&s);
		free(t);
	}
	struct stream s;
	char *t = run_fixture("vllm_completions.sse", &s);
	CU_ASSERT(!s.has_timings);
	CU_ASSERT(isnan(s.server_prompt_ms) && isnan(s.server_predicted_ms));
	CU_ASSERT_EQUAL(s.server_prompt_n, -1);
	stream_release(&s);
	free(t);
	/* nonsense values are not taken */
	struct dec_chunk c;
	const char *bad = "{\"choices\":[],\"timings\":{\"prompt_ms\":-1,"
			  "\"predicted_ms\":\"x\"}}";
	dec_chunk_parse(bad, strlen(bad), &c);
	CU_ASSERT(!c.has_timings);
	CU_ASSERT(isnan(c.server_prompt_ms));
}

/* The server's words, readable on one line, from every error shape. */
static void test_error_messages(void)
{
	static const struct {
		const char *doc;
		size_t cap;
		const char *want;
	} mcases[] = {
	    /* OpenAI / vLLM / llama.cpp */
	    {"{\"error\":{\"code\":400,\"message\":\"unordered_map::at\"}}",
	     256, "unordered_map::at"},
	    {"{\"object\":\"error\",\"message\":\"bad\",\"code\":400}", 256,
	     "bad"},
	    {"{\"error\":\"plain\"}", 256, "plain"},
	    /* FastAPI */
	    {"{\"detail\":\"Not Found\"}", 256, "Not Found"},
	    /* no known key: the text itself */
	    {"{\"foo\":1}", 256, "{\"foo\":1}"},
	    {"", 256, "(empty body)"},
	    {" \r\n", 256, "(empty body)"},
	    /* text with line breaks and control bytes: one line */
	    {"Internal Server Error\r\n\n\tupstream\x01 failed\n", 256,
	     "Internal Server Error upstream failed"},
	    /* a JSON body cut short: its message, marked as cut */
	    {"{\"error\":{\"code\":500,\"message\":\"out of mem", 256,
	     "out of mem..."},
	    {"{\"error\":{\"message\" : \"say \\\"hi\\\"\\nnow\",\"type\":\"x",
	     256, "say \"hi\" now"},
	    {"{\"error\":{\"code\":500,", 256, "{\"error\":{\"code\":500,"},
	    /* invalid or cut UTF-8 is dropped, valid kept */
	    {"caf\xc3", 256, "caf"},
	    {"a\xff\xc0\xaf"
	     "b \xed\xa0\x80z",
	     256, "ab z"},
	    {"caf\xc3\xa9 \xe4\xb8\x96\xf0\x9f\x99\x82", 256,
	     "caf\xc3\xa9 \xe4\xb8\x96\xf0\x9f\x99\x82"},
	    /* the cap cuts between characters, never inside one */
	    {"abcdefghij", 8, "abcdefg"},
	    {"a\xc3\xa9\xe4\xb8\x96", 5, "a\xc3\xa9"},
	};
	for (size_t i = 0; i < sizeof mcases / sizeof *mcases; i++) {
		char out[256];
		dec_error_message(mcases[i].doc, strlen(mcases[i].doc), out,
				  mcases[i].cap);
		if (strcmp(out, mcases[i].want)) {
			fprintf(stderr, "case %zu: got '%s' want '%s'\n", i,
				out, mcases[i].want);
			CU_FAIL("error message");
		}
	}
	/* the real llama-server HTTP error bodies */
	static const struct {
		const char *file, *want;
	} bodies[] = {
	    {"llamacpp_http500.json", "Input prompt is too big compared to KV "
				      "size. Please try increasing KV size."},
	    {"llamacpp_http400.json", "unordered_map::at"},
	};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		char rel[256], out[256];
		snprintf(rel, sizeof rel, "tests/fixtures/streams/%s",
			 bodies[i].file);
		size_t len;
		char *b =
		    jsonio_read_text(testutil_src(rel), 1 << 16, &len, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		dec_error_message(b, len, out, sizeof out);
		CU_ASSERT_STRING_EQUAL(out, bodies[i].want);
		free(b);
	}
	/* error events: the JSON's message, the text, or a placeholder */
	struct dec_chunk c;
	dec_error_event("{\"code\":500,\"message\":\"x\"}", 26, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "x");
	dec_error_event("boom", 4, &c);
	CU_ASSERT_STRING_EQUAL(c.error, "boom");
	dec_error_event("", 0, &c);
	CU_ASSERT_EQUAL(c.kind, DEC_ERROR);
	CU_ASSERT_STRING_EQUAL(c.error, "error event without a message");
	/* "event: error" with a data line fails the stream with its words,
	 * even after output */
	struct stream s;
	stream_init(&s, 0, 0);
	const char *ev = "data: {\"choices\":[{\"text\":\"a\"}]}\n\n"
			 "event: error\ndata: {\"message\":\"overloaded\"}\n\n";
	CU_ASSERT_EQUAL(stream_feed(&s, ev, strlen(ev), 1), 0);
	CU_ASSERT_EQUAL(s.fail, STREAM_FAIL_ERROR_CHUNK);
	CU_ASSERT_STRING_EQUAL(s.err, "overloaded");
	CU_ASSERT_EQUAL(s.out_chunks, 1);
	stream_release(&s);
}

static void test_chunk_cap(void)
{
	struct stream s;
	stream_init(&s, 0, 2);
	const char *one = "data: {\"choices\":[{\"text\":\"a\"}]}\n\n";
	CU_ASSERT_EQUAL(stream_feed(&s, one, strlen(one), 1), 0);
	CU_ASSERT_EQUAL(stream_feed(&s, one, strlen(one), 2), 0);
	CU_ASSERT_EQUAL(stream_feed(&s, one, strlen(one), 3), -1);
	CU_ASSERT_EQUAL(s.fail, STREAM_FAIL_TOO_MANY_CHUNKS);
	stream_reset(&s);
	CU_ASSERT_EQUAL(stream_feed(&s, one, strlen(one), 4), 0);
	CU_ASSERT_EQUAL(s.out_chunks, 1);
	CU_ASSERT_EQUAL(s.fail, STREAM_FAIL_NONE);
	stream_release(&s);
}

static CU_TestInfo tests[] = {
    {"server fixtures", test_fixtures},
    {"inter-token latency", test_itl},
    {"single chunks", test_chunk_cases},
    {"server timings", test_server_timings},
    {"error messages", test_error_messages},
    {"output chunk cap", test_chunk_cap},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("decode", tests)
