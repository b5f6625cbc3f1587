/* model/predict: a one-worker deployment from flags and the projection of
 * each mode. A failure here means `servecal predict --mode prefill` or
 * `--mode decode` reports throughput that is not the step time it shows
 * (tokens/s = N x ISL / prefill, N / TPOT), labels the mode wrongly, or
 * shows decode keys for a prefill batch. */
#include <math.h>
#include <string.h>

#include "model/predict.h"
#include "testutil.h"

static const struct predict_worker W = {.model = "qwen3-8b",
					.gpu = "h200-sxm",
					.dtype = "bf16",
					.tp = 2,
					.pp = 1,
					.dp = 1,
					.ep = 1,
					.max_batch = 8,
					.max_num_tokens = 8192};

static double num(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void test_modes(void)
{
	struct deploy_spec d;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(predict_worker_deploy(&W, &d, &e), SC_OK);
	CU_ASSERT_EQUAL(d.n_groups, 1);
	CU_ASSERT_EQUAL(d.groups[0].shape.tp, 2);
	CU_ASSERT_EQUAL(d.kvdtype, DT_BF16);
	struct model_params p;
	params_default(&p);
	struct perf_workload wl = {1000, 100};

	cJSON *j = predict_run(&d, &p, PREDICT_PREFILL, false, &wl, 4, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "mode")->valuestring,
			       "prefill");
	double pf_ms = num(j, "prefill_ms");
	CU_ASSERT(pf_ms > 0);
	ASSERT_REL(num(j, "tokens_per_s"), 4 * 1000 / (pf_ms * 1e-3), 1e-9);
	CU_ASSERT(isnan(num(j, "tpot_ms"))); /* a prefill has no TPOT */
	cJSON_Delete(j);

	j = predict_run(&d, &p, PREDICT_DECODE, false, &wl, 8, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	double tpot_ms = num(j, "tpot_ms");
	CU_ASSERT(tpot_ms > 0);
	ASSERT_REL(num(j, "tokens_per_s"), 8 / (tpot_ms * 1e-3), 1e-9);
	ASSERT_REL(num(j, "tokens_per_s_per_gpu"), num(j, "tokens_per_s") / 2,
		   1e-12);
	cJSON_Delete(j);

	/* whole: the deployment as a whole, whatever the mode. */
	j = predict_run(&d, &p, PREDICT_DECODE, true, &wl, 8, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT(num(j, "ttft_ms") > 0 && num(j, "tpot_ms") > 0);
	cJSON_Delete(j);
	deploy_release(&d);
}

static void test_bad_dtype(void)
{
	struct predict_worker w = W;
	w.kvdtype = "int3";
	struct deploy_spec d;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(predict_worker_deploy(&w, &d, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown dtype"));
	deploy_release(&d);
}

static CU_TestInfo tests[] = {
    {"prefill and decode throughput follow their step", test_modes},
    {"an unknown dtype is refused", test_bad_dtype},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("predict", tests)
