/* Serving performance at closed-loop concurrency: the queueing knee on
 * TTFT, the disagg handoff, agg interference. */
#include <math.h>

#include "model/perf.h"
#include "testutil.h"

static struct deploy_spec load(const char *rel)
{
	struct deploy_spec d;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(deploy_load(testutil_src(rel), &d, &e), SC_OK);
	return d;
}

static struct perf_point at(const struct deploy_spec *d,
			    const struct model_params *p, double n)
{
	struct perf_point o;
	struct sc_err e = {0};
	struct perf_workload wl = {4000, 500};
	CU_ASSERT_EQUAL(perf_deploy(d, p, &wl, n, &o, &e), SC_OK);
	return o;
}

/* TTFT is flat before the prefill pool saturates and grows linearly past
 * it with slope q_gain / capacity (closed-system asymptote). */
static void test_knee(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-disagg.json");
	struct model_params p;
	params_default(&p);
	struct perf_point lo = at(&d, &p, 1), mid = at(&d, &p, 32);
	CU_ASSERT(mid.ttft_s < 1.05 * lo.ttft_s);
	CU_ASSERT(lo.wait_s < 1e-3);
	struct perf_point a = at(&d, &p, 512), b = at(&d, &p, 1024);
	CU_ASSERT_TRUE(a.prefill_bound);
	double slope = (b.ttft_s - a.ttft_s) / 512.0;
	ASSERT_REL(slope, p.v[MP_Q_GAIN] / a.capacity_req_per_s, 0.05);
	/* Past the knee the deployment delivers its capacity. */
	ASSERT_REL(b.req_per_s, b.capacity_req_per_s, 0.02);
	/* Doubling q_gain doubles the waiting far past the knee. */
	p.v[MP_Q_GAIN] *= 2;
	struct perf_point g = at(&d, &p, 1024);
	ASSERT_REL(g.wait_s, 2 * b.wait_s, 0.05);
	/* p90 exceeds the mean most near the knee, where collisions vary. */
	CU_ASSERT(lo.ttft_p90_s > lo.ttft_s);
	struct perf_point knee = at(&d, &p, a.capacity_req_per_s * (a.e2e_s - a.wait_s));
	CU_ASSERT(knee.ttft_p90_s - knee.ttft_s > b.ttft_p90_s - b.ttft_s);
	deploy_release(&d);
}

/* Disagg TTFT = T0 + wait + prefill + handoff + the rest of the decode
 * worker's running iteration (half a TPOT on average) + first decode step. */
static void test_disagg_handoff(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-disagg.json");
	struct model_params p;
	params_default(&p);
	struct perf_point o = at(&d, &p, 4);
	CU_ASSERT(o.kv_xfer_s > p.v[MP_TKV]);
	CU_ASSERT_DOUBLE_EQUAL(o.ttft_s,
			       p.v[MP_T0] + o.wait_s + o.prefill_s + o.kv_xfer_s + 1.5 * o.tpot_s,
			       1e-12);
	double before = o.ttft_s;
	d.link.gbps /= 10; /* a slower link shows up in TTFT, not TPOT */
	struct perf_point s = at(&d, &p, 4);
	CU_ASSERT(s.ttft_s > before + 0.01);
	ASSERT_REL(s.tpot_s, o.tpot_s, 0.01); /* batch shifts a little */
	CU_ASSERT_EQUAL(o.gpus, 8);
	deploy_release(&d);
}

/* Agg: TPOT grows with concurrency as prefill chunks interleave, and stays
 * above a decode-only step at the same batch once users on a replica are
 * more than one synchronized cohort (with q_cohort 1, two users share one). */
static void test_agg_interference(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	struct model_params p;
	params_default(&p);
	double last = 0;
	for (double n = 4; n <= 256; n *= 2) {
		struct perf_point o = at(&d, &p, n);
		CU_ASSERT(o.tpot_s >= last);
		last = o.tpot_s;
		struct model_ctx c = {&d.model, &d.gpu, d.wdtype, d.kvdtype, &p};
		double dec = step_decode_s(&c, &d.groups[0].shape, o.decode_batch, 4250);
		if (n / 4 >= 4)
			CU_ASSERT(o.tpot_s > dec);
		CU_ASSERT(o.tpot_s >= dec * (1 - 1e-12));
		CU_ASSERT_EQUAL(o.gpus, 8);
		/* Little's law holds by construction of the cycle. */
		ASSERT_REL(o.req_per_s * o.e2e_s, n, 1e-9);
	}
	deploy_release(&d);
}

/* Agg TTFT grows with the synchronized cohort a request prefills with:
 * q_cohort ~0 (independent users) keeps it near the one-user value; the
 * excess rises about linearly at first and saturates at q_cohort_max
 * prompts. */
static void test_agg_cohorts(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	struct model_params p;
	params_default(&p);
	p.v[MP_Q_COHORT] = 1.0;
	p.v[MP_Q_COHORT_MAX] = 1000; /* no saturation: linear */
	struct perf_point one = at(&d, &p, 4), a = at(&d, &p, 4 * 3), b = at(&d, &p, 4 * 5);
	CU_ASSERT(a.ttft_s > one.ttft_s + 0.05);
	/* 4 others vs 2 others: twice the cohort wait, up to slower
	 * iterations at a larger batch. */
	double ra = (b.prefill_s - one.prefill_s) / (a.prefill_s - one.prefill_s);
	CU_ASSERT(ra > 1.8 && ra < 2.4);
	/* Saturation: with q_cohort_max 2 prompts, 60 users wait about as
	 * long as 30. */
	p.v[MP_Q_COHORT_MAX] = 2.0;
	struct perf_point s30 = at(&d, &p, 4 * 30), s60 = at(&d, &p, 4 * 60);
	CU_ASSERT(s60.prefill_s < 1.15 * s30.prefill_s);
	p.v[MP_Q_COHORT] = 1e-9;
	struct perf_point flat = at(&d, &p, 4 * 5);
	CU_ASSERT(flat.ttft_s < one.ttft_s * 1.1);
	deploy_release(&d);
}

/* A decode batch larger than the KV cache holds is OOM. */
static void test_oom_flag(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	struct model_params p;
	params_default(&p);
	d.groups[0].max_batch = 4096;
	struct perf_point o = at(&d, &p, 4096 * 4);
	CU_ASSERT_TRUE(o.oom);
	d.groups[0].max_batch = 16;
	o = at(&d, &p, 64);
	CU_ASSERT_FALSE(o.oom);
	deploy_release(&d);
}

static CU_TestInfo tests[] = {
	{"TTFT knee: flat, then linear", test_knee},
	{"disagg TTFT includes the handoff", test_disagg_handoff},
	{"agg prefill interference", test_agg_interference},
	{"agg prefill cohorts", test_agg_cohorts},
	{"OOM at too large a batch", test_oom_flag},
	CU_TEST_INFO_NULL,
};

TEST_MAIN("perf", tests)
