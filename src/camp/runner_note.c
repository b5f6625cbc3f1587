/* The runner's lines to the user and the progress it keeps in the
 * manifest. */
#include "camp/runner_note.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void runner_note_line(const struct runner *r, enum runner_note kind,
		      const char *fmt, ...)
{
	if (!r->o->note)
		return;
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	r->o->note(r->o->ud, kind, line);
}

static double remaining_s(const struct runner *r)
{
	return eta_remaining_s(&r->eta, r->cur_step, r->cur_piece,
			       runner_since_s(r->piece_t0_ns));
}

void runner_note_save(struct runner *r)
{
	struct manifest_progress p = {.n_plan = r->eta.n_steps,
				      .remaining_s = remaining_s(r),
				      .at_unix_s = NAN,
				      .started_unix_s = r->started_unix_s};
	p.plan = calloc(r->eta.n_steps + 1, sizeof *p.plan);
	if (!p.plan)
		return;
	for (size_t i = 0; i < r->eta.n_steps; i++) {
		snprintf(p.plan[i].step, sizeof p.plan[i].step, "%s",
			 r->eta.steps[i].name);
		p.plan[i].expected_s = eta_step_s(&r->eta, i);
	}
	struct sc_err e = {0};
	if (manifest_set_progress(&r->m, &p, &e))
		runner_note_line(r, RUNNER_WARNING, "%s", e.msg);
	free(p.plan);
}

void runner_note_progress(const struct runner *r, const char *fmt, ...)
{
	char line[900], el[32], left[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	runner_note_line(r, RUNNER_PROGRESS, "%s [%s elapsed, about %s left]",
			 line, eta_fmt(runner_since_s(r->t0_ns), el, sizeof el),
			 eta_fmt(remaining_s(r), left, sizeof left));
}
