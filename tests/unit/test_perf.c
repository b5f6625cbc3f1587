/* Deployment performance from the scheduler simulation: replicas behind a
 * router, the KV cache capping slots, OOM, the disagg handoff, and the
 * load kinds. */
#include <math.h>
#include <stdio.h>

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

/* N users on R replicas behind a join-shortest-queue router: each replica
 * carries N/R users, so the deployment delivers R times one replica's
 * throughput at the same latencies; an uneven split lands in between. */
static void test_replicas(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	struct model_params p;
	params_default(&p);
	long r = d.groups[0].count;
	struct perf_point all = at(&d, &p, 8.0 * (double)r);
	d.groups[0].count = 1;
	struct perf_point one = at(&d, &p, 8), nine = at(&d, &p, 9);
	ASSERT_REL(all.tokens_per_s, (double)r * one.tokens_per_s, 1e-9);
	ASSERT_REL(all.ttft_s, one.ttft_s, 1e-9);
	CU_ASSERT_EQUAL(all.gpus, r * 2);
	d.groups[0].count = r;
	struct perf_point odd = at(&d, &p, 8.0 * (double)r + 1);
	CU_ASSERT(odd.tokens_per_s > all.tokens_per_s);
	CU_ASSERT(odd.ttft_s >= fmin(one.ttft_s, nine.ttft_s) - 1e-12);
	CU_ASSERT(odd.ttft_s <= fmax(one.ttft_s, nine.ttft_s) + 1e-12);
	/* Closed loop: Little's law over the cycle (e2e includes the
	 * frontend time after which a user comes back), once the window is
	 * long against one cycle. */
	struct perf_workload wl = {4000, 500};
	struct perf_load lng = {.kind = LOAD_CLOSED,
				.users = 8.0 * (double)r,
				.requests = 8 * r * 64};
	struct perf_point lp;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(perf_deploy_at(&d, &p, &wl, &lng, &lp, &e), SC_OK);
	ASSERT_REL(lp.req_per_s * lp.e2e_s, 8.0 * (double)r, 0.02);
	CU_ASSERT(all.ttft_p50_s <= all.ttft_p90_s + 1e-12 &&
		  all.ttft_p90_s <= all.ttft_p99_s + 1e-12);
	deploy_release(&d);
}

/* The deployment at path with workers that cannot hold their weights:
 * Llama-3.1-70B in 16 bits on one L40S each. */
static struct deploy_spec load_oom(const char *path)
{
	struct deploy_spec d = load(path);
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(model_spec_load("llama-3.1-70b", &d.model, &e),
			      SC_OK);
	CU_ASSERT_EQUAL_FATAL(gpu_spec_load("l40s", &d.gpu, &e), SC_OK);
	d.wdtype = d.kvdtype = DT_BF16;
	for (size_t g = 0; g < d.n_groups; g++)
		d.groups[g].shape.tp = 1;
	return d;
}

/* A batch cap larger than the KV cache holds is not OOM: the cache caps
 * the slots and the rest wait, so TTFT grows with the queue while
 * throughput stays at what the slots deliver. Weights that do not fit
 * are OOM. */
static void test_kv_caps_slots(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	struct model_params p;
	params_default(&p);
	d.groups[0].count = 1;
	d.groups[0].max_batch = 4096;
	d.groups[0].max_num_tokens = 8192;
	struct perf_point a = at(&d, &p, 1000), b = at(&d, &p, 2000);
	CU_ASSERT_FALSE(a.oom);
	CU_ASSERT(a.slots < 1000);
	CU_ASSERT(b.ttft_s > a.ttft_s + 0.5 * a.e2e_s);
	ASSERT_REL(b.tokens_per_s, a.tokens_per_s, 0.05);
	deploy_release(&d);

	d = load_oom("bench/qwen3-32b-h200-agg.json");
	struct perf_point o = at(&d, &p, 1);
	CU_ASSERT_TRUE(o.oom);
	/* 4 replicas: 1 user leaves three empty, 5 users put 2 on one;
	 * both splits keep the flag and the slots */
	struct perf_point o5 = at(&d, &p, 5);
	CU_ASSERT_TRUE(o5.oom);
	CU_ASSERT_EQUAL(o5.slots, o.slots);
	deploy_release(&d);
}

/* Disagg units split users as replicas do, and a unit whose workers
 * cannot hold the weights is OOM however the users fall. */
static void test_units_oom(void)
{
	struct deploy_spec d = load_oom("bench/qwen3-32b-h200-disagg.json");
	struct sc_err e = {0};
	struct model_params p;
	params_default(&p);
	struct model_ctx c = {&d.model,	 &d.gpu, d.wdtype,
			      d.kvdtype, &p,	 &d.sched};
	const struct worker_spec *pw = deploy_group(&d, ROLE_PREFILL),
				 *dw = deploy_group(&d, ROLE_DECODE);
	struct perf_workload wl = {1000, 100};
	long users[] = {2, 4, 6};
	for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
		struct perf_load ld = {.kind = LOAD_CLOSED,
				       .users = (double)users[i],
				       .quick = true};
		struct perf_point o;
		CU_ASSERT_EQUAL_FATAL(perf_disagg_units_at(&c, pw, 1, dw, 1, 3,
							   &d.link, &wl, &ld,
							   &o, &e),
				      SC_OK);
		CU_ASSERT_TRUE(o.oom);
		CU_ASSERT_EQUAL(o.concurrency, users[i]);
	}
	deploy_release(&d);
}

/* Disagg: the KV link shows up in TTFT, not in TPOT. */
static void test_disagg_handoff(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-disagg.json");
	struct model_params p;
	params_default(&p);
	struct perf_point o = at(&d, &p, 4);
	CU_ASSERT(o.kv_xfer_s > p.v[MP_TKV]);
	d.link.gbps /= 10;
	struct perf_point s = at(&d, &p, 4);
	ASSERT_REL(s.ttft_s - o.ttft_s, s.kv_xfer_s - o.kv_xfer_s, 0.05);
	ASSERT_REL(s.tpot_s, o.tpot_s, 0.01);
	CU_ASSERT_EQUAL(o.gpus, 8);
	deploy_release(&d);
}

/* The load kinds: an open-loop rate past capacity is unstable and its
 * TTFT far exceeds the unloaded one; every request at once (offline)
 * delivers at least the closed loop's throughput at full slots. */
static void test_loads(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	struct model_params p;
	params_default(&p);
	struct perf_workload wl = {4000, 500};
	struct sc_err e = {0};
	struct perf_point closed = at(&d, &p, 64), lo, hi, burst;
	struct perf_load l = {.kind = LOAD_OPEN,
			      .rate_per_s = 0.3 * closed.req_per_s,
			      .requests = 300};
	CU_ASSERT_EQUAL_FATAL(perf_deploy_at(&d, &p, &wl, &l, &lo, &e), SC_OK);
	CU_ASSERT_FALSE(lo.unstable);
	l.rate_per_s = 10 * closed.req_per_s;
	CU_ASSERT_EQUAL_FATAL(perf_deploy_at(&d, &p, &wl, &l, &hi, &e), SC_OK);
	CU_ASSERT_TRUE(hi.unstable);
	CU_ASSERT(hi.ttft_s > 5 * lo.ttft_s);
	l = (struct perf_load){.kind = LOAD_BURST, .requests = 2000};
	CU_ASSERT_EQUAL_FATAL(perf_deploy_at(&d, &p, &wl, &l, &burst, &e),
			      SC_OK);
	CU_ASSERT(burst.tokens_per_s > closed.tokens_per_s);
	deploy_release(&d);
}

/* perf_deploy_reads: where it says a parameter is not read, the
 * projection with the parameter changed is the same bit for bit (the fit
 * copies it instead of simulating: a wrong "not read" would give a zero
 * derivative where there is one); where it names the cases that do read
 * it, the projection moves. */
static bool same_point(const struct perf_point *a, const struct perf_point *b)
{
	return a->ttft_s == b->ttft_s && a->ttft_p90_s == b->ttft_p90_s &&
	       a->ttft_p99_s == b->ttft_p99_s && a->tpot_s == b->tpot_s &&
	       a->tpot_p90_s == b->tpot_p90_s && a->e2e_s == b->e2e_s &&
	       a->prefill_s == b->prefill_s &&
	       a->tokens_per_s == b->tokens_per_s;
}

static void check_reads(const struct deploy_spec *d, const char *what)
{
	struct model_params p;
	params_default(&p);
	struct perf_point base = at(d, &p, 8);
	for (int i = 0; i < MP_COUNT; i++) {
		struct model_params q = p;
		q.v[i] = sqrt(mp_table[i].lo * mp_table[i].hi) * 1.37;
		struct perf_point o = at(d, &q, 8);
		bool reads = perf_deploy_reads(d, (enum mp)i);
		if (!reads && !same_point(&base, &o))
			printf("\n    %s: %s said unread but moves ", what,
			       mp_table[i].name);
		CU_ASSERT(reads || same_point(&base, &o));
		if ((i == MP_ETA_ME && d->model.experts) ||
		    (i == MP_TKV && d->mode == DEPLOY_DISAGG) ||
		    (i == MP_ETA_AR && d->groups[0].shape.tp > 1))
			CU_ASSERT(reads && !same_point(&base, &o));
	}
}

static void test_param_reads(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-agg.json");
	check_reads(&d, "agg TP2");
	d.groups[0].shape.tp = 1;
	d.groups[0].shape.moe_tp = 1;
	check_reads(&d, "agg TP1");
	for (int i = 0; i < MP_COUNT; i++)
		if (i == MP_ETA_ME || i == MP_TKV || i == MP_ETA_AR ||
		    i == MP_ALPHA_AR)
			CU_ASSERT_FALSE(perf_deploy_reads(&d, (enum mp)i));
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(model_spec_load("qwen3-30b-a3b", &d.model, &e),
			      SC_OK);
	check_reads(&d, "MoE agg TP1");
	CU_ASSERT_TRUE(perf_deploy_reads(&d, MP_ETA_ME));
	deploy_release(&d);
	d = load("bench/qwen3-32b-h200-disagg.json");
	check_reads(&d, "disagg");
	CU_ASSERT_TRUE(perf_deploy_reads(&d, MP_TKV));
	deploy_release(&d);
}

/* Disagg units for the search's screening: one unit is the deployment
 * itself, bit for bit; R units of equal load deliver R times one unit's
 * throughput at its latencies; an open loop is refused. */
static void test_disagg_units(void)
{
	struct deploy_spec d = load("bench/qwen3-32b-h200-disagg.json");
	struct model_params p;
	params_default(&p);
	struct model_ctx c = {&d.model,	 &d.gpu, d.wdtype,
			      d.kvdtype, &p,	 &d.sched};
	const struct worker_spec *pw = deploy_group(&d, ROLE_PREFILL),
				 *dw = deploy_group(&d, ROLE_DECODE);
	struct perf_workload wl = {4000, 500};
	struct perf_load ld = {.kind = LOAD_CLOSED, .users = 12, .quick = true};
	struct perf_point one, units, three;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(perf_disagg_at(&c, pw, pw->count, dw, dw->count,
					     &d.link, &wl, &ld, &one, &e),
			      SC_OK);
	CU_ASSERT_EQUAL_FATAL(perf_disagg_units_at(&c, pw, pw->count, dw,
						   dw->count, 1, &d.link, &wl,
						   &ld, &units, &e),
			      SC_OK);
	CU_ASSERT(same_point(&one, &units));
	CU_ASSERT_EQUAL(one.gpus, units.gpus);
	ld.users = 36;
	CU_ASSERT_EQUAL_FATAL(perf_disagg_units_at(&c, pw, pw->count, dw,
						   dw->count, 3, &d.link, &wl,
						   &ld, &three, &e),
			      SC_OK);
	ASSERT_REL(three.tokens_per_s, 3.0 * one.tokens_per_s, 1e-12);
	CU_ASSERT_EQUAL(three.ttft_p90_s, one.ttft_p90_s);
	CU_ASSERT_EQUAL(three.gpus, 3 * one.gpus);
	CU_ASSERT_EQUAL(three.concurrency, 36);
	ld.kind = LOAD_OPEN;
	ld.rate_per_s = 1;
	CU_ASSERT_EQUAL(perf_disagg_units_at(&c, pw, pw->count, dw, dw->count,
					     3, &d.link, &wl, &ld, &three, &e),
			SC_EINVAL);
	deploy_release(&d);
}

static CU_TestInfo tests[] = {
    {"disagg units keep the OOM flag however users split", test_units_oom},
    {"replicas behind a router", test_replicas},
    {"parameters a deployment does not read leave it unchanged",
     test_param_reads},
    {"the KV cache caps slots; weights that do not fit are OOM",
     test_kv_caps_slots},
    {"disagg TTFT includes the handoff", test_disagg_handoff},
    {"disagg screened as units", test_disagg_units},
    {"open loop and offline loads", test_loads},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("perf", tests)
