/* Enumeration of worker shapes and batch sizes for the search. */
#include "plan/plan_space.h"

#include <stdbool.h>

static void push(const struct model_ctx *c, const struct worker_shape *s,
		 struct worker_shape *out, size_t cap, size_t *n)
{
	if (*n < cap && model_ctx_check(c, s, NULL) == SC_OK)
		out[(*n)++] = *s;
}

size_t plan_shapes(const struct model_ctx *c, long max_gpus,
		   struct worker_shape *out, size_t cap)
{
	size_t n = 0;
	bool moe = c->m->experts > 0;
	/* Outer loop over the GPU count so the list is fewest GPUs first. */
	for (long g = 1; g <= max_gpus; g *= 2)
		for (long pp = 1; pp <= g; pp *= 2)
			for (long tp = 1; tp * pp <= g; tp *= 2) {
				long dp = g / (tp * pp);
				if (!moe) {
					if (dp != 1)
						continue;
					struct worker_shape s = {tp, pp, 1, 1,
								 tp};
					push(c, &s, out, cap, &n);
					continue;
				}
				for (long ep = 1; ep <= tp * dp; ep *= 2) {
					struct worker_shape s = {tp, pp, dp, ep,
								 tp * dp / ep};
					push(c, &s, out, cap, &n);
				}
			}
	return n;
}

size_t plan_batch_grid(long max_batch, long per_doubling, long *out, size_t cap)
{
	size_t n = 0;
	long b = 1;
	if (per_doubling < 1)
		per_doubling = 1;
	while (b <= max_batch && n < cap) {
		out[n++] = b;
		long step = 1;
		if (b >= 2 * per_doubling) { /* p2 / per_doubling, p2 <= b */
			long p2 = 2 * per_doubling;
			while (p2 * 2 <= b)
				p2 *= 2;
			step = p2 / per_doubling;
		}
		b += step;
	}
	if (max_batch >= 1 && (n == 0 || out[n - 1] != max_batch)) {
		if (n < cap)
			out[n++] = max_batch;
		else
			out[n - 1] = max_batch;
	}
	return n;
}
