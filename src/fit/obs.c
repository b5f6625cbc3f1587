/* Observations for calibration, read from bench result directories. */
#include "fit/obs.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonio.h"
#include "util/xalloc.h"

const struct obs_metric_info obs_metrics[OM_COUNT] = {
	[OM_TTFT] = {"ttft_ms", "TTFT mean", 0.03},
	[OM_TTFT_P90] = {"ttft_p90_ms", "TTFT p90", 0.05},
	[OM_TPOT] = {"tpot_ms", "TPOT mean", 0.02},
	[OM_TPS] = {"tokens_per_s", "throughput", 0.02},
	/* A small difference of two times: weighted loosely. */
	[OM_OUTSIDE] = {"ttft_outside_engine_ms", "TTFT outside the engine",
			0.15},
};

size_t obs_add_deploy(struct obs_set *s, const struct deploy_spec *d,
		      const char *dir)
{
	s->deploys = xrealloc(s->deploys, (s->n_deploys + 1) * sizeof *s->deploys);
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

/* STATS object field, or NAN when absent. */
static double stat(const cJSON *j, const char *obj, const char *key)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, obj);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double rel_se(double mean, double std, double n)
{
	if (!(mean > 0) || !(n > 0) || !isfinite(std))
		return 0;
	return std / mean / sqrt(n);
}

/* One level's summary.json -> point. Returns 1 when it has no successful
 * request (skipped), 0 on success, negative on bad input. */
static int read_level(const char *path, size_t deploy, double def_isl,
		      double def_osl, struct obs_point *p, struct sc_err *e)
{
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	int rc = SC_OK;
	memset(p, 0, sizeof *p);
	p->deploy = deploy;
	double ok = stat(j, "requests", "ok");
	double conc;
	if ((rc = jsonio_pos(j, "concurrency", true, 0, &conc, path, e)))
		goto out;
	p->concurrency = conc;
	if (!(ok > 0)) {
		rc = 1;
		goto out;
	}
	double isl = stat(j, "input_tokens", "mean");
	double osl = stat(j, "output_tokens", "mean");
	p->wl.isl = isl > 0 ? isl : def_isl;
	p->wl.osl = osl > 1 ? osl : def_osl;
	double ttft = stat(j, "ttft_ms", "mean"), ttft90 = stat(j, "ttft_ms", "p90");
	double tpot = stat(j, "tpot_ms", "mean");
	double tps = stat(j, "throughput", "output_tokens_per_s");
	if (!(ttft > 0) || !(tpot > 0) || !(tps > 0)) {
		rc = sc_err_set(e, SC_EINPUT,
				"%s: needs ttft_ms.mean, tpot_ms.mean and throughput.output_tokens_per_s > 0",
				path);
		goto out;
	}
	double n = stat(j, "ttft_ms", "n");
	/* The projection runs the level as it was run: the throughput of
	 * a finite closed-loop window depends on how many requests it had. */
	double total = stat(j, "requests", "total");
	double warm = stat(j, "requests", "warmup");
	if (total > 0 && warm >= 0 && total - warm >= 1 && total < 1e6) {
		p->requests = (long)(total - warm);
		p->warmup = warm > 0 ? (long)warm : PERF_NO_WARMUP;
	}
	p->value[OM_TTFT] = ttft * 1e-3;
	p->value[OM_TTFT_P90] = ttft90 > 0 ? ttft90 * 1e-3 : 0;
	p->value[OM_TPOT] = tpot * 1e-3;
	p->value[OM_TPS] = tps;
	double outside = stat(j, "ttft_client_minus_server_ms", "mean");
	p->value[OM_OUTSIDE] = outside > 0 ? outside * 1e-3 : 0;
	p->rel_se[OM_TTFT] = rel_se(ttft, stat(j, "ttft_ms", "std"), n);
	/* The p90 of n samples scatters about 1.7x as much as their mean
	 * for near-normal data. */
	p->rel_se[OM_TTFT_P90] = 1.7 * p->rel_se[OM_TTFT];
	p->rel_se[OM_TPOT] = rel_se(tpot, stat(j, "tpot_ms", "std"),
				    stat(j, "tpot_ms", "n"));
	p->rel_se[OM_TPS] = 0;
	p->rel_se[OM_OUTSIDE] =
		rel_se(outside, stat(j, "ttft_client_minus_server_ms", "std"),
		       stat(j, "ttft_client_minus_server_ms", "n"));
out:
	cJSON_Delete(j);
	return rc;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int obs_add_dir(struct obs_set *s, const char *dir, const char *override,
		size_t *skipped, struct sc_err *e)
{
	char path[4096];
	struct deploy_spec d;
	int rc;
	DIR *probe = opendir(dir);
	if (!probe)
		return sc_err_set(e, SC_EINPUT, "%s: cannot open results directory",
				  dir);
	closedir(probe);
	if (override) {
		rc = deploy_load(override, &d, e);
	} else {
		snprintf(path, sizeof path, "%s/deployment.json", dir);
		rc = deploy_load(path, &d, e);
		if (rc && strstr(e->msg, "cannot open"))
			sc_err_set(e, SC_EINPUT,
				   "%s: no deployment.json (results imported from another tool?): pass --deployment FILE",
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
		return sc_err_set(e, SC_EINPUT, "%s: cannot open results directory",
				  dir);
	}
	/* Levels in concurrency order, so splits and tables are stable; the
	 * directory names are kept as found rather than printed again. */
	struct level {
		double c;
		char name[64];
	} *levels = NULL;
	size_t nl = 0, cap = 0, open_levels = 0;
	struct dirent *de;
	while ((de = readdir(dh))) {
		char *end;
		if (de->d_name[0] == 'r' && strtod(de->d_name + 1, &end) > 0 && !*end)
			open_levels++; /* open loop: the model is closed-loop */
		if (de->d_name[0] != 'c' || strlen(de->d_name) >= sizeof levels->name)
			continue;
		double c = strtod(de->d_name + 1, &end);
		if (end == de->d_name + 1 || *end || !(c > 0))
			continue;
		levels = xgrow(levels, &cap, nl + 1, sizeof *levels);
		levels[nl].c = c;
		snprintf(levels[nl].name, sizeof levels[nl].name, "%s", de->d_name);
		nl++;
	}
	closedir(dh);
	if (nl) /* c is the first member */
		qsort(levels, nl, sizeof levels[0], cmp_dbl);
	size_t idx = obs_add_deploy(s, &d, dir);
	deploy_release(&d); /* the set keeps a copy without the truth */
	size_t added = 0;
	rc = SC_OK;
	for (size_t i = 0; i < nl && rc == SC_OK; i++) {
		snprintf(path, sizeof path, "%s/%s/summary.json", dir, levels[i].name);
		struct obs_point p;
		int r = read_level(path, idx, isl, osl, &p, e);
		if (r == 1) {
			if (skipped)
				(*skipped)++;
		} else if (r == SC_OK) {
			obs_add_point(s, &p);
			added++;
		} else if (e && strstr(e->msg, "cannot open")) {
			/* A level still running or interrupted: no summary. */
			if (skipped)
				(*skipped)++;
		} else {
			rc = r;
		}
	}
	free(levels);
	if (skipped)
		*skipped += open_levels;
	if (rc == SC_OK && added == 0 && open_levels)
		rc = sc_err_set(e, SC_EINPUT,
				"%s: only open-loop levels (rR/): the model is fitted to closed-loop concurrency sweeps (bench --concurrency)",
				dir);
	else if (rc == SC_OK && added == 0)
		rc = sc_err_set(e, SC_EINPUT,
				"%s: no concurrency level with a successful request (every request failed, or no cN/summary.json)",
				dir);
	return rc;
}

int obs_check(const struct obs_set *s, struct sc_err *e)
{
	if (s->n_deploys == 0 || s->n_points < 2)
		return sc_err_set(e, SC_EINPUT,
				  "need at least two measured points to fit, have %zu",
				  s->n_points);
	const struct deploy_spec *d0 = &s->deploys[0];
	for (size_t i = 1; i < s->n_deploys; i++) {
		const struct deploy_spec *d = &s->deploys[i];
		if (strcmp(d->model.name, d0->model.name) ||
		    strcmp(d->gpu.name, d0->gpu.name) ||
		    strcmp(d->backend, d0->backend))
			return sc_err_set(e, SC_EINPUT,
					  "%s is %s on %s (%s) but %s is %s on %s (%s): fit one model, GPU and backend at a time",
					  s->deploy_dirs[i], d->model.name,
					  d->gpu.name, d->backend,
					  s->deploy_dirs[0], d0->model.name,
					  d0->gpu.name, d0->backend);
	}
	bool several = false;
	for (size_t i = 0; i < s->n_points; i++) {
		const struct obs_point *p = &s->points[i];
		for (int m = 0; m < OM_COUNT; m++)
			if (!isfinite(p->value[m]) || p->value[m] < 0)
				return sc_err_set(e, SC_EINPUT,
						  "%s: concurrency %g: %s is not a finite number",
						  s->deploy_dirs[p->deploy],
						  p->concurrency, obs_metrics[m].key);
		several |= p->concurrency != s->points[0].concurrency ||
			   p->deploy != s->points[0].deploy;
	}
	if (!several)
		return sc_err_set(e, SC_EINPUT,
				  "all points are at one concurrency level of one deployment: the queueing and batch terms cannot be separated; sweep several levels");
	return SC_OK;
}

int obs_project(const struct obs_set *s, const struct obs_point *p,
		const struct model_params *params, double out[OM_COUNT],
		struct sc_err *e)
{
	struct perf_point pt;
	struct perf_load ld = {.kind = LOAD_CLOSED,
			       .users = p->concurrency,
			       .requests = p->requests,
			       .warmup = p->warmup};
	int rc = perf_deploy_at(&s->deploys[p->deploy], params, &p->wl, &ld,
				&pt, e);
	if (rc)
		return rc;
	out[OM_TTFT] = pt.ttft_s;
	out[OM_TTFT_P90] = pt.ttft_p90_s;
	out[OM_TPOT] = pt.tpot_s;
	out[OM_TPS] = pt.tokens_per_s;
	out[OM_OUTSIDE] = pt.outside_s;
	return SC_OK;
}
