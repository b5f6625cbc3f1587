/* The campaign manifest: step statuses saved atomically. */
#include "camp/manifest.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/clock.h"
#include "util/jsonio.h"

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
					  "%s: belongs to another campaign or is damaged; use another --out",
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

const char *manifest_status(const struct manifest *m, const char *step)
{
	const cJSON *s = cJSON_GetObjectItem(cJSON_GetObjectItem(m->root, "steps"), step);
	const cJSON *v = cJSON_GetObjectItem(s, "status");
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int manifest_set(struct manifest *m, const char *step, const char *status,
		 const char *note, struct sc_err *e)
{
	cJSON *steps = cJSON_GetObjectItem(m->root, "steps");
	cJSON *s = cJSON_CreateObject();
	char now[32];
	clock_wall_iso(now, sizeof now);
	cJSON_AddStringToObject(s, "status", status);
	cJSON_AddStringToObject(s, "at", now);
	if (note)
		cJSON_AddStringToObject(s, "note", note);
	if (cJSON_GetObjectItem(steps, step))
		cJSON_ReplaceItemInObject(steps, step, s);
	else
		cJSON_AddItemToObject(steps, step, s);
	cJSON_ReplaceItemInObject(m->root, "updated", cJSON_CreateString(now));
	return jsonio_save_file(m->path, m->root, e);
}

void manifest_release(struct manifest *m)
{
	cJSON_Delete(m->root);
	m->root = NULL;
}
