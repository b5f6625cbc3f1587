/* Serving performance of a deployment at closed-loop concurrency N: TTFT,
 * TPOT, throughput. TTFT = frontend + waiting + prefill (+ handoff + first
 * decode step in disagg), with the waiting term explicit: the cycle time of
 * a request is a smooth max of its unloaded value and N over the bottleneck
 * capacity (the closed-system asymptote), and the excess is queueing. */
#ifndef SC_PERF_H
#define SC_PERF_H
#include <stdbool.h>

#include "model/memory.h"
#include "model/step.h"

struct perf_workload {
	double isl, osl; /* mean input and output tokens */
};

struct perf_point {
	double concurrency;
	double prefill_s;  /* one prompt's prefill on its worker */
	double wait_s;     /* queueing in TTFT */
	double kv_xfer_s;  /* disagg handoff (0 for agg) */
	double ttft_s;
	double ttft_p90_s; /* see perf.c: spread from queueing near the knee
			      and from the residual iteration */
	double tpot_s;
	double e2e_s;
	double req_per_s;
	double tokens_per_s;
	double tokens_per_s_per_gpu;
	double tokens_per_s_per_user; /* 1 / tpot */
	double decode_batch;          /* mean sequences decoding per worker */
	double capacity_req_per_s;    /* bottleneck capacity */
	long gpus;
	bool oom;
	bool prefill_bound; /* bottleneck is prefill rather than decode slots */
};

/* Agg: `replicas` workers of spec w share N users. Fills out; returns SC_OK
 * or SC_EINVAL for an impossible shape (message in e). */
int perf_agg(const struct model_ctx *c, const struct worker_spec *w,
	     long replicas, const struct perf_workload *wl, double n,
	     struct perf_point *out, struct sc_err *e);
/* Disagg xPyD: x prefill workers pw, y decode workers dw, KV link. */
int perf_disagg(const struct model_ctx *c, const struct worker_spec *pw,
		long x, const struct worker_spec *dw, long y,
		const struct kv_link *link, const struct perf_workload *wl,
		double n, struct perf_point *out, struct sc_err *e);
/* A whole deployment spec with params p. */
int perf_deploy(const struct deploy_spec *d, const struct model_params *p,
		const struct perf_workload *wl, double n, struct perf_point *out,
		struct sc_err *e);

#endif
