/* What the runner's files (camp/runner_*.c) share: the state of a running
 * campaign. Only they include it; other modules use camp/runner.h. */
#ifndef SC_RUNNER_STATE_H
#define SC_RUNNER_STATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "camp/campaign.h"
#include "camp/eta.h"
#include "camp/manifest.h"
#include "camp/runner.h"
#include "util/clock.h"

struct runner {
	const struct campaign *c;
	const struct runner_opts *o;
	struct manifest m;
	int failures;
	struct eta eta;
	int64_t t0_ns;		    /* the campaign's start (monotonic) */
	double started_unix_s;	    /* the same, as a date for the manifest */
	size_t cur_step, cur_piece; /* in progress; cur_step n_steps: none */
	int64_t piece_t0_ns;	    /* when the piece in progress began */
	int64_t step_t0_ns;
};

/* Whether the campaign was asked to stop (runner_opts.stop). */
static inline bool runner_stopped(const struct runner *r)
{
	return r->o->stop && *r->o->stop;
}

/* Seconds since t0_ns on the monotonic clock. */
static inline double runner_since_s(int64_t t0_ns)
{
	return (double)(clock_mono_ns() - t0_ns) * 1e-9;
}

#endif
