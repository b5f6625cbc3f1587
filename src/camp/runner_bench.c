/* A deployment's bench step: its target up, `servecal bench` over the
 * campaign's sweep (resumed where an earlier run stopped), its target
 * down. */
#include "camp/runner_bench.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "camp/argbuf.h"
#include "camp/runner_child.h"
#include "camp/runner_levels.h"
#include "camp/runner_note.h"
#include "camp/runner_step.h"
#include "camp/runner_target.h"

static void bench_args(const struct runner *r, const char *url,
		       const char *spec, const char *out, bool again,
		       struct argbuf *a, char *levels, size_t len)
{
	const struct campaign *c = r->c;
	levels[0] = '\0';
	for (size_t i = 0; i < c->n_levels; i++)
		snprintf(levels + strlen(levels), len - strlen(levels), "%s%ld",
			 i ? "," : "", c->levels[i]);
	argbuf_add(a, "%s", r->o->exe);
	argbuf_add(a, "bench");
	argbuf_opt(a, "--url", "%s", url);
	argbuf_opt(a, "--api", "%s", c->api);
	argbuf_opt(a, "--deployment", "%s", spec);
	argbuf_opt(a, "--isl", "%ld", c->isl);
	argbuf_opt(a, "--osl", "%ld", c->osl);
	if (c->isl_std)
		argbuf_opt(a, "--isl-std", "%ld", c->isl_std);
	if (c->osl_std)
		argbuf_opt(a, "--osl-std", "%ld", c->osl_std);
	argbuf_opt(a, "--concurrency", "%s", levels);
	if (c->requests_per_level > 0)
		argbuf_opt(a, "--requests-per-level", "%ld",
			   c->requests_per_level);
	else
		argbuf_opt(a, "--duration-per-level", "%gs",
			   c->duration_per_level_s);
	if (c->warmup >= 0)
		argbuf_opt(a, "--warmup", "%ld", c->warmup);
	argbuf_opt(a, "--timeout", "%gs", c->timeout_s);
	argbuf_opt(a, "--max-error-rate", "%g", c->max_error_rate);
	argbuf_opt(a, "--seed", "%ld", c->seed);
	/* Attainment and goodput per level against the first SLA (bench
	 * takes one); the report judges the others from the statistics. */
	char sla[256];
	campaign_sla_arg(&c->slas[0], sla, sizeof sla);
	argbuf_opt(a, "--sla", "%s", sla);
	argbuf_opt(a, "--out", "%s", out);
	if (again)
		argbuf_add(a, "--resume");
}

void runner_bench(struct runner *r, const struct campaign_deploy *d)
{
	char step[200], spec[4096], out[4096], levels[1024], shown[200];
	snprintf(step, sizeof step, "bench:%s", d->name);
	if (runner_step_done(r, step)) {
		runner_step_skip(r, step);
		runner_note_line(r, RUNNER_PROGRESS, "  bench %s: done earlier",
				 d->name);
		return;
	}
	snprintf(spec, sizeof spec, "%s/specs/%s.json", r->o->dir, d->name);
	snprintf(out, sizeof out, "%s/%s", r->o->dir, d->name);
	snprintf(shown, sizeof shown, "bench %s", d->name);
	runner_step_begin(r, step, shown);
	struct sc_err e = {0};
	struct runner_target t;
	int64_t t0 = clock_mono_ns();
	if (runner_target_start(r, d, spec, &t, &e)) {
		runner_step_end(r);
		if (runner_stopped(r)) {
			runner_step_mark(r, step, "interrupted", NULL);
			return;
		}
		runner_note_progress(r, "  bench %s: FAILED: %s", d->name,
				     e.msg);
		runner_step_failed(r, step, e.msg);
		return;
	}
	eta_piece_done(&r->eta, r->cur_step, 0, runner_since_s(r->piece_t0_ns));
	r->cur_piece = 1;
	r->piece_t0_ns = clock_mono_ns();
	/* Levels a resumed bench keeps teach the estimate nothing. */
	struct runner_levels w = {.r = r,
				  .d = d,
				  .dir = out,
				  .quiet = r->o->bench_stdout,
				  .polled_ns = clock_mono_ns()};
	char lv[64];
	while (w.next < r->c->n_levels &&
	       runner_levels_file(&w, w.next, "summary.json", lv, sizeof lv)) {
		eta_piece_done(&r->eta, r->cur_step, 1 + w.next, -1);
		r->cur_piece = 1 + ++w.next;
	}
	runner_note_save(r);
	struct stat st;
	bool again = stat(out, &st) == 0;
	struct argbuf a = {0};
	bench_args(r, t.url, spec, out, again, &a, levels, sizeof levels);
	runner_note_line(r, RUNNER_PROGRESS, "  bench %s: levels %s%s", d->name,
			 levels, again ? " (resuming)" : "");
	/* A launched server (or job) that dies stops the bench at once: its
	 * levels would only collect refused connections. */
	void *gone_ud;
	bool (*gone)(void *) = runner_target_gone(d, &t, &gone_ud);
	w.gone = gone;
	w.gone_ud = gone_ud;
	int rc =
	    runner_child_run(r, step, &a, true, runner_levels_poll, &w, &e);
	argbuf_release(&a);
	runner_levels_watch(&w);
	if (!runner_stopped(r)) {
		char bench[SC_ERR_MSG_MAX];
		snprintf(bench, sizeof bench, "%s", rc ? e.msg : "");
		if (runner_target_ended(d, &t, bench, &e)) {
			if (rc == 0)
				runner_note_line(
				    r, RUNNER_WARNING,
				    "%s: %s (every level was measured)",
				    d->name, e.msg);
			else if (rc < 0)
				rc = 1;
		}
	}
	runner_target_stop(d, &t);
	double el = (double)(clock_mono_ns() - t0) * 1e-9;
	runner_step_end(r);
	if (runner_stopped(r)) {
		runner_note_progress(
		    r,
		    "  bench %s: interrupted after %.0f s; finished levels "
		    "are kept",
		    d->name, el);
		runner_step_mark(r, step, "interrupted", NULL);
		return;
	}
	if (rc == 0) {
		runner_step_mark(r, step, "done", NULL);
		runner_note_progress(r, "  bench %s: done in %.0f s", d->name,
				     el);
	} else {
		runner_step_failed(r, step, e.msg);
		runner_note_progress(r, "  bench %s: FAILED: %s", d->name,
				     e.msg);
	}
}
