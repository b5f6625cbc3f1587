/* Strict JSON parsing (util/jsonio): one value and only whitespace after
 * it, no key twice in an object, caps on values and nesting checked before
 * cJSON allocates. A failure means a model file followed by "GARBAGE{{{",
 * or three copies of it, or one with "layers" given twice, loads again; or
 * a 60 MB array is built node by node before being refused. */
#include <stdlib.h>
#include <string.h>

#include "util/jsonio.h"
#include "testutil.h"

static const struct {
	const char *text;
	const char *want; /* NULL: parses */
	size_t len;	  /* 0: strlen(text) */
} cases[] = {
    {"{\"a\": 1}", NULL, 0},
    {"{\"a\": 1}\n \t\r\n", NULL, 0},
    {"[1, {\"a\": \"[[[,,,{{\\\"\"}]", NULL, 0},
    {"{\"a\": 1, \"b\": {\"a\": 2}}", NULL, 0}, /* same name, other objects */
    {"{\"a\": 1}\nGARBAGE{{{",
     "t.json: data after the JSON value at line 2 column 1", 0},
    {"{\"a\": 1}{\"a\": 1}{\"a\": 1}",
     "t.json: data after the JSON value at line 1 column 9", 0},
    {"{\"a\": 1} x", "at line 1 column 10", 0},
    {"{\"a\": 1}\n\n  0", "at line 3 column 3", 0},
    {"[1, 2]]", "data after the JSON value", 0},
    {"{\"a\": 1}\0{}", "data after the JSON value at line 1 column 9", 11},
    {"{\"a\": 1, \"a\": 2}", "t.json: duplicate key 'a'", 0},
    {"{\"x\": [0, {\"b\": 1, \"c\": 2, \"b\": 3}]}",
     "duplicate key 'b' in x[1]", 0},
    {"{\"m\": {\"n\": {\"k\": 1, \"k\": 1}}}", "duplicate key 'k' in m.n", 0},
    {"{\"a\": 1,}", "t.json: invalid JSON near line 1 column 9", 0},
    {"", "invalid JSON", 0},
};

static void test_strict(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sc_err e = {0};
		size_t len =
		    cases[i].len ? cases[i].len : strlen(cases[i].text);
		cJSON *j = jsonio_parse(cases[i].text, len, "t.json", &e);
		bool good = cases[i].want ? !j && e.status == SC_EINPUT &&
						strstr(e.msg, cases[i].want)
					  : j != NULL;
		if (!good)
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i,
				e.msg, cases[i].want ? cases[i].want : "ok");
		CU_ASSERT(good);
		cJSON_Delete(j);
	}
}

/* Text of an array of n zeros. */
static char *zeros(size_t n, size_t *len)
{
	char *t = malloc(2 * n + 2);
	size_t k = 0;
	t[k++] = '[';
	for (size_t i = 0; i < n; i++) {
		t[k++] = '0';
		t[k++] = i + 1 < n ? ',' : ']';
	}
	t[k] = '\0';
	*len = k;
	return t;
}

/* The caps: one value more than allowed is refused by the scan (before
 * cJSON builds a node), nesting past JSONIO_MAX_DEPTH too. */
static void test_caps(void)
{
	struct sc_err e = {0};
	size_t len;
	char *t = zeros(99, &len); /* 100 values with the array */
	cJSON *j = jsonio_parse_capped(t, len, "z", 100, &e);
	CU_ASSERT_PTR_NOT_NULL(j);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 99);
	cJSON_Delete(j);
	CU_ASSERT_PTR_NULL(jsonio_parse_capped(t, len, "z", 99, &e));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "z: more than 99 JSON values"));
	free(t);
	t = zeros(JSONIO_MAX_NODES, &len);
	CU_ASSERT_PTR_NULL(jsonio_parse(t, len, "big.json", &e));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "big.json: more than 1000000 JSON values"));
	free(t);
	char deep[2 * JSONIO_MAX_DEPTH + 8];
	for (int d = JSONIO_MAX_DEPTH; d <= JSONIO_MAX_DEPTH + 1; d++) {
		memset(deep, '[', (size_t)d);
		memset(deep + d, ']', (size_t)d);
		j = jsonio_parse(deep, 2 * (size_t)d, "deep", &e);
		if (d == JSONIO_MAX_DEPTH) {
			CU_ASSERT_PTR_NOT_NULL(j);
		} else {
			CU_ASSERT_PTR_NULL(j);
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(e.msg, "deep: nested deeper than 64 levels "
					  "near line 1 column 65"));
		}
		cJSON_Delete(j);
	}
}

/* Field readers: ranges quote the value; a whole number at 2^63 is refused
 * before the cast to long. */
static void test_fields(void)
{
	struct sc_err e = {0};
	cJSON *j = cJSON_Parse(
	    "{\"big\": 9223372036854775807, \"x\": 1e308, \"f\": 0.5}");
	long l;
	double d;
	CU_ASSERT_EQUAL(
	    jsonio_int(j, "big", true, 0, 0, 0x7fffffffffffffffL, &l, "w", &e),
	    SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(
	    e.msg, "w: field 'big': must be in [0, 9223372036854775807]"));
	CU_ASSERT_EQUAL(jsonio_int(j, "f", true, 0, 0, 10, &l, "w", &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "w: field 'f': must be a whole number, got 0.5"));
	CU_ASSERT_EQUAL(jsonio_range(j, "x", true, 0, 0, 1e6, &d, "w", &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "w: field 'x': must be in [0, 1000000], got 1e+308"));
	d = -1;
	CU_ASSERT_EQUAL(jsonio_range(j, "f", true, 0, 0, 1, &d, "w", &e),
			SC_OK);
	CU_ASSERT_EQUAL(d, 0.5);
	CU_ASSERT_EQUAL(jsonio_range(j, "none", false, 3, 0, 1, &d, "w", &e),
			SC_OK);
	CU_ASSERT_EQUAL(d, 3); /* the default is the caller's business */
	cJSON_Delete(j);
}

/* Copied strings: a value that would be cut or holds a character outside
 * the allowed set is an error quoting it, not a truncated or shell-unsafe
 * copy; an absent field leaves "". */
static void test_str_copy(void)
{
	struct sc_err e = {0};
	cJSON *j = cJSON_Parse(
	    "{\"ok\": \"gpu-a_1\", \"long\": \"abcdefgh\", \"sh\": \"a;b\"}");
	char buf[8] = "junk";
	CU_ASSERT_EQUAL(
	    jsonio_str_copy(j, "ok", buf, sizeof buf, "-_", "w", &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(buf, "gpu-a_1");
	CU_ASSERT_EQUAL(
	    jsonio_str_copy(j, "long", buf, sizeof buf, NULL, "w", &e),
	    SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(
	    e.msg, "w: field 'long': 'abcdefgh' must be at most 7 characters"));
	CU_ASSERT_EQUAL(
	    jsonio_str_copy(j, "sh", buf, sizeof buf, "-_", "w", &e),
	    SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "'a;b' must be at most 7 characters of letters, "
			  "digits and -_"));
	CU_ASSERT_EQUAL(
	    jsonio_str_copy(j, "sh", buf, sizeof buf, NULL, "w", &e), SC_OK);
	CU_ASSERT_EQUAL(
	    jsonio_str_copy(j, "none", buf, sizeof buf, "-_", "w", &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(buf, "");
	cJSON_Delete(j);
}

static CU_TestInfo tests[] = {
    {"strict parsing: trailing data, duplicate keys", test_strict},
    {"value and depth caps before allocation", test_caps},
    {"field readers quote out-of-range values", test_fields},
    {"copied strings: length and allowed characters", test_str_copy},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("jsonio", tests)
