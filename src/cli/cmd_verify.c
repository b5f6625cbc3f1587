/* `servecal verify`: the closure test of a `servecal match` result. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "camp/verify.h"
#include "cli/cli.h"
#include "cli/stop.h"
#include "util/jsonio.h"

static const char usage[] =
    "usage: servecal verify MATCHDIR [options]\n\n"
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
    "";

static const char notes[] =
    "Exit codes: 0 every recommendation met its SLAs and served its projected\n"
    "tokens/s/gpu within the tolerance, 1 one missed (each miss is named; or "
    "it\n"
    "could not be measured), 2 usage, 3 bad MATCHDIR.\n";

extern const struct cli_command cli_cmd_verify;

enum verify_modes { MODES_BOTH = 0, MODES_AGG, MODES_DISAGG };

struct opts {
	struct verify_opts v;
	enum verify_modes modes;
};

static const struct cli_enum_name mode_names[] = {{"agg", MODES_AGG},
						  {"disagg", MODES_DISAGG},
						  {"both", MODES_BOTH},
						  {NULL, 0}};

#define O(f) offsetof(struct opts, f)
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("out", "DIR", O(v.out_dir), "where the results go",
		 .dflt = "MATCHDIR/verify"),
    CLI_FLAG_ENUM("mode", "M", O(modes), mode_names,
		  "the recommendations verified"),
    CLI_FLAG_STR("url-agg", "URL", O(v.url[0]),
		 "a running endpoint of the agg recommendation",
		 .dflt = "emulated"),
    CLI_FLAG_STR("url-disagg", "URL", O(v.url[1]),
		 "a running endpoint of the disagg recommendation",
		 .dflt = "emulated"),
    CLI_FLAG_LONG("rounds", "N", O(v.rounds), 1, 10000,
		  "measured rounds of the recommended users", .dflt = "10"),
    CLI_FLAG_LONG("warmup-rounds", "N", O(v.warmup_rounds), 1,
		  VERIFY_MAX_WARMUP_ROUNDS, "rounds before measuring",
		  .dflt = CLI_STR(VERIFY_DEFAULT_WARMUP_ROUNDS)),
    CLI_FLAG_REAL("tolerance", "F", O(v.tolerance), 0, 1,
		  "relative slack on the SLAs, the attainment and the "
		  "tokens/s/gpu check"),
};

static const struct opts defaults = {.v = {.tolerance = 0.10}};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], &defaults, sizeof defaults, true};

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
	struct opts op;
	char outbuf[4096];
	bool done = false;
	int first, rc = cli_flags_parse(&cli_cmd_verify, argc, argv, &op,
					&first, &done);
	if (rc || done)
		return rc;
	struct verify_opts o = op.v;
	o.stop = &cli_stop_flag;
	if (first + 1 != argc)
		return cli_usage_error("verify", "expected one MATCHDIR");
	o.match_dir = argv[first];
	o.skip[0] = op.modes == MODES_DISAGG;
	o.skip[1] = op.modes == MODES_AGG;
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
	cli_stop_on_signals(true);
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
	rc = jsonio_save_file(path, j, &e);
	cJSON_Delete(j);
	if (rc)
		return cli_fail(&e);
	if (!any) {
		fprintf(stderr,
			"servecal verify: %s recommends nothing to verify\n",
			o.match_dir);
		return EXIT_RUNTIME;
	}
	if (cli_stop_flag) {
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
    .flags = &flagset,
    .notes = notes,
};
