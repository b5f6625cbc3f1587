/* `servecal bench`: drives an OpenAI-compatible endpoint at swept
 * concurrencies (closed loop) or request rates (open loop) and writes
 * per-request records and per-level summaries as they happen. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "load/arrival.h"
#include "load/bench.h"
#include "load/procs.h"
#include "load/session.h"
#include "load/wl.h"
#include "metrics/summary.h"
#include "out/bench_block.h"
#include "out/bench_progress.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

static const char usage[] =
    "usage: servecal bench --url URL [--api completions|chat] [--model NAME]\n"
    "         --isl N [--isl-std S] --osl N [--osl-std S]\n"
    "         [--concurrency 1,2,4,...] [--requests-per-level N | "
    "--duration-per-level 60s]\n"
    "         [--warmup N] [--request-rate R[,R2..] [--arrival "
    "poisson|gamma:K|constant]\n"
    "         [--max-concurrency N]] [--gpus N | --deployment FILE]\n"
    "         [--sla "
    "ttft_ms=600,ttft_stat=p90,tpot_ms=16.7,tpot_stat=mean,e2e_ms=..]\n"
    "         [--dataset FILE.jsonl] [--header 'K: V']\n"
    "         [--out DIR] [--seed N] [--timeout 600s] [--max-error-rate F]\n"
    "         [--resume] [--quiet] [--json] [--token-times]\n"
    "         [--vocab-size N] [--prompts ids|text] [--no-probe] [--procs "
    "N|auto]\n\n"
    "Measures TTFT, TPOT, ITL, E2E and throughput of a streaming endpoint.\n"
    "Closed loop (--concurrency): each level keeps exactly N requests in "
    "flight;\n"
    "the first round (N requests, or --warmup N) is warm-up. Open loop\n"
    "(--request-rate): sends follow an absolute schedule; latencies count "
    "from\n"
    "the scheduled time; --max-concurrency caps requests in flight (the wait "
    "is\n"
    "reported as queue_ms). A Mooncake-style trace given as --dataset with no\n"
    "--concurrency or --request-rate is replayed at its timestamps.\n"
    "Synthetic prompts are token-id arrays of exact length for "
    "/v1/completions,\n"
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
    "ITL mean). Attainment is the share of non-warm-up requests meeting a "
    "limit\n"
    "(a failed request meets none); goodput counts those meeting all of them.\n"
    "--token-times adds each output chunk's arrival time (token_ns) to the "
    "records.\n"
    "--procs N (1..1024, auto: the cores this process may use) runs each "
    "level\n"
    "over N worker processes, each pinned to a core: streams split (closed "
    "loop)\n"
    "or one schedule dealt out (open loop); records merge into one level.\n"
    "Under mpirun -np R or srun --mpi=pmix (servecal built with MPI) the R "
    "ranks\n"
    "share each level the same way; rank 0 writes the results (README.md).\n"
    "The API key comes from OPENAI_API_KEY (never written to results).\n"
    "--requests-per-level counts measured requests; warm-up requests are "
    "extra.\n"
    "Defaults: --api completions, --isl 4000, --osl 500, --concurrency 1,\n"
    "--requests-per-level 10 x N (closed) or 100 (open), --warmup N (closed)\n"
    "or 0 (open), --out results/bench,\n"
    "--seed 1, --timeout 600s, --arrival poisson, --max-error-rate 0.5.\n"
    "Ranges: --isl and --osl 1..10000000 tokens, --concurrency 1..1000000,\n"
    "--request-rate 0.001..100000 requests/s, durations 1ms..7d (README.md).\n"
    "Exit codes: 0 ok, 1 runtime failure (or too many failed requests),\n"
    "2 usage, 3 bad input file.\n";

enum {
	O_URL = 256,
	O_API,
	O_MODEL,
	O_ISL,
	O_ISLSTD,
	O_OSL,
	O_OSLSTD,
	O_CONC,
	O_REQS,
	O_DUR,
	O_WARM,
	O_RATE,
	O_ARR,
	O_MAXC,
	O_GPUS,
	O_DEPLOY,
	O_SLA,
	O_DATA,
	O_HEADER,
	O_OUT,
	O_SEED,
	O_TIMEOUT,
	O_JSON,
	O_RESUME,
	O_QUIET,
	O_MAXERR,
	O_TOKTIMES,
	O_VOCAB,
	O_PROMPTS,
	O_NOPROBE,
	O_PROCS
};

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

static int parse(int argc, char **argv, struct session_opts *o, bool *done)
{
	*o = (struct session_opts){.api = "completions",
				   .isl = 4000,
				   .osl = 500,
				   .out = "results/bench",
				   .seed = 1,
				   .timeout_s = 600,
				   .arrival = "poisson",
				   .max_error_rate = 0.5,
				   .procs = 1};
	int c;
	long tok;
	char err[256];
	while ((c = cli_getopt(argc, argv, "h", longopts, &cli_cmd_bench,
			       done)) != -1) {
		int rc = 0;
		switch (c) {
		case O_URL:
			o->url = optarg;
			break;
		case O_API:
			o->api = optarg;
			break;
		case O_MODEL:
			o->model = optarg;
			break;
		case O_DEPLOY:
			o->deploy = optarg;
			break;
		case O_DATA:
			o->dataset = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_ARR:
			o->arrival = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_RESUME:
			o->resume = true;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_TOKTIMES:
			o->token_times = true;
			break;
		case O_NOPROBE:
			o->no_probe = true;
			break;
		case O_PROMPTS:
			o->prompts = optarg;
			break;
		case O_PROCS:
			if (!strcmp(optarg, "auto"))
				o->procs = procs_available();
			else
				rc = cli_parse_long("--procs", optarg, 1,
						    PROCS_MAX, &o->procs);
			break;
		case O_VOCAB:
			rc =
			    cli_parse_long("--vocab-size", optarg, WL_MIN_VOCAB,
					   WL_MAX_VOCAB, &o->vocab);
			break;
		case O_ISL:
			rc = cli_parse_long("--isl", optarg, 1, NUM_TOKENS_MAX,
					    &tok);
			o->isl = (double)tok;
			break;
		case O_OSL:
			rc = cli_parse_long("--osl", optarg, 1, NUM_TOKENS_MAX,
					    &tok);
			o->osl = (double)tok;
			break;
		case O_ISLSTD:
			rc = cli_parse_real("--isl-std", optarg, 0,
					    NUM_TOKENS_MAX, &o->isl_std);
			break;
		case O_OSLSTD:
			rc = cli_parse_real("--osl-std", optarg, 0,
					    NUM_TOKENS_MAX, &o->osl_std);
			break;
		case O_CONC:
			rc = cli_parse_long_list("--concurrency", optarg, 1,
						 NUM_CONC_MAX, o->conc,
						 BENCH_MAX_LEVELS, &o->n_conc);
			break;
		case O_REQS:
			rc = cli_parse_long("--requests-per-level", optarg, 1,
					    NUM_COUNT_MAX, &o->requests);
			break;
		case O_DUR:
			rc = cli_parse_duration_s(
			    "--duration-per-level", optarg, NUM_DURATION_MIN_S,
			    NUM_DURATION_MAX_S, &o->duration_s);
			break;
		case O_WARM:
			rc = cli_parse_long("--warmup", optarg, 0,
					    NUM_COUNT_MAX, &o->warmup);
			o->warmup_set = true;
			break;
		case O_RATE:
			rc = cli_parse_rate_list("--request-rate", optarg,
						 o->rates, BENCH_MAX_LEVELS,
						 &o->n_rates);
			break;
		case O_MAXC:
			rc = cli_parse_long("--max-concurrency", optarg, 1,
					    NUM_CONC_MAX, &o->max_conc);
			break;
		case O_GPUS:
			rc = cli_parse_long("--gpus", optarg, 1, NUM_CONC_MAX,
					    &o->gpus);
			break;
		case O_SEED:
			rc = cli_parse_long("--seed", optarg, 0, 0x7fffffffL,
					    &o->seed);
			break;
		case O_TIMEOUT:
			rc = cli_parse_duration_s(
			    "--timeout", optarg, NUM_DURATION_MIN_S,
			    NUM_DURATION_MAX_S, &o->timeout_s);
			break;
		case O_MAXERR:
			rc = cli_parse_real("--max-error-rate", optarg, 0, 1,
					    &o->max_error_rate);
			break;
		case O_SLA:
			if (summary_parse_sla(optarg, &o->sla, err, sizeof err))
				rc = cli_usage_error("bench", "--sla: %s", err);
			break;
		case O_HEADER:
			if (o->n_headers >= SESSION_MAX_HEADERS ||
			    !strchr(optarg, ':'))
				rc = cli_usage_error(
				    "bench",
				    "--header: expected 'Key: Value' (at most "
				    "%d), got '%s'",
				    SESSION_MAX_HEADERS, optarg);
			else
				o->headers[o->n_headers++] = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	if (*done)
		return 0;
	if (optind < argc)
		return cli_usage_error("bench", "unexpected argument '%s'",
				       argv[optind]);
	if (session_check_opts(o, err, sizeof err))
		return cli_usage_error("bench", "%s", err);
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

static void show_progress(void *ud, const struct bench_progress *p)
{
	const struct show *sh = ud;
	if (!sh->quiet) {
		bench_progress_write(stderr, p, sh->tty);
		fflush(stderr);
	}
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
	bench_block_overview_header(
	    stdout, p->open_loop || p->replay ? "rate" : "little_N");
	for (size_t i = 0; i < n; i++) {
		char name[64];
		cJSON *sj = bench_level_summary(p, i, name, sizeof name);
		struct level_summary s;
		struct level_info li;
		struct sc_err e = {0};
		if (sj && !summary_from_json(sj, name, &s, &li, &e))
			bench_block_overview_row(stdout, name, &s, &li);
		cJSON_Delete(sj);
	}
}

static void show_note(void *ud, const char *msg)
{
	const struct show *sh = ud;
	if (!sh->quiet)
		fprintf(stderr, "servecal: %s\n", msg);
}

/* --json: every level's summary.json, with its name, as one array. */
static void print_json(const struct bench_plan *p)
{
	cJSON *all = cJSON_CreateArray();
	size_t n = p->replay ? 1 : p->n_levels;
	for (size_t i = 0; i < n; i++) {
		char name[64];
		cJSON *sj = bench_level_summary(p, i, name, sizeof name);
		if (sj) {
			cJSON_AddStringToObject(sj, "level", name);
			cJSON_AddItemToArray(all, sj);
		}
	}
	char *txt = cJSON_Print(all);
	puts(txt);
	free(txt);
	cJSON_Delete(all);
}

/* The exit code of a run whose levels ran, with the reason on stderr. */
static int outcome_exit(const struct session_opts *o,
			const struct bench_outcome *oc)
{
	int code = EXIT_OK_;
	if (oc->too_many_errors) {
		fprintf(stderr,
			"servecal: more than %.0f%% of requests failed; "
			"stopped (%s; records in %s)\n",
			o->max_error_rate * 100, oc->first_failure, o->out);
		code = EXIT_RUNTIME;
	} else if (oc->levels_failed) {
		fprintf(stderr,
			"servecal: %zu of %zu level(s) had no successful "
			"request (%s; records in %s)\n",
			oc->levels_failed, oc->levels_run, oc->first_failure,
			o->out);
		code = EXIT_RUNTIME;
	}
	if (oc->interrupted) {
		fprintf(stderr,
			"servecal: interrupted; finished requests are in %s "
			"(rerun with --resume)\n",
			o->out);
		code = EXIT_RUNTIME;
	}
	return code;
}

static int run(int argc, char **argv)
{
	struct session_opts o;
	bool done = false;
	int rc = parse(argc, argv, &o, &done);
	if (rc || done)
		return rc;
	struct show sh = {.tty = isatty(STDERR_FILENO),
			  .quiet = o.quiet,
			  .table = !o.json && !o.quiet};
	struct bench_hooks hooks = {show_skipped, show_progress, show_level,
				    show_note, &sh};
	struct session_outcome *so = xcalloc(1, sizeof *so);
	struct sc_err e = {0};
	rc = session_run(&o, &argc, &argv, &hooks, catch_signals, &stop_flag,
			 so, &e);
	int code = EXIT_OK_;
	if (so->rank0_stopped)
		code = EXIT_RUNTIME; /* rank 0 says why */
	else if (rc == SC_EINVAL)
		code = cli_usage_error("bench", "%s", e.msg);
	else if (rc)
		code = cli_fail(&e);
	if (so->levels_ran) {
		const struct bench_plan *p = &so->plan;
		if (sh.table && !p->replay && p->n_levels > 1)
			show_overview(p, p->n_levels);
		int oc = outcome_exit(&o, &so->bench);
		if (!code)
			code = oc;
		if (o.json)
			print_json(p);
	}
	fflush(stdout);
	fflush(stderr);
	session_outcome_release(so);
	free(so);
	return code;
}

const struct cli_command cli_cmd_bench = {
    .name = "bench",
    .summary = "drive an endpoint at swept concurrencies or rates; write "
	       "records and summaries",
    .usage = usage,
    .run = run,
};
