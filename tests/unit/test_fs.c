/* Directories and atomic file replacement (util/fs). A failure means a
 * writer can leave a half-written file where a reader looks, a temp file
 * beside the result, or a directory error that goes unreported. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs.h"
#include "testutil.h"

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "rb");
	if (!f)
		return NULL;
	static char buf[256];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Entries in dir (besides . and ..): a left-over temp file shows here. */
static int n_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void test_mkdir_p(void)
{
	char *dir = testutil_tmpdir();
	char p[1200];
	struct sc_err e = {0};
	snprintf(p, sizeof p, "%s/a//b/c/", dir);
	CU_ASSERT_EQUAL(fs_mkdir_p(p, &e), SC_OK);
	snprintf(p, sizeof p, "%s/a/b/c", dir);
	CU_ASSERT(is_dir(p));
	/* again: existing directories are success */
	CU_ASSERT_EQUAL(fs_mkdir_p(p, &e), SC_OK);
	/* a file in the way is an error naming it */
	free(testutil_write(dir, "f", "x"));
	snprintf(p, sizeof p, "%s/f/sub", dir);
	CU_ASSERT_EQUAL(fs_mkdir_p(p, &e), SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/f"));
	snprintf(p, sizeof p, "%s/f", dir);
	CU_ASSERT_EQUAL(fs_mkdir_p(p, &e), SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a directory"));
	CU_ASSERT_EQUAL(fs_mkdir_p("", &e), SC_EINVAL);
	testutil_rmtree(dir);
	free(dir);
}

static void test_write_atomic(void)
{
	char *dir = testutil_tmpdir();
	char p[1200];
	struct sc_err e = {0};
	snprintf(p, sizeof p, "%s/out.json", dir);
	CU_ASSERT_EQUAL(fs_write_atomic(p, "old\n", 4, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(slurp(p), "old\n");
	CU_ASSERT_EQUAL(fs_write_atomic(p, "new text\n", 9, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(slurp(p), "new text\n");
	CU_ASSERT_EQUAL(n_entries(dir), 1);

	/* an aborted write leaves the old file and no temp file */
	struct fs_atomic a;
	CU_ASSERT_EQUAL_FATAL(fs_atomic_open(&a, p, &e), SC_OK);
	fputs("partial", a.f);
	CU_ASSERT_EQUAL(n_entries(dir), 2);
	fs_atomic_abort(&a);
	CU_ASSERT_STRING_EQUAL(slurp(p), "new text\n");
	CU_ASSERT_EQUAL(n_entries(dir), 1);

	/* a stream write replaces the file only on commit */
	CU_ASSERT_EQUAL_FATAL(fs_atomic_open(&a, p, &e), SC_OK);
	fprintf(a.f, "a,b\n%d,%d\n", 1, 2);
	CU_ASSERT_STRING_EQUAL(slurp(p), "new text\n");
	CU_ASSERT_EQUAL(fs_atomic_commit(&a, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(slurp(p), "a,b\n1,2\n");
	CU_ASSERT_EQUAL(n_entries(dir), 1);

	/* a directory that does not exist: an error naming the path */
	snprintf(p, sizeof p, "%s/missing/out.json", dir);
	CU_ASSERT_EQUAL(fs_write_atomic(p, "x", 1, &e), SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "missing/out.json.tmp."));
	/* a target that is a directory: the rename fails, no temp left */
	snprintf(p, sizeof p, "%s/d", dir);
	CU_ASSERT_EQUAL(fs_mkdir_p(p, &e), SC_OK);
	free(testutil_write(p, "keep", "k"));
	CU_ASSERT_EQUAL(fs_write_atomic(p, "x", 1, &e), SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot rename into place"));
	CU_ASSERT_EQUAL(n_entries(dir), 2);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"mkdir -p creates parents, refuses a file in the way", test_mkdir_p},
    {"atomic write: old or whole new file, no temp left", test_write_atomic},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("fs", tests)
