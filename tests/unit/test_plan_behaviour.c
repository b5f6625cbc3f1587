/* Behaviour of the search on the shipped catalogs (Qwen3-32B FP8 on H200,
 * default model parameters): the qualitative answers a performance engineer
 * expects from P/D matching. The margins are deliberately loose; the
 * measured values are printed so a change in the model shows up. */
#include <stdio.h>
#include <string.h>

#include "modelfix.h"
#include "plan/plan.h"
#include "plan/plan_out.h"
#include "plan/search.h"
#include "testutil.h"

static struct modelfix F;

/* A query over f's model, GPU and default params in dtype dt. */
static struct plan_query query_on(const struct modelfix *f, enum dtype dt,
				  const char *backend)
{
	struct plan_query q = {0};
	q.m = &f->m;
	q.g = &f->g;
	q.wdtype = q.kvdtype = dt;
	q.p = &f->p;
	snprintf(q.backend, sizeof q.backend, "%s", backend);
	return q;
}

static void run(double isl, double osl, double ttft_ms, double tps_user,
		long gpus, struct plan_result *r)
{
	struct plan_query q = query_on(&F, DT_FP8, "trtllm");
	q.wl = (struct perf_workload){isl, osl};
	q.sla = (struct plan_sla){
	    ttft_ms * 1e-3, 1.0 / tps_user, STAT_MEAN, STAT_MEAN, 0, 0};
	q.total_gpus = gpus;
	q.max_gpus_per_worker = 8;
	q.link = (struct kv_link){50.0, 0.0};
	q.do_agg = q.do_disagg = true;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, r, NULL), SC_OK);
}

/* Share of the best disagg deployment's GPUs that do prefill. */
static double prefill_share(const struct plan_result *r)
{
	const struct plan_config *c = &r->disagg.cfg[0];
	return (double)(c->w[0].count * worker_gpus(&c->w[0].shape)) /
	       (double)c->gpus;
}

/* ISL 4000 / OSL 500, TTFT 600 ms, 60 tokens/s/user, 8 GPUs: prefill
 * interference holds agg back, disagg wins clearly. */
static void test_disagg_wins_long_input(void)
{
	struct plan_result r;
	run(4000, 500, 600, 60, 8, &r);
	CU_ASSERT_FATAL(r.agg.n > 0 && r.disagg.n > 0);
	double g = plan_gain(&r);
	printf("\n    4000/500 TTFT 600 ms, 8 GPUs: agg %.1f, disagg %.1f "
	       "tokens/s/gpu, gain %.2fx ",
	       r.agg.cfg[0].perf.tokens_per_s_per_gpu,
	       r.disagg.cfg[0].perf.tokens_per_s_per_gpu, g);
	CU_ASSERT_TRUE(g >= 1.25);
	plan_result_release(&r);
	/* and under a tighter TTFT */
	run(4000, 500, 300, 60, 8, &r);
	CU_ASSERT_FATAL(r.agg.n > 0 && r.disagg.n > 0);
	printf("TTFT 300 ms: gain %.2fx ", plan_gain(&r));
	/* a tight TTFT squeezes agg's batch and disagg's prefill pool alike */
	CU_ASSERT_TRUE(plan_gain(&r) >= 1.1);
	plan_result_release(&r);
}

/* ISL:OSL = 1:4000: there is no prefill to separate; splitting the GPUs
 * only loses batching, so disagg brings no gain. */
static void test_no_gain_short_input(void)
{
	struct plan_result r;
	run(1, 4000, 600, 60, 8, &r);
	CU_ASSERT_FATAL(r.agg.n > 0);
	double g = plan_gain(&r);
	printf("\n    1/4000, 8 GPUs: gain %.2fx ", g);
	CU_ASSERT_TRUE(g < 1.0);
	plan_result_release(&r);
}

/* Long prompts under a tight TTFT need more of the GPUs on prefill than
 * short prompts under a loose one. */
static void test_long_prefill_more_prefill_gpus(void)
{
	struct plan_result tight, loose;
	run(8000, 500, 300, 60, 16, &tight);
	run(2000, 500, 2000, 60, 16, &loose);
	CU_ASSERT_FATAL(tight.disagg.n > 0 && loose.disagg.n > 0);
	double a = prefill_share(&tight), b = prefill_share(&loose);
	printf("\n    prefill share: ISL 8000 TTFT 300 ms %.2f, "
	       "ISL 2000 TTFT 2000 ms %.2f ",
	       a, b);
	CU_ASSERT_TRUE(a > b);
	plan_result_release(&tight);
	plan_result_release(&loose);
}

/* A tight TPOT (100 tokens/s/user) needs smaller decode batches, so more
 * of the GPUs decode than at 20 tokens/s/user. */
static void test_tight_tpot_more_decode_gpus(void)
{
	struct plan_result tight, loose;
	run(4000, 500, 1000, 100, 16, &tight);
	run(4000, 500, 1000, 20, 16, &loose);
	CU_ASSERT_FATAL(tight.disagg.n > 0 && loose.disagg.n > 0);
	double a = 1 - prefill_share(&tight), b = 1 - prefill_share(&loose);
	printf("\n    decode share: 100 tokens/s/user %.2f, 20 tokens/s/user "
	       "%.2f ",
	       a, b);
	CU_ASSERT_TRUE(a > b);
	plan_result_release(&tight);
	plan_result_release(&loose);
}

/* The budget: on 5 H200s (an odd budget, built for this) the seed case's
 * best disagg per GPU used leaves a GPU idle; ranked by tokens/s in all,
 * the best uses the whole budget and delivers more. */
static void test_objective_total(void)
{
	struct plan_query q = query_on(&F, DT_FP8, "trtllm");
	q.wl = (struct perf_workload){4000, 500};
	q.sla = (struct plan_sla){0.6, 1.0 / 60, STAT_P90, STAT_MEAN, 0, 0};
	q.total_gpus = 5;
	q.max_gpus_per_worker = 8;
	q.link = (struct kv_link){50.0, 0.0};
	q.do_disagg = true;
	struct plan_result per, tot;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &per, NULL), SC_OK);
	q.objective = PLAN_TOTAL;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &tot, NULL), SC_OK);
	CU_ASSERT_FATAL(per.disagg.n > 0 && tot.disagg.n > 0);
	const struct plan_config *a = &per.disagg.cfg[0],
				 *b = &tot.disagg.cfg[0];
	printf(
	    "\n    per GPU: %ld GPUs, %.0f tok/s; total: %ld GPUs, %.0f tok/s ",
	    a->gpus, a->perf.tokens_per_s, b->gpus, b->perf.tokens_per_s);
	CU_ASSERT(a->gpus < 5);
	CU_ASSERT(b->gpus > a->gpus);
	CU_ASSERT(b->perf.tokens_per_s > a->perf.tokens_per_s);
	CU_ASSERT(a->perf.tokens_per_s_per_gpu >= b->perf.tokens_per_s_per_gpu);
	plan_result_release(&per);
	plan_result_release(&tot);
}

/* Capacity: on llama.cpp on one CPU core (tiny-llama, priors; a case built
 * for it: each slot's cells cost every decode step, so tokens/s per core
 * falls as slots are added) the best config per GPU runs fewer users than
 * the core can serve within the SLAs; --objective users picks the config
 * with the most, and gives up tokens/s for it. */
static void test_objective_users(void)
{
	struct modelfix t;
	modelfix_init(&t, "tiny-llama", "cpu-1core", DT_BF16, DT_BF16);
	struct plan_query q = query_on(&t, DT_BF16, "llamacpp");
	q.wl = (struct perf_workload){256, 64};
	q.sla = (struct plan_sla){0.6, 0.012, STAT_P90, STAT_MEAN, 0, 0};
	q.total_gpus = 1;
	q.max_gpus_per_worker = 1;
	q.do_agg = true;
	struct plan_result per, users;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &per, NULL), SC_OK);
	q.objective = PLAN_USERS;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &users, NULL), SC_OK);
	CU_ASSERT_FATAL(per.agg.n > 0 && users.agg.n > 0);
	const struct plan_config *a = &per.agg.cfg[0], *b = &users.agg.cfg[0];
	double most = 0;
	for (size_t i = 0; i < per.agg.n; i++)
		if (per.agg.cfg[i].concurrency > most)
			most = per.agg.cfg[i].concurrency;
	printf("\n    per GPU: batch %ld, %.0f users, %.0f tok/s; users: "
	       "batch %ld, %.0f users, %.0f tok/s ",
	       a->w[0].max_batch, a->concurrency, a->perf.tokens_per_s,
	       b->w[0].max_batch, b->concurrency, b->perf.tokens_per_s);
	CU_ASSERT(most > a->concurrency);  /* the case differs */
	CU_ASSERT(b->concurrency >= most); /* the most users of any config */
	for (size_t i = 1; i < users.agg.n; i++)
		CU_ASSERT(users.agg.cfg[i].concurrency <= b->concurrency);
	CU_ASSERT(b->perf.tokens_per_s < a->perf.tokens_per_s);
	CU_ASSERT(plan_ttft_checked_s(&q.sla, &b->perf) <= q.sla.ttft_s);
	CU_ASSERT(b->perf.tpot_s <= q.sla.tpot_s);
	plan_result_release(&per);
	plan_result_release(&users);
}

/* The SLA statistic: a TTFT SLA on the p90 admits less load than the same
 * SLA on the mean, and the chosen point's projected p90 meets it. */
static void test_sla_statistic(void)
{
	struct plan_query q = query_on(&F, DT_FP8, "trtllm");
	q.wl = (struct perf_workload){4000, 500};
	q.sla = (struct plan_sla){0.6, 1.0 / 60, STAT_MEAN, STAT_MEAN, 0, 0};
	q.total_gpus = 8;
	q.max_gpus_per_worker = 8;
	q.link = (struct kv_link){50.0, 0.0};
	q.do_agg = true;
	struct plan_result mean, p90;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &mean, NULL), SC_OK);
	q.sla.ttft_stat = STAT_P90;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &p90, NULL), SC_OK);
	CU_ASSERT_FATAL(mean.agg.n > 0 && p90.agg.n > 0);
	const struct perf_point *m = &mean.agg.cfg[0].perf,
				*p = &p90.agg.cfg[0].perf;
	CU_ASSERT(p->ttft_p90_s <= 0.6);
	CU_ASSERT(m->ttft_s <= 0.6);
	CU_ASSERT(p->tokens_per_s_per_gpu <=
		  m->tokens_per_s_per_gpu * (1 + 1e-9));
	plan_result_release(&mean);
	plan_result_release(&p90);
}

static CU_TestInfo tests[] = {
    {"objective total fills the budget", test_objective_total},
    {"objective users serves the most users", test_objective_users},
    {"an SLA on the p90 admits less load than on the mean", test_sla_statistic},
    {"disagg wins at ISL 4000 / OSL 500", test_disagg_wins_long_input},
    {"no disagg gain at ISL:OSL 1:4000", test_no_gain_short_input},
    {"long prefill, tight TTFT: more prefill GPUs",
     test_long_prefill_more_prefill_gpus},
    {"tight TPOT: more decode GPUs", test_tight_tpot_more_decode_gpus},
    CU_TEST_INFO_NULL,
};

int main(void)
{
	modelfix_init(&F, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	return testutil_run("plan_behaviour", tests);
}
