/* Fit time: 3 deployments x 10 concurrency levels of synthetic data (the
 * model with a known truth plus 3% noise), fitted with 200 bootstrap
 * rounds. Target: <= 2 s on one core. Prints the time, the iterations and
 * the held-out MAPE so a regression in speed or accuracy shows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fit/calib.h"
#include "util/clock.h"

static double gauss(unsigned long long *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	double u = ((*s >> 11) + 0.5) / 9007199254740992.0;
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	double v = ((*s >> 11) + 0.5) / 9007199254740992.0;
	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

int main(int argc, char **argv)
{
	const char *src = argc > 1 ? argv[1] : ".";
	const char *files[] = {"bench/qwen3-32b-h200-agg.json",
			       "bench/qwen3-32b-h200-disagg.json",
			       "bench/qwen3-32b-h200-disagg.json"};
	const double levels[] = {1, 2, 4, 8, 16, 32, 64, 96, 128, 192};
	struct model_params t;
	params_default(&t);
	t.v[MP_ETA_C] = 0.45;
	t.v[MP_ETA_M] = 0.65;
	t.v[MP_TAU_S] = 3e-3;
	t.v[MP_T0] = 20e-3;
	t.v[MP_TAU_R] = 40e-6;
	struct obs_set s = {0};
	unsigned long long seed = 42;
	struct sc_err e = {0};
	for (size_t f = 0; f < 3; f++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", src, files[f]);
		struct deploy_spec d;
		if (deploy_load(path, &d, &e)) {
			fprintf(stderr, "fit_bench: %s\n", e.msg);
			return 1;
		}
		if (f == 2) { /* a third shape: 2 prefill TP2 + 2 decode TP2 */
			d.groups[0].count = 2;
			d.groups[0].shape.tp = 2;
			d.groups[0].shape.moe_tp = 2;
		}
		size_t idx = obs_add_deploy(&s, &d, files[f]);
		deploy_release(&d);
		for (size_t i = 0; i < 10; i++) {
			struct obs_point p = {.deploy = idx,
					      .concurrency = levels[i],
					      .wl = {4000, 500}};
			if (obs_project(&s, &p, &t, p.value, &e)) {
				fprintf(stderr, "fit_bench: %s\n", e.msg);
				return 1;
			}
			for (int m = 0; m < OM_COUNT; m++) {
				p.value[m] *= exp(0.03 * gauss(&seed));
				p.rel_se[m] = 0.03;
			}
			obs_add_point(&s, &p);
		}
	}
	struct calib_opts o = {
	    .holdout = HOLDOUT_LEVELS, .bootstrap = 200, .seed = 3};
	nlls_opts_default(&o.nlls);
	struct calib_result r;
	int64_t t0 = clock_mono_ns();
	int rc = calib_run(&s, &o, &r, &e);
	double el = (double)(clock_mono_ns() - t0) * 1e-9;
	if (rc) {
		fprintf(stderr, "fit_bench: %s\n", e.msg);
		return 1;
	}
	printf("fit: 3 deployments x 10 levels, 200 bootstrap rounds: %.3f s "
	       "(target <= 2 s), %d iterations, %s\n",
	       el, r.fit.iterations, r.fit.status);
	printf("held-out MAPE %%: TTFT %.1f, TTFT p90 %.1f, TPOT %.1f, "
	       "throughput %.1f\n",
	       r.mape_held[OM_TTFT], r.mape_held[OM_TTFT_P90],
	       r.mape_held[OM_TPOT], r.mape_held[OM_TPS]);
	calib_release(&r);
	obs_release(&s);
	return el <= 2.0 ? 0 : 1;
}
