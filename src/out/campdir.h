/* Reads a campaign directory (what `servecal campaign` writes) into small
 * structs for the plot and report writers: the campaign file, environment,
 * manifest, per-deployment summaries, fit.json and the match directories.
 * Only campaign.json is required; every other missing or unreadable piece is
 * recorded as a note so the report can say what is missing. */
#ifndef SC_CAMPDIR_H
#define SC_CAMPDIR_H
#include <stdbool.h>
#include <stddef.h>

#include "out/csvtab.h"
#include "util/err.h"

#define CAMPDIR_NAME_MAX 128
#define CAMPDIR_MAX_SLAS 16

/* Latency statistics of one level; NAN where absent (e.g. no sample). */
struct campdir_stats {
	double n, mean, std, min, p50, p90, p95, p99, max;
};

/* One concurrency level of one deployment (cN/summary.json). */
struct campdir_level {
	long concurrency, gpus;
	long req_total, req_ok, req_failed, req_warmup;
	char reasons[256]; /* "reason: count, ..." from by_reason */
	struct campdir_stats ttft_ms, tpot_ms, itl_ms, e2e_ms;
	double window_s, tokens_per_s, req_per_s, tokens_per_s_per_gpu,
		tokens_per_s_per_user;
};

struct campdir_deploy {
	char name[CAMPDIR_NAME_MAX];
	char mode[16];     /* "agg", "disagg" or "" when unknown */
	char status[16];   /* manifest step "bench:NAME": done, failed, ... */
	bool failed;       /* marked failed, or no level has a good request */
	char note[512];    /* why data is missing, "" when complete */
	char step_note[256]; /* the manifest's note on the bench step */
	struct campdir_level *levels; /* sorted by concurrency */
	size_t n_levels;
};

/* The four metrics the fit compares; NAN where absent. */
struct campdir_metrics {
	double ttft_ms, ttft_p90_ms, tpot_ms, tokens_per_s;
};

enum { CAMPDIR_N_METRICS = 4 };
/* Metric i (0..3) of m, in the order of campdir_metric_key. */
double campdir_metric(const struct campdir_metrics *m, int i);
/* "ttft_ms", "ttft_p90_ms", "tpot_ms", "tokens_per_s". */
const char *campdir_metric_key(int i);
/* Human label with unit, e.g. "TTFT mean (ms)": the fit compares means of
 * TTFT and TPOT, the p90 of TTFT, and throughput. */
const char *campdir_metric_label(int i);

struct campdir_fitpoint {
	char deployment[CAMPDIR_NAME_MAX];
	char mode[16];
	long concurrency;
	bool holdout; /* "set": "holdout" */
	/* projected: calibrated; for a held-out point the projection of the
	 * fit that did not see it ("projected_held_out") when given. */
	struct campdir_metrics measured, projected, prior;
};

struct campdir_param {
	char name[32], unit[16];
	double value, sigma, prior;
	bool free;
};

struct campdir_corr {
	char a[32], b[32];
	double r;
};

struct campdir_fit {
	bool present;
	bool converged;
	char status[256], model[64], gpu[64], backend[64], holdout[16];
	long iterations;
	double chi2, dof, chi2_dof;
	struct campdir_param *params;
	size_t n_params;
	struct campdir_corr *corrs;
	size_t n_corrs;
	char not_identifiable[512]; /* comma separated, "" when none */
	struct campdir_fitpoint *points;
	size_t n_points;
	struct campdir_metrics mape_in, mape_out, mape_prior;
};

/* One configuration of best.json. */
struct campdir_config {
	bool present;
	char config[256], mode[16];
	double gpus, tokens_per_s_per_gpu, tokens_per_s_per_user, ttft_ms,
		tpot_ms, req_per_s, concurrency;
};

/* One point of a matching table. */
struct campdir_mpoint {
	char config[256], mode[16];
	double tokens_per_s_per_user, tokens_per_s_per_gpu, ttft_ms, tpot_ms;
	bool feasible;
};

/* DIR/match/SOURCE-ttftMS/. */
struct campdir_match {
	char name[CAMPDIR_NAME_MAX]; /* directory name */
	char source[32];             /* "calibrated", "prior" */
	double ttft_sla_ms, tpot_sla_ms;
	struct campdir_mpoint *points; /* agg.csv then disagg.csv */
	size_t n_points;
	struct campdir_mpoint *front; /* pareto.csv */
	size_t n_front;
	bool best_present;
	struct campdir_config best_agg, best_disagg;
	double disagg_over_agg; /* NAN when absent or null */
	char note[512];         /* missing or unreadable files */
};

struct campdir_kv {
	char key[64], value[256];
	char note[256]; /* manifest steps: the step's note, "" when none */
};

struct campdir {
	char *dir;
	char name[CAMPDIR_NAME_MAX];
	long isl, osl, total_gpus;
	double ttft_slas_ms[CAMPDIR_MAX_SLAS];
	size_t n_ttft_slas;
	double tpot_sla_ms; /* NAN when the SLA is given as tokens/s/user */
	double min_tokens_per_s_user; /* 1000 / tpot when only TPOT given */
	struct campdir_kv *env;
	size_t n_env;
	struct campdir_kv *steps; /* manifest steps in file order: status in
				   * value, note in note */
	size_t n_steps;
	struct campdir_deploy *deploys;
	size_t n_deploys;
	struct campdir_fit fit;
	struct campdir_match *matches; /* sorted by name */
	size_t n_matches;
	char **notes; /* missing pieces, one sentence each */
	size_t n_notes;
};

/* Reads dir into c (initialised here). Returns SC_OK, or SC_EINPUT when dir
 * or dir/campaign.json is missing or malformed (named in e). Other problems
 * become notes. Release c with campdir_release in every case. */
int campdir_load(const char *dir, struct campdir *c, struct sc_err *e);
void campdir_release(struct campdir *c);
/* Value of key in the environment list, or "" when absent. */
const char *campdir_env(const struct campdir *c, const char *key);
/* The deployment named name, or NULL. */
const struct campdir_deploy *campdir_find_deploy(const struct campdir *c,
						 const char *name);
/* The match directory for source at TTFT SLA ttft_ms, or NULL. */
const struct campdir_match *campdir_find_match(const struct campdir *c,
					       const char *source,
					       double ttft_ms);

#endif
