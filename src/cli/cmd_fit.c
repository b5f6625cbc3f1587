/* `servecal fit`: calibrate the model parameters to measured sweeps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"
#include "fit/calib.h"
#include "model/perfdb.h"
#include "out/fit_table.h"
#include "util/jsonio.h"

static const char usage[] =
    "usage: servecal fit RESULTS_DIR... [options]\n\n"
    "Fits the model's parameters (eta_c, eta_a, eta_ad, eta_m, eta_ar, "
    "alpha_ar, tau_s,\n"
    "tau_r, t0, tkv) to `servecal bench` results of one or more\n"
    "deployments of one model, GPU and backend (agg and disagg may be mixed), "
    "with\n"
    "GSL Levenberg-Marquardt on log(projected/measured) of TTFT mean, p90 and "
    "p99\n"
    "(levels of 100 requests or more), TPOT mean and p90 and throughput, and "
    "weak\n"
    "priors. Prints parameters with 1-sigma uncertainty,\n"
    "flags what the data cannot pin down, and the measured-vs-projected table "
    "with\n"
    "MAPE in-sample and held out.\n";

static const char notes[] =
    "--holdout levels fits every other concurrency and predicts the rest;\n"
    "deployments leaves one deployment out at a time.\n"
    "Exit codes: 0 ok, 1 fit did not converge (fit.json still written, "
    "marked),\n"
    "2 usage, 3 bad or degenerate input.\n";

struct fit_opts {
	const char *deploy, *model, *gpu, *free, *fix, *prior, *out, *backend;
	enum holdout_mode holdout;
	long bootstrap, seed;
	bool db, json, force;
	bool mfree[MP_COUNT], mfix[MP_COUNT];
};

/* "eta_c,tau_s" -> mask; a usage error names an unknown parameter. */
static int param_list(const char *flag, const char *s, bool mask[MP_COUNT])
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", s);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		int i = params_find(tok);
		if (i < 0)
			return cli_usage_error(
			    "fit",
			    "%s: unknown parameter '%s' (eta_c, eta_a, eta_ad, "
			    "eta_m, eta_ar, alpha_ar, tau_s, tau_r, t0, tkv)",
			    flag, tok);
		mask[i] = true;
	}
	return 0;
}

static int parse_free(const char *flag, const char *arg, void *opts)
{
	struct fit_opts *o = opts;
	o->free = arg;
	return param_list(flag, arg, o->mfree);
}

static int parse_fix(const char *flag, const char *arg, void *opts)
{
	struct fit_opts *o = opts;
	o->fix = arg;
	return param_list(flag, arg, o->mfix);
}

static const struct cli_enum_name holdout_names[] = {
    {"levels", HOLDOUT_LEVELS},
    {"deployments", HOLDOUT_DEPLOYMENTS},
    {"none", HOLDOUT_NONE},
    {NULL, 0}};

#define O(f) offsetof(struct fit_opts, f)
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("deployment", "FILE", O(deploy),
		 "spec for results without DIR/deployment.json (imports)"),
    CLI_FLAG_STR("model", "M", O(model), "replaces the deployments' model"),
    CLI_FLAG_STR("gpu", "G", O(gpu), "replaces the deployments' GPU"),
    CLI_FLAG_CUSTOM("free", "P,P..", parse_free, "fit only these parameters"),
    CLI_FLAG_CUSTOM("fix", "P,P..", parse_fix,
		    "hold these at the prior (excludes --free)"),
    CLI_FLAG_STR("prior", "FILE", O(prior),
		 "prior centres (params file, fit.json or a db entry)"),
    CLI_FLAG_ENUM("holdout", "MODE", O(holdout), holdout_names,
		  "points predicted rather than fitted"),
    CLI_FLAG_LONG("bootstrap", "N", O(bootstrap), 0, 100000,
		  "1-sigma from N refits on resampled points (0: from the "
		  "Jacobian)"),
    CLI_FLAG_LONG("seed", "N", O(seed), 0, 4294967295L,
		  "seed of the bootstrap"),
    CLI_FLAG_STR("out", "FILE", O(out), "where fit.json goes",
		 .dflt = "DIR/fit.json for one DIR, else ./fit.json"),
    CLI_FLAG_SET("db", O(db),
		 "writes the result into the perf database ($SERVECAL_DB or "
		 "calib/db), GPU/BACKEND/MODEL.json"),
    CLI_FLAG_SET("force", O(force),
		 "with --db, writes even a fit that did not converge or "
		 "projects the held-out points worse than the priors "
		 "(otherwise such a fit is reported and the database keeps "
		 "what it had)"),
    CLI_FLAG_STR("backend", "NAME", O(backend),
		 "replaces the deployments' backend (the database entry's)"),
    CLI_FLAG_SET("json", O(json), "prints fit.json instead of the table"),
};

static const struct fit_opts defaults = {.holdout = HOLDOUT_LEVELS, .seed = 1};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], &defaults, sizeof defaults, true};

extern const struct cli_command cli_cmd_fit;

static int run(int argc, char **argv)
{
	struct fit_opts o;
	bool done = false;
	int first,
	    rc = cli_flags_parse(&cli_cmd_fit, argc, argv, &o, &first, &done);
	if (rc || done)
		return rc;
	if (first >= argc)
		return cli_usage_error("fit", "give at least one RESULTS_DIR");
	if (o.free && o.fix)
		return cli_usage_error("fit",
				       "--free and --fix exclude each other");

	struct sc_err e = {0};
	struct calib_opts co = {.holdout = o.holdout,
				.bootstrap = (int)o.bootstrap,
				.seed = (unsigned)o.seed};
	nlls_opts_default(&co.nlls);
	for (int i = 0; i < MP_COUNT; i++)
		co.nlls.free[i] = o.free ? o.mfree[i] : !o.mfix[i];
	if (o.prior && params_load(o.prior, &co.nlls.prior, &e))
		return cli_fail(&e);

	struct obs_set s = {0};
	struct calib_result r = {0};
	cJSON *j = NULL;
	int exit_code = EXIT_OK_;
	size_t skipped = 0;
	for (int i = first; i < argc; i++)
		if ((rc = obs_add_dir(&s, argv[i], o.deploy, &skipped, &e)))
			goto fail;
	if (skipped)
		fprintf(stderr,
			"servecal fit: skipped %zu level(s): open-loop, or "
			"without a successful request or a summary\n",
			skipped);
	if ((rc = obs_override(&s, o.model, o.gpu, o.backend, &e)) ||
	    (rc = calib_run(&s, &co, &r, &e)))
		goto fail;
	j = calib_to_json(&s, &r);
	cJSON *inputs = cJSON_AddArrayToObject(j, "inputs");
	for (int i = first; i < argc; i++)
		cJSON_AddItemToArray(inputs, cJSON_CreateString(argv[i]));
	cJSON_AddStringToObject(j, "servecal_version", PACKAGE_VERSION);
	char out[4096];
	if (o.out)
		snprintf(out, sizeof out, "%s", o.out);
	else if (argc - first == 1)
		snprintf(out, sizeof out, "%s/fit.json", argv[first]);
	else
		snprintf(out, sizeof out, "fit.json");
	if ((rc = jsonio_save_file(out, j, &e)))
		goto fail;
	if (o.json) {
		char *txt = cJSON_Print(j);
		puts(txt);
		cJSON_free(txt);
	} else {
		fit_table_write(stdout, &s, &r, j);
		printf("\nwrote %s\n", out);
	}
	char why[512];
	enum calib_quality q = calib_quality(&r, why, sizeof why);
	if (q == CALIB_WORSE_THAN_PRIORS)
		fprintf(stderr, "servecal fit: warning: %s\n", why);
	if (o.db && q != CALIB_OK && !o.force) {
		fprintf(stderr,
			"servecal fit: the perf database was not refreshed "
			"(%s); --force writes it anyway\n",
			q == CALIB_NOT_CONVERGED
			    ? "the fit did not converge"
			    : "the fit is worse than the priors");
	} else if (o.db) {
		char path[2048];
		if ((rc = perfdb_update(j, (const char *const *)argv + first,
					(size_t)(argc - first), PACKAGE_VERSION,
					path, sizeof path, &e)))
			goto fail;
		fprintf(o.json ? stderr : stdout, "perf database: %s\n", path);
	}
	if (!r.fit.converged) {
		fprintf(stderr,
			"servecal fit: the fit did not converge (%s); %s is "
			"marked unconverged\n",
			r.fit.status, out);
		exit_code = EXIT_RUNTIME;
	}
	goto out;
fail:
	exit_code = cli_fail(&e);
out:
	cJSON_Delete(j);
	calib_release(&r);
	obs_release(&s);
	return exit_code;
}

const struct cli_command cli_cmd_fit = {
    .name = "fit",
    .summary =
	"calibrate the model to measured sweeps (GSL), with held-out error",
    .usage = usage,
    .run = run,
    .flags = &flagset,
    .notes = notes,
};
