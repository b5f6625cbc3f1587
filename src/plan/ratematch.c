/* xPyD rate matching over per-worker request rates (see ratematch.h). */
#include "plan/ratematch.h"

#include <math.h>

static long gcd_l(long a, long b)
{
	while (b) {
		long t = a % b;
		a = b;
		b = t;
	}
	return a;
}

void ratematch_eval(const struct ratematch_side *p,
		    const struct ratematch_side *d, long x, long y,
		    struct ratematch_result *out)
{
	double rp = (double)x * p->req_per_s, rd = (double)y * d->req_per_s;
	out->x = x;
	out->y = y;
	out->replicas = gcd_l(x, y);
	out->unit_x = x / out->replicas;
	out->unit_y = y / out->replicas;
	out->gpus = x * p->gpus + y * d->gpus;
	out->req_per_s = rp < rd ? rp : rd;
	out->req_per_s_per_gpu = out->req_per_s / (double)out->gpus;
	out->prefill_bound = rp < rd;
}

static int cmp_rel(double a, double b)
{
	double tol = 1e-12 * fmax(fabs(a), fabs(b));
	if (a > b + tol)
		return 1;
	if (b > a + tol)
		return -1;
	return 0;
}

bool ratematch_better(const struct ratematch_result *r,
		      const struct ratematch_result *s)
{
	int c = cmp_rel(r->req_per_s_per_gpu, s->req_per_s_per_gpu);
	if (c)
		return c > 0;
	c = cmp_rel(r->req_per_s, s->req_per_s);
	if (c)
		return c > 0;
	if (r->gpus != s->gpus)
		return r->gpus < s->gpus;
	return r->x < s->x;
}

bool ratematch_best(const struct ratematch_side *p,
		    const struct ratematch_side *d, long total_gpus,
		    struct ratematch_result *out)
{
	if (p->gpus < 1 || d->gpus < 1 || !(p->req_per_s > 0) ||
	    !(d->req_per_s > 0) || p->gpus + d->gpus > total_gpus)
		return false;
	struct ratematch_result best = {0}, cur;
	bool have = false;
	double ratio = p->req_per_s / d->req_per_s;
	for (long x = 1; x * p->gpus + d->gpus <= total_gpus; x++) {
		long ymax = (total_gpus - x * p->gpus) / d->gpus;
		double ystar = fmin((double)x * ratio, (double)ymax);
		long ys[2] = {(long)floor(ystar), (long)ceil(ystar)};
		long prev = -1;
		for (int k = 0; k < 2; k++) {
			long y = ys[k] < 1 ? 1 : ys[k] > ymax ? ymax : ys[k];
			if (y == prev)
				continue;
			prev = y;
			ratematch_eval(p, d, x, y, &cur);
			if (!have || ratematch_better(&cur, &best)) {
				best = cur;
				have = true;
			}
		}
	}
	if (have)
		*out = best;
	return have;
}
