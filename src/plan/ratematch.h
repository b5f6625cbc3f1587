/* Rate matching of disaggregated serving over abstract per-worker rates:
 * prefill workers produce requests/s that finished prefill, decode workers
 * consume requests/s through the whole generation. An xPyD deployment runs at
 * min(x * prefill, y * decode); the search picks x and y within a GPU budget
 * for the most requests/s per GPU. */
#ifndef SC_RATEMATCH_H
#define SC_RATEMATCH_H
#include <stdbool.h>

/* One worker candidate: GPUs it occupies and requests/s it sustains. */
struct ratematch_side {
	long gpus;
	double req_per_s;
};

struct ratematch_result {
	long x, y;	     /* prefill and decode workers in all */
	long unit_x, unit_y; /* the xPyD unit: x / replicas, y / replicas */
	long replicas;	     /* gcd(x, y) */
	long gpus;	     /* x * gpus_p + y * gpus_d */
	double req_per_s;    /* min(x * prefill, y * decode) */
	double req_per_s_per_gpu;
	bool prefill_bound; /* x * prefill < y * decode */
};

/* Evaluates one xPyD choice (x, y >= 1) into out. */
void ratematch_eval(const struct ratematch_side *p,
		    const struct ratematch_side *d, long x, long y,
		    struct ratematch_result *out);

/* True when r is better than s: more requests/s per GPU; on a tie (relative
 * 1e-12) more requests/s in all, then fewer GPUs, then fewer prefill workers.
 */
bool ratematch_better(const struct ratematch_result *r,
		      const struct ratematch_result *s);

/* Best x, y with x * gpus_p + y * gpus_d <= total_gpus. For each x only
 * y = floor and ceil of x * prefill / decode can be best (the rate per GPU
 * rises in y up to the balance point and falls past it), so the sweep is
 * exact in O(total_gpus / gpus_p). Returns false (out untouched) when not
 * even 1P1D fits or a rate is not positive. */
bool ratematch_best(const struct ratematch_side *p,
		    const struct ratematch_side *d, long total_gpus,
		    struct ratematch_result *out);

#endif
