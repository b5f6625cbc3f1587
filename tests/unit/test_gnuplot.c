/* The gnuplot runner, driven with stand-in programs (SERVECAL_GNUPLOT) so
 * each outcome is certain: not found, a script error, a hang past the
 * timeout, and the working directory and argument it is given. Rendering
 * with the real gnuplot is tested in tests/integration/plot.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "out/campdir.h"
#include "out/gnuplot.h"
#include "out/plot.h"
#include "testutil.h"

static char *fake(const char *dir, const char *name, const char *body)
{
	char *p = testutil_write(dir, name, body);
	chmod(p, 0755);
	return p;
}

static void test_not_found(void)
{
	struct sc_err e = {0};
	setenv("SERVECAL_GNUPLOT", "/nonexistent/bin/gnuplot", 1);
	CU_ASSERT_FALSE(gnuplot_available());
	CU_ASSERT_EQUAL(gnuplot_run("/tmp", "x.gp", 5, NULL, 0, &e),
			SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "gnuplot not found"));
	setenv("SERVECAL_GNUPLOT", "no-such-gnuplot-program", 1);
	CU_ASSERT_FALSE(gnuplot_available());
	unsetenv("SERVECAL_GNUPLOT");
}

/* plot_render without gnuplot: one clear error naming where the .dat and
 * .gp files are; every chart marked not rendered. */
static void test_render_without_gnuplot(void)
{
	struct campdir c;
	struct plot_set s;
	struct sc_err e = {0};
	char *out = testutil_tmpdir();
	CU_ASSERT_EQUAL_FATAL(
	    campdir_load(testutil_src("tests/fixtures/campaign"), &c, &e),
	    SC_OK);
	CU_ASSERT_EQUAL_FATAL(plot_write(&c, out, PLOT_PNG, &s, &e), SC_OK);
	setenv("SERVECAL_GNUPLOT", "/nonexistent/bin/gnuplot", 1);
	CU_ASSERT_EQUAL(plot_render(&s, 5, &e), SC_ERUNTIME);
	unsetenv("SERVECAL_GNUPLOT");
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "gnuplot not found"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, out));
	for (size_t i = 0; i < s.n; i++)
		CU_ASSERT_FALSE(s.charts[i].rendered);
	char p[1024];
	struct stat st;
	snprintf(p, sizeof p, "%s/pareto-calibrated-ttft600.gp", out);
	CU_ASSERT_EQUAL(stat(p, &st), 0); /* the script is still there */
	plot_set_release(&s);
	campdir_release(&c);
	testutil_rmtree(out);
	free(out);
}

static void test_script_error(void)
{
	char *dir = testutil_tmpdir();
	char *prog =
	    fake(dir, "gp-fail",
		 "#!/bin/sh\n"
		 "echo '         plot foo' >&2\n"
		 "echo '              ^' >&2\n"
		 "echo \"\\\"$1\\\" line 3: undefined variable: foo\" >&2\n"
		 "exit 1\n");
	setenv("SERVECAL_GNUPLOT", prog, 1);
	struct sc_err e = {0};
	char log[512];
	CU_ASSERT_TRUE(gnuplot_available());
	CU_ASSERT_EQUAL(gnuplot_run(dir, "x.gp", 10, log, sizeof log, &e),
			SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "exit status 1"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "\"x.gp\" line 3: undefined variable: foo"));
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "plot foo"));
	unsetenv("SERVECAL_GNUPLOT");
	free(prog);
	testutil_rmtree(dir);
	free(dir);
}

static void test_timeout(void)
{
	char *dir = testutil_tmpdir();
	char *prog = fake(dir, "gp-hang", "#!/bin/sh\nexec sleep 20\n");
	setenv("SERVECAL_GNUPLOT", prog, 1);
	struct sc_err e = {0};
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	CU_ASSERT_EQUAL(gnuplot_run(dir, "x.gp", 0.3, NULL, 0, &e),
			SC_ERUNTIME);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double took = (double)(b.tv_sec - a.tv_sec) +
		      (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	CU_ASSERT(took >= 0.25 && took < 5.0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "killed after"));
	unsetenv("SERVECAL_GNUPLOT");
	free(prog);
	testutil_rmtree(dir);
	free(dir);
}

/* Runs in the chart directory with the script name as its only argument,
 * not through a shell (a name with spaces and a ';' arrives intact). */
static void test_cwd_and_argv(void)
{
	char *dir = testutil_tmpdir();
	char *prog = fake(dir, "gp-ok",
			  "#!/bin/sh\n[ $# -eq 1 ] && [ -f \"$1\" ] && echo "
			  "\"$1\" > seen.txt\n");
	free(testutil_write(dir, "a b;c.gp", "# script\n"));
	setenv("SERVECAL_GNUPLOT", prog, 1);
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(gnuplot_run(dir, "a b;c.gp", 10, NULL, 0, &e), SC_OK);
	unsetenv("SERVECAL_GNUPLOT");
	char p[1024], got[64] = "";
	snprintf(p, sizeof p, "%s/seen.txt", dir);
	FILE *f = fopen(p, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(got, sizeof got, f));
	fclose(f);
	CU_ASSERT_STRING_EQUAL(got, "a b;c.gp\n");
	free(prog);
	testutil_rmtree(dir);
	free(dir);
}

/* A chart that renders with a warning keeps the warning's first line; the
 * image written by the stand-in counts as rendered. */
static void test_render_warning(void)
{
	struct campdir c;
	struct plot_set s;
	struct sc_err e = {0};
	char *out = testutil_tmpdir(), *bin = testutil_tmpdir();
	char *prog = fake(
	    bin, "gp-warn",
	    "#!/bin/sh\n"
	    "echo \"warning: Skipping data file with no valid points\" >&2\n"
	    "echo png > \"${1%.gp}.png\"\n");
	CU_ASSERT_EQUAL_FATAL(
	    campdir_load(testutil_src("tests/fixtures/campaign"), &c, &e),
	    SC_OK);
	CU_ASSERT_EQUAL_FATAL(plot_write(&c, out, PLOT_PNG, &s, &e), SC_OK);
	setenv("SERVECAL_GNUPLOT", prog, 1);
	CU_ASSERT_EQUAL(plot_render(&s, 10, &e), SC_OK);
	unsetenv("SERVECAL_GNUPLOT");
	CU_ASSERT_TRUE(s.charts[0].rendered);
	CU_ASSERT_STRING_EQUAL(
	    s.charts[0].warning,
	    "warning: Skipping data file with no valid points");
	plot_set_release(&s);
	campdir_release(&c);
	free(prog);
	testutil_rmtree(out);
	testutil_rmtree(bin);
	free(out);
	free(bin);
}

static void test_templates_found(void)
{
	struct sc_err e = {0};
	static const char *const names[] = {"pareto.gp", "ttft.gp", "tpot.gp",
					    "align.gp"};
	for (size_t i = 0; i < 4; i++) {
		char *t = gnuplot_template_load(names[i], &e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "@PLOT@"));
		CU_ASSERT_PTR_NOT_NULL(strstr(t, "@TERMINAL@"));
		free(t);
	}
	setenv("SERVECAL_PLOTS", "/nonexistent/plots", 1);
	CU_ASSERT_PTR_NULL(gnuplot_template_load("pareto.gp", &e));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "SERVECAL_PLOTS"));
	unsetenv("SERVECAL_PLOTS");
}

static CU_TestInfo tests[] = {
    {"program not found", test_not_found},
    {"render without gnuplot keeps the scripts", test_render_without_gnuplot},
    {"script error is reported with its line", test_script_error},
    {"a hung gnuplot is killed at the timeout", test_timeout},
    {"working directory and argument, no shell", test_cwd_and_argv},
    {"warnings of a rendered chart are kept", test_render_warning},
    {"templates found", test_templates_found},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("gnuplot", tests)
