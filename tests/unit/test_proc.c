/* Child processes of the campaign runner: exit statuses, output files, the
 * time limit, and servers that do or do not print their URL. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "camp/proc.h"
#include "testutil.h"
#include "util/clock.h"

static void test_run_status(void)
{
	struct sc_err e = {0};
	char *t[] = {"/bin/true", NULL}, *f[] = {"/bin/false", NULL};
	char *missing[] = {"/nonexistent/servecal", NULL};
	CU_ASSERT_EQUAL(proc_run(t, NULL, NULL, 0, NULL, &e), 0);
	CU_ASSERT_EQUAL(proc_run(f, NULL, NULL, 0, NULL, &e), 1);
	/* A program that cannot be executed is an error, not an exit status
	 * the caller could take for the program's own. */
	int rc = proc_run(missing, NULL, NULL, 0, NULL, &e);
	CU_ASSERT(rc < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/servecal"));
}

/* stdout and stderr land in the named files. */
static void test_run_output(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	snprintf(out, sizeof out, "%s/o.txt", dir);
	snprintf(err, sizeof err, "%s/e.txt", dir);
	char *argv[] = {"/bin/sh", "-c", "echo to-out; echo to-err >&2", NULL};
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(proc_run(argv, out, err, 0, NULL, &e), 0);
	FILE *fo = fopen(out, "r"), *fe = fopen(err, "r");
	char a[64] = "", b[64] = "";
	CU_ASSERT_PTR_NOT_NULL_FATAL(fo);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fe);
	CU_ASSERT_PTR_NOT_NULL(fgets(a, sizeof a, fo));
	CU_ASSERT_PTR_NOT_NULL(fgets(b, sizeof b, fe));
	fclose(fo);
	fclose(fe);
	CU_ASSERT_STRING_EQUAL(a, "to-out\n");
	CU_ASSERT_STRING_EQUAL(b, "to-err\n");
	testutil_rmtree(dir);
	free(dir);
}

static bool gone_after_two(void *ud)
{
	return ++*(int *)ud >= 2;
}

/* Past its time limit a child gets SIGINT (servecal commands stop cleanly
 * on it) and the status says it was signalled; a stop flag does the same. */
static void test_run_limits(void)
{
	struct sc_err e = {0};
	char *argv[] = {"/bin/sleep", "20", NULL};
	int64_t t0 = clock_mono_ns();
	int rc = proc_run(argv, NULL, NULL, 0.3, NULL, &e);
	double el = (double)(clock_mono_ns() - t0) * 1e-9;
	CU_ASSERT_EQUAL(rc, 128 + SIGINT);
	CU_ASSERT(el < 5);
	volatile sig_atomic_t stop = 1;
	rc = proc_run(argv, NULL, NULL, 0, &stop, &e);
	CU_ASSERT_EQUAL(rc, 128 + SIGINT);
	/* A watched condition (the launched server died) stops it the same
	 * way; otherwise a bench would spin against a dead server. */
	int calls = 0;
	t0 = clock_mono_ns();
	rc = proc_run_watch(argv, NULL, NULL, 0, NULL, gone_after_two, &calls,
			    &e);
	CU_ASSERT_EQUAL(rc, 128 + SIGINT);
	CU_ASSERT(calls >= 2);
	CU_ASSERT((double)(clock_mono_ns() - t0) * 1e-9 < 5);
}

/* A server must print an http:// URL first; anything else is an error that
 * quotes its stderr, and the child is gone afterwards. */
static void test_server(void)
{
	char *dir = testutil_tmpdir();
	char log[4200];
	snprintf(log, sizeof log, "%s/srv.err", dir);
	struct sc_err e = {0};
	struct proc_server s;
	char *good[] = {"/bin/sh", "-c",
			"echo http://127.0.0.1:1; exec sleep 30", NULL};
	CU_ASSERT_EQUAL_FATAL(proc_server_start(&s, good, log, 5, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(s.url, "http://127.0.0.1:1");
	pid_t pid = s.pid;
	/* Its own process group: a terminal's Ctrl-C reaches the bench (which
	 * stops cleanly) but not the server it is measuring. */
	CU_ASSERT_EQUAL(getpgid(pid), pid);
	proc_server_stop(&s, 2);
	CU_ASSERT_EQUAL(kill(pid, 0), -1); /* reaped */
	char *bad[] = {"/bin/sh", "-c",
		       "echo boom >&2; echo not-a-url; exec sleep 30", NULL};
	CU_ASSERT_EQUAL(proc_server_start(&s, bad, log, 5, &e), SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did not print its URL"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "boom"));
	char *silent[] = {"/bin/sleep", "30", NULL};
	int64_t t0 = clock_mono_ns();
	CU_ASSERT_EQUAL(proc_server_start(&s, silent, log, 0.5, &e),
			SC_ERUNTIME);
	CU_ASSERT((double)(clock_mono_ns() - t0) * 1e-9 < 5);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"exit statuses", test_run_status},
    {"output files", test_run_output},
    {"time limit and stop flag", test_run_limits},
    {"servers and their URL", test_server},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("proc", tests)
