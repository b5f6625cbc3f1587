/* Disaggregated search: candidates, rate matching, verification
 * (plan_disagg.h). */
#include "plan/plan_disagg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/memory.h"
#include "plan/plan_internal.h"
#include "plan/plan_space.h"
#include "util/xalloc.h"

/* Largest prefill batch (prompts) and decode batch the search considers. */
#define PLAN_MAX_PREFILL_BATCH 256
#define PLAN_MAX_DECODE_BATCH  4096
#define PLAN_GRID_MAX	       128
/* Decode batch sizes per doubling: the points of the Pareto front. */
#define PLAN_DECODE_GRID 4
/* Matched pairings per decode candidate that go on to the full model:
 * the best by matched rate can lose to queueing, the next ones rarely do. */
#define PLAN_VERIFY_PER_DECODE 2

void plan_prefill_eval(const struct plan_query *q, const struct model_ctx *c,
		       const struct worker_shape *s, long k,
		       struct plan_pcand *out)
{
	double isl = q->wl.isl;
	out->s = *s;
	out->k = k;
	out->budget = (long)ceil((double)k * isl);
	out->gpus = worker_gpus(s);
	double t = step_prefill_s(c, s, (double)k, isl, (double)out->budget);
	out->req_per_s = (double)k / t;
	/* Handoff to a decode worker of the same size: the same number of
	 * parallel links; a smaller decode worker only adds to this. */
	out->ttft_floor_s =
	    q->p->v[MP_T0] + t + step_kv_transfer_s(c, &q->link, s, s, isl);
}

static bool prefill_ok(const struct plan_query *q, const struct model_ctx *c,
		       const struct worker_shape *s, long k,
		       struct plan_pcand *out)
{
	plan_prefill_eval(q, c, s, k, out);
	struct mem_plan mp;
	mem_plan_worker(c, s, (double)out->budget, q->wl.isl, &mp);
	/* The margin in prompts is a prefill batch's time here too. */
	double margin_s =
	    q->sla.ttft_margin_prompts * (double)k / out->req_per_s;
	return !mp.oom && mp.max_batch_fit >= k &&
	       out->ttft_floor_s + margin_s <= q->sla.ttft_s;
}

/* A worker's shape for the batch searches below: feasibility of batch n
 * goes to out->feasible (and n to out->concurrency) for
 * plan_max_concurrency, which finds the largest. */
struct batch_probe {
	const struct plan_query *q;
	const struct model_ctx *c;
	const struct worker_shape *s;
};

static int prefill_probe(const void *ctx, long k, struct plan_config *out,
			 struct sc_err *e)
{
	const struct batch_probe *p = ctx;
	struct plan_pcand cand;
	out->concurrency = (double)k;
	out->feasible = prefill_ok(p->q, p->c, p->s, k, &cand);
	return SC_OK;
}

/* The largest batch in [1, max] that probe finds feasible, 0 if none. */
static long largest_batch(plan_probe_fn probe, const struct batch_probe *p,
			  long max)
{
	struct plan_config best = {0};
	long evals = 0;
	if (plan_max_concurrency(probe, p, max, 0, 0, &best, &evals, NULL) !=
		SC_OK ||
	    !best.feasible)
		return 0;
	return (long)best.concurrency;
}

long plan_prefill_largest(const struct plan_query *q, const struct model_ctx *c,
			  const struct worker_shape *s, long max_k,
			  struct plan_pcand *out)
{
	struct batch_probe p = {q, c, s};
	long k = largest_batch(prefill_probe, &p, max_k);
	if (k > 0)
		plan_prefill_eval(q, c, s, k, out);
	return k;
}

void plan_decode_eval(const struct plan_query *q, const struct model_ctx *c,
		      const struct worker_shape *s, long b,
		      struct plan_dcand *out)
{
	out->s = *s;
	out->b = b;
	out->gpus = worker_gpus(s);
	out->tpot_s = step_decode_s(c, s, (double)b, q->wl.isl + q->wl.osl / 2);
	out->req_per_s = (double)b / (q->wl.osl * out->tpot_s);
}

static bool decode_fits(const struct plan_query *q, const struct model_ctx *c,
			const struct worker_shape *s, long b)
{
	struct mem_plan mp;
	mem_plan_worker(c, s, (double)b, q->wl.isl + q->wl.osl, &mp);
	return !mp.oom && mp.max_batch_fit >= b;
}

static int decode_probe(const void *ctx, long b, struct plan_config *out,
			struct sc_err *e)
{
	const struct batch_probe *p = ctx;
	struct plan_dcand cand;
	plan_decode_eval(p->q, p->c, p->s, b, &cand);
	out->concurrency = (double)b;
	out->feasible =
	    cand.tpot_s <= p->q->sla.tpot_s && decode_fits(p->q, p->c, p->s, b);
	return SC_OK;
}

long plan_decode_largest(const struct plan_query *q, const struct model_ctx *c,
			 const struct worker_shape *s, long max_b,
			 struct plan_dcand *out)
{
	struct batch_probe p = {q, c, s};
	long b = largest_batch(decode_probe, &p, max_b);
	if (b > 0)
		plan_decode_eval(q, c, s, b, out);
	return b;
}

static void fill_workers(const struct plan_query *q, const struct plan_pcand *p,
			 const struct plan_dcand *d, long x, long y,
			 struct plan_config *o)
{
	struct sched_spec sc = sched_default(q->backend);
	o->mode = DEPLOY_DISAGG;
	o->w[0] = (struct worker_spec){.role = ROLE_PREFILL,
				       .count = x,
				       .shape = p->s,
				       .max_batch = p->k,
				       .max_num_tokens = p->budget,
				       .sched = sc};
	o->w[1] = (struct worker_spec){.role = ROLE_DECODE,
				       .count = y,
				       .shape = d->s,
				       .max_batch = d->b,
				       .max_num_tokens = d->b,
				       .sched = sc};
	struct ratematch_side ps = {p->gpus, p->req_per_s},
			      ds = {d->gpus, d->req_per_s};
	struct ratematch_result rm;
	ratematch_eval(&ps, &ds, x, y, &rm);
	o->replicas = rm.replicas;
	o->unit_x = rm.unit_x;
	o->unit_y = rm.unit_y;
	o->gpus = rm.gpus;
}

struct disagg_probe {
	const struct plan_query *q;
	const struct model_ctx *c;
	const struct plan_config *shape; /* workers filled in */
};

static int disagg_probe(const void *ctx, long n, struct plan_config *out,
			struct sc_err *e)
{
	const struct disagg_probe *d = ctx;
	*out = *d->shape;
	struct perf_load ld = plan_probe_load(d->q, (double)n);
	/* The screening projects one unit of a replicated xPyD (the full
	 * projection, all workers behind one router). */
	int rc = ld.quick && out->replicas > 1
		     ? perf_disagg_units_at(d->c, &out->w[0], out->unit_x,
					    &out->w[1], out->unit_y,
					    out->replicas, &d->q->link,
					    &d->q->wl, &ld, &out->perf, e)
		     : perf_disagg_at(d->c, &out->w[0], out->w[0].count,
				      &out->w[1], out->w[1].count, &d->q->link,
				      &d->q->wl, &ld, &out->perf, e);
	if (rc != SC_OK)
		return rc;
	out->concurrency = (double)n;
	out->feasible = plan_meets_sla(&d->q->sla, &out->perf);
	return SC_OK;
}

int plan_disagg_verify(const struct plan_query *q, const struct model_ctx *c,
		       const struct plan_pcand *p, const struct plan_dcand *d,
		       long x, long y, struct plan_config *out, long *evals,
		       struct sc_err *e)
{
	struct plan_config shape = {0};
	fill_workers(q, p, d, x, y, &shape);
	struct disagg_probe dp = {q, c, &shape};
	/* Little's law at the matched rate with no queueing: the users that
	 * keep both pools busy, from which the search gallops (probes far
	 * above the answer simulate the most requests). */
	struct ratematch_side ps = {p->gpus, p->req_per_s},
			      ds = {d->gpus, d->req_per_s};
	struct ratematch_result rm;
	ratematch_eval(&ps, &ds, x, y, &rm);
	long n_max = x * p->k + y * d->b;
	double cycle = p->ttft_floor_s + (q->wl.osl - 1.0) * d->tpot_s;
	double guess = rm.req_per_s * cycle;
	long hint = guess >= 1 && guess < (double)n_max ? lround(guess) : 0;
	return plan_max_concurrency(disagg_probe, &dp, n_max, hint,
				    q->sla.load_margin, out, evals, e);
}

/* Pairings of one decode candidate, best matched rate first. */
struct pairing {
	size_t pi;
	struct ratematch_result rm;
};

static void keep_top(struct pairing *top, size_t *n, size_t cap,
		     const struct pairing *c)
{
	size_t i = *n;
	if (i == cap) {
		if (!ratematch_better(&c->rm, &top[cap - 1].rm))
			return;
		i = cap - 1;
	} else {
		(*n)++;
	}
	while (i > 0 && ratematch_better(&c->rm, &top[i - 1].rm)) {
		top[i] = top[i - 1];
		i--;
	}
	top[i] = *c;
}

int plan_disagg_search(const struct plan_query *q, struct plan_mode_result *r,
		       struct sc_err *e)
{
	struct model_ctx c;
	plan_ctx(q, &c);
	long maxg = q->max_gpus_per_worker < q->total_gpus - 1
			? q->max_gpus_per_worker
			: q->total_gpus - 1;
	struct worker_shape *shapes = xmalloc(PLAN_SPACE_MAX * sizeof *shapes);
	size_t ns =
	    maxg >= 1 ? plan_shapes(&c, maxg, shapes, PLAN_SPACE_MAX) : 0;
	struct plan_pcand *pc = xmalloc((ns + 1) * sizeof *pc);
	struct plan_dcand *dc = NULL;
	size_t npc = 0, ndc = 0, dcap = 0;
	struct plan_list l = {0};
	int rc = SC_OK;
	bool p_mem = false, d_mem = false;
	double best_floor = INFINITY, best_tpot1 = INFINITY;
	char p_best[64] = "", d_best[64] = "";

	/* Prefill candidates: one per shape, at its largest batch. */
	for (size_t i = 0; i < ns; i++) {
		struct plan_pcand one;
		struct mem_plan mp;
		mem_plan_worker(&c, &shapes[i], q->wl.isl, q->wl.isl, &mp);
		if (mp.oom)
			continue;
		p_mem = true;
		plan_prefill_eval(q, &c, &shapes[i], 1, &one);
		r->evaluated++;
		if (one.ttft_floor_s < best_floor) {
			best_floor = one.ttft_floor_s;
			plan_shape_name(&shapes[i], p_best, sizeof p_best);
		}
		if (plan_prefill_largest(q, &c, &shapes[i],
					 PLAN_MAX_PREFILL_BATCH, &pc[npc]))
			npc++;
	}
	/* Decode candidates: every grid batch up to the largest meeting TPOT,
	 * so the front sees the whole range of tokens/s/user. */
	for (size_t i = 0; i < ns; i++) {
		struct plan_dcand top, one;
		if (!decode_fits(q, &c, &shapes[i], 1))
			continue;
		d_mem = true;
		plan_decode_eval(q, &c, &shapes[i], 1, &one);
		r->evaluated++;
		if (one.tpot_s < best_tpot1) {
			best_tpot1 = one.tpot_s;
			plan_shape_name(&shapes[i], d_best, sizeof d_best);
		}
		long bmax = plan_decode_largest(q, &c, &shapes[i],
						PLAN_MAX_DECODE_BATCH, &top);
		if (!bmax)
			continue;
		long grid[PLAN_GRID_MAX];
		size_t ng = plan_batch_grid(bmax, PLAN_DECODE_GRID, grid,
					    PLAN_GRID_MAX);
		if (ndc + ng > dcap)
			dc = xgrow(dc, &dcap, ndc + ng, sizeof *dc);
		for (size_t g = 0; g < ng; g++)
			plan_decode_eval(q, &c, &shapes[i], grid[g],
					 &dc[ndc++]);
	}

	/* Match every decode candidate with every prefill candidate; the
	 * best few pairings go through the full model. */
	bool any_pair = false;
	for (size_t j = 0; j < ndc; j++) {
		struct pairing top[PLAN_VERIFY_PER_DECODE];
		size_t nt = 0;
		struct ratematch_side ds = {dc[j].gpus, dc[j].req_per_s};
		for (size_t i = 0; i < npc; i++) {
			struct ratematch_side ps = {pc[i].gpus,
						    pc[i].req_per_s};
			struct pairing cand = {.pi = i};
			r->matched++;
			if (!ratematch_best(&ps, &ds, q->total_gpus, &cand.rm))
				continue;
			keep_top(top, &nt, PLAN_VERIFY_PER_DECODE, &cand);
		}
		for (size_t t = 0; t < nt; t++) {
			struct plan_config cfg;
			any_pair = true;
			rc = plan_disagg_verify(q, &c, &pc[top[t].pi], &dc[j],
						top[t].rm.x, top[t].rm.y, &cfg,
						&r->evaluated, e);
			if (rc != SC_OK)
				goto out;
			if (cfg.feasible)
				plan_list_push(&l, &cfg);
			else
				plan_miss_offer(&r->miss, &q->sla, &cfg);
		}
	}

	if (l.n == 0) {
		struct plan_miss *m = &r->miss;
		if (q->total_gpus < 2) {
			m->bind = PLAN_BIND_GPUS;
			snprintf(m->detail, sizeof m->detail,
				 "GPU budget: disagg needs a prefill and a "
				 "decode worker, %ld GPU given",
				 q->total_gpus);
		} else if (!p_mem || !d_mem) {
			m->bind = PLAN_BIND_MEMORY;
			snprintf(m->detail, sizeof m->detail,
				 "no %s worker of at most %ld GPUs holds the "
				 "model and one sequence",
				 !p_mem ? "prefill" : "decode", maxg);
		} else if (npc == 0) {
			m->bind = PLAN_BIND_TTFT;
			snprintf(m->detail, sizeof m->detail,
				 "TTFT: the fastest prefill worker (%s) needs "
				 "%.1f ms for one %.0f-token prompt with "
				 "handoff, SLA %.1f ms",
				 p_best, best_floor * 1e3, q->wl.isl,
				 q->sla.ttft_s * 1e3);
		} else if (ndc == 0) {
			m->bind = PLAN_BIND_TPOT;
			snprintf(m->detail, sizeof m->detail,
				 "TPOT: the fastest decode worker (%s) needs "
				 "%.2f ms per token at batch 1, SLA %.2f ms",
				 d_best, best_tpot1 * 1e3, q->sla.tpot_s * 1e3);
		} else if (!any_pair) {
			m->bind = PLAN_BIND_GPUS;
			snprintf(m->detail, sizeof m->detail,
				 "GPU budget: no prefill + decode pair fits in "
				 "%ld GPUs",
				 q->total_gpus);
		}
	}
	int frc; /* declared before the label: C11 puts no declaration there */
out:
	/* After an error the list is only handed over (no refinement, which
	 * is what can fail), and the first error is the one returned. */
	frc = plan_finish_mode(q, &l, r, rc == SC_OK, rc == SC_OK ? e : NULL);
	if (rc == SC_OK)
		rc = frc;
	free(shapes);
	free(pc);
	free(dc);
	return rc;
}
