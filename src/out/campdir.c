/* Campaign directory reader: tolerant of missing pieces, strict about the
 * campaign file itself. */
#include "out/campdir.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/jsonio.h"
#include "util/xalloc.h"

static const char *const metric_keys[CAMPDIR_N_METRICS] = {
	"ttft_ms", "ttft_p90_ms", "tpot_ms", "tokens_per_s"};
static const char *const metric_labels[CAMPDIR_N_METRICS] = {
	"TTFT mean (ms)", "TTFT p90 (ms)", "TPOT mean (ms)", "throughput (tokens/s)"};

double campdir_metric(const struct campdir_metrics *m, int i)
{
	switch (i) {
	case 0: return m->ttft_ms;
	case 1: return m->ttft_p90_ms;
	case 2: return m->tpot_ms;
	case 3: return m->tokens_per_s;
	default: return NAN;
	}
}

const char *campdir_metric_key(int i)
{
	return i >= 0 && i < CAMPDIR_N_METRICS ? metric_keys[i] : "";
}

const char *campdir_metric_label(int i)
{
	return i >= 0 && i < CAMPDIR_N_METRICS ? metric_labels[i] : "";
}

static void note(struct campdir *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct campdir *c, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	c->notes = xrealloc(c->notes, (c->n_notes + 1) * sizeof *c->notes);
	c->notes[c->n_notes++] = xstrdup(buf);
}

static bool exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Number member or NAN (absent, null or not a number). */
static double num_or_nan(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static long long_or(const cJSON *o, const char *key, long def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : def;
}

static void str_copy(const cJSON *o, const char *key, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsString(v))
		snprintf(dst, n, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		snprintf(dst, n, "%g", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(dst, n, "%s", cJSON_IsTrue(v) ? "true" : "false");
	else
		dst[0] = '\0';
}

static void read_metrics(const cJSON *o, struct campdir_metrics *m)
{
	m->ttft_ms = num_or_nan(o, "ttft_ms");
	m->ttft_p90_ms = num_or_nan(o, "ttft_p90_ms");
	m->tpot_ms = num_or_nan(o, "tpot_ms");
	m->tokens_per_s = num_or_nan(o, "tokens_per_s");
}

static void read_stats(const cJSON *o, const char *key,
		       struct campdir_stats *s)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, key);
	s->n = num_or_nan(st, "n");
	s->mean = num_or_nan(st, "mean");
	s->std = num_or_nan(st, "std");
	s->min = num_or_nan(st, "min");
	s->p50 = num_or_nan(st, "p50");
	s->p90 = num_or_nan(st, "p90");
	s->p95 = num_or_nan(st, "p95");
	s->p99 = num_or_nan(st, "p99");
	s->max = num_or_nan(st, "max");
}

static int load_kv(const cJSON *obj, struct campdir_kv **out, size_t *n)
{
	const cJSON *it;
	size_t k = 0;
	cJSON_ArrayForEach(it, obj) k++;
	*out = xcalloc(k ? k : 1, sizeof **out);
	*n = 0;
	cJSON_ArrayForEach(it, obj)
	{
		struct campdir_kv *kv = &(*out)[(*n)++];
		snprintf(kv->key, sizeof kv->key, "%s", it->string);
		str_copy(obj, it->string, kv->value, sizeof kv->value);
	}
	return SC_OK;
}

static int load_campaign(struct campdir *c, struct sc_err *e)
{
	char *path = xasprintf("%s/campaign.json", c->dir);
	cJSON *j = jsonio_load_file(path, e);
	int rc = SC_OK;
	if (!j) {
		rc = SC_EINPUT;
		goto out;
	}
	const char *name = NULL;
	const cJSON *wl = NULL, *slas = NULL;
	if ((rc = jsonio_str(j, "name", true, NULL, &name, path, e)) ||
	    (rc = jsonio_obj(j, "workload", false, &wl, path, e)) ||
	    (rc = jsonio_obj(j, "slas", false, &slas, path, e)) ||
	    (rc = jsonio_int(j, "total_gpus", false, 0, 0, 1000000,
			     &c->total_gpus, path, e)))
		goto out;
	snprintf(c->name, sizeof c->name, "%s", name);
	if (wl && ((rc = jsonio_int(wl, "isl", false, 0, 0, 100000000, &c->isl,
				    path, e)) ||
		   (rc = jsonio_int(wl, "osl", false, 0, 0, 100000000, &c->osl,
				    path, e))))
		goto out;
	c->tpot_sla_ms = NAN;
	c->min_tokens_per_s_user = NAN;
	if (slas) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(slas, "ttft_ms");
		if (cJSON_IsNumber(t)) {
			c->ttft_slas_ms[c->n_ttft_slas++] = t->valuedouble;
		} else if (cJSON_IsArray(t)) {
			const cJSON *v;
			cJSON_ArrayForEach(v, t)
			{
				if (!cJSON_IsNumber(v) || v->valuedouble <= 0) {
					rc = sc_err_set(e, SC_EINPUT,
							"%s: field 'slas.ttft_ms': must be positive numbers",
							path);
					goto out;
				}
				if (c->n_ttft_slas < CAMPDIR_MAX_SLAS)
					c->ttft_slas_ms[c->n_ttft_slas++] =
						v->valuedouble;
			}
		} else if (t) {
			rc = sc_err_set(e, SC_EINPUT,
					"%s: field 'slas.ttft_ms': must be a number or a list of numbers",
					path);
			goto out;
		}
		c->tpot_sla_ms = num_or_nan(slas, "tpot_ms");
		c->min_tokens_per_s_user = num_or_nan(slas, "min_tokens_per_s_user");
		if (isnan(c->min_tokens_per_s_user) && c->tpot_sla_ms > 0)
			c->min_tokens_per_s_user = 1000.0 / c->tpot_sla_ms;
		if (isnan(c->tpot_sla_ms) && c->min_tokens_per_s_user > 0)
			c->tpot_sla_ms = 1000.0 / c->min_tokens_per_s_user;
	}
	const cJSON *deps = cJSON_GetObjectItemCaseSensitive(j, "deployments");
	if (deps && !cJSON_IsArray(deps)) {
		rc = sc_err_set(e, SC_EINPUT,
				"%s: field 'deployments': must be a list", path);
		goto out;
	}
	size_t n = (size_t)cJSON_GetArraySize(deps);
	c->deploys = xcalloc(n ? n : 1, sizeof *c->deploys);
	const cJSON *d;
	cJSON_ArrayForEach(d, deps)
	{
		char where[64];
		snprintf(where, sizeof where, "%s: deployments[%zu]", path,
			 c->n_deploys);
		const char *dn = NULL;
		if ((rc = jsonio_str(d, "name", true, NULL, &dn, where, e)))
			goto out;
		if (!*dn || strchr(dn, '/') || !strcmp(dn, ".") ||
		    !strcmp(dn, "..")) {
			rc = sc_err_set(e, SC_EINPUT,
					"%s: field 'name': '%s' is not a directory name",
					where, dn);
			goto out;
		}
		snprintf(c->deploys[c->n_deploys++].name, CAMPDIR_NAME_MAX,
			 "%s", dn);
	}
out:
	cJSON_Delete(j);
	free(path);
	return rc;
}

/* Manifest steps: "name": "done" or "name": {"status": "done", "note": ...}. */
static void load_steps(const cJSON *steps, struct campdir *c)
{
	const cJSON *it;
	size_t k = 0;
	cJSON_ArrayForEach(it, steps) k++;
	c->steps = xcalloc(k ? k : 1, sizeof *c->steps);
	cJSON_ArrayForEach(it, steps)
	{
		struct campdir_kv *kv = &c->steps[c->n_steps++];
		snprintf(kv->key, sizeof kv->key, "%s", it->string);
		if (cJSON_IsObject(it)) {
			str_copy(it, "status", kv->value, sizeof kv->value);
			str_copy(it, "note", kv->note, sizeof kv->note);
		} else {
			str_copy(steps, it->string, kv->value, sizeof kv->value);
		}
	}
}

static void load_env_manifest(struct campdir *c)
{
	struct sc_err e = {0};
	char *path = xasprintf("%s/env.json", c->dir);
	cJSON *j = jsonio_load_file(path, &e);
	if (j && cJSON_IsObject(j))
		load_kv(j, &c->env, &c->n_env);
	else
		note(c, "environment: %s", j ? "env.json is not an object" : e.msg);
	cJSON_Delete(j);
	free(path);

	path = xasprintf("%s/manifest.json", c->dir);
	j = jsonio_load_file(path, &e);
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(j, "steps");
	if (cJSON_IsObject(steps))
		load_steps(steps, c);
	else
		note(c, "manifest: %s",
		     j ? "manifest.json has no 'steps' object" : e.msg);
	cJSON_Delete(j);
	free(path);
}

static int cmp_level(const void *a, const void *b)
{
	const struct campdir_level *x = a, *y = b;
	return (x->concurrency > y->concurrency) - (x->concurrency < y->concurrency);
}

static int load_level(const char *path, struct campdir_level *lv,
		      struct sc_err *e)
{
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	int rc = SC_OK;
	const cJSON *req = NULL, *tp = NULL;
	memset(lv, 0, sizeof *lv);
	if ((rc = jsonio_int(j, "concurrency", true, 0, 0, 100000000,
			     &lv->concurrency, path, e)) ||
	    (rc = jsonio_obj(j, "requests", true, &req, path, e)))
		goto out;
	lv->gpus = long_or(j, "gpus", 0);
	lv->req_total = long_or(req, "total", 0);
	lv->req_ok = long_or(req, "ok", 0);
	lv->req_failed = long_or(req, "failed", 0);
	lv->req_warmup = long_or(req, "warmup", 0);
	const cJSON *br = cJSON_GetObjectItemCaseSensitive(req, "by_reason"), *it;
	size_t used = 0;
	cJSON_ArrayForEach(it, br)
	{
		if (cJSON_IsNumber(it) && used < sizeof lv->reasons)
			used += (size_t)snprintf(lv->reasons + used,
						 sizeof lv->reasons - used,
						 "%s%s: %.0f", used ? ", " : "",
						 it->string, it->valuedouble);
	}
	read_stats(j, "ttft_ms", &lv->ttft_ms);
	read_stats(j, "tpot_ms", &lv->tpot_ms);
	read_stats(j, "itl_ms", &lv->itl_ms);
	read_stats(j, "e2e_ms", &lv->e2e_ms);
	tp = cJSON_GetObjectItemCaseSensitive(j, "throughput");
	lv->window_s = num_or_nan(tp, "window_s");
	lv->tokens_per_s = num_or_nan(tp, "output_tokens_per_s");
	lv->req_per_s = num_or_nan(tp, "requests_per_s");
	lv->tokens_per_s_per_gpu = num_or_nan(tp, "tokens_per_s_per_gpu");
	lv->tokens_per_s_per_user = num_or_nan(tp, "tokens_per_s_per_user");
out:
	cJSON_Delete(j);
	return rc;
}

/* Level directories are named cN with N a whole number. */
static bool level_dir_name(const char *s)
{
	if (s[0] != 'c' || !s[1])
		return false;
	for (const char *p = s + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

static void load_deploy(struct campdir *c, struct campdir_deploy *d)
{
	const char *st = "";
	char key[CAMPDIR_NAME_MAX + 8];
	snprintf(key, sizeof key, "bench:%s", d->name);
	for (size_t i = 0; i < c->n_steps; i++)
		if (!strcmp(c->steps[i].key, key))
			st = c->steps[i].value;
	snprintf(d->status, sizeof d->status, "%s", st);
	for (size_t i = 0; i < c->n_steps; i++)
		if (!strcmp(c->steps[i].key, key) && c->steps[i].note[0])
			snprintf(d->step_note, sizeof d->step_note, "%s",
				 c->steps[i].note);

	char *ddir = xasprintf("%s/%s", c->dir, d->name);
	char *dpath = xasprintf("%s/deployment.json", ddir);
	struct sc_err e = {0};
	if (!exists(dpath)) {
		/* The campaign also keeps each spec under specs/. */
		free(dpath);
		dpath = xasprintf("%s/specs/%s.json", c->dir, d->name);
	}
	cJSON *dj = exists(dpath) ? jsonio_load_file(dpath, &e) : NULL;
	str_copy(dj, "mode", d->mode, sizeof d->mode);
	cJSON_Delete(dj);
	free(dpath);

	DIR *dh = opendir(ddir);
	size_t cap = 0, used = 0;
	if (!dh) {
		snprintf(d->note, sizeof d->note, "no measurements: %s/ is missing",
			 d->name);
	} else {
		struct dirent *de;
		while ((de = readdir(dh))) {
			if (!level_dir_name(de->d_name))
				continue;
			char *sp = xasprintf("%s/%s/summary.json", ddir, de->d_name);
			struct campdir_level lv;
			if (!exists(sp)) {
				/* An unfinished level: nothing to report yet. */
			} else if (load_level(sp, &lv, &e) == SC_OK) {
				d->levels = xgrow(d->levels, &cap,
						  d->n_levels + 1, sizeof lv);
				d->levels[d->n_levels++] = lv;
			} else if (used < sizeof d->note) {
				used += (size_t)snprintf(d->note + used,
							 sizeof d->note - used,
							 "%s%s", used ? "; " : "",
							 e.msg);
			}
			free(sp);
		}
		closedir(dh);
		qsort(d->levels, d->n_levels, sizeof *d->levels, cmp_level);
		if (!d->n_levels && !used)
			snprintf(d->note, sizeof d->note,
				 "no finished concurrency level in %s/",
				 d->name);
	}
	free(ddir);
	bool any_ok = false;
	for (size_t i = 0; i < d->n_levels; i++)
		any_ok |= d->levels[i].req_ok > 0;
	d->failed = !strcmp(d->status, "failed") || !any_ok;
}

static void load_fit(struct campdir *c)
{
	struct campdir_fit *f = &c->fit;
	struct sc_err e = {0};
	char *path = xasprintf("%s/fit.json", c->dir);
	cJSON *j = NULL;
	if (!exists(path)) {
		note(c, "fit: fit.json is missing (the fit did not run or failed)");
		goto out;
	}
	if (!(j = jsonio_load_file(path, &e))) {
		note(c, "fit: %s", e.msg);
		goto out;
	}
	f->present = true;
	f->converged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "converged"));
	str_copy(j, "status", f->status, sizeof f->status);
	str_copy(j, "model", f->model, sizeof f->model);
	str_copy(j, "gpu", f->gpu, sizeof f->gpu);
	str_copy(j, "backend", f->backend, sizeof f->backend);
	str_copy(j, "holdout", f->holdout, sizeof f->holdout);
	f->iterations = long_or(j, "iterations", 0);
	f->chi2 = num_or_nan(j, "chi2");
	f->dof = num_or_nan(j, "dof");
	f->chi2_dof = num_or_nan(j, "chi2_dof");

	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "params"), *it;
	f->params = xcalloc((size_t)cJSON_GetArraySize(ps) + 1, sizeof *f->params);
	cJSON_ArrayForEach(it, ps)
	{
		struct campdir_param *p = &f->params[f->n_params++];
		snprintf(p->name, sizeof p->name, "%s", it->string ? it->string : "?");
		p->value = num_or_nan(it, "value");
		p->sigma = num_or_nan(it, "sigma");
		p->prior = num_or_nan(it, "prior");
		str_copy(it, "unit", p->unit, sizeof p->unit);
		const cJSON *fr = cJSON_GetObjectItemCaseSensitive(it, "free");
		p->free = !cJSON_IsFalse(fr);
	}
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(j, "correlations");
	f->corrs = xcalloc((size_t)cJSON_GetArraySize(cs) + 1, sizeof *f->corrs);
	cJSON_ArrayForEach(it, cs)
	{
		struct campdir_corr *r = &f->corrs[f->n_corrs++];
		str_copy(it, "a", r->a, sizeof r->a);
		str_copy(it, "b", r->b, sizeof r->b);
		r->r = num_or_nan(it, "r");
	}
	const cJSON *ni = cJSON_GetObjectItemCaseSensitive(j, "not_identifiable");
	size_t used = 0;
	cJSON_ArrayForEach(it, ni)
	{
		if (cJSON_IsString(it) && used < sizeof f->not_identifiable)
			used += (size_t)snprintf(f->not_identifiable + used,
						 sizeof f->not_identifiable - used,
						 "%s%s", used ? ", " : "",
						 it->valuestring);
	}
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
	f->points = xcalloc((size_t)cJSON_GetArraySize(pts) + 1, sizeof *f->points);
	cJSON_ArrayForEach(it, pts)
	{
		struct campdir_fitpoint *p = &f->points[f->n_points++];
		str_copy(it, "deployment", p->deployment, sizeof p->deployment);
		str_copy(it, "mode", p->mode, sizeof p->mode);
		p->concurrency = long_or(it, "concurrency", 0);
		char set[16];
		str_copy(it, "set", set, sizeof set);
		p->holdout = !strcmp(set, "holdout");
		read_metrics(cJSON_GetObjectItemCaseSensitive(it, "measured"), &p->measured);
		read_metrics(cJSON_GetObjectItemCaseSensitive(it, "projected"), &p->projected);
		read_metrics(cJSON_GetObjectItemCaseSensitive(it, "projected_prior"), &p->prior);
		/* A held-out point is judged by the fit that did not see it. */
		const cJSON *ho = cJSON_GetObjectItemCaseSensitive(it, "projected_held_out");
		if (p->holdout && cJSON_IsObject(ho))
			read_metrics(ho, &p->projected);
	}
	const cJSON *mp = cJSON_GetObjectItemCaseSensitive(j, "mape");
	read_metrics(cJSON_GetObjectItemCaseSensitive(mp, "in_sample"), &f->mape_in);
	read_metrics(cJSON_GetObjectItemCaseSensitive(mp, "held_out"), &f->mape_out);
	read_metrics(cJSON_GetObjectItemCaseSensitive(mp, "prior"), &f->mape_prior);
	if (!f->converged)
		note(c, "fit: did not converge (%s)", f->status[0] ? f->status : "no status");
out:
	cJSON_Delete(j);
	free(path);
}

static void read_points(const struct csvtab *t, struct campdir_mpoint **out,
			size_t *n, size_t *cap, const char *mode_default)
{
	int ccfg = csvtab_col(t, "config"), cmode = csvtab_col(t, "mode"),
	    cu = csvtab_col(t, "tokens_per_s_per_user"),
	    cg = csvtab_col(t, "tokens_per_s_per_gpu"),
	    ct = csvtab_col(t, "ttft_ms"), cp = csvtab_col(t, "tpot_ms"),
	    cf = csvtab_col(t, "feasible");
	for (size_t r = 0; r < t->n_rows; r++) {
		struct campdir_mpoint p = {0};
		snprintf(p.config, sizeof p.config, "%s", csvtab_cell(t, r, ccfg));
		const char *m = csvtab_cell(t, r, cmode);
		snprintf(p.mode, sizeof p.mode, "%s", *m ? m : mode_default);
		p.tokens_per_s_per_user = csvtab_num(t, r, cu);
		p.tokens_per_s_per_gpu = csvtab_num(t, r, cg);
		p.ttft_ms = csvtab_num(t, r, ct);
		p.tpot_ms = csvtab_num(t, r, cp);
		double f = csvtab_num(t, r, cf);
		p.feasible = cf < 0 || f == 1.0;
		*out = xgrow(*out, cap, *n + 1, sizeof p);
		(*out)[(*n)++] = p;
	}
}

static void match_note(struct campdir_match *m, const char *msg)
{
	size_t used = strlen(m->note), room = sizeof m->note - used - 1;
	if (used && room > 2) {
		strcat(m->note, "; ");
		room -= 2;
	}
	strncat(m->note, msg, room);
}

static void load_config(const cJSON *o, struct campdir_config *cf)
{
	memset(cf, 0, sizeof *cf);
	/* `servecal match` nests the winner: {"searched", ..., "best": {...}};
	 * "best" is null when nothing met the SLAs. */
	const cJSON *best = cJSON_GetObjectItemCaseSensitive(o, "best");
	if (cJSON_GetObjectItemCaseSensitive(o, "searched"))
		o = best;
	if (!cJSON_IsObject(o))
		return;
	cf->present = true;
	str_copy(o, "config", cf->config, sizeof cf->config);
	str_copy(o, "mode", cf->mode, sizeof cf->mode);
	cf->gpus = num_or_nan(o, "gpus");
	cf->tokens_per_s_per_gpu = num_or_nan(o, "tokens_per_s_per_gpu");
	cf->tokens_per_s_per_user = num_or_nan(o, "tokens_per_s_per_user");
	cf->ttft_ms = num_or_nan(o, "ttft_ms");
	cf->tpot_ms = num_or_nan(o, "tpot_ms");
	cf->req_per_s = num_or_nan(o, "req_per_s");
	cf->concurrency = num_or_nan(o, "concurrency");
}

/* "calibrated-ttft600" -> source "calibrated", 600. */
static bool parse_match_name(const char *s, struct campdir_match *m)
{
	const char *t = strstr(s, "-ttft");
	if (!t || t == s)
		return false;
	char *end;
	double ms = strtod(t + 5, &end);
	if (end == t + 5 || *end || !(ms > 0))
		return false;
	snprintf(m->source, sizeof m->source, "%.*s", (int)(t - s), s);
	m->ttft_sla_ms = ms;
	return true;
}

static void load_match(struct campdir *c, const char *mdir,
		       struct campdir_match *m)
{
	static const char *const tables[] = {"agg.csv", "disagg.csv"};
	size_t cap = 0, fcap = 0;
	struct sc_err e = {0};
	m->tpot_sla_ms = c->tpot_sla_ms;
	m->disagg_over_agg = NAN;
	for (size_t i = 0; i < 2; i++) {
		char *p = xasprintf("%s/%s", mdir, tables[i]);
		struct csvtab t;
		if (csvtab_load(p, &t, &e) == SC_OK)
			read_points(&t, &m->points, &m->n_points, &cap,
				    i ? "disagg" : "agg");
		else
			match_note(m, e.msg);
		csvtab_release(&t);
		free(p);
	}
	char *p = xasprintf("%s/pareto.csv", mdir);
	struct csvtab t;
	if (csvtab_load(p, &t, &e) == SC_OK)
		read_points(&t, &m->front, &m->n_front, &fcap, "");
	else
		match_note(m, e.msg);
	csvtab_release(&t);
	free(p);

	p = xasprintf("%s/best.json", mdir);
	cJSON *j = jsonio_load_file(p, &e);
	if (j) {
		m->best_present = true;
		const cJSON *sla = cJSON_GetObjectItemCaseSensitive(j, "sla");
		double v = num_or_nan(sla, "tpot_ms");
		if (!isnan(v))
			m->tpot_sla_ms = v;
		v = num_or_nan(sla, "ttft_ms");
		if (!isnan(v))
			m->ttft_sla_ms = v;
		load_config(cJSON_GetObjectItemCaseSensitive(j, "agg"), &m->best_agg);
		load_config(cJSON_GetObjectItemCaseSensitive(j, "disagg"), &m->best_disagg);
		m->disagg_over_agg = num_or_nan(j, "disagg_over_agg");
	} else {
		match_note(m, e.msg);
	}
	cJSON_Delete(j);
	free(p);
}

static int cmp_match(const void *a, const void *b)
{
	const struct campdir_match *x = a, *y = b;
	int s = strcmp(x->source, y->source);
	if (s)
		return s;
	return (x->ttft_sla_ms > y->ttft_sla_ms) - (x->ttft_sla_ms < y->ttft_sla_ms);
}

static void load_matches(struct campdir *c)
{
	char *mroot = xasprintf("%s/match", c->dir);
	DIR *dh = opendir(mroot);
	size_t cap = 0;
	if (!dh) {
		note(c, "matching: match/ is missing (the matching step did not run)");
		free(mroot);
		return;
	}
	struct dirent *de;
	while ((de = readdir(dh))) {
		struct campdir_match m = {0};
		char *md = xasprintf("%s/%s", mroot, de->d_name);
		if (de->d_name[0] != '.' && is_dir(md) &&
		    strlen(de->d_name) < sizeof m.name &&
		    parse_match_name(de->d_name, &m)) {
			snprintf(m.name, sizeof m.name, "%s", de->d_name);
			load_match(c, md, &m);
			c->matches = xgrow(c->matches, &cap, c->n_matches + 1,
					   sizeof m);
			c->matches[c->n_matches++] = m;
		}
		free(md);
	}
	closedir(dh);
	free(mroot);
	qsort(c->matches, c->n_matches, sizeof *c->matches, cmp_match);
	static const char *const sources[] = {"calibrated", "prior"};
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; i < c->n_ttft_slas; i++)
			if (!campdir_find_match(c, sources[s], c->ttft_slas_ms[i]))
				note(c, "matching: match/%s-ttft%g/ is missing",
				     sources[s], c->ttft_slas_ms[i]);
}

int campdir_load(const char *dir, struct campdir *c, struct sc_err *e)
{
	memset(c, 0, sizeof *c);
	c->tpot_sla_ms = NAN;
	c->min_tokens_per_s_user = NAN;
	c->dir = xstrdup(dir);
	if (!is_dir(dir))
		return sc_err_set(e, SC_EINPUT, "%s: not a campaign directory (missing)",
				  dir);
	int rc = load_campaign(c, e);
	if (rc)
		return rc;
	load_env_manifest(c);
	for (size_t i = 0; i < c->n_deploys; i++)
		load_deploy(c, &c->deploys[i]);
	load_fit(c);
	load_matches(c);
	return SC_OK;
}

void campdir_release(struct campdir *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_deploys; i++)
		free(c->deploys[i].levels);
	free(c->deploys);
	free(c->fit.params);
	free(c->fit.corrs);
	free(c->fit.points);
	for (size_t i = 0; i < c->n_matches; i++) {
		free(c->matches[i].points);
		free(c->matches[i].front);
	}
	free(c->matches);
	for (size_t i = 0; i < c->n_notes; i++)
		free(c->notes[i]);
	free(c->notes);
	free(c->env);
	free(c->steps);
	free(c->dir);
	memset(c, 0, sizeof *c);
}

const char *campdir_env(const struct campdir *c, const char *key)
{
	for (size_t i = 0; i < c->n_env; i++)
		if (!strcmp(c->env[i].key, key))
			return c->env[i].value;
	return "";
}

const struct campdir_deploy *campdir_find_deploy(const struct campdir *c,
						 const char *name)
{
	for (size_t i = 0; i < c->n_deploys; i++)
		if (!strcmp(c->deploys[i].name, name))
			return &c->deploys[i];
	return NULL;
}

const struct campdir_match *campdir_find_match(const struct campdir *c,
					       const char *source,
					       double ttft_ms)
{
	for (size_t i = 0; i < c->n_matches; i++)
		if (!strcmp(c->matches[i].source, source) &&
		    fabs(c->matches[i].ttft_sla_ms - ttft_ms) < 1e-6)
			return &c->matches[i];
	return NULL;
}
