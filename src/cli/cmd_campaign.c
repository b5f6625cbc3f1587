/* `servecal campaign`: parse the options, then run the campaign
 * (camp/runner.h: bench every deployment, fit, match, plot, report, perf
 * database, each step a servecal process of its own) and print its
 * progress; `campaign status` prints a campaign directory's manifest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camp/campaign.h"
#include "camp/eta.h"
#include "camp/manifest.h"
#include "camp/proc.h"
#include "camp/rundir.h"
#include "camp/runner.h"
#include "cli/cli.h"
#include "cli/stop.h"
#include "load/results.h"
#include "out/gnuplot.h"
#include "util/clock.h"
#include "util/jsonio.h"

static const char usage[] =
    "usage: servecal campaign run FILE [--out DIR] [--resume] [--dry-run] "
    "[--quiet]\n"
    "       servecal campaign status DIR\n\n"
    "Runs a campaign file end to end: bench every deployment over the sweep\n"
    "(starting the built-in emulator on a free loopback port for deployments\n"
    "marked \"emulate\": true, the server command of a \"launch\" object, a\n"
    "\"slurm\" job or a \"kubernetes\" manifest (README: On a GPU cluster),\n"
    "stopped again after its bench), fit the model, match with the fitted "
    "parameters\n"
    "and with the priors at each SLA, plot, write the report, and refresh\n"
    "the perf database ($SERVECAL_DB or calib/db). DIR (default results/NAME)\n"
    "gets manifest.json recording each finished step; --resume continues an\n"
    "interrupted campaign without redoing finished levels or steps. --dry-run\n"
    "prints the plan and its expected duration from the model. Progress goes\n"
    "to stdout, terminal or not: a line as each step and each bench level\n"
    "starts and ends, with the elapsed time and the time left (--quiet: "
    "none).\n"
    "`campaign status DIR` shows, from anywhere, whether it runs, each step's\n"
    "state and elapsed time, the time left and a running bench's level.\n"
    "Exit codes: 0 ok, 1 a step failed (the rest still ran), 2 usage,\n"
    "3 bad campaign file.\n";

extern const struct cli_command cli_cmd_campaign;

static void on_note(void *ud, enum runner_note kind, const char *line)
{
	bool quiet = *(const bool *)ud;
	if (kind == RUNNER_WARNING) {
		fprintf(stderr, "servecal campaign: %s\n", line);
	} else if (!quiet) {
		printf("%s\n", line);
		fflush(stdout);
	}
}

static void print_plan(const struct campaign *c, const char *dir)
{
	printf("campaign %s -> %s\n", c->name, dir);
	printf("workload: isl %ld osl %ld (%s api); search over %ld GPUs\n",
	       c->isl, c->osl, c->api, c->total_gpus);
	for (size_t i = 0; i < c->n_slas; i++) {
		const struct campaign_sla *s = &c->slas[i];
		printf("SLA %zu: TTFT %s <= %g ms, ", i + 1,
		       statsel_name(s->ttft_stat), s->ttft_ms);
		if (s->tpot_ms > 0)
			printf("TPOT %s <= %g ms\n", statsel_name(s->tpot_stat),
			       s->tpot_ms);
		else
			printf("tokens/s/user >= %g (TPOT %s)\n",
			       s->min_tokens_per_s_user,
			       statsel_name(s->tpot_stat));
	}
	double all = 0;
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campaign_deploy *d = &c->deploys[i];
		double s = runner_expected_s(c, &d->spec);
		all += s;
		printf("  bench %-28s %-7s %2ld GPUs  %s  levels", d->name,
		       deploy_mode_name(d->spec.mode), deploy_gpus(&d->spec),
		       d->emulate    ? "emulated"
		       : d->launched ? d->launch.argv[0]
		       : d->on_slurm ? "slurm job"
		       : d->on_k8s   ? "kubernetes"
				     : d->url);
		for (size_t k = 0; k < c->n_levels; k++)
			printf(" %ld", c->levels[k]);
		if (c->requests_per_level > 0)
			printf(", %ld requests each", c->requests_per_level);
		else
			printf(", %g s each", c->duration_per_level_s);
		printf(": about %.0f s\n", s);
	}
	printf("  fit (holdout %s, %ld bootstrap rounds), match calibrated and "
	       "prior at %zu SLA(s), plot, report, perf database\n",
	       c->holdout, c->bootstrap, c->n_slas);
	printf("expected duration: about %.0f s (%zu points)\n", all,
	       c->n_deploys * c->n_levels);
}

static int campaign_run_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"out", required_argument, NULL, 'o'},
	    {"resume", no_argument, NULL, 'r'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	bool resume = false, dry = false, quiet = false, help = false;
	int c;
	while ((c = cli_getopt(argc, argv, "h", opts, &cli_cmd_campaign,
			       &help)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'r':
			resume = true;
			break;
		case 'n':
			dry = true;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (help)
		return EXIT_OK_;
	if (optind + 1 != argc)
		return cli_usage_error("campaign", "give one campaign FILE");
	struct campaign camp;
	struct sc_err e = {0};
	if (campaign_load(argv[optind], &camp, &e))
		return cli_fail(&e);
	char dir[2048], exe[1024];
	if (out)
		snprintf(dir, sizeof dir, "%s", out);
	else
		snprintf(dir, sizeof dir, "results/%s", camp.name);
	int rc = EXIT_OK_;
	if (dry) {
		print_plan(&camp, dir);
		goto out;
	}
	char mpath[4096];
	snprintf(mpath, sizeof mpath, "%s/manifest.json", dir);
	struct stat st;
	if (stat(mpath, &st) == 0 && !resume) {
		rc = cli_usage_error(
		    "campaign",
		    "%s already holds a campaign: pass --resume to continue "
		    "it, or --out DIR for a new one",
		    dir);
		goto out;
	}
	if (proc_self_exe(exe, sizeof exe)) {
		sc_err_set(&e, SC_ERUNTIME,
			   "cannot find the servecal executable");
		rc = cli_fail(&e);
		goto out;
	}
	cli_stop_on_signals(false);
	char gp[128];
	bool have_gp = gnuplot_version(gp, sizeof gp, NULL) == SC_OK;
	struct runner_opts ro = {
	    .dir = dir,
	    .exe = exe,
	    .resume = resume,
	    .bench_stdout = !quiet && isatty(STDOUT_FILENO),
	    .gnuplot = have_gp ? gp : NULL,
	    .stop = &cli_stop_flag,
	    .note = on_note,
	    .ud = &quiet,
	};
	struct runner_result res;
	if (runner_run(&camp, &ro, &res, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (res.interrupted) {
		fprintf(stderr,
			"servecal campaign: interrupted; rerun with --resume "
			"to continue %s\n",
			dir);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!quiet) {
		printf(
		    "campaign %s finished in %.0f s with %d failed step(s)\n",
		    camp.name, res.elapsed_s, res.failed_steps);
		if (res.report_done)
			printf("report: %s/report.html\n", dir);
	}
	rc = res.failed_steps ? EXIT_RUNTIME : EXIT_OK_;
out:
	campaign_release(&camp);
	return rc;
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
		results_level_name(false, (double)o->levels[k], lv, sizeof lv);
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
static void status_line(const char *dir, const struct campaign_outline *o,
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
			results_level_name(false, (double)o->levels[next], lv,
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
	printf("  %8s  %-28s %-11s %s\n", el, name, state, note);
}

static int campaign_status_cmd(int argc, char **argv)
{
	if (argc != 2)
		return cli_usage_error("campaign",
				       "usage: servecal campaign status DIR");
	const char *dir = argv[1];
	struct sc_err e = {0};
	struct manifest m;
	if (manifest_read(&m, dir, &e))
		return cli_fail(&e);
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
	printf("campaign %s (updated %s)\n",
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
		printf("state: running, %s elapsed, about %s left\n",
		       eta_fmt(now - p.started_unix_s, el, sizeof el),
		       eta_fmt(rem > 0 ? rem : 0, left, sizeof left));
	} else if (busy) {
		printf("state: running\n");
	} else if (p.n_plan && !finished) {
		printf("state: stopped after %s (about %s of work left); "
		       "`servecal campaign run FILE --out %s --resume` "
		       "continues it\n",
		       eta_fmt(p.at_unix_s - p.started_unix_s, el, sizeof el),
		       eta_fmt(p.remaining_s, left, sizeof left), dir);
	} else if (p.n_plan) {
		printf("state: finished in %s\n",
		       eta_fmt(p.at_unix_s - p.started_unix_s, el, sizeof el));
	}
	printf("  %8s  %-28s %-11s %s\n", "elapsed", "step", "state", "note");
	struct manifest_step st;
	/* Planned steps in running order, then any the plan does not name
	 * (a manifest written before plans were kept). */
	for (size_t i = 0; i < p.n_plan; i++) {
		manifest_step_get(&m, p.plan[i].step, &st);
		status_line(dir, &o, &st, p.plan[i].step, p.plan[i].expected_s,
			    busy, now);
	}
	for (size_t i = 0; i < manifest_count(&m); i++) {
		manifest_step_at(&m, i, &st);
		bool planned = false;
		for (size_t k = 0; k < p.n_plan && !planned; k++)
			planned = !strcmp(p.plan[k].step, st.name);
		if (!planned)
			status_line(dir, &o, &st, st.name, NAN, busy, now);
	}
	/* Levels on disk per deployment, finished or not. */
	for (size_t i = 0; i < o.n_names; i++) {
		size_t have, next;
		bool begun;
		bench_levels(dir, o.names[i], &o, &have, &next, &begun);
		printf("  levels measured %-14s %zu of %zu\n", o.names[i], have,
		       o.n_levels);
	}
	manifest_progress_release(&p);
	manifest_release(&m);
	return EXIT_OK_;
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage, stdout);
		return EXIT_OK_;
	}
	if (!strcmp(argv[1], "run"))
		return campaign_run_cmd(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return campaign_status_cmd(argc - 1, argv + 1);
	return cli_usage_error("campaign",
			       "expected 'run FILE' or 'status DIR', got '%s'",
			       argv[1]);
}

const struct cli_command cli_cmd_campaign = {
    .name = "campaign",
    .summary =
	"run a campaign file end to end (bench, fit, match, plot, report); "
	"resumable",
    .usage = usage,
    .run = run,
};
