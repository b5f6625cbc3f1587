/* Measurements from other load generators, converted to servecal's level
 * summary format (summary.json) so the fitter can use runs people already
 * have: aiperf profile_export.jsonl (per request) and
 * profile_export_aiperf.json (aggregate), and `vllm bench serve` result
 * JSON (aggregate, with per-request arrays when saved). Metrics the source
 * does not have are null and listed under "missing"; nothing is invented. */
#ifndef SC_IMPORTER_H
#define SC_IMPORTER_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

enum import_source { IMPORT_AIPERF, IMPORT_VLLM };

struct import_level {
	cJSON *summary; /* owned; summary.json content */
	char level[64]; /* "c8", "r2.5" or "i1" when the load is unknown */
};

/* Converts one file. gpus <= 0 leaves per-GPU figures null. Returns SC_OK
 * or SC_EINPUT naming the file and field. */
int import_file(enum import_source src, const char *path, long gpus,
		struct import_level *out, struct sc_err *e) SC_MUST_CHECK;

#endif
