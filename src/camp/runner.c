/* The campaign runner: the steps in order, each a servecal child process,
 * with the bench target (URL, emulator, launched server, Slurm job or
 * Kubernetes deployment) started before and stopped after each
 * deployment's bench. */
#include "camp/runner.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camp/argbuf.h"
#include "camp/eta.h"
#include "camp/k8s.h"
#include "camp/launch.h"
#include "camp/manifest.h"
#include "camp/proc.h"
#include "camp/rundir.h"
#include "camp/slurm.h"
#include "config.h"
#include "load/results.h"
#include "metrics/summary.h"
#include "model/perf.h"
#include "model/perfdb.h"
#include "util/clock.h"
#include "util/exitcode.h"
#include "util/jsonio.h"

/* How long the emulator may take to print its URL. */
#define EMULATOR_START_S 30.0
#define EMULATOR_GRACE_S 10.0

/* What the plan expects of the steps that are not benches and of starting
 * the built-in emulator, before any has been measured (then the measured
 * ones take over, camp/eta.h). Measured on a shared 2-core machine (load
 * about 8; `campaign status` lists them) with the test campaigns
 * tests/fixtures/e2e-campaign/progress.json (3 points, no bootstrap: fit
 * 2 s; 9 charts: plot 1 s, report 2 s) and e2e.json (14 points, 20
 * bootstrap rounds: fit 72 s; 13 charts: plot 7 s, report 7 s), each match
 * 1-3 s, perf database and emulator start under 1 s. The fit refits once
 * per bootstrap round over every point. A launched server, Slurm job or
 * Kubernetes deployment is planned at its ready timeout: the longest it
 * may take. */
#define PLAN_FIT_BASE_S	       1.0
#define PLAN_FIT_POINT_ROUND_S 0.25
#define PLAN_MATCH_S	       2.0
#define PLAN_CHART_S	       0.4
#define PLAN_EMULATOR_S	       1.0
/* How often a running bench's level directories are looked at. */
#define LEVEL_POLL_S 0.25

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

static bool stopped(const struct runner *r)
{
	return r->o->stop && *r->o->stop;
}

static void note(const struct runner *r, enum runner_note kind, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));
static void note(const struct runner *r, enum runner_note kind, const char *fmt,
		 ...)
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

static bool done(const struct runner *r, const char *step)
{
	const char *s = manifest_status(&r->m, step);
	return s && !strcmp(s, "done");
}

static void mark(struct runner *r, const char *step, const char *status,
		 const char *why)
{
	struct sc_err e = {0};
	if (manifest_set(&r->m, step, status, why, &e))
		note(r, RUNNER_WARNING, "%s", e.msg);
}

static void failed(struct runner *r, const char *step, const char *why)
{
	mark(r, step, "failed", why);
	r->failures++;
}

static double since_s(int64_t t0_ns)
{
	return (double)(clock_mono_ns() - t0_ns) * 1e-9;
}

static double remaining_s(const struct runner *r)
{
	return eta_remaining_s(&r->eta, r->cur_step, r->cur_piece,
			       since_s(r->piece_t0_ns));
}

/* The plan as the measurements so far scale it, and the time left, into
 * the manifest for `campaign status`. */
static void save_progress(struct runner *r)
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
		note(r, RUNNER_WARNING, "%s", e.msg);
	free(p.plan);
}

/* A progress line: the text, the campaign's elapsed time and the
 * estimate of what is left. */
static void progress(const struct runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void progress(const struct runner *r, const char *fmt, ...)
{
	char line[900], el[32], left[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	note(r, RUNNER_PROGRESS, "%s [%s elapsed, about %s left]", line,
	     eta_fmt(since_s(r->t0_ns), el, sizeof el),
	     eta_fmt(remaining_s(r), left, sizeof left));
}

/* Step `step` starts (shown as `shown`): running in the manifest and a
 * line saying so. */
static void step_begin(struct runner *r, const char *step, const char *shown)
{
	long i = eta_find(&r->eta, step);
	r->cur_step = i < 0 ? r->eta.n_steps : (size_t)i;
	r->cur_piece = 0;
	r->piece_t0_ns = r->step_t0_ns = clock_mono_ns();
	struct sc_err e = {0};
	if (manifest_start(&r->m, step, &e))
		note(r, RUNNER_WARNING, "%s", e.msg);
	save_progress(r);
	progress(r, "  %s: started (step %zu of %zu)", shown, r->cur_step + 1,
		 r->eta.n_steps);
}

/* The step in progress is over: a step of one piece (not a bench) teaches
 * the estimate its duration. Call before the line that says how it went. */
static void step_end(struct runner *r)
{
	size_t s = r->cur_step;
	if (s < r->eta.n_steps) {
		enum eta_kind k = r->eta.pieces[r->eta.steps[s].first].kind;
		if (r->eta.steps[s].n == 1 && k != ETA_START && k != ETA_LEVEL)
			eta_piece_done(&r->eta, s, 0, since_s(r->piece_t0_ns));
		eta_step_done(&r->eta, s);
	}
	r->cur_step = r->eta.n_steps;
	save_progress(r);
}

/* A step that will not run (done earlier, or nothing to run it on). */
static void step_skip(struct runner *r, const char *step)
{
	long i = eta_find(&r->eta, step);
	if (i >= 0)
		eta_step_done(&r->eta, (size_t)i);
}

/* DIR/logs/STEP.ext with ':' (not welcome in file names) as '-'. */
static void log_path(const struct runner *r, const char *step, const char *ext,
		     char *buf, size_t len)
{
	snprintf(buf, len, "%s/logs/%s.%s", r->o->dir, step, ext);
	for (char *p = strrchr(buf, '/') + 1; *p; p++)
		if (*p == ':')
			*p = '-';
}

/* Runs a servecal step with its logs in DIR/logs/STEP.{out,err}; while it
 * runs, gone(ud) (may be NULL) is watched. Returns its exit status or a
 * negative status; for a non-zero exit, e quotes its last message. */
static int run_step(struct runner *r, const char *step, struct argbuf *a,
		    bool show_stdout, bool (*gone)(void *), void *ud,
		    struct sc_err *e)
{
	char out[4096], err[4096];
	log_path(r, step, "out", out, sizeof out);
	log_path(r, step, "err", err, sizeof err);
	bool to_stdout = show_stdout && r->o->bench_stdout;
	int rc = proc_run_watch(a->v, to_stdout ? NULL : out, err, 0,
				r->o->stop, gone, ud, e);
	if (rc > 0) {
		/* Keep the child's own message for the manifest and the user.
		 */
		FILE *f = fopen(err, "r");
		char line[400] = "", last[400] = "";
		while (f && fgets(line, sizeof line, f))
			if (line[0] != '\n')
				snprintf(last, sizeof last, "%s", line);
		if (f)
			fclose(f);
		last[strcspn(last, "\n")] = '\0';
		sc_err_set(e, SC_ERUNTIME, "%s exited with %d%s%s (log: %s)",
			   step, rc, last[0] ? ": " : "", last, err);
	}
	return rc;
}

/* What a deployment is benched against, started and stopped around its
 * bench step. */
struct target {
	struct proc_server srv; /* emulated */
	struct launch l;	/* launched */
	struct slurm_job job;	/* a Slurm job */
	struct k8s_run kr;	/* applied on Kubernetes */
	const char *url;
};

/* Tokens of the longest sequence the workload sends (prompt and output,
 * four standard deviations over the mean): what cluster deployments are
 * generated for. */
static long workload_max_len(const struct campaign *c)
{
	return c->isl + c->osl + 4 * (c->isl_std + c->osl_std);
}

static void cluster_note(void *ud, const char *line)
{
	const struct runner *r = ((void **)ud)[0];
	const char *name = ((void **)ud)[1];
	note(r, RUNNER_PROGRESS, "  bench %s: %s", name, line);
}

static bool job_gone(void *ud)
{
	return !slurm_job_running(ud);
}

static bool k8s_gone(void *ud)
{
	return !k8s_running(ud);
}

static const char *prog_name(const struct launch_spec *s)
{
	const char *slash = strrchr(s->argv[0], '/');
	return slash ? slash + 1 : s->argv[0];
}

static bool server_gone(void *ud)
{
	return !launch_running(ud);
}

static int target_start(struct runner *r, const struct campaign_deploy *d,
			const char *spec, struct target *t, struct sc_err *e)
{
	memset(t, 0, sizeof *t);
	t->srv.pid = t->l.pid = -1;
	t->url = d->url;
	if (d->emulate) {
		struct argbuf a = {0};
		char log[4096];
		snprintf(log, sizeof log, "%s/logs/emulate-%s.err", r->o->dir,
			 d->name);
		argbuf_add(&a, "%s", r->o->exe);
		argbuf_add(&a, "emulate");
		argbuf_opt(&a, "--deployment", "%s", spec);
		argbuf_opt(&a, "--host", "%s", LAUNCH_HOST);
		argbuf_opt(&a, "--port", "0");
		argbuf_opt(&a, "--seed", "%ld", r->c->seed);
		int rc =
		    proc_server_start(&t->srv, a.v, log, EMULATOR_START_S, e);
		argbuf_release(&a);
		if (rc)
			return rc;
		t->url = t->srv.url;
		note(r, RUNNER_PROGRESS, "  bench %s: emulator at %s", d->name,
		     t->url);
	} else if (d->on_slurm) {
		void *ctx[] = {r, (void *)d->name};
		struct slurm_up u = {.dir = r->o->dir,
				     .campaign = r->c->name,
				     .name = d->name,
				     .d = &d->spec,
				     .s = &d->slurm,
				     .max_model_len = workload_max_len(r->c),
				     .stop = r->o->stop,
				     .note = cluster_note,
				     .ud = ctx};
		int64_t t0 = clock_mono_ns();
		int rc = slurm_bring_up(&u, &t->job, e);
		if (rc)
			return rc;
		t->url = t->job.url;
		note(r, RUNNER_PROGRESS,
		     "  bench %s: job %s healthy at %s after %.1f s", d->name,
		     t->job.id, t->url, (double)(clock_mono_ns() - t0) * 1e-9);
	} else if (d->on_k8s) {
		void *ctx[] = {r, (void *)d->name};
		struct k8s_up u = {.dir = r->o->dir,
				   .name = d->name,
				   .d = &d->spec,
				   .s = &d->k8s,
				   .max_model_len = workload_max_len(r->c),
				   .stop = r->o->stop,
				   .note = cluster_note,
				   .ud = ctx};
		int64_t t0 = clock_mono_ns();
		int rc = k8s_bring_up(&u, &t->kr, e);
		if (rc)
			return rc;
		t->url = t->kr.url;
		note(r, RUNNER_PROGRESS,
		     "  bench %s: healthy at %s after %.1f s", d->name, t->url,
		     (double)(clock_mono_ns() - t0) * 1e-9);
	} else if (d->launched) {
		char out[4096], err[4096], step[200];
		snprintf(step, sizeof step, "launch:%s", d->name);
		log_path(r, step, "out", out, sizeof out);
		log_path(r, step, "err", err, sizeof err);
		int64_t t0 = clock_mono_ns();
		int rc =
		    launch_start(&t->l, &d->launch, out, err, r->o->stop, e);
		if (rc)
			return rc;
		t->url = t->l.url;
		note(r, RUNNER_PROGRESS,
		     "  bench %s: launched %s (pid %ld) at %s, healthy after "
		     "%.1f s",
		     d->name, d->launch.argv[0], (long)t->l.pid, t->url,
		     (double)(clock_mono_ns() - t0) * 1e-9);
	}
	return SC_OK;
}

static void target_stop(const struct campaign_deploy *d, struct target *t)
{
	if (d->emulate)
		proc_server_stop(&t->srv, EMULATOR_GRACE_S);
	else if (d->launched)
		launch_stop(&t->l, d->launch.stop_grace_s);
	else if (d->on_slurm)
		slurm_cancel(&t->job);
	else if (d->on_k8s)
		k8s_tear_down(&t->kr);
}

/* What the bench watches: the end of what serves it stops it at once. */
static bool (*target_gone(const struct campaign_deploy *d, struct target *t,
			  void **ud))(void *)
{
	if (d->launched) {
		*ud = &t->l;
		return server_gone;
	}
	if (d->on_slurm) {
		*ud = &t->job;
		return job_gone;
	}
	if (d->on_k8s) {
		*ud = &t->kr;
		return k8s_gone;
	}
	*ud = NULL;
	return NULL;
}

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

/* A running bench seen from its level directories (load/results.h names
 * them): a level has begun when its directory exists and is over when
 * its summary.json does. Piece 0 of a bench step is the target's start,
 * piece 1 + k its level k. */
struct level_watch {
	struct runner *r;
	const struct campaign_deploy *d;
	const char *dir; /* DIR/NAME */
	bool quiet;	 /* the bench's own table is on our stdout */
	size_t next;	 /* the first level not over */
	bool begun;	 /* level next has its directory */
	int64_t polled_ns;
	bool (*gone)(void *); /* what the bench watches besides */
	void *gone_ud;
};

static bool level_file(const struct level_watch *w, size_t k, const char *file,
		       char *name, size_t len)
{
	results_level_name(false, (double)w->r->c->levels[k], name, len);
	char p[4300];
	snprintf(p, sizeof p, "%s/%s%s%s", w->dir, name, file ? "/" : "",
		 file ? file : "");
	struct stat st;
	return stat(p, &st) == 0;
}

/* Counts of a finished level's summary.json into text. */
static void level_counts(const struct level_watch *w, const char *lv,
			 char *text, size_t len)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/%s/summary.json", w->dir, lv);
	cJSON *j = jsonio_load_file(p, NULL);
	struct level_summary s;
	struct level_info li;
	if (j && summary_from_json(j, p, &s, &li, NULL) == SC_OK)
		snprintf(text, len, ": %zu ok, %zu failed", s.ok, s.failed);
	else
		text[0] = '\0';
	cJSON_Delete(j);
}

/* Lines for the levels that began or ended since the last look. */
static void watch_levels(struct level_watch *w)
{
	struct runner *r = w->r;
	size_t n = r->c->n_levels;
	char lv[64], counts[96], took[32];
	while (w->next < n) {
		if (!w->begun) {
			if (!level_file(w, w->next, NULL, lv, sizeof lv))
				break;
			w->begun = true;
			if (!w->quiet)
				progress(
				    r,
				    "  bench %s: level %s started (%zu of %zu)",
				    w->d->name, lv, w->next + 1, n);
		}
		if (!level_file(w, w->next, "summary.json", lv, sizeof lv))
			break;
		double s = since_s(r->piece_t0_ns);
		eta_piece_done(&r->eta, r->cur_step, 1 + w->next, s);
		w->next++;
		w->begun = false;
		r->cur_piece = 1 + w->next;
		r->piece_t0_ns = clock_mono_ns();
		save_progress(r);
		if (!w->quiet) {
			level_counts(w, lv, counts, sizeof counts);
			progress(r, "  bench %s: level %s done in %s%s",
				 w->d->name, lv, eta_fmt(s, took, sizeof took),
				 counts);
		}
	}
}

static bool watch_poll(void *ud)
{
	struct level_watch *w = ud;
	if (since_s(w->polled_ns) >= LEVEL_POLL_S) {
		w->polled_ns = clock_mono_ns();
		watch_levels(w);
	}
	return w->gone && w->gone(w->gone_ud);
}

static void bench_one(struct runner *r, const struct campaign_deploy *d)
{
	char step[200], spec[4096], out[4096], levels[1024], shown[200];
	snprintf(step, sizeof step, "bench:%s", d->name);
	if (done(r, step)) {
		step_skip(r, step);
		note(r, RUNNER_PROGRESS, "  bench %s: done earlier", d->name);
		return;
	}
	snprintf(spec, sizeof spec, "%s/specs/%s.json", r->o->dir, d->name);
	snprintf(out, sizeof out, "%s/%s", r->o->dir, d->name);
	snprintf(shown, sizeof shown, "bench %s", d->name);
	step_begin(r, step, shown);
	struct sc_err e = {0};
	struct target t;
	int64_t t0 = clock_mono_ns();
	if (target_start(r, d, spec, &t, &e)) {
		step_end(r);
		if (stopped(r)) {
			mark(r, step, "interrupted", NULL);
			return;
		}
		progress(r, "  bench %s: FAILED: %s", d->name, e.msg);
		failed(r, step, e.msg);
		return;
	}
	eta_piece_done(&r->eta, r->cur_step, 0, since_s(r->piece_t0_ns));
	r->cur_piece = 1;
	r->piece_t0_ns = clock_mono_ns();
	/* Levels a resumed bench keeps teach the estimate nothing. */
	struct level_watch w = {.r = r,
				.d = d,
				.dir = out,
				.quiet = r->o->bench_stdout,
				.polled_ns = clock_mono_ns()};
	char lv[64];
	while (w.next < r->c->n_levels &&
	       level_file(&w, w.next, "summary.json", lv, sizeof lv)) {
		eta_piece_done(&r->eta, r->cur_step, 1 + w.next, -1);
		r->cur_piece = 1 + ++w.next;
	}
	save_progress(r);
	struct stat st;
	bool again = stat(out, &st) == 0;
	struct argbuf a = {0};
	bench_args(r, t.url, spec, out, again, &a, levels, sizeof levels);
	note(r, RUNNER_PROGRESS, "  bench %s: levels %s%s", d->name, levels,
	     again ? " (resuming)" : "");
	/* A launched server (or job) that dies stops the bench at once: its
	 * levels would only collect refused connections. */
	void *gone_ud;
	bool (*gone)(void *) = target_gone(d, &t, &gone_ud);
	w.gone = gone;
	w.gone_ud = gone_ud;
	int rc = run_step(r, step, &a, true, watch_poll, &w, &e);
	argbuf_release(&a);
	watch_levels(&w);
	if ((d->on_slurm || d->on_k8s) && gone && gone(gone_ud) &&
	    !stopped(r)) {
		char bench[SC_ERR_MSG_MAX];
		snprintf(bench, sizeof bench, "%s", rc ? e.msg : "");
		sc_err_set(&e, SC_ERUNTIME, "%s during the bench%s%s",
			   d->on_slurm ? t.job.why : t.kr.why,
			   bench[0] ? "; " : "", bench);
		if (rc == 0)
			note(r, RUNNER_WARNING,
			     "%s: %s (every level was measured)", d->name,
			     e.msg);
		else if (rc < 0)
			rc = 1;
	}
	if (d->launched && !launch_running(&t.l) && !stopped(r)) {
		char how[128], tail[300], bench[SC_ERR_MSG_MAX];
		snprintf(bench, sizeof bench, "%s", rc ? e.msg : "");
		launch_end_text(&t.l, how, sizeof how);
		launch_log_tail(&t.l, tail, sizeof tail);
		sc_err_set(&e, SC_ERUNTIME, "%s %s during the bench%s%s",
			   prog_name(&d->launch), how, tail[0] ? "; log: " : "",
			   tail);
		if (rc == 0)
			note(r, RUNNER_WARNING,
			     "%s: %s (every level was measured)", d->name,
			     e.msg);
		else if (rc < 0)
			rc = 1;
	}
	target_stop(d, &t);
	double el = (double)(clock_mono_ns() - t0) * 1e-9;
	step_end(r);
	if (stopped(r)) {
		progress(
		    r,
		    "  bench %s: interrupted after %.0f s; finished levels "
		    "are kept",
		    d->name, el);
		mark(r, step, "interrupted", NULL);
		return;
	}
	if (rc == 0) {
		mark(r, step, "done", NULL);
		progress(r, "  bench %s: done in %.0f s", d->name, el);
	} else {
		failed(r, step, e.msg);
		progress(r, "  bench %s: FAILED: %s", d->name, e.msg);
	}
}

static void fit_step(struct runner *r)
{
	const struct campaign *c = r->c;
	if (done(r, "fit")) {
		step_skip(r, "fit");
		note(r, RUNNER_PROGRESS, "  fit: done earlier");
		return;
	}
	struct argbuf a = {0};
	argbuf_add(&a, "%s", r->o->exe);
	argbuf_add(&a, "fit");
	int ok = 0;
	for (size_t i = 0; i < c->n_deploys; i++) {
		char step[200];
		snprintf(step, sizeof step, "bench:%s", c->deploys[i].name);
		if (done(r, step)) {
			argbuf_add(&a, "%s/%s", r->o->dir, c->deploys[i].name);
			ok++;
		}
	}
	if (ok == 0) {
		argbuf_release(&a);
		step_skip(r, "fit");
		failed(r, "fit", "no deployment was measured");
		progress(r, "  fit: skipped, no deployment was measured");
		return;
	}
	step_begin(r, "fit", "fit");
	const char *holdout = c->holdout;
	if (!strcmp(holdout, "deployments") && ok < 2)
		holdout = "levels";
	argbuf_opt(&a, "--holdout", "%s", holdout);
	argbuf_opt(&a, "--bootstrap", "%ld", c->bootstrap);
	argbuf_opt(&a, "--seed", "%ld", c->seed);
	argbuf_opt(&a, "--out", "%s/fit.json", r->o->dir);
	struct sc_err e = {0};
	int rc = run_step(r, "fit", &a, false, NULL, NULL, &e);
	argbuf_release(&a);
	char fit[4096];
	snprintf(fit, sizeof fit, "%s/fit.json", r->o->dir);
	struct stat st;
	double took = since_s(r->step_t0_ns);
	char tk[32];
	step_end(r);
	if (rc == 0 || (rc == EXIT_RUNTIME && stat(fit, &st) == 0)) {
		mark(r, "fit", "done", rc ? "not converged" : NULL);
		progress(r, "  fit: %s in %s",
			 rc ? "written but NOT converged (see fit.json)"
			    : "done",
			 eta_fmt(took, tk, sizeof tk));
		if (rc)
			r->failures++;
	} else {
		failed(r, "fit", e.msg);
		progress(r, "  fit: FAILED: %s", e.msg);
	}
}

static void match_step(struct runner *r, bool calibrated,
		       const struct campaign_sla *sla)
{
	const struct campaign *c = r->c;
	const char *kind = calibrated ? "calibrated" : "prior";
	char step[200], name[160];
	campaign_match_name(kind, sla, name, sizeof name);
	snprintf(step, sizeof step, "match:%s", name);
	if (done(r, step)) {
		step_skip(r, step);
		return;
	}
	if (calibrated && !done(r, "fit")) {
		step_skip(r, step);
		mark(r, step, "failed", "no fit");
		return;
	}
	step_begin(r, step, step);
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
	if (calibrated)
		argbuf_opt(&a, "--params", "%s/fit.json", dir);
	argbuf_opt(&a, "--out", "%s/match/%s", dir, name);
	struct sc_err e = {0};
	int rc = run_step(r, step, &a, false, NULL, NULL, &e);
	argbuf_release(&a);
	step_end(r);
	if (rc == 0 || rc == EXIT_NOFIT) {
		const char *none = "no configuration meets the SLA";
		mark(r, step, "done", rc ? none : NULL);
		progress(r, "  %s: %s", step, rc ? none : "done");
	} else {
		failed(r, step, e.msg);
		progress(r, "  %s: FAILED: %s", step, e.msg);
	}
}

/* plot and report: `servecal CMD DIR`. */
static void tool_step(struct runner *r, const char *cmd)
{
	if (done(r, cmd)) {
		step_skip(r, cmd);
		return;
	}
	step_begin(r, cmd, cmd);
	struct argbuf a = {0};
	argbuf_add(&a, "%s", r->o->exe);
	argbuf_add(&a, "%s", cmd);
	argbuf_add(&a, "%s", r->o->dir);
	struct sc_err e = {0};
	int rc = run_step(r, cmd, &a, false, NULL, NULL, &e);
	argbuf_release(&a);
	step_end(r);
	if (rc == 0) {
		mark(r, cmd, "done", NULL);
		progress(r, "  %s: done", cmd);
	} else {
		failed(r, cmd, e.msg);
		progress(r, "  %s: FAILED: %s", cmd, e.msg);
	}
}

static void db_step(struct runner *r)
{
	if (done(r, "db") || !done(r, "fit")) {
		step_skip(r, "db");
		return;
	}
	step_begin(r, "db", "perf database");
	char path[4096], used[2048];
	snprintf(path, sizeof path, "%s/fit.json", r->o->dir);
	struct sc_err e = {0};
	cJSON *fit = jsonio_load_file(path, &e);
	const char *inputs[] = {r->o->dir};
	if (fit && cJSON_IsTrue(cJSON_GetObjectItem(fit, "converged")) &&
	    perfdb_update(fit, inputs, 1, PACKAGE_VERSION, used, sizeof used,
			  &e) == SC_OK) {
		step_end(r);
		mark(r, "db", "done", used);
		progress(r, "  perf database: %s", used);
	} else {
		const char *why =
		    fit ? (e.msg[0] ? e.msg : "fit did not converge") : e.msg;
		step_end(r);
		failed(r, "db", why);
		progress(r, "  perf database: not updated: %s", why);
	}
	cJSON_Delete(fit);
}

/* Seconds to bring d's target up, before any start was measured. */
static double plan_start_s(const struct campaign_deploy *d)
{
	if (d->launched)
		return d->launch.ready_timeout_s;
	if (d->on_slurm)
		return d->slurm.ready_timeout_s;
	if (d->on_k8s)
		return d->k8s.ready_timeout_s;
	return d->emulate ? PLAN_EMULATOR_S : 0;
}

/* Every step in running order with its pieces; steps done by an earlier
 * run are over from the start. */
static void plan(struct runner *r)
{
	const struct campaign *c = r->c;
	char step[200];
	eta_init(&r->eta);
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campaign_deploy *d = &c->deploys[i];
		snprintf(step, sizeof step, "bench:%s", d->name);
		eta_add_step(&r->eta, step);
		eta_add_piece(&r->eta, ETA_START, plan_start_s(d));
		for (size_t k = 0; k < c->n_levels; k++)
			eta_add_piece(&r->eta, ETA_LEVEL,
				      runner_level_expected_s(c, &d->spec, k));
	}
	eta_add_step(&r->eta, "fit");
	eta_add_piece(&r->eta, ETA_FIT,
		      PLAN_FIT_BASE_S +
			  PLAN_FIT_POINT_ROUND_S * (double)(c->bootstrap + 1) *
			      (double)(c->n_deploys * c->n_levels));
	for (size_t k = 0; k < c->n_slas; k++)
		for (int cal = 1; cal >= 0; cal--) {
			char name[160];
			campaign_match_name(cal ? "calibrated" : "prior",
					    &c->slas[k], name, sizeof name);
			snprintf(step, sizeof step, "match:%s", name);
			eta_add_step(&r->eta, step);
			eta_add_piece(&r->eta, ETA_MATCH, PLAN_MATCH_S);
		}
	/* Charts: a Pareto chart per match, TTFT and TPOT per deployment,
	 * about five alignment charts. */
	double charts = (double)(2 * c->n_slas + 2 * c->n_deploys + 5);
	static const char *const tools[] = {"plot", "report", "db"};
	for (size_t k = 0; k < 3; k++) {
		eta_add_step(&r->eta, tools[k]);
		eta_add_piece(&r->eta, k < 2 ? ETA_RENDER : ETA_MATCH,
			      k < 2 ? PLAN_CHART_S * charts : 0);
	}
	for (size_t i = 0; i < r->eta.n_steps; i++)
		if (done(r, r->eta.steps[i].name))
			eta_step_done(&r->eta, i);
	r->cur_step = r->eta.n_steps;
}

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
	plan(&r);
	save_progress(&r);
	note(&r, RUNNER_PROGRESS, "campaign %s -> %s", c->name, o->dir);
	progress(&r, "plan: %zu steps", r.eta.n_steps);
	for (size_t i = 0; i < c->n_deploys && !stopped(&r); i++)
		bench_one(&r, &c->deploys[i]);
	if (!stopped(&r))
		fit_step(&r);
	for (size_t k = 0; k < c->n_slas && !stopped(&r); k++) {
		match_step(&r, true, &c->slas[k]);
		if (!stopped(&r))
			match_step(&r, false, &c->slas[k]);
	}
	if (!stopped(&r))
		tool_step(&r, "plot");
	if (!stopped(&r))
		tool_step(&r, "report");
	if (!stopped(&r))
		db_step(&r);
	res->interrupted = stopped(&r);
	res->failed_steps = r.failures;
	res->report_done = done(&r, "report");
	res->elapsed_s = (double)(clock_mono_ns() - t0) * 1e-9;
out:
	eta_release(&r.eta);
	manifest_release(&r.m);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}

double runner_level_expected_s(const struct campaign *c,
			       const struct deploy_spec *d, size_t k)
{
	struct model_params p;
	params_default(&p);
	struct perf_workload wl = {(double)c->isl, (double)c->osl};
	double n = (double)c->levels[k];
	struct perf_point pt;
	if (k >= c->n_levels || perf_deploy(d, &p, &wl, n, &pt, NULL))
		return 0;
	double warm = c->warmup >= 0 ? (double)c->warmup : n;
	if (c->requests_per_level > 0)
		return ceil(((double)c->requests_per_level + warm) / n) *
		       pt.e2e_s;
	return c->duration_per_level_s + pt.e2e_s;
}

double runner_expected_s(const struct campaign *c, const struct deploy_spec *d)
{
	double total = 0;
	for (size_t i = 0; i < c->n_levels; i++)
		total += runner_level_expected_s(c, d, i);
	return total;
}
