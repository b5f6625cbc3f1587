/* Stream decoding tests: each recorded server stream must give the right
 * first output chunk (TTFT), token counts, usage, completeness and errors;
 * plus single-chunk cases for each quirk. */
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
	int64_t first_event;  /* index of the event that is the first output */
	long out_chunks;
	long output_tokens;
	bool estimated;
	long prompt_tokens;   /* -1: server did not say */
	bool complete;
	enum stream_fail fail;
	const char *err_has;  /* substring of the error message, or NULL */
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
	for (size_t i = 0; i < len; i++)
		stream_feed(s, text + i, 1, (int64_t)s->sse.events + 1);
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
		bool ok = s.first_token_ns == w->first_event + 1 &&
			  s.out_chunks == w->out_chunks &&
			  out == w->output_tokens && est == w->estimated &&
			  s.usage_prompt == w->prompt_tokens &&
			  stream_complete(&s) == w->complete &&
			  s.fail == w->fail &&
			  (!w->err_has || strstr(s.err, w->err_has));
		if (!ok)
			fprintf(stderr,
				"%s: first=%ld out_chunks=%ld tokens=%ld est=%d prompt=%ld complete=%d fail=%d err=%s\n",
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
	const char *e1 = "{\"object\":\"error\",\"message\":\"bad\",\"code\":400}";
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
	const char *tc = "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"x\"}]}}]}";
	dec_chunk_parse(tc, strlen(tc), &c);
	CU_ASSERT(c.has_output);
	const char *ids = "{\"choices\":[{\"text\":\"ab\",\"token_ids\":[5,6,7]}]}";
	dec_chunk_parse(ids, strlen(ids), &c);
	CU_ASSERT(c.has_output);
	CU_ASSERT_EQUAL(c.tokens, 3);
	/* usage with nonsense values is ignored, not trusted */
	const char *u = "{\"choices\":[],\"usage\":{\"prompt_tokens\":-4,\"completion_tokens\":\"x\"}}";
	dec_chunk_parse(u, strlen(u), &c);
	CU_ASSERT(!c.has_usage);
	CU_ASSERT_EQUAL(c.completion_tokens, -1);
	/* null content and null role: not output */
	const char *n = "{\"choices\":[{\"delta\":{\"content\":null,\"role\":\"assistant\"},\"finish_reason\":\"stop\"}]}";
	dec_chunk_parse(n, strlen(n), &c);
	CU_ASSERT(!c.has_output);
	CU_ASSERT_STRING_EQUAL(c.finish_reason, "stop");
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
	{"output chunk cap", test_chunk_cap},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("decode", tests)
