/* Campaign directory reader: tolerant of missing pieces, strict about the
 * campaign file itself. */
#include "out/campdir.h"

#include <dirent.h>
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "camp/manifest.h"
#include "camp/verify.h"
#include "metrics/level.h"
#include "metrics/summary.h"
#include "plan/plan_out.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

const char *campdir_metric_unit(int i)
{
	/* The table's keys carry their unit: "ttft_ms", "tokens_per_s". */
	const char *k = obs_metrics[i].key;
	size_t n = strlen(k);
	return n > 3 && !strcmp(k + n - 3, "_ms") ? "ms" : "tokens/s";
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
	const cJSON *wl = NULL;
	const cJSON *slas = cJSON_GetObjectItemCaseSensitive(j, "slas");
	if ((rc = jsonio_str(j, "name", true, NULL, &name, path, e)) ||
	    (rc = jsonio_obj(j, "workload", false, &wl, path, e)) ||
	    (rc = jsonio_int(j, "total_gpus", false, 0, 0, 1000000,
			     &c->total_gpus, path, e)))
		goto out;
	snprintf(c->name, sizeof c->name, "%s", name);
	/* The budget: top level, or the search's as campaign files give it. */
	if (!c->total_gpus)
		c->total_gpus =
		    long_or(cJSON_GetObjectItemCaseSensitive(j, "search"),
			    "total_gpus", 0);
	if (wl && ((rc = jsonio_int(wl, "isl", false, 0, 0, 100000000, &c->isl,
				    path, e)) ||
		   (rc = jsonio_int(wl, "osl", false, 0, 0, 100000000, &c->osl,
				    path, e))))
		goto out;
	if (slas) {
		char w[1200];
		snprintf(w, sizeof w, "%s: slas", path);
		if ((rc = campaign_slas_from_json(slas, w, false, c->slas,
						  &c->n_slas, e)))
			goto out;
		/* The TPOT limit and the statistics of the first SLA stand
		 * for the campaign where one is shown. */
		const struct campaign_sla *s0 = &c->slas[0];
		for (size_t i = 0; i < c->n_slas && i < CAMPDIR_MAX_SLAS; i++)
			c->ttft_slas_ms[c->n_ttft_slas++] = c->slas[i].ttft_ms;
		c->ttft_stat = s0->ttft_stat;
		c->tpot_stat = s0->tpot_stat;
		if (s0->tpot_ms > 0 || s0->min_tokens_per_s_user > 0) {
			c->tpot_sla_ms =
			    s0->tpot_ms > 0
				? s0->tpot_ms
				: 1000.0 / s0->min_tokens_per_s_user;
			c->min_tokens_per_s_user = 1000.0 / c->tpot_sla_ms;
			if (s0->min_tokens_per_s_user > 0)
				c->min_tokens_per_s_user =
				    s0->min_tokens_per_s_user;
		}
	}
	const cJSON *deps = cJSON_GetObjectItemCaseSensitive(j, "deployments");
	if (deps && !cJSON_IsArray(deps)) {
		rc =
		    sc_err_set(e, SC_EINPUT,
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
			rc = sc_err_set(
			    e, SC_EINPUT,
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

/* Manifest steps through their owner (camp/manifest.h). */
static void load_steps(const struct manifest *m, struct campdir *c)
{
	size_t k = manifest_count(m);
	c->steps = xcalloc(k ? k : 1, sizeof *c->steps);
	for (size_t i = 0; i < k; i++) {
		struct manifest_step st;
		struct campdir_kv *kv = &c->steps[c->n_steps++];
		manifest_step_at(m, i, &st);
		snprintf(kv->key, sizeof kv->key, "%.*s",
			 (int)sizeof kv->key - 1, st.name);
		snprintf(kv->value, sizeof kv->value, "%s", st.status);
		snprintf(kv->note, sizeof kv->note, "%.*s",
			 (int)sizeof kv->note - 1, st.note);
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
		note(c, "environment: %s",
		     j ? "env.json is not an object" : e.msg);
	cJSON_Delete(j);
	free(path);

	struct manifest m;
	if (manifest_read(&m, c->dir, &e) == SC_OK)
		load_steps(&m, c);
	else
		note(c, "manifest: %s", e.msg);
	manifest_release(&m);
}

static int cmp_level(const void *a, const void *b)
{
	const struct campdir_level *x = a, *y = b;
	return (x->concurrency > y->concurrency) -
	       (x->concurrency < y->concurrency);
}

/* metrics/stats.h's statistics, indexed by SLA statistic. */
static void level_stats(const struct stats *in, struct campdir_stats *s)
{
	s->n = in->n ? (double)in->n : NAN;
	s->std = in->std;
	s->min = in->min;
	s->max = in->max;
	s->at[STAT_MEAN] = in->mean;
	s->at[STAT_P50] = in->p50;
	s->at[STAT_P90] = in->p90;
	s->at[STAT_P95] = in->p95;
	s->at[STAT_P99] = in->p99;
}

/* A level's summary.json through its owner's reader (metrics/summary.h). */
static int load_level(const char *path, struct campdir_level *lv,
		      struct sc_err *e)
{
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	struct level_summary s;
	struct level_info li;
	memset(lv, 0, sizeof *lv);
	int rc = summary_from_json(j, path, &s, &li, e);
	cJSON_Delete(j);
	if (rc)
		return rc;
	if (li.open_loop)
		return sc_err_set(e, SC_EINPUT,
				  "%s: an open-loop level (request_rate) where "
				  "a concurrency level was expected",
				  path);
	lv->concurrency = li.concurrency;
	lv->gpus = li.gpus;
	lv->req_total = (long)s.total;
	lv->req_ok = (long)s.ok;
	lv->req_failed = (long)s.failed;
	lv->req_warmup = (long)s.warmup;
	size_t used = 0;
	for (int r = REASON_NONE + 1; r < REASON_COUNT_; r++)
		for (int st = 0; st < (r == REASON_HTTP ? 600 : 1); st++) {
			struct req_record tmp = {.reason = r,
						 .http_status = st};
			size_t n = r == REASON_HTTP ? s.http_by_status[st]
						    : s.by_reason[r];
			char buf[16];
			const char *name =
			    req_reason_name(&tmp, buf, sizeof buf);
			if (n && name && used < sizeof lv->reasons)
				used += (size_t)snprintf(
				    lv->reasons + used,
				    sizeof lv->reasons - used, "%s%s: %zu",
				    used ? ", " : "", name, n);
		}
	level_stats(&s.ttft_ms, &lv->ttft_ms);
	level_stats(&s.tpot_ms, &lv->tpot_ms);
	level_stats(&s.itl_ms, &lv->itl_ms);
	level_stats(&s.e2e_ms, &lv->e2e_ms);
	lv->window_s = s.window_s;
	lv->tokens_per_s = s.output_tokens_per_s;
	lv->req_per_s = s.requests_per_s;
	lv->tokens_per_s_per_gpu = s.tokens_per_s_per_gpu;
	lv->tokens_per_s_per_user = s.tokens_per_s_per_user;
	lv->sla = li.sla;
	for (int m = 0; m < SLA_METRIC_COUNT; m++)
		lv->attainment[m] = s.attainment[m];
	lv->attainment_all = s.attainment_all;
	lv->goodput_req_per_s = s.goodput_per_s;
	lv->goodput_tokens_per_s = s.goodput_tokens_per_s;
	return SC_OK;
}

/* A closed-loop level's directory (load/results.h names them). */
static bool level_dir_name(const char *s)
{
	bool open_loop;
	double level;
	return level_parse(s, &open_loop, &level) && !open_loop;
}

static void load_deploy(struct campdir *c, struct campdir_deploy *d)
{
	char key[CAMPDIR_NAME_MAX + 8];
	snprintf(key, sizeof key, "bench:%s", d->name);
	for (size_t i = 0; i < c->n_steps; i++)
		if (!strcmp(c->steps[i].key, key)) {
			snprintf(d->status, sizeof d->status, "%.*s",
				 (int)sizeof d->status - 1, c->steps[i].value);
			snprintf(d->step_note, sizeof d->step_note, "%s",
				 c->steps[i].note);
		}

	/* A bench directory is its only deployment's directory. */
	char *ddir = c->bench_only ? xstrdup(c->dir)
				   : xasprintf("%s/%s", c->dir, d->name);
	char *dpath = xasprintf("%s/deployment.json", ddir);
	struct sc_err e = {0};
	if (!exists(dpath)) {
		/* The campaign also keeps each spec under specs/. */
		free(dpath);
		dpath = xasprintf("%s/specs/%s.json", c->dir, d->name);
	}
	cJSON *dj = exists(dpath) ? jsonio_load_file(dpath, &e) : NULL;
	str_copy(dj, "mode", d->mode, sizeof d->mode);
	str_copy(dj, "name", d->spec_name, sizeof d->spec_name);
	cJSON_Delete(dj);
	free(dpath);

	DIR *dh = opendir(ddir);
	size_t cap = 0, used = 0;
	if (!dh) {
		snprintf(d->note, sizeof d->note,
			 "no measurements: %s/ is missing", d->name);
	} else {
		struct dirent *de;
		while ((de = readdir(dh))) {
			if (!level_dir_name(de->d_name))
				continue;
			char *sp =
			    xasprintf("%s/%s/summary.json", ddir, de->d_name);
			struct campdir_level lv;
			if (!exists(sp)) {
				/* An unfinished level: nothing to report yet.
				 */
			} else if (load_level(sp, &lv, &e) == SC_OK) {
				d->levels = xgrow(d->levels, &cap,
						  d->n_levels + 1, sizeof lv);
				d->levels[d->n_levels++] = lv;
			} else if (used < sizeof d->note) {
				used += (size_t)snprintf(
				    d->note + used, sizeof d->note - used,
				    "%s%s", used ? "; " : "", e.msg);
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

/* fit.json through its owner's reader (fit/calib.h). */
static void load_fit(struct campdir *c)
{
	struct sc_err e = {0};
	char *path = xasprintf("%s/fit.json", c->dir);
	cJSON *j = NULL;
	if (!exists(path)) {
		note(
		    c,
		    "fit: fit.json is missing (the fit did not run or failed)");
		goto out;
	}
	if (!(j = jsonio_load_file(path, &e))) {
		note(c, "fit: %s", e.msg);
		goto out;
	}
	c->fit.present = true;
	calib_from_json(j, &c->fit);
	if (!c->fit.converged)
		note(c, "fit: did not converge (%s)",
		     c->fit.status[0] ? c->fit.status : "no status");
out:
	cJSON_Delete(j);
	free(path);
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

/* "calibrated-ttft600" -> source "calibrated", 600; a statistic other
 * than p90 follows ("-ttft600-p99", camp/campaign.h). */
static bool parse_match_name(const char *s, struct campdir_match *m)
{
	const char *t = strstr(s, "-ttft");
	if (!t || t == s)
		return false;
	char *end;
	double ms = strtod(t + 5, &end);
	enum stat_sel st;
	if (*end == '-' && !statsel_parse(end + 1, &st))
		end += strlen(end);
	if (end == t + 5 || *end || !(ms > 0))
		return false;
	snprintf(m->source, sizeof m->source, "%.*s", (int)(t - s), s);
	m->ttft_sla_ms = ms;
	return true;
}

/* verify.json of `servecal verify MATCHDIR` (MATCHDIR/verify/ by
 * default), when there is one, through its owner's reader
 * (camp/verify.h). */
static void load_verify(const char *mdir, struct campdir_match *m)
{
	static const char *const where[] = {"verify/" VERIFY_FILE_NAME,
					    VERIFY_FILE_NAME};
	struct campdir_verify *v = &m->verify;
	cJSON *j = NULL;
	for (size_t i = 0; i < 2 && !j; i++) {
		char *p = xasprintf("%s/%s", mdir, where[i]);
		struct sc_err e = {0};
		if (exists(p) && !(j = jsonio_load_file(p, &e)))
			match_note(m, e.msg);
		if (j)
			snprintf(v->path, sizeof v->path, "%s", where[i]);
		free(p);
	}
	if (!j)
		return;
	struct verify_file f;
	verify_file_from_json(j, m->ttft_stat, m->tpot_stat, &f);
	cJSON_Delete(j);
	v->present = true;
	v->passed = f.passed;
	v->tolerance = f.tolerance;
	memcpy(v->rows, f.result.rows, sizeof v->rows);
}

static void load_match(struct campdir *c, const char *mdir,
		       struct campdir_match *m)
{
	static const char *const tables[] = {PLAN_AGG_CSV, PLAN_DISAGG_CSV,
					     PLAN_PARETO_CSV};
	struct sc_err e = {0};
	m->tpot_sla_ms = c->tpot_sla_ms;
	m->disagg_over_agg = m->disagg_over_agg_total = NAN;
	m->total_gpus = c->total_gpus;
	m->ttft_stat = c->ttft_stat;
	m->tpot_stat = c->tpot_stat;

	/* best.json first: its query names the SLA statistics. */
	char *p = xasprintf("%s/%s", mdir, PLAN_BEST_JSON);
	cJSON *j = jsonio_load_file(p, &e);
	free(p);
	if (j) {
		/* Through its owner's reader (plan/plan_out.h). */
		struct plan_file b;
		plan_from_json(j, m->ttft_stat, m->tpot_stat, &b);
		m->best_present = true;
		if (!isnan(b.tpot_ms))
			m->tpot_sla_ms = b.tpot_ms;
		if (!isnan(b.ttft_ms))
			m->ttft_sla_ms = b.ttft_ms;
		m->ttft_stat = b.ttft_stat;
		m->tpot_stat = b.tpot_stat;
		m->best_agg = b.agg;
		m->best_disagg = b.disagg;
		m->disagg_over_agg = b.disagg_over_agg;
		m->disagg_over_agg_total = b.disagg_over_agg_total;
		snprintf(m->objective, sizeof m->objective, "%s", b.objective);
		if (isfinite(b.total_gpus))
			m->total_gpus = (long)b.total_gpus;
		cJSON_Delete(j);
	} else {
		match_note(m, e.msg);
	}

	/* The tables through their owner's reader (plan/plan_out.h). */
	struct plan_csv t[3];
	bool ok[3];
	m->ttft_col = m->ttft_stat;
	for (size_t i = 0; i < 3; i++) {
		p = xasprintf("%s/%s", mdir, tables[i]);
		ok[i] = plan_csv_load(p, &t[i], &e) == SC_OK;
		if (!ok[i])
			match_note(m, e.msg);
		/* One statistic per chart: the mean when a table of
		 * configurations lacks the SLA statistic's column. */
		if (ok[i] && i < 2 && plan_csv_lacks_ttft(&t[i], m->ttft_stat))
			m->ttft_col = STAT_MEAN;
		free(p);
	}
	size_t cap = 0, fcap = 0;
	for (size_t i = 0; i < 3; i++) {
		if (ok[i])
			plan_csv_rows(&t[i], m->ttft_col,
				      i == 0   ? "agg"
				      : i == 1 ? "disagg"
					       : "",
				      i < 2 ? &m->points : &m->front,
				      i < 2 ? &m->n_points : &m->n_front,
				      i < 2 ? &cap : &fcap);
		plan_csv_release(&t[i]);
	}
	load_verify(mdir, m);
}

static int cmp_match(const void *a, const void *b)
{
	const struct campdir_match *x = a, *y = b;
	int s = strcmp(x->source, y->source);
	if (s)
		return s;
	return (x->ttft_sla_ms > y->ttft_sla_ms) -
	       (x->ttft_sla_ms < y->ttft_sla_ms);
}

static void load_matches(struct campdir *c)
{
	char *mroot = xasprintf("%s/match", c->dir);
	DIR *dh = opendir(mroot);
	size_t cap = 0;
	if (!dh) {
		note(c, "matching: match/ is missing (the matching step did "
			"not run)");
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
			c->matches =
			    xgrow(c->matches, &cap, c->n_matches + 1, sizeof m);
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
			if (!campdir_find_match(c, sources[s],
						c->ttft_slas_ms[i]))
				note(c, "matching: match/%s-ttft%g/ is missing",
				     sources[s], c->ttft_slas_ms[i]);
}

/* fit.json names deployments by their spec's "name"; the campaign by its
 * own. Points that name a spec get the campaign's name. */
static void map_fit_names(struct campdir *c)
{
	for (size_t i = 0; i < c->fit.n_points; i++) {
		struct calib_file_point *p = &c->fit.points[i];
		if (campdir_find_deploy(c, p->deployment))
			continue;
		for (size_t k = 0; k < c->n_deploys; k++)
			if (c->deploys[k].spec_name[0] &&
			    !strcmp(c->deploys[k].spec_name, p->deployment)) {
				snprintf(p->deployment, sizeof p->deployment,
					 "%s", c->deploys[k].name);
				break;
			}
	}
}

/* Whether dir has a closed-loop level with a summary (a bench directory). */
static bool has_level(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	bool found = false;
	while (dh && !found && (de = readdir(dh))) {
		char *sp = xasprintf("%s/%s/summary.json", dir, de->d_name);
		found = level_dir_name(de->d_name) && exists(sp);
		free(sp);
	}
	if (dh)
		closedir(dh);
	return found;
}

/* A bench directory as a campaign of one deployment, named after the
 * directory; run.json gives the workload and GPUs, there are no SLAs. */
static void load_bench_dir(struct campdir *c)
{
	const char *base = strrchr(c->dir, '/');
	char name[CAMPDIR_NAME_MAX];
	snprintf(name, sizeof name, "%s", base && base[1] ? base + 1 : c->dir);
	c->bench_only = true;
	snprintf(c->name, sizeof c->name, "%s", name);
	char *path = xasprintf("%s/run.json", c->dir);
	cJSON *j = jsonio_load_file(path, NULL);
	c->isl = long_or(j, "isl", 0);
	c->osl = long_or(j, "osl", 0);
	c->total_gpus = long_or(j, "gpus", 0);
	cJSON_Delete(j);
	free(path);
	c->deploys = xcalloc(1, sizeof *c->deploys);
	snprintf(c->deploys[0].name, CAMPDIR_NAME_MAX, "%s", name);
	c->n_deploys = 1;
	load_deploy(c, &c->deploys[0]);
}

int campdir_load(const char *dir, struct campdir *c, struct sc_err *e)
{
	memset(c, 0, sizeof *c);
	c->tpot_sla_ms = NAN;
	c->min_tokens_per_s_user = NAN;
	c->ttft_stat = STAT_P90; /* servecal match's defaults */
	c->tpot_stat = STAT_MEAN;
	c->dir = xstrdup(dir);
	/* Trailing slashes would name the bench deployment "". */
	for (size_t n = strlen(c->dir); n > 1 && c->dir[n - 1] == '/'; n--)
		c->dir[n - 1] = '\0';
	if (!is_dir(dir))
		return sc_err_set(e, SC_EINPUT,
				  "%s: not a campaign directory (missing)",
				  dir);
	char *cj = xasprintf("%s/campaign.json", c->dir);
	bool campaign = exists(cj);
	free(cj);
	if (!campaign && has_level(c->dir)) {
		load_bench_dir(c);
		return SC_OK;
	}
	if (!campaign)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: neither a campaign directory (no campaign.json) nor a "
		    "bench directory (no cN/summary.json of a closed-loop "
		    "level): give a directory that `servecal campaign run` or "
		    "`servecal bench --out` wrote",
		    dir);
	int rc = load_campaign(c, e);
	if (rc)
		return rc;
	load_env_manifest(c);
	for (size_t i = 0; i < c->n_deploys; i++)
		load_deploy(c, &c->deploys[i]);
	load_fit(c);
	map_fit_names(c);
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
	calib_file_release(&c->fit);
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

const struct campdir_match *
campdir_find_match(const struct campdir *c, const char *source, double ttft_ms)
{
	for (size_t i = 0; i < c->n_matches; i++)
		if (!strcmp(c->matches[i].source, source) &&
		    fabs(c->matches[i].ttft_sla_ms - ttft_ms) < 1e-6)
			return &c->matches[i];
	return NULL;
}

const char *campdir_deploy_mode(const struct campdir *c,
				const struct campdir_deploy *d)
{
	if (d->mode[0])
		return d->mode;
	for (size_t i = 0; i < c->fit.n_points; i++)
		if (!strcmp(c->fit.points[i].deployment, d->name) &&
		    c->fit.points[i].mode[0])
			return c->fit.points[i].mode;
	return "agg";
}

bool campdir_level_meets(const struct campdir_level *l, double ttft_ms,
			 enum stat_sel ttft_stat, double tpot_ms,
			 enum stat_sel tpot_stat)
{
	double t = l->ttft_ms.at[ttft_stat], p = l->tpot_ms.at[tpot_stat];
	return l->req_ok > 0 && !(ttft_ms > 0 && !(t <= ttft_ms)) &&
	       !(tpot_ms > 0 && !(p <= tpot_ms));
}
