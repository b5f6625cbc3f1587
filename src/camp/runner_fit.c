/* The fit step over the measured deployments and the perf database update
 * from its result. */
#include "camp/runner_fit.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "camp/argbuf.h"
#include "camp/runner_child.h"
#include "camp/runner_note.h"
#include "camp/runner_step.h"
#include "config.h"
#include "model/perfdb.h"
#include "util/exitcode.h"
#include "util/jsonio.h"

void runner_fit(struct runner *r)
{
	const struct campaign *c = r->c;
	if (runner_step_done(r, "fit")) {
		runner_step_skip(r, "fit");
		runner_note_line(r, RUNNER_PROGRESS, "  fit: done earlier");
		return;
	}
	struct argbuf a = {0};
	argbuf_add(&a, "%s", r->o->exe);
	argbuf_add(&a, "fit");
	int ok = 0;
	for (size_t i = 0; i < c->n_deploys; i++) {
		char step[200];
		snprintf(step, sizeof step, "bench:%s", c->deploys[i].name);
		if (runner_step_done(r, step)) {
			argbuf_add(&a, "%s/%s", r->o->dir, c->deploys[i].name);
			ok++;
		}
	}
	if (ok == 0) {
		argbuf_release(&a);
		runner_step_skip(r, "fit");
		runner_step_failed(r, "fit", "no deployment was measured");
		runner_note_progress(
		    r, "  fit: skipped, no deployment was measured");
		return;
	}
	runner_step_begin(r, "fit", "fit");
	const char *holdout = c->holdout;
	if (!strcmp(holdout, "deployments") && ok < 2)
		holdout = "levels";
	argbuf_opt(&a, "--holdout", "%s", holdout);
	argbuf_opt(&a, "--bootstrap", "%ld", c->bootstrap);
	argbuf_opt(&a, "--seed", "%ld", c->seed);
	argbuf_opt(&a, "--out", "%s/fit.json", r->o->dir);
	struct sc_err e = {0};
	int rc = runner_child_run(r, "fit", &a, false, NULL, NULL, &e);
	argbuf_release(&a);
	char fit[4096];
	snprintf(fit, sizeof fit, "%s/fit.json", r->o->dir);
	struct stat st;
	double took = runner_since_s(r->step_t0_ns);
	char tk[32];
	runner_step_end(r);
	if (rc == 0 || (rc == EXIT_RUNTIME && stat(fit, &st) == 0)) {
		runner_step_mark(r, "fit", "done", rc ? "not converged" : NULL);
		runner_note_progress(
		    r, "  fit: %s in %s",
		    rc ? "written but NOT converged (see fit.json)" : "done",
		    eta_fmt(took, tk, sizeof tk));
		if (rc)
			r->failures++;
	} else {
		runner_step_failed(r, "fit", e.msg);
		runner_note_progress(r, "  fit: FAILED: %s", e.msg);
	}
}

void runner_fit_db(struct runner *r)
{
	if (runner_step_done(r, "db") || !runner_step_done(r, "fit")) {
		runner_step_skip(r, "db");
		return;
	}
	runner_step_begin(r, "db", "perf database");
	char path[4096], used[2048];
	snprintf(path, sizeof path, "%s/fit.json", r->o->dir);
	struct sc_err e = {0};
	cJSON *fit = jsonio_load_file(path, &e);
	const char *inputs[] = {r->o->dir};
	bool converged =
	    fit && cJSON_IsTrue(cJSON_GetObjectItem(fit, "converged"));
	if (converged && perfdb_update(fit, inputs, 1, PACKAGE_VERSION, used,
				       sizeof used, &e) == SC_OK) {
		runner_step_end(r);
		runner_step_mark(r, "db", "done", used);
		runner_note_progress(r, "  perf database: %s", used);
	} else {
		const char *why =
		    fit && !converged ? "fit did not converge" : e.msg;
		runner_step_end(r);
		runner_step_failed(r, "db", why);
		runner_note_progress(r, "  perf database: not updated: %s",
				     why);
	}
	cJSON_Delete(fit);
}
