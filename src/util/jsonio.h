/* JSON file I/O and validated field access: the home of cJSON for files.
 * Readers name the file, the field and the problem in their error, e.g.
 * "calib/models/x.json: field 'layers': must be > 0, got -3". */
#ifndef SC_JSONIO_H
#define SC_JSONIO_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"
#include "util/statsel.h"

/* Largest JSON file servecal reads (specs, campaigns, results summaries). */
#define JSONIO_MAX_FILE_BYTES (64u * 1024u * 1024u)
/* Most values (numbers, strings, containers...) in one parsed text: a spec,
 * campaign, summary or fit file holds thousands; 1,000,000 cJSON nodes
 * take about 64 MB. Importers of per-request results pass their own cap. */
#define JSONIO_MAX_NODES 1000000u
/* Deepest nesting of arrays and objects (servecal's files use under 8). */
#define JSONIO_MAX_DEPTH 64

/* Reads and parses path (a regular file, see util/infile.h). Returns a tree
 * the caller frees with cJSON_Delete, or NULL with SC_EINPUT in e (missing
 * file, not a regular file, too large, or any jsonio_parse error). */
cJSON *jsonio_load_file(const char *path, struct sc_err *e);
/* Parses text of length len strictly: one JSON value and only whitespace
 * after it, no object with a key twice, at most JSONIO_MAX_NODES values and
 * JSONIO_MAX_DEPTH levels (both checked before cJSON allocates). `what`
 * names the text in errors, which give line and column or the key. */
cJSON *jsonio_parse(const char *text, size_t len, const char *what,
		    struct sc_err *e);
/* As jsonio_parse with a cap of max_nodes values. */
cJSON *jsonio_parse_capped(const char *text, size_t len, const char *what,
			   size_t max_nodes, struct sc_err *e);
/* Writes j (pretty) to path atomically (temporary file + rename). Returns
 * SC_OK or SC_ERUNTIME. */
int jsonio_save_file(const char *path, const cJSON *j,
		     struct sc_err *e) SC_MUST_CHECK;
/* Reads a whole regular file into a NUL-terminated heap buffer (at most max
 * bytes, checked before reading). Returns NULL with SC_EINPUT in e. */
char *jsonio_read_text(const char *path, size_t max, size_t *len,
		       struct sc_err *e);

/* obj[key] when it is a number, else NaN (absent, null, another type, or
 * obj NULL): for optional statistics whose absence the reader tells by
 * isnan. */
double jsonio_num_or_nan(const cJSON *obj, const char *key);

/* obj[key] copied into dst (at most n - 1 characters) when it is a
 * string, else "". */
void jsonio_str_or_empty(const cJSON *obj, const char *key, char *dst,
			 size_t n);
/* The statistic obj[key] names (util/statsel.h), or def when it is absent,
 * not a string or not a statistic's name: for files servecal writes. */
enum stat_sel jsonio_stat_sel(const cJSON *obj, const char *key,
			      enum stat_sel def);

/* Field readers. `where` prefixes messages (file and object path). When the
 * field is absent: required -> SC_EINPUT "missing"; else *out = def, SC_OK.
 * Wrong type or range -> SC_EINPUT naming the field. */
int jsonio_num(const cJSON *obj, const char *key, bool required, double def,
	       double *out, const char *where, struct sc_err *e) SC_MUST_CHECK;
/* As jsonio_num, and the value must be > 0. */
int jsonio_pos(const cJSON *obj, const char *key, bool required, double def,
	       double *out, const char *where, struct sc_err *e) SC_MUST_CHECK;
/* Number in [lo, hi] (ranges: util/num.h); the message quotes the value.
 * An absent optional field gives def, unchecked. */
int jsonio_range(const cJSON *obj, const char *key, bool required, double def,
		 double lo, double hi, double *out, const char *where,
		 struct sc_err *e) SC_MUST_CHECK;
/* Whole number in [lo, hi]. */
int jsonio_int(const cJSON *obj, const char *key, bool required, long def,
	       long lo, long hi, long *out, const char *where,
	       struct sc_err *e) SC_MUST_CHECK;
/* String; *out points into obj (valid while obj lives), or def. */
int jsonio_str(const cJSON *obj, const char *key, bool required,
	       const char *def, const char **out, const char *where,
	       struct sc_err *e) SC_MUST_CHECK;
/* Optional string copied into buf (left "" when absent): at most len - 1
 * characters and, when chars is not NULL, only ASCII letters, digits and
 * the characters in chars (for values that reach a shell, a job script or
 * a manifest). Returns SC_OK or SC_EINPUT naming the field and the value. */
int jsonio_str_copy(const cJSON *obj, const char *key, char *buf, size_t len,
		    const char *chars, const char *where,
		    struct sc_err *e) SC_MUST_CHECK;
int jsonio_bool(const cJSON *obj, const char *key, bool required, bool def,
		bool *out, const char *where, struct sc_err *e) SC_MUST_CHECK;
/* Object member that must be an object when present (NULL when absent and
 * not required). Returns SC_OK or SC_EINPUT. */
int jsonio_obj(const cJSON *obj, const char *key, bool required,
	       const cJSON **out, const char *where,
	       struct sc_err *e) SC_MUST_CHECK;
/* Rejects members of obj whose names are not in the NULL-terminated list, so a
 * misspelt field is an error rather than silently ignored. */
int jsonio_known_keys(const cJSON *obj, const char *const *known,
		      const char *where, struct sc_err *e) SC_MUST_CHECK;

#endif
