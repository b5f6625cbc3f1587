/* A campaign's manifest.json: which steps are done, so a rerun resumes.
 * Each step has a status ("done", "failed") and an optional note; the file
 * is rewritten atomically after every change. */
#ifndef SC_MANIFEST_H
#define SC_MANIFEST_H
#include <cjson/cJSON.h>

#include "util/err.h"

struct manifest {
	char path[4096];
	cJSON *root; /* {"campaign", "created", "updated", "steps": {...}} */
};

/* Opens DIR/manifest.json, creating an empty one for campaign `name`.
 * SC_EINPUT if an existing manifest is unreadable or of another campaign. */
int manifest_open(struct manifest *m, const char *dir, const char *name,
		  struct sc_err *e);
/* Status of a step ("done", "failed", "running") or NULL. */
const char *manifest_status(const struct manifest *m, const char *step);
/* Records a step's status and note (may be NULL), then saves. */
int manifest_set(struct manifest *m, const char *step, const char *status,
		 const char *note, struct sc_err *e);
void manifest_release(struct manifest *m);

#endif
