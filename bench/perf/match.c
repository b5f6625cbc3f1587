/* Benchmark of `servecal match`'s search: the full agg + disagg search for
 * Qwen3-32B FP8 on H200 at 8, 16 and 64 GPUs and Qwen3-235B-A22B at 64 GPUs
 * (ISL 4000 / OSL 500, TTFT 600 ms, 60 tokens/s/user), single-threaded.
 * Prints the best and median of several runs, the model evaluations
 * (perf_agg / perf_disagg calls and worker candidates), the prefill x decode
 * pairs rate-matched, and the feasible configs of each mode. Target: <= 100 ms
 * per search on one core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/gpuspec.h"
#include "model/modelspec.h"
#include "model/params.h"
#include "plan/plan.h"
#include "plan/plan_out.h"
#include "plan/search.h"
#include "util/clock.h"

#define TARGET_MS 100.0
#define RUNS	  15

struct bench_case {
	const char *model;
	long gpus;
};

static const struct bench_case cases[] = {
    {"qwen3-32b", 8},
    {"qwen3-32b", 16},
    {"qwen3-32b", 64},
    {"qwen3-235b-a22b", 64},
};

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : RUNS;
	if (runs < 1)
		runs = 1;
	struct gpu_spec g;
	struct model_params p;
	struct sc_err e = {0};
	params_default(&p);
	if (gpu_spec_load("h200-sxm", &g, &e)) {
		fprintf(stderr, "bench: %s\n", e.msg);
		return 1;
	}
	int over = 0;
	printf("%-16s %5s %9s %9s %8s %8s %8s %8s %7s\n", "model", "GPUs",
	       "best_ms", "median_ms", "evals", "pairs", "agg_ok", "dis_ok",
	       "gain");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct model_spec m;
		if (model_spec_load(cases[i].model, &m, &e)) {
			fprintf(stderr, "bench: %s\n", e.msg);
			return 1;
		}
		struct plan_query q = {0};
		q.m = &m;
		q.g = &g;
		q.p = &p;
		q.wdtype = q.kvdtype = DT_FP8;
		strcpy(q.backend, "trtllm");
		q.wl = (struct perf_workload){4000, 500};
		/* match's defaults: TTFT at p90 with one prompt of headroom,
		 * TPOT at its mean, 10% more users than the operating point. */
		q.sla = (struct plan_sla){.ttft_s = 0.600,
					  .tpot_s = 1.0 / 60.0,
					  .ttft_stat = STAT_P90,
					  .tpot_stat = STAT_MEAN,
					  .ttft_margin_prompts = 1.0,
					  .load_margin = 0.1};
		q.total_gpus = cases[i].gpus;
		q.max_gpus_per_worker = 8;
		q.link = (struct kv_link){50.0, 0.0};
		q.do_agg = q.do_disagg = true;
		double *ms = malloc((size_t)runs * sizeof *ms);
		struct plan_result r = {0};
		for (int k = 0; k < runs; k++) {
			plan_result_release(&r);
			int64_t t0 = clock_mono_ns();
			if (plan_search(&q, &r, &e)) {
				fprintf(stderr, "bench: %s\n", e.msg);
				return 1;
			}
			ms[k] = (double)(clock_mono_ns() - t0) / 1e6;
		}
		qsort(ms, (size_t)runs, sizeof *ms, cmp_d);
		printf("%-16s %5ld %9.2f %9.2f %8ld %8ld %8zu %8zu %6.2fx\n",
		       cases[i].model, cases[i].gpus, ms[0], ms[runs / 2],
		       r.agg.evaluated + r.disagg.evaluated, r.disagg.matched,
		       r.agg.n, r.disagg.n, plan_gain(&r));
		if (ms[runs / 2] > TARGET_MS)
			over++;
		plan_result_release(&r);
		free(ms);
	}
	printf("target: median <= %.0f ms per search: %s\n", TARGET_MS,
	       over ? "MISSED" : "met");
	return over ? 1 : 0;
}
