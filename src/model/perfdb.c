/* The perf database of calibrated parameters. */
#include "model/perfdb.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model/catalog.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

void perfdb_root(char *buf, size_t len)
{
	const char *env = getenv("SERVECAL_DB");
	if (env && *env)
		snprintf(buf, len, "%s", env);
	else
		snprintf(buf, len, "%s/db", catalog_dir());
}

/* Lower-case, and anything but [a-z0-9.-] becomes '-'. */
static void slug(const char *in, char *out, size_t len)
{
	size_t i = 0;
	for (; in[i] && i + 1 < len; i++) {
		char c = (char)tolower((unsigned char)in[i]);
		out[i] = (isalnum((unsigned char)c) || c == '.' || c == '-')
			     ? c
			     : '-';
	}
	out[i] = '\0';
}

int perfdb_path(const char *gpu, const char *backend, const char *model,
		char *buf, size_t len, struct sc_err *e)
{
	char root[1024], g[128], b[128], m[128];
	perfdb_root(root, sizeof root);
	slug(gpu, g, sizeof g);
	slug(model, m, sizeof m);
	if (backend) {
		slug(backend, b, sizeof b);
		snprintf(buf, len, "%s/%s/%s/%s.json", root, g, b, m);
		return SC_OK;
	}
	char dir[1200], found[1024] = "";
	int n = 0;
	snprintf(dir, sizeof dir, "%s/%s", root, g);
	DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char p[2048];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s/%s.json", dir, de->d_name, m);
		if (stat(p, &st) == 0) {
			if (n++ == 0)
				snprintf(buf, len, "%s", p);
			size_t used = strlen(found);
			snprintf(found + used, sizeof found - used, "%s%s",
				 used ? ", " : "", de->d_name);
		}
	}
	if (d)
		closedir(d);
	if (n == 1)
		return SC_OK;
	if (n == 0)
		return sc_err_set(e, SC_EINPUT,
				  "perf database %s has no entry for %s on %s "
				  "(run `servecal fit ... --db` first)",
				  root, model, gpu);
	return sc_err_set(e, SC_EINPUT,
			  "perf database has %s on %s for several backends "
			  "(%s): name one with --backend",
			  model, gpu, found);
}

int perfdb_load_params(const char *gpu, const char *backend, const char *model,
		       struct model_params *p, char *path_out, size_t len,
		       struct sc_err *e)
{
	char path[2048];
	int rc = perfdb_path(gpu, backend, model, path, sizeof path, e);
	if (rc)
		return rc;
	struct stat st;
	if (stat(path, &st) != 0)
		return sc_err_set(
		    e, SC_EINPUT,
		    "perf database has no entry %s for %s on %s with backend "
		    "%s (run `servecal fit ... --db` first)",
		    path, model, gpu, backend ? backend : "?");
	if (path_out)
		snprintf(path_out, len, "%s", path);
	return params_load(path, p, e);
}

static const char *str_of(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsString(v) ? v->valuestring : "unknown";
}

int perfdb_update(const cJSON *fit, const char *const *inputs, size_t n_inputs,
		  const char *version, char *path_out, size_t len,
		  struct sc_err *e)
{
	const char *gpu = str_of(fit, "gpu"), *backend = str_of(fit, "backend");
	const char *model = str_of(fit, "model");
	char path[2048];
	int rc = perfdb_path(gpu, backend, model, path, sizeof path, e);
	if (rc)
		return rc;
	char dir[2048];
	snprintf(dir, sizeof dir, "%s", path);
	*strrchr(dir, '/') = '\0';
	if ((rc = fs_mkdir_p(dir, e)))
		return rc;
	cJSON *old = NULL;
	struct stat st;
	if (stat(path, &st) == 0 && !(old = jsonio_load_file(path, e)))
		return SC_EINPUT; /* never overwrite an entry we cannot read */

	cJSON *entry = cJSON_CreateObject();
	cJSON_AddStringToObject(entry, "model", model);
	cJSON_AddStringToObject(entry, "gpu", gpu);
	cJSON_AddStringToObject(entry, "backend", backend);
	cJSON_AddItemToObject(
	    entry, "params",
	    cJSON_Duplicate(cJSON_GetObjectItem(fit, "params"), 1));
	cJSON *prov = cJSON_AddObjectToObject(entry, "provenance");
	char date[32];
	clock_wall_iso(date, sizeof date);
	cJSON_AddStringToObject(prov, "date", date);
	cJSON_AddStringToObject(prov, "servecal_version", version);
	cJSON *in = cJSON_AddArrayToObject(prov, "inputs");
	for (size_t i = 0; i < n_inputs; i++)
		cJSON_AddItemToArray(in, cJSON_CreateString(inputs[i]));
	static const char *const copied[] = {"converged",	 "chi2_dof",
					     "holdout",		 "mape",
					     "not_identifiable", NULL};
	for (const char *const *k = copied; *k; k++) {
		const cJSON *v = cJSON_GetObjectItem(fit, *k);
		if (v)
			cJSON_AddItemToObject(prov, *k, cJSON_Duplicate(v, 1));
	}
	const cJSON *pts = cJSON_GetObjectItem(fit, "points");
	cJSON_AddNumberToObject(prov, "points", cJSON_GetArraySize(pts));
	cJSON *hist = cJSON_AddArrayToObject(entry, "history");
	if (old) {
		/* The entry being replaced, then its own history. */
		cJSON *h = cJSON_CreateObject();
		cJSON_AddItemToObject(
		    h, "params",
		    cJSON_Duplicate(cJSON_GetObjectItem(old, "params"), 1));
		cJSON_AddItemToObject(
		    h, "provenance",
		    cJSON_Duplicate(cJSON_GetObjectItem(old, "provenance"), 1));
		cJSON_AddItemToArray(hist, h);
		const cJSON *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(old, "history"))
		{
			if (cJSON_GetArraySize(hist) >= PERFDB_HISTORY)
				break;
			cJSON_AddItemToArray(hist, cJSON_Duplicate(it, 1));
		}
		cJSON_Delete(old);
	}
	rc = jsonio_save_file(path, entry, e);
	cJSON_Delete(entry);
	if (rc == SC_OK && path_out)
		snprintf(path_out, len, "%s", path);
	return rc;
}

static void str_or_dash(const cJSON *j, const char *k, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "-");
}

void perfdb_entry_from_json(const cJSON *j, struct perfdb_entry *out)
{
	memset(out, 0, sizeof *out);
	const cJSON *prov = cJSON_GetObjectItemCaseSensitive(j, "provenance");
	str_or_dash(j, "model", out->model, sizeof out->model);
	str_or_dash(j, "gpu", out->gpu, sizeof out->gpu);
	str_or_dash(j, "backend", out->backend, sizeof out->backend);
	str_or_dash(prov, "date", out->date, sizeof out->date);
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "params");
	for (int i = 0; i < MP_COUNT; i++) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(
		    params, mp_table[i].json_key);
		out->value[i] = jsonio_num_or_nan(p, "value");
		out->sigma[i] = jsonio_num_or_nan(p, "sigma");
		out->prior[i] = jsonio_num_or_nan(p, "prior");
	}
	const cJSON *mape =
	    cJSON_GetObjectItemCaseSensitive(prov ? prov : j, "mape");
	const cJSON *it;
	cJSON_ArrayForEach(it,
			   cJSON_GetObjectItemCaseSensitive(mape, "held_out"))
	{
		if (!cJSON_IsNumber(it) || out->n_held_out >= PERFDB_MAPE_MAX)
			continue;
		snprintf(out->held_out[out->n_held_out].metric,
			 sizeof out->held_out[0].metric, "%s", it->string);
		out->held_out[out->n_held_out++].pct = it->valuedouble;
	}
	out->n_history =
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "history"));
}

char *perfdb_list(void)
{
	char root[1024];
	perfdb_root(root, sizeof root);
	size_t cap = 256, used = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	DIR *g = opendir(root);
	struct dirent *a, *b, *c;
	while (g && (a = readdir(g))) {
		if (a->d_name[0] == '.')
			continue;
		char p1[2048];
		snprintf(p1, sizeof p1, "%s/%s", root, a->d_name);
		DIR *bd = opendir(p1);
		while (bd && (b = readdir(bd))) {
			if (b->d_name[0] == '.')
				continue;
			char p2[3072];
			snprintf(p2, sizeof p2, "%s/%s", p1, b->d_name);
			DIR *md = opendir(p2);
			while (md && (c = readdir(md))) {
				size_t n = strlen(c->d_name);
				if (n < 6 || strcmp(c->d_name + n - 5, ".json"))
					continue;
				char line[1024];
				int k =
				    snprintf(line, sizeof line, "%s/%s/%.*s\n",
					     a->d_name, b->d_name, (int)(n - 5),
					     c->d_name);
				out = xgrow(out, &cap, used + (size_t)k + 1, 1);
				memcpy(out + used, line, (size_t)k + 1);
				used += (size_t)k;
			}
			if (md)
				closedir(md);
		}
		if (bd)
			closedir(bd);
	}
	if (g)
		closedir(g);
	return out;
}

int params_resolve(const struct params_choice *c, struct model_params *p,
		   char *from, size_t len, struct sc_err *e)
{
	params_default(p);
	snprintf(from, len, "priors");
	if (c->file && c->db)
		return sc_err_set(e, SC_EINVAL,
				  "--db and --params exclude each other");
	if (c->file) {
		snprintf(from, len, "%s", c->file);
		return params_load(c->file, p, e);
	}
	if (c->db)
		return perfdb_load_params(c->gpu, c->backend, c->model, p, from,
					  len, e);
	return SC_OK;
}
