/* `servecal report DIR`: the alignment report of a campaign directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "out/gnuplot.h"
#include "out/report.h"

static const char usage[] =
    "usage: servecal report DIR [--format png|svg] [--no-render]\n\n"
    "Writes DIR/report.md and a self-contained DIR/report.html (charts "
    "embedded)\n"
    "and prints the path of report.html. First the summary: per TTFT SLA the\n"
    "best agg and disagg configuration with GPUs used of the budget,\n"
    "tokens/s/gpu, tokens/s/user and TTFT at the SLA statistic, each figure\n"
    "marked projected or measured, the gains, the fit's quality verdict.\n"
    "Then the charts of `servecal plot` (rendered into DIR/plots/ first,\n"
    "unless --no-render: then the images already there are used), the\n"
    "closure test of any match/*/verify/verify.json, what is missing, the\n"
    "best configurations of the calibrated model vs the priors, the fit\n"
    "(parameters with uncertainty, identifiability, chi2/dof), and the long\n"
    "tables collapsed: measurements and projected vs measured per point.\n"
    "Missing pieces are reported as missing. If the charts cannot be rendered\n"
    "(e.g. no gnuplot) the report is still written, the error is printed and\n"
    "the exit code is 1.\n"
    "Exit codes: 0 ok, 1 gnuplot or runtime failure, 2 usage, 3 bad or "
    "missing\n"
    "input files.\n";

extern const struct cli_command cli_cmd_report;

enum { O_FORMAT = 256, O_NORENDER };
static const struct option longopts[] = {
    {"format", required_argument, NULL, O_FORMAT},
    {"no-render", no_argument, NULL, O_NORENDER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int run(int argc, char **argv)
{
	bool done = false;
	struct report_opts o = {PLOT_PNG, true, GNUPLOT_TIMEOUT_S};
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_report,
			       &done)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (plot_format_parse(optarg, &o.format) ||
			    o.format == PLOT_PDF)
				return cli_usage_error(
				    "report",
				    "--format must be png or svg, got '%s'",
				    optarg);
			break;
		case O_NORENDER:
			o.render = false;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (done)
		return 0;
	if (optind >= argc)
		return cli_usage_error("report", "give the campaign directory");
	if (optind + 1 < argc)
		return cli_usage_error("report", "unexpected argument '%s'",
				       argv[optind + 1]);
	struct sc_err e = {0};
	struct report_result r;
	int rc = report_campaign(argv[optind], &o, &r, &e);
	int ex = EXIT_OK_;
	if (rc) {
		ex = cli_fail(&e);
	} else {
		printf("%s\n", r.html_path);
		if (!r.plots_ok) {
			fprintf(stderr,
				"servecal report: the report was written "
				"without (some) charts: %s\n",
				r.plot_err.msg);
			ex = EXIT_RUNTIME;
		}
	}
	report_result_release(&r);
	return ex;
}

const struct cli_command cli_cmd_report = {
    .name = "report",
    .summary = "alignment report of a campaign (report.md, report.html)",
    .usage = usage,
    .run = run,
};
