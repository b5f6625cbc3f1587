/* JSON file I/O and validated field access on top of cJSON. */
#include "util/jsonio.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/infile.h"
#include "util/num.h"
#include "util/xalloc.h"

char *jsonio_read_text(const char *path, size_t max, size_t *len,
		       struct sc_err *e)
{
	return infile_read_all(path, max, false, len, e);
}

/* Line and column of byte off in text, for messages. */
static void line_col(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* One pass over the text before cJSON builds anything: the deepest
 * nesting, and an upper bound on the values (every value but the first
 * of a container follows a comma, so values <= 1 + commas + containers).
 * Strings are skipped so brackets and commas inside them do not count.
 * Stops at the first byte that passes a cap. */
static int prescan(const char *text, size_t len, size_t max_nodes,
		   const char *what, struct sc_err *e)
{
	size_t nodes = 1;
	int depth = 0;
	bool in_str = false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		switch (c) {
		case '"':
			in_str = true;
			break;
		case '[':
		case '{':
			nodes++;
			if (++depth > JSONIO_MAX_DEPTH) {
				int line, col;
				line_col(text, i, &line, &col);
				return sc_err_set(
				    e, SC_EINPUT,
				    "%s: nested deeper than %d levels near "
				    "line %d column %d",
				    what, JSONIO_MAX_DEPTH, line, col);
			}
			break;
		case ']':
		case '}':
			depth--;
			break;
		case ',':
			nodes++;
			break;
		default:
			break;
		}
		if (nodes > max_nodes)
			return sc_err_set(e, SC_EINPUT,
					  "%s: more than %zu JSON values (the "
					  "cap for this kind of file)",
					  what, max_nodes);
	}
	return SC_OK;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends ".key" or "[i]" to a JSON path for messages. */
static void path_push(char *path, size_t cap, size_t *plen, const cJSON *it,
		      size_t idx)
{
	size_t n = *plen;
	if (n >= cap - 1)
		return;
	int w = it->string ? snprintf(path + n, cap - n, "%s%s", n ? "." : "",
				      it->string)
			   : snprintf(path + n, cap - n, "[%zu]", idx);
	*plen = w < 0 ? n : (n + (size_t)w < cap ? n + (size_t)w : cap - 1);
}

/* The first member name that appears twice in an object of the tree;
 * cJSON keeps both and lookups see only the first, so the second would be
 * ignored in silence. Recursion depth is bounded by the prescan. */
static int find_dup(const cJSON *j, char *path, size_t cap, size_t plen,
		    const char *what, struct sc_err *e)
{
	if (cJSON_IsObject(j)) {
		size_t n = 0;
		const cJSON *it;
		cJSON_ArrayForEach(it, j) n++;
		if (n > 1) {
			const char **names = xmalloc(n * sizeof *names);
			size_t k = 0;
			cJSON_ArrayForEach(it, j) names[k++] =
			    it->string ? it->string : "";
			qsort(names, n, sizeof *names, cmp_key);
			const char *dup = NULL;
			for (size_t i = 1; i < n && !dup; i++)
				if (!strcmp(names[i - 1], names[i]))
					dup = names[i];
			if (dup) {
				int rc = sc_err_set(
				    e, SC_EINPUT, "%s: duplicate key '%s'%s%s",
				    what, dup, plen ? " in " : "",
				    plen ? path : "");
				free(names);
				return rc;
			}
			free(names);
		}
	}
	const cJSON *it;
	size_t idx = 0;
	cJSON_ArrayForEach(it, j)
	{
		if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
			size_t l = plen;
			path_push(path, cap, &l, it, idx);
			int rc = find_dup(it, path, cap, l, what, e);
			path[plen] = '\0';
			if (rc)
				return rc;
		}
		idx++;
	}
	return SC_OK;
}

cJSON *jsonio_parse_capped(const char *text, size_t len, const char *what,
			   size_t max_nodes, struct sc_err *e)
{
	if (prescan(text, len, max_nodes, what, e))
		return NULL;
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	size_t off = end && end >= text ? (size_t)(end - text) : 0;
	if (off > len)
		off = len;
	int line, col;
	if (!j) {
		/* cJSON reports where it stopped; turn that into line:column.
		 */
		line_col(text, off, &line, &col);
		sc_err_set(e, SC_EINPUT,
			   "%s: invalid JSON near line %d column %d", what,
			   line, col);
		return NULL;
	}
	size_t k = off;
	while (k < len && (text[k] == ' ' || text[k] == '\t' ||
			   text[k] == '\n' || text[k] == '\r'))
		k++;
	if (k < len) {
		line_col(text, k, &line, &col);
		sc_err_set(e, SC_EINPUT,
			   "%s: data after the JSON value at line %d column %d",
			   what, line, col);
		cJSON_Delete(j);
		return NULL;
	}
	char path[256] = "";
	if (find_dup(j, path, sizeof path, 0, what, e)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

cJSON *jsonio_parse(const char *text, size_t len, const char *what,
		    struct sc_err *e)
{
	return jsonio_parse_capped(text, len, what, JSONIO_MAX_NODES, e);
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
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, e);
	if (rc == SC_OK) {
		fputs(text, a.f);
		fputc('\n', a.f);
		rc = fs_atomic_commit(&a, e);
	}
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

/* A range message from util/num is about a file here. */
static int as_input(struct sc_err *e)
{
	if (e)
		e->status = SC_EINPUT;
	return SC_EINPUT;
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
	       long lo, long hi, long *out, const char *where, struct sc_err *e)
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
	char name[SC_ERR_MSG_MAX];
	snprintf(name, sizeof name, "%s: field '%s'", where, key);
	if (num_check_whole(name, v->valuedouble, lo, hi, out, e))
		return as_input(e);
	return SC_OK;
}

int jsonio_range(const cJSON *obj, const char *key, bool required, double def,
		 double lo, double hi, double *out, const char *where,
		 struct sc_err *e)
{
	double v;
	int rc = jsonio_num(obj, key, required, def, &v, where, e);
	if (rc)
		return rc;
	if (!cJSON_GetObjectItemCaseSensitive(obj, key)) {
		*out = def; /* the caller's default, not the file's */
		return SC_OK;
	}
	char name[SC_ERR_MSG_MAX];
	snprintf(name, sizeof name, "%s: field '%s'", where, key);
	if (num_check(name, v, lo, hi, e))
		return as_input(e);
	*out = v;
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

static bool only_chars(const char *s, const char *chars)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(chars, *s)))
			return false;
	return true;
}

int jsonio_str_copy(const cJSON *obj, const char *key, char *buf, size_t len,
		    const char *chars, const char *where, struct sc_err *e)
{
	const char *v;
	int rc = jsonio_str(obj, key, false, "", &v, where, e);
	if (rc)
		return rc;
	if (strlen(v) >= len || (chars && !only_chars(v, chars)))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': '%.200s' must be at most "
				  "%zu characters%s%s",
				  where, key, v, len - 1,
				  chars ? " of letters, digits and " : "",
				  chars ? chars : "");
	snprintf(buf, len, "%s", v);
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

double jsonio_num_or_nan(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

void jsonio_str_or_empty(const cJSON *obj, const char *key, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

enum stat_sel jsonio_stat_sel(const cJSON *obj, const char *key,
			      enum stat_sel def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	enum stat_sel s;
	return cJSON_IsString(v) && !statsel_parse(v->valuestring, &s) ? s
								       : def;
}
