/* `servecal verify`: the closure test of a `servecal match` result. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "camp/verify.h"
#include "cli/cli.h"
#include "util/jsonio.h"

static const char usage[] =
    "usage: servecal verify MATCHDIR [--out DIR] [--mode agg|disagg|both]\n"
    "         [--url-agg URL] [--url-disagg URL] [--rounds N] [--warmup-rounds "
    "N]\n"
    "         [--tolerance F]\n\n"
    "Closes the loop on a recommendation: brings up the deployments that\n"
    "`servecal match --out MATCHDIR` recommended (MATCHDIR/deploy-agg.json "
    "and\n"
    "deploy-disagg.json, emulated on a free loopback port unless --url-MODE\n"
    "gives a running endpoint), benches each at its recommended concurrency\n"
    "(--rounds rounds of its users, default 10, after --warmup-rounds, "
    "default\n"
    "2: a closed loop started at once needs a round to lose its start) with "
    "the\n"
    "workload of the search, and prints projected vs measured TTFT at the SLA\n"
    "statistic, TPOT, the share of requests within the TTFT SLA, and tokens/s\n"
    "per GPU. A percentile SLA is an attainment target (p90: 90% of "
    "requests).\n"
    "Results go to DIR (default MATCHDIR/verify): MODE/cN/, logs/, "
    "verify.json.\n"
    "  --tolerance F   relative slack on the SLAs, the attainment and the\n"
    "                  tokens/s/gpu check (default 0.10)\n"
    "Exit codes: 0 every recommendation met its SLAs and served its projected\n"
    "tokens/s/gpu within the tolerance, 1 one missed (each miss is named; or "
    "it\n"
    "could not be measured), 2 usage, 3 bad MATCHDIR.\n";

enum { O_OUT = 256, O_MODE, O_URLA, O_URLD, O_ROUNDS, O_TOL, O_WARM };

static const struct option longopts[] = {
    {"out", required_argument, NULL, O_OUT},
    {"mode", required_argument, NULL, O_MODE},
    {"url-agg", required_argument, NULL, O_URLA},
    {"url-disagg", required_argument, NULL, O_URLD},
    {"rounds", required_argument, NULL, O_ROUNDS},
    {"tolerance", required_argument, NULL, O_TOL},
    {"warmup-rounds", required_argument, NULL, O_WARM},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_verify;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	stop_flag = 1;
	signal(sig, SIG_DFL);
}

static void print_row(const char *mode, const struct verify_row *r)
{
	if (!r->present)
		return;
	if (!r->measured) {
		printf("%-7s %s: not measured: %s\n", mode, r->config,
		       r->error);
		return;
	}
	char ttft[40];
	snprintf(ttft, sizeof ttft, "TTFT %s", statsel_name(r->ttft_stat));
	printf("%-7s %s at concurrency %.0f\n", mode, r->config,
	       r->concurrency);
	printf("        %-14s projected %8.1f ms  measured %8.1f ms  SLA %.1f "
	       "ms\n",
	       ttft, r->proj_ttft_ms, r->meas_ttft_ms, r->sla_ttft_ms);
	printf("        %-14s projected %8.2f ms  measured %8.2f ms  SLA %.2f "
	       "ms\n",
	       r->tpot_stat == STAT_MEAN ? "TPOT mean" : "TPOT",
	       r->proj_tpot_ms, r->meas_tpot_ms, r->sla_tpot_ms);
	printf("        %-14s measured %.1f%% of requests within the TTFT SLA "
	       "(target %.0f%%)\n",
	       "attainment", 100 * r->attainment, 100 * r->target_attainment);
	printf(
	    "        %-14s projected %8.1f     measured %8.1f     (%+.1f%%)\n",
	    "tokens/s/gpu", r->proj_tps_gpu, r->meas_tps_gpu,
	    100 * (r->meas_tps_gpu / r->proj_tps_gpu - 1));
	if (!r->miss[0])
		printf("        verdict: meets its SLAs and its projected "
		       "tokens/s/gpu\n");
	else
		printf("        verdict: %s: %s\n",
		       r->sla_met ? "serves other than projected"
				  : "MISSES its SLAs",
		       r->miss);
}

static int run(int argc, char **argv)
{
	struct verify_opts o = {.tolerance = 0.10, .stop = &stop_flag};
	const char *mode = "both";
	char outbuf[4096];
	bool done = false;
	int c;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_verify,
			       &done)) != -1) {
		int rc = 0;
		switch (c) {
		case O_OUT:
			o.out_dir = optarg;
			break;
		case O_MODE:
			mode = optarg;
			break;
		case O_URLA:
			o.url[0] = optarg;
			break;
		case O_URLD:
			o.url[1] = optarg;
			break;
		case O_ROUNDS:
			rc = cli_parse_long("--rounds", optarg, 1, 10000,
					    &o.rounds);
			break;
		case O_TOL:
			rc = cli_parse_real("--tolerance", optarg, 0, 1,
					    &o.tolerance);
			break;
		case O_WARM:
			rc = cli_parse_long("--warmup-rounds", optarg, 1,
					    VERIFY_MAX_WARMUP_ROUNDS,
					    &o.warmup_rounds);
			break;
		default:
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (done)
		return 0;
	if (optind + 1 != argc)
		return cli_usage_error("verify", "expected one MATCHDIR");
	o.match_dir = argv[optind];
	if (strcmp(mode, "agg") && strcmp(mode, "disagg") &&
	    strcmp(mode, "both"))
		return cli_usage_error(
		    "verify", "--mode must be agg, disagg or both, got '%s'",
		    mode);
	o.skip[0] = !strcmp(mode, "disagg");
	o.skip[1] = !strcmp(mode, "agg");
	for (int m = 0; m < 2; m++)
		if (o.url[m] && strncmp(o.url[m], "http://", 7) &&
		    strncmp(o.url[m], "https://", 8))
			return cli_usage_error("verify",
					       "--url-%s must start with "
					       "http:// or https://, got '%s'",
					       m ? "disagg" : "agg", o.url[m]);
	if (!o.out_dir) {
		snprintf(outbuf, sizeof outbuf, "%s/verify", o.match_dir);
		o.out_dir = outbuf;
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct verify_result r;
	struct sc_err e = {0};
	if (verify_run(&o, &r, &e))
		return cli_fail(&e);
	static const char *const names[] = {"agg", "disagg"};
	bool any = false;
	for (int m = 0; m < 2; m++) {
		print_row(names[m], &r.rows[m]);
		any |= r.rows[m].present;
	}
	struct verify_file vf = {.result = r,
				 .tolerance = o.tolerance,
				 .passed = any && verify_passed(&r)};
	cJSON *j = verify_file_to_json(&vf);
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", o.out_dir, VERIFY_FILE_NAME);
	int rc = jsonio_save_file(path, j, &e);
	cJSON_Delete(j);
	if (rc)
		return cli_fail(&e);
	if (!any) {
		fprintf(stderr,
			"servecal verify: %s recommends nothing to verify\n",
			o.match_dir);
		return EXIT_RUNTIME;
	}
	if (stop_flag) {
		fprintf(stderr, "servecal verify: interrupted\n");
		return EXIT_RUNTIME;
	}
	return verify_passed(&r) ? EXIT_OK_ : EXIT_RUNTIME;
}

const struct cli_command cli_cmd_verify = {
    .name = "verify",
    .summary = "closure test: bench what match recommended and compare with "
	       "its projection and SLAs",
    .usage = usage,
    .run = run,
};
