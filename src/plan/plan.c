/* Bookkeeping the agg and disagg searches share: query checks, ranking,
 * feasibility, nearest misses, the concurrency search, naming configs and
 * turning them into deployment specs (the driver is plan/search.c). */
#include "plan/plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/pareto.h"
#include "plan/plan_internal.h"
#include "util/xalloc.h"

void plan_ctx(const struct plan_query *q, struct model_ctx *c)
{
	*c = (struct model_ctx){q->m,	    q->g, q->wdtype,
				q->kvdtype, q->p, sched_find(q->backend)};
}

const char *plan_bind_name(enum plan_bind b)
{
	static const char *const names[] = {
	    [PLAN_BIND_NONE] = "none",	     [PLAN_BIND_MEMORY] = "memory",
	    [PLAN_BIND_TTFT] = "ttft",	     [PLAN_BIND_TPOT] = "tpot",
	    [PLAN_BIND_GPUS] = "gpu budget",
	};
	return (unsigned)b < sizeof names / sizeof names[0] ? names[b] : "?";
}

int plan_query_check(const struct plan_query *q, struct sc_err *e)
{
	if (!q->m || !q->g || !q->p)
		return sc_err_set(e, SC_EINVAL,
				  "match: model, GPU and params needed");
	if (!(q->wl.isl >= 1) || !(q->wl.osl >= 1) || !isfinite(q->wl.isl) ||
	    !isfinite(q->wl.osl))
		return sc_err_set(
		    e, SC_EINVAL,
		    "match: isl and osl must be >= 1 (got %g, %g)", q->wl.isl,
		    q->wl.osl);
	if (!(q->sla.ttft_s > 0) || !(q->sla.tpot_s > 0))
		return sc_err_set(e, SC_EINVAL,
				  "match: TTFT and TPOT SLAs must be > 0");
	if (q->total_gpus < 1 || q->max_gpus_per_worker < 1)
		return sc_err_set(
		    e, SC_EINVAL,
		    "match: total GPUs and GPUs per worker must be >= 1");
	if (q->total_gpus > 1024 || q->max_gpus_per_worker > 1024)
		return sc_err_set(e, SC_EINVAL,
				  "match: at most 1024 GPUs (got %ld)",
				  q->total_gpus);
	if (q->do_disagg && !(q->link.gbps > 0))
		return sc_err_set(e, SC_EINVAL,
				  "match: KV link bandwidth must be > 0");
	int rc;
	if ((rc = gpu_supports(q->g, q->wdtype, e)) != SC_OK ||
	    (rc = gpu_supports(q->g, q->kvdtype, e)) != SC_OK)
		return rc;
	return SC_OK;
}

void plan_list_push(struct plan_list *l, const struct plan_config *c)
{
	if (l->n == l->cap)
		l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof *l->v);
	l->v[l->n++] = *c;
}

double plan_ttft_checked_s(const struct plan_sla *sla,
			   const struct perf_point *pt)
{
	double t = perf_ttft_at(pt, sla->ttft_stat);
	if (sla->ttft_margin_prompts > 0)
		t += sla->ttft_margin_prompts * pt->prefill_s;
	return t;
}

bool plan_meets_sla(const struct plan_sla *sla, const struct perf_point *pt)
{
	return !pt->oom && !pt->unstable &&
	       plan_ttft_checked_s(sla, pt) <= sla->ttft_s &&
	       perf_tpot_at(pt, sla->tpot_stat) <= sla->tpot_s;
}

double plan_violation(const struct plan_sla *sla, const struct perf_point *pt)
{
	return fmax(plan_ttft_checked_s(sla, pt) / sla->ttft_s,
		    perf_tpot_at(pt, sla->tpot_stat) / sla->tpot_s);
}

/* The objectives' words (option, campaign field, best.json) and what each
 * ranks by, in a sentence; indexed by enum plan_objective. */
static const struct {
	const char *name, *desc;
} objectives[] = {
    [PLAN_PER_GPU] = {"per-gpu", "tokens/s per GPU used"},
    [PLAN_TOTAL] = {"total", "total tokens/s within the budget"},
    [PLAN_USERS] = {"users", "concurrent users within the SLAs"},
};
#define N_OBJECTIVES (sizeof objectives / sizeof objectives[0])

const char *plan_objective_name(enum plan_objective o)
{
	return (size_t)o < N_OBJECTIVES ? objectives[o].name : "per-gpu";
}

const char *plan_objective_desc(enum plan_objective o)
{
	return (size_t)o < N_OBJECTIVES ? objectives[o].desc
					: objectives[PLAN_PER_GPU].desc;
}

int plan_objective_parse(const char *s, enum plan_objective *o)
{
	for (size_t i = 0; i < N_OBJECTIVES; i++)
		if (!strcmp(s, objectives[i].name)) {
			*o = (enum plan_objective)i;
			return 0;
		}
	return -1;
}

void plan_miss_offer(struct plan_miss *m, const struct plan_sla *sla,
		     const struct plan_config *c)
{
	if (c->perf.oom || !isfinite(plan_violation(sla, &c->perf)))
		return;
	if (m->have_nearest && plan_violation(sla, &c->perf) >=
				   plan_violation(sla, &m->nearest.perf))
		return;
	m->nearest = *c;
	m->have_nearest = true;
	m->bind = plan_ttft_checked_s(sla, &c->perf) / sla->ttft_s >=
			  perf_tpot_at(&c->perf, sla->tpot_stat) / sla->tpot_s
		      ? PLAN_BIND_TTFT
		      : PLAN_BIND_TPOT;
}

/* The users whose projection decides whether n is feasible: n plus the
 * load margin, rounded to the nearest user (rounding up would make a
 * margin of 10% one of 33% at three users: one user more than the slots
 * queues a whole request). */
static long with_margin(long n, double margin)
{
	return margin > 0 ? lround((double)n * (1.0 + margin)) : n;
}

struct perf_load plan_probe_load(const struct plan_query *q, double n)
{
	struct perf_load ld = {
	    .kind = LOAD_CLOSED, .users = n, .draws = q->draws};
	if (!q->exhaustive) {
		ld.quick = true;
		ld.rounds = PLAN_SCREEN_ROUNDS;
	}
	return ld;
}

/* plan_max_concurrency with the gallop's first step given (0: a sixteenth
 * of the hint). */
static int max_concurrency(plan_probe_fn probe, const void *ctx, long n_max,
			   long hint, long step0, double margin,
			   struct plan_config *out, long *evals,
			   struct sc_err *e)
{
	struct plan_config cur;
	long lo = 0, hi = n_max + 1; /* lo feasible (or 0), hi infeasible */
	int rc;
#define PROBE(n)                                                               \
	do {                                                                   \
		if ((rc = probe(ctx, with_margin((n), margin), &cur, e)) !=    \
		    SC_OK)                                                     \
			return rc;                                             \
		(*evals)++;                                                    \
		if (cur.feasible || (n) == 1)                                  \
			*out = cur;                                            \
	} while (0)
	if (hint >= 1 && hint <= n_max) {
		long step = step0 > 0 ? step0 : hint / 16 > 0 ? hint / 16 : 1;
		PROBE(hint);
		if (cur.feasible) {
			lo = hint;
			while (lo + step <= n_max) {
				PROBE(lo + step);
				if (!cur.feasible) {
					hi = lo + step;
					break;
				}
				lo += step;
				step *= 2;
			}
		} else {
			hi = hint;
			while (hi - step >= 1) {
				PROBE(hi - step);
				if (cur.feasible) {
					lo = hi - step;
					break;
				}
				hi -= step;
				step *= 2;
			}
		}
	}
	struct plan_config keep = *out;
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		PROBE(mid);
		if (cur.feasible) {
			lo = mid;
			keep = cur;
		} else {
			hi = mid;
		}
	}
#undef PROBE
	if (lo >= 1)
		*out = keep;
	if (margin > 0) {
		/* Feasibility was judged with the margin; what is reported
		 * is the projection at the users recommended. */
		long n = lo >= 1 ? lo : 1;
		bool ok = lo >= 1 && out->feasible;
		if ((rc = probe(ctx, n, out, e)) != SC_OK)
			return rc;
		(*evals)++;
		out->feasible = ok && out->feasible;
	}
	return SC_OK;
}

int plan_max_concurrency(plan_probe_fn probe, const void *ctx, long n_max,
			 long hint, double margin, struct plan_config *out,
			 long *evals, struct sc_err *e)
{
	return max_concurrency(probe, ctx, n_max, hint, 0, margin, out, evals,
			       e);
}

int plan_max_concurrency_near(plan_probe_fn probe, const void *ctx, long n_max,
			      long hint, double margin, struct plan_config *out,
			      long *evals, struct sc_err *e)
{
	return max_concurrency(probe, ctx, n_max, hint, 1, margin, out, evals,
			       e);
}

static int cmp_rel(double a, double b)
{
	double tol = 1e-12 * fmax(fabs(a), fabs(b));
	return a > b + tol ? 1 : b > a + tol ? -1 : 0;
}

bool plan_config_better(const struct plan_config *a,
			const struct plan_config *b, enum plan_objective o)
{
	int c = 0;
	if (o == PLAN_USERS)
		c = cmp_rel(a->concurrency, b->concurrency);
	if (c)
		return c > 0;
	if (o != PLAN_PER_GPU) {
		c = cmp_rel(a->perf.tokens_per_s, b->perf.tokens_per_s);
		if (!c)
			c = cmp_rel(a->perf.tokens_per_s_per_gpu,
				    b->perf.tokens_per_s_per_gpu);
	} else {
		c = cmp_rel(a->perf.tokens_per_s_per_gpu,
			    b->perf.tokens_per_s_per_gpu);
		if (!c)
			c = cmp_rel(a->perf.tokens_per_s, b->perf.tokens_per_s);
	}
	if (!c)
		c = cmp_rel(a->perf.tokens_per_s_per_user,
			    b->perf.tokens_per_s_per_user);
	if (!c)
		c = a->gpus < b->gpus ? 1 : a->gpus > b->gpus ? -1 : 0;
	return c > 0;
}

static int cmp_config(const void *x, const void *y, void *ctx)
{
	const struct plan_config *a = x, *b = y;
	enum plan_objective o = *(const enum plan_objective *)ctx;
	if (plan_config_better(a, b, o))
		return -1;
	if (plan_config_better(b, a, o))
		return 1;
	return 0;
}

/* Equal within 0.1%: below what a model of serving can tell apart. */
static bool near(double a, double b)
{
	return fabs(a - b) <= 1e-3 * fmax(fabs(a), fabs(b));
}

/* Same workers (shapes, counts, token budgets) and the same predicted
 * operating point: configs that differ only in a batch cap the load never
 * reaches. */
static bool same_effect(const struct plan_config *a,
			const struct plan_config *b)
{
	if (a->mode != b->mode || a->concurrency != b->concurrency)
		return false;
	size_t ng = a->mode == DEPLOY_AGG ? 1 : 2;
	for (size_t i = 0; i < ng; i++) {
		const struct worker_spec *x = &a->w[i], *y = &b->w[i];
		if (x->count != y->count ||
		    memcmp(&x->shape, &y->shape, sizeof x->shape) ||
		    (i == 0 && x->max_num_tokens != y->max_num_tokens))
			return false;
	}
	return near(a->perf.tokens_per_s_per_gpu,
		    b->perf.tokens_per_s_per_gpu) &&
	       near(a->perf.ttft_s, b->perf.ttft_s) &&
	       near(a->perf.tpot_s, b->perf.tpot_s);
}

static long batch_sum(const struct plan_config *c)
{
	return c->w[0].max_batch +
	       (c->mode == DEPLOY_AGG ? 0 : c->w[1].max_batch);
}

/* Drops duplicates of the same effect from a sorted list, keeping the one
 * with the smallest batch caps; equal-effect configs sort next to each
 * other because their tokens/s/gpu are (nearly) equal. */
static size_t dedupe(struct plan_config *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool dup = false;
		for (size_t j = k; j-- > 0;) {
			if (!near(v[j].perf.tokens_per_s_per_gpu,
				  v[i].perf.tokens_per_s_per_gpu))
				break;
			if (same_effect(&v[j], &v[i])) {
				if (batch_sum(&v[i]) < batch_sum(&v[j]))
					v[j] = v[i];
				dup = true;
				break;
			}
		}
		if (!dup)
			v[k++] = v[i];
	}
	return k;
}

/* cfg projected with the full average of simulated runs. */
static int project_full(const struct plan_query *q, struct plan_config *cfg,
			struct sc_err *e)
{
	struct model_ctx c;
	plan_ctx(q, &c);
	struct perf_load ld = {
	    .kind = LOAD_CLOSED, .users = cfg->concurrency, .draws = q->draws};
	int rc = cfg->mode == DEPLOY_AGG
		     ? perf_agg_at(&c, &cfg->w[0], cfg->w[0].count, &q->wl, &ld,
				   &cfg->perf, e)
		     : perf_disagg_at(&c, &cfg->w[0], cfg->w[0].count,
				      &cfg->w[1], cfg->w[1].count, &q->link,
				      &q->wl, &ld, &cfg->perf, e);
	if (rc == SC_OK)
		cfg->feasible = plan_meets_sla(&q->sla, &cfg->perf);
	return rc;
}

struct full_probe {
	const struct plan_query *q;
	const struct plan_config *cfg; /* workers filled in */
};

static int full_probe(const void *ctx, long n, struct plan_config *out,
		      struct sc_err *e)
{
	const struct full_probe *f = ctx;
	*out = *f->cfg;
	out->concurrency = (double)n;
	return project_full(f->q, out, e);
}

/* cfg at the largest concurrency the full projection finds feasible,
 * searched from the screening's. */
static int refine_one(const struct plan_query *q, struct plan_config *cfg,
		      long *evals, struct sc_err *e)
{
	long n_max = cfg->w[0].count * cfg->w[0].max_batch;
	if (cfg->mode != DEPLOY_AGG)
		n_max += cfg->w[1].count * cfg->w[1].max_batch;
	struct plan_config shape = *cfg;
	struct full_probe f = {q, &shape};
	return plan_max_concurrency_near(full_probe, &f, n_max,
					 (long)cfg->concurrency,
					 q->sla.load_margin, cfg, evals, e);
}

int plan_finish_mode(const struct plan_query *q, struct plan_list *l,
		     struct plan_mode_result *r, bool refine, struct sc_err *e)
{
	r->cfg = l->v;
	r->n = l->n;
	r->front = NULL;
	r->n_front = 0;
	if (!r->n)
		return SC_OK;
	enum plan_objective obj = q->objective;
	qsort_r(r->cfg, r->n, sizeof *r->cfg, cmp_config, &obj);
	r->n = dedupe(r->cfg, r->n);
	if (refine && !q->exhaustive) {
		/* A configuration that the full projection finds feasible at
		 * no concurrency leaves the list. Past the top ones, every
		 * configuration whose screening still beats the best refined
		 * one (or every one while none refined is feasible) is
		 * refined too (the list is in screening order), up to
		 * PLAN_REFINE_MAX. */
		size_t kept = 0, refined = 0;
		struct plan_config best;
		bool have_best = false;
		for (size_t i = 0; i < r->n; i++) {
			if (refined < PLAN_REFINE_TOP ||
			    (refined < PLAN_REFINE_MAX &&
			     (!have_best ||
			      plan_config_better(&r->cfg[i], &best, obj)))) {
				int rc =
				    refine_one(q, &r->cfg[i], &r->evaluated, e);
				if (rc)
					return rc;
				refined++;
				if (!r->cfg[i].feasible)
					continue;
				if (!have_best ||
				    plan_config_better(&r->cfg[i], &best, obj))
					best = r->cfg[i];
				have_best = true;
			}
			r->cfg[kept++] = r->cfg[i];
		}
		r->n = kept;
		qsort_r(r->cfg, r->n, sizeof *r->cfg, cmp_config, &obj);
		/* Refined configurations can land on one operating point. */
		r->n = dedupe(r->cfg, r->n);
		if (!r->n)
			return SC_OK;
	}
	double *a = xmalloc(r->n * sizeof *a), *b = xmalloc(r->n * sizeof *b);
	for (size_t i = 0; i < r->n; i++) {
		a[i] = r->cfg[i].perf.tokens_per_s_per_user;
		b[i] = r->cfg[i].perf.tokens_per_s_per_gpu;
	}
	r->front = xmalloc(r->n * sizeof *r->front);
	r->n_front = pareto_front(a, b, r->n, r->front);
	free(a);
	free(b);
	return SC_OK;
}

void plan_shape_name(const struct worker_shape *s, char *buf, size_t len)
{
	int k = snprintf(buf, len, "tp%ld", s->tp);
	if (s->pp > 1 && k >= 0 && (size_t)k < len)
		k += snprintf(buf + k, len - k, "pp%ld", s->pp);
	if (s->dp > 1 && k >= 0 && (size_t)k < len)
		k += snprintf(buf + k, len - k, "dp%ld", s->dp);
	if (s->ep > 1 && k >= 0 && (size_t)k < len)
		snprintf(buf + k, len - k, "ep%ld", s->ep);
}

void plan_config_name(const struct plan_config *cfg, char *buf, size_t len)
{
	/* One notation for CSVs, best.json, the report and the plots:
	 * parallelism in capitals, what limits a worker in words. */
	char sh[2][64];
	size_t ng = cfg->mode == DEPLOY_AGG ? 1 : 2;
	for (size_t g = 0; g < ng; g++) {
		/* "tp1dp8ep4" -> "TP1 DP8 EP4" */
		char low[48];
		size_t k = 0;
		plan_shape_name(&cfg->w[g].shape, low, sizeof low);
		for (const char *p = low; *p && k + 2 < sizeof sh[g]; p++) {
			if (*p >= 'a' && *p <= 'z' && p > low && p[-1] >= '0' &&
			    p[-1] <= '9')
				sh[g][k++] = ' ';
			sh[g][k++] = *p >= 'a' && *p <= 'z'
					 ? (char)(*p - 'a' + 'A')
					 : *p;
		}
		sh[g][k] = '\0';
	}
	const struct worker_spec *a = &cfg->w[0], *b = &cfg->w[1];
	if (cfg->mode == DEPLOY_AGG) {
		snprintf(buf, len, "%ldx %s (batch %ld, %ld tokens)", a->count,
			 sh[0], a->max_batch, a->max_num_tokens);
		return;
	}
	int k = snprintf(buf, len, "%ldP %s (batch %ld) + %ldD %s (batch %ld)",
			 a->count, sh[0], a->max_batch, b->count, sh[1],
			 b->max_batch);
	/* Replicated units route requests apart: say how it is split. */
	if (cfg->replicas > 1 && k >= 0 && (size_t)k < len)
		snprintf(buf + k, len - (size_t)k, " as %ldx %ldP%ldD",
			 cfg->replicas, cfg->unit_x, cfg->unit_y);
}

void plan_config_deploy(const struct plan_query *q,
			const struct plan_config *cfg, const char *name,
			struct deploy_spec *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->name, sizeof d->name, "%s", name);
	snprintf(d->backend, sizeof d->backend, "%s", q->backend);
	snprintf(d->model_ref, sizeof d->model_ref, "%s", q->model_ref);
	snprintf(d->gpu_ref, sizeof d->gpu_ref, "%s", q->gpu_ref);
	d->model = *q->m;
	d->gpu = *q->g;
	d->wdtype = q->wdtype;
	d->kvdtype = q->kvdtype;
	d->mode = cfg->mode;
	d->n_groups = cfg->mode == DEPLOY_AGG ? 1 : 2;
	for (size_t i = 0; i < d->n_groups; i++)
		d->groups[i] = cfg->w[i];
	d->link = q->link;
	/* The scheduler the projection assumed, written out so the file
	 * projects the same. */
	d->sched = cfg->w[0].sched;
	d->sched_given = true;
	d->emulator = NULL;
}

void plan_result_release(struct plan_result *r)
{
	free(r->agg.cfg);
	free(r->agg.front);
	free(r->disagg.cfg);
	free(r->disagg.front);
	memset(r, 0, sizeof *r);
}
