/* The chunk fast path against the cJSON path: every event of every
 * recorded server stream and a table of tricky chunks go through both, and
 * every field must agree. A disagreement means the fast path would change
 * a record or summary; a fast path that declines the common shapes means
 * the load generator pays for a cJSON tree per token again. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/decode.h"
#include "net/decscan.h"
#include "net/sse.h"
#include "testutil.h"
#include "util/jsonio.h"

static bool same_num(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

static bool same(const struct dec_chunk *a, const struct dec_chunk *b)
{
	return a->kind == b->kind && a->has_output == b->has_output &&
	       a->tokens == b->tokens && a->has_usage == b->has_usage &&
	       a->prompt_tokens == b->prompt_tokens &&
	       a->completion_tokens == b->completion_tokens &&
	       !strcmp(a->finish_reason, b->finish_reason) &&
	       !strcmp(a->error, b->error) && !strcmp(a->id, b->id) &&
	       a->has_timings == b->has_timings &&
	       same_num(a->server_prompt_ms, b->server_prompt_ms) &&
	       same_num(a->server_predicted_ms, b->server_predicted_ms) &&
	       a->server_prompt_n == b->server_prompt_n &&
	       a->server_predicted_n == b->server_predicted_n;
}

static void show(const char *tag, const struct dec_chunk *c)
{
	fprintf(stderr,
		"  %s: kind=%d out=%d tokens=%ld usage=%d/%ld/%ld finish=%s "
		"id=%s timings=%d/%g/%g/%ld/%ld err=%s\n",
		tag, c->kind, c->has_output, c->tokens, c->has_usage,
		c->prompt_tokens, c->completion_tokens, c->finish_reason, c->id,
		c->has_timings, c->server_prompt_ms, c->server_predicted_ms,
		c->server_prompt_n, c->server_predicted_n, c->error);
}

/* Both paths on one chunk (trimmed as dec_chunk_parse trims). Returns 1
 * when the fast path took it, 0 when it declined, -1 on a disagreement, 2
 * for "[DONE]". */
static int compare(const char *data, size_t len)
{
	while (len && strchr(" \t\n", *data) && *data)
		data++, len--;
	while (len && strchr(" \t\n", data[len - 1]) && data[len - 1])
		len--;
	if (len == 6 && !memcmp(data, "[DONE]", 6))
		return 2;
	struct dec_chunk fast, tree, whole;
	dec_chunk_parse_tree(data, len, &tree);
	dec_chunk_parse(data, len, &whole);
	if (!same(&whole, &tree)) {
		fprintf(stderr, "dec_chunk_parse differs on %.*s\n", (int)len,
			data);
		show("parse", &whole);
		show("tree", &tree);
		return -1;
	}
	if (!decscan_chunk(data, len, &fast))
		return 0;
	if (same(&fast, &tree))
		return 1;
	fprintf(stderr, "fast path differs on %.*s\n", (int)len, data);
	show("fast", &fast);
	show("tree", &tree);
	return -1;
}

struct tally {
	int events, fast, bad;
};

static int on_event(void *ud, const struct sse_event *ev)
{
	struct tally *t = ud;
	if (!strcmp(ev->event, SSE_ERROR_EVENT))
		return 0;
	int r = compare(ev->data, ev->data_len);
	if (r == 2)
		return 0;
	t->events++;
	t->fast += r > 0;
	t->bad += r < 0;
	return 0;
}

static void test_fixtures(void)
{
	struct tally t = {0, 0, 0};
	for (size_t i = 0; i < testutil_n_stream_fixtures; i++) {
		char rel[256];
		snprintf(rel, sizeof rel, "tests/fixtures/streams/%s",
			 testutil_stream_fixtures[i]);
		size_t len;
		char *text =
		    jsonio_read_text(testutil_src(rel), 1 << 20, &len, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(text);
		struct sse_parser p;
		sse_init(&p, 0, on_event, &t);
		CU_ASSERT_EQUAL(sse_feed(&p, text, len), SSE_OK);
		CU_ASSERT_EQUAL(sse_feed(&p, "\n\n", 2), SSE_OK);
		sse_release(&p);
		free(text);
	}
	CU_ASSERT_EQUAL(t.bad, 0);
	/* the recorded streams are the common shapes: all but vLLM's error
	 * chunk, the malformed chunk and the chunk cut by a dropped
	 * connection must take the fast path */
	if (t.fast != t.events - 3)
		fprintf(stderr, "%d chunks, %d on the fast path\n", t.events,
			t.fast);
	CU_ASSERT_EQUAL(t.fast, t.events - 3);
	CU_ASSERT(t.events >= 40);
}

struct tricky {
	const char *data;
	bool fast; /* the fast path must take it */
};

static const struct tricky tricky[] = {
    /* plain shapes */
    {"{\"choices\":[{\"index\":0,\"text\":\" hi\",\"finish_reason\":null}]}",
     true},
    {"{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{"
     "\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
     true},
    {"{\"choices\":[],\"usage\":{\"prompt_tokens\":12,"
     "\"completion_tokens\":7,\"total_tokens\":19}}",
     true},
    {"{\"choices\":[{\"text\":\"\",\"finish_reason\":\"length\"}],"
     "\"timings\":{\"prompt_n\":8,\"prompt_ms\":1.25,\"predicted_n\":5,"
     "\"predicted_ms\":30.5e0}}",
     true},
    /* escapes: a simple escape still counts as text; \u goes to cJSON */
    {"{\"choices\":[{\"text\":\"\\n\"}]}", true},
    {"{\"choices\":[{\"text\":\"\\\"\"}]}", true},
    {"{\"choices\":[{\"text\":\"\\u0000x\"}]}", false},
    {"{\"choices\":[{\"text\":\"\\u00e9\"}]}", false},
    {"{\"choices\":[{\"text\":\"\\uZZZZ\"}]}", false},
    {"{\"choices\":[{\"text\":\"\\ud800\"}]}", false},
    {"{\"choices\":[{\"text\":\"\\x\"}]}", false},
    {"{\"id\":\"a\\/b\",\"choices\":[]}", false},
    {"{\"choices\":[{\"finish_reason\":\"st\\u006fp\"}]}", false},
    {"{\"te\\u0078t\":\"x\",\"choices\":[]}", false},
    /* raw UTF-8 and control bytes */
    {"{\"choices\":[{\"delta\":{\"content\":\"\xc3\xa9\xe2\x82\xac\"}}]}",
     true},
    {"{\"choices\":[{\"text\":\"a\tb\"}]}", false},
    /* names of fields inside strings and in other objects */
    {"{\"choices\":[{\"text\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":5}\"}]}",
     true},
    {"{\"model\":\"error\",\"choices\":[{\"text\":\"error\"}]}", true},
    {"{\"meta\":{\"usage\":{\"prompt_tokens\":3},\"choices\":[{\"text\":"
     "\"x\"}]},\"choices\":[]}",
     true},
    {"{\"choices\":[{\"delta\":{\"text\":\"x\"},\"message\":{\"content\":"
     "\"y\"}}]}",
     true},
    /* whitespace and key order */
    {" {\r\n \"usage\" : { \"completion_tokens\" : 3 } ,\n\t\"choices\""
     " : [ { \"finish_reason\" : \"stop\" , \"text\" : \"a\" } ] } ",
     true},
    {"{\"choices\":[{\"text\":\"a\"}]\f}", false},
    /* the first of repeated keys counts */
    {"{\"choices\":[{\"text\":\"\",\"text\":\"x\"}]}", true},
    {"{\"choices\":[],\"choices\":[{\"text\":\"x\"}]}", true},
    {"{\"object\":1,\"object\":\"error\",\"choices\":[]}", true},
    {"{\"usage\":{\"prompt_tokens\":\"5\",\"prompt_tokens\":5}}", true},
    /* token counts */
    {"{\"choices\":[{\"text\":\"ab\",\"token_ids\":[1,2]}]}", true},
    {"{\"choices\":[{\"text\":\"ab\",\"logprobs\":{\"tokens\":[\"a\",\"b\"],"
     "\"token_logprobs\":[-1,-2]}}]}",
     true},
    {"{\"choices\":[{\"delta\":{\"content\":\"ab\"},\"logprobs\":{"
     "\"content\":[{\"token\":\"a\"},{\"token\":\"b\"},{}]}}]}",
     true},
    {"{\"choices\":[{\"text\":\"a\",\"token_ids\":[1]},{\"text\":\"b\"}]}",
     true},
    {"{\"choices\":[{\"text\":\"a\",\"token_ids\":\"1\",\"logprobs\":null}]}",
     true},
    {"{\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"t\"}]}}]}", true},
    {"{\"choices\":[{\"delta\":{\"tool_calls\":[]}}]}", true},
    {"{\"choices\":[1,\"x\",null,{\"text\":\"y\"}]}", true},
    {"{\"choices\":{\"a\":{\"text\":\"x\"}}}", false},
    {"{\"choices\":null,\"usage\":null,\"timings\":[]}", true},
    /* numbers at the edges of the ranges and of the grammar */
    {"{\"usage\":{\"prompt_tokens\":-1,\"completion_tokens\":1e12}}", true},
    {"{\"usage\":{\"prompt_tokens\":1.9,\"completion_tokens\":1e13}}", true},
    {"{\"usage\":{\"prompt_tokens\":-0,\"completion_tokens\":1e999}}", true},
    {"{\"usage\":{\"prompt_tokens\":999999999999999999}}", true},
    {"{\"usage\":{\"prompt_tokens\":01}}", false},
    {"{\"usage\":{\"prompt_tokens\":1.}}", false},
    {"{\"usage\":{\"prompt_tokens\":+1}}", false},
    {"{\"usage\":{\"prompt_tokens\":1-2}}", false},
    {"{\"timings\":{\"prompt_ms\":-3.5,\"predicted_ms\":\"1\"}}", true},
    {"{\"timings\":{\"cache_n\":4}}", true},
    /* errors and things that are not chunks go to cJSON */
    {"{\"error\":{\"message\":\"boom\"}}", false},
    {"{\"error\":null,\"choices\":[]}", false},
    {"{\"object\":\"error\",\"message\":\"bad\"}", false},
    {"{\"choices\":[]} trailing", false},
    {"{\"choices\":[],}", false},
    {"{\"choices\":[{\"text\":\"x\",}]}", false},
    {"{\"choices\":[{\"text\":\"x\"}]", false},
    {"{\"a\":tru}", false},
    {"{\"a\":nullx}", false},
    {"[1,2]", false},
    {"", false},
    {"\"text\"", false},
    {"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"
     "]]]]]]]]]]]]]]]]]]]]]}",
     false},
    {"{}", true},
};

static void test_tricky(void)
{
	for (size_t i = 0; i < sizeof tricky / sizeof *tricky; i++) {
		const struct tricky *t = &tricky[i];
		int r = compare(t->data, strlen(t->data));
		if (r != (t->fast ? 1 : 0))
			fprintf(stderr, "case %zu (%s): got %d\n", i, t->data,
				r);
		CU_ASSERT_EQUAL(r, t->fast ? 1 : 0);
	}
}

/* Every prefix of a long chunk: cut JSON must never be read as a chunk
 * by one path only. */
static void test_prefixes(void)
{
	const char *doc = tricky[3].data;
	size_t n = strlen(doc);
	int bad = 0;
	for (size_t k = 0; k <= n; k++)
		bad += compare(doc, k) < 0;
	CU_ASSERT_EQUAL(bad, 0);
}

static CU_TestInfo tests[] = {
    {"recorded streams, both paths", test_fixtures},
    {"tricky chunks, both paths", test_tricky},
    {"cut chunks, both paths", test_prefixes},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("decode_fast", tests)
