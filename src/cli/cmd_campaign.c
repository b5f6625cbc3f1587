/* `servecal campaign`: parse the options, then run the campaign
 * (camp/runner.h: bench every deployment, fit, match, plot, report, perf
 * database, each step a servecal process of its own) and print its
 * progress; `campaign status` prints a campaign directory's manifest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "camp/campaign.h"
#include "camp/proc.h"
#include "camp/runner.h"
#include "cli/cli.h"
#include "cli/stop.h"
#include "out/camp_text.h"
#include "out/gnuplot.h"

static const char usage[] =
    "usage: servecal campaign run FILE [options]\n"
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
    "state and elapsed time, the time left and a running bench's level.\n";

static const char notes[] =
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

struct run_opts {
	const char *out;
	bool resume, dry, quiet;
};

#define O(f) offsetof(struct run_opts, f)
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("out", "DIR", O(out), "the campaign directory",
		 .dflt = "results/NAME"),
    CLI_FLAG_SET("resume", O(resume),
		 "continues an interrupted campaign in DIR"),
    CLI_FLAG_SET("dry-run", O(dry),
		 "prints the plan and its expected duration"),
    CLI_FLAG_SET("quiet", O(quiet), "no progress lines"),
};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], NULL, sizeof(struct run_opts), true};

static int campaign_run_cmd(int argc, char **argv)
{
	struct run_opts o;
	bool help = false;
	int first, rc = cli_flags_parse(&cli_cmd_campaign, argc, argv, &o,
					&first, &help);
	if (rc || help)
		return rc;
	const char *out = o.out;
	bool resume = o.resume, dry = o.dry, quiet = o.quiet;
	if (first + 1 != argc)
		return cli_usage_error("campaign", "give one campaign FILE");
	struct campaign camp;
	struct sc_err e = {0};
	if (campaign_load(argv[first], &camp, &e))
		return cli_fail(&e);
	char dir[2048], exe[1024];
	if (out)
		snprintf(dir, sizeof dir, "%s", out);
	else
		snprintf(dir, sizeof dir, "results/%s", camp.name);
	rc = EXIT_OK_;
	if (dry) {
		camp_plan_write(stdout, &camp, dir);
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

static int campaign_status_cmd(int argc, char **argv)
{
	if (argc != 2)
		return cli_usage_error("campaign",
				       "usage: servecal campaign status DIR");
	struct sc_err e = {0};
	if (camp_status_write(stdout, argv[1], &e))
		return cli_fail(&e);
	return EXIT_OK_;
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		cli_help_write(stderr, &cli_cmd_campaign);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		cli_help_write(stdout, &cli_cmd_campaign);
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
    .flags = &flagset,
    .notes = notes,
};
