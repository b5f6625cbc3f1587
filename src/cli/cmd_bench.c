/* `servecal bench`: drives an OpenAI-compatible endpoint at swept
 * concurrencies (closed loop) or request rates (open loop) and writes
 * per-request records and per-level summaries as they happen. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config.h"
#include "load/arrival.h"
#include "load/loop.h"
#include "load/results.h"
#include "load/workload.h"
#include "metrics/summary.h"
#include "model/deploy.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

static const char usage[] =
	"usage: servecal bench --url URL [--api completions|chat] [--model NAME]\n"
	"         --isl N [--isl-std S] --osl N [--osl-std S]\n"
	"         [--concurrency 1,2,4,...] [--requests-per-level N | --duration-per-level 60s]\n"
	"         [--warmup N] [--request-rate R[,R2..] [--arrival poisson|gamma:K|constant]\n"
	"         [--max-concurrency N]] [--gpus N | --deployment FILE]\n"
	"         [--sla ttft_ms=600,tpot_ms=16.7] [--dataset FILE.jsonl] [--header 'K: V']\n"
	"         [--out DIR] [--seed N] [--timeout 600s] [--max-error-rate F]\n"
	"         [--resume] [--quiet] [--json] [--token-times]\n\n"
	"Measures TTFT, TPOT, ITL, E2E and throughput of a streaming endpoint.\n"
	"Closed loop (--concurrency): each level keeps exactly N requests in flight;\n"
	"the first round (N requests, or --warmup N) is warm-up. Open loop\n"
	"(--request-rate): sends follow an absolute schedule; latencies count from\n"
	"the scheduled time; --max-concurrency caps requests in flight (the wait is\n"
	"reported as queue_ms). A Mooncake-style trace given as --dataset with no\n"
	"--concurrency or --request-rate is replayed at its timestamps.\n"
	"Synthetic prompts are token-id arrays of exact length for /v1/completions.\n"
	"Results: DIR/run.json, DIR/cN|rR/requests.jsonl and summary.json,\n"
	"DIR/summary.csv. --resume skips levels already complete in DIR.\n"
	"--token-times adds each output chunk's arrival time (token_ns) to the records.\n"
	"The API key comes from OPENAI_API_KEY (never written to results).\n"
	"--requests-per-level counts measured requests; warm-up requests are extra.\n"
	"Defaults: --api completions, --isl 4000, --osl 500, --concurrency 1,\n"
	"--requests-per-level 10 x N (closed) or 100 (open), --warmup N (closed)\n"
	"or 0 (open), --out results/bench,\n"
	"--seed 1, --timeout 600s, --arrival poisson, --max-error-rate 0.5.\n"
	"Exit codes: 0 ok, 1 runtime failure (or too many failed requests),\n"
	"2 usage, 3 bad input file.\n";

enum { O_URL = 256, O_API, O_MODEL, O_ISL, O_ISLSTD, O_OSL, O_OSLSTD, O_CONC,
       O_REQS, O_DUR, O_WARM, O_RATE, O_ARR, O_MAXC, O_GPUS, O_DEPLOY, O_SLA,
       O_DATA, O_HEADER, O_OUT, O_SEED, O_TIMEOUT, O_JSON, O_RESUME, O_QUIET,
       O_MAXERR, O_TOKTIMES };

static const struct option longopts[] = {
	{"url", required_argument, NULL, O_URL},
	{"api", required_argument, NULL, O_API},
	{"model", required_argument, NULL, O_MODEL},
	{"isl", required_argument, NULL, O_ISL},
	{"isl-std", required_argument, NULL, O_ISLSTD},
	{"osl", required_argument, NULL, O_OSL},
	{"osl-std", required_argument, NULL, O_OSLSTD},
	{"concurrency", required_argument, NULL, O_CONC},
	{"requests-per-level", required_argument, NULL, O_REQS},
	{"duration-per-level", required_argument, NULL, O_DUR},
	{"warmup", required_argument, NULL, O_WARM},
	{"request-rate", required_argument, NULL, O_RATE},
	{"arrival", required_argument, NULL, O_ARR},
	{"max-concurrency", required_argument, NULL, O_MAXC},
	{"gpus", required_argument, NULL, O_GPUS},
	{"deployment", required_argument, NULL, O_DEPLOY},
	{"sla", required_argument, NULL, O_SLA},
	{"dataset", required_argument, NULL, O_DATA},
	{"header", required_argument, NULL, O_HEADER},
	{"out", required_argument, NULL, O_OUT},
	{"seed", required_argument, NULL, O_SEED},
	{"timeout", required_argument, NULL, O_TIMEOUT},
	{"max-error-rate", required_argument, NULL, O_MAXERR},
	{"json", no_argument, NULL, O_JSON},
	{"resume", no_argument, NULL, O_RESUME},
	{"quiet", no_argument, NULL, O_QUIET},
	{"token-times", no_argument, NULL, O_TOKTIMES},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_bench;

#define BENCH_MAX_LEVELS 64
#define BENCH_MAX_HEADERS 32

struct bench_opts {
	const char *url, *api, *model, *deploy, *dataset, *out, *arrival;
	double isl, isl_std, osl, osl_std;
	long conc[BENCH_MAX_LEVELS];
	size_t n_conc;
	double rates[BENCH_MAX_LEVELS];
	size_t n_rates;
	long requests, warmup, max_conc, gpus, seed;
	bool warmup_set;
	double duration_s, timeout_s, max_error_rate;
	struct sla sla;
	const char *headers[BENCH_MAX_HEADERS];
	size_t n_headers;
	bool json, resume, quiet, token_times;
	enum arrival_kind arr_kind;
	double arr_shape;
};

static int parse_rates(const char *s, double *out, size_t *n)
{
	*n = 0;
	const char *p = s;
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || (*end && *end != ',') || !isfinite(v) || v <= 0 ||
		    *n >= BENCH_MAX_LEVELS)
			return cli_usage_error("bench",
					       "--request-rate: expected positive numbers separated by commas, got '%s'",
					       s);
		out[(*n)++] = v;
		p = *end ? end + 1 : end;
	}
	return *n ? 0 : cli_usage_error("bench", "--request-rate: empty list");
}

static int parse(int argc, char **argv, struct bench_opts *o, bool *done)
{
	*o = (struct bench_opts){.api = "completions", .isl = 4000, .osl = 500,
				 .out = "results/bench", .seed = 1,
				 .timeout_s = 600, .arrival = "poisson",
				 .max_error_rate = 0.5};
	int c;
	const long big = 100000000;
	char err[256];
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_bench,
			       done)) != -1) {
		int rc = 0;
		long v;
		switch (c) {
		case O_URL: o->url = optarg; break;
		case O_API: o->api = optarg; break;
		case O_MODEL: o->model = optarg; break;
		case O_DEPLOY: o->deploy = optarg; break;
		case O_DATA: o->dataset = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_ARR: o->arrival = optarg; break;
		case O_JSON: o->json = true; break;
		case O_RESUME: o->resume = true; break;
		case O_QUIET: o->quiet = true; break;
		case O_TOKTIMES: o->token_times = true; break;
		case O_ISL: rc = cli_parse_pos_double("--isl", optarg, &o->isl); break;
		case O_OSL: rc = cli_parse_pos_double("--osl", optarg, &o->osl); break;
		case O_ISLSTD: rc = cli_parse_nonneg_double("--isl-std", optarg, &o->isl_std); break;
		case O_OSLSTD: rc = cli_parse_nonneg_double("--osl-std", optarg, &o->osl_std); break;
		case O_CONC:
			rc = cli_parse_long_list("--concurrency", optarg, 1, 1000000,
						 o->conc, BENCH_MAX_LEVELS, &o->n_conc);
			break;
		case O_REQS: rc = cli_parse_long("--requests-per-level", optarg, 1, big, &o->requests); break;
		case O_DUR: rc = cli_parse_duration_s("--duration-per-level", optarg, &o->duration_s); break;
		case O_WARM:
			rc = cli_parse_long("--warmup", optarg, 0, big, &o->warmup);
			o->warmup_set = true;
			break;
		case O_RATE: rc = parse_rates(optarg, o->rates, &o->n_rates); break;
		case O_MAXC: rc = cli_parse_long("--max-concurrency", optarg, 1, 1000000, &o->max_conc); break;
		case O_GPUS: rc = cli_parse_long("--gpus", optarg, 1, 1000000, &o->gpus); break;
		case O_SEED: rc = cli_parse_long("--seed", optarg, 0, 0x7fffffffL, &o->seed); break;
		case O_TIMEOUT: rc = cli_parse_duration_s("--timeout", optarg, &o->timeout_s); break;
		case O_MAXERR:
			rc = cli_parse_nonneg_double("--max-error-rate", optarg, &o->max_error_rate);
			if (!rc && o->max_error_rate > 1)
				rc = cli_usage_error("bench", "--max-error-rate must be in [0, 1]");
			break;
		case O_SLA:
			if (summary_parse_sla(optarg, &o->sla, err, sizeof err))
				rc = cli_usage_error("bench", "--sla: %s", err);
			break;
		case O_HEADER:
			if (o->n_headers >= BENCH_MAX_HEADERS || !strchr(optarg, ':'))
				rc = cli_usage_error("bench",
						     "--header: expected 'Key: Value' (at most %d), got '%s'",
						     BENCH_MAX_HEADERS, optarg);
			else
				o->headers[o->n_headers++] = optarg;
			break;
		default: return EXIT_USAGE;
		}
		(void)v;
		if (rc)
			return rc;
	}
	if (*done)
		return 0;
	if (optind < argc)
		return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
	if (!o->url)
		return cli_usage_error("bench", "--url is required");
	if (strncmp(o->url, "http://", 7) && strncmp(o->url, "https://", 8))
		return cli_usage_error("bench", "--url must start with http:// or https://, got '%s'", o->url);
	if (strcmp(o->api, "completions") && strcmp(o->api, "chat"))
		return cli_usage_error("bench", "--api must be completions or chat, got '%s'", o->api);
	if (o->n_conc && o->n_rates)
		return cli_usage_error("bench", "give --concurrency or --request-rate, not both");
	if (o->requests && o->duration_s > 0)
		return cli_usage_error("bench", "give --requests-per-level or --duration-per-level, not both");
	if (o->gpus && o->deploy)
		return cli_usage_error("bench", "give --gpus or --deployment, not both");
	if (arrival_parse(o->arrival, &o->arr_kind, &o->arr_shape, err, sizeof err))
		return cli_usage_error("bench", "--arrival: %s", err);
	if (o->max_conc && !o->n_rates)
		return cli_usage_error("bench", "--max-concurrency applies to --request-rate (open loop)");
	return 0;
}

/* The endpoint URL: a full /v1/... URL as given, else base + path. */
static char *endpoint(const char *url, bool chat)
{
	if (strstr(url, "/completions"))
		return xstrdup(url);
	size_t n = strlen(url);
	while (n && url[n - 1] == '/')
		n--;
	bool has_v1 = n >= 3 && !strncmp(url + n - 3, "/v1", 3);
	return xasprintf("%.*s%s%s", (int)n, url, has_v1 ? "" : "/v1",
			 chat ? "/chat/completions" : "/completions");
}

/* First model id from GET /v1/models. */
static int detect_model(const struct http_options *ho, const char *ep,
			char *out, size_t cap, struct sc_err *e)
{
	const char *v1 = strstr(ep, "/v1/");
	char *url = xasprintf("%.*s/v1/models", (int)(v1 ? v1 - ep : (long)strlen(ep)), ep);
	char *buf = xmalloc(1 << 20);
	long status = 0;
	int rc = http_get_text(ho, url, buf, 1 << 20, 10000, &status, e);
	if (rc == SC_OK) {
		cJSON *j = cJSON_Parse(buf);
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(d, 0), "id");
		if (status == 200 && cJSON_IsString(id))
			snprintf(out, cap, "%s", id->valuestring);
		else
			rc = sc_err_set(e, SC_ERUNTIME,
					"GET %s (HTTP %ld) gave no model id; pass --model NAME",
					url, status);
		cJSON_Delete(j);
	}
	free(buf);
	free(url);
	return rc;
}

static volatile sig_atomic_t stop_flag;

/* First Ctrl-C: stop cleanly (the loop sees the flag); a second one ends
 * the process at once. */
static void on_signal(int sig)
{
	stop_flag = 1;
	signal(sig, SIG_DFL);
}

struct level_ctx {
	struct results_writer w;
	struct sc_err werr;
	int write_failed;
	unsigned json_flags;
	bool tty;
	const char *name;
};

static void on_record(void *ud, const struct req_record *r)
{
	struct level_ctx *lc = ud;
	if (!lc->write_failed &&
	    results_append(&lc->w, r, lc->json_flags, &lc->werr))
		lc->write_failed = 1;
}

static void on_progress(void *ud, const struct req_record *recs, size_t n,
			long planned)
{
	struct level_ctx *lc = ud;
	if (!lc->tty)
		return;
	struct samples tt = {0}, tp = {0};
	size_t errs = 0;
	for (size_t i = 0; i < n; i++) {
		if (!recs[i].ok) {
			errs++;
			continue;
		}
		if (isfinite(recs[i].ttft_ms))
			samples_push(&tt, recs[i].ttft_ms);
		if (isfinite(recs[i].tpot_ms))
			samples_push(&tp, recs[i].tpot_ms);
	}
	struct stats a, b;
	stats_compute(tt.v, tt.n, &a);
	stats_compute(tp.v, tp.n, &b);
	char tot[32];
	if (planned >= 0)
		snprintf(tot, sizeof tot, "%ld", planned);
	else
		snprintf(tot, sizeof tot, "?");
	char ttft[32] = "-", tpot[32] = "-";
	if (tt.n)
		snprintf(ttft, sizeof ttft, "%.1f", a.p50);
	if (tp.n)
		snprintf(tpot, sizeof tpot, "%.2f", b.p50);
	fprintf(stderr,
		"\r\033[K[%s] %zu/%s done  TTFT p50 %s ms  TPOT p50 %s ms  errors %zu",
		lc->name, n, tot, ttft, tpot, errs);
	fflush(stderr);
	samples_release(&tt);
	samples_release(&tp);
}

static cJSON *run_json(const struct bench_opts *o, int argc, char **argv,
		       const char *ep, const char *model, const char *deploy_name,
		       long gpus, const char *start, const char *end)
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
			char *red = xasprintf("%.*s: (redacted)",
					      (int)(colon - h), h);
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

static void print_level(const struct level_summary *s,
			const struct level_info *li, const char *name)
{
	printf("%-8s %6zu %5zu %9.1f %9.1f %9.2f %9.2f %11.1f %9.1f\n", name,
	       s->ok, s->failed, s->ttft_ms.p50, s->ttft_ms.p99, s->tpot_ms.p50,
	       s->tpot_ms.p99, s->output_tokens_per_s,
	       li->open_loop ? li->achieved_rate_per_s : s->little_measured);
}

static int run(int argc, char **argv)
{
	struct bench_opts o;
	bool done = false;
	int rc = parse(argc, argv, &o, &done);
	if (rc || done)
		return rc;
	struct sc_err e = {0};
	int exit_code = EXIT_OK_;
	bool chat = !strcmp(o.api, "chat");
	char *ep = endpoint(o.url, chat);
	struct workload wl;
	struct deploy_spec dep;
	bool have_dep = false;
	struct http_driver *d = NULL;
	cJSON *all = cJSON_CreateArray();
	char **names = xcalloc(BENCH_MAX_LEVELS, sizeof *names);
	size_t n_names = 0;
	char model[256] = "";
	wl_init(&wl, chat ? WL_CHAT : WL_COMPLETIONS, NULL, o.isl, o.isl_std,
		o.osl, o.osl_std, (uint64_t)o.seed);
	wl.prefix_nonce = (uint64_t)(clock_wall_ns() / 1000);
	if (o.dataset && wl_load_dataset(&wl, o.dataset, &e)) {
		exit_code = cli_fail(&e);
		goto out;
	}
	bool replay = wl.is_trace && !o.n_conc && !o.n_rates;
	if (!o.n_conc && !o.n_rates && !replay) {
		o.conc[0] = 1;
		o.n_conc = 1;
	}
	long gpus = o.gpus;
	if (o.deploy) {
		if (deploy_load(o.deploy, &dep, &e)) {
			exit_code = cli_fail(&e);
			goto out;
		}
		have_dep = true;
		gpus = deploy_gpus(&dep);
	}
	const char *key = getenv("OPENAI_API_KEY");
	struct http_options ho = {.headers = o.headers, .n_headers = o.n_headers,
				  .bearer_token = key};
	long maxc = o.max_conc;
	for (size_t i = 0; i < o.n_conc; i++)
		if (o.conc[i] > maxc)
			maxc = o.conc[i];
	ho.max_connections = maxc > 0 ? maxc + 16 : 0;
	if (o.model) {
		snprintf(model, sizeof model, "%s", o.model);
	} else if (detect_model(&ho, ep, model, sizeof model, &e)) {
		exit_code = cli_fail(&e);
		goto out;
	}
	free(wl.model_json);
	{
		cJSON *m = cJSON_CreateString(model);
		wl.model_json = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
	}
	raise_fd_limit();
	if (!(d = http_new(&ho, &e)) || results_mkdirs(o.out, &e)) {
		exit_code = cli_fail(&e);
		goto out;
	}
	char start[64], end[64];
	clock_wall_iso(start, sizeof start);
	char path[1100];
	if (have_dep) {
		snprintf(path, sizeof path, "%s/deployment.json", o.out);
		if (results_copy_file(o.deploy, path, &e)) {
			exit_code = cli_fail(&e);
			goto out;
		}
	}
	snprintf(path, sizeof path, "%s/run.json", o.out);
	{
		cJSON *rj = run_json(&o, argc, argv, ep, model,
				     have_dep ? dep.name : NULL, gpus, start, NULL);
		rc = jsonio_save_file(path, rj, &e);
		cJSON_Delete(rj);
		if (rc) {
			exit_code = cli_fail(&e);
			goto out;
		}
	}
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	bool tty = !o.quiet && isatty(STDERR_FILENO);
	if (!o.json && !o.quiet)
		printf("%-8s %6s %5s %9s %9s %9s %9s %11s %9s\n", "level", "ok",
		       "fail", "ttft_p50", "ttft_p99", "tpot_p50", "tpot_p99",
		       "tok/s", o.n_rates || replay ? "rate" : "little_N");
	size_t n_levels = replay ? 1 : o.n_rates ? o.n_rates : o.n_conc;
	for (size_t li_i = 0; li_i < n_levels && !stop_flag; li_i++) {
		bool open = o.n_rates > 0 || replay;
		double level = replay ? 0 : open ? o.rates[li_i] : (double)o.conc[li_i];
		char name[64];
		if (replay)
			snprintf(name, sizeof name, "replay");
		else
			results_level_name(open, level, name, sizeof name);
		names[n_names++] = xstrdup(name);
		if (o.resume && results_level_complete(o.out, name)) {
			if (!o.quiet && !o.json)
				printf("%-8s (complete, skipped)\n", name);
			continue;
		}
		struct level_ctx lc = {.tty = tty, .name = name,
				       .json_flags = REQ_JSON_ITL |
						     (o.token_times ? REQ_JSON_TOKENS : 0)};
		if (results_level_begin(&lc.w, o.out, name, &e)) {
			exit_code = cli_fail(&e);
			goto out;
		}
		struct arrival arr;
		arrival_init(&arr, o.arr_kind, open && !replay ? level : 1,
			     o.arr_shape, (uint64_t)o.seed * 7919 + li_i);
		long warm = o.warmup_set ? o.warmup : open ? 0 : (long)level;
		long reqs = o.requests;
		if (!reqs && o.duration_s <= 0 && !replay)
			reqs = open ? 100 : 10 * (long)level;
		if (open && !replay) {
			/* n sends use n - 1 gaps: plan them as one block so the
			 * level delivers exactly the requested rate. */
			long n = warm + (reqs > 0 ? reqs
					 : (long)ceil(level * o.duration_s));
			arrival_plan(&arr, n - 1);
		}
		struct loop_config lcfg = {
			.url = ep, .open_loop = open,
			.concurrency = open ? 0 : (long)level,
			.arrival = &arr, .replay = replay,
			.max_concurrency = o.max_conc, .requests = reqs,
			.duration_s = o.duration_s, .warmup = warm,
			.timeout_ms = (long)(o.timeout_s * 1000),
			.max_event_bytes = 0, .max_chunks = 0,
			.max_error_rate = o.max_error_rate, .keep_itl = true,
			.stop = &stop_flag, .first_id = (uint64_t)li_i * 100000000ull,
			.level = level, .on_record = on_record,
			.on_progress = on_progress, .progress_ns = 250000000,
			.ud = &lc,
		};
		struct loop_result res;
		rc = loop_run(d, &wl, &lcfg, &res, &e);
		arrival_release(&arr);
		results_level_end(&lc.w);
		if (tty)
			fprintf(stderr, "\r\033[K");
		if (rc) {
			loop_result_release(&res);
			exit_code = cli_fail(&e);
			goto out;
		}
		if (lc.write_failed) {
			loop_result_release(&res);
			exit_code = cli_fail(&lc.werr);
			goto out;
		}
		struct level_info info = {
			.open_loop = open, .concurrency = open ? 0 : (long)level,
			.rate_per_s = level,
			.achieved_rate_per_s = res.achieved_rate_per_s,
			.send_lateness_p99_ms = res.send_lateness_p99_ms,
			.isl = o.isl, .osl = o.osl, .gpus = gpus,
			.window_start_ns = res.window_start_ns,
			.window_end_ns = res.window_end_ns, .sla = o.sla,
			.complete = !res.interrupted && !res.too_many_errors,
		};
		struct level_summary s;
		summary_compute(res.recs, res.n, &info, &s);
		if (!isfinite(s.window_s) && info.complete && !o.quiet)
			fprintf(stderr,
				"servecal: %s: no steady window (every client went idle before warm-up ended); throughput is null: raise --requests-per-level\n",
				name);
		cJSON *sj = summary_to_json(&s, &info);
		if (res.interrupted)
			cJSON_AddBoolToObject(sj, "interrupted", true);
		if (res.too_many_errors)
			cJSON_AddBoolToObject(sj, "too_many_errors", true);
		rc = results_write_summary(o.out, name, sj, &e);
		if (!rc)
			rc = results_write_csv(o.out, names, n_names, &e);
		cJSON_AddStringToObject(sj, "level", name);
		cJSON_AddItemToArray(all, sj);
		if (!o.json && !o.quiet)
			print_level(&s, &info, name);
		bool too_many = res.too_many_errors;
		loop_result_release(&res);
		if (rc) {
			exit_code = cli_fail(&e);
			goto out;
		}
		if (too_many) {
			fprintf(stderr,
				"servecal: %s: more than %.0f%% of requests failed; stopping (see %s/%s/requests.jsonl)\n",
				name, o.max_error_rate * 100, o.out, name);
			exit_code = EXIT_RUNTIME;
			break;
		}
	}
	if (results_write_csv(o.out, names, n_names, &e) && !exit_code)
		exit_code = cli_fail(&e);
	clock_wall_iso(end, sizeof end);
	{
		cJSON *rj = run_json(&o, argc, argv, ep, model,
				     have_dep ? dep.name : NULL, gpus, start, end);
		if (stop_flag)
			cJSON_AddBoolToObject(rj, "interrupted", true);
		if (jsonio_save_file(path, rj, &e) && !exit_code)
			exit_code = cli_fail(&e);
		cJSON_Delete(rj);
	}
	if (stop_flag) {
		fprintf(stderr,
			"servecal: interrupted; finished requests are in %s (rerun with --resume)\n",
			o.out);
		if (!exit_code)
			exit_code = EXIT_RUNTIME;
	}
	if (o.json) {
		char *txt = cJSON_Print(all);
		puts(txt);
		free(txt);
	}
out:
	http_free(d);
	wl_release(&wl);
	if (have_dep)
		deploy_release(&dep);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	cJSON_Delete(all);
	free(ep);
	return exit_code;
}

const struct cli_command cli_cmd_bench = {
	.name = "bench",
	.summary = "drive an endpoint at swept concurrencies or rates; write records and summaries",
	.usage = usage,
	.run = run,
};
