/* OpenAI request validation and chunk rendering of the emulated engine: each
 * bad body gets the status a vLLM server gives, prompt lengths are exact for
 * token ids, and rendered chunks are valid JSON with the right fields. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/emu_api.h"
#include "testutil.h"

static const struct emu_api_limits lim = {"Qwen3-8B", "my-deploy", 1000};

static const struct {
	enum emu_endpoint ep;
	const char *body;
	int status; /* 0: accepted */
	long prompt, max_tokens;
} cases[] = {
    {EMU_EP_COMPLETIONS, "{\"prompt\":[1,2,3,4,5],\"max_tokens\":7}", 0, 5, 7},
    {EMU_EP_COMPLETIONS, "{\"prompt\":[[9,9,9]],\"max_tokens\":2}", 0, 3, 2},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"abcdefghi\"}", 0, 2, 16},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"the and  of\\nto abcdefghijklm\"}", 0,
     4 + 3, 16},
    {EMU_EP_COMPLETIONS,
     "{\"prompt\":[\"abcd\"],\"max_completion_tokens\":4,\"max_tokens\":9}", 0,
     1, 4},
    {EMU_EP_COMPLETIONS, "{\"model\":\"qwen3-8b\",\"prompt\":\"x\"}", 0, 1, 16},
    {EMU_EP_COMPLETIONS, "{\"model\":\"my-deploy\",\"prompt\":\"x\"}", 0, 1,
     16},
    {EMU_EP_CHAT,
     "{\"messages\":[{\"role\":\"user\",\"content\":\"abcdefgh\"}],\"max_"
     "tokens\":3}",
     0, 2 + 4, 3},
    {EMU_EP_CHAT,
     "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
     "\"text\":\"abcd\"}]}]}",
     0, 1 + 4, 1000 - 5},
    {EMU_EP_COMPLETIONS,
     "{\"prompt\":[1],\"stream\":true,\"stream_options\":{\"include_usage\":"
     "true},\"ignore_eos\":true,\"min_tokens\":3,\"max_tokens\":3}",
     0, 1, 3},
    {EMU_EP_COMPLETIONS, "not json", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "[1,2]", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"\"}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":[]}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":[\"a\",\"b\"]}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":{}}", 422, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":[1,\"x\"]}", 422, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":[1,-2]}", 422, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"max_tokens\":\"5\"}", 422, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"max_tokens\":2.5}", 422, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"max_tokens\":0}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"max_tokens\":1000}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"stream\":1}", 422, 0, 0},
    {EMU_EP_COMPLETIONS,
     "{\"prompt\":\"x\",\"stream_options\":{\"include_usage\":true}}", 400, 0,
     0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"n\":2}", 400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"prompt\":\"x\",\"max_tokens\":2,\"min_tokens\":3}",
     400, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"model\":\"gpt-4\",\"prompt\":\"x\"}", 404, 0, 0},
    {EMU_EP_COMPLETIONS, "{\"model\":7,\"prompt\":\"x\"}", 422, 0, 0},
    {EMU_EP_CHAT, "{\"messages\":[]}", 400, 0, 0},
    {EMU_EP_CHAT, "{\"messages\":\"hi\"}", 422, 0, 0},
    {EMU_EP_CHAT, "{\"messages\":[{\"content\":\"hi\"}]}", 422, 0, 0},
    {EMU_EP_CHAT, "{\"prompt\":\"x\"}", 400, 0, 0},
};

static void test_parse_table(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct emu_api_req r;
		struct sc_err e = {0};
		int st = 0;
		int rc =
		    emu_api_parse(cases[i].ep, cases[i].body,
				  strlen(cases[i].body), &lim, &r, &st, &e);
		if (cases[i].status == 0) {
			if (rc)
				fprintf(stderr, "\ncase %zu: %s\n", i, e.msg);
			CU_ASSERT_EQUAL(rc, SC_OK);
			CU_ASSERT_EQUAL(r.prompt_tokens, cases[i].prompt);
			CU_ASSERT_EQUAL(r.max_tokens, cases[i].max_tokens);
		} else {
			if (st != cases[i].status)
				fprintf(stderr,
					"\ncase %zu: status %d, want %d (%s)\n",
					i, st, cases[i].status, e.msg);
			CU_ASSERT_EQUAL(rc, SC_EINVAL);
			CU_ASSERT_EQUAL(st, cases[i].status);
			CU_ASSERT(e.msg[0] != '\0');
		}
	}
}

static void test_flags_parsed(void)
{
	const char *b = "{\"prompt\":[1,2],\"stream\":true,\"ignore_eos\":true,"
			"\"stream_options\":{\"include_usage\":true},"
			"\"min_tokens\":2,\"max_tokens\":5}";
	struct emu_api_req r;
	int st;
	CU_ASSERT_EQUAL(emu_api_parse(EMU_EP_COMPLETIONS, b, strlen(b), &lim,
				      &r, &st, NULL),
			SC_OK);
	CU_ASSERT(r.stream && r.include_usage && r.ignore_eos &&
		  r.prompt_is_ids);
	CU_ASSERT_EQUAL(r.min_tokens, 2);
}

static cJSON *parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);
	CU_ASSERT_PTR_NOT_NULL(j);
	return j;
}

static void test_token_chunks(void)
{
	struct emu_api_stream s;
	emu_api_stream_init(&s, EMU_EP_COMPLETIONS, 42, 1700000000, "M\"x");
	char buf[1024];
	int n = emu_api_token_chunk(&s, " hi", false, false, buf, sizeof buf);
	CU_ASSERT(n > 0 && (size_t)n == strlen(buf));
	cJSON *j = parse(buf);
	cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "text")->valuestring,
			       " hi");
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(c, "finish_reason")));
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "model")->valuestring,
			       "M\"x");
	cJSON_Delete(j);
	emu_api_token_chunk(&s, " end", true, true, buf, sizeof buf);
	j = parse(buf);
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(c, "finish_reason")->valuestring, "stop");
	cJSON_Delete(j);
	CU_ASSERT_EQUAL(emu_api_token_chunk(&s, " hi", false, false, buf, 10),
			-1);
	char *u = emu_api_usage_chunk(&s, 7, 3);
	j = parse(u);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "choices")),
			0);
	cJSON *usage = cJSON_GetObjectItem(j, "usage");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(usage, "total_tokens")->valueint,
			10);
	cJSON_Delete(j);
	free(u);
	emu_api_stream_release(&s);
}

static void test_chat_chunks(void)
{
	struct emu_api_stream s;
	emu_api_stream_init(&s, EMU_EP_CHAT, 1, 1, "m");
	char *r = emu_api_role_chunk(&s);
	cJSON *j = parse(r);
	cJSON *d = cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0), "delta");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d, "role")->valuestring,
			       "assistant");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(d, "content")->valuestring,
			       "");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "object")->valuestring,
			       "chat.completion.chunk");
	cJSON_Delete(j);
	free(r);
	char buf[512];
	emu_api_token_chunk(&s, " a", true, false, buf, sizeof buf);
	j = parse(buf);
	cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c, "delta"), "content")
		->valuestring,
	    " a");
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(c, "finish_reason")->valuestring, "length");
	cJSON_Delete(j);
	char *full = emu_api_full_body(&s, " a b", false, 5, 2);
	j = parse(full);
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c, "message"), "content")
		->valuestring,
	    " a b");
	cJSON_Delete(j);
	free(full);
	emu_api_stream_release(&s);
}

static void test_error_body(void)
{
	char *b = emu_api_error_body(413, "too \"big\"");
	cJSON *j = parse(b);
	cJSON *err = cJSON_GetObjectItem(j, "error");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(err, "message")->valuestring,
			       "too \"big\"");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(err, "code")->valueint, 413);
	CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(err, "type"));
	cJSON_Delete(j);
	free(b);
}

static CU_TestInfo tests[] = {
    {"request validation table", test_parse_table},
    {"stream flags", test_flags_parsed},
    {"completion chunks", test_token_chunks},
    {"chat chunks", test_chat_chunks},
    {"error body", test_error_body},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("emu_api", tests)
