/* The documented ranges of file fields outside the specs (README.md,
 * "Ranges of numbers"): campaign sweeps and SLAs, the emulator section,
 * the gamma arrival shape. Each case was accepted before and broke later:
 * time_scale 1e18 killed the emulator on its first request (int64
 * nanoseconds), duration_per_level_s 1e12 ended a level after warm-up with
 * a NaN summary, gamma:1e308 scheduled sends at -9.2e18 ns. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "camp/campaign.h"
#include "emu/emu_truth.h"
#include "load/arrival.h"
#include "testutil.h"

static const struct {
	const char *section, *want;
} emu_bad[] = {
    {"{\"time_scale\":1e18}",
     "e: field 'time_scale': must be in [0.001, 1000], got 1e+18"},
    {"{\"time_scale\":0}",
     "field 'time_scale': must be in [0.001, 1000], got 0"},
    {"{\"time_scale\":1e-300}",
     "field 'time_scale': must be in [0.001, 1000], got 1e-300"},
    {"{\"noise_sigma\":1e308}",
     "field 'noise_sigma': must be in [0, 1], got 1e+308"},
    {"{\"gemm_half_tokens\":-1}",
     "field 'gemm_half_tokens': must be in [0, 10000000], got -1"},
    {"{\"eos_mean_tokens\":1e300}",
     "field 'eos_mean_tokens': must be in [0, 10000000], got 1e+300"},
    {"{\"frontend_jitter_sigma\":3}",
     "field 'frontend_jitter_sigma': must be in [0, 2], got 3"},
    {"{\"max_model_len\":1e12}",
     "field 'max_model_len': must be in [2, 20000000], got 1e+12"},
    {"{\"truth\":{\"t0_ms\":1e18}}",
     "e.truth: parameter 't0_ms': 1e+18 is outside its range"},
    {"{\"truth\":{\"tau_s_ms\":1e18}}",
     "parameter 'tau_s_ms': 1e+18 is outside its range"},
    {"{\"faults\":{\"stall_ms\":1e308}}",
     "e.faults: field 'stall_ms': must be in [0, 600000], got 1e+308"},
};

static void test_emulator_section(void)
{
	for (size_t i = 0; i < sizeof emu_bad / sizeof emu_bad[0]; i++) {
		cJSON *j = cJSON_Parse(emu_bad[i].section);
		struct emu_truth t;
		struct sc_err e = {0};
		int rc = emu_truth_from_json(j, "e", &t, &e);
		if (rc != SC_EINPUT || !strstr(e.msg, emu_bad[i].want))
			fprintf(stderr,
				"case %zu: rc %d, got '%s', want '%s'\n", i, rc,
				e.msg, emu_bad[i].want);
		CU_ASSERT_EQUAL(rc, SC_EINPUT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, emu_bad[i].want));
		cJSON_Delete(j);
	}
	/* the ends of the ranges are accepted */
	cJSON *j =
	    cJSON_Parse("{\"time_scale\":1000,\"noise_sigma\":1,\"frontend_"
			"jitter_sigma\":2,\"faults\":{\"stall_ms\":600000}}");
	struct emu_truth t;
	CU_ASSERT_EQUAL(emu_truth_from_json(j, "e", &t, NULL), SC_OK);
	CU_ASSERT_EQUAL(t.time_scale, 1000);
	cJSON_Delete(j);
}

/* The largest frontend delay the ranges allow (T0 100 ms x time_scale
 * 1000 x a log-normal factor of sigma 2) stays finite and under the cap
 * the scheduler's int64 nanoseconds can hold. */
static void test_delays_capped(void)
{
	struct emu_truth t;
	emu_truth_default(&t);
	t.p.v[MP_T0] = 0.1;
	t.time_scale = 1000;
	t.frontend_jitter_sigma = 2;
	struct rng r;
	rng_seed(&r, 5);
	double worst = 0;
	bool finite = true;
	for (int i = 0; i < 100000; i++) {
		double s = emu_truth_frontend_s(&t, &r);
		finite &= isfinite(s) && s >= 0;
		if (s > worst)
			worst = s;
	}
	CU_ASSERT(finite);
	CU_ASSERT(worst <= EMU_TRUTH_MAX_DELAY_S);
	CU_ASSERT(EMU_TRUTH_MAX_DELAY_S * 1e9 < 0x1p62);
}

#define DEP	 "{\"name\":\"a\",\"spec\":\"SPEC\",\"emulate\":true}"
#define WL	 "\"workload\":{\"isl\":100,\"osl\":10}"
#define SL	 "\"slas\":{\"ttft_ms\":600,\"tpot_ms\":20}"
#define SWEEP(x) "\"sweep\":{\"concurrency\":[1]," x "}"

static const struct {
	const char *wl, *sweep, *slas, *want;
} camp_bad[] = {
    {WL, SWEEP("\"duration_per_level_s\":1e12"), SL,
     "sweep: field 'duration_per_level_s': must be in [0, 604800], got 1e+12"},
    {WL, SWEEP("\"duration_per_level_s\":1e-9"), SL,
     "field 'duration_per_level_s': must be in [0.001, 604800], got 1e-09"},
    {WL, SWEEP("\"requests_per_level\":4,\"timeout_s\":1e308"), SL,
     "sweep: field 'timeout_s': must be in [0.001, 604800], got 1e+308"},
    {WL, SWEEP("\"requests_per_level\":1e19"), SL,
     "field 'requests_per_level': must be in [0, 100000000], got 1e+19"},
    {WL, "\"sweep\":{\"concurrency\":[1,1e19],\"requests_per_level\":4}", SL,
     "field 'concurrency': entries must be whole numbers in [1, 100000] (at "
     "most 64), got 1e+19"},
    {"\"workload\":{\"isl\":1e308,\"osl\":10}",
     SWEEP("\"requests_per_level\":4"), SL,
     "workload: field 'isl': must be in [1, 10000000], got 1e+308"},
    {"\"workload\":{\"isl\":0.4,\"osl\":10}", SWEEP("\"requests_per_level\":4"),
     SL, "workload: field 'isl': must be a whole number, got 0.4"},
    {WL, SWEEP("\"requests_per_level\":4"),
     "\"slas\":{\"ttft_ms\":-1,\"tpot_ms\":20}",
     "slas: field 'ttft_ms': must be in [0.001, 604800000], got -1"},
    {WL, SWEEP("\"requests_per_level\":4"),
     "\"slas\":{\"ttft_ms\":[600,1e308],\"tpot_ms\":20}",
     "slas: field 'ttft_ms': must be in [0.001, 604800000], got 1e+308"},
    {WL, SWEEP("\"requests_per_level\":4"),
     "\"slas\":{\"ttft_ms\":600,\"tpot_ms\":1e308}",
     "slas: field 'tpot_ms': must be in [0.001, 604800000], got 1e+308"},
    {WL, SWEEP("\"requests_per_level\":4"),
     "\"slas\":{\"ttft_ms\":600,\"min_tokens_per_s_user\":1e300}",
     "field 'min_tokens_per_s_user': must be in [0.001, 10000000], got 1e+300"},
};

static void test_campaign_fields(void)
{
	char *dir = testutil_tmpdir();
	const char *spec = testutil_src("tests/fixtures/deploy/tiny-agg.json");
	for (size_t i = 0; i < sizeof camp_bad / sizeof camp_bad[0]; i++) {
		char text[4096];
		snprintf(text, sizeof text,
			 "{\"name\":\"x\",\"deployments\":[{\"name\":\"a\","
			 "\"spec\":\"%s\",\"emulate\":true}],%s,%s,%s}",
			 spec, camp_bad[i].wl, camp_bad[i].sweep,
			 camp_bad[i].slas);
		char *path = testutil_write(dir, "c.json", text);
		struct campaign c;
		struct sc_err e = {0};
		int rc = campaign_load(path, &c, &e);
		if (rc != SC_EINPUT || !strstr(e.msg, camp_bad[i].want))
			fprintf(stderr,
				"case %zu: rc %d, got '%s', want '%s'\n", i, rc,
				e.msg, camp_bad[i].want);
		CU_ASSERT_EQUAL(rc, SC_EINPUT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, camp_bad[i].want));
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, path));
		free(path);
	}
	testutil_rmtree(dir);
	free(dir);
}

/* gamma:K outside [0.01, 100] is refused, quoting K; at both ends the
 * gaps stay finite and positive and the block keeps the rate (at the
 * extreme rates too), so no scheduled time can overflow. */
static void test_gamma_shape(void)
{
	enum arrival_kind k;
	double shape;
	char err[256];
	static const char *const bad[] = {
	    "gamma:1e308", "gamma:1e-308", "gamma:0", "gamma:0.009",
	    "gamma:101",   "gamma:nan",	   "gamma:",  "gamma:2x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(
		    arrival_parse(bad[i], &k, &shape, err, sizeof err), -1);
		CU_ASSERT_PTR_NOT_NULL(
		    strstr(err, "gamma:K needs K in [0.01, 100], got '"));
	}
	static const double shapes[] = {0.01, 100};
	static const double rates[] = {0.001, 100000};
	for (size_t s = 0; s < 2; s++) {
		char arg[32];
		snprintf(arg, sizeof arg, "gamma:%g", shapes[s]);
		CU_ASSERT_EQUAL_FATAL(
		    arrival_parse(arg, &k, &shape, err, sizeof err), 0);
		for (size_t r = 0; r < 2; r++) {
			struct arrival a;
			arrival_init(&a, k, rates[r], shape, 3);
			arrival_plan(&a, 1000);
			double sum = 0;
			bool finite = true;
			for (int i = 0; i < 1000; i++) {
				double g = arrival_next_gap_s(&a);
				finite &= isfinite(g) && g >= 0;
				sum += g;
			}
			CU_ASSERT(finite);
			ASSERT_REL(sum, 1000 / rates[r], 1e-9);
			arrival_release(&a);
		}
	}
}

static CU_TestInfo tests[] = {
    {"emulator section ranges", test_emulator_section},
    {"emulator delays capped", test_delays_capped},
    {"campaign sweep, workload and SLA ranges", test_campaign_fields},
    {"gamma arrival shape range", test_gamma_shape},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("ranges", tests)
