/* Writing JSON as one line, byte for byte what cJSON_PrintUnformatted
 * (cJSON 1.7) prints, straight to a stream: from a cJSON tree, or item by
 * item with no tree at all (records are written once per request and hold
 * a number per received chunk). No text is built in memory, and the usual
 * numbers (integers, and values with at most six decimals such as the
 * records' rounded milliseconds) are printed without the printf-then-sscanf
 * round trip cJSON makes for each one. */
#ifndef SC_JSONW_H
#define SC_JSONW_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* Writes j to f as cJSON_PrintUnformatted(j) would print it (no newline).
 * Returns false when f reports a write error or j holds an item cJSON
 * could not print (a raw item without text). */
bool jsonw_write(FILE *f, const cJSON *j);
/* Formats the number item j into buf (capacity cap >= 32) as cJSON prints
 * it ("null" for NaN and infinities); returns the length. */
size_t jsonw_number(const cJSON *j, char *buf, size_t cap);
/* The same for a double d (what cJSON prints for a number item of d). */
size_t jsonw_double(double d, char *buf, size_t cap);
/* The double that cJSON reads back from jsonw_double's text for a finite
 * d: d itself for integers and values of at most six decimals, otherwise
 * possibly a neighbour (cJSON keeps 15 digits when they read back within
 * DBL_EPSILON). Lets a reader of a live value see what a reader of the
 * file would. */
double jsonw_read_back(double d);

/* Item by item: the calls jsonw_obj, jsonw_num, ..., jsonw_end describe a
 * tree and write what jsonw_write of that tree would. key names the member
 * inside an object and is NULL inside an array or at the top. Write errors
 * are sticky: jsonw_ok says whether every byte was taken. Nesting deeper
 * than JSONW_DEPTH is a caller's bug (aborts). */
#define JSONW_DEPTH 63
struct jsonw {
	FILE *f;
	int depth;
	uint64_t more; /* bit d: level d already holds an item */
};
void jsonw_init(struct jsonw *w, FILE *f);
void jsonw_obj(struct jsonw *w, const char *key);
void jsonw_arr(struct jsonw *w, const char *key);
/* Closes the innermost object or array. */
void jsonw_end(struct jsonw *w, bool is_obj);
void jsonw_num(struct jsonw *w, const char *key, double v);
/* An integer printed in full (cJSON's raw item of its digits): wall-clock
 * ns that a double would round. */
void jsonw_i64(struct jsonw *w, const char *key, long long v);
/* s NULL prints "" as cJSON does. */
void jsonw_str(struct jsonw *w, const char *key, const char *s);
void jsonw_null(struct jsonw *w, const char *key);
void jsonw_bool(struct jsonw *w, const char *key, bool v);
bool jsonw_ok(const struct jsonw *w);

#endif
