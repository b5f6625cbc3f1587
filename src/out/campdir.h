/* Reads a campaign directory (what `servecal campaign` writes) into small
 * structs for the plot and report writers: the campaign file, environment,
 * manifest, per-deployment summaries, fit.json, the match directories and
 * any verify.json in them. Only campaign.json is required; every other
 * missing or unreadable piece is recorded as a note so the report can say
 * what is missing. A `servecal bench` directory (cN/summary.json, no
 * campaign.json) reads as a campaign of that one deployment. */
#ifndef SC_CAMPDIR_H
#define SC_CAMPDIR_H
#include <stdbool.h>
#include <stddef.h>

#include "camp/campaign.h"
#include "camp/verify.h"
#include "fit/calib.h"
#include "fit/obs.h"
#include "metrics/summary.h"
#include "plan/plan_out.h"
#include "util/err.h"
#include "util/statsel.h"

#define CAMPDIR_NAME_MAX 128
#define CAMPDIR_MAX_SLAS 16

/* Latency statistics of one level; NAN where absent (e.g. no sample).
 * at[] is indexed by enum stat_sel: mean, p50, p90, p95, p99. */
struct campdir_stats {
	double n, std, min, max;
	double at[STAT_SEL_COUNT];
};

/* One concurrency level of one deployment (cN/summary.json). */
struct campdir_level {
	long concurrency, gpus;
	long req_total, req_ok, req_failed, req_warmup;
	char reasons[256]; /* "reason: count, ..." from by_reason */
	struct campdir_stats ttft_ms, tpot_ms, itl_ms, e2e_ms;
	double window_s, tokens_per_s, req_per_s, tokens_per_s_per_gpu,
	    tokens_per_s_per_user;
	/* The SLA the bench judged the level by (summary.json "sla"; no
	 * limit set when it ran without one), the share of its non-warm-up
	 * requests meeting each limit and all of them, and goodput (requests
	 * meeting all, and their output tokens, per second of the steady
	 * window); NAN where absent. */
	struct sla sla;
	double attainment[SLA_METRIC_COUNT], attainment_all;
	double goodput_req_per_s, goodput_tokens_per_s;
};

struct campdir_deploy {
	char name[CAMPDIR_NAME_MAX];
	char mode[16]; /* "agg", "disagg" or "" when unknown */
	char spec_name[CAMPDIR_NAME_MAX]; /* "name" of its spec, or "" */
	char status[16];     /* manifest step "bench:NAME": done, failed, ... */
	bool failed;	     /* marked failed, or no level has a good request */
	char note[512];	     /* why data is missing, "" when complete */
	char step_note[256]; /* the manifest's note on the bench step */
	struct campdir_level *levels; /* sorted by concurrency */
	size_t n_levels;
};

/* Unit of metric i (OM_*), from its key: "ms" or "tokens/s". */
const char *campdir_metric_unit(int i);

struct campdir_verify {
	bool present, passed;
	char path[64]; /* relative to the match directory */
	double tolerance;
	struct verify_row rows[VERIFY_MODES]; /* agg, disagg (camp/verify.h) */
};

/* DIR/match/SOURCE-ttftMS/. */
struct campdir_match {
	char name[CAMPDIR_NAME_MAX]; /* directory name */
	char source[32];	     /* "calibrated", "prior" */
	double ttft_sla_ms, tpot_sla_ms;
	/* The statistics the SLAs apply to (best.json "query"), else the
	 * campaign's. ttft_col: the statistic of the tables' TTFT column
	 * used for ttft_at_stat_ms (the mean when a table lacks ttft_stat's
	 * column). */
	enum stat_sel ttft_stat, tpot_stat, ttft_col;
	struct plan_csv_row *points; /* agg.csv then disagg.csv */
	size_t n_points;
	struct plan_csv_row *front; /* pareto.csv */
	size_t n_front;
	bool best_present;
	struct plan_file_config best_agg, best_disagg; /* plan/plan_out.h */
	double disagg_over_agg; /* tokens/s/gpu; NAN when absent or null */
	double disagg_over_agg_total; /* total tokens/s; NAN when absent */
	char objective[16]; /* what configs were ranked by, "" if unsaid */
	long total_gpus;    /* the search's GPU budget, else the campaign's */
	struct campdir_verify verify;
	char note[512]; /* missing or unreadable files */
};

struct campdir_kv {
	char key[64], value[256];
	char note[256]; /* manifest steps: the step's note, "" when none */
};

struct campdir {
	char *dir;
	char name[CAMPDIR_NAME_MAX];
	bool bench_only; /* a bench directory, read as one deployment */
	long isl, osl, total_gpus;
	/* campaign.json "slas" as campaign_load reads them */
	struct campaign_sla slas[CAMPAIGN_MAX_SLAS];
	size_t n_slas;
	double ttft_slas_ms[CAMPDIR_MAX_SLAS];
	size_t n_ttft_slas;
	double tpot_sla_ms; /* NAN when the SLA is given as tokens/s/user */
	double min_tokens_per_s_user; /* 1000 / tpot when only TPOT given */
	/* slas.ttft_stat / tpot_stat, else servecal's defaults (p90, mean) */
	enum stat_sel ttft_stat, tpot_stat;
	struct campdir_kv *env;
	size_t n_env;
	struct campdir_kv *steps; /* manifest steps in file order: status in
				   * value, note in note */
	size_t n_steps;
	struct campdir_deploy *deploys;
	size_t n_deploys;
	struct calib_file fit; /* fit.json, through fit/calib.h; deployments
				* renamed to the campaign's names */
	struct campdir_match *matches; /* sorted by name */
	size_t n_matches;
	char **notes; /* missing pieces, one sentence each */
	size_t n_notes;
};

/* Reads dir into c (initialised here). Returns SC_OK, or SC_EINPUT when dir
 * is missing, or has neither campaign.json nor a cN/summary.json, or
 * campaign.json is malformed (named in e). Other problems become notes.
 * Release c with campdir_release in every case. */
int campdir_load(const char *dir, struct campdir *c,
		 struct sc_err *e) SC_MUST_CHECK;
void campdir_release(struct campdir *c);
/* Value of key in the environment list, or "" when absent. */
const char *campdir_env(const struct campdir *c, const char *key);
/* The deployment named name, or NULL. */
const struct campdir_deploy *campdir_find_deploy(const struct campdir *c,
						 const char *name);
/* d's mode: from its spec, else from its fit points, else "agg". */
const char *campdir_deploy_mode(const struct campdir *c,
				const struct campdir_deploy *d);
/* The match directory for source at TTFT SLA ttft_ms, or NULL. */
const struct campdir_match *
campdir_find_match(const struct campdir *c, const char *source, double ttft_ms);
/* True when level l meets TTFT <= ttft_ms at ttft_stat and TPOT <= tpot_ms
 * at tpot_stat (a NAN SLA is not checked); false without good requests. */
bool campdir_level_meets(const struct campdir_level *l, double ttft_ms,
			 enum stat_sel ttft_stat, double tpot_ms,
			 enum stat_sel tpot_stat);

#endif
