/* The match steps: `servecal match` with the fitted and the prior
 * parameters at each SLA of the campaign. */
#include "camp/runner_match.h"

#include <stdio.h>

#include "camp/argbuf.h"
#include "camp/runner_child.h"
#include "camp/runner_note.h"
#include "camp/runner_step.h"
#include "util/exitcode.h"

void runner_match(struct runner *r, bool calibrated,
		  const struct campaign_sla *sla)
{
	const struct campaign *c = r->c;
	const char *kind = calibrated ? "calibrated" : "prior";
	char step[200], name[160];
	campaign_match_name(kind, sla, name, sizeof name);
	snprintf(step, sizeof step, "match:%s", name);
	if (runner_step_done(r, step)) {
		runner_step_skip(r, step);
		return;
	}
	if (calibrated && !runner_step_done(r, "fit")) {
		runner_step_skip(r, step);
		runner_step_mark(r, step, "failed", "no fit");
		return;
	}
	runner_step_begin(r, step, step);
	const struct deploy_spec *d = &c->deploys[0].spec;
	const char *dir = r->o->dir;
	struct argbuf a = {0};
	argbuf_add(&a, "%s", r->o->exe);
	argbuf_add(&a, "match");
	argbuf_opt(&a, "--model", "%s/specs/model.json", dir);
	argbuf_opt(&a, "--gpu", "%s/specs/gpu.json", dir);
	argbuf_opt(&a, "--dtype", "%s", dtype_name(d->wdtype));
	argbuf_opt(&a, "--kv-dtype", "%s", dtype_name(d->kvdtype));
	argbuf_opt(&a, "--isl", "%ld", c->isl);
	argbuf_opt(&a, "--osl", "%ld", c->osl);
	argbuf_opt(&a, "--ttft-ms", "%g", sla->ttft_ms);
	argbuf_opt(&a, "--ttft-stat", "%s", statsel_name(sla->ttft_stat));
	if (sla->tpot_ms > 0)
		argbuf_opt(&a, "--tpot-ms", "%g", sla->tpot_ms);
	else
		argbuf_opt(&a, "--min-tokens-per-s-user", "%g",
			   sla->min_tokens_per_s_user);
	argbuf_opt(&a, "--tpot-stat", "%s", statsel_name(sla->tpot_stat));
	argbuf_opt(&a, "--total-gpus", "%ld", c->total_gpus);
	argbuf_opt(&a, "--max-gpus-per-worker", "%ld", c->max_gpus_per_worker);
	argbuf_opt(&a, "--objective", "%s", plan_objective_name(c->objective));
	if (calibrated)
		argbuf_opt(&a, "--params", "%s/fit.json", dir);
	argbuf_opt(&a, "--out", "%s/match/%s", dir, name);
	struct sc_err e = {0};
	int rc = runner_child_run(r, step, &a, false, NULL, NULL, &e);
	argbuf_release(&a);
	runner_step_end(r);
	if (rc == 0 || rc == EXIT_NOFIT) {
		const char *none = "no configuration meets the SLA";
		runner_step_mark(r, step, "done", rc ? none : NULL);
		runner_note_progress(r, "  %s: %s", step, rc ? none : "done");
	} else {
		runner_step_failed(r, step, e.msg);
		runner_note_progress(r, "  %s: FAILED: %s", step, e.msg);
	}
}
