/* `servecal campaign`: parse the options, then run the campaign
 * (camp/runner.h: bench every deployment, fit, match, plot, report, perf
 * database, each step a servecal process of its own) and print its
 * progress; `campaign status` prints a campaign directory's manifest. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camp/campaign.h"
#include "camp/proc.h"
#include "camp/runner.h"
#include "cli/cli.h"
#include "util/jsonio.h"

static const char usage[] =
	"usage: servecal campaign run FILE [--out DIR] [--resume] [--dry-run] [--quiet]\n"
	"       servecal campaign status DIR\n\n"
	"Runs a campaign file end to end: bench every deployment over the sweep\n"
	"(starting the built-in emulator on a free loopback port for deployments\n"
	"marked \"emulate\": true, the server command of a \"launch\" object, a\n"
	"\"slurm\" job or a \"kubernetes\" manifest (README: On a GPU cluster),\n"
	"stopped again after its bench), fit the model, match with the fitted parameters\n"
	"and with the priors at each TTFT SLA, plot, write the report, and refresh\n"
	"the perf database ($SERVECAL_DB or calib/db). DIR (default results/NAME)\n"
	"gets manifest.json recording each finished step; --resume continues an\n"
	"interrupted campaign without redoing finished levels or steps. --dry-run\n"
	"prints the plan and its expected duration from the model.\n"
	"Exit codes: 0 ok, 1 a step failed (the rest still ran), 2 usage,\n"
	"3 bad campaign file.\n";

extern const struct cli_command cli_cmd_campaign;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

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
	printf("workload: isl %ld osl %ld (%s api); TTFT SLA", c->isl, c->osl, c->api);
	for (size_t i = 0; i < c->n_ttft; i++)
		printf(" %g", c->ttft_ms[i]);
	if (c->tpot_ms > 0)
		printf(" ms, TPOT <= %g ms", c->tpot_ms);
	else
		printf(" ms, >= %g tokens/s/user", c->min_tokens_per_s_user);
	printf("; search over %ld GPUs\n", c->total_gpus);
	double all = 0;
	for (size_t i = 0; i < c->n_deploys; i++) {
		const struct campaign_deploy *d = &c->deploys[i];
		double s = runner_expected_s(c, &d->spec);
		all += s;
		printf("  bench %-28s %-7s %2ld GPUs  %s  levels", d->name,
		       deploy_mode_name(d->spec.mode), deploy_gpus(&d->spec),
		       d->emulate ? "emulated" : d->launched ? d->launch.argv[0]
			 : d->on_slurm ? "slurm job" : d->on_k8s ? "kubernetes" : d->url);
		for (size_t k = 0; k < c->n_levels; k++)
			printf(" %ld", c->levels[k]);
		if (c->requests_per_level > 0)
			printf(", %ld requests each", c->requests_per_level);
		else
			printf(", %g s each", c->duration_per_level_s);
		printf(": about %.0f s\n", s);
	}
	printf("  fit (holdout %s, %ld bootstrap rounds), match calibrated and prior at %zu TTFT SLA(s), plot, report, perf database\n",
	       c->holdout, c->bootstrap, c->n_ttft);
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
	while ((c = cli_getopt(argc, argv, "h", opts, &cli_cmd_campaign, &help)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'r': resume = true; break;
		case 'n': dry = true; break;
		case 'q': quiet = true; break;
		default: return EXIT_USAGE;
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
		rc = cli_usage_error("campaign",
				     "%s already holds a campaign: pass --resume to continue it, or --out DIR for a new one",
				     dir);
		goto out;
	}
	if (proc_self_exe(exe, sizeof exe)) {
		sc_err_set(&e, SC_ERUNTIME, "cannot find the servecal executable");
		rc = cli_fail(&e);
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct runner_opts ro = {
		.dir = dir, .exe = exe, .resume = resume,
		.bench_stdout = !quiet && isatty(STDOUT_FILENO),
		.stop = &interrupted, .note = on_note, .ud = &quiet,
	};
	struct runner_result res;
	if (runner_run(&camp, &ro, &res, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	if (res.interrupted) {
		fprintf(stderr, "servecal campaign: interrupted; rerun with --resume to continue %s\n",
			dir);
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (!quiet) {
		printf("campaign %s finished in %.0f s with %d failed step(s)\n",
		       camp.name, res.elapsed_s, res.failed_steps);
		if (res.report_done)
			printf("report: %s/report.html\n", dir);
	}
	rc = res.failed_steps ? EXIT_RUNTIME : EXIT_OK_;
out:
	campaign_release(&camp);
	return rc;
}

static int campaign_status_cmd(int argc, char **argv)
{
	if (argc != 2)
		return cli_usage_error("campaign", "usage: servecal campaign status DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/manifest.json", argv[1]);
	struct sc_err e = {0};
	cJSON *m = jsonio_load_file(path, &e);
	if (!m)
		return cli_fail(&e);
	const cJSON *c = cJSON_GetObjectItem(m, "campaign");
	const cJSON *u = cJSON_GetObjectItem(m, "updated");
	printf("campaign %s (updated %s)\n", cJSON_IsString(c) ? c->valuestring : "?",
	       cJSON_IsString(u) ? u->valuestring : "?");
	const cJSON *s;
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(m, "steps"))
	{
		const cJSON *st = cJSON_GetObjectItem(s, "status");
		const cJSON *note = cJSON_GetObjectItem(s, "note");
		printf("  %-28s %-7s %s\n", s->string,
		       cJSON_IsString(st) ? st->valuestring : "?",
		       cJSON_IsString(note) ? note->valuestring : "");
	}
	/* Levels on disk per deployment, finished or not. */
	snprintf(path, sizeof path, "%s/campaign.json", argv[1]);
	cJSON *cf = jsonio_load_file(path, NULL);
	const cJSON *d;
	cJSON_ArrayForEach(d, cJSON_GetObjectItem(cf, "deployments"))
	{
		const cJSON *name = cJSON_GetObjectItem(d, "name");
		const cJSON *sweep = cJSON_GetObjectItem(cJSON_GetObjectItem(cf, "sweep"), "concurrency");
		if (!cJSON_IsString(name))
			continue;
		int have = 0, want = cJSON_GetArraySize(sweep);
		const cJSON *lv;
		cJSON_ArrayForEach(lv, sweep)
		{
			char p[4200];
			struct stat st;
			snprintf(p, sizeof p, "%s/%s/c%g/summary.json", argv[1],
				 name->valuestring, lv->valuedouble);
			have += stat(p, &st) == 0;
		}
		printf("  levels measured %-14s %d of %d\n", name->valuestring, have, want);
	}
	cJSON_Delete(cf);
	cJSON_Delete(m);
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
	return cli_usage_error("campaign", "expected 'run FILE' or 'status DIR', got '%s'",
			       argv[1]);
}

const struct cli_command cli_cmd_campaign = {
	"campaign", "run a campaign file end to end (bench, fit, match, plot, report); resumable",
	usage, run};
