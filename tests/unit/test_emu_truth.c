/* Ground truth section and faults of the emulated engine: defaults without
 * a section, field errors that name the field, the GEMM falloff shape, the
 * noise mean, and fault draws at their configured rates. */
#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu/emu_faults.h"
#include "util/rng.h"
#include "emu/emu_truth.h"
#include "testutil.h"

static void test_defaults(void)
{
	struct emu_truth t;
	CU_ASSERT_EQUAL(emu_truth_from_json(NULL, "emulator", &t, NULL), SC_OK);
	struct model_params p;
	params_default(&p);
	for (int i = 0; i < MP_COUNT; i++)
		CU_ASSERT_DOUBLE_EQUAL(t.p.v[i], p.v[i], 0);
	CU_ASSERT_DOUBLE_EQUAL(t.noise_sigma, 0.03, 0);
	CU_ASSERT_EQUAL(t.seed, 1);
	for (int f = 0; f < EMU_FAULT_COUNT; f++)
		CU_ASSERT_DOUBLE_EQUAL(t.faults.rate[f], 0, 0);
}

static void test_section(void)
{
	cJSON *j =
	    cJSON_Parse("{\"seed\":9,\"truth\":{\"eta_c\":0.5,\"t0_ms\":3},"
			"\"noise_sigma\":0.1,\"kv_contention\":true,"
			"\"faults\":{\"drop\":0.2,\"stall_ms\":50}}");
	struct emu_truth t;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(emu_truth_from_json(j, "emulator", &t, &e), SC_OK);
	CU_ASSERT_EQUAL(t.seed, 9);
	CU_ASSERT_DOUBLE_EQUAL(t.p.v[MP_ETA_C], 0.5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(t.p.v[MP_T0], 0.003, 1e-12);
	CU_ASSERT(t.kv_contention);
	CU_ASSERT_DOUBLE_EQUAL(t.faults.rate[EMU_FAULT_DROP], 0.2, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(t.faults.stall_s, 0.05, 1e-12);
	cJSON_Delete(j);
}

static const struct {
	const char *json, *needle;
} bad[] = {
    {"{\"nosie_sigma\":0.1}", "nosie_sigma"},
    {"{\"noise_sigma\":2}", "noise_sigma"},
    {"{\"truth\":{\"eta_x\":1}}", "eta_x"},
    {"{\"gemm_eff_min\":1.5}", "gemm_eff_min"},
    {"{\"faults\":{\"drop\":0.7,\"stall\":0.6}}", "sum"},
    {"{\"faults\":{\"drop\":-0.1}}", "drop"},
    {"{\"faults\":{\"bogus\":0.1}}", "bogus"},
    {"{\"seed\":\"x\"}", "seed"},
    {"[]", "object"},
};

static void test_bad_fields(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cJSON *j = cJSON_Parse(bad[i].json);
		struct emu_truth t;
		struct sc_err e = {0};
		int rc = emu_truth_from_json(j, "dep.json: emulator", &t, &e);
		CU_ASSERT_EQUAL(rc, SC_EINPUT);
		if (!strstr(e.msg, bad[i].needle))
			fprintf(stderr, "\ncase %zu: '%s' lacks '%s'\n", i,
				e.msg, bad[i].needle);
		CU_ASSERT(strstr(e.msg, bad[i].needle) != NULL);
		cJSON_Delete(j);
	}
}

static void test_gemm_factor(void)
{
	struct emu_truth t;
	emu_truth_default(&t);
	t.gemm_eff_min = 0.5;
	t.gemm_half_tokens = 100;
	/* min + (1-min) n/(n+half): 100 tokens is halfway. */
	CU_ASSERT_DOUBLE_EQUAL(emu_truth_gemm_factor(&t, 100), 0.75, 1e-12);
	CU_ASSERT(emu_truth_gemm_factor(&t, 1) < 0.51);
	CU_ASSERT(emu_truth_gemm_factor(&t, 1e6) > 0.999);
	CU_ASSERT(emu_truth_gemm_factor(&t, 10) <
		  emu_truth_gemm_factor(&t, 20));
}

static void test_noise_mean_one(void)
{
	struct rng r;
	rng_seed(&r, 5);
	double s = 0, s2 = 0;
	const int n = 200000;
	for (int i = 0; i < n; i++) {
		double x = rng_lognormal_factor(&r, 0.03);
		s += x;
		s2 += x * x;
	}
	double mean = s / n, sd = sqrt(s2 / n - mean * mean);
	CU_ASSERT_DOUBLE_EQUAL(mean, 1.0, 0.001);
	ASSERT_REL(sd, 0.03, 0.05);
	/* Same seed, same draws. */
	struct rng a, b;
	rng_seed(&a, 77);
	rng_seed(&b, 77);
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(rng_u64(&a), rng_u64(&b));
}

static void test_fault_draw_rates(void)
{
	struct emu_faults f;
	emu_faults_default(&f);
	for (int k = 0; k < EMU_FAULT_COUNT; k++)
		f.rate[k] = 0.05 * (k + 1); /* 0.05 .. 0.35, sum 1.4 */
	CU_ASSERT_EQUAL(emu_faults_check(&f, NULL), SC_EINVAL);
	for (int k = 0; k < EMU_FAULT_COUNT; k++)
		f.rate[k] = 0.02 * (k + 1); /* sum 0.56 */
	CU_ASSERT_EQUAL(emu_faults_check(&f, NULL), SC_OK);
	struct rng r;
	rng_seed(&r, 3);
	long count[EMU_FAULT_COUNT + 1] = {0};
	const long n = 100000;
	for (long i = 0; i < n; i++) {
		enum emu_fault x = emu_faults_draw(&f, &r);
		count[x == EMU_FAULT_NONE ? EMU_FAULT_COUNT : x]++;
	}
	for (int k = 0; k < EMU_FAULT_COUNT; k++)
		CU_ASSERT_DOUBLE_EQUAL((double)count[k] / n, f.rate[k], 0.005);
	CU_ASSERT_DOUBLE_EQUAL((double)count[EMU_FAULT_COUNT] / n, 0.44, 0.006);
}

static void test_fault_names(void)
{
	for (int k = 0; k < EMU_FAULT_COUNT; k++)
		CU_ASSERT_EQUAL(emu_fault_find(emu_fault_name(k)), k);
	CU_ASSERT_EQUAL(emu_fault_find("http-429"), EMU_FAULT_HTTP429);
	CU_ASSERT_EQUAL(emu_fault_find("error-chunk"), EMU_FAULT_ERROR_CHUNK);
	CU_ASSERT_EQUAL(emu_fault_find("nope"), EMU_FAULT_NONE);
	CU_ASSERT_EQUAL(emu_fault_http_status(EMU_FAULT_HTTP503), 503);
	CU_ASSERT(!emu_fault_is_http(EMU_FAULT_DROP));
}

static CU_TestInfo tests[] = {
    {"defaults without a section", test_defaults},
    {"section fields", test_section},
    {"bad fields are named", test_bad_fields},
    {"GEMM efficiency falloff", test_gemm_factor},
    {"noise has mean 1 and the set sigma", test_noise_mean_one},
    {"faults drawn at their rates", test_fault_draw_rates},
    {"fault names", test_fault_names},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("emu_truth", tests)
