/* JSON file I/O and validated field access on top of cJSON. */
#include "util/jsonio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/xalloc.h"

char *jsonio_read_text(const char *path, size_t max, size_t *len,
		       struct sc_err *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		sc_err_set(e, SC_EINPUT, "%s: cannot open: %s", path,
			   strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > max) {
				sc_err_set(e, SC_EINPUT,
					   "%s: larger than %zu bytes", path,
					   max);
				free(buf);
				fclose(f);
				return NULL;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int rerr = ferror(f);
	fclose(f);
	if (rerr || n > max) {
		sc_err_set(e, SC_EINPUT, "%s: %s", path,
			   rerr ? "read error" : "file too large");
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

cJSON *jsonio_parse(const char *text, size_t len, const char *what,
		    struct sc_err *e)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (j)
		return j;
	/* cJSON reports where it stopped; turn that into line:column. */
	size_t off = end && end >= text ? (size_t)(end - text) : 0;
	if (off > len)
		off = len;
	int line = 1, col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	sc_err_set(e, SC_EINPUT, "%s: invalid JSON near line %d column %d",
		   what, line, col);
	return NULL;
}

cJSON *jsonio_load_file(const char *path, struct sc_err *e)
{
	size_t len = 0;
	char *text = jsonio_read_text(path, JSONIO_MAX_FILE_BYTES, &len, e);
	if (!text)
		return NULL;
	cJSON *j = jsonio_parse(text, len, path, e);
	free(text);
	return j;
}

int jsonio_save_file(const char *path, const cJSON *j, struct sc_err *e)
{
	char *text = cJSON_Print(j);
	if (!text)
		return sc_err_set(e, SC_ERUNTIME, "%s: cannot render JSON",
				  path);
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int rc = SC_OK;
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		rc = sc_err_set(e, SC_ERUNTIME, "%s: cannot write: %s", tmp,
				strerror(errno));
		goto out;
	}
	size_t n = strlen(text);
	int bad = fwrite(text, 1, n, f) != n || fputc('\n', f) == EOF;
	bad |= fclose(f) != 0;
	if (bad) {
		rc = sc_err_set(e, SC_ERUNTIME, "%s: write failed: %s", tmp,
				strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) != 0) {
		rc = sc_err_set(e, SC_ERUNTIME, "%s: cannot rename: %s", path,
				strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	cJSON_free(text);
	return rc;
}

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsNumber(v))
		return "number";
	if (cJSON_IsString(v))
		return "string";
	if (cJSON_IsBool(v))
		return "boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "array";
	if (cJSON_IsObject(v))
		return "object";
	return "invalid value";
}

static int missing(const char *key, const char *where, struct sc_err *e)
{
	return sc_err_set(e, SC_EINPUT, "%s: field '%s': missing", where, key);
}

static int wrong_type(const char *key, const char *want, const cJSON *v,
		      const char *where, struct sc_err *e)
{
	return sc_err_set(e, SC_EINPUT, "%s: field '%s': must be %s, got %s",
			  where, key, want, type_name(v));
}

int jsonio_num(const cJSON *obj, const char *key, bool required, double def,
	       double *out, const char *where, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return missing(key, where, e);
		*out = def;
		return SC_OK;
	}
	if (!cJSON_IsNumber(v))
		return wrong_type(key, "a number", v, where, e);
	if (!isfinite(v->valuedouble))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must be finite", where, key);
	*out = v->valuedouble;
	return SC_OK;
}

int jsonio_pos(const cJSON *obj, const char *key, bool required, double def,
	       double *out, const char *where, struct sc_err *e)
{
	int rc = jsonio_num(obj, key, required, def, out, where, e);
	if (rc)
		return rc;
	if (!(*out > 0))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must be > 0, got %g", where,
				  key, *out);
	return SC_OK;
}

int jsonio_int(const cJSON *obj, const char *key, bool required, long def,
	       long lo, long hi, long *out, const char *where,
	       struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return missing(key, where, e);
		*out = def;
		return SC_OK;
	}
	if (!cJSON_IsNumber(v))
		return wrong_type(key, "a whole number", v, where, e);
	double d = v->valuedouble;
	if (!isfinite(d) || d != floor(d))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must be a whole number, got %g",
				  where, key, d);
	if (d < (double)lo || d > (double)hi)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must be in [%ld, %ld], got %.0f",
				  where, key, lo, hi, d);
	*out = (long)d;
	return SC_OK;
}

int jsonio_str(const cJSON *obj, const char *key, bool required,
	       const char *def, const char **out, const char *where,
	       struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return missing(key, where, e);
		*out = def;
		return SC_OK;
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return wrong_type(key, "a string", v, where, e);
	if (v->valuestring[0] == '\0')
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must not be empty", where,
				  key);
	*out = v->valuestring;
	return SC_OK;
}

int jsonio_bool(const cJSON *obj, const char *key, bool required, bool def,
		bool *out, const char *where, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!v) {
		if (required)
			return missing(key, where, e);
		*out = def;
		return SC_OK;
	}
	if (!cJSON_IsBool(v))
		return wrong_type(key, "true or false", v, where, e);
	*out = cJSON_IsTrue(v);
	return SC_OK;
}

int jsonio_obj(const cJSON *obj, const char *key, bool required,
	       const cJSON **out, const char *where, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!v)
		return required ? missing(key, where, e) : SC_OK;
	if (!cJSON_IsObject(v))
		return wrong_type(key, "an object", v, where, e);
	*out = v;
	return SC_OK;
}

int jsonio_known_keys(const cJSON *obj, const char *const *known,
		      const char *where, struct sc_err *e)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, obj)
	{
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = it->string && strcmp(it->string, *k) == 0;
		if (!ok)
			return sc_err_set(e, SC_EINPUT,
					  "%s: unknown field '%s'", where,
					  it->string ? it->string : "?");
	}
	return SC_OK;
}
