/* Finds shipped catalog files (calib/models, calib/gpus, calib/db) by name.
 * Search order: $SERVECAL_CALIB, the source tree's calib/, the installed
 * data directory. */
#ifndef SC_CATALOG_H
#define SC_CATALOG_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* The calib directory in use (never NULL). */
const char *catalog_dir(void);
/* True when arg names a file rather than a catalog entry: it ends in
 * ".json", or has a '/' and is not a Hugging Face id ("org/name" with no
 * such file). */
bool catalog_is_path(const char *arg);
/* Resolves a catalog name of kind "models" or "gpus" to a path in buf:
 * case-insensitive ("Qwen3-32B"), Hugging Face ids ("Qwen/Qwen3-32B",
 * "meta-llama/Llama-3.1-70B-Instruct": the organisation and variant
 * suffixes such as -Instruct and -FP8 dropped) and GPU short names ("h200").
 * Returns SC_OK, or SC_EINPUT quoting the name and listing the known ones. */
int catalog_resolve(const char *kind, const char *name, char *buf, size_t len,
		    struct sc_err *e) SC_MUST_CHECK;
/* Loads arg as a file path (catalog_is_path) or a catalog entry of kind,
 * parsed; the path used goes to path (len bytes). NULL with SC_EINPUT in e
 * when it cannot be resolved, read or parsed. Caller frees the tree. */
cJSON *catalog_load(const char *kind, const char *arg, char *path, size_t len,
		    struct sc_err *e);
/* Writes the catalog's entry names, comma separated, into buf. */
void catalog_list(const char *kind, char *buf, size_t len);

#endif
