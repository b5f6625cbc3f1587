/* Calibration feeds the configuration search: when the measured system
 * prefills slower than the priors say, the fitted model must give prefill
 * a larger share of the GPUs in the best disaggregated configuration. */
#include <math.h>
#include <string.h>

#include "fit/calib.h"
#include "plan/plan.h"
#include "plan/search.h"
#include "testutil.h"

static const double levels[] = {1, 4, 16, 32, 64, 96, 128, 192};

static double prefill_share(const struct model_params *p,
			    const struct deploy_spec *d)
{
	struct plan_query q = {.m = &d->model,
			       .g = &d->gpu,
			       .wdtype = d->wdtype,
			       .kvdtype = d->kvdtype,
			       .p = p,
			       .wl = {4000, 500},
			       .sla = {0.6, 1.0 / 60.0},
			       .total_gpus = 16,
			       .max_gpus_per_worker = 8,
			       .link = d->link,
			       .do_agg = false,
			       .do_disagg = true};
	snprintf(q.backend, sizeof q.backend, "%s", d->backend);
	struct plan_result r;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, &e), SC_OK);
	CU_ASSERT_FATAL(r.disagg.n > 0);
	const struct plan_config *b = &r.disagg.cfg[0];
	double pg = (double)(b->w[0].count * worker_gpus(&b->w[0].shape));
	double share = pg / (double)b->gpus;
	char name[256];
	plan_config_name(b, name, sizeof name);
	fprintf(stderr, "  best disagg: %s, prefill share %.2f\n", name, share);
	plan_result_release(&r);
	return share;
}

static void test_slow_prefill_moves_match(void)
{
	struct deploy_spec d;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    deploy_load(testutil_src("bench/qwen3-32b-h200-disagg.json"), &d,
			&e),
	    SC_OK);
	struct model_params truth;
	params_default(&truth);
	truth.v[MP_ETA_C] = 0.30; /* prefill GEMMs at half the prior's speed */
	truth.v[MP_ETA_A] = 0.25;
	struct obs_set s = {0};
	size_t idx = obs_add_deploy(&s, &d, "disagg");
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
		struct obs_point p = {
		    .deploy = idx, .concurrency = levels[i], .wl = {4000, 500}};
		CU_ASSERT_EQUAL_FATAL(obs_project(&s, &p, &truth, p.value, &e),
				      SC_OK);
		for (int m = 0; m < OM_COUNT; m++)
			p.rel_se[m] = 0.03;
		obs_add_point(&s, &p);
	}
	struct calib_opts o = {.holdout = HOLDOUT_NONE};
	nlls_opts_default(&o.nlls);
	struct calib_result r;
	CU_ASSERT_EQUAL_FATAL(calib_run(&s, &o, &r, &e), SC_OK);
	struct model_params prior;
	params_default(&prior);
	double before = prefill_share(&prior, &d);
	double after = prefill_share(&r.fit.p, &d);
	CU_ASSERT(after > before);
	calib_release(&r);
	obs_release(&s);
	deploy_release(&d);
}

static CU_TestInfo tests[] = {
    {"slower prefill gives prefill more GPUs", test_slow_prefill_moves_match},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("fit_match", tests)
