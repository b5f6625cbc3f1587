/* `servecal fit`: calibrate the model parameters to measured sweeps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "config.h"
#include "fit/calib.h"
#include "model/perfdb.h"
#include "util/jsonio.h"

static const char usage[] =
    "usage: servecal fit RESULTS_DIR... [--deployment FILE] [--model M] [--gpu "
    "G]\n"
    "         [--free P,P..|--fix P,P..] [--prior FILE] [--holdout "
    "levels|deployments|none]\n"
    "         [--bootstrap N] [--seed N] [--out FIT.json] [--db [--backend "
    "NAME] [--force]]\n"
    "         [--json]\n\n"
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
    "MAPE in-sample and held out.\n"
    "  --deployment FILE   spec for results without DIR/deployment.json "
    "(imports)\n"
    "  --model, --gpu      replace the deployments' model or GPU spec\n"
    "  --free / --fix      fit only these parameters / hold these at the "
    "prior\n"
    "  --prior FILE        prior centres (params file, fit.json or a db "
    "entry)\n"
    "  --holdout MODE      levels (default): fit every other concurrency, "
    "predict\n"
    "                      the rest; deployments: leave one deployment out; "
    "none\n"
    "  --bootstrap N       1-sigma from N refits on resampled points\n"
    "  --out FILE          where fit.json goes (default DIR/fit.json for one "
    "DIR,\n"
    "                      else ./fit.json)\n"
    "  --force             with --db, write even a fit that did not converge "
    "or\n"
    "                      projects the held-out points worse than the priors\n"
    "                      (otherwise such a fit is reported and the database\n"
    "                      keeps what it had)\n"
    "  --db                write the result into the perf database "
    "($SERVECAL_DB or\n"
    "                      calib/db), GPU/BACKEND/MODEL.json; --backend "
    "overrides\n"
    "Exit codes: 0 ok, 1 fit did not converge (fit.json still written, "
    "marked),\n"
    "2 usage, 3 bad or degenerate input.\n";

enum {
	O_DEPLOY = 256,
	O_MODEL,
	O_GPU,
	O_FREE,
	O_FIX,
	O_PRIOR,
	O_HOLDOUT,
	O_BOOT,
	O_SEED,
	O_OUT,
	O_DB,
	O_BACKEND,
	O_JSON,
	O_FORCE
};

static const struct option longopts[] = {
    {"deployment", required_argument, NULL, O_DEPLOY},
    {"model", required_argument, NULL, O_MODEL},
    {"gpu", required_argument, NULL, O_GPU},
    {"free", required_argument, NULL, O_FREE},
    {"fix", required_argument, NULL, O_FIX},
    {"prior", required_argument, NULL, O_PRIOR},
    {"holdout", required_argument, NULL, O_HOLDOUT},
    {"bootstrap", required_argument, NULL, O_BOOT},
    {"seed", required_argument, NULL, O_SEED},
    {"out", required_argument, NULL, O_OUT},
    {"db", no_argument, NULL, O_DB},
    {"force", no_argument, NULL, O_FORCE},
    {"backend", required_argument, NULL, O_BACKEND},
    {"json", no_argument, NULL, O_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_fit;

struct fit_opts {
	const char *deploy, *model, *gpu, *free, *fix, *prior, *out, *backend;
	enum holdout_mode holdout;
	long bootstrap, seed;
	bool db, json, force;
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

static void print_table(const struct obs_set *s, const struct calib_result *r,
			const cJSON *j)
{
	const struct nlls_result *f = &r->fit;
	printf("fit: %s after %d iterations, chi2/dof %.2f (%ld dof), sigma "
	       "from %s\n",
	       f->status, f->iterations,
	       f->dof > 0 ? f->chi2 / (double)f->dof : 0, f->dof,
	       r->boot_sigma ? "bootstrap" : "the Jacobian");
	printf("\n  %-10s %12s %12s %12s  %s\n", "parameter", "value",
	       "1-sigma", "prior", "");
	const cJSON *ni = cJSON_GetObjectItem(j, "not_identifiable");
	for (int i = 0; i < MP_COUNT; i++) {
		const struct mp_info *m = &mp_table[i];
		bool flag = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, ni) flag |=
		    !strcmp(it->valuestring, m->name);
		printf("  %-10s %12.4g %12.3g %12.4g  %s%s%s\n", m->json_key,
		       f->p.v[i] / m->scale, f->sigma[i] / m->scale,
		       r->prior.v[i] / m->scale, r->free[i] ? "" : "fixed",
		       flag ? "not identifiable" : "", "");
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "correlations"))
	    printf("  warning: %s and %s correlate at %.2f: the data cannot "
		   "separate them\n",
		   cJSON_GetObjectItem(c, "a")->valuestring,
		   cJSON_GetObjectItem(c, "b")->valuestring,
		   cJSON_GetObjectItem(c, "r")->valuedouble);
	printf("\n  %-34s %-8s %-7s", "deployment", "level", "set");
	for (int m = 0; m < OM_COUNT; m++)
		printf(" %22s", obs_metrics[m].key);
	printf("\n  %-34s %-8s %-7s", "", "", "");
	for (int m = 0; m < OM_COUNT; m++)
		printf(" %22s", "meas / proj (err%)");
	putchar('\n');
	for (size_t i = 0; i < s->n_points; i++) {
		const struct obs_point *p = &s->points[i];
		bool held = r->held[i];
		printf("  %-34.34s %-8.8s %-7s", s->deploys[p->deploy].name,
		       p->level, held ? "held" : "fit");
		for (int m = 0; m < OM_COUNT; m++) {
			double k = obs_metrics[m].scale;
			double meas = p->value[m] * k;
			double proj =
			    (held ? r->proj_held[i][m] : r->proj[i][m]) * k;
			if (!(meas > 0))
				printf(" %22s", "-");
			else
				printf(" %8.4g/%-7.4g(%+4.0f)", meas, proj,
				       100 * (proj / meas - 1));
		}
		putchar('\n');
	}
	printf("\n  MAPE %%        ");
	for (int m = 0; m < OM_COUNT; m++)
		printf(" %12s", obs_metrics[m].key);
	const struct {
		const char *label;
		const double *v;
	} rows[] = {{"in-sample", r->mape_in},
		    {"held-out", r->mape_held},
		    {"priors", r->mape_prior}};
	for (size_t k = 0; k < 3; k++) {
		printf("\n  %-14s", rows[k].label);
		for (int m = 0; m < OM_COUNT; m++)
			printf(" %12.1f", rows[k].v[m]);
	}
	putchar('\n');
}

static int apply_overrides(struct obs_set *s, const struct fit_opts *o,
			   struct sc_err *e)
{
	struct model_spec m;
	struct gpu_spec g;
	int rc;
	if (o->model && (rc = model_spec_load(o->model, &m, e)))
		return rc;
	if (o->gpu && (rc = gpu_spec_load(o->gpu, &g, e)))
		return rc;
	for (size_t i = 0; i < s->n_deploys; i++) {
		if (o->model)
			s->deploys[i].model = m;
		if (o->gpu)
			s->deploys[i].gpu = g;
		if (o->backend)
			snprintf(s->deploys[i].backend,
				 sizeof s->deploys[i].backend, "%s",
				 o->backend);
	}
	return SC_OK;
}

static int run(int argc, char **argv)
{
	struct fit_opts o = {.holdout = HOLDOUT_LEVELS, .seed = 1};
	bool done = false, mfree[MP_COUNT] = {0}, mfix[MP_COUNT] = {0};
	int c, rc;
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_fit,
			       &done)) != -1) {
		rc = 0;
		switch (c) {
		case O_DEPLOY:
			o.deploy = optarg;
			break;
		case O_MODEL:
			o.model = optarg;
			break;
		case O_GPU:
			o.gpu = optarg;
			break;
		case O_FREE:
			o.free = optarg;
			rc = param_list("--free", optarg, mfree);
			break;
		case O_FIX:
			o.fix = optarg;
			rc = param_list("--fix", optarg, mfix);
			break;
		case O_PRIOR:
			o.prior = optarg;
			break;
		case O_OUT:
			o.out = optarg;
			break;
		case O_DB:
			o.db = true;
			break;
		case O_FORCE:
			o.force = true;
			break;
		case O_BACKEND:
			o.backend = optarg;
			break;
		case O_JSON:
			o.json = true;
			break;
		case O_HOLDOUT:
			if (holdout_parse(optarg, &o.holdout))
				rc = cli_usage_error(
				    "fit",
				    "--holdout must be levels, deployments or "
				    "none, got '%s'",
				    optarg);
			break;
		case O_BOOT:
			rc = cli_parse_long("--bootstrap", optarg, 0, 100000,
					    &o.bootstrap);
			break;
		case O_SEED:
			rc = cli_parse_long("--seed", optarg, 0, 4294967295L,
					    &o.seed);
			break;
		default:
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (done)
		return EXIT_OK_;
	if (optind >= argc)
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
		co.nlls.free[i] = o.free ? mfree[i] : !mfix[i];
	if (o.prior && params_load(o.prior, &co.nlls.prior, &e))
		return cli_fail(&e);

	struct obs_set s = {0};
	struct calib_result r = {0};
	cJSON *j = NULL;
	int exit_code = EXIT_OK_;
	size_t skipped = 0;
	for (int i = optind; i < argc; i++)
		if ((rc = obs_add_dir(&s, argv[i], o.deploy, &skipped, &e)))
			goto fail;
	if (skipped)
		fprintf(stderr,
			"servecal fit: skipped %zu level(s): open-loop, or "
			"without a successful request or a summary\n",
			skipped);
	if ((rc = apply_overrides(&s, &o, &e)) ||
	    (rc = calib_run(&s, &co, &r, &e)))
		goto fail;
	j = calib_to_json(&s, &r);
	cJSON *inputs = cJSON_AddArrayToObject(j, "inputs");
	for (int i = optind; i < argc; i++)
		cJSON_AddItemToArray(inputs, cJSON_CreateString(argv[i]));
	cJSON_AddStringToObject(j, "servecal_version", PACKAGE_VERSION);
	char out[4096];
	if (o.out)
		snprintf(out, sizeof out, "%s", o.out);
	else if (argc - optind == 1)
		snprintf(out, sizeof out, "%s/fit.json", argv[optind]);
	else
		snprintf(out, sizeof out, "fit.json");
	if ((rc = jsonio_save_file(out, j, &e)))
		goto fail;
	if (o.json) {
		char *txt = cJSON_Print(j);
		puts(txt);
		cJSON_free(txt);
	} else {
		print_table(&s, &r, j);
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
		if ((rc =
			 perfdb_update(j, (const char *const *)argv + optind,
				       (size_t)(argc - optind), PACKAGE_VERSION,
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
};
