/* The search's SLA boundaries are exact, infeasible queries name the
 * binding constraint, and every reported config honours the query. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model/modelspec.h"
#include "modelfix.h"
#include "plan/pareto.h"
#include "plan/plan.h"
#include "plan/plan_agg.h"
#include "plan/plan_disagg.h"
#include "plan/plan_internal.h"
#include "plan/search.h"
#include "testutil.h"

static struct modelfix F;

/* Qwen3-32B FP8 on H200, ISL 4000 / OSL 500, TTFT 600 ms, 60 tokens/s/user. */
static void query_init(struct plan_query *q, long gpus)
{
	memset(q, 0, sizeof *q);
	q->m = &F.m;
	q->g = &F.g;
	q->wdtype = DT_FP8;
	q->kvdtype = DT_FP8;
	q->p = &F.p;
	strcpy(q->backend, "trtllm");
	q->wl = (struct perf_workload){4000, 500};
	q->sla =
	    (struct plan_sla){0.600, 1.0 / 60.0, STAT_MEAN, STAT_MEAN, 0, 0};
	q->total_gpus = gpus;
	q->max_gpus_per_worker = 8;
	q->link = (struct kv_link){50.0, 0.0};
	q->do_agg = q->do_disagg = true;
}

static const struct worker_shape TP1 = {1, 1, 1, 1, 1};
static const struct worker_shape TP2 = {2, 1, 1, 1, 2};

/* TPOT SLA set to exactly the decode step at batch 37: 37 is the largest
 * batch; one ulp less and it is 36. */
static void test_decode_boundary(void)
{
	struct plan_query q;
	query_init(&q, 8);
	struct plan_dcand d, got;
	plan_decode_eval(&q, &F.c, &TP1, 37, &d);
	q.sla.tpot_s = d.tpot_s;
	CU_ASSERT_EQUAL(plan_decode_largest(&q, &F.c, &TP1, 4096, &got), 37);
	CU_ASSERT_EQUAL(got.b, 37);
	CU_ASSERT_DOUBLE_EQUAL(got.tpot_s, d.tpot_s, 0.0);
	ASSERT_REL(got.req_per_s, 37.0 / (500.0 * d.tpot_s), 1e-12);
	q.sla.tpot_s = nextafter(d.tpot_s, 0.0);
	CU_ASSERT_EQUAL(plan_decode_largest(&q, &F.c, &TP1, 4096, &got), 36);
	/* the batch cap given is respected */
	q.sla.tpot_s = 1.0;
	CU_ASSERT_EQUAL(plan_decode_largest(&q, &F.c, &TP1, 12, &got), 12);
}

/* TTFT SLA at exactly the TTFT floor of a batch of 3 prompts. */
static void test_prefill_boundary(void)
{
	struct plan_query q;
	query_init(&q, 8);
	struct plan_pcand p, got;
	plan_prefill_eval(&q, &F.c, &TP2, 3, &p);
	q.sla.ttft_s = p.ttft_floor_s;
	CU_ASSERT_EQUAL(plan_prefill_largest(&q, &F.c, &TP2, 256, &got), 3);
	CU_ASSERT_EQUAL(got.budget, 12000);
	ASSERT_REL(got.req_per_s,
		   3.0 / step_prefill_s(&F.c, &TP2, 3, 4000, 12000), 1e-12);
	q.sla.ttft_s = nextafter(p.ttft_floor_s, 0.0);
	CU_ASSERT_EQUAL(plan_prefill_largest(&q, &F.c, &TP2, 256, &got), 2);
	/* below one prompt's floor nothing qualifies */
	plan_prefill_eval(&q, &F.c, &TP2, 1, &p);
	q.sla.ttft_s = nextafter(p.ttft_floor_s, 0.0);
	CU_ASSERT_EQUAL(plan_prefill_largest(&q, &F.c, &TP2, 256, &got), 0);
}

/* Agg runs at a concurrency on the SLA boundary: feasible there and not
 * one user more (the projection comes from a jittered simulation, so it
 * is monotone in the users only to within its sampling; the search
 * returns a boundary, not necessarily the last one). */
static void agg_check_boundary(struct plan_query *q, long cap)
{
	struct plan_config got, next;
	long evals = 0;
	CU_ASSERT_EQUAL_FATAL(
	    plan_agg_operate(q, &F.c, &TP2, 4, 4096, 20, &got, &evals, NULL),
	    SC_OK);
	CU_ASSERT_TRUE(got.feasible);
	CU_ASSERT_TRUE(evals > 0);
	if (got.concurrency < (double)cap) {
		CU_ASSERT_EQUAL_FATAL(plan_agg_eval(q, &F.c, &TP2, 4, 4096, 20,
						    got.concurrency + 1, &next,
						    NULL),
				      SC_OK);
		CU_ASSERT_FALSE(next.feasible);
	}
}

static void test_agg_boundary(void)
{
	struct plan_query q;
	query_init(&q, 8);
	struct plan_config at;
	/* 4 replicas of TP2 with batch cap 20: up to 80 users */
	CU_ASSERT_EQUAL_FATAL(
	    plan_agg_eval(&q, &F.c, &TP2, 4, 4096, 20, 50.0, &at, NULL), SC_OK);
	CU_ASSERT_EQUAL(at.gpus, 8);
	/* an SLA equal to the projection is met (inclusive) */
	q.sla =
	    (struct plan_sla){at.perf.ttft_s, 1.0, STAT_MEAN, STAT_MEAN, 0, 0};
	CU_ASSERT_TRUE(plan_meets_sla(&q.sla, &at.perf));
	agg_check_boundary(&q, 80);
	CU_ASSERT_EQUAL_FATAL(
	    plan_agg_eval(&q, &F.c, &TP2, 4, 4096, 20, 60.0, &at, NULL), SC_OK);
	q.sla =
	    (struct plan_sla){1e9, at.perf.tpot_s, STAT_MEAN, STAT_MEAN, 0, 0};
	agg_check_boundary(&q, 80);
	/* the slots cap the concurrency when the SLAs do not */
	q.sla = (struct plan_sla){1e9, 1e9, STAT_MEAN, STAT_MEAN, 0, 0};
	struct plan_config got;
	long evals = 0;
	CU_ASSERT_EQUAL_FATAL(
	    plan_agg_operate(&q, &F.c, &TP2, 4, 4096, 20, &got, &evals, NULL),
	    SC_OK);
	CU_ASSERT_DOUBLE_EQUAL(got.concurrency, 80.0, 0.0);
}

/* Disagg verification runs on the TTFT SLA boundary, with the pairing's
 * GPUs and unit. */
static void test_verify_boundary(void)
{
	struct plan_query q;
	query_init(&q, 8);
	q.sla.tpot_s = 1.0;
	struct plan_pcand p;
	struct plan_dcand d;
	plan_prefill_eval(&q, &F.c, &TP1, 2, &p);
	plan_decode_eval(&q, &F.c, &TP2, 64, &d);
	struct plan_config c;
	long evals = 0;
	CU_ASSERT_EQUAL_FATAL(
	    plan_disagg_verify(&q, &F.c, &p, &d, 3, 1, &c, &evals, NULL),
	    SC_OK);
	struct perf_point at50, next;
	CU_ASSERT_EQUAL_FATAL(perf_disagg(&F.c, &c.w[0], 3, &c.w[1], 1, &q.link,
					  &q.wl, 50.0, &at50, NULL),
			      SC_OK);
	q.sla.ttft_s = at50.ttft_s;
	CU_ASSERT_EQUAL_FATAL(
	    plan_disagg_verify(&q, &F.c, &p, &d, 3, 1, &c, &evals, NULL),
	    SC_OK);
	CU_ASSERT_TRUE(c.feasible);
	CU_ASSERT(c.perf.ttft_s <= q.sla.ttft_s);
	/* the search screens (plan_probe_load): the boundary is its */
	struct perf_load quick = plan_probe_load(&q, c.concurrency + 1);
	CU_ASSERT_EQUAL_FATAL(perf_disagg_at(&F.c, &c.w[0], 3, &c.w[1], 1,
					     &q.link, &q.wl, &quick, &next,
					     NULL),
			      SC_OK);
	CU_ASSERT(next.ttft_s > q.sla.ttft_s);
	CU_ASSERT_EQUAL(c.gpus, 5);
	CU_ASSERT_EQUAL(c.unit_x, 3);
	CU_ASSERT_EQUAL(c.unit_y, 1);
}

/* Every reported config meets the SLAs inclusively, fits the budget, is
 * ranked by tokens/s/gpu, and the front is exactly the undominated set. */
static void check_mode(const struct plan_query *q,
		       const struct plan_mode_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct plan_config *c = &r->cfg[i];
		CU_ASSERT_TRUE(c->feasible);
		CU_ASSERT_TRUE(c->perf.ttft_s <= q->sla.ttft_s);
		CU_ASSERT_TRUE(c->perf.tpot_s <= q->sla.tpot_s);
		CU_ASSERT_FALSE(c->perf.oom);
		CU_ASSERT_TRUE(c->gpus <= q->total_gpus);
		CU_ASSERT_EQUAL(c->gpus, c->perf.gpus);
		if (i)
			CU_ASSERT_TRUE(
			    r->cfg[i - 1].perf.tokens_per_s_per_gpu >=
			    c->perf.tokens_per_s_per_gpu * (1 - 1e-12));
	}
	char on[8192] = {0};
	CU_ASSERT_FATAL(r->n <= sizeof on);
	for (size_t k = 0; k < r->n_front; k++)
		on[r->front[k]] = 1;
	for (size_t i = 0; i < r->n; i++) {
		/* off the front: dominated, or equal to a better-ranked config
		 */
		int dom = 0;
		for (size_t j = 0; j < r->n && !dom; j++)
			dom = pareto_dominates(
				  r->cfg[j].perf.tokens_per_s_per_user,
				  r->cfg[j].perf.tokens_per_s_per_gpu,
				  r->cfg[i].perf.tokens_per_s_per_user,
				  r->cfg[i].perf.tokens_per_s_per_gpu) ||
			      (j < i &&
			       r->cfg[j].perf.tokens_per_s_per_user ==
				   r->cfg[i].perf.tokens_per_s_per_user &&
			       r->cfg[j].perf.tokens_per_s_per_gpu ==
				   r->cfg[i].perf.tokens_per_s_per_gpu);
		CU_ASSERT_EQUAL(on[i], !dom);
	}
}

static void test_search_invariants(void)
{
	struct plan_query q;
	query_init(&q, 8);
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_TRUE(r.agg.n > 0);
	CU_ASSERT_TRUE(r.disagg.n > 0);
	CU_ASSERT_TRUE(r.agg.n_front > 0);
	CU_ASSERT_TRUE(r.disagg.n_front > 0);
	check_mode(&q, &r.agg);
	check_mode(&q, &r.disagg);
	for (size_t i = 0; i < r.disagg.n; i++) {
		const struct plan_config *c = &r.disagg.cfg[i];
		CU_ASSERT_EQUAL(c->w[0].count, c->unit_x * c->replicas);
		CU_ASSERT_EQUAL(c->w[1].count, c->unit_y * c->replicas);
		CU_ASSERT_TRUE(c->perf.kv_xfer_s > 0);
	}
	plan_result_release(&r);
}

/* TTFT below what one prompt's prefill takes: TTFT binds in both modes. */
static void test_infeasible_ttft(void)
{
	struct plan_query q;
	query_init(&q, 8);
	q.sla.ttft_s = 0.010;
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.agg.n, 0);
	CU_ASSERT_EQUAL(r.disagg.n, 0);
	CU_ASSERT_EQUAL(r.agg.miss.bind, PLAN_BIND_TTFT);
	CU_ASSERT_EQUAL(r.disagg.miss.bind, PLAN_BIND_TTFT);
	CU_ASSERT_TRUE(r.agg.miss.have_nearest);
	CU_ASSERT_TRUE(r.agg.miss.nearest.perf.ttft_s > q.sla.ttft_s);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.disagg.miss.detail, "TTFT"));
	plan_result_release(&r);
}

/* TPOT below a batch-1 decode step: TPOT binds. */
static void test_infeasible_tpot(void)
{
	struct plan_query q;
	query_init(&q, 8);
	q.sla.ttft_s = 10.0;
	q.sla.tpot_s = 0.0005;
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.agg.n, 0);
	CU_ASSERT_EQUAL(r.disagg.n, 0);
	CU_ASSERT_EQUAL(r.agg.miss.bind, PLAN_BIND_TPOT);
	CU_ASSERT_EQUAL(r.disagg.miss.bind, PLAN_BIND_TPOT);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.disagg.miss.detail, "TPOT"));
	plan_result_release(&r);
}

/* One GPU cannot hold a prefill and a decode worker; agg still runs. */
static void test_infeasible_gpus(void)
{
	struct plan_query q;
	query_init(&q, 1);
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.disagg.n, 0);
	CU_ASSERT_EQUAL(r.disagg.miss.bind, PLAN_BIND_GPUS);
	CU_ASSERT_TRUE(r.agg.n > 0);
	plan_result_release(&r);
}

/* Llama-3.1-70B in bf16 (~141 GB of weights) on one 80 GB H100 per worker:
 * memory binds. */
static void test_infeasible_memory(void)
{
	struct modelfix big;
	modelfix_init(&big, "llama-3.1-70b", "h100-sxm", DT_BF16, DT_BF16);
	struct plan_query q;
	query_init(&q, 8);
	q.m = &big.m;
	q.g = &big.g;
	q.p = &big.p;
	q.wdtype = q.kvdtype = DT_BF16;
	q.max_gpus_per_worker = 1;
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_EQUAL(r.agg.n, 0);
	CU_ASSERT_EQUAL(r.disagg.n, 0);
	CU_ASSERT_EQUAL(r.agg.miss.bind, PLAN_BIND_MEMORY);
	CU_ASSERT_EQUAL(r.disagg.miss.bind, PLAN_BIND_MEMORY);
	plan_result_release(&r);
}

static void test_bad_query(void)
{
	struct plan_query q;
	query_init(&q, 8);
	struct plan_result r;
	struct sc_err e = {0};
	q.sla.ttft_s = 0;
	CU_ASSERT_EQUAL(plan_search(&q, &r, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "SLA"));
	query_init(&q, 8);
	q.wl.osl = 0;
	CU_ASSERT_EQUAL(plan_search(&q, &r, &e), SC_EINVAL);
}

/* The screening ranks with a cheaper projection and searches only the
 * best configurations again with the full one. What it recommends must be
 * what a search with the full projection at every probe recommends:
 * otherwise the shortcut changes answers, not just their cost. Cases:
 * Qwen3-32B FP8 on 8 GPUs at TTFT p90 600 and 1200 ms, Qwen3-235B-A22B
 * (MoE) on 16 GPUs at 600 ms, with match's default margins. */
static void check_same_pick(const char *what, const struct plan_mode_result *a,
			    const struct plan_mode_result *b)
{
	CU_ASSERT_FATAL(a->n > 0 && b->n > 0);
	char na[256], nb[256];
	plan_config_name(&a->cfg[0], na, sizeof na);
	plan_config_name(&b->cfg[0], nb, sizeof nb);
	printf("\n    %s: screened %s at %.0f users, %.1f tokens/s/gpu; "
	       "exhaustive %s at %.0f, %.1f ",
	       what, na, a->cfg[0].concurrency,
	       a->cfg[0].perf.tokens_per_s_per_gpu, nb, b->cfg[0].concurrency,
	       b->cfg[0].perf.tokens_per_s_per_gpu);
	CU_ASSERT_STRING_EQUAL(na, nb);
	CU_ASSERT_EQUAL(a->cfg[0].concurrency, b->cfg[0].concurrency);
	CU_ASSERT_EQUAL(a->cfg[0].perf.tokens_per_s_per_gpu,
			b->cfg[0].perf.tokens_per_s_per_gpu);
	CU_ASSERT_EQUAL(a->cfg[0].perf.ttft_p90_s, b->cfg[0].perf.ttft_p90_s);
}

static void test_screening_keeps_pick(void)
{
	static const struct {
		const char *model;
		double ttft_s;
		long gpus;
	} cases[] = {
	    {NULL, 0.600, 8}, {NULL, 1.200, 8}, {"qwen3-235b-a22b", 0.600, 16}};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct model_spec moe;
		struct plan_query q;
		query_init(&q, cases[i].gpus);
		if (cases[i].model) {
			CU_ASSERT_EQUAL_FATAL(
			    model_spec_load(cases[i].model, &moe, NULL), SC_OK);
			q.m = &moe;
		}
		q.sla = (struct plan_sla){.ttft_s = cases[i].ttft_s,
					  .tpot_s = 1.0 / 60.0,
					  .ttft_stat = STAT_P90,
					  .tpot_stat = STAT_MEAN,
					  .ttft_margin_prompts = 1.0,
					  .load_margin = 0.1};
		struct plan_result fast, full;
		CU_ASSERT_EQUAL_FATAL(plan_search(&q, &fast, NULL), SC_OK);
		q.exhaustive = true;
		CU_ASSERT_EQUAL_FATAL(plan_search(&q, &full, NULL), SC_OK);
		char what[96];
		snprintf(what, sizeof what, "%s %ld GPUs TTFT %.0f ms",
			 q.m->name, q.total_gpus, q.sla.ttft_s * 1e3);
		check_same_pick(what, &fast.agg, &full.agg);
		check_same_pick(what, &fast.disagg, &full.disagg);
		plan_result_release(&fast);
		plan_result_release(&full);
	}
}

static CU_TestInfo tests[] = {
    {"decode batch at the TPOT boundary", test_decode_boundary},
    {"prefill batch at the TTFT boundary", test_prefill_boundary},
    {"agg batch at the TPOT boundary", test_agg_boundary},
    {"disagg concurrency at the TTFT boundary", test_verify_boundary},
    {"search results honour the query", test_search_invariants},
    {"screening recommends what the full projection does",
     test_screening_keeps_pick},
    {"infeasible: TTFT binds", test_infeasible_ttft},
    {"infeasible: TPOT binds", test_infeasible_tpot},
    {"infeasible: GPU budget binds", test_infeasible_gpus},
    {"infeasible: memory binds", test_infeasible_memory},
    {"bad query", test_bad_query},
    CU_TEST_INFO_NULL,
};

static int setup(void)
{
	modelfix_init(&F, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	return 0;
}

int main(void)
{
	setup();
	return testutil_run("plan_search", tests);
}
