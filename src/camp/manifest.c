/* The campaign manifest: step statuses and progress, saved atomically. */
#include "camp/manifest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

/* Wall-clock seconds: `campaign status` runs in another process, so the
 * start of a step is kept as a date, not a monotonic reading. */
static double now_unix_s(void)
{
	return (double)clock_wall_ns() * 1e-9;
}

int manifest_open(struct manifest *m, const char *dir, const char *name,
		  struct sc_err *e)
{
	snprintf(m->path, sizeof m->path, "%s/manifest.json", dir);
	struct stat st;
	char now[32];
	clock_wall_iso(now, sizeof now);
	if (stat(m->path, &st) == 0) {
		m->root = jsonio_load_file(m->path, e);
		if (!m->root)
			return SC_EINPUT;
		const cJSON *c = cJSON_GetObjectItem(m->root, "campaign");
		if (!cJSON_IsString(c) || strcmp(c->valuestring, name) ||
		    !cJSON_IsObject(cJSON_GetObjectItem(m->root, "steps"))) {
			cJSON_Delete(m->root);
			m->root = NULL;
			return sc_err_set(e, SC_EINPUT,
					  "%s: belongs to another campaign or "
					  "is damaged; use another --out",
					  m->path);
		}
		return SC_OK;
	}
	m->root = cJSON_CreateObject();
	cJSON_AddStringToObject(m->root, "campaign", name);
	cJSON_AddStringToObject(m->root, "created", now);
	cJSON_AddStringToObject(m->root, "updated", now);
	cJSON_AddObjectToObject(m->root, "steps");
	return jsonio_save_file(m->path, m->root, e);
}

int manifest_read(struct manifest *m, const char *dir, struct sc_err *e)
{
	snprintf(m->path, sizeof m->path, "%s/manifest.json", dir);
	m->root = jsonio_load_file(m->path, e);
	if (!m->root)
		return SC_EINPUT;
	if (!cJSON_IsObject(cJSON_GetObjectItem(m->root, "steps"))) {
		cJSON_Delete(m->root);
		m->root = NULL;
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: no 'steps' object: not a campaign manifest", m->path);
	}
	return SC_OK;
}

const char *manifest_status(const struct manifest *m, const char *step)
{
	const cJSON *s =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(m->root, "steps"), step);
	const cJSON *v = cJSON_GetObjectItem(s, "status");
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void touch(struct manifest *m)
{
	char now[32];
	clock_wall_iso(now, sizeof now);
	cJSON_ReplaceItemInObject(m->root, "updated", cJSON_CreateString(now));
}

static int put_step(struct manifest *m, const char *step, const char *status,
		    const char *note, bool start, struct sc_err *e)
{
	cJSON *steps = cJSON_GetObjectItem(m->root, "steps");
	double started =
	    start ? now_unix_s()
		  : jsonio_num_or_nan(cJSON_GetObjectItem(steps, step),
				      "started_unix_s");
	cJSON *s = cJSON_CreateObject();
	char now[32];
	clock_wall_iso(now, sizeof now);
	cJSON_AddStringToObject(s, "status", status);
	cJSON_AddStringToObject(s, "at", now);
	if (note)
		cJSON_AddStringToObject(s, "note", note);
	if (isfinite(started)) {
		cJSON_AddNumberToObject(s, "started_unix_s", started);
		if (!start)
			cJSON_AddNumberToObject(
			    s, "elapsed_s",
			    round((now_unix_s() - started) * 10) / 10);
	}
	if (cJSON_GetObjectItem(steps, step))
		cJSON_ReplaceItemInObject(steps, step, s);
	else
		cJSON_AddItemToObject(steps, step, s);
	touch(m);
	return jsonio_save_file(m->path, m->root, e);
}

int manifest_set(struct manifest *m, const char *step, const char *status,
		 const char *note, struct sc_err *e)
{
	return put_step(m, step, status, note, false, e);
}

int manifest_start(struct manifest *m, const char *step, struct sc_err *e)
{
	return put_step(m, step, "running", NULL, true, e);
}

static void step_of(const cJSON *s, struct manifest_step *out)
{
	memset(out, 0, sizeof *out);
	out->started_unix_s = out->elapsed_s = NAN;
	if (!s)
		return;
	snprintf(out->name, sizeof out->name, "%s", s->string ? s->string : "");
	/* Older manifests: "name": "done". */
	const cJSON *v =
	    cJSON_IsObject(s) ? cJSON_GetObjectItem(s, "status") : s;
	if (cJSON_IsString(v))
		snprintf(out->status, sizeof out->status, "%s", v->valuestring);
	v = cJSON_GetObjectItem(s, "note");
	if (cJSON_IsString(v))
		snprintf(out->note, sizeof out->note, "%s", v->valuestring);
	v = cJSON_GetObjectItem(s, "at");
	if (cJSON_IsString(v))
		snprintf(out->at, sizeof out->at, "%s", v->valuestring);
	out->started_unix_s = jsonio_num_or_nan(s, "started_unix_s");
	out->elapsed_s = jsonio_num_or_nan(s, "elapsed_s");
}

size_t manifest_count(const struct manifest *m)
{
	return (size_t)cJSON_GetArraySize(
	    cJSON_GetObjectItem(m->root, "steps"));
}

void manifest_step_at(const struct manifest *m, size_t i,
		      struct manifest_step *out)
{
	step_of(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(m->root, "steps"), (int)i),
	    out);
}

bool manifest_step_get(const struct manifest *m, const char *name,
		       struct manifest_step *out)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItem(m->root, "steps"), name);
	step_of(s, out);
	return s != NULL;
}

int manifest_set_progress(struct manifest *m, const struct manifest_progress *p,
			  struct sc_err *e)
{
	cJSON *old = cJSON_GetObjectItem(m->root, "progress");
	cJSON *pr = cJSON_CreateObject();
	if (p->plan) {
		cJSON *a = cJSON_AddArrayToObject(pr, "plan");
		for (size_t i = 0; i < p->n_plan; i++) {
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "step", p->plan[i].step);
			cJSON_AddNumberToObject(
			    o, "expected_s",
			    round(p->plan[i].expected_s * 10) / 10);
			cJSON_AddItemToArray(a, o);
		}
	} else if (cJSON_GetObjectItem(old, "plan")) {
		cJSON_AddItemToObject(
		    pr, "plan",
		    cJSON_Duplicate(cJSON_GetObjectItem(old, "plan"), 1));
	}
	if (isfinite(p->remaining_s))
		cJSON_AddNumberToObject(pr, "remaining_s",
					round(p->remaining_s * 10) / 10);
	cJSON_AddNumberToObject(pr, "at_unix_s",
				isfinite(p->at_unix_s) ? p->at_unix_s
						       : now_unix_s());
	if (isfinite(p->started_unix_s))
		cJSON_AddNumberToObject(pr, "started_unix_s",
					p->started_unix_s);
	if (old)
		cJSON_ReplaceItemInObject(m->root, "progress", pr);
	else
		cJSON_AddItemToObject(m->root, "progress", pr);
	touch(m);
	return jsonio_save_file(m->path, m->root, e);
}

void manifest_get_progress(const struct manifest *m,
			   struct manifest_progress *p)
{
	memset(p, 0, sizeof *p);
	const cJSON *pr = cJSON_GetObjectItem(m->root, "progress");
	const cJSON *plan = cJSON_GetObjectItem(pr, "plan"), *it;
	p->remaining_s = jsonio_num_or_nan(pr, "remaining_s");
	p->at_unix_s = jsonio_num_or_nan(pr, "at_unix_s");
	p->started_unix_s = jsonio_num_or_nan(pr, "started_unix_s");
	p->plan =
	    xcalloc((size_t)cJSON_GetArraySize(plan) + 1, sizeof *p->plan);
	cJSON_ArrayForEach(it, plan)
	{
		const cJSON *s = cJSON_GetObjectItem(it, "step");
		if (!cJSON_IsString(s))
			continue;
		snprintf(p->plan[p->n_plan].step, sizeof p->plan[0].step, "%s",
			 s->valuestring);
		p->plan[p->n_plan++].expected_s =
		    jsonio_num_or_nan(it, "expected_s");
	}
}

void manifest_progress_release(struct manifest_progress *p)
{
	free(p->plan);
	memset(p, 0, sizeof *p);
}

void manifest_release(struct manifest *m)
{
	cJSON_Delete(m->root);
	m->root = NULL;
}
