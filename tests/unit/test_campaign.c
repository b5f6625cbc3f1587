/* Campaign files are validated whole before anything runs: each malformed
 * file is refused naming the file, the field and the problem. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "camp/campaign.h"
#include "camp/manifest.h"
#include "testutil.h"

#define DEP "{\"name\":\"a\",\"spec\":\"SPEC\",\"emulate\":true}"
#define WL  "\"workload\":{\"isl\":100,\"osl\":10}"
#define SW  "\"sweep\":{\"concurrency\":[1,2],\"requests_per_level\":4}"
#define SL  "\"slas\":{\"ttft_ms\":600,\"tpot_ms\":20}"

static const struct {
	const char *text, *want;
} bad[] = {
    {"{\"name\":\"x\"," WL "," SW "," SL "}",
     "field 'deployments': must be a non-empty array"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," SW "," SL "}",
     "field 'workload': missing"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "],\"workload\":{\"isl\":100}," SW
     "," SL "}",
     "workload: field 'osl': missing"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL
     ",\"sweep\":{\"concurrency\":[4,2],\"requests_per_level\":4}," SL "}",
     "must increase, 2 follows 4"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL
     ",\"sweep\":{\"concurrency\":[1]}," SL "}",
     "exactly one of 'requests_per_level' and 'duration_per_level_s'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":{\"ttft_ms\":600}}",
     "exactly one of 'tpot_ms' and 'min_tokens_per_s_user'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":{\"tpot_ms\":20}}",
     "field 'ttft_ms': missing"},
    /* SLA lists: each entry checked, statistics named, ranges quoted. */
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600,\"ttft_stat\":\"p42\",\"tpot_ms\":20}]}",
     "slas[0]: field 'ttft_stat': must be one of mean, p50, p90, p95, p99, got "
     "'p42'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600,\"tpot_ms\":20,\"tpot_stat\":\"max\"}]}",
     "slas[0]: field 'tpot_stat': must be one of mean, p50, p90, p95, p99, got "
     "'max'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600,\"tpot_ms\":20},{\"ttft_ms\":-5,\"tpot_ms\":"
     "20}]}",
     "slas[1]: field 'ttft_ms': must be in [0.001, 604800000], got -5"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600,\"tpot_ms\":0}]}",
     "slas[0]: field 'tpot_ms': must be in"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600}]}",
     "slas[0]: give exactly one of 'tpot_ms' and 'min_tokens_per_s_user'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600,\"tpot_ms\":20},{\"ttft_ms\":600,\"tpot_ms\":"
     "30}]}",
     "two SLAs limit TTFT to 600 ms (at p90 and p90): give each its own TTFT "
     "limit"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW ",\"slas\":[]}",
     "slas: must be a non-empty list of SLA objects"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW
     ",\"slas\":[{\"ttft_ms\":600,\"tpot_ms\":20,\"e2e_ms\":9}]}",
     "unknown field 'e2e_ms'"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"SPEC\"}]," WL
     "," SW "," SL "}",
     "exactly one of 'url'"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"SPEC\","
     "\"url\":\"ftp://h\"}]," WL "," SW "," SL "}",
     "field 'url': must start with http://"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"../"
     "a\",\"spec\":\"SPEC\",\"emulate\":true}]," WL "," SW "," SL "}",
     "field 'name': '../a' must be"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "," DEP "]," WL "," SW "," SL "}",
     "'a' is used twice"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"missing."
     "json\",\"emulate\":true}]," WL "," SW "," SL "}",
     "missing.json: cannot open"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW "," SL
     ",\"fit\":{\"holdout\":\"some\"}}",
     "field 'holdout': must be levels, deployments or none, got 'some'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW "," SL
     ",\"search\":{\"objective\":\"most\"}}",
     "search: field 'objective': must be per-gpu, total or users, got "
     "'most'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW "," SL
     ",\"search\":{\"objective\":3}}",
     "search: field 'objective': must be a string, got number"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL "," SW "," SL
     ",\"extra\":1}",
     "unknown field 'extra'"},
    {"{\"name\":\"x\",\"deployments\":[" DEP "]," WL
     ",\"sweep\":{\"concurrency\":[1],\"requests_per_level\":4,\"max_error_"
     "rate\":2}," SL "}",
     "field 'max_error_rate': must be in [0, 1]"},
    /* launch: one target per deployment, and its own fields validated
     * under the deployment's name. */
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"SPEC\","
     "\"url\":\"http://h\",\"launch\":{\"command\":[\"/bin/sh\"]}}]," WL "," SW
     "," SL "}",
     "exactly one of 'url' (a running endpoint), '\"emulate\": true' and "
     "'launch'"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"SPEC\","
     "\"launch\":{\"command\":[\"/bin/sh\"],\"ready_timeout_s\":0}}]," WL "," SW
     "," SL "}",
     "deployments[0]: launch: field 'ready_timeout_s': must be in [1, 3600] "
     "seconds, got 0"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"SPEC\","
     "\"launch\":{\"command\":[\"bin/"
     "llama-server\",\"--port\",\"{port}\"]}}]," WL "," SW "," SL "}",
     "deployments[0]: launch: field 'command': program 'bin/llama-server' is "
     "not an executable file (relative paths start at the campaign file's "
     "directory)"},
    {"{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"SPEC\","
     "\"launch\":[\"/bin/sh\"]}]," WL "," SW "," SL "}",
     "deployments[0]: launch: must be an object"},
};

static char *with_spec(const char *text, const char *spec)
{
	size_t cap = strlen(text) * 2 + 4096;
	char *out = calloc(1, cap);
	const char *p = text, *q;
	while ((q = strstr(p, "SPEC"))) {
		strncat(out, p, (size_t)(q - p));
		strcat(out, spec);
		p = q + 4;
	}
	strcat(out, p);
	return out;
}

static void test_bad_campaigns(void)
{
	char *dir = testutil_tmpdir();
	const char *spec = testutil_src("bench/qwen3-32b-h200-agg.json");
	char specbuf[4096];
	snprintf(specbuf, sizeof specbuf, "%s", spec);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *text = with_spec(bad[i].text, specbuf);
		char name[32];
		snprintf(name, sizeof name, "c%zu.json", i);
		char *path = testutil_write(dir, name, text);
		struct campaign c;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(campaign_load(path, &c, &e), SC_EINPUT);
		bool ok = strstr(e.msg, path) && strstr(e.msg, bad[i].want);
		if (!ok)
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i,
				e.msg, bad[i].want);
		CU_ASSERT(ok);
		free(text);
		free(path);
	}
	testutil_rmtree(dir);
	free(dir);
}

/* The shipped campaigns load; spec paths resolve relative to the file. */
static void test_shipped(void)
{
	struct campaign c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    campaign_load(testutil_src("bench/demo.json"), &c, &e), SC_OK);
	CU_ASSERT_EQUAL(c.n_deploys, 2);
	CU_ASSERT_TRUE(c.deploys[0].emulate);
	CU_ASSERT_PTR_NOT_NULL(c.deploys[0].spec.emulator);
	CU_ASSERT_EQUAL(c.n_slas, 2);
	CU_ASSERT_EQUAL(c.objective, PLAN_PER_GPU); /* unsaid: per GPU */
	campaign_release(&c);
	CU_ASSERT_EQUAL_FATAL(
	    campaign_load(testutil_src("bench/qwen3-32b-h200.json"), &c, &e),
	    SC_OK);
	CU_ASSERT_EQUAL(c.isl, 4000);
	CU_ASSERT_DOUBLE_EQUAL(c.slas[1].ttft_ms, 1200, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.slas[1].min_tokens_per_s_user, 60, 0);
	/* The older single-object form takes the defaults. */
	CU_ASSERT_EQUAL(c.slas[1].ttft_stat, STAT_P90);
	CU_ASSERT_EQUAL(c.slas[1].tpot_stat, STAT_MEAN);
	campaign_release(&c);
}

/* A list of SLAs, each on its own statistics; the match directory and
 * bench's --sla name the statistic. Wrong here: a statistic dropped on
 * the way to match or bench, or two SLAs sharing one directory. */
static void test_sla_list(void)
{
	char *dir = testutil_tmpdir();
	const char *spec = testutil_src("bench/qwen3-32b-h200-agg.json");
	char text[4096];
	snprintf(text, sizeof text,
		 "{\"name\":\"x\",\"deployments\":[{\"name\":\"a\",\"spec\":\"%"
		 "s\",\"emulate\":true}]," WL "," SW
		 ",\"slas\":[{\"ttft_ms\":600,\"tpot_ms\":20},"
		 "{\"ttft_ms\":1200,\"ttft_stat\":\"p99\",\"min_tokens_per_s_"
		 "user\":50,\"tpot_stat\":\"p90\"}],\"search\":{\"objective\":"
		 "\"users\"}}",
		 spec);
	char *path = testutil_write(dir, "c.json", text);
	struct campaign c;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(campaign_load(path, &c, &e), SC_OK);
	CU_ASSERT_EQUAL_FATAL(c.n_slas, 2);
	CU_ASSERT_EQUAL(c.slas[0].ttft_stat, STAT_P90);
	CU_ASSERT_EQUAL(c.slas[0].tpot_stat, STAT_MEAN);
	CU_ASSERT_EQUAL(c.slas[1].ttft_stat, STAT_P99);
	CU_ASSERT_EQUAL(c.slas[1].tpot_stat, STAT_P90);
	CU_ASSERT_EQUAL(c.objective, PLAN_USERS);
	char buf[256];
	campaign_match_name("calibrated", &c.slas[0], buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "calibrated-ttft600");
	campaign_match_name("prior", &c.slas[1], buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "prior-ttft1200-p99");
	campaign_sla_arg(&c.slas[1], buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(
	    buf, "ttft_ms=1200,ttft_stat=p99,tpot_ms=20,tpot_stat=p90");
	campaign_release(&c);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}

/* The shipped llama.cpp campaign loads where the real engine is present:
 * both deployments launched, the server and model paths resolved from the
 * campaign file's directory, {port} left for the runner. */
static void test_shipped_launch(void)
{
	if (access(testutil_src("../shared/realsrv/llama-server"), X_OK)) {
		fprintf(stderr,
			"(no ../shared/realsrv/llama-server: skipped) ");
		return;
	}
	struct campaign c;
	struct sc_err e = {0};
	int rc =
	    campaign_load(testutil_src("bench/llamacpp-tiny.json"), &c, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
	CU_ASSERT_EQUAL(c.n_deploys, 2);
	for (size_t i = 0; i < c.n_deploys; i++) {
		const struct launch_spec *l = &c.deploys[i].launch;
		CU_ASSERT_TRUE(c.deploys[i].launched);
		CU_ASSERT_FALSE(c.deploys[i].emulate);
		CU_ASSERT_EQUAL(l->argv[0][0], '/');
		CU_ASSERT_EQUAL(access(l->argv[0], X_OK), 0);
		CU_ASSERT_EQUAL(l->argv[2][0],
				'/'); /* the model, made absolute */
		bool port = false;
		for (size_t k = 0; k < l->argc; k++)
			port |= !strcmp(l->argv[k], "{port}");
		CU_ASSERT_TRUE(port);
		CU_ASSERT_STRING_EQUAL(l->health, "/health");
	}
	CU_ASSERT_EQUAL(c.deploys[0].spec.groups[0].max_batch, 2);
	CU_ASSERT_EQUAL(c.deploys[1].spec.groups[0].max_batch, 4);
	campaign_release(&c);
}

/* The manifest survives a reopen and refuses another campaign's. */
static void test_manifest(void)
{
	char *dir = testutil_tmpdir();
	struct manifest m = {0};
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(manifest_open(&m, dir, "demo", &e), SC_OK);
	CU_ASSERT_PTR_NULL(manifest_status(&m, "fit"));
	CU_ASSERT_EQUAL(manifest_set(&m, "bench:a", "done", NULL, &e), SC_OK);
	CU_ASSERT_EQUAL(manifest_set(&m, "bench:a", "failed", "why", &e),
			SC_OK);
	manifest_release(&m);
	CU_ASSERT_EQUAL_FATAL(manifest_open(&m, dir, "demo", &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(manifest_status(&m, "bench:a"), "failed");
	manifest_release(&m);
	CU_ASSERT_EQUAL(manifest_open(&m, dir, "other", &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "another campaign"));
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"malformed campaign files", test_bad_campaigns},
    {"shipped campaigns load", test_shipped},
    {"a list of SLAs with statistics", test_sla_list},
    {"shipped llama.cpp campaign loads", test_shipped_launch},
    {"manifest", test_manifest},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("campaign", tests)
