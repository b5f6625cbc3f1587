/* A whole bench run from its options: the workload, deployment and
 * endpoint set up, the results directory taken, the probe, run.json, then
 * the levels (load/bench.h), or under MPI the part of a rank that serves
 * rank 0. The command layer parses flags into struct session_opts, calls
 * session_run and prints from the hooks and the outcome. */
#ifndef SC_SESSION_H
#define SC_SESSION_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "load/arrival.h"
#include "load/bench.h"
#include "load/endpoint.h"
#include "metrics/summary.h"
#include "util/err.h"

#define SESSION_MAX_HEADERS 32

/* What the flags say (see `servecal bench --help` for meanings and
 * ranges; parsing checks them). */
struct session_opts {
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
	const char *headers[SESSION_MAX_HEADERS];
	size_t n_headers;
	bool json, resume, quiet, token_times;
	enum arrival_kind arr_kind;
	double arr_shape;
	long procs;
};

/* How a session ended beyond its status. */
struct session_outcome {
	struct bench_plan plan; /* the levels run (names: bench_level_name) */
	struct bench_outcome bench; /* valid when levels ran */
	bool levels_ran;
	bool serving_rank;		/* an MPI rank other than 0: it has
					   nothing to print */
	bool rank0_stopped;		/* a serving rank told by rank 0 not to
					   start (rank 0 says why) */
	char model[ENDPOINT_MODEL_MAX]; /* the served model's name */
	struct ranks *ranks; /* MPI, ended by session_outcome_release */
};

/* Checks the options' combinations (a URL, one kind of level, one limit
 * per level, an arrival process, prompts that fit the API) and parses the
 * arrival process into o. Returns 0, or -1 with a message naming the
 * flags and quoting the value in err. */
int session_check_opts(struct session_opts *o, char *err,
		       size_t cap) SC_MUST_CHECK;

/* Runs the bench that o describes; argc/argv are recorded in run.json
 * (header values redacted) and may be changed by MPI's start. `started`
 * (may be NULL) is called once just before load is sent (the command
 * layer arms its signal handlers there); stop is the flag they set.
 * Returns SC_OK (see out->bench for failed levels and early stops), or
 * SC_EINVAL for flags that only the server's answer shows wrong
 * (--vocab-size, --procs under MPI), SC_EINPUT for a bad dataset or
 * deployment file, SC_ERUNTIME otherwise, with e filled. */
int session_run(struct session_opts *o, int *argc, char ***argv,
		const struct bench_hooks *h, void (*started)(void),
		volatile sig_atomic_t *stop, struct session_outcome *out,
		struct sc_err *e) SC_MUST_CHECK;

/* Ends what the session left running (MPI). Call it after reporting the
 * outcome: under MPI it may not return when a rank died. */
void session_outcome_release(struct session_outcome *out);

#endif
