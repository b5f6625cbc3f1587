/* Shared CUnit test helpers. */
#include "testutil.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

int testutil_run(const char *name, CU_TestInfo *tests)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	CU_SuiteInfo suites[] = {{(char *)name, NULL, NULL, NULL, NULL, tests},
				 CU_SUITE_INFO_NULL};
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed =
	    CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	unsigned run = CU_get_number_of_tests_run();
	CU_cleanup_registry();
	if (run == 0) {
		fprintf(stderr, "%s: no test ran\n", name);
		return 1;
	}
	return failed ? 1 : 0;
}

const char *testutil_src(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("SC_SRCDIR");
	snprintf(buf, sizeof buf, "%s/%s", top ? top : SC_SRCDIR, rel);
	return buf;
}

char *testutil_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/sctest.XXXXXX", t ? t : "/tmp");
	char *d = mkdtemp(tmpl);
	if (!d) {
		perror("mkdtemp");
		abort();
	}
	return strdup(d);
}

static int rm_one(const char *p, const struct stat *sb, int flag,
		  struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void testutil_rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *testutil_write(const char *dir, const char *name, const char *text)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f) {
		perror(p);
		abort();
	}
	fputs(text, f);
	fclose(f);
	return p;
}

const char *const testutil_stream_fixtures[] = {
    "vllm_chat.sse",
    "vllm_error.sse",
    "vllm_completions.sse",
    "vllm_truncated.sse",
    "sglang_chat.sse",
    "trtllm_completions.sse",
    "llamacpp_chat.sse",
    "dynamo_chat.sse",
    "malformed_completions.sse",
    "llamacpp_completions.sse",
    "llamacpp_error_oov.sse",
};
const size_t testutil_n_stream_fixtures =
    sizeof testutil_stream_fixtures / sizeof *testutil_stream_fixtures;

char *testutil_fixture_copy(const char *rel)
{
	char *dir = testutil_tmpdir();
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "cp -R '%s/.' '%s/' && chmod -R u+w '%s'",
		 testutil_src(rel), dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not copy %s to %s\n", rel, dir);
		abort();
	}
	return dir;
}
