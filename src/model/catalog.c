/* Locates the shipped catalogs: calib/models and calib/gpus JSON files. */
#include "model/catalog.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/jsonio.h"

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* True when the running program lies in the build tree (tests, a binary
 * run from build/), not where `make install` put it. */
static bool in_build_tree(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return true;
	exe[n] = 0;
	size_t k = strlen(SC_BUILDDIR);
	return !strncmp(exe, SC_BUILDDIR, k) && exe[k] == '/';
}

const char *catalog_dir(void)
{
	const char *env = getenv("SERVECAL_CALIB");
	if (env && *env)
		return env;
	/* A build tree uses its sources; an installed binary its data dir
	 * (the sources only when that is missing). */
	if (in_build_tree() && is_dir(SC_SRCDIR "/calib/models"))
		return SC_SRCDIR "/calib";
	if (is_dir(SC_PKGDATADIR "/calib/models"))
		return SC_PKGDATADIR "/calib";
	return SC_SRCDIR "/calib";
}

/* A Hugging Face id: "org/name", one slash, no path that exists. */
static bool is_hub_id(const char *arg)
{
	const char *slash = strchr(arg, '/');
	struct stat st;
	return slash && slash != arg && slash[1] && !strchr(slash + 1, '/') &&
	       stat(arg, &st) != 0;
}

bool catalog_is_path(const char *arg)
{
	size_t n = strlen(arg);
	if (n > 5 && !strcmp(arg + n - 5, ".json"))
		return true;
	return strchr(arg, '/') && !is_hub_id(arg);
}

/* Names people use for catalog entries: GPU short names, and what is left
 * of a Hugging Face model id once the organisation and the variant
 * suffixes are taken off. */
static const struct {
	const char *kind, *alias, *entry;
} aliases[] = {
    {"gpus", "h200", "h200-sxm"},
    {"gpus", "h100", "h100-sxm"},
    {"gpus", "a100", "a100-80gb"},
    {"gpus", "a100-sxm", "a100-80gb"},
    {"gpus", "b200-sxm", "b200"},
    {"gpus", "cpu", "cpu-1core"},
    {"models", "meta-llama-3.1-8b", "llama-3.1-8b"},
    {"models", "meta-llama-3.1-70b", "llama-3.1-70b"},
};
/* Variant suffixes of a model id that do not change its shape. */
static const char *const model_suffixes[] = {"-instruct", "-fp8", "-base",
					     "-chat",	  "-hf",  NULL};

static void lower(char *dst, const char *src)
{
	for (; *src; src++)
		*dst++ = (char)tolower((unsigned char)*src);
	*dst = 0;
}

/* The catalog entry name for what the user wrote (in place). */
static void normalise(const char *kind, char *low)
{
	char *slash = strchr(low, '/');
	if (slash)
		memmove(low, slash + 1, strlen(slash + 1) + 1);
	if (!strcmp(kind, "models"))
		for (int again = 1; again;) {
			again = 0;
			size_t n = strlen(low);
			for (size_t i = 0; model_suffixes[i]; i++) {
				size_t k = strlen(model_suffixes[i]);
				if (n > k &&
				    !strcmp(low + n - k, model_suffixes[i])) {
					low[n - k] = 0;
					again = 1;
					break;
				}
			}
		}
	for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++)
		if (!strcmp(kind, aliases[i].kind) &&
		    !strcmp(low, aliases[i].alias)) {
			strcpy(low, aliases[i].entry);
			break;
		}
}

int catalog_resolve(const char *kind, const char *name, char *buf, size_t len,
		    struct sc_err *e)
{
	char low[160];
	size_t n = strlen(name);
	if (n == 0 || n >= 128)
		return sc_err_set(e, SC_EINPUT, "bad %s name '%s'",
				  !strcmp(kind, "gpus") ? "GPU" : "model",
				  name);
	lower(low, name);
	normalise(kind, low);
	snprintf(buf, len, "%s/%s/%s.json", catalog_dir(), kind, low);
	struct stat st;
	if (stat(buf, &st) == 0)
		return SC_OK;
	char known[1024];
	catalog_list(kind, known, sizeof known);
	return sc_err_set(
	    e, SC_EINPUT,
	    "unknown %s '%s' (known: %s%s; or pass a path to a .json file)",
	    !strcmp(kind, "gpus") ? "GPU" : "model", name,
	    known[0] ? known : "none found",
	    !strcmp(kind, "gpus")
		? "; also h200, h100, a100"
		: "; also Hugging Face ids such as Qwen/Qwen3-32B");
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
