/* Locates the shipped catalogs: calib/models and calib/gpus JSON files. */
#include "model/catalog.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/jsonio.h"

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *catalog_dir(void)
{
	const char *env = getenv("SERVECAL_CALIB");
	if (env && *env)
		return env;
	/* A build tree uses its sources; an installed binary its data dir. */
	if (is_dir(SC_SRCDIR "/calib/models"))
		return SC_SRCDIR "/calib";
	return SC_PKGDATADIR "/calib";
}

bool catalog_is_path(const char *arg)
{
	size_t n = strlen(arg);
	return strchr(arg, '/') || (n > 5 && !strcmp(arg + n - 5, ".json"));
}

int catalog_resolve(const char *kind, const char *name, char *buf, size_t len,
		    struct sc_err *e)
{
	char low[128];
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof low)
		return sc_err_set(e, SC_EINPUT, "bad %s name '%s'", kind, name);
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	snprintf(buf, len, "%s/%s/%s.json", catalog_dir(), kind, low);
	struct stat st;
	if (stat(buf, &st) == 0)
		return SC_OK;
	char known[1024];
	catalog_list(kind, known, sizeof known);
	return sc_err_set(e, SC_EINPUT,
			  "unknown %s '%s' (known: %s; or pass a path to a .json file)",
			  kind, name, known[0] ? known : "none found");
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void catalog_list(const char *kind, char *buf, size_t len)
{
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/%s", catalog_dir(), kind);
	buf[0] = '\0';
	DIR *d = opendir(dir);
	if (!d)
		return;
	char *names[256];
	size_t k = 0;
	struct dirent *de;
	while ((de = readdir(d)) && k < 256) {
		size_t n = strlen(de->d_name);
		if (n > 5 && !strcmp(de->d_name + n - 5, ".json"))
			names[k++] = strndup(de->d_name, n - 5);
	}
	closedir(d);
	qsort(names, k, sizeof names[0], cmp_str);
	size_t used = 0;
	for (size_t i = 0; i < k; i++) {
		if (names[i] && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 i ? ", " : "", names[i]);
		free(names[i]);
	}
}

cJSON *catalog_load(const char *kind, const char *arg, char *path, size_t len,
		    struct sc_err *e)
{
	if (catalog_is_path(arg))
		snprintf(path, len, "%s", arg);
	else if (catalog_resolve(kind, arg, path, len, e))
		return NULL;
	return jsonio_load_file(path, e);
}
