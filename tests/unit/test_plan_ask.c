/* plan/ask: the match flags' names and units become the query. A failure
 * here means an SLA in ms reaches the search unconverted, --min-tokens-
 * per-s-user is not the TPOT it stands for, --mode searches the wrong
 * modes, or a bad dtype is not a usage error. */
#include <math.h>
#include <string.h>

#include "plan/ask.h"
#include "testutil.h"

static struct plan_ask base(void)
{
	return (struct plan_ask){.model = "qwen3-8b",
				 .gpu = "h200-sxm",
				 .dtype = "fp8",
				 .backend = "trtllm",
				 .isl = 4000,
				 .osl = 500,
				 .total_gpus = 8,
				 .max_gpus_per_worker = 4,
				 .ttft_ms = 600,
				 .min_tokens_per_s_user = 50,
				 .ttft_margin_prompts = 1,
				 .load_margin = 0.1,
				 .ttft_stat = STAT_P90,
				 .tpot_stat = STAT_MEAN,
				 .objective = PLAN_TOTAL,
				 .link_gbps = 50,
				 .link_latency_us = 3};
}

static void test_units_and_modes(void)
{
	struct plan_ask a = base();
	struct plan_inputs in;
	struct plan_query q;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(plan_query_from_ask(&a, &in, &q, &e), SC_OK);
	CU_ASSERT_DOUBLE_EQUAL(q.sla.ttft_s, 0.6, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(q.sla.tpot_s, 0.02, 1e-15); /* 1 / 50 */
	CU_ASSERT_EQUAL(q.wdtype, DT_FP8);
	CU_ASSERT_EQUAL(q.kvdtype, DT_FP8); /* --kv-dtype follows --dtype */
	CU_ASSERT(q.do_agg && q.do_disagg);
	CU_ASSERT_EQUAL(q.sla.ttft_stat, STAT_P90);
	CU_ASSERT_EQUAL(q.objective, PLAN_TOTAL);
	CU_ASSERT_EQUAL(q.total_gpus, 8);
	CU_ASSERT_EQUAL(q.max_gpus_per_worker, 4);
	CU_ASSERT_DOUBLE_EQUAL(q.link.latency_us, 3, 0);
	CU_ASSERT_STRING_EQUAL(q.model_ref, "qwen3-8b");
	CU_ASSERT_STRING_EQUAL(in.params_from, "priors");
	CU_ASSERT_PTR_EQUAL(q.m, &in.m);

	a.tpot_ms = 25; /* given: wins over tokens/s/user */
	a.kvdtype = "bf16";
	a.modes = PLAN_ASK_AGG;
	CU_ASSERT_EQUAL_FATAL(plan_query_from_ask(&a, &in, &q, &e), SC_OK);
	CU_ASSERT_DOUBLE_EQUAL(q.sla.tpot_s, 0.025, 1e-15);
	CU_ASSERT_EQUAL(q.kvdtype, DT_BF16);
	CU_ASSERT(q.do_agg && !q.do_disagg);
	a.modes = PLAN_ASK_DISAGG;
	CU_ASSERT_EQUAL_FATAL(plan_query_from_ask(&a, &in, &q, &e), SC_OK);
	CU_ASSERT(!q.do_agg && q.do_disagg);
}

static void test_refused(void)
{
	struct plan_ask a = base();
	struct plan_inputs in;
	struct plan_query q;
	struct sc_err e = {0};
	a.kvdtype = "fp7";
	CU_ASSERT_EQUAL(plan_query_from_ask(&a, &in, &q, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown dtype"));
	a = base();
	a.model = "gpt-9";
	e = (struct sc_err){0};
	CU_ASSERT_EQUAL(plan_query_from_ask(&a, &in, &q, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "gpt-9"));
}

/* The objectives' words: each parses to the ranking whose name it is, and
 * PLAN_OBJECTIVE_CHOICES lists exactly those words. */
static void test_objective_words(void)
{
	const char *words[] = {"per-gpu", "total", "users"};
	const enum plan_objective want[] = {PLAN_PER_GPU, PLAN_TOTAL,
					    PLAN_USERS};
	for (size_t i = 0; i < 3; i++) {
		enum plan_objective o = PLAN_PER_GPU;
		CU_ASSERT_EQUAL(plan_objective_parse(words[i], &o), 0);
		CU_ASSERT_EQUAL(o, want[i]);
		CU_ASSERT_STRING_EQUAL(plan_objective_name(o), words[i]);
		CU_ASSERT_PTR_NOT_NULL(
		    strstr(PLAN_OBJECTIVE_CHOICES, words[i]));
	}
	CU_ASSERT_STRING_EQUAL(plan_objective_desc(PLAN_USERS),
			       "concurrent users within the SLAs");
	enum plan_objective o = PLAN_TOTAL;
	CU_ASSERT_EQUAL(plan_objective_parse("most", &o), -1);
	CU_ASSERT_EQUAL(plan_objective_parse("", &o), -1);
	CU_ASSERT_EQUAL(plan_objective_parse("Users", &o), -1);
	CU_ASSERT_EQUAL(o, PLAN_TOTAL); /* left alone on failure */
}

static CU_TestInfo tests[] = {
    {"the objectives' words", test_objective_words},
    {"ms, tokens/s/user and modes become the query", test_units_and_modes},
    {"bad dtype is a usage error, bad model bad input", test_refused},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("plan_ask", tests)
