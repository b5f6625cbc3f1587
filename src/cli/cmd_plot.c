/* `servecal plot DIR`: gnuplot charts of a campaign directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "out/campdir.h"
#include "out/gnuplot.h"
#include "out/plot.h"
#include "util/xalloc.h"

static const char usage[] =
    "usage: servecal plot DIR [--format png|svg|pdf] [--out PLOTDIR] "
    "[--no-render]\n\n"
    "Writes the charts of campaign directory DIR into DIR/plots/ (or "
    "PLOTDIR):\n"
    "  pareto-SOURCE-ttftMS   tokens/s/gpu vs tokens/s/user per match "
    "directory,\n"
    "                         coloured by TTFT at the SLA statistic (p90 by\n"
    "                         default), configurations missing an SLA grey,\n"
    "                         measured levels labelled cN (hollow: misses an\n"
    "                         SLA), best configurations tagged A/D and\n"
    "                         described above the plot, SLAs drawn\n"
    "  ttft-DEPLOY, tpot-DEPLOY  latency vs concurrency: measured p50/p90 "
    "and mean\n"
    "                         against the projection before and after "
    "calibration;\n"
    "                         log scale when the values span more than 6x\n"
    "  align-METRIC           projected vs measured with y = x and a +-10% "
    "band\n"
    "DIR may also be a `servecal bench --out` directory (cN/summary.json, no\n"
    "campaign.json): its TTFT and TPOT vs concurrency are drawn.\n"
    "Each chart is NAME.dat (data), NAME.gp (gnuplot script) and "
    "NAME.png|svg|pdf.\n"
    "gnuplot runs without a shell (SERVECAL_GNUPLOT overrides the program;\n"
    "SERVECAL_PLOTS the template directory). Without gnuplot the .dat and .gp\n"
    "files are still written: render them elsewhere with `gnuplot NAME.gp`.\n"
    "--no-render writes the files only. Exit codes: 0 ok, 1 gnuplot or "
    "runtime\n"
    "failure, 2 usage, 3 bad or missing input files (DIR neither a campaign\n"
    "nor a bench directory).\n";

extern const struct cli_command cli_cmd_plot;

enum { O_FORMAT = 256, O_OUT, O_NORENDER };
static const struct option longopts[] = {
    {"format", required_argument, NULL, O_FORMAT},
    {"out", required_argument, NULL, O_OUT},
    {"no-render", no_argument, NULL, O_NORENDER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int run(int argc, char **argv)
{
	bool done = false, render = true;
	const char *out = NULL;
	enum plot_format fmt = PLOT_PNG;
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_plot,
			       &done)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (plot_format_parse(optarg, &fmt))
				return cli_usage_error("plot",
						       "--format must be png, "
						       "svg or pdf, got '%s'",
						       optarg);
			break;
		case O_OUT:
			out = optarg;
			break;
		case O_NORENDER:
			render = false;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (done)
		return 0;
	if (optind >= argc)
		return cli_usage_error("plot", "give the campaign directory");
	if (optind + 1 < argc)
		return cli_usage_error("plot", "unexpected argument '%s'",
				       argv[optind + 1]);
	const char *dir = argv[optind];
	struct sc_err e = {0};
	struct campdir cd;
	struct plot_set ps = {0};
	char *pdir = out ? xstrdup(out) : xasprintf("%s/plots", dir);
	int rc = campdir_load(dir, &cd, &e);
	if (rc == SC_OK)
		rc = plot_write(&cd, pdir, fmt, &ps, &e);
	if (rc == SC_OK && render)
		rc = plot_render(&ps, GNUPLOT_TIMEOUT_S, &e);
	int ex = EXIT_OK_;
	if (rc) {
		ex = cli_fail(&e);
	} else {
		for (size_t i = 0; i < ps.n; i++) {
			printf("%s/%s.%s\n", pdir, ps.charts[i].name,
			       render ? plot_format_ext(fmt) : "gp");
			if (ps.charts[i].warning[0])
				fprintf(
				    stderr, "servecal plot: %s: gnuplot: %s\n",
				    ps.charts[i].name, ps.charts[i].warning);
		}
		if (!ps.n)
			fprintf(stderr,
				"servecal plot: %s has no data to plot\n", dir);
	}
	plot_set_release(&ps);
	campdir_release(&cd);
	free(pdir);
	return ex;
}

const struct cli_command cli_cmd_plot = {
    .name = "plot",
    .summary =
	"gnuplot charts of a campaign: Pareto with TTFT, latency, alignment",
    .usage = usage,
    .run = run,
};
