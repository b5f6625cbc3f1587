/* The bench target of a deployment: a URL already serving, the built-in
 * emulator, a launched server, a Slurm job or a Kubernetes deployment. */
#include "camp/runner_target.h"

#include <stdio.h>
#include <string.h>

#include "camp/argbuf.h"
#include "camp/runner_child.h"
#include "camp/runner_note.h"

/* How long the emulator may take to print its URL. */
#define EMULATOR_START_S 30.0
#define EMULATOR_GRACE_S 10.0

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
	runner_note_line(r, RUNNER_PROGRESS, "  bench %s: %s", name, line);
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

int runner_target_start(struct runner *r, const struct campaign_deploy *d,
			const char *spec, struct runner_target *t,
			struct sc_err *e)
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
		runner_note_line(r, RUNNER_PROGRESS,
				 "  bench %s: emulator at %s", d->name, t->url);
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
		runner_note_line(
		    r, RUNNER_PROGRESS,
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
		runner_note_line(r, RUNNER_PROGRESS,
				 "  bench %s: healthy at %s after %.1f s",
				 d->name, t->url,
				 (double)(clock_mono_ns() - t0) * 1e-9);
	} else if (d->launched) {
		char out[4096], err[4096], step[200];
		snprintf(step, sizeof step, "launch:%s", d->name);
		runner_child_log_path(r, step, "out", out, sizeof out);
		runner_child_log_path(r, step, "err", err, sizeof err);
		int64_t t0 = clock_mono_ns();
		int rc =
		    launch_start(&t->l, &d->launch, out, err, r->o->stop, e);
		if (rc)
			return rc;
		t->url = t->l.url;
		runner_note_line(
		    r, RUNNER_PROGRESS,
		    "  bench %s: launched %s (pid %ld) at %s, healthy after "
		    "%.1f s",
		    d->name, d->launch.argv[0], (long)t->l.pid, t->url,
		    (double)(clock_mono_ns() - t0) * 1e-9);
	}
	return SC_OK;
}

void runner_target_stop(const struct campaign_deploy *d,
			struct runner_target *t)
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

bool (*runner_target_gone(const struct campaign_deploy *d,
			  struct runner_target *t, void **ud))(void *)
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

bool runner_target_ended(const struct campaign_deploy *d,
			 struct runner_target *t, const char *bench,
			 struct sc_err *e)
{
	if (d->on_slurm || d->on_k8s) {
		if (d->on_slurm ? slurm_job_running(&t->job)
				: k8s_running(&t->kr))
			return false;
		sc_err_set(e, SC_ERUNTIME, "%s during the bench%s%s",
			   d->on_slurm ? t->job.why : t->kr.why,
			   bench[0] ? "; " : "", bench);
		return true;
	}
	if (!d->launched || launch_running(&t->l))
		return false;
	char how[128], tail[300];
	launch_end_text(&t->l, how, sizeof how);
	launch_log_tail(&t->l, tail, sizeof tail);
	sc_err_set(e, SC_ERUNTIME, "%s %s during the bench%s%s",
		   prog_name(&d->launch), how, tail[0] ? "; log: " : "", tail);
	return true;
}
