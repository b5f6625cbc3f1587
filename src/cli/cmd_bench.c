/* `servecal bench`: drives an OpenAI-compatible endpoint at swept
 * concurrencies (closed loop) or request rates (open loop) and writes
 * per-request records and per-level summaries as they happen. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/stop.h"
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
    "usage: servecal bench --url URL [--model NAME] [--isl N] [--osl N]\n"
    "         [--concurrency N,N.. | --request-rate R,R.. | --dataset "
    "TRACE] [options]\n\n"
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
    "(profile_export.jsonl, profile_export_aiperf.json and .csv).\n";

static const char notes[] =
    "--sla limits TTFT, TPOT, E2E and ITL (ms), each on a statistic of the\n"
    "level (mean, p50, p90, p95, p99; defaults TTFT p90, TPOT mean, E2E p90,\n"
    "ITL mean). Attainment is the share of non-warm-up requests meeting a "
    "limit\n"
    "(a failed request meets none); goodput counts those meeting all of them.\n"
    "--procs N runs each level over N worker processes, each pinned to a "
    "core:\n"
    "streams split (closed loop) or one schedule dealt out (open loop); "
    "records\n"
    "merge into one level. Under mpirun -np R or srun --mpi=pmix (servecal\n"
    "built with MPI) the R ranks share each level the same way; rank 0 "
    "writes\n"
    "the results (README.md).\n"
    "The API key comes from OPENAI_API_KEY (never written to results).\n"
    "Exit codes: 0 ok, 1 runtime failure (or too many failed requests),\n"
    "2 usage, 3 bad input file.\n";

extern const struct cli_command cli_cmd_bench;

static int parse_procs(const char *flag, const char *arg, void *opts)
{
	struct session_opts *o = opts;
	if (!strcmp(arg, "auto")) {
		o->procs = procs_available();
		return 0;
	}
	return cli_parse_long(flag, arg, 1, PROCS_MAX, &o->procs);
}

static int parse_sla(const char *flag, const char *arg, void *opts)
{
	char err[256];
	struct session_opts *o = opts;
	if (summary_parse_sla(arg, &o->sla, err, sizeof err))
		return cli_usage_error("bench", "%s: %s", flag, err);
	return 0;
}

static int parse_header(const char *flag, const char *arg, void *opts)
{
	struct session_opts *o = opts;
	if (o->n_headers >= SESSION_MAX_HEADERS || !strchr(arg, ':'))
		return cli_usage_error(
		    "bench", "%s: expected 'Key: Value' (at most %d), got '%s'",
		    flag, SESSION_MAX_HEADERS, arg);
	o->headers[o->n_headers++] = arg;
	return 0;
}

#define O(f) offsetof(struct session_opts, f)
static const struct cli_flag flags[] = {
    CLI_FLAG_STR("url", "URL", O(url),
		 "base URL of the OpenAI-compatible endpoint",
		 .required = true),
    CLI_FLAG_STR("api", "completions|chat", O(api), "the API to call"),
    CLI_FLAG_STR("model", "NAME", O(model), "model name sent in requests"),
    CLI_FLAG_WHOLE("isl", "N", O(isl), 1, NUM_TOKENS_MAX, "prompt tokens"),
    CLI_FLAG_REAL("isl-std", "S", O(isl_std), 0, NUM_TOKENS_MAX,
		  "standard deviation of the prompt tokens"),
    CLI_FLAG_WHOLE("osl", "N", O(osl), 1, NUM_TOKENS_MAX, "output tokens"),
    CLI_FLAG_REAL("osl-std", "S", O(osl_std), 0, NUM_TOKENS_MAX,
		  "standard deviation of the output tokens"),
    CLI_FLAG_LONG_LIST("concurrency", "N,N..", O(conc), O(n_conc),
		       BENCH_MAX_LEVELS, 1, NUM_CONC_MAX,
		       "closed-loop levels: requests in flight", .dflt = "1"),
    CLI_FLAG_LONG("requests-per-level", "N", O(requests), 1, NUM_COUNT_MAX,
		  "measured requests a level (warm-up requests are extra)",
		  .dflt = "10 x N closed, 100 open"),
    CLI_FLAG_DURATION("duration-per-level", "T", O(duration_s),
		      NUM_DURATION_MIN_S, NUM_DURATION_MAX_S,
		      "length of a level instead of a request count"),
    CLI_FLAG_LONG("warmup", "N", O(warmup), 0, NUM_COUNT_MAX,
		  "warm-up requests a level", .dflt = "N closed, 0 open",
		  .given_off = CLI_GIVEN(struct session_opts, warmup_set)),
    CLI_FLAG_RATE_LIST("request-rate", "R,R..", O(rates), O(n_rates),
		       BENCH_MAX_LEVELS, "open-loop levels: requests/s"),
    CLI_FLAG_STR("arrival", "poisson|gamma:K|constant", O(arrival),
		 "arrival process of the open loop (K in [" CLI_STR(
		     NUM_SHAPE_MIN) ", " CLI_STR(NUM_SHAPE_MAX) "])"),
    CLI_FLAG_LONG("max-concurrency", "N", O(max_conc), 1, NUM_CONC_MAX,
		  "open loop: most requests in flight"),
    CLI_FLAG_LONG("gpus", "N", O(gpus), 1, NUM_CONC_MAX,
		  "GPUs of the target, for per-GPU throughput"),
    CLI_FLAG_STR("deployment", "FILE", O(deploy),
		 "deployment spec of the target (GPUs, model, vocabulary)"),
    CLI_FLAG_CUSTOM("sla", "ttft_ms=600,ttft_stat=p90,tpot_ms=16.7,..",
		    parse_sla, "SLA limits for attainment and goodput"),
    CLI_FLAG_STR("dataset", "FILE.jsonl", O(dataset),
		 "prompts (or a Mooncake-style trace) to send"),
    CLI_FLAG_CUSTOM("header", "'K: V'", parse_header,
		    "an extra HTTP header; repeatable"),
    CLI_FLAG_STR("out", "DIR", O(out), "results directory"),
    CLI_FLAG_LONG("seed", "N", O(seed), 0, 0x7fffffffL,
		  "seed of the prompts and the schedule"),
    CLI_FLAG_DURATION("timeout", "T", O(timeout_s), NUM_DURATION_MIN_S,
		      NUM_DURATION_MAX_S, "longest a request may take"),
    CLI_FLAG_REAL("max-error-rate", "F", O(max_error_rate), 0, 1,
		  "share of failed requests that stops the run"),
    CLI_FLAG_SET("json", O(json), "prints every level's summary as JSON"),
    CLI_FLAG_SET("resume", O(resume), "skips levels already complete in DIR"),
    CLI_FLAG_SET("quiet", O(quiet), "no progress and no tables"),
    CLI_FLAG_SET("token-times", O(token_times),
		 "adds each output chunk's arrival time (token_ns) to the "
		 "records"),
    CLI_FLAG_LONG("vocab-size", "N", O(vocab), WL_MIN_VOCAB, WL_MAX_VOCAB,
		  "vocabulary the prompt token ids are drawn from"),
    CLI_FLAG_STR("prompts", "ids|text", O(prompts),
		 "token-id arrays or text of one-token words",
		 .dflt = "ids for completions, text for chat"),
    CLI_FLAG_SET("no-probe", O(no_probe), "skips the probe request"),
    CLI_FLAG_CUSTOM("procs", "N|auto", parse_procs,
		    "worker processes a level runs over (N in [1, " CLI_STR(
			PROCS_MAX) "]; auto: the cores this process may use)",
		    .dflt = "1"),
};

static const struct session_opts defaults = {.api = "completions",
					     .isl = 4000,
					     .osl = 500,
					     .out = "results/bench",
					     .seed = 1,
					     .timeout_s = 600,
					     .arrival = "poisson",
					     .max_error_rate = 0.5,
					     .procs = 1};

static const struct cli_flagset flagset = {
    flags, sizeof flags / sizeof flags[0], &defaults, sizeof defaults, false};

static int parse(int argc, char **argv, struct session_opts *o, bool *done)
{
	int first,
	    rc = cli_flags_parse(&cli_cmd_bench, argc, argv, o, &first, done);
	if (rc || *done)
		return rc;
	char err[256];
	if (session_check_opts(o, err, sizeof err))
		return cli_usage_error("bench", "%s", err);
	return 0;
}

/* First Ctrl-C: stop cleanly (the loop sees the flag); a second one ends
 * the process at once. */
static void catch_signals(void)
{
	cli_stop_on_signals(true);
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
	/* The table is for the eye; the level's files are the record, so a
	 * write that fails (a closed pipe) stops nothing. */
	if (bench_block_write(stdout, level, s, li) != 0)
		return;
	fflush(stdout);
}

static void show_note(void *ud, const char *msg)
{
	const struct show *sh = ud;
	if (!sh->quiet)
		fprintf(stderr, "servecal: %s\n", msg);
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
	rc = session_run(&o, &argc, &argv, &hooks, catch_signals,
			 &cli_stop_flag, so, &e);
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
			bench_block_overview(stdout, p);
		int oc = outcome_exit(&o, &so->bench);
		if (!code)
			code = oc;
		if (o.json) {
			cJSON *all = bench_summaries_json(p);
			char *txt = cJSON_Print(all);
			puts(txt);
			free(txt);
			cJSON_Delete(all);
		}
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
    .flags = &flagset,
    .notes = notes,
};
