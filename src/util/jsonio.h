/* JSON file I/O and validated field access: the home of cJSON for files.
 * Readers name the file, the field and the problem in their error, e.g.
 * "calib/models/x.json: field 'layers': must be > 0, got -3". */
#ifndef SC_JSONIO_H
#define SC_JSONIO_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* Largest JSON file servecal reads (specs, campaigns, results summaries). */
#define JSONIO_MAX_FILE_BYTES (64u * 1024u * 1024u)

/* Reads and parses path. Returns a tree the caller frees with cJSON_Delete,
 * or NULL with SC_EINPUT in e (missing file, too large, syntax error with
 * line and column). */
cJSON *jsonio_load_file(const char *path, struct sc_err *e);
/* Parses text of length len; `what` names it in errors. */
cJSON *jsonio_parse(const char *text, size_t len, const char *what,
		    struct sc_err *e);
/* Writes j (pretty) to path atomically (temporary file + rename). Returns
 * SC_OK or SC_ERUNTIME. */
int jsonio_save_file(const char *path, const cJSON *j, struct sc_err *e);
/* Reads a whole file into a NUL-terminated heap buffer (at most max bytes).
 * Returns NULL with SC_EINPUT in e. */
char *jsonio_read_text(const char *path, size_t max, size_t *len,
		       struct sc_err *e);

/* Field readers. `where` prefixes messages (file and object path). When the
 * field is absent: required -> SC_EINPUT "missing"; else *out = def, SC_OK.
 * Wrong type or range -> SC_EINPUT naming the field. */
int jsonio_num(const cJSON *obj, const char *key, bool required, double def,
	       double *out, const char *where, struct sc_err *e);
/* As jsonio_num, and the value must be > 0. */
int jsonio_pos(const cJSON *obj, const char *key, bool required, double def,
	       double *out, const char *where, struct sc_err *e);
/* Whole number in [lo, hi]. */
int jsonio_int(const cJSON *obj, const char *key, bool required, long def,
	       long lo, long hi, long *out, const char *where,
	       struct sc_err *e);
/* String; *out points into obj (valid while obj lives), or def. */
int jsonio_str(const cJSON *obj, const char *key, bool required,
	       const char *def, const char **out, const char *where,
	       struct sc_err *e);
int jsonio_bool(const cJSON *obj, const char *key, bool required, bool def,
		bool *out, const char *where, struct sc_err *e);
/* Object member that must be an object when present (NULL when absent and
 * not required). Returns SC_OK or SC_EINPUT. */
int jsonio_obj(const cJSON *obj, const char *key, bool required,
	       const cJSON **out, const char *where, struct sc_err *e);
/* Rejects members of obj whose names are not in the NULL-terminated list, so a
 * misspelt field is an error rather than silently ignored. */
int jsonio_known_keys(const cJSON *obj, const char *const *known,
		      const char *where, struct sc_err *e);

#endif
