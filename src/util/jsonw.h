/* Writing a cJSON tree as one line of JSON, byte for byte what
 * cJSON_PrintUnformatted (cJSON 1.7) prints, straight to a stream: no text
 * is built in memory, and the usual numbers (integers, and values with at
 * most six decimals such as the records' rounded milliseconds) are printed
 * without the printf-then-sscanf round trip cJSON makes for each one. */
#ifndef SC_JSONW_H
#define SC_JSONW_H
#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

/* Writes j to f as cJSON_PrintUnformatted(j) would print it (no newline).
 * Returns false when f reports a write error or j holds an item cJSON
 * could not print (a raw item without text). */
bool jsonw_write(FILE *f, const cJSON *j);
/* Formats the number item j into buf (capacity cap >= 32) as cJSON prints
 * it ("null" for NaN and infinities); returns the length. */
size_t jsonw_number(const cJSON *j, char *buf, size_t cap);

#endif
