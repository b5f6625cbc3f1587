/* Results files: level names, the complete flag that --resume trusts, the
 * CSV rebuilt from summary.json files, appended request lines, the lock
 * that keeps a second bench out of a directory in use. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/results.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/jsonio.h"

static void test_names(void)
{
	char b[32];
	results_level_name(false, 64, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "c64");
	results_level_name(true, 2.5, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "r2.5");
	results_level_name(true, 1000, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "r1000");
}

static void test_levels_and_csv(void)
{
	char *dir = testutil_tmpdir();
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/a/b", dir);
	CU_ASSERT_EQUAL(fs_mkdir_p(sub, NULL), SC_OK);
	CU_ASSERT_EQUAL(fs_mkdir_p(sub, NULL), SC_OK); /* again: fine */

	struct results_writer w = {0};
	CU_ASSERT_EQUAL_FATAL(results_level_begin(&w, dir, "c2", NULL), SC_OK);
	struct req_record r = {.id = 7,
			       .level = 2,
			       .ok = true,
			       .output_tokens = 3,
			       .input_tokens = 5,
			       .prompt_tokens = 5};
	req_derive(&r);
	CU_ASSERT_EQUAL(results_append(&w, &r, 0, NULL), SC_OK);
	r.id = 8;
	CU_ASSERT_EQUAL(results_append(&w, &r, 0, NULL), SC_OK);
	results_level_end(&w);
	char p[1200];
	snprintf(p, sizeof p, "%s/c2/requests.jsonl", dir);
	size_t len;
	char *text = jsonio_read_text(p, 1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":7"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":8"));
	int nl = 0;
	for (char *c = text; *c; c++)
		nl += *c == '\n';
	CU_ASSERT_EQUAL(nl, 2);
	free(text);

	/* No summary yet: a resume must redo the level. An interrupted one:
	 * redo. A complete summary whose count disagrees with the records
	 * (a second writer, a torn line): redo. Only an agreeing one is
	 * skipped. */
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON *s = cJSON_Parse(
	    "{\"concurrency\":2,\"complete\":false,"
	    "\"ttft_ms\":{\"p50\":12.5},\"requests\":{\"total\":2}}");
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON_ReplaceItemInObject(s, "complete", cJSON_CreateTrue());
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	CU_ASSERT(results_level_verified(dir, "c2"));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s, "requests"), "total",
				  cJSON_CreateNumber(3));
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s, "requests"), "total",
				  cJSON_CreateNumber(2));
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	snprintf(p, sizeof p, "%s/c2/requests.jsonl", dir);
	FILE *torn = fopen(p, "a");
	fputs("{\"id\":9,\"ok\":tr", torn);
	fclose(torn);
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON_Delete(s);

	/* CSV: a row per level that has a summary, values from the JSON. */
	char *levels[] = {"c2", "c4"};
	CU_ASSERT_EQUAL(results_write_csv(dir, levels, 2, NULL), SC_OK);
	snprintf(p, sizeof p, "%s/summary.csv", dir);
	text = jsonio_read_text(p, 1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(strncmp(text, "level,concurrency,", 18), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nc2,2,"));
	CU_ASSERT_PTR_NULL(strstr(text, "\nc4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",12.5,"));
	free(text);

	/* copy is byte for byte */
	char *src = testutil_write(dir, "dep.json", "{ \"name\" : \"x\" }\n");
	snprintf(p, sizeof p, "%s/deployment.json", dir);
	CU_ASSERT_EQUAL(results_copy_file(src, p, NULL), SC_OK);
	text = jsonio_read_text(p, 1 << 20, &len, NULL);
	CU_ASSERT_STRING_EQUAL(text, "{ \"name\" : \"x\" }\n");
	free(text);
	free(src);
	testutil_rmtree(dir);
	free(dir);
}

/* Two writers on one directory interleaved and lost records; the lock
 * must refuse the second holder (any open of the directory: flock locks
 * belong to the open file, so a second one in this process is refused as
 * another process would be), name the directory, leave no file behind,
 * and be free again once released. A directory not made yet is nobody's. */
static void test_lock(void)
{
	char *dir = testutil_tmpdir();
	int a = -1, b = -1;
	CU_ASSERT_EQUAL_FATAL(results_lock(dir, &a, NULL), SC_OK);
	CU_ASSERT(a >= 0);
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(results_lock(dir, &b, &e), SC_ERUNTIME);
	CU_ASSERT_EQUAL(b, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "another servecal holds"));
	DIR *dd = opendir(dir);
	int entries = 0;
	for (struct dirent *de; dd && (de = readdir(dd));)
		entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (dd)
		closedir(dd);
	CU_ASSERT_EQUAL(entries, 0); /* no lock file in it */
	results_unlock(a);
	CU_ASSERT_EQUAL(results_lock(dir, &b, NULL), SC_OK);
	CU_ASSERT(b >= 0);
	results_unlock(b);
	char p[1100];
	snprintf(p, sizeof p, "%s/not-yet", dir);
	CU_ASSERT_EQUAL(results_lock(p, &b, NULL), SC_OK);
	CU_ASSERT_EQUAL(b, -1);
	results_unlock(-1);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"level names", test_names},
    {"one holder per results directory", test_lock},
    {"levels, resume flag and CSV", test_levels_and_csv},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("results", tests)
