/* A campaign's manifest.json: which steps are done, so a rerun resumes,
 * and where a running campaign stands. Each step has a status ("running",
 * "done", "failed"), an optional note, when it started and how long it
 * took; "progress" holds the plan (each step's expected seconds) and the
 * remaining time as last estimated. The file is rewritten atomically after
 * every change. */
#ifndef SC_MANIFEST_H
#define SC_MANIFEST_H
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

struct manifest {
	char path[4096];
	cJSON *root; /* {"campaign", "created", "updated", "steps": {...},
		      * "progress": {...}} */
};

/* Opens DIR/manifest.json, creating an empty one for campaign `name`.
 * SC_EINPUT if an existing manifest is unreadable or of another campaign. */
int manifest_open(struct manifest *m, const char *dir, const char *name,
		  struct sc_err *e) SC_MUST_CHECK;
/* Reads DIR/manifest.json as it is, for looking only (never saved).
 * SC_EINPUT naming the file when it is missing, unreadable or has no
 * "steps" object. Release with manifest_release. */
int manifest_read(struct manifest *m, const char *dir,
		  struct sc_err *e) SC_MUST_CHECK;
/* Status of a step ("done", "failed", "running") or NULL. */
const char *manifest_status(const struct manifest *m, const char *step);
/* Records a step's status and note (may be NULL), then saves. A step that
 * was started (manifest_start) keeps its start and gets "elapsed_s". */
int manifest_set(struct manifest *m, const char *step, const char *status,
		 const char *note, struct sc_err *e) SC_MUST_CHECK;
/* Marks step "running" from now ("started_unix_s"), then saves. */
int manifest_start(struct manifest *m, const char *step,
		   struct sc_err *e) SC_MUST_CHECK;

/* One step as recorded; numbers NAN when not recorded. */
struct manifest_step {
	char name[160];
	char status[16]; /* "" when absent */
	char note[512];
	char at[32];	       /* when the status was set (ISO 8601, UTC) */
	double started_unix_s; /* wall clock: read by other processes */
	double elapsed_s;
};

/* Number of steps recorded; step i (in file order) into out. */
size_t manifest_count(const struct manifest *m);
void manifest_step_at(const struct manifest *m, size_t i,
		      struct manifest_step *out);
/* Step named name into out; false (out->status "") when absent. */
bool manifest_step_get(const struct manifest *m, const char *name,
		       struct manifest_step *out);

struct manifest_plan_step {
	char step[160];
	double expected_s;
};

/* The plan and the latest estimate. */
struct manifest_progress {
	size_t n_plan;
	/* every step of the campaign in running order */
	struct manifest_plan_step *plan;
	double remaining_s;    /* NAN when never estimated */
	double at_unix_s;      /* when remaining_s was estimated */
	double started_unix_s; /* when this run of the campaign began */
};

/* Replaces the progress block (plan may be NULL to keep the stored plan)
 * and saves. */
int manifest_set_progress(struct manifest *m, const struct manifest_progress *p,
			  struct sc_err *e) SC_MUST_CHECK;
/* The stored progress block into p (plan allocated, free with
 * manifest_progress_release); p->n_plan 0 and NANs when there is none. */
void manifest_get_progress(const struct manifest *m,
			   struct manifest_progress *p);
void manifest_progress_release(struct manifest_progress *p);
void manifest_release(struct manifest *m);

#endif
