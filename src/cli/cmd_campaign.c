/* `servecal campaign`: bench every deployment, fit, match with the fitted
 * and the prior parameters, plot, report, refresh the perf database; every
 * finished step is recorded so an interrupted campaign resumes. Each step
 * runs as its own servecal process (no shell), so a crash in one step
 * loses nothing measured and the rest of the campaign goes on. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "camp/campaign.h"
#include "camp/manifest.h"
#include "camp/proc.h"
#include "cli/cli.h"
#include "config.h"
#include "emu/emu_server.h"
#include "fit/nlls.h"
#include "fit/perfdb.h"
#include "net/http.h"
#include "out/gnuplot.h"
#include "model/perf.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

static const char usage[] =
	"usage: servecal campaign run FILE [--out DIR] [--resume] [--dry-run] [--quiet]\n"
	"       servecal campaign status DIR\n\n"
	"Runs a campaign file end to end: bench every deployment over the sweep\n"
	"(starting the built-in emulator on a free loopback port for deployments\n"
	"marked \"emulate\": true), fit the model, match with the fitted parameters\n"
	"and with the priors at each TTFT SLA, plot, write the report, and refresh\n"
	"the perf database ($SERVECAL_DB or calib/db). DIR (default results/NAME)\n"
	"gets manifest.json recording each finished step; --resume continues an\n"
	"interrupted campaign without redoing finished levels or steps. --dry-run\n"
	"prints the plan and its expected duration from the model.\n"
	"Exit codes: 0 ok, 1 a step failed (the rest still ran), 2 usage,\n"
	"3 bad campaign file.\n";

extern const struct cli_command cli_cmd_campaign;

static volatile sig_atomic_t interrupted;
static volatile sig_atomic_t stop_child;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	stop_child = 1;
}

struct runner {
	const struct campaign *c;
	char dir[2048];
	char exe[1024];
	struct manifest m;
	bool quiet, resume;
	int failures;
};

static void say(const struct runner *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct runner *r, const char *fmt, ...)
{
	if (r->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

static int mkdir_p(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0777) && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(tmp, 0777) && errno != EEXIST ? -1 : 0;
}

/* Expected seconds for one deployment's sweep, from the model with priors. */
static double expected_s(const struct campaign *c, const struct deploy_spec *d)
{
	struct model_params p;
	params_default(&p);
	struct perf_workload wl = {(double)c->isl, (double)c->osl};
	double total = 0;
	for (size_t i = 0; i < c->n_levels; i++) {
		double n = (double)c->levels[i];
		struct perf_point pt;
		if (perf_deploy(d, &p, &wl, n, &pt, NULL))
			continue;
		double warm = c->warmup >= 0 ? (double)c->warmup : n;
		if (c->requests_per_level > 0)
			total += ceil(((double)c->requests_per_level + warm) / n) * pt.e2e_s;
		else
			total += c->duration_per_level_s + pt.e2e_s;
	}
	return total;
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
		double s = expected_s(c, &d->spec);
		all += s;
		printf("  bench %-28s %-7s %2ld GPUs  %s  levels", d->name,
		       deploy_mode_name(d->spec.mode), deploy_gpus(&d->spec),
		       d->emulate ? "emulated" : d->url);
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

static int write_env(const struct runner *r, struct sc_err *e)
{
	cJSON *j = cJSON_CreateObject();
	char host[256] = "", date[32];
	struct utsname u;
	gethostname(host, sizeof host - 1);
	clock_wall_iso(date, sizeof date);
	cJSON_AddStringToObject(j, "servecal_version", PACKAGE_VERSION);
	cJSON_AddStringToObject(j, "hostname", host);
	if (uname(&u) == 0) {
		char k[600];
		snprintf(k, sizeof k, "%s %s %s", u.sysname, u.release, u.machine);
		cJSON_AddStringToObject(j, "kernel", k);
	}
	cJSON_AddStringToObject(j, "date", date);
	cJSON_AddStringToObject(j, "cjson", cJSON_Version());
	cJSON_AddStringToObject(j, "libcurl", http_curl_version());
	cJSON_AddStringToObject(j, "gsl", nlls_gsl_version());
	cJSON_AddStringToObject(j, "libevent", emu_libevent_version());
	char gp[128];
	if (gnuplot_version(gp, sizeof gp, NULL) == SC_OK)
		cJSON_AddStringToObject(j, "gnuplot", gp);
	else
		cJSON_AddStringToObject(j, "gnuplot", "not found");
	char path[4096];
	snprintf(path, sizeof path, "%s/env.json", r->dir);
	int rc = jsonio_save_file(path, j, e);
	cJSON_Delete(j);
	return rc;
}

/* DIR/campaign.json: the campaign file as given, plus resolved fields the
 * report uses. */
static int write_campaign(const struct runner *r, struct sc_err *e)
{
	cJSON *j = jsonio_load_file(r->c->path, e);
	if (!j)
		return SC_EINPUT;
	cJSON_DeleteItemFromObject(j, "total_gpus");
	cJSON_AddNumberToObject(j, "total_gpus", (double)r->c->total_gpus);
	char path[4096];
	snprintf(path, sizeof path, "%s/campaign.json", r->dir);
	int rc = jsonio_save_file(path, j, e);
	cJSON_Delete(j);
	return rc;
}

/* Specs as files the child commands read: each deployment, and the model
 * and GPU for match. */
static int write_specs(const struct runner *r, struct sc_err *e)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/specs", r->dir);
	if (mkdir_p(path))
		return sc_err_set(e, SC_ERUNTIME, "%s: cannot create: %s", path,
				  strerror(errno));
	int rc;
	for (size_t i = 0; i < r->c->n_deploys; i++) {
		snprintf(path, sizeof path, "%s/specs/%s.json", r->dir,
			 r->c->deploys[i].name);
		if ((rc = deploy_save(path, &r->c->deploys[i].spec, e)))
			return rc;
	}
	const struct deploy_spec *d = &r->c->deploys[0].spec;
	cJSON *m = model_spec_to_json(&d->model), *g = gpu_spec_to_json(&d->gpu);
	snprintf(path, sizeof path, "%s/specs/model.json", r->dir);
	rc = jsonio_save_file(path, m, e);
	snprintf(path, sizeof path, "%s/specs/gpu.json", r->dir);
	if (rc == SC_OK)
		rc = jsonio_save_file(path, g, e);
	cJSON_Delete(m);
	cJSON_Delete(g);
	return rc;
}

/* argv builder with owned strings. */
struct args {
	char *v[96];
	int n;
};

static void arg(struct args *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void arg(struct args *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	if (a->n < 95)
		a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void args_free(struct args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Runs a servecal step; logs in DIR/logs/STEP.{out,err}. Returns its exit
 * status or a negative status. */
static int run_step(struct runner *r, const char *step, struct args *a,
		    bool show_stdout, struct sc_err *e)
{
	char out[4096], err[4096];
	snprintf(out, sizeof out, "%s/logs/%s.out", r->dir, step);
	snprintf(err, sizeof err, "%s/logs/%s.err", r->dir, step);
	for (char *p = strrchr(out, '/') + 1; *p; p++)
		if (*p == ':')
			*p = '-';
	for (char *p = strrchr(err, '/') + 1; *p; p++)
		if (*p == ':')
			*p = '-';
	bool tty = show_stdout && !r->quiet && isatty(1);
	int rc = proc_run(a->v, tty ? NULL : out, err, 0, &stop_child, e);
	if (rc > 0) {
		/* Keep the child's own message for the manifest and the user. */
		FILE *f = fopen(err, "r");
		char line[400] = "", last[400] = "";
		while (f && fgets(line, sizeof line, f))
			if (line[0] != '\n')
				snprintf(last, sizeof last, "%s", line);
		if (f)
			fclose(f);
		last[strcspn(last, "\n")] = '\0';
		sc_err_set(e, SC_ERUNTIME, "%s exited with %d%s%s (log: %s)", step, rc,
			   last[0] ? ": " : "", last, err);
	}
	return rc;
}

static bool done(const struct runner *r, const char *step)
{
	const char *s = manifest_status(&r->m, step);
	return s && !strcmp(s, "done");
}

static void mark(struct runner *r, const char *step, const char *status,
		 const char *note)
{
	struct sc_err e = {0};
	if (manifest_set(&r->m, step, status, note, &e))
		fprintf(stderr, "servecal campaign: %s\n", e.msg);
}

static void bench_one(struct runner *r, const struct campaign_deploy *d)
{
	const struct campaign *c = r->c;
	char step[200], spec[4096], out[4096];
	snprintf(step, sizeof step, "bench:%s", d->name);
	if (done(r, step)) {
		say(r, "  bench %s: done earlier\n", d->name);
		return;
	}
	snprintf(spec, sizeof spec, "%s/specs/%s.json", r->dir, d->name);
	snprintf(out, sizeof out, "%s/%s", r->dir, d->name);
	struct sc_err e = {0};
	struct proc_server srv = {.pid = -1};
	const char *url = d->url;
	int64_t t0 = clock_mono_ns();
	if (d->emulate) {
		struct args a = {0};
		char log[4096];
		snprintf(log, sizeof log, "%s/logs/emulate-%s.err", r->dir, d->name);
		arg(&a, "%s", r->exe);
		arg(&a, "emulate");
		arg(&a, "--deployment");
		arg(&a, "%s", spec);
		arg(&a, "--host");
		arg(&a, "127.0.0.1");
		arg(&a, "--port");
		arg(&a, "0");
		arg(&a, "--seed");
		arg(&a, "%ld", c->seed);
		int rc = proc_server_start(&srv, a.v, log, 30, &e);
		args_free(&a);
		if (rc) {
			say(r, "  bench %s: emulator failed: %s\n", d->name, e.msg);
			mark(r, step, "failed", e.msg);
			r->failures++;
			return;
		}
		url = srv.url;
		say(r, "  bench %s: emulator at %s\n", d->name, url);
	}
	struct stat st;
	bool again = stat(out, &st) == 0;
	struct args a = {0};
	arg(&a, "%s", r->exe);
	arg(&a, "bench");
	arg(&a, "--url");
	arg(&a, "%s", url);
	arg(&a, "--api");
	arg(&a, "%s", c->api);
	arg(&a, "--deployment");
	arg(&a, "%s", spec);
	arg(&a, "--isl");
	arg(&a, "%ld", c->isl);
	arg(&a, "--osl");
	arg(&a, "%ld", c->osl);
	if (c->isl_std) {
		arg(&a, "--isl-std");
		arg(&a, "%ld", c->isl_std);
	}
	if (c->osl_std) {
		arg(&a, "--osl-std");
		arg(&a, "%ld", c->osl_std);
	}
	char levels[1024] = "";
	for (size_t i = 0; i < c->n_levels; i++)
		snprintf(levels + strlen(levels), sizeof levels - strlen(levels),
			 "%s%ld", i ? "," : "", c->levels[i]);
	arg(&a, "--concurrency");
	arg(&a, "%s", levels);
	if (c->requests_per_level > 0) {
		arg(&a, "--requests-per-level");
		arg(&a, "%ld", c->requests_per_level);
	} else {
		arg(&a, "--duration-per-level");
		arg(&a, "%gs", c->duration_per_level_s);
	}
	if (c->warmup >= 0) {
		arg(&a, "--warmup");
		arg(&a, "%ld", c->warmup);
	}
	arg(&a, "--timeout");
	arg(&a, "%gs", c->timeout_s);
	arg(&a, "--max-error-rate");
	arg(&a, "%g", c->max_error_rate);
	arg(&a, "--seed");
	arg(&a, "%ld", c->seed);
	arg(&a, "--out");
	arg(&a, "%s", out);
	if (again)
		arg(&a, "--resume");
	say(r, "  bench %s: levels %s%s\n", d->name, levels,
	    again ? " (resuming)" : "");
	int rc = run_step(r, step, &a, true, &e);
	args_free(&a);
	if (d->emulate)
		proc_server_stop(&srv, 10);
	double el = (double)(clock_mono_ns() - t0) * 1e-9;
	if (interrupted) {
		say(r, "  bench %s: interrupted after %.0f s; finished levels are kept\n",
		    d->name, el);
		return;
	}
	if (rc == 0) {
		say(r, "  bench %s: done in %.0f s\n", d->name, el);
		mark(r, step, "done", NULL);
	} else {
		say(r, "  bench %s: FAILED: %s\n", d->name, e.msg);
		mark(r, step, "failed", e.msg);
		r->failures++;
	}
}

static void fit_step(struct runner *r)
{
	const struct campaign *c = r->c;
	if (done(r, "fit")) {
		say(r, "  fit: done earlier\n");
		return;
	}
	struct args a = {0};
	arg(&a, "%s", r->exe);
	arg(&a, "fit");
	int ok = 0;
	for (size_t i = 0; i < c->n_deploys; i++) {
		char step[200];
		snprintf(step, sizeof step, "bench:%s", c->deploys[i].name);
		if (done(r, step)) {
			arg(&a, "%s/%s", r->dir, c->deploys[i].name);
			ok++;
		}
	}
	if (ok == 0) {
		args_free(&a);
		say(r, "  fit: skipped, no deployment was measured\n");
		mark(r, "fit", "failed", "no deployment was measured");
		r->failures++;
		return;
	}
	const char *holdout = c->holdout;
	if (!strcmp(holdout, "deployments") && ok < 2)
		holdout = "levels";
	arg(&a, "--holdout");
	arg(&a, "%s", holdout);
	arg(&a, "--bootstrap");
	arg(&a, "%ld", c->bootstrap);
	arg(&a, "--seed");
	arg(&a, "%ld", c->seed);
	arg(&a, "--out");
	arg(&a, "%s/fit.json", r->dir);
	struct sc_err e = {0};
	int rc = run_step(r, "fit", &a, false, &e);
	args_free(&a);
	char fit[4096];
	snprintf(fit, sizeof fit, "%s/fit.json", r->dir);
	struct stat st;
	if (rc == 0 || (rc == 1 && stat(fit, &st) == 0)) {
		say(r, "  fit: %s\n", rc ? "written but NOT converged (see fit.json)" : "done");
		mark(r, "fit", "done", rc ? "not converged" : NULL);
		if (rc)
			r->failures++;
	} else {
		say(r, "  fit: FAILED: %s\n", e.msg);
		mark(r, "fit", "failed", e.msg);
		r->failures++;
	}
}

static void match_step(struct runner *r, bool calibrated, double ttft)
{
	const struct campaign *c = r->c;
	char step[200];
	snprintf(step, sizeof step, "match:%s-ttft%g", calibrated ? "calibrated" : "prior", ttft);
	if (done(r, step))
		return;
	if (calibrated && !done(r, "fit")) {
		mark(r, step, "failed", "no fit");
		return;
	}
	const struct deploy_spec *d = &c->deploys[0].spec;
	struct args a = {0};
	arg(&a, "%s", r->exe);
	arg(&a, "match");
	arg(&a, "--model");
	arg(&a, "%s/specs/model.json", r->dir);
	arg(&a, "--gpu");
	arg(&a, "%s/specs/gpu.json", r->dir);
	arg(&a, "--dtype");
	arg(&a, "%s", dtype_name(d->wdtype));
	arg(&a, "--kv-dtype");
	arg(&a, "%s", dtype_name(d->kvdtype));
	arg(&a, "--isl");
	arg(&a, "%ld", c->isl);
	arg(&a, "--osl");
	arg(&a, "%ld", c->osl);
	arg(&a, "--ttft-ms");
	arg(&a, "%g", ttft);
	if (c->tpot_ms > 0) {
		arg(&a, "--tpot-ms");
		arg(&a, "%g", c->tpot_ms);
	} else {
		arg(&a, "--min-tokens-per-s-user");
		arg(&a, "%g", c->min_tokens_per_s_user);
	}
	arg(&a, "--total-gpus");
	arg(&a, "%ld", c->total_gpus);
	arg(&a, "--max-gpus-per-worker");
	arg(&a, "%ld", c->max_gpus_per_worker);
	if (calibrated) {
		arg(&a, "--params");
		arg(&a, "%s/fit.json", r->dir);
	}
	arg(&a, "--out");
	arg(&a, "%s/match/%s-ttft%g", r->dir, calibrated ? "calibrated" : "prior", ttft);
	struct sc_err e = {0};
	int rc = run_step(r, step, &a, false, &e);
	args_free(&a);
	if (rc == 0 || rc == EXIT_NOFIT) {
		say(r, "  %s: %s\n", step, rc ? "no configuration meets the SLA" : "done");
		mark(r, step, "done", rc ? "no configuration meets the SLA" : NULL);
	} else {
		say(r, "  %s: FAILED: %s\n", step, e.msg);
		mark(r, step, "failed", e.msg);
		r->failures++;
	}
}

static void tool_step(struct runner *r, const char *cmd)
{
	if (done(r, cmd))
		return;
	struct args a = {0};
	arg(&a, "%s", r->exe);
	arg(&a, "%s", cmd);
	arg(&a, "%s", r->dir);
	struct sc_err e = {0};
	int rc = run_step(r, cmd, &a, false, &e);
	args_free(&a);
	if (rc == 0) {
		say(r, "  %s: done\n", cmd);
		mark(r, cmd, "done", NULL);
	} else {
		say(r, "  %s: FAILED: %s\n", cmd, e.msg);
		mark(r, cmd, "failed", e.msg);
		r->failures++;
	}
}

static void db_step(struct runner *r)
{
	if (done(r, "db") || !done(r, "fit"))
		return;
	char path[4096], used[2048];
	snprintf(path, sizeof path, "%s/fit.json", r->dir);
	struct sc_err e = {0};
	cJSON *fit = jsonio_load_file(path, &e);
	const char *inputs[] = {r->dir};
	if (fit && cJSON_IsTrue(cJSON_GetObjectItem(fit, "converged")) &&
	    perfdb_update(fit, inputs, 1, PACKAGE_VERSION, used, sizeof used, &e) == SC_OK) {
		say(r, "  perf database: %s\n", used);
		mark(r, "db", "done", used);
	} else {
		const char *why = fit ? (e.msg[0] ? e.msg : "fit did not converge")
				      : e.msg;
		say(r, "  perf database: not updated: %s\n", why);
		mark(r, "db", "failed", why);
		r->failures++;
	}
	cJSON_Delete(fit);
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
	struct runner r = {.c = &camp, .quiet = quiet, .resume = resume};
	if (out)
		snprintf(r.dir, sizeof r.dir, "%s", out);
	else
		snprintf(r.dir, sizeof r.dir, "results/%s", camp.name);
	int rc = EXIT_OK_;
	if (dry) {
		print_plan(&camp, r.dir);
		goto out;
	}
	char mpath[4096];
	snprintf(mpath, sizeof mpath, "%s/manifest.json", r.dir);
	struct stat st;
	if (stat(mpath, &st) == 0 && !resume) {
		rc = cli_usage_error("campaign",
				     "%s already holds a campaign: pass --resume to continue it, or --out DIR for a new one",
				     r.dir);
		goto out;
	}
	if (proc_self_exe(r.exe, sizeof r.exe)) {
		sc_err_set(&e, SC_ERUNTIME, "cannot find the servecal executable");
		rc = cli_fail(&e);
		goto out;
	}
	char logs[4096];
	snprintf(logs, sizeof logs, "%s/logs", r.dir);
	if (mkdir_p(logs)) {
		sc_err_set(&e, SC_ERUNTIME, "%s: cannot create: %s", logs, strerror(errno));
		rc = cli_fail(&e);
		goto out;
	}
	/* One campaign process per directory: a second one would interleave
	 * its records with the first's. */
	char lock[4096];
	snprintf(lock, sizeof lock, "%s/.lock", r.dir);
	int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX | LOCK_NB)) {
		sc_err_set(&e, SC_ERUNTIME,
			   "%s: another campaign process is running on this directory",
			   r.dir);
		rc = cli_fail(&e);
		goto out;
	}
	if (manifest_open(&r.m, r.dir, camp.name, &e) || write_env(&r, &e) ||
	    write_campaign(&r, &e) || write_specs(&r, &e)) {
		rc = cli_fail(&e);
		goto out;
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int64_t t0 = clock_mono_ns();
	say(&r, "campaign %s -> %s\n", camp.name, r.dir);
	for (size_t i = 0; i < camp.n_deploys && !interrupted; i++)
		bench_one(&r, &camp.deploys[i]);
	if (!interrupted)
		fit_step(&r);
	for (size_t k = 0; k < camp.n_ttft && !interrupted; k++) {
		match_step(&r, true, camp.ttft_ms[k]);
		match_step(&r, false, camp.ttft_ms[k]);
	}
	if (!interrupted)
		tool_step(&r, "plot");
	if (!interrupted)
		tool_step(&r, "report");
	if (!interrupted)
		db_step(&r);
	if (interrupted) {
		fprintf(stderr, "servecal campaign: interrupted; rerun with --resume to continue %s\n",
			r.dir);
		rc = EXIT_RUNTIME;
		goto out;
	}
	say(&r, "campaign %s finished in %.0f s with %d failed step(s)\n", camp.name,
	    (double)(clock_mono_ns() - t0) * 1e-9, r.failures);
	if (done(&r, "report"))
		say(&r, "report: %s/report.html\n", r.dir);
	rc = r.failures ? EXIT_RUNTIME : EXIT_OK_;
out:
	manifest_release(&r.m);
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
