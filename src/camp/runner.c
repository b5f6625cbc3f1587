/* The campaign runner: the steps in order (camp/runner_*.c run each),
 * under the campaign directory's lock, with the manifest that a rerun
 * resumes from. */
#include "camp/runner.h"

#include <string.h>
#include <unistd.h>

#include "camp/rundir.h"
#include "camp/runner_bench.h"
#include "camp/runner_fit.h"
#include "camp/runner_match.h"
#include "camp/runner_note.h"
#include "camp/runner_plan.h"
#include "camp/runner_state.h"
#include "camp/runner_step.h"
#include "camp/runner_tool.h"
#include "config.h"

int runner_run(const struct campaign *c, const struct runner_opts *o,
	       struct runner_result *res, struct sc_err *e)
{
	struct runner r = {.c = c, .o = o};
	eta_init(&r.eta);
	memset(res, 0, sizeof *res);
	int lock_fd = -1;
	int rc;
	if ((rc = rundir_lock(o->dir, &lock_fd, e)) ||
	    (rc = manifest_open(&r.m, o->dir, c->name, e)) ||
	    (rc = rundir_write(o->dir, c, PACKAGE_VERSION, o->gnuplot, e)))
		goto out;
	int64_t t0 = clock_mono_ns();
	r.t0_ns = r.piece_t0_ns = t0;
	r.started_unix_s = (double)clock_wall_ns() * 1e-9;
	runner_plan(&r);
	runner_note_save(&r);
	runner_note_line(&r, RUNNER_PROGRESS, "campaign %s -> %s", c->name,
			 o->dir);
	runner_note_progress(&r, "plan: %zu steps", r.eta.n_steps);
	for (size_t i = 0; i < c->n_deploys && !runner_stopped(&r); i++)
		runner_bench(&r, &c->deploys[i]);
	if (!runner_stopped(&r))
		runner_fit(&r);
	for (size_t k = 0; k < c->n_slas && !runner_stopped(&r); k++) {
		runner_match(&r, true, &c->slas[k]);
		if (!runner_stopped(&r))
			runner_match(&r, false, &c->slas[k]);
	}
	if (!runner_stopped(&r))
		runner_tool(&r, "plot");
	if (!runner_stopped(&r))
		runner_tool(&r, "report");
	if (!runner_stopped(&r))
		runner_fit_db(&r);
	res->interrupted = runner_stopped(&r);
	res->failed_steps = r.failures;
	res->report_done = runner_step_done(&r, "report");
	res->elapsed_s = (double)(clock_mono_ns() - t0) * 1e-9;
out:
	eta_release(&r.eta);
	manifest_release(&r.m);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
