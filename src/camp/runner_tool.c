/* The plot and report steps: `servecal CMD DIR`. */
#include "camp/runner_tool.h"

#include "camp/argbuf.h"
#include "camp/runner_child.h"
#include "camp/runner_note.h"
#include "camp/runner_step.h"

void runner_tool(struct runner *r, const char *cmd)
{
	if (runner_step_done(r, cmd)) {
		runner_step_skip(r, cmd);
		return;
	}
	runner_step_begin(r, cmd, cmd);
	struct argbuf a = {0};
	argbuf_add(&a, "%s", r->o->exe);
	argbuf_add(&a, "%s", cmd);
	argbuf_add(&a, "%s", r->o->dir);
	struct sc_err e = {0};
	int rc = runner_child_run(r, cmd, &a, false, NULL, NULL, &e);
	argbuf_release(&a);
	runner_step_end(r);
	if (rc == 0) {
		runner_step_mark(r, cmd, "done", NULL);
		runner_note_progress(r, "  %s: done", cmd);
	} else {
		runner_step_failed(r, cmd, e.msg);
		runner_note_progress(r, "  %s: FAILED: %s", cmd, e.msg);
	}
}
