/* The YAML writer: exact text for nested maps and lists, strings quoted
 * exactly when a YAML reader would take them for something else (numbers,
 * booleans, null, leading dashes, colons), multi-line text as a literal
 * block, raw items as written, and documents separated by "---". The
 * integration test generate.sh parses real outputs with python3-yaml. */
#include <stdlib.h>
#include <string.h>

#include "gen/yaml.h"
#include "testutil.h"

static char *yaml_of(const char *json)
{
	cJSON *j = cJSON_Parse(json);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	struct textbuf b;
	textbuf_init(&b);
	gen_yaml_append(&b, j);
	cJSON_Delete(j);
	return b.s; /* the caller frees */
}

/* A wrong indent or a missing "- " would change what a reader sees. */
static void test_nesting(void)
{
	char *y = yaml_of(
	    "{\"a\": 1, \"b\": {\"c\": [1, 2], \"d\": []},"
	    " \"e\": [{\"f\": \"x\", \"g\": {\"h\": true}}], \"i\": {}}");
	const char *want = "a: 1\n"
			   "b:\n"
			   "  c:\n"
			   "    - 1\n"
			   "    - 2\n"
			   "  d: []\n"
			   "e:\n"
			   "  - f: x\n"
			   "    g:\n"
			   "      h: true\n"
			   "i: {}\n";
	CU_ASSERT_STRING_EQUAL(y, want);
	free(y);
}

/* Each of these unquoted would read as a number, boolean, null, a list
 * item or a mapping: they must stay strings. */
static void test_quoting(void)
{
	static const struct {
		const char *json, *yaml;
	} cases[] = {
	    {"{\"k\": \"2\"}", "k: \"2\"\n"},
	    {"{\"k\": \"1e3\"}", "k: \"1e3\"\n"},
	    {"{\"k\": \"true\"}", "k: \"true\"\n"},
	    {"{\"k\": \"No\"}", "k: \"No\"\n"},
	    {"{\"k\": \"null\"}", "k: \"null\"\n"},
	    {"{\"k\": \"--port\"}", "k: \"--port\"\n"},
	    {"{\"k\": \"a: b\"}", "k: \"a: b\"\n"},
	    {"{\"k\": \"\"}", "k: \"\"\n"},
	    {"{\"k\": \"say \\\"hi\\\"\"}", "k: \"say \\\"hi\\\"\"\n"},
	    {"{\"k\": \"Qwen/Qwen3-32B-FP8\"}", "k: Qwen/Qwen3-32B-FP8\n"},
	    {"{\"k\": \"fp8_e4m3\"}", "k: fp8_e4m3\n"},
	    {"{\"k\": 0.5}", "k: 0.5\n"},
	    {"{\"k\": 8000}", "k: 8000\n"},
	    {"{\"k\": null}", "k: null\n"},
	    {"{\"two words\": 1}", "\"two words\": 1\n"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *y = yaml_of(cases[i].json);
		CU_ASSERT_STRING_EQUAL(y, cases[i].yaml);
		free(y);
	}
}

/* A config file inside a manifest: a literal block, indented under its
 * key, with its last newline kept ("|") or not ("|-"). */
static void test_block(void)
{
	char *y = yaml_of("{\"data\": {\"f.yaml\": \"a: 1\\nb:\\n  c: 2\\n\","
			  " \"g\": \"x\\ny\"}}");
	const char *want = "data:\n"
			   "  f.yaml: |\n"
			   "    a: 1\n"
			   "    b:\n"
			   "      c: 2\n"
			   "  g: |-\n"
			   "    x\n"
			   "    y\n";
	CU_ASSERT_STRING_EQUAL(y, want);
	free(y);
}

/* A raw item (a port placeholder a script fills in) is written as is,
 * and documents are separated by one "---". */
static void test_raw_and_docs(void)
{
	cJSON *docs = cJSON_CreateArray();
	cJSON *a = cJSON_CreateObject();
	cJSON_AddItemToObject(a, "port", cJSON_CreateRaw("{PORT+0}"));
	cJSON_AddItemToArray(docs, a);
	cJSON *b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "kind", "ConfigMap");
	cJSON_AddItemToArray(docs, b);
	struct textbuf t;
	textbuf_init(&t);
	gen_yaml_append_docs(&t, docs);
	CU_ASSERT_STRING_EQUAL(t.s, "port: {PORT+0}\n---\nkind: ConfigMap\n");
	textbuf_release(&t);
	cJSON_Delete(docs);
}

static CU_TestInfo tests[] = {
    {"maps and lists nest with two-space indents", test_nesting},
    {"strings a reader would misread are quoted", test_quoting},
    {"multi-line text is a literal block", test_block},
    {"raw items and document separators", test_raw_and_docs},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("gen_yaml", tests)
