/* The state of a campaign's steps: in the manifest (what a rerun resumes
 * from) and in the estimate of the time left. */
#include "camp/runner_step.h"

#include <string.h>

#include "camp/runner_note.h"

bool runner_step_done(const struct runner *r, const char *step)
{
	const char *s = manifest_status(&r->m, step);
	return s && !strcmp(s, "done");
}

void runner_step_mark(struct runner *r, const char *step, const char *status,
		      const char *why)
{
	struct sc_err e = {0};
	if (manifest_set(&r->m, step, status, why, &e))
		runner_note_line(r, RUNNER_WARNING, "%s", e.msg);
}

void runner_step_failed(struct runner *r, const char *step, const char *why)
{
	runner_step_mark(r, step, "failed", why);
	r->failures++;
}

void runner_step_begin(struct runner *r, const char *step, const char *shown)
{
	long i = eta_find(&r->eta, step);
	r->cur_step = i < 0 ? r->eta.n_steps : (size_t)i;
	r->cur_piece = 0;
	r->piece_t0_ns = r->step_t0_ns = clock_mono_ns();
	struct sc_err e = {0};
	if (manifest_start(&r->m, step, &e))
		runner_note_line(r, RUNNER_WARNING, "%s", e.msg);
	runner_note_save(r);
	runner_note_progress(r, "  %s: started (step %zu of %zu)", shown,
			     r->cur_step + 1, r->eta.n_steps);
}

void runner_step_end(struct runner *r)
{
	size_t s = r->cur_step;
	if (s < r->eta.n_steps) {
		enum eta_kind k = r->eta.pieces[r->eta.steps[s].first].kind;
		if (r->eta.steps[s].n == 1 && k != ETA_START && k != ETA_LEVEL)
			eta_piece_done(&r->eta, s, 0,
				       runner_since_s(r->piece_t0_ns));
		eta_step_done(&r->eta, s);
	}
	r->cur_step = r->eta.n_steps;
	runner_note_save(r);
}

void runner_step_skip(struct runner *r, const char *step)
{
	long i = eta_find(&r->eta, step);
	if (i >= 0)
		eta_step_done(&r->eta, (size_t)i);
}
