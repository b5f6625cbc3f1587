/* Closed-loop serving performance of agg and disagg deployments. */
#include "model/perf.h"

#include <math.h>

/* The fixed point between decode batch and request rate: at most this many
 * rounds, stopping once the batch moves by under FIXED_POINT_TOL (far below
 * what the fitter's finite differences resolve). */
#define FIXED_POINT_ROUNDS 8
#define FIXED_POINT_TOL 1e-10

/* Softplus-smoothed queueing: the cycle of a request in a closed loop of n
 * users cannot be shorter than n over the bottleneck capacity x (the
 * asymptotic bound of closed systems). waiting = gain * w *
 * softplus((n/x - cycle0) / w): zero well below the knee, the asymptote well
 * above it. The knee is w = q_knee * quantum wide, the quantum being how
 * the bottleneck hands out service: one prompt's prefill over the pool
 * (1/x) when prefill binds, one iteration when decode slots bind (a slot
 * frees at an iteration boundary, so users that each hold a slot never
 * wait). */
struct queue_wait {
	double mean_s;   /* mean waiting */
	double random_s; /* part of it that varies from request to request */
};

static struct queue_wait queue_wait(const struct model_params *p, double n,
				    double x, double quantum, double cycle0)
{
	if (!(x > 0))
		return (struct queue_wait){INFINITY, INFINITY};
	double w = p->v[MP_Q_KNEE] * quantum;
	double z = (n / x - cycle0) / w;
	double sp = z > 30 ? z : log1p(exp(z));
	/* Far past the knee every request waits about the same (the
	 * deterministic asymptote); the rounding around the knee is the
	 * collisions of requests, which differ per request. */
	double g = p->v[MP_Q_GAIN] * w;
	return (struct queue_wait){g * sp, g * (sp - fmax(z, 0.0))};
}

/* p90 of TTFT: the random part of waiting taken as exponential (p90 =
 * ln 10 times its mean), plus the residual of the iteration a request
 * lands in, uniform over one TPOT (p90 0.9 vs mean 0.5). */
#define EXP_P90_OVER_MEAN 2.302585
#define COHORT_P90_SPREAD 0.8
#define UNIFORM_P90_MINUS_MEAN 0.4

static double ttft_p90(double ttft, const struct queue_wait *q, double tpot)
{
	return ttft + (EXP_P90_OVER_MEAN - 1.0) * q->random_s +
	       UNIFORM_P90_MINUS_MEAN * tpot;
}

static void finish(struct perf_point *o, double n, double osl, long gpus)
{
	o->concurrency = n;
	o->e2e_s = o->ttft_s + (osl - 1.0) * o->tpot_s;
	o->req_per_s = n / o->e2e_s;
	o->tokens_per_s = o->req_per_s * osl;
	o->gpus = gpus;
	o->tokens_per_s_per_gpu = o->tokens_per_s / (double)gpus;
	o->tokens_per_s_per_user = 1.0 / o->tpot_s;
}

static int check_workload(const struct perf_workload *wl, double n,
			  struct sc_err *e)
{
	if (!(wl->isl >= 1) || !(wl->osl >= 1) || !(n > 0))
		return sc_err_set(e, SC_EINVAL,
				  "isl, osl must be >= 1 and concurrency > 0");
	return SC_OK;
}

int perf_agg(const struct model_ctx *c, const struct worker_spec *w,
	     long replicas, const struct perf_workload *wl, double n,
	     struct perf_point *o, struct sc_err *e)
{
	int rc;
	if ((rc = check_workload(wl, n, e)) ||
	    (rc = model_ctx_check(c, &w->shape, e)))
		return rc;
	const struct worker_shape *s = &w->shape;
	const struct model_params *p = c->p;
	double isl = wl->isl, osl = wl->osl;
	double n_r = n / (double)replicas;
	double bmax = (double)w->max_batch, budget = (double)w->max_num_tokens;
	double ctx = isl + osl / 2.0;
	double cap_b = fmin(n_r, bmax);
	double b = cap_b;
	struct mem_plan mp;
	mem_plan_worker(c, s, budget, isl + osl, &mp);

	*o = (struct perf_point){0};
	for (int it = 0; it < FIXED_POINT_ROUNDS; it++) {
		double room = fmax(budget - b, 1.0);
		double chunk = fmin(isl, room);
		double chunk_ctx = (isl - chunk) / 2.0;
		double t_dec = step_decode_s(c, s, b, ctx);
		double t_mix = step_mixed_s(c, s, b, ctx, chunk, chunk_ctx);
		/* Each iteration, b/osl requests finish and as many prompts
		 * of isl tokens must be prefilled in chunks. */
		double frac = fmin(1.0, b * isl / (osl * chunk));
		double fill = fmin(room, isl * fmax(1.0, floor(room / isl)));
		double t_full = step_mixed_s(c, s, b, ctx, fill, 0.0);
		/* Cohorts: prompts that meet in one chunked-prefill iteration
		 * finish it together, and (fixed output lengths) come back
		 * together. A request waits for its cohort's prompts, and
		 * while it decodes only the other cohorts' prefills cut in. */
		double n_g = fmin(n_r, bmax);
		double lin = p->v[MP_Q_COHORT] * fmax(n_g - 1.0, 0.0);
		double others = lin / (1.0 + lin / p->v[MP_Q_COHORT_MAX]);
		double s_prompt = isl * t_full / fill;
		double cohort_wait = others * s_prompt;
		double seen = frac * (1.0 - fmin(1.0, (1.0 + others) / n_g));
		double tpot = (1.0 - seen) * t_dec + seen * t_mix;
		double prefill = ceil(isl / chunk) * t_mix + cohort_wait;
		double iter_wait = 0.5 * tpot;
		double cycle0 = p->v[MP_T0] + iter_wait + prefill +
				(osl - 1.0) * tpot;
		/* Capacity: slots turning over, or prefill tokens per
		 * iteration when the budget is what runs out. */
		double x_slots = bmax / (prefill + (osl - 1.0) * tpot);
		double x_prefill = room / (isl * t_full);
		double x = fmin(x_slots, x_prefill);
		bool pf = x_prefill < x_slots;
		struct queue_wait q = queue_wait(p, n_r, x, pf ? 1.0 / x : tpot,
						 cycle0);

		o->prefill_s = prefill;
		o->wait_s = q.mean_s;
		o->tpot_s = tpot;
		o->ttft_s = p->v[MP_T0] + q.mean_s + iter_wait + prefill;
		/* Within a cohort the first prompt waits least; the spread
		 * grows more slowly than the cohort. */
		o->ttft_p90_s = ttft_p90(o->ttft_s, &q, tpot) +
				COHORT_P90_SPREAD * s_prompt * sqrt(others);
		o->capacity_req_per_s = x * (double)replicas;
		o->prefill_bound = pf;
		double rate_r = n_r / (o->ttft_s + (osl - 1.0) * tpot);
		o->decode_batch = b;
		double nb = fmax(1.0, fmin(cap_b, rate_r * (osl - 1.0) * tpot));
		bool settled = fabs(nb - b) <= FIXED_POINT_TOL * b;
		b = nb;
		if (settled)
			break;
	}
	o->kv_xfer_s = 0.0;
	o->oom = mp.oom || (double)mp.max_batch_fit < fmin(bmax, ceil(n_r));
	finish(o, n, osl, replicas * worker_gpus(s));
	return SC_OK;
}

int perf_disagg(const struct model_ctx *c, const struct worker_spec *pw,
		long x, const struct worker_spec *dw, long y,
		const struct kv_link *link, const struct perf_workload *wl,
		double n, struct perf_point *o, struct sc_err *e)
{
	int rc;
	if ((rc = check_workload(wl, n, e)) ||
	    (rc = model_ctx_check(c, &pw->shape, e)) ||
	    (rc = model_ctx_check(c, &dw->shape, e)))
		return rc;
	const struct worker_shape *ps = &pw->shape, *ds = &dw->shape;
	const struct model_params *p = c->p;
	double isl = wl->isl, osl = wl->osl;
	double xp = (double)x, yd = (double)y;
	double pbudget = (double)pw->max_num_tokens;
	double kp = (double)pw->max_batch, bd = (double)dw->max_batch;
	double ctx = isl + osl / 2.0;
	double cap_b = fmin(n / yd, bd);
	double b = cap_b;
	double s1 = step_prefill_s(c, ps, 1.0, isl, pbudget);
	double sk = step_prefill_s(c, ps, kp, isl, pbudget);
	double x_prefill = xp * kp / sk;
	double kv = step_kv_transfer_s(c, link, ps, ds, isl);
	double x_decode = yd * bd / (osl * step_decode_s(c, ds, bd, ctx));
	double cap = fmin(x_prefill, x_decode);
	double k_eff = 1.0;
	struct mem_plan mp_p, mp_d;
	mem_plan_worker(c, ps, pbudget, isl, &mp_p);
	mem_plan_worker(c, ds, (double)dw->max_num_tokens, isl + osl, &mp_d);

	*o = (struct perf_point){0};
	for (int it = 0; it < FIXED_POINT_ROUNDS; it++) {
		double tpot = step_decode_s(c, ds, b, ctx);
		/* Under load a prefill worker batches the prompts queued at
		 * it; each waits for its batch. */
		double prefill = k_eff > 1.0
					 ? step_prefill_s(c, ps, k_eff, isl,
							  pbudget)
					 : s1;
		/* After the handoff a request waits out the decode worker's
		 * current iteration, then its first decode step emits. */
		double iter_wait = 0.5 * tpot;
		double cycle0 = p->v[MP_T0] + prefill + kv + iter_wait +
				osl * tpot;
		struct queue_wait q = queue_wait(p, n, cap,
						 x_prefill < x_decode ? 1.0 / cap : tpot,
						 cycle0);
		o->prefill_s = prefill;
		o->wait_s = q.mean_s;
		o->kv_xfer_s = kv;
		o->tpot_s = tpot;
		o->ttft_s = p->v[MP_T0] + q.mean_s + prefill + kv + iter_wait +
			    tpot;
		o->ttft_p90_s = ttft_p90(o->ttft_s, &q, tpot);
		double rate = n / (o->ttft_s + (osl - 1.0) * tpot);
		o->decode_batch = b;
		double nb = fmax(1.0, fmin(cap_b, rate * osl * tpot / yd));
		double nk = fmax(1.0, fmin(kp, rate * s1 / xp));
		bool settled = fabs(nb - b) <= FIXED_POINT_TOL * b &&
			       fabs(nk - k_eff) <= FIXED_POINT_TOL * k_eff;
		b = nb;
		k_eff = nk;
		if (settled)
			break;
	}
	o->capacity_req_per_s = cap;
	o->prefill_bound = x_prefill < x_decode;
	o->oom = mp_p.oom || mp_d.oom ||
		 (double)mp_d.max_batch_fit < fmin(bd, ceil(n / yd));
	finish(o, n, osl, x * worker_gpus(ps) + y * worker_gpus(ds));
	return SC_OK;
}

int perf_deploy(const struct deploy_spec *d, const struct model_params *p,
		const struct perf_workload *wl, double n, struct perf_point *out,
		struct sc_err *e)
{
	struct model_ctx c = {&d->model, &d->gpu, d->wdtype, d->kvdtype, p};
	if (d->mode == DEPLOY_AGG) {
		const struct worker_spec *w = deploy_group(d, ROLE_AGG);
		return perf_agg(&c, w, w->count, wl, n, out, e);
	}
	const struct worker_spec *pw = deploy_group(d, ROLE_PREFILL);
	const struct worker_spec *dw = deploy_group(d, ROLE_DECODE);
	return perf_disagg(&c, pw, pw->count, dw, dw->count, &d->link, wl, n,
			   out, e);
}
