/* A bench run: the probe request that checks the endpoint before a sweep,
 * then one load level after another (closed-loop concurrencies, open-loop
 * rates, or a trace replay), each written to its results directory as it
 * runs. The command layer parses flags into a bench_plan and prints from
 * the hooks; everything else happens here. */
#ifndef SC_BENCH_H
#define SC_BENCH_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "load/arrival.h"
#include "load/loop.h"
#include "load/wl.h"
#include "metrics/summary.h"
#include "net/http.h"
#include "util/err.h"

#define BENCH_MAX_LEVELS 64

struct ranks;

struct bench_plan {
	const char *ep; /* request URL (endpoint_url) */
	const char *out_dir;
	const char *model; /* served model's name (AIPerf exports) */
	bool open_loop;	   /* levels are request rates */
	bool replay;	   /* one level replaying the trace's timestamps */
	double levels[BENCH_MAX_LEVELS];
	size_t n_levels;
	long requests;	      /* measured requests per level; 0: default */
	double duration_s;    /* per level when requests == 0 (> 0) */
	long warmup;	      /* -1: one round (closed) or none (open) */
	long max_concurrency; /* open loop cap, 0 none */
	enum arrival_kind arrival;
	double arrival_shape;
	long seed;
	double timeout_s;
	double max_error_rate;
	double isl, osl; /* requested means (summaries) */
	long gpus;	 /* <= 0 unknown */
	struct sla sla;
	bool resume;	     /* skip levels whose records agree with their
				complete summary */
	bool token_times;    /* token_ns in the records */
	unsigned procs;	     /* worker processes per level (load/procs.h);
				0 or 1: this process runs the loop */
	struct ranks *ranks; /* MPI ranks sharing each level (load/ranks.h),
				NULL: none */
	volatile sig_atomic_t *stop;
};

/* Where a run stands: the level's counts and running medians (measured
 * requests only: warm-up excluded), its elapsed time, and the time left in
 * the level and in the whole run (estimates; NaN when unknown yet). */
struct bench_progress {
	const char *level;
	size_t index, n_levels; /* level index + 1 of n_levels */
	size_t done, failed;	/* records so far (warm-up included) */
	long planned;		/* requests planned, -1: until a time */
	double ttft_p50_ms, tpot_p50_ms;
	double level_elapsed_s, level_left_s;
	double run_elapsed_s, run_left_s;
	bool final; /* the level has ended (its summary is
		       written; medians are the summary's) */
};

/* The time left in level i of p and after it, given that level i has run
 * for elapsed_s with `done` of its `planned` requests finished (planned <
 * 0: a timed level). Level i: its duration less the elapsed time, or the
 * elapsed time per finished request times those still to finish. Later
 * levels: their request count over their rate (open loop), their duration,
 * or (closed loop) their rounds (requests over concurrency) at level i's
 * time per round. NaN where nothing is known yet. */
void bench_eta(const struct bench_plan *p, size_t i, double elapsed_s,
	       size_t done, long planned, double *level_left_s,
	       double *run_left_s);

/* What the command layer shows while a run goes on. Any may be NULL. */
struct bench_hooks {
	void (*level_skipped)(void *ud, const char *level);
	/* About every quarter second while a level runs, and once with
	 * final set when it has ended. */
	void (*progress)(void *ud, const struct bench_progress *p);
	void (*level_done)(void *ud, const char *level,
			   const struct level_summary *s,
			   const struct level_info *li, const cJSON *summary);
	/* A warning about the run that does not stop it. */
	void (*note)(void *ud, const char *msg);
	void *ud;
};

/* How the run ended beyond its status. */
struct bench_outcome {
	size_t levels_run;    /* levels measured now (not skipped) */
	size_t levels_failed; /* measured levels with no successful request */
	bool too_many_errors; /* a level exceeded max_error_rate: run stopped */
	bool interrupted;     /* the stop flag ended it */
	char first_failure[REQ_ERROR_MAX + 64]; /* reason: message of the
						   first failed level */
};

/* The probe: one request with the workload's first prompt before any
 * level. SC_ERUNTIME with the server's own message when it fails, or when
 * the server's usage.prompt_tokens differs from the prompt's length (token
 * ids), after one correction for what the server adds to text prompts
 * (text: w->text_overhead is set from the answer). *prompt_tokens_checked
 * says whether the server reported usage at all. */
int bench_probe(struct http_driver *d, struct workload *w, const char *ep,
		double timeout_s, bool *prompt_tokens_checked,
		struct sc_err *e) SC_MUST_CHECK;

/* Runs every level of p in order against d. Returns SC_OK when every level
 * ran (see out for failed levels and early stops), or the status of an I/O
 * or driver failure with e filled; records already written stay. */
int bench_run(const struct bench_plan *p, struct http_driver *d,
	      struct workload *w, const struct bench_hooks *h,
	      struct bench_outcome *out, struct sc_err *e) SC_MUST_CHECK;

/* DIR/LEVEL/summary.json of level i of p as written (NULL when it has
 * none or it does not parse), with the level's name in name. Caller
 * frees. */
cJSON *bench_level_summary(const struct bench_plan *p, size_t i, char *name,
			   size_t cap);

/* Every level's summary.json of p (one, for a replay), each with its name
 * as "level", as one array; levels without a summary are left out. Caller
 * frees. */
cJSON *bench_summaries_json(const struct bench_plan *p);

/* The level directory name of level i of p ("c8", "r2.5", "replay"). */
void bench_level_name(const struct bench_plan *p, size_t i, char *buf,
		      size_t cap);

#endif
