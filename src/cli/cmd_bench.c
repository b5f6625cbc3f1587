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
#include "load/bench.h"
#include "load/endpoint.h"
#include "load/loop.h"
#include "load/procs.h"
#include "load/ranks.h"
#include "load/results.h"
#include "load/workload.h"
#include "metrics/summary.h"
#include "model/deploy.h"
#include "net/http.h"
#include "out/bench_block.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

static const char usage[] =
	"usage: servecal bench --url URL [--api completions|chat] [--model NAME]\n"
	"         --isl N [--isl-std S] --osl N [--osl-std S]\n"
	"         [--concurrency 1,2,4,...] [--requests-per-level N | --duration-per-level 60s]\n"
	"         [--warmup N] [--request-rate R[,R2..] [--arrival poisson|gamma:K|constant]\n"
	"         [--max-concurrency N]] [--gpus N | --deployment FILE]\n"
	"         [--sla ttft_ms=600,ttft_stat=p90,tpot_ms=16.7,tpot_stat=mean,e2e_ms=..]\n"
	"         [--dataset FILE.jsonl] [--header 'K: V']\n"
	"         [--out DIR] [--seed N] [--timeout 600s] [--max-error-rate F]\n"
	"         [--resume] [--quiet] [--json] [--token-times]\n"
	"         [--vocab-size N] [--prompts ids|text] [--no-probe] [--procs N|auto]\n\n"
	"Measures TTFT, TPOT, ITL, E2E and throughput of a streaming endpoint.\n"
	"Closed loop (--concurrency): each level keeps exactly N requests in flight;\n"
	"the first round (N requests, or --warmup N) is warm-up. Open loop\n"
	"(--request-rate): sends follow an absolute schedule; latencies count from\n"
	"the scheduled time; --max-concurrency caps requests in flight (the wait is\n"
	"reported as queue_ms). A Mooncake-style trace given as --dataset with no\n"
	"--concurrency or --request-rate is replayed at its timestamps.\n"
	"Synthetic prompts are token-id arrays of exact length for /v1/completions,\n"
	"drawn below the special tokens of the served vocabulary (--vocab-size,\n"
	"else the smaller of the server's /v1/models meta.n_vocab and the\n"
	"deployment's model spec, else 32000); --prompts text (and --api chat)\n"
	"sends text of common one-token words instead. Before the sweep one probe\n"
	"request checks the endpoint: a failure, or usage.prompt_tokens that\n"
	"differs from --isl, stops the run with the server's message (--no-probe\n"
	"skips it). A level with no successful request makes the exit status 1.\n"
	"Results: DIR/run.json, DIR/cN|rR/requests.jsonl and summary.json,\n"
	"DIR/summary.csv, and AIPerf's exports of each level beside its files\n"
	"(profile_export.jsonl, profile_export_aiperf.json and .csv).\n"
	"--resume skips levels already complete in DIR.\n"
	"--sla limits TTFT, TPOT, E2E and ITL (ms), each on a statistic of the\n"
	"level (mean, p50, p90, p95, p99; defaults TTFT p90, TPOT mean, E2E p90,\n"
	"ITL mean). Attainment is the share of non-warm-up requests meeting a limit\n"
	"(a failed request meets none); goodput counts those meeting all of them.\n"
	"--token-times adds each output chunk's arrival time (token_ns) to the records.\n"
	"--procs N (1..1024, auto: the cores this process may use) runs each level\n"
	"over N worker processes, each pinned to a core: streams split (closed loop)\n"
	"or one schedule dealt out (open loop); records merge into one level.\n"
	"Under mpirun -np R or srun --mpi=pmix (servecal built with MPI) the R ranks\n"
	"share each level the same way; rank 0 writes the results (README.md).\n"
	"The API key comes from OPENAI_API_KEY (never written to results).\n"
	"--requests-per-level counts measured requests; warm-up requests are extra.\n"
	"Defaults: --api completions, --isl 4000, --osl 500, --concurrency 1,\n"
	"--requests-per-level 10 x N (closed) or 100 (open), --warmup N (closed)\n"
	"or 0 (open), --out results/bench,\n"
	"--seed 1, --timeout 600s, --arrival poisson, --max-error-rate 0.5.\n"
	"Ranges: --isl and --osl 1..10000000 tokens, --concurrency 1..1000000,\n"
	"--request-rate 0.001..100000 requests/s, durations 1ms..7d (README.md).\n"
	"Exit codes: 0 ok, 1 runtime failure (or too many failed requests),\n"
	"2 usage, 3 bad input file.\n";

enum { O_URL = 256, O_API, O_MODEL, O_ISL, O_ISLSTD, O_OSL, O_OSLSTD, O_CONC,
       O_REQS, O_DUR, O_WARM, O_RATE, O_ARR, O_MAXC, O_GPUS, O_DEPLOY, O_SLA,
       O_DATA, O_HEADER, O_OUT, O_SEED, O_TIMEOUT, O_JSON, O_RESUME, O_QUIET,
       O_MAXERR, O_TOKTIMES, O_VOCAB, O_PROMPTS, O_NOPROBE, O_PROCS };

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
	{"vocab-size", required_argument, NULL, O_VOCAB},
	{"prompts", required_argument, NULL, O_PROMPTS},
	{"no-probe", no_argument, NULL, O_NOPROBE},
	{"procs", required_argument, NULL, O_PROCS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

extern const struct cli_command cli_cmd_bench;

#define BENCH_MAX_HEADERS 32

struct bench_opts {
	const char *url, *api, *model, *deploy, *dataset, *out, *arrival,
		*prompts;
	long vocab;
	bool no_probe;
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
	long procs;
};

static int parse(int argc, char **argv, struct bench_opts *o, bool *done)
{
	*o = (struct bench_opts){.api = "completions", .isl = 4000, .osl = 500,
				 .out = "results/bench", .seed = 1,
				 .timeout_s = 600, .arrival = "poisson",
				 .max_error_rate = 0.5, .procs = 1};
	int c;
	long tok;
	char err[256];
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_bench,
			       done)) != -1) {
		int rc = 0;
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
		case O_NOPROBE: o->no_probe = true; break;
		case O_PROMPTS: o->prompts = optarg; break;
		case O_PROCS:
			if (!strcmp(optarg, "auto"))
				o->procs = procs_available();
			else
				rc = cli_parse_long("--procs", optarg, 1, PROCS_MAX, &o->procs);
			break;
		case O_VOCAB: rc = cli_parse_long("--vocab-size", optarg, WL_MIN_VOCAB, WL_MAX_VOCAB, &o->vocab); break;
		case O_ISL:
			rc = cli_parse_long("--isl", optarg, 1, NUM_TOKENS_MAX, &tok);
			o->isl = (double)tok;
			break;
		case O_OSL:
			rc = cli_parse_long("--osl", optarg, 1, NUM_TOKENS_MAX, &tok);
			o->osl = (double)tok;
			break;
		case O_ISLSTD: rc = cli_parse_real("--isl-std", optarg, 0, NUM_TOKENS_MAX, &o->isl_std); break;
		case O_OSLSTD: rc = cli_parse_real("--osl-std", optarg, 0, NUM_TOKENS_MAX, &o->osl_std); break;
		case O_CONC:
			rc = cli_parse_long_list("--concurrency", optarg, 1, NUM_CONC_MAX,
						 o->conc, BENCH_MAX_LEVELS, &o->n_conc);
			break;
		case O_REQS: rc = cli_parse_long("--requests-per-level", optarg, 1, NUM_COUNT_MAX, &o->requests); break;
		case O_DUR:
			rc = cli_parse_duration_s("--duration-per-level", optarg, NUM_DURATION_MIN_S,
						  NUM_DURATION_MAX_S, &o->duration_s);
			break;
		case O_WARM:
			rc = cli_parse_long("--warmup", optarg, 0, NUM_COUNT_MAX, &o->warmup);
			o->warmup_set = true;
			break;
		case O_RATE:
			rc = cli_parse_rate_list("--request-rate", optarg, o->rates,
						 BENCH_MAX_LEVELS, &o->n_rates);
			break;
		case O_MAXC: rc = cli_parse_long("--max-concurrency", optarg, 1, NUM_CONC_MAX, &o->max_conc); break;
		case O_GPUS: rc = cli_parse_long("--gpus", optarg, 1, NUM_CONC_MAX, &o->gpus); break;
		case O_SEED: rc = cli_parse_long("--seed", optarg, 0, 0x7fffffffL, &o->seed); break;
		case O_TIMEOUT:
			rc = cli_parse_duration_s("--timeout", optarg, NUM_DURATION_MIN_S,
						  NUM_DURATION_MAX_S, &o->timeout_s);
			break;
		case O_MAXERR: rc = cli_parse_real("--max-error-rate", optarg, 0, 1, &o->max_error_rate); break;
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
	if (o->prompts && strcmp(o->prompts, "ids") && strcmp(o->prompts, "text"))
		return cli_usage_error("bench", "--prompts must be ids or text, got '%s'", o->prompts);
	if (o->prompts && !strcmp(o->prompts, "ids") && !strcmp(o->api, "chat"))
		return cli_usage_error("bench", "--prompts ids needs --api completions (chat takes text)");
	if (o->max_conc && !o->n_rates)
		return cli_usage_error("bench", "--max-concurrency applies to --request-rate (open loop)");
	/* A level's request count is rate x duration: keep it a count. */
	for (size_t i = 0; i < o->n_rates; i++)
		if (o->duration_s * o->rates[i] > (double)NUM_COUNT_MAX)
			return cli_usage_error("bench",
					       "--request-rate %g x --duration-per-level %gs is more than %ld requests a level",
					       o->rates[i], o->duration_s, NUM_COUNT_MAX);
	return 0;
}

static volatile sig_atomic_t stop_flag;

/* First Ctrl-C: stop cleanly (the loop sees the flag); a second one ends
 * the process at once. */
static void on_signal(int sig)
{
	stop_flag = 1;
	signal(sig, SIG_DFL);
}

static void catch_signals(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

struct show {
	bool tty, quiet, table;
};

static void show_skipped(void *ud, const char *level)
{
	const struct show *sh = ud;
	if (sh->table)
		printf("%-8s (complete, skipped)\n", level);
}

/* "12.3 s", "4 min 05 s", "1 h 02 min"; "?" when unknown. */
static void fmt_span(double s, char *buf, size_t cap)
{
	if (!isfinite(s) || s < 0)
		snprintf(buf, cap, "?");
	else if (s < 60)
		snprintf(buf, cap, "%.1f s", s);
	else if (s < 3600)
		snprintf(buf, cap, "%d min %02d s", (int)(s / 60),
			 (int)fmod(s, 60));
	else
		snprintf(buf, cap, "%d h %02d min", (int)(s / 3600),
			 (int)fmod(s / 60, 60));
}

/* A terminal gets one line per level, rewritten in place; anything else
 * one line per level as it ends (no carriage returns). The TTFT median is
 * over measured requests (warm-up excluded), as in the summary. */
static void show_progress(void *ud, const struct bench_progress *p)
{
	const struct show *sh = ud;
	if (sh->quiet || (!sh->tty && !p->final))
		return;
	char tot[32], ttft[32] = "-", el[32], lleft[32], rleft[32], rel[32];
	if (p->planned >= 0)
		snprintf(tot, sizeof tot, "%ld", p->planned);
	else
		snprintf(tot, sizeof tot, "?");
	if (isfinite(p->ttft_p50_ms))
		snprintf(ttft, sizeof ttft, "%.1f ms", p->ttft_p50_ms);
	fmt_span(p->level_elapsed_s, el, sizeof el);
	fmt_span(p->level_left_s, lleft, sizeof lleft);
	fmt_span(p->run_left_s, rleft, sizeof rleft);
	fmt_span(p->run_elapsed_s, rel, sizeof rel);
	if (!p->final) {
		fprintf(stderr,
			"\r\033[K[%s %zu/%zu] %zu/%s done, %zu failed, TTFT "
			"p50 %s | %s elapsed, level ~%s left, run ~%s left",
			p->level, p->index + 1, p->n_levels, p->done, tot,
			p->failed, ttft, el, lleft, rleft);
	} else if (sh->tty) {
		fprintf(stderr, "\r\033[K");
	} else {
		fprintf(stderr,
			"servecal: level %s (%zu/%zu) done: %zu requests, %zu "
			"failed, TTFT p50 %s; %s elapsed in the level, %s in "
			"the run, ~%s left\n",
			p->level, p->index + 1, p->n_levels, p->done, p->failed,
			ttft, el, rel, rleft);
	}
	fflush(stderr);
}

static void show_level(void *ud, const char *level,
		       const struct level_summary *s,
		       const struct level_info *li, const cJSON *summary)
{
	const struct show *sh = ud;
	(void)summary;
	if (!sh->table)
		return;
	bench_block_write(stdout, level, s, li);
	fflush(stdout);
}

/* After a sweep of several levels: one line per level, read back from
 * the summaries written (skipped levels included). */
static void show_overview(const struct bench_plan *p, size_t n)
{
	printf("%-8s %6s %5s %9s %9s %9s %9s %11s %9s\n", "level", "ok", "fail",
	       "ttft_p50", "ttft_p99", "tpot_p50", "tpot_p99", "tok/s",
	       p->open_loop || p->replay ? "rate" : "little_N");
	for (size_t i = 0; i < n; i++) {
		char name[64], sp[1200];
		bench_level_name(p, i, name, sizeof name);
		snprintf(sp, sizeof sp, "%s/%s/summary.json", p->out_dir, name);
		cJSON *sj = jsonio_load_file(sp, NULL);
		struct level_summary s;
		struct level_info li;
		struct sc_err e = {0};
		if (sj && !summary_from_json(sj, sp, &s, &li, &e))
			printf("%-8s %6zu %5zu %9.1f %9.1f %9.2f %9.2f %11.1f "
			       "%9.1f\n",
			       name, s.ok, s.failed, s.ttft_ms.p50,
			       s.ttft_ms.p99, s.tpot_ms.p50, s.tpot_ms.p99,
			       s.output_tokens_per_s,
			       li.open_loop ? li.achieved_rate_per_s
					    : s.little_measured);
		cJSON_Delete(sj);
	}
}

static void show_note(void *ud, const char *msg)
{
	const struct show *sh = ud;
	if (!sh->quiet)
		fprintf(stderr, "servecal: %s\n", msg);
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
	char *ep = endpoint_url(o.url, chat);
	struct workload wl;
	struct deploy_spec dep;
	bool have_dep = false;
	struct http_driver *d = NULL;
	cJSON *all = cJSON_CreateArray();
	char model[ENDPOINT_MODEL_MAX] = "";
	int lock_fd = -1; /* --out, held for the whole run */
	/* Under mpirun or srun: rank 0 runs the bench, the others serve it. */
	struct ranks *rk = NULL;
	struct ranks_setup setup = {0};
	if (ranks_init(&argc, &argv, &rk, &e))
		return cli_fail(&e);
	bool serving = ranks_rank(rk) > 0;
	if (rk && o.procs > 1) {
		exit_code = cli_usage_error("bench", "--procs %ld under %d MPI ranks: start more ranks per node instead",
					    o.procs, ranks_size(rk));
		goto out;
	}
	wl_init(&wl, chat ? WL_CHAT : WL_COMPLETIONS, NULL, o.isl, o.isl_std,
		o.osl, o.osl_std, (uint64_t)o.seed);
	wl.prefix_nonce = (uint64_t)(clock_wall_ns() / 1000);
	if (o.prompts && !strcmp(o.prompts, "text"))
		wl_use_text(&wl);
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
	/* Another bench writing --out: stop before sending anything. */
	if (!serving && results_lock(o.out, &lock_fd, &e)) {
		exit_code = cli_fail(&e);
		goto out;
	}
	const char *key = getenv("OPENAI_API_KEY");
	struct http_options ho = {.headers = o.headers, .n_headers = o.n_headers,
				  .bearer_token = key};
	long maxc = o.max_conc;
	for (size_t i = 0; i < o.n_conc; i++)
		if (o.conc[i] > maxc)
			maxc = o.conc[i];
	ho.max_connections = maxc > 0 ? maxc + 16 : 0;
	/* What the server says of itself; only the model id is required
	 * (and only when --model is not given). */
	struct endpoint_info info;
	struct sc_err qe = {0};
	if (serving) {
		if (ranks_setup(rk, &setup, &e)) {
			exit_code = cli_fail(&e);
			goto out;
		}
		if (!setup.go) {
			exit_code = EXIT_RUNTIME; /* rank 0 says why */
			goto out;
		}
		snprintf(info.model, sizeof info.model, "%s", setup.model);
		info.n_vocab = setup.vocab;
		wl.text_overhead = setup.text_overhead;
		wl.prefix_nonce = setup.prefix_nonce;
	} else if (endpoint_query(&ho, ep, &info, &qe)) {
		if (!o.model) {
			exit_code = cli_fail(&qe);
			fprintf(stderr, "servecal bench: pass --model NAME when the server has no /v1/models\n");
			goto out;
		}
		info.n_vocab = -1;
	}
	snprintf(model, sizeof model, "%s", o.model ? o.model : info.model);
	free(wl.model_json);
	{
		cJSON *m = cJSON_CreateString(model);
		wl.model_json = cJSON_PrintUnformatted(m);
		cJSON_Delete(m);
	}
	long vocab = serving ? setup.vocab
			     : pick_vocab(o.vocab, info.n_vocab, have_dep ? &dep : NULL);
	if (wl.prompt == WL_PROMPT_IDS && wl_set_vocab(&wl, vocab, &e)) {
		exit_code = o.vocab ? cli_usage_error("bench", "--vocab-size: %s", e.msg)
				    : cli_fail(&e);
		goto out;
	}
	raise_fd_limit();
	if (!(d = http_new(&ho, &e))) {
		exit_code = cli_fail(&e);
		goto out;
	}
	if (serving) {
		catch_signals();
		if (ranks_serve(rk, d, &wl, ep, &stop_flag, &e))
			exit_code = cli_fail(&e);
		goto out;
	}
	if (!o.no_probe) {
		bool checked = false;
		if (bench_probe(d, &wl, ep, o.timeout_s, &checked, &e)) {
			exit_code = cli_fail(&e);
			goto out;
		}
		if (!checked && !o.quiet && !o.dataset)
			fprintf(stderr, "servecal: the server sends no usage.prompt_tokens: input lengths cannot be checked\n");
	}
	if (rk) {
		setup.go = 1;
		snprintf(setup.model, sizeof setup.model, "%s", model);
		setup.vocab = vocab;
		setup.text_overhead = wl.text_overhead;
		setup.prefix_nonce = wl.prefix_nonce;
		if (ranks_setup(rk, &setup, &e)) {
			exit_code = cli_fail(&e);
			goto out;
		}
	}
	if (results_mkdirs(o.out, &e) ||
	    (lock_fd < 0 && results_lock(o.out, &lock_fd, &e))) {
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
		cJSON_AddNumberToObject(rj, "vocab_size", (double)vocab);
		rc = jsonio_save_file(path, rj, &e);
		cJSON_Delete(rj);
		if (rc) {
			exit_code = cli_fail(&e);
			goto out;
		}
	}
	catch_signals();
	struct show sh = {.tty = isatty(STDERR_FILENO),
			  .quiet = o.quiet,
			  .table = !o.json && !o.quiet};
	struct bench_plan plan = {
		.ep = ep, .out_dir = o.out, .model = model,
		.open_loop = o.n_rates > 0,
		.replay = replay, .requests = o.requests,
		.duration_s = o.duration_s,
		.warmup = o.warmup_set ? o.warmup : -1,
		.max_concurrency = o.max_conc, .arrival = o.arr_kind,
		.arrival_shape = o.arr_shape, .seed = o.seed,
		.timeout_s = o.timeout_s, .max_error_rate = o.max_error_rate,
		.isl = o.isl, .osl = o.osl, .gpus = gpus, .sla = o.sla,
		.resume = o.resume, .token_times = o.token_times,
		.procs = (unsigned)o.procs, .ranks = rk, .stop = &stop_flag,
	};
	plan.n_levels = o.n_rates ? o.n_rates : o.n_conc;
	for (size_t i = 0; i < plan.n_levels; i++)
		plan.levels[i] = o.n_rates ? o.rates[i] : (double)o.conc[i];
	struct bench_hooks hooks = {show_skipped, show_progress, show_level,
				    show_note, &sh};
	struct bench_outcome oc;
	if (bench_run(&plan, d, &wl, &hooks, &oc, &e)) {
		exit_code = cli_fail(&e);
		goto out;
	}
	if (sh.table && !replay && plan.n_levels > 1)
		show_overview(&plan, plan.n_levels);
	if (o.json) {
		size_t n = replay ? 1 : plan.n_levels;
		for (size_t i = 0; i < n; i++) {
			char name[64], sp[1200];
			bench_level_name(&plan, i, name, sizeof name);
			snprintf(sp, sizeof sp, "%s/%s/summary.json", o.out, name);
			cJSON *sj = jsonio_load_file(sp, NULL);
			if (!sj)
				continue;
			cJSON_AddStringToObject(sj, "level", name);
			cJSON_AddItemToArray(all, sj);
		}
	}
	clock_wall_iso(end, sizeof end);
	{
		cJSON *rj = run_json(&o, argc, argv, ep, model,
				     have_dep ? dep.name : NULL, gpus, start, end);
		cJSON_AddNumberToObject(rj, "vocab_size", (double)vocab);
		if (oc.interrupted)
			cJSON_AddBoolToObject(rj, "interrupted", true);
		if (jsonio_save_file(path, rj, &e) && !exit_code)
			exit_code = cli_fail(&e);
		cJSON_Delete(rj);
	}
	if (oc.too_many_errors) {
		fprintf(stderr,
			"servecal: more than %.0f%% of requests failed; stopped (%s; records in %s)\n",
			o.max_error_rate * 100, oc.first_failure, o.out);
		exit_code = EXIT_RUNTIME;
	} else if (oc.levels_failed) {
		fprintf(stderr,
			"servecal: %zu of %zu level(s) had no successful request (%s; records in %s)\n",
			oc.levels_failed, oc.levels_run, oc.first_failure, o.out);
		exit_code = EXIT_RUNTIME;
	}
	if (oc.interrupted) {
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
	ranks_free(rk);
	results_unlock(lock_fd);
	http_free(d);
	wl_release(&wl);
	if (have_dep)
		deploy_release(&dep);
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
