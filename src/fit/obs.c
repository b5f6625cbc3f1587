/* Observations for calibration, read from bench result directories. */
#include "fit/obs.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/level.h"
#include "metrics/summary.h"
#include "model/memory.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

const struct obs_metric_info obs_metrics[OM_COUNT] = {
    [OM_TTFT] = {"ttft_ms", "TTFT mean", 1e3, 0.03},
    [OM_TTFT_P90] = {"ttft_p90_ms", "TTFT p90", 1e3, 0.05},
    [OM_TPOT] = {"tpot_ms", "TPOT mean", 1e3, 0.02},
    [OM_TPS] = {"tokens_per_s", "throughput", 1.0, 0.02},
    /* A small difference of two times: weighted loosely. */
    [OM_OUTSIDE] = {"ttft_outside_engine_ms", "TTFT outside the engine", 1e3,
		    0.15},
    [OM_TTFT_P50] = {"ttft_p50_ms", "TTFT p50", 1e3, 0.04},
    [OM_TPOT_P50] = {"tpot_p50_ms", "TPOT p50", 1e3, 0.03},
    [OM_INPUT_TPS] = {"input_tokens_per_s", "prompt throughput", 1.0, 0.02},
    /* A tail: one collision more or less moves it by a prompt time. */
    [OM_TTFT_P99] = {"ttft_p99_ms", "TTFT p99", 1e3, 0.08},
    [OM_TPOT_P90] = {"tpot_p90_ms", "TPOT p90", 1e3, 0.03},
};

size_t obs_add_deploy(struct obs_set *s, const struct deploy_spec *d,
		      const char *dir)
{
	s->deploys =
	    xrealloc(s->deploys, (s->n_deploys + 1) * sizeof *s->deploys);
	s->deploy_dirs = xrealloc(s->deploy_dirs,
				  (s->n_deploys + 1) * sizeof *s->deploy_dirs);
	s->deploys[s->n_deploys] = *d;
	if (d->emulator) /* the fitter never needs the ground truth */
		s->deploys[s->n_deploys].emulator = NULL;
	s->deploy_dirs[s->n_deploys] = xstrdup(dir ? dir : "");
	return s->n_deploys++;
}

void obs_add_point(struct obs_set *s, const struct obs_point *p)
{
	s->points = xrealloc(s->points, (s->n_points + 1) * sizeof *s->points);
	s->points[s->n_points++] = *p;
}

void obs_release(struct obs_set *s)
{
	for (size_t i = 0; i < s->n_deploys; i++)
		free(s->deploy_dirs[i]);
	free(s->deploys);
	free(s->deploy_dirs);
	free(s->points);
	memset(s, 0, sizeof *s);
}

static double rel_se(double mean, double std, double n)
{
	if (!(mean > 0) || !(n > 0) || !isfinite(std))
		return 0;
	return std / mean / sqrt(n);
}

/* The level's load: an import's "load" object (metrics/table.h), else
 * what bench writes, a concurrency (closed loop) or a request rate (open
 * loop). Returns 0, or SC_EINPUT for neither or a value out of range. */
static int level_load(const struct table_load_info *tl, bool imported,
		      const struct level_info *li, const char *path,
		      struct obs_point *p, struct sc_err *e)
{
	double users = tl->users, rate = tl->rate_per_s;
	p->load = imported	  ? tl->kind
		  : li->open_loop ? TABLE_OPEN
				  : TABLE_CLOSED;
	p->iter_tokens = tl->tokens_per_iteration;
	if (isnan(users))
		users = (double)li->concurrency;
	if (isnan(rate))
		rate = li->open_loop ? li->rate_per_s : NAN;
	if (p->load == TABLE_CLOSED || p->load == TABLE_DECODE_ONLY) {
		if (!(users >= 1 && users <= (double)NUM_CONC_MAX))
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'concurrency': must be a "
					  "count of users in [1, %ld]",
					  path, NUM_CONC_MAX);
		p->concurrency = users;
	} else if (p->load == TABLE_OPEN) {
		if (!(rate >= NUM_RATE_MIN_PER_S && rate <= NUM_RATE_MAX_PER_S))
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'request_rate': must be "
					  "in [%g, %g] per s",
					  path, NUM_RATE_MIN_PER_S,
					  NUM_RATE_MAX_PER_S);
		p->rate_per_s = rate;
	}
	return SC_OK;
}

/* One level's summary.json (metrics/summary.h, plus an import's "load")
 * -> point. Returns 1 when it cannot be fitted (no successful request, no
 * input or output length, no fitted metric: skipped), 0 on success,
 * negative on bad input. */
static int read_level(const char *path, size_t deploy, double def_isl,
		      double def_osl, struct obs_point *p, struct sc_err *e)
{
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	memset(p, 0, sizeof *p);
	p->deploy = deploy;
	struct table_load_info tl;
	struct level_summary s;
	struct level_info li;
	int rc = table_load_from_json(j, path, &tl, e);
	bool imported = rc == SC_OK;
	if (rc < 0 ||
	    (rc = imported ? summary_body_from_json(j, path, &s, &li, e)
			   : summary_from_json(j, path, &s, &li, e)) ||
	    (rc = level_load(&tl, imported, &li, path, p, e))) {
		cJSON_Delete(j);
		return rc;
	}
	cJSON_Delete(j);
	/* Every request failed, or a level stopped before its first: nothing
	 * to fit. (A table that states no request count gives none.) */
	if ((s.total > 0 && s.ok == 0) || (!li.complete && s.total == 0))
		return 1;
	double isl = s.input_tokens.mean, osl = s.output_tokens.mean;
	if (!(isl > 0))
		isl = li.isl;
	if (!(osl > 0))
		osl = li.osl;
	p->wl.isl = isl > 0 ? isl : def_isl;
	p->wl.osl = osl > 1 ? osl : def_osl;
	/* A pool alone: a prompt's output is its first token; a decode
	 * batch's context is what was stated. */
	if (p->load == TABLE_PREFILL_ONLY ||
	    (p->load == TABLE_DECODE_ONLY && !(p->wl.osl >= 1)))
		p->wl.osl = 1;
	if (!(p->wl.isl >= 1 && p->wl.isl <= (double)NUM_TOKENS_MAX) ||
	    !(p->wl.osl >= 1 && p->wl.osl <= (double)NUM_TOKENS_MAX))
		return 1;
	const struct stats *ttft = &s.ttft_ms;
	/* The mean ITL is the mean gap between output tokens too. */
	const struct stats *tpot = s.tpot_ms.mean > 0 ? &s.tpot_ms : &s.itl_ms;
	/* Medians are fitted where a source gives no mean (SGLang's
	 * published tables), never beside it. */
	double ttft50 = ttft->mean > 0 ? NAN : ttft->p50;
	double tpot50 = tpot->mean > 0 ? NAN : s.tpot_ms.p50;
	double n = (double)ttft->n;
	double ttft99 = n >= OBS_MIN_N_P99 ? ttft->p99 : NAN;
	/* The projection runs the level as it was run: the throughput of
	 * a finite closed-loop window depends on how many requests it had. */
	if (s.total > s.warmup && s.total < 1000000) {
		p->requests = (long)(s.total - s.warmup);
		p->warmup = s.warmup > 0 ? (long)s.warmup : PERF_NO_WARMUP;
	}
	const struct stats *out = &s.ttft_client_minus_server_ms;
	const struct {
		int m;
		double v, scale;
	} vals[] = {
	    {OM_TTFT, ttft->mean, 1e-3},
	    {OM_TTFT_P90, ttft->p90, 1e-3},
	    {OM_TPOT, tpot->mean, 1e-3},
	    {OM_TPS, s.output_tokens_per_s, 1.0},
	    {OM_OUTSIDE, out->mean, 1e-3},
	    {OM_TTFT_P50, ttft50, 1e-3},
	    {OM_TPOT_P50, tpot50, 1e-3},
	    {OM_INPUT_TPS, s.input_tokens_per_s, 1.0},
	    {OM_TTFT_P99, ttft99, 1e-3},
	    {OM_TPOT_P90, s.tpot_ms.p90, 1e-3},
	};
	bool any = false;
	for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
		double v = vals[i].v > 0 && isfinite(vals[i].v)
			       ? vals[i].v * vals[i].scale
			       : 0;
		p->value[vals[i].m] = v;
		any |= v > 0 && vals[i].m != OM_OUTSIDE;
	}
	if (!any)
		return sc_err_set(e, SC_EINPUT,
				  "%s: no fitted metric (ttft_ms mean, p50 or "
				  "p90, tpot_ms or itl_ms mean, tpot_ms p50, "
				  "throughput output or input tokens per s)",
				  path);
	p->rel_se[OM_TTFT] = rel_se(ttft->mean, ttft->std, n);
	/* The p90 of n samples scatters about 1.7x as much as their mean
	 * for near-normal data, the median about 1.25x. */
	p->rel_se[OM_TTFT_P90] = 1.7 * p->rel_se[OM_TTFT];
	p->rel_se[OM_TTFT_P50] = 1.25 * p->rel_se[OM_TTFT];
	p->rel_se[OM_TPOT] = rel_se(tpot->mean, tpot->std, (double)tpot->n);
	p->rel_se[OM_TPOT_P50] = 1.25 * p->rel_se[OM_TPOT];
	/* The p99 about 3.7x (normal data: sqrt(0.99 * 0.01) over the
	 * density at the 99th percentile). */
	p->rel_se[OM_TTFT_P99] = 3.7 * p->rel_se[OM_TTFT];
	p->rel_se[OM_TPOT_P90] = 1.7 * p->rel_se[OM_TPOT];
	p->rel_se[OM_TPS] = 0;
	p->rel_se[OM_INPUT_TPS] = 0;
	p->rel_se[OM_OUTSIDE] = rel_se(out->mean, out->std, (double)out->n);
	return SC_OK;
}

/* Where a point's load sits among its deployment's: kinds in the order
 * of enum table_load, then users, rate or prompt length. */
static double load_value(const struct obs_point *p)
{
	switch (p->load) {
	case TABLE_CLOSED:
	case TABLE_DECODE_ONLY:
		return p->concurrency;
	case TABLE_OPEN:
		return p->rate_per_s;
	default:
		return p->wl.isl;
	}
}

static int cmp3(double a, double b)
{
	return (a > b) - (a < b);
}

int obs_point_cmp(const struct obs_point *a, const struct obs_point *b)
{
	int c;
	if ((c = cmp3((double)a->load, (double)b->load)) ||
	    (c = cmp3(load_value(a), load_value(b))) ||
	    (c = cmp3(a->wl.isl, b->wl.isl)) ||
	    (c = cmp3(a->wl.osl, b->wl.osl)))
		return c;
	return strcmp(a->level, b->level);
}

static int cmp_point(const void *a, const void *b)
{
	return obs_point_cmp(a, b);
}

/* A level directory name bench writes (load/results.h). */
static bool bench_level_name(const char *s)
{
	bool open;
	double level;
	return level_parse(s, &open, &level);
}

int obs_add_dir(struct obs_set *s, const char *dir, const char *override,
		size_t *skipped, struct sc_err *e)
{
	char path[4096];
	struct deploy_spec d;
	int rc;
	DIR *probe = opendir(dir);
	if (!probe)
		return sc_err_set(e, SC_EINPUT,
				  "%s: cannot open results directory", dir);
	closedir(probe);
	if (override) {
		rc = deploy_load(override, &d, e);
	} else {
		snprintf(path, sizeof path, "%s/deployment.json", dir);
		rc = deploy_load(path, &d, e);
		if (rc && e && e->sys_errno == ENOENT)
			sc_err_set(
			    e, SC_EINPUT,
			    "%s: no deployment.json (results imported from "
			    "another tool?): pass --deployment FILE",
			    dir);
	}
	if (rc) {
		deploy_release(&d);
		return rc;
	}
	double isl = 0, osl = 0;
	snprintf(path, sizeof path, "%s/run.json", dir);
	cJSON *run = jsonio_load_file(path, NULL);
	if (run) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(run, "isl");
		isl = cJSON_IsNumber(v) ? v->valuedouble : 0;
		v = cJSON_GetObjectItemCaseSensitive(run, "osl");
		osl = cJSON_IsNumber(v) ? v->valuedouble : 0;
		cJSON_Delete(run);
	}
	DIR *dh = opendir(dir);
	if (!dh) {
		deploy_release(&d);
		return sc_err_set(e, SC_EINPUT,
				  "%s: cannot open results directory", dir);
	}
	size_t idx = obs_add_deploy(s, &d, dir);
	deploy_release(&d); /* the set keeps a copy without the truth */
	/* Every level with a summary; the points are sorted by load below
	 * so splits and tables are stable. */
	struct obs_point *pts = NULL;
	size_t np = 0, cap = 0;
	struct dirent *de;
	rc = SC_OK;
	while (rc == SC_OK && (de = readdir(dh))) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= sizeof pts->level)
			continue;
		snprintf(path, sizeof path, "%s/%s/summary.json", dir,
			 de->d_name);
		if (access(path, F_OK)) {
			/* A level still running or interrupted has no summary;
			 * other directories are not levels. */
			if (bench_level_name(de->d_name) && skipped)
				(*skipped)++;
			continue;
		}
		struct obs_point p;
		int r = read_level(path, idx, isl, osl, &p, e);
		if (r == 1) {
			if (skipped)
				(*skipped)++;
		} else if (r == SC_OK) {
			snprintf(p.level, sizeof p.level, "%s", de->d_name);
			pts = xgrow(pts, &cap, np + 1, sizeof *pts);
			pts[np++] = p;
		} else {
			rc = r;
		}
	}
	closedir(dh);
	if (np)
		qsort(pts, np, sizeof *pts, cmp_point);
	for (size_t i = 0; rc == SC_OK && i < np; i++)
		obs_add_point(s, &pts[i]);
	free(pts);
	if (rc == SC_OK && np == 0)
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: no concurrency level with a successful request (every "
		    "request failed, or no cN/summary.json), nor any other "
		    "level with a fitted metric",
		    dir);
	return rc;
}

int obs_check(const struct obs_set *s, struct sc_err *e)
{
	if (s->n_deploys == 0 || s->n_points < 2)
		return sc_err_set(
		    e, SC_EINPUT,
		    "need at least two measured points to fit, have %zu",
		    s->n_points);
	const struct deploy_spec *d0 = &s->deploys[0];
	for (size_t i = 1; i < s->n_deploys; i++) {
		const struct deploy_spec *d = &s->deploys[i];
		if (strcmp(d->model.name, d0->model.name) ||
		    strcmp(d->gpu.name, d0->gpu.name) ||
		    strcmp(d->backend, d0->backend))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s is %s on %s (%s) but %s is %s on %s (%s): fit "
			    "one model, GPU and backend at a time",
			    s->deploy_dirs[i], d->model.name, d->gpu.name,
			    d->backend, s->deploy_dirs[0], d0->model.name,
			    d0->gpu.name, d0->backend);
	}
	bool several = false;
	for (size_t i = 0; i < s->n_points; i++) {
		const struct obs_point *p = &s->points[i];
		for (int m = 0; m < OM_COUNT; m++)
			if (!isfinite(p->value[m]) || p->value[m] < 0)
				return sc_err_set(
				    e, SC_EINPUT,
				    "%s: level %s: %s is not a finite number",
				    s->deploy_dirs[p->deploy], p->level,
				    obs_metrics[m].key);
		several |= p->deploy != s->points[0].deploy ||
			   obs_point_cmp(p, &s->points[0]) != 0;
	}
	if (!several)
		return sc_err_set(
		    e, SC_EINPUT,
		    "all points are at one concurrency level (or one load) of "
		    "one deployment: the queueing and batch terms cannot be "
		    "separated; sweep several levels");
	return SC_OK;
}

/* The worker group a pool measured alone ran on (agg when there is no
 * such role). */
static const struct worker_spec *pool_of(const struct deploy_spec *d,
					 enum worker_role r)
{
	const struct worker_spec *w = deploy_group(d, r);
	return w ? w : deploy_group(d, ROLE_AGG);
}

/* A prefill pool alone, saturated: every iteration carries a full token
 * budget of prompts. A decode pool alone: iterations at the stated batch
 * and context. Both straight from the step model, as no request waits. */
static int project_pool(const struct deploy_spec *d,
			const struct model_params *params,
			const struct obs_point *p, double out[OM_COUNT],
			struct sc_err *e)
{
	struct model_ctx c = {&d->model,  &d->gpu, d->wdtype,
			      d->kvdtype, params,  &d->sched};
	bool prefill = p->load == TABLE_PREFILL_ONLY;
	const struct worker_spec *w =
	    pool_of(d, prefill ? ROLE_PREFILL : ROLE_DECODE);
	int rc = model_ctx_check(&c, &w->shape, e);
	if (rc)
		return rc;
	double isl = p->wl.isl, workers = (double)w->count;
	struct mem_plan mp;
	if (prefill) {
		double budget = p->iter_tokens > 0 ? p->iter_tokens / workers
						   : (double)w->max_num_tokens;
		double reqs = floor(budget / isl);
		if (reqs < 1)
			reqs = 1;
		mem_plan_worker(&c, &w->shape, budget, isl, &mp);
		if (mp.oom)
			return sc_err_set(e, SC_ENOFIT,
					  "%s: a %g-token prompt does not fit "
					  "in the memory of a prefill worker",
					  d->name, isl);
		double t = step_prefill_s(&c, &w->shape, reqs, isl, budget);
		out[OM_INPUT_TPS] = workers * reqs * isl / t;
		return SC_OK;
	}
	double b = p->concurrency / workers;
	double ctx = isl + 0.5 * p->wl.osl;
	mem_plan_worker(&c, &w->shape, (double)w->max_num_tokens, ctx, &mp);
	if (mp.oom || (double)mp.max_batch_fit < b)
		return sc_err_set(
		    e, SC_ENOFIT,
		    "%s: a decode batch of %g at context %g does not fit: the "
		    "KV cache holds %ld such sequences a worker",
		    d->name, b, ctx, mp.max_batch_fit);
	double t = step_decode_s(&c, &w->shape, b, ctx);
	out[OM_TPOT] = out[OM_TPOT_P50] = out[OM_TPOT_P90] = t;
	out[OM_TPS] = workers * b / t;
	return SC_OK;
}

int obs_project(const struct obs_set *s, const struct obs_point *p,
		const struct model_params *params, double out[OM_COUNT],
		struct sc_err *e)
{
	for (int m = 0; m < OM_COUNT; m++)
		out[m] = NAN;
	const struct deploy_spec *d = &s->deploys[p->deploy];
	if (p->load == TABLE_PREFILL_ONLY || p->load == TABLE_DECODE_ONLY)
		return project_pool(d, params, p, out, e);
	struct perf_point pt;
	struct perf_load ld = {.requests = p->requests, .draws = s->draws};
	switch (p->load) {
	case TABLE_OPEN:
		ld.kind = LOAD_OPEN;
		ld.rate_per_s = p->rate_per_s;
		break;
	case TABLE_BURST:
		ld.kind = LOAD_BURST;
		break;
	default:
		ld.kind = LOAD_CLOSED;
		ld.users = p->concurrency;
		ld.warmup = p->warmup;
		break;
	}
	int rc = perf_deploy_at(d, params, &p->wl, &ld, &pt, e);
	if (rc)
		return rc;
	if (pt.oom)
		return sc_err_set(e, SC_ENOFIT,
				  "%s: does not fit in memory (the weights, or "
				  "not one sequence of %g tokens)",
				  d->name, p->wl.isl + p->wl.osl);
	bool endless = p->load == TABLE_OPEN && p->requests == 0 && pt.unstable;
	out[OM_TTFT] = endless ? INFINITY : pt.ttft_s;
	out[OM_TTFT_P50] = endless ? INFINITY : pt.ttft_p50_s;
	out[OM_TTFT_P90] = endless ? INFINITY : pt.ttft_p90_s;
	out[OM_TTFT_P99] = endless ? INFINITY : pt.ttft_p99_s;
	out[OM_OUTSIDE] = endless ? INFINITY : pt.outside_s;
	out[OM_TPOT] = pt.tpot_s;
	out[OM_TPOT_P50] = pt.tpot_p50_s;
	out[OM_TPOT_P90] = pt.tpot_p90_s;
	out[OM_TPS] = pt.tokens_per_s;
	out[OM_INPUT_TPS] = pt.tokens_per_s / p->wl.osl * p->wl.isl;
	return SC_OK;
}

int obs_override(struct obs_set *s, const char *model, const char *gpu,
		 const char *backend, struct sc_err *e)
{
	struct model_spec m;
	struct gpu_spec g;
	int rc;
	if (model && (rc = model_spec_load(model, &m, e)))
		return rc;
	if (gpu && (rc = gpu_spec_load(gpu, &g, e)))
		return rc;
	for (size_t i = 0; i < s->n_deploys; i++) {
		if (model)
			s->deploys[i].model = m;
		if (gpu)
			s->deploys[i].gpu = g;
		if (backend)
			snprintf(s->deploys[i].backend,
				 sizeof s->deploys[i].backend, "%s", backend);
	}
	return SC_OK;
}
