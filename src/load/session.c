/* A bench run from its options to its last level: everything between
 * the flags and the levels (workload, deployment, endpoint, results
 * directory, probe, run.json, MPI ranks), so the command layer only
 * parses and prints. */
#include "load/session.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "load/endpoint.h"
#include "load/ranks.h"
#include "load/results.h"
#include "util/num.h"
#include "load/wl.h"
#include "model/deploy.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/fs.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

static cJSON *run_json(const struct session_opts *o, int argc, char **argv,
		       const char *ep, const char *model,
		       const char *deploy_name, long gpus, const char *start,
		       const char *end)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "servecal_version", PACKAGE_VERSION);
	cJSON *cmd = cJSON_AddArrayToObject(j, "command");
	cJSON_AddItemToArray(cmd, cJSON_CreateString("servecal"));
	for (int i = 0; i < argc; i++) {
		/* Header values may hold credentials: keep only the names. */
		const char *h = NULL;
		if (i > 0 && !strcmp(argv[i - 1], "--header"))
			h = argv[i];
		else if (!strncmp(argv[i], "--header=", 9))
			h = argv[i];
		const char *colon = h ? strchr(h, ':') : NULL;
		if (colon) {
			char *red =
			    xasprintf("%.*s: (redacted)", (int)(colon - h), h);
			cJSON_AddItemToArray(cmd, cJSON_CreateString(red));
			free(red);
		} else {
			cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
		}
	}
	cJSON_AddStringToObject(j, "url", ep);
	cJSON_AddStringToObject(j, "api", o->api);
	cJSON_AddStringToObject(j, "model", model);
	if (deploy_name)
		cJSON_AddStringToObject(j, "deployment", deploy_name);
	else
		cJSON_AddNullToObject(j, "deployment");
	if (gpus > 0)
		cJSON_AddNumberToObject(j, "gpus", (double)gpus);
	else
		cJSON_AddNullToObject(j, "gpus");
	cJSON_AddStringToObject(j, "start_wall", start);
	if (end)
		cJSON_AddStringToObject(j, "end_wall", end);
	else
		cJSON_AddNullToObject(j, "end_wall");
	cJSON_AddNumberToObject(j, "isl", o->isl);
	cJSON_AddNumberToObject(j, "osl", o->osl);
	cJSON_AddNumberToObject(j, "isl_std", o->isl_std);
	cJSON_AddNumberToObject(j, "osl_std", o->osl_std);
	cJSON_AddNumberToObject(j, "seed", (double)o->seed);
	cJSON_AddStringToObject(j, "mode", o->n_rates ? "open" : "closed");
	if (o->dataset)
		cJSON_AddStringToObject(j, "dataset", o->dataset);
	if (o->n_rates)
		cJSON_AddStringToObject(j, "arrival", o->arrival);
	return j;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* The vocabulary synthetic token ids are drawn from: --vocab-size, else
 * the smaller of what the server and the deployment's model spec say,
 * else the default. */
static long pick_vocab(long flag, long server, const struct deploy_spec *dep)
{
	if (flag > 0)
		return flag;
	long v = server > 0 ? server : -1;
	if (dep && dep->model.vocab > 0 && (v < 0 || dep->model.vocab < v))
		v = dep->model.vocab;
	return v > 0 ? v : WL_DEFAULT_VOCAB;
}

/* err = the formatted message; returns -1. */
static int fail(char *err, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

int session_check_opts(struct session_opts *o, char *err, size_t cap)
{
	if (!o->url)
		return fail(err, cap, "--url is required");
	if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))
		return fail(
		    err, cap,
		    "--url must start with http:// or https://, got '%s'",
		    o->url);
	if (strcmp(o->api, "completions") && strcmp(o->api, "chat"))
		return fail(err, cap,
			    "--api must be completions or chat, got '%s'",
			    o->api);
	if (o->n_conc && o->n_rates)
		return fail(err, cap,
			    "give --concurrency or --request-rate, not both");
	if (o->requests && o->duration_s > 0)
		return fail(err, cap,
			    "give --requests-per-level or "
			    "--duration-per-level, not both");
	if (o->gpus && o->deploy)
		return fail(err, cap, "give --gpus or --deployment, not both");
	char why[256];
	if (arrival_parse(o->arrival, &o->arr_kind, &o->arr_shape, why,
			  sizeof why))
		return fail(err, cap, "--arrival: %s", why);
	if (o->prompts && strcmp(o->prompts, "ids") &&
	    strcmp(o->prompts, "text"))
		return fail(err, cap, "--prompts must be ids or text, got '%s'",
			    o->prompts);
	if (o->prompts && !strcmp(o->prompts, "ids") && !strcmp(o->api, "chat"))
		return fail(
		    err, cap,
		    "--prompts ids needs --api completions (chat takes text)");
	if (o->max_conc && !o->n_rates)
		return fail(
		    err, cap,
		    "--max-concurrency applies to --request-rate (open loop)");
	/* A level's request count is rate x duration: keep it a count. */
	for (size_t i = 0; i < o->n_rates; i++)
		if (o->duration_s * o->rates[i] > (double)NUM_COUNT_MAX)
			return fail(err, cap,
				    "--request-rate %g x --duration-per-level "
				    "%gs is more than %ld requests a level",
				    o->rates[i], o->duration_s, NUM_COUNT_MAX);
	return 0;
}

/* What run.json needs beyond the options. */
struct run_meta {
	const char *ep, *model, *deploy_name;
	long gpus, vocab;
	char start[64];
};

/* Writes DIR/run.json; end NULL while the run goes on. */
static int save_run_json(const struct session_opts *o, int argc, char **argv,
			 const struct run_meta *m, const char *end,
			 bool interrupted, struct sc_err *e)
{
	char path[1100];
	snprintf(path, sizeof path, "%s/run.json", o->out);
	cJSON *rj = run_json(o, argc, argv, m->ep, m->model, m->deploy_name,
			     m->gpus, m->start, end);
	cJSON_AddNumberToObject(rj, "vocab_size", (double)m->vocab);
	if (interrupted)
		cJSON_AddBoolToObject(rj, "interrupted", true);
	int rc = jsonio_save_file(path, rj, e);
	cJSON_Delete(rj);
	return rc;
}

static void note(const struct bench_hooks *h, const char *msg)
{
	if (h && h->note)
		h->note(h->ud, msg);
}

/* The levels of o as a bench plan. */
static void make_plan(const struct session_opts *o, bool replay, const char *ep,
		      const char *model, long gpus, struct ranks *rk,
		      volatile sig_atomic_t *stop, struct bench_plan *p)
{
	*p = (struct bench_plan){
	    .ep = ep,
	    .out_dir = o->out,
	    .model = model,
	    .open_loop = o->n_rates > 0,
	    .replay = replay,
	    .requests = o->requests,
	    .duration_s = o->duration_s,
	    .warmup = o->warmup_set ? o->warmup : -1,
	    .max_concurrency = o->max_conc,
	    .arrival = o->arr_kind,
	    .arrival_shape = o->arr_shape,
	    .seed = o->seed,
	    .timeout_s = o->timeout_s,
	    .max_error_rate = o->max_error_rate,
	    .isl = o->isl,
	    .osl = o->osl,
	    .gpus = gpus,
	    .sla = o->sla,
	    .resume = o->resume,
	    .token_times = o->token_times,
	    .procs = (unsigned)o->procs,
	    .ranks = rk,
	    .stop = stop,
	};
	p->n_levels = o->n_rates ? o->n_rates : o->n_conc;
	for (size_t i = 0; i < p->n_levels; i++)
		p->levels[i] = o->n_rates ? o->rates[i] : (double)o->conc[i];
}

int session_run(struct session_opts *o, int *argc, char ***argv,
		const struct bench_hooks *h, void (*started)(void),
		volatile sig_atomic_t *stop, struct session_outcome *out,
		struct sc_err *e)
{
	memset(out, 0, sizeof *out);
	int rc = SC_OK;
	bool chat = !strcmp(o->api, "chat");
	char *ep = endpoint_url(o->url, chat);
	struct workload wl;
	struct deploy_spec dep;
	bool have_dep = false;
	struct http_driver *d = NULL;
	char *model = out->model; /* the plan points at it */
	int lock_fd = -1;	  /* --out, held for the whole run */
	/* Under mpirun or srun: rank 0 runs the bench, the others serve it. */
	struct ranks *rk = NULL;
	struct ranks_setup setup = {0};
	wl_init(&wl, chat ? WL_CHAT : WL_COMPLETIONS, NULL, o->isl, o->isl_std,
		o->osl, o->osl_std, (uint64_t)o->seed);
	if ((rc = ranks_init(argc, argv, &rk, e)))
		goto out;
	bool serving = ranks_rank(rk) > 0;
	out->serving_rank = serving;
	if (rk && o->procs > 1) {
		rc = sc_err_set(e, SC_EINVAL,
				"--procs %ld under %d MPI ranks: start more "
				"ranks per node instead",
				o->procs, ranks_size(rk));
		goto out;
	}
	wl.prefix_nonce = (uint64_t)(clock_wall_ns() / 1000);
	if (o->prompts && !strcmp(o->prompts, "text"))
		wl_use_text(&wl);
	if (o->dataset && (rc = wl_load_dataset(&wl, o->dataset, e)))
		goto out;
	bool replay = wl.is_trace && !o->n_conc && !o->n_rates;
	if (!o->n_conc && !o->n_rates && !replay) {
		o->conc[0] = 1;
		o->n_conc = 1;
	}
	long gpus = o->gpus;
	if (o->deploy) {
		if ((rc = deploy_load(o->deploy, &dep, e)))
			goto out;
		have_dep = true;
		gpus = deploy_gpus(&dep);
	}
	/* Another bench writing --out: stop before sending anything. */
	if (!serving && (rc = results_lock(o->out, &lock_fd, e)))
		goto out;
	struct http_options ho = {.headers = o->headers,
				  .n_headers = o->n_headers,
				  .bearer_token = getenv("OPENAI_API_KEY")};
	long maxc = o->max_conc;
	for (size_t i = 0; i < o->n_conc; i++)
		if (o->conc[i] > maxc)
			maxc = o->conc[i];
	ho.max_connections = maxc > 0 ? maxc + 16 : 0;
	/* What the server says of itself; only the model id is required
	 * (and only when --model is not given). */
	struct endpoint_info info;
	if (serving) {
		if ((rc = ranks_setup(rk, &setup, e)))
			goto out;
		if (!setup.go) {
			/* rank 0 says why */
			out->rank0_stopped = true;
			rc = SC_ERUNTIME;
			goto out;
		}
		snprintf(info.model, sizeof info.model, "%s", setup.model);
		info.n_vocab = setup.vocab;
		wl.text_overhead = setup.text_overhead;
		wl.prefix_nonce = setup.prefix_nonce;
	} else if (endpoint_query(&ho, ep, &info, e)) {
		if (!o->model) {
			size_t l = strlen(e->msg);
			snprintf(e->msg + l, sizeof e->msg - l,
				 " (pass --model NAME when the server has no "
				 "/v1/models)");
			rc = e->status;
			goto out;
		}
		*e = (struct sc_err){0};
		info.n_vocab = -1;
	}
	snprintf(model, sizeof out->model, "%s",
		 o->model ? o->model : info.model);
	free(wl.model_json);
	{
		cJSON *m = cJSON_CreateString(model);
		wl.model_json = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
	}
	long vocab = serving ? setup.vocab
			     : pick_vocab(o->vocab, info.n_vocab,
					  have_dep ? &dep : NULL);
	if (wl.prompt == WL_PROMPT_IDS && (rc = wl_set_vocab(&wl, vocab, e))) {
		if (o->vocab) {
			char msg[SC_ERR_MSG_MAX];
			snprintf(msg, sizeof msg, "--vocab-size: %.480s",
				 e->msg);
			rc = sc_err_set(e, SC_EINVAL, "%s", msg);
		}
		goto out;
	}
	raise_fd_limit();
	if (!(d = http_new(&ho, e))) {
		rc = e->status ? e->status : SC_ERUNTIME;
		goto out;
	}
	if (serving) {
		if (started)
			started();
		rc = ranks_serve(rk, d, &wl, ep, stop, e);
		goto out;
	}
	if (!o->no_probe) {
		bool checked = false;
		if ((rc = bench_probe(d, &wl, ep, o->timeout_s, &checked, e)))
			goto out;
		if (!checked && !o->dataset)
			note(h, "the server sends no usage.prompt_tokens: "
				"input lengths cannot be checked");
	}
	if (rk) {
		setup.go = 1;
		snprintf(setup.model, sizeof setup.model, "%s", model);
		setup.vocab = vocab;
		setup.text_overhead = wl.text_overhead;
		setup.prefix_nonce = wl.prefix_nonce;
		if ((rc = ranks_setup(rk, &setup, e)))
			goto out;
	}
	if ((rc = fs_mkdir_p(o->out, e)) ||
	    (lock_fd < 0 && (rc = results_lock(o->out, &lock_fd, e))))
		goto out;
	struct run_meta meta = {.ep = ep,
				.model = model,
				.deploy_name = have_dep ? dep.name : NULL,
				.gpus = gpus,
				.vocab = vocab};
	clock_wall_iso(meta.start, sizeof meta.start);
	if (have_dep) {
		char path[1100];
		snprintf(path, sizeof path, "%s/deployment.json", o->out);
		if ((rc = results_copy_file(o->deploy, path, e)))
			goto out;
	}
	if ((rc = save_run_json(o, *argc, *argv, &meta, NULL, false, e)))
		goto out;
	if (started)
		started();
	make_plan(o, replay, ep, model, gpus, rk, stop, &out->plan);
	if ((rc = bench_run(&out->plan, d, &wl, h, &out->bench, e)))
		goto out;
	out->levels_ran = true;
	char end[64];
	clock_wall_iso(end, sizeof end);
	rc = save_run_json(o, *argc, *argv, &meta, end, out->bench.interrupted,
			   e);
out:
	/* the plan keeps pointing at o and out->model, not at ep */
	out->plan.ep = NULL;
	out->plan.ranks = NULL;
	/* MPI ends with session_outcome_release, after the command layer
	 * has said why the run ended (ending MPI waits for every rank, and
	 * a rank that died would hold rank 0's message back for good) */
	out->ranks = rk;
	results_unlock(lock_fd);
	http_free(d);
	wl_release(&wl);
	if (have_dep)
		deploy_release(&dep);
	free(ep);
	return rc;
}

void session_outcome_release(struct session_outcome *out)
{
	ranks_free(out->ranks);
	out->ranks = NULL;
}
