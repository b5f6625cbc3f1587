/* The campaign's text views: the plan --dry-run prints, and the status of
 * a campaign directory (each step's state and time, the level a running
 * bench is on, the time left). */
#include "out/camp_text.h"

#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "camp/eta.h"
#include "camp/manifest.h"
#include "camp/rundir.h"
#include "camp/runner.h"
#include "metrics/level.h"
#include "util/clock.h"

void camp_plan_write(FILE *f, const struct campaign *c, const char *dir)
{
	fprintf(f, "campaign %s -> %s\n", c->name, dir);
	fprintf(f, "workload: isl %ld osl %ld (%s api); search over %ld GPUs\n",
		c->isl, c->osl, c->api, c->total_gpus);
	for (size_t i = 0; i < c->n_slas; i++) {
		const struct campaign_sla *s = &c->slas[i];
		fprintf(f, "SLA %zu: TTFT %s <= %g ms, ", i + 1,
			statsel_name(s->ttft_stat), s->ttft_ms);
		if (s->tpot_ms > 0)
			fprintf(f, "TPOT %s <= %g ms\n",
				statsel_name(s->tpot_stat), s->tpot_ms);
		else
			fprintf(f, "tokens/s/user >= %g (TPOT %s)\n",
				s->min_tokens_per_s_user,
				statsel_name(s->tpot_stat));
	}
	double all = 0;
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campaign_deploy *d = &c->deploys[i];
		double s = runner_expected_s(c, &d->spec);
		all += s;
		fprintf(f, "  bench %-28s %-7s %2ld GPUs  %s  levels", d->name,
			deploy_mode_name(d->spec.mode), deploy_gpus(&d->spec),
			d->emulate    ? "emulated"
			: d->launched ? d->launch.argv[0]
			: d->on_slurm ? "slurm job"
			: d->on_k8s   ? "kubernetes"
				      : d->url);
		for (size_t k = 0; k < c->n_levels; k++)
			fprintf(f, " %ld", c->levels[k]);
		if (c->requests_per_level > 0)
			fprintf(f, ", %ld requests each",
				c->requests_per_level);
		else
			fprintf(f, ", %g s each", c->duration_per_level_s);
		fprintf(f, ": about %.0f s\n", s);
	}
	fprintf(
	    f,
	    "  fit (holdout %s, %ld bootstrap rounds), match calibrated and "
	    "prior at %zu SLA(s), plot, report, perf database\n",
	    c->holdout, c->bootstrap, c->n_slas);
	fprintf(f, "expected duration: about %.0f s (%zu points)\n", all,
		c->n_deploys * c->n_levels);
}

/* Where deployment name's bench stands on disk: levels with a summary,
 * and the first level without one (begun when its directory exists). */
static void bench_levels(const char *dir, const char *name,
			 const struct campaign_outline *o, size_t *have,
			 size_t *next, bool *begun)
{
	*have = 0;
	*next = o->n_levels;
	*begun = false;
	for (size_t k = 0; k < o->n_levels; k++) {
		char lv[64], p[4400];
		struct stat st;
		level_name(false, (double)o->levels[k], lv, sizeof lv);
		snprintf(p, sizeof p, "%s/%s/%s/summary.json", dir, name, lv);
		if (stat(p, &st) == 0) {
			(*have)++;
			continue;
		}
		if (*next == o->n_levels) {
			*next = k;
			snprintf(p, sizeof p, "%s/%s/%s", dir, name, lv);
			*begun = stat(p, &st) == 0;
		}
	}
}

/* The step's line: elapsed, name, state, and a note (the manifest's, the
 * level a running bench is on, or what a pending step is expected to
 * take). */
static void status_line(FILE *f, const char *dir,
			const struct campaign_outline *o,
			const struct manifest_step *st, const char *name,
			double expected_s, bool busy, double now)
{
	char el[32] = "-", note[600];
	const char *state = st->status[0] ? st->status : "pending";
	bool running = !strcmp(state, "running");
	if (running && !busy)
		state = "stopped"; /* its campaign process is gone */
	if (isfinite(st->elapsed_s))
		eta_fmt(st->elapsed_s, el, sizeof el);
	else if (running && busy && isfinite(st->started_unix_s))
		eta_fmt(now - st->started_unix_s, el, sizeof el);
	snprintf(note, sizeof note, "%s", st->note);
	if (!st->status[0] && isfinite(expected_s)) {
		char ex[32];
		snprintf(note, sizeof note, "expected about %s",
			 eta_fmt(expected_s, ex, sizeof ex));
	}
	if (running && !strncmp(name, "bench:", 6)) {
		size_t have, next;
		bool begun;
		bench_levels(dir, name + 6, o, &have, &next, &begun);
		char lv[64] = "";
		if (next < o->n_levels)
			level_name(false, (double)o->levels[next], lv,
				   sizeof lv);
		if (next < o->n_levels && begun)
			snprintf(note, sizeof note, "on level %s (%zu of %zu)",
				 lv, next + 1, o->n_levels);
		else if (next < o->n_levels)
			snprintf(note, sizeof note,
				 "starting its target (level %s next)", lv);
		else
			snprintf(note, sizeof note, "every level measured");
	}
	fprintf(f, "  %8s  %-28s %-11s %s\n", el, name, state, note);
}

int camp_status_write(FILE *f, const char *dir, struct sc_err *e)
{
	struct manifest m;
	if (manifest_read(&m, dir, e))
		return e->status ? e->status : SC_ERUNTIME;
	char path[4096];
	snprintf(path, sizeof path, "%s/campaign.json", dir);
	struct campaign_outline o;
	if (campaign_outline_read(path, &o, NULL))
		memset(&o, 0, sizeof o);
	struct manifest_progress p;
	manifest_get_progress(&m, &p);
	bool busy = rundir_busy(dir);
	double now = (double)clock_wall_ns() * 1e-9;
	const cJSON *c = cJSON_GetObjectItem(m.root, "campaign");
	const cJSON *u = cJSON_GetObjectItem(m.root, "updated");
	fprintf(f, "campaign %s (updated %s)\n",
		cJSON_IsString(c) ? c->valuestring : "?",
		cJSON_IsString(u) ? u->valuestring : "?");
	/* The estimate was made at at_unix_s; time has passed since. */
	char el[32], left[32];
	bool finished = true;
	for (size_t i = 0; i < p.n_plan; i++) {
		const char *s = manifest_status(&m, p.plan[i].step);
		finished &=
		    s && strcmp(s, "running") && strcmp(s, "interrupted");
	}
	if (busy && isfinite(p.started_unix_s)) {
		double rem = p.remaining_s - (now - p.at_unix_s);
		fprintf(f, "state: running, %s elapsed, about %s left\n",
			eta_fmt(now - p.started_unix_s, el, sizeof el),
			eta_fmt(rem > 0 ? rem : 0, left, sizeof left));
	} else if (busy) {
		fprintf(f, "state: running\n");
	} else if (p.n_plan && !finished) {
		fprintf(f,
			"state: stopped after %s (about %s of work left); "
			"`servecal campaign run FILE --out %s --resume` "
			"continues it\n",
			eta_fmt(p.at_unix_s - p.started_unix_s, el, sizeof el),
			eta_fmt(p.remaining_s, left, sizeof left), dir);
	} else if (p.n_plan) {
		fprintf(f, "state: finished in %s\n",
			eta_fmt(p.at_unix_s - p.started_unix_s, el, sizeof el));
	}
	fprintf(f, "  %8s  %-28s %-11s %s\n", "elapsed", "step", "state",
		"note");
	struct manifest_step st;
	/* Planned steps in running order, then any the plan does not name
	 * (a manifest written before plans were kept). */
	for (size_t i = 0; i < p.n_plan; i++) {
		manifest_step_get(&m, p.plan[i].step, &st);
		status_line(f, dir, &o, &st, p.plan[i].step,
			    p.plan[i].expected_s, busy, now);
	}
	for (size_t i = 0; i < manifest_count(&m); i++) {
		manifest_step_at(&m, i, &st);
		bool planned = false;
		for (size_t k = 0; k < p.n_plan && !planned; k++)
			planned = !strcmp(p.plan[k].step, st.name);
		if (!planned)
			status_line(f, dir, &o, &st, st.name, NAN, busy, now);
	}
	/* Levels on disk per deployment, finished or not. */
	for (size_t i = 0; i < o.n_names; i++) {
		size_t have, next;
		bool begun;
		bench_levels(dir, o.names[i], &o, &have, &next, &begun);
		fprintf(f, "  levels measured %-14s %zu of %zu\n", o.names[i],
			have, o.n_levels);
	}
	manifest_progress_release(&p);
	manifest_release(&m);
	return SC_OK;
}
