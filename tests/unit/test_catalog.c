/* Catalog names: what users type (any case, Hugging Face ids, GPU short
 * names) resolves to the shipped entries, and an unknown name is refused
 * quoting it and listing the known ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/catalog.h"
#include "model/dtype.h"
#include "testutil.h"

static const struct {
	const char *kind, *name, *entry;
} names[] = {
    {"models", "qwen3-32b", "qwen3-32b"},
    {"models", "Qwen3-32B", "qwen3-32b"},
    {"models", "Qwen/Qwen3-32B", "qwen3-32b"},
    {"models", "Qwen/Qwen3-32B-FP8", "qwen3-32b"},
    {"models", "meta-llama/Llama-3.1-70B-Instruct", "llama-3.1-70b"},
    {"models", "meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"},
    {"models", "Qwen/Qwen3-235B-A22B", "qwen3-235b-a22b"},
    {"gpus", "h200", "h200-sxm"},
    {"gpus", "H100", "h100-sxm"},
    {"gpus", "a100", "a100-80gb"},
    {"gpus", "B200", "b200"},
    {"gpus", "L40S", "l40s"},
};

static void test_names(void)
{
	setenv("SERVECAL_CALIB", testutil_src("calib"), 1);
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		char path[4096], want[64];
		struct sc_err e = {0};
		int rc = catalog_resolve(names[i].kind, names[i].name, path,
					 sizeof path, &e);
		if (rc)
			fprintf(stderr, "\n%s: %s\n", names[i].name, e.msg);
		CU_ASSERT_EQUAL(rc, SC_OK);
		snprintf(want, sizeof want, "/%s.json", names[i].entry);
		size_t n = strlen(path), k = strlen(want);
		CU_ASSERT(n > k && !strcmp(path + n - k, want));
		CU_ASSERT_FALSE(catalog_is_path(names[i].name));
	}
}

static void test_unknown(void)
{
	setenv("SERVECAL_CALIB", testutil_src("calib"), 1);
	char path[4096];
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(catalog_resolve("gpus", "h300", path, sizeof path, &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown GPU 'h300'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "h200-sxm"));
	CU_ASSERT_EQUAL(
	    catalog_resolve("models", "foo/Bar-7B", path, sizeof path, &e),
	    SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown model 'foo/Bar-7B'"));
	/* a path is a path: it has a slash and exists, or ends in .json */
	CU_ASSERT_TRUE(catalog_is_path("x.json"));
	CU_ASSERT_TRUE(catalog_is_path(testutil_src("calib/models")));
	CU_ASSERT_TRUE(catalog_is_path("a/b/c"));
}

static void test_dtypes(void)
{
	enum dtype d;
	CU_ASSERT_EQUAL(dtype_parse("FP8", &d), 0);
	CU_ASSERT_EQUAL(d, DT_FP8);
	CU_ASSERT_EQUAL(dtype_parse("BF16", &d), 0);
	CU_ASSERT_EQUAL(d, DT_BF16);
	CU_ASSERT_EQUAL(dtype_parse("fp32", &d), -1);
}

static CU_TestInfo tests[] = {
    {"names people use resolve", test_names},
    {"unknown names quoted, paths kept", test_unknown},
    {"dtypes in any case", test_dtypes},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("catalog", tests)
