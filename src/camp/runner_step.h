/* A campaign step's life: begun, over or skipped (the manifest and the
 * estimate follow), and its outcome in the manifest. */
#ifndef SC_RUNNER_STEP_H
#define SC_RUNNER_STEP_H
#include <stdbool.h>

#include "camp/runner_state.h"

/* Whether the manifest says step is done (by this run or an earlier one). */
bool runner_step_done(const struct runner *r, const char *step);
/* Records status (and why, may be NULL) for step; a manifest that cannot
 * be saved is a warning line. */
void runner_step_mark(struct runner *r, const char *step, const char *status,
		      const char *why);
/* runner_step_mark "failed", counted in the campaign's failures. */
void runner_step_failed(struct runner *r, const char *step, const char *why);
/* Step `step` starts (shown as `shown`): running in the manifest and a
 * line saying so. */
void runner_step_begin(struct runner *r, const char *step, const char *shown);
/* The step in progress is over: a step of one piece (not a bench) teaches
 * the estimate its duration. Call before the line that says how it went. */
void runner_step_end(struct runner *r);
/* A step that will not run (done earlier, or nothing to run it on). */
void runner_step_skip(struct runner *r, const char *step);

#endif
