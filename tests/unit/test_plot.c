/* Golden tests of the chart files: the .dat numbers and labels and the .gp
 * scripts written for the fixture campaign must match tests/golden/plots/
 * byte for byte. A difference means the charts now show something else:
 * review it, then update the golden files:
 *   ./servecal plot tests/fixtures/campaign --out tests/golden/plots --no-render */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "out/plot.h"
#include "testutil.h"
#include "util/jsonio.h"

static const char *const golden[] = {
	"pareto-calibrated-ttft600", "pareto-calibrated-ttft1200",
	"pareto-prior-ttft600", "ttft-agg-tp2x4", "tpot-agg-tp2x4",
	"ttft-disagg-2p1d", "tpot-disagg-2p1d", "align-ttft_ms",
	"align-ttft_p90_ms", "align-tpot_ms", "align-tokens_per_s",
};
#define N_GOLDEN (sizeof golden / sizeof golden[0])

/* Compares two files; on a difference prints the first differing line. */
static int same_file(const char *want_path, const char *got_path)
{
	struct sc_err e = {0};
	size_t wl, gl;
	char *want = jsonio_read_text(want_path, 1 << 22, &wl, &e);
	char *got = jsonio_read_text(got_path, 1 << 22, &gl, &e);
	int same = want && got && wl == gl && !memcmp(want, got, wl);
	if (!same && want && got) {
		const char *w = want, *g = got;
		int line = 1;
		while (*w && *w == *g) {
			if (*w == '\n')
				line++;
			w++;
			g++;
		}
		fprintf(stderr, "\n%s: differs from golden at line %d:\n  want: %.*s\n  got:  %.*s\n",
			got_path, line, (int)strcspn(w, "\n"), w,
			(int)strcspn(g, "\n"), g);
	} else if (!same) {
		fprintf(stderr, "\n%s\n", e.msg);
	}
	free(want);
	free(got);
	return same;
}

static void test_golden(void)
{
	struct campdir c;
	struct plot_set s;
	struct sc_err e = {0};
	char *dir = testutil_tmpdir();
	CU_ASSERT_EQUAL_FATAL(campdir_load(testutil_src("tests/fixtures/campaign"), &c, &e), SC_OK);
	CU_ASSERT_EQUAL_FATAL(plot_write(&c, dir, PLOT_PNG, &s, &e), SC_OK);
	CU_ASSERT_EQUAL(s.n, N_GOLDEN);
	for (size_t i = 0; i < N_GOLDEN; i++) {
		bool listed = false;
		for (size_t k = 0; k < s.n; k++)
			listed |= !strcmp(s.charts[k].name, golden[i]);
		CU_ASSERT_TRUE(listed);
		for (int ext = 0; ext < 2; ext++) {
			char want[512], got[512];
			snprintf(want, sizeof want, "%s/%s.%s",
				 testutil_src("tests/golden/plots"), golden[i],
				 ext ? "gp" : "dat");
			snprintf(got, sizeof got, "%s/%s.%s", dir, golden[i],
				 ext ? "gp" : "dat");
			CU_ASSERT_TRUE(same_file(want, got));
		}
	}
	plot_set_release(&s);
	campdir_release(&c);
	testutil_rmtree(dir);
	free(dir);
}

/* The Pareto chart's essentials, stated apart from the golden bytes: TTFT
 * drives the colour of every projected and measured point, the best points
 * carry a label with TTFT and config, the SLA line is drawn. */
static void test_pareto_shows_ttft(void)
{
	struct sc_err e = {0};
	size_t n;
	char *gp = jsonio_read_text(testutil_src("tests/golden/plots/pareto-calibrated-ttft600.gp"),
				    1 << 20, &n, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set cblabel 'TTFT (ms)'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "index 2 using 1:2:3 with points pt 7 ps 1.9 lc palette"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "index 6 using 1:2:3 with points pt 5 ps 2.0 lc palette"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "using 1:2:5 with labels"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set arrow 1 from first 59.988"));
	free(gp);
	char *dat = jsonio_read_text(testutil_src("tests/golden/plots/pareto-calibrated-ttft600.dat"),
				     1 << 20, &n, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dat);
	CU_ASSERT_PTR_NOT_NULL(strstr(dat, " 61 560 590 16.4 \"disagg best: 3P tp1 + 1D tp4 b96, TTFT 590 ms\""));
	/* Measured point: 1000 / 9.1 ms TPOT, 105 tokens/s over 8 GPUs. */
	CU_ASSERT_PTR_NOT_NULL(strstr(dat, " 109.89 13.125 180 9.1 \"agg-tp2x4 c1\""));
	free(dat);
}

static void test_expand(void)
{
	const char *keys[] = {"A", "BB"};
	const char *vals[] = {"1", "two"};
	char *s = plot_expand("x @A@ y @BB@@A@ @C@ a@b", keys, vals, 2);
	CU_ASSERT_STRING_EQUAL(s, "x 1 y two1 @C@ a@b");
	free(s);
	enum plot_format f;
	CU_ASSERT_EQUAL(plot_format_parse("svg", &f), SC_OK);
	CU_ASSERT_EQUAL(f, PLOT_SVG);
	CU_ASSERT_EQUAL(plot_format_parse("bmp", &f), SC_EINVAL);
}

/* Strings from files cannot break out of a gnuplot string or a data
 * column. */
static void test_hostile_names(void)
{
	char *dir = testutil_tmpdir(), *out = testutil_tmpdir();
	free(testutil_write(dir, "campaign.json",
			    "{\"name\": \"x\", \"slas\": {\"ttft_ms\": 600, \"tpot_ms\": 20}, "
			    "\"deployments\": [{\"name\": \"it's \\\"q\\\"\"}]}"));
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/it's \"q\"", dir);
	mkdir(sub, 0777);
	snprintf(sub, sizeof sub, "%s/it's \"q\"/c4", dir);
	mkdir(sub, 0777);
	free(testutil_write(sub, "summary.json",
			    "{\"concurrency\": 4, \"requests\": {\"ok\": 3}, \"ttft_ms\": {\"p50\": 100, \"p90\": 120}, "
			    "\"tpot_ms\": {\"p50\": 10, \"p90\": 11}, \"throughput\": {\"tokens_per_s_per_gpu\": 50, \"tokens_per_s_per_user\": 100}}"));
	struct campdir c;
	struct plot_set s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(campdir_load(dir, &c, &e), SC_OK);
	CU_ASSERT_EQUAL_FATAL(plot_write(&c, out, PLOT_SVG, &s, &e), SC_OK);
	CU_ASSERT_EQUAL_FATAL(s.n, 2);
	CU_ASSERT_STRING_EQUAL(s.charts[0].name, "ttft-it_s__q_");
	size_t n;
	char p[1024];
	snprintf(p, sizeof p, "%s/ttft-it_s__q_.gp", out);
	char *gp = jsonio_read_text(p, 1 << 20, &n, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set title 'TTFT vs concurrency, it''s \"q\" (agg)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set output 'ttft-it_s__q_.svg'"));
	free(gp);
	plot_set_release(&s);
	campdir_release(&c);
	testutil_rmtree(dir);
	testutil_rmtree(out);
	free(dir);
	free(out);
}

static CU_TestInfo tests[] = {
	{"golden .dat and .gp files", test_golden},
	{"Pareto chart colours by TTFT and labels the best", test_pareto_shows_ttft},
	{"template expansion and formats", test_expand},
	{"quotes in names stay quoted", test_hostile_names},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("plot", tests)
