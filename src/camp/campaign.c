/* Campaign files: parse and validate everything before anything runs. */
#include "camp/campaign.h"

#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

/* Concurrency levels of a sweep (README.md, "Ranges of numbers"). */
#define CAMPAIGN_MAX_CONC 100000

static const char *const top_keys[] = {"name",	   "note",  "deployments",
				       "workload", "sweep", "slas",
				       "search",   "fit",   NULL};
static const char *const dep_keys[] = {
    "name", "spec", "url", "emulate", "launch", "slurm", "kubernetes", NULL};
static const char *const wl_keys[] = {"isl",	 "osl", "isl_std",
				      "osl_std", "api", NULL};
static const char *const sweep_keys[] = {
    "concurrency", "requests_per_level", "duration_per_level_s",
    "warmup",	   "timeout_s",		 "max_error_rate",
    NULL};
static const char *const sla_keys[] = {
    "ttft_ms", "ttft_stat", "tpot_ms", "tpot_stat", "min_tokens_per_s_user",
    NULL};
static const char *const search_keys[] = {"total_gpus", "max_gpus_per_worker",
					  "objective", NULL};
static const char *const fit_keys[] = {"holdout", "bootstrap", "seed", NULL};

static bool safe_name(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

static int parse_deploy(const cJSON *j, const char *where, const char *base,
			struct campaign_deploy *d, struct sc_err *e)
{
	const char *name, *url;
	int rc;
	bool emu;
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: must be an object", where);
	if ((rc = jsonio_known_keys(j, dep_keys, where, e)) ||
	    (rc = jsonio_str(j, "name", true, NULL, &name, where, e)) ||
	    (rc = jsonio_str(j, "url", false, NULL, &url, where, e)) ||
	    (rc = jsonio_bool(j, "emulate", false, false, &emu, where, e)))
		return rc;
	if (!safe_name(name))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'name': '%s' must be letters, digits, '-', '_' "
		    "or '.' (it names a directory)",
		    where, name);
	snprintf(d->name, sizeof d->name, "%s", name);
	const cJSON *launch = cJSON_GetObjectItemCaseSensitive(j, "launch");
	const cJSON *slurm = cJSON_GetObjectItemCaseSensitive(j, "slurm");
	const cJSON *k8s = cJSON_GetObjectItemCaseSensitive(j, "kubernetes");
	if ((int)emu + (url != NULL) + (launch != NULL) + (slurm != NULL) +
		(k8s != NULL) !=
	    1)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: give exactly one of 'url' (a running endpoint), "
		    "'\"emulate\": true' and 'launch' (a server command) or "
		    "the cluster kinds 'slurm' (a job) and 'kubernetes' (a "
		    "manifest)",
		    where);
	if (slurm || k8s) {
		char cw[1400];
		snprintf(cw, sizeof cw, "%s: %s", where,
			 slurm ? "slurm" : "kubernetes");
		if (slurm &&
		    (rc = slurm_spec_from_json(slurm, cw, &d->slurm, e)))
			return rc;
		if (k8s && (rc = k8s_spec_from_json(k8s, cw, base, &d->k8s, e)))
			return rc;
		d->on_slurm = slurm != NULL;
		d->on_k8s = k8s != NULL;
	}
	d->emulate = emu;
	if (launch) {
		char lw[1400];
		snprintf(lw, sizeof lw, "%s: launch", where);
		if ((rc = launch_spec_from_json(launch, lw, base, &d->launch,
						e)))
			return rc;
		d->launched = true;
	}
	if (url) {
		if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'url': must start with "
					  "http:// or https://, got '%s'",
					  where, url);
		snprintf(d->url, sizeof d->url, "%s", url);
	}
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(j, "spec");
	char w[1400];
	snprintf(w, sizeof w, "%s: spec", where);
	if (cJSON_IsString(spec)) {
		char p[2000];
		if (spec->valuestring[0] == '/')
			snprintf(p, sizeof p, "%s", spec->valuestring);
		else
			snprintf(p, sizeof p, "%s/%s", base, spec->valuestring);
		char *abs = realpath(p, NULL);
		snprintf(d->spec_path, sizeof d->spec_path, "%s",
			 abs ? abs : p);
		free(abs);
		rc = deploy_load(d->spec_path, &d->spec, e);
		if (rc)
			sc_err_prefix(e, "%s", where);
		return rc;
	}
	if (cJSON_IsObject(spec))
		return deploy_from_json(spec, w, base, &d->spec, e);
	return sc_err_set(e, SC_EINPUT,
			  "%s: field 'spec': must be a deployment file path or "
			  "an inline deployment",
			  where);
}

static int parse_levels(const cJSON *sweep, const char *where,
			struct campaign *c, struct sc_err *e)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(sweep, "concurrency");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) == 0)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'concurrency': must be a "
				  "non-empty array of whole numbers",
				  where);
	const cJSON *it;
	cJSON_ArrayForEach(it, a)
	{
		double v = cJSON_IsNumber(it) ? it->valuedouble : -1;
		if (!(v >= 1 && v <= CAMPAIGN_MAX_CONC) || v != floor(v) ||
		    c->n_levels == CAMPAIGN_MAX_LEVELS)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'concurrency': entries must be whole "
			    "numbers in [1, %d] (at most %d), got %.10g",
			    where, CAMPAIGN_MAX_CONC, CAMPAIGN_MAX_LEVELS, v);
		if (c->n_levels && v <= (double)c->levels[c->n_levels - 1])
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'concurrency': must "
					  "increase, %g follows %ld",
					  where, v, c->levels[c->n_levels - 1]);
		c->levels[c->n_levels++] = (long)v;
	}
	return SC_OK;
}

/* A statistic's name at key (absent: def). */
static int parse_stat(const cJSON *o, const char *key, enum stat_sel def,
		      enum stat_sel *out, const char *where, struct sc_err *e)
{
	const char *name;
	int rc = jsonio_str(o, key, false, statsel_name(def), &name, where, e);
	if (rc)
		return rc;
	if (statsel_parse(name, out))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must be one of mean, p50, "
				  "p90, p95, p99, got '%s'",
				  where, key, name);
	return SC_OK;
}

static int check_ttft(double v, const char *where, struct sc_err *e)
{
	if (!(v >= NUM_SLA_MIN && v <= NUM_MS_MAX))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'ttft_ms': must be in [%g, %.0f], got %.10g",
		    where, NUM_SLA_MIN, NUM_MS_MAX, v);
	return SC_OK;
}

/* Everything of one SLA but its TTFT limit. */
static int parse_sla_rest(const cJSON *s, const char *where, bool need_tpot,
			  struct campaign_sla *out, struct sc_err *e)
{
	int rc;
	bool has_tpot = cJSON_GetObjectItemCaseSensitive(s, "tpot_ms") != NULL;
	bool has_tps = cJSON_GetObjectItemCaseSensitive(
			   s, "min_tokens_per_s_user") != NULL;
	if ((rc = parse_stat(s, "ttft_stat", STAT_P90, &out->ttft_stat, where,
			     e)) ||
	    (rc = parse_stat(s, "tpot_stat", STAT_MEAN, &out->tpot_stat, where,
			     e)))
		return rc;
	if (!need_tpot && !has_tpot && !has_tps)
		return SC_OK;
	if (has_tpot == has_tps)
		return sc_err_set(e, SC_EINPUT,
				  "%s: give exactly one of 'tpot_ms' and "
				  "'min_tokens_per_s_user'",
				  where);
	if (has_tpot)
		return jsonio_range(s, "tpot_ms", true, 0, NUM_SLA_MIN,
				    NUM_MS_MAX, &out->tpot_ms, where, e);
	return jsonio_range(s, "min_tokens_per_s_user", true, 0, NUM_SLA_MIN,
			    NUM_TOKENS_PER_S_MAX, &out->min_tokens_per_s_user,
			    where, e);
}

/* The older form: one object, "ttft_ms" a number or a list. */
static int parse_sla_object(const cJSON *s, const char *where, bool need_tpot,
			    struct campaign_sla *out, size_t *n,
			    struct sc_err *e)
{
	int rc;
	if ((rc = jsonio_known_keys(s, sla_keys, where, e)))
		return rc;
	struct campaign_sla rest = {0};
	double ttft[CAMPAIGN_MAX_SLAS];
	size_t k = 0;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "ttft_ms");
	if (cJSON_IsNumber(t)) {
		ttft[k++] = t->valuedouble;
	} else if (cJSON_IsArray(t)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, t)
		{
			if (!cJSON_IsNumber(it) || k == CAMPAIGN_MAX_SLAS)
				return sc_err_set(e, SC_EINPUT,
						  "%s: field 'ttft_ms': "
						  "numbers only, at most %d",
						  where, CAMPAIGN_MAX_SLAS);
			ttft[k++] = it->valuedouble;
		}
	} else if (t) {
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'ttft_ms': must be a number or a "
				  "list of numbers",
				  where);
	}
	if (k == 0)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'ttft_ms': missing (a number or a "
				  "list of numbers)",
				  where);
	for (size_t i = 0; i < k; i++)
		if ((rc = check_ttft(ttft[i], where, e)))
			return rc;
	if ((rc = parse_sla_rest(s, where, need_tpot, &rest, e)))
		return rc;
	for (size_t i = 0; i < k; i++) {
		out[i] = rest;
		out[i].ttft_ms = ttft[i];
	}
	*n = k;
	return SC_OK;
}

int campaign_slas_from_json(const cJSON *j, const char *where, bool need_tpot,
			    struct campaign_sla *out, size_t *n,
			    struct sc_err *e)
{
	int rc;
	*n = 0;
	if (cJSON_IsObject(j)) {
		rc = parse_sla_object(j, where, need_tpot, out, n, e);
	} else if (cJSON_IsArray(j) && cJSON_GetArraySize(j) > 0) {
		const cJSON *it;
		rc = SC_OK;
		cJSON_ArrayForEach(it, j)
		{
			char w[1400];
			snprintf(w, sizeof w, "%s[%zu]", where, *n);
			if (*n == CAMPAIGN_MAX_SLAS)
				return sc_err_set(e, SC_EINPUT,
						  "%s: at most %d SLAs", where,
						  CAMPAIGN_MAX_SLAS);
			if (!cJSON_IsObject(it))
				return sc_err_set(
				    e, SC_EINPUT,
				    "%s: must be an object {\"ttft_ms\", "
				    "\"ttft_stat\", \"tpot_ms\", "
				    "\"tpot_stat\"}",
				    w);
			struct campaign_sla *s = &out[*n];
			memset(s, 0, sizeof *s);
			if ((rc = jsonio_known_keys(it, sla_keys, w, e)) ||
			    (rc =
				 jsonio_range(it, "ttft_ms", true, 0, -INFINITY,
					      INFINITY, &s->ttft_ms, w, e)) ||
			    (rc = check_ttft(s->ttft_ms, w, e)) ||
			    (rc = parse_sla_rest(it, w, need_tpot, s, e)))
				return rc;
			(*n)++;
		}
	} else {
		return sc_err_set(e, SC_EINPUT,
				  "%s: must be a non-empty list of SLA objects "
				  "(or one object)",
				  where);
	}
	for (size_t i = 0; !rc && i < *n; i++)
		for (size_t k = 0; k < i; k++)
			/* The report and the match directories tell SLAs
			 * apart by their TTFT limit. */
			if (out[k].ttft_ms == out[i].ttft_ms)
				return sc_err_set(
				    e, SC_EINPUT,
				    "%s: two SLAs limit TTFT to %g ms (at %s "
				    "and %s): give each its own TTFT limit",
				    where, out[i].ttft_ms,
				    statsel_name(out[k].ttft_stat),
				    statsel_name(out[i].ttft_stat));
	return rc;
}

void campaign_match_name(const char *source, const struct campaign_sla *s,
			 char *buf, size_t len)
{
	snprintf(buf, len, "%s-ttft%g%s%s", source, s->ttft_ms,
		 s->ttft_stat == STAT_P90 ? "" : "-",
		 s->ttft_stat == STAT_P90 ? "" : statsel_name(s->ttft_stat));
}

void campaign_sla_arg(const struct campaign_sla *s, char *buf, size_t len)
{
	double tpot =
	    s->tpot_ms > 0 ? s->tpot_ms : 1000.0 / s->min_tokens_per_s_user;
	snprintf(buf, len, "ttft_ms=%g,ttft_stat=%s,tpot_ms=%.6g,tpot_stat=%s",
		 s->ttft_ms, statsel_name(s->ttft_stat), tpot,
		 statsel_name(s->tpot_stat));
}

int campaign_load(const char *path, struct campaign *c, struct sc_err *e)
{
	memset(c, 0, sizeof *c);
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	char *copy = xstrdup(path);
	char base[1024];
	char *abs = realpath(dirname(copy), NULL);
	snprintf(base, sizeof base, "%s", abs ? abs : ".");
	free(abs);
	free(copy);
	snprintf(c->path, sizeof c->path, "%s", path);
	const char *name, *api, *holdout, *objective;
	const cJSON *deps, *wl, *sweep, *slas, *search, *fit;
	char w[1200];
	int rc;
	if (!cJSON_IsObject(j)) {
		rc =
		    sc_err_set(e, SC_EINPUT, "%s: must be a JSON object", path);
		goto out;
	}
	if ((rc = jsonio_known_keys(j, top_keys, path, e)) ||
	    (rc = jsonio_str(j, "name", true, NULL, &name, path, e)) ||
	    (rc = jsonio_obj(j, "workload", true, &wl, path, e)) ||
	    (rc = jsonio_obj(j, "sweep", true, &sweep, path, e)) ||
	    (rc = jsonio_obj(j, "search", false, &search, path, e)) ||
	    (rc = jsonio_obj(j, "fit", false, &fit, path, e)))
		goto out;
	if (!safe_name(name)) {
		rc = sc_err_set(e, SC_EINPUT,
				"%s: field 'name': '%s' must be letters, "
				"digits, '-', '_' or '.'",
				path, name);
		goto out;
	}
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(w, sizeof w, "%s: workload", path);
	if ((rc = jsonio_known_keys(wl, wl_keys, w, e)) ||
	    (rc = jsonio_int(wl, "isl", true, 0, 1, NUM_TOKENS_MAX, &c->isl, w,
			     e)) ||
	    (rc = jsonio_int(wl, "osl", true, 0, 2, NUM_TOKENS_MAX, &c->osl, w,
			     e)) ||
	    (rc = jsonio_int(wl, "isl_std", false, 0, 0, NUM_TOKENS_MAX,
			     &c->isl_std, w, e)) ||
	    (rc = jsonio_int(wl, "osl_std", false, 0, 0, NUM_TOKENS_MAX,
			     &c->osl_std, w, e)) ||
	    (rc = jsonio_str(wl, "api", false, "completions", &api, w, e)))
		goto out;
	if (strcmp(api, "completions") && strcmp(api, "chat")) {
		rc = sc_err_set(e, SC_EINPUT,
				"%s: field 'api': must be completions or chat",
				w);
		goto out;
	}
	snprintf(c->api, sizeof c->api, "%s", api);
	snprintf(w, sizeof w, "%s: sweep", path);
	if ((rc = jsonio_known_keys(sweep, sweep_keys, w, e)) ||
	    (rc = parse_levels(sweep, w, c, e)) ||
	    (rc = jsonio_int(sweep, "requests_per_level", false, 0, 0,
			     NUM_COUNT_MAX, &c->requests_per_level, w, e)) ||
	    (rc = jsonio_range(sweep, "duration_per_level_s", false, 0, 0,
			       NUM_DURATION_MAX_S, &c->duration_per_level_s, w,
			       e)) ||
	    (rc = jsonio_int(sweep, "warmup", false, -1, -1, NUM_COUNT_MAX,
			     &c->warmup, w, e)) ||
	    (rc = jsonio_range(sweep, "timeout_s", false, 600,
			       NUM_DURATION_MIN_S, NUM_DURATION_MAX_S,
			       &c->timeout_s, w, e)) ||
	    (rc = jsonio_range(sweep, "max_error_rate", false, 0.5, 0, 1,
			       &c->max_error_rate, w, e)))
		goto out;
	if ((c->requests_per_level > 0) == (c->duration_per_level_s > 0)) {
		rc = sc_err_set(e, SC_EINPUT,
				"%s: give exactly one of 'requests_per_level' "
				"and 'duration_per_level_s' (> 0)",
				w);
		goto out;
	}
	if (c->duration_per_level_s > 0 &&
	    c->duration_per_level_s < NUM_DURATION_MIN_S) {
		rc = sc_err_set(e, SC_EINPUT,
				"%s: field 'duration_per_level_s': must be in "
				"[%g, %g], got %.10g",
				w, NUM_DURATION_MIN_S, NUM_DURATION_MAX_S,
				c->duration_per_level_s);
		goto out;
	}
	snprintf(w, sizeof w, "%s: slas", path);
	slas = cJSON_GetObjectItemCaseSensitive(j, "slas");
	if (!slas) {
		rc =
		    sc_err_set(e, SC_EINPUT, "%s: field 'slas': missing", path);
		goto out;
	}
	if ((rc = campaign_slas_from_json(slas, w, true, c->slas, &c->n_slas,
					  e)))
		goto out;
	snprintf(w, sizeof w, "%s: search", path);
	if (search && (rc = jsonio_known_keys(search, search_keys, w, e)))
		goto out;
	if ((rc = jsonio_int(search, "total_gpus", false, 8, 1, 100000,
			     &c->total_gpus, w, e)) ||
	    (rc = jsonio_int(search, "max_gpus_per_worker", false, 8, 1, 1024,
			     &c->max_gpus_per_worker, w, e)) ||
	    (rc = jsonio_str(search, "objective", false, "per-gpu", &objective,
			     w, e)))
		goto out;
	if (plan_objective_parse(objective, &c->objective)) {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'objective': must be " PLAN_OBJECTIVE_CHOICES
		    ", got '%s'",
		    w, objective);
		goto out;
	}
	snprintf(w, sizeof w, "%s: fit", path);
	if (fit && (rc = jsonio_known_keys(fit, fit_keys, w, e)))
		goto out;
	if ((rc =
		 jsonio_str(fit, "holdout", false, "levels", &holdout, w, e)) ||
	    (rc = jsonio_int(fit, "bootstrap", false, 100, 0, 100000,
			     &c->bootstrap, w, e)) ||
	    (rc = jsonio_int(fit, "seed", false, 1, 0, 4294967295L, &c->seed, w,
			     e)))
		goto out;
	if (strcmp(holdout, "levels") && strcmp(holdout, "deployments") &&
	    strcmp(holdout, "none")) {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'holdout': must be levels, deployments or none, "
		    "got '%s'",
		    w, holdout);
		goto out;
	}
	snprintf(c->holdout, sizeof c->holdout, "%s", holdout);
	deps = cJSON_GetObjectItemCaseSensitive(j, "deployments");
	if (!cJSON_IsArray(deps) || cJSON_GetArraySize(deps) == 0) {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'deployments': must be a non-empty array", path);
		goto out;
	}
	const cJSON *d;
	cJSON_ArrayForEach(d, deps)
	{
		snprintf(w, sizeof w, "%s: deployments[%zu]", path,
			 c->n_deploys);
		if (c->n_deploys == CAMPAIGN_MAX_DEPLOYS) {
			rc = sc_err_set(e, SC_EINPUT,
					"%s: at most %d deployments", w,
					CAMPAIGN_MAX_DEPLOYS);
			goto out;
		}
		struct campaign_deploy *cd = &c->deploys[c->n_deploys];
		if ((rc = parse_deploy(d, w, base, cd, e))) {
			deploy_release(&cd->spec);
			launch_spec_release(&cd->launch);
			slurm_spec_release(&cd->slurm);
			goto out;
		}
		c->n_deploys++;
		for (size_t i = 0; i + 1 < c->n_deploys; i++)
			if (!strcmp(c->deploys[i].name, cd->name)) {
				rc = sc_err_set(
				    e, SC_EINPUT,
				    "%s: field 'name': '%s' is used twice", w,
				    cd->name);
				goto out;
			}
		const struct deploy_spec *s0 = &c->deploys[0].spec;
		if (strcmp(cd->spec.model.name, s0->model.name) ||
		    strcmp(cd->spec.gpu.name, s0->gpu.name)) {
			rc = sc_err_set(e, SC_EINPUT,
					"%s: %s on %s differs from the first "
					"deployment's %s on %s: one campaign "
					"calibrates one model on one GPU",
					w, cd->spec.model.name,
					cd->spec.gpu.name, s0->model.name,
					s0->gpu.name);
			goto out;
		}
	}
out:
	cJSON_Delete(j);
	if (rc)
		campaign_release(c);
	return rc;
}

void campaign_release(struct campaign *c)
{
	for (size_t i = 0; i < c->n_deploys; i++) {
		deploy_release(&c->deploys[i].spec);
		launch_spec_release(&c->deploys[i].launch);
		slurm_spec_release(&c->deploys[i].slurm);
	}
	c->n_deploys = 0;
}

int campaign_outline_read(const char *path, struct campaign_outline *o,
			  struct sc_err *e)
{
	memset(o, 0, sizeof *o);
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return sc_err_set(e, SC_EINPUT, "%s: must be a JSON object",
				  path);
	}
	const cJSON *it;
	cJSON_ArrayForEach(it,
			   cJSON_GetObjectItemCaseSensitive(j, "deployments"))
	{
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
		if (cJSON_IsString(n) && o->n_names < CAMPAIGN_MAX_DEPLOYS)
			snprintf(o->names[o->n_names++], sizeof o->names[0],
				 "%s", n->valuestring);
	}
	const cJSON *sweep = cJSON_GetObjectItemCaseSensitive(j, "sweep");
	cJSON_ArrayForEach(
	    it, cJSON_GetObjectItemCaseSensitive(sweep, "concurrency"))
	{
		if (cJSON_IsNumber(it) && it->valuedouble >= 1 &&
		    it->valuedouble == floor(it->valuedouble) &&
		    o->n_levels < CAMPAIGN_MAX_LEVELS)
			o->levels[o->n_levels++] = (long)it->valuedouble;
	}
	cJSON_Delete(j);
	return SC_OK;
}
