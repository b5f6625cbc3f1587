/* Each campaign step is a servecal child process (crash isolation) with
 * its logs in DIR/logs. */
#ifndef SC_RUNNER_CHILD_H
#define SC_RUNNER_CHILD_H
#include <stdbool.h>
#include <stddef.h>

#include "camp/argbuf.h"
#include "camp/runner_state.h"
#include "util/err.h"

/* DIR/logs/STEP.ext into buf, with ':' (not welcome in file names) as
 * '-'. */
void runner_child_log_path(const struct runner *r, const char *step,
			   const char *ext, char *buf, size_t len);
/* Runs a servecal step with its logs in DIR/logs/STEP.{out,err} (stdout
 * to ours when show_stdout and runner_opts.bench_stdout); while it runs,
 * gone(ud) (may be NULL) is watched. Returns its exit status or a
 * negative status; for a non-zero exit, e quotes its last message. */
int runner_child_run(struct runner *r, const char *step, struct argbuf *a,
		     bool show_stdout, bool (*gone)(void *), void *ud,
		     struct sc_err *e) SC_MUST_CHECK;

#endif
