/* Writing search results: CSV tables (agg.csv, disagg.csv, pareto.csv), the
 * JSON summary (best.json, also `match --json`), and the best configs as
 * deployment spec files. */
#ifndef SC_PLAN_OUT_H
#define SC_PLAN_OUT_H
#include <stdio.h>

#include <cjson/cJSON.h>

#include "plan/plan.h"
#include "util/csvtab.h"

/* The files plan_write_dir writes into its directory. */
#define PLAN_AGG_CSV	"agg.csv"
#define PLAN_DISAGG_CSV "disagg.csv"
#define PLAN_PARETO_CSV "pareto.csv"
#define PLAN_BEST_JSON	"best.json"

/* Header and one row per config of r (ranked order), columns from a table;
 * the first seven are tokens_per_s_per_user, tokens_per_s_per_gpu, ttft_ms,
 * tpot_ms, config, mode, feasible. Returns SC_OK or SC_ERUNTIME. */
int plan_write_csv(const char *path, const struct plan_mode_result *r,
		   struct sc_err *e) SC_MUST_CHECK;
/* The Pareto fronts of both modes (first seven columns only). */
int plan_write_pareto_csv(const char *path, const struct plan_result *r,
			  struct sc_err *e) SC_MUST_CHECK;

/* A table plan_write_csv or plan_write_pareto_csv wrote, read back (the
 * reader beside the writer). Columns are found by name, so tables of
 * older versions, with fewer columns, read too. */
struct plan_csv {
	struct csvtab tab;
};

/* One row of such a table. */
struct plan_csv_row {
	char config[256], mode[16];
	double tokens_per_s_per_user, tokens_per_s_per_gpu, ttft_ms, tpot_ms;
	double ttft_at_stat_ms; /* at the statistic asked for; NAN: no column */
	bool feasible;		/* true when the table has no such column */
};

/* Reads path into t (released with plan_csv_release in every case).
 * SC_OK, or SC_EINPUT naming the file (missing, malformed). */
int plan_csv_load(const char *path, struct plan_csv *t,
		  struct sc_err *e) SC_MUST_CHECK;
void plan_csv_release(struct plan_csv *t);
/* True when t has rows but not the TTFT column of statistic s (tables
 * carry the mean's and p90's). */
bool plan_csv_lacks_ttft(const struct plan_csv *t, enum stat_sel s);
/* Appends t's rows to *rows (grown with xgrow: *n used, *cap allocated),
 * with ttft_at_stat_ms from ttft_stat's column and mode_default for an
 * empty mode cell. */
void plan_csv_rows(const struct plan_csv *t, enum stat_sel ttft_stat,
		   const char *mode_default, struct plan_csv_row **rows,
		   size_t *n, size_t *cap);

/* One config as JSON (caller frees). */
cJSON *plan_config_to_json(const struct plan_query *q,
			   const struct plan_config *cfg);
/* The query, best of each mode (or why none), the disagg/agg ratio, the top
 * `top` of each mode and the configuration counts. Caller frees. */
cJSON *plan_result_to_json(const struct plan_query *q,
			   const struct plan_result *r, size_t top);

/* disagg tokens/s/gpu over agg tokens/s/gpu of the best configs; 0 when
 * either mode has none. */
double plan_gain(const struct plan_result *r);

/* Writes agg.csv, disagg.csv, pareto.csv, best.json, and deploy-agg.json /
 * deploy-disagg.json (deploy_save format) for the best configs into dir,
 * creating dir and its parents if needed. */
int plan_write_dir(const char *dir, const struct plan_query *q,
		   const struct plan_result *r, size_t top,
		   struct sc_err *e) SC_MUST_CHECK;

/* What best.json says of one mode's recommendation, read back (the
 * reader beside the writer). */
struct plan_best {
	bool present; /* the mode was searched and something fits */
	char config[256];
	double concurrency;
	long gpus;
	double isl, osl;
	double sla_ttft_ms, sla_tpot_ms;
	enum stat_sel ttft_stat, tpot_stat;
	double ttft_at_stat_ms, tpot_at_stat_ms; /* projected */
	double tokens_per_s_per_gpu;
};

/* Reads DIR/best.json for mode. SC_OK (b->present false when that mode
 * has no recommendation), or SC_EINPUT naming the file and field. */
int plan_best_read(const char *dir, enum deploy_mode mode, struct plan_best *b,
		   struct sc_err *e) SC_MUST_CHECK;

/* One mode of best.json as the report shows it: the winner's figures or
 * why there is none. Numbers NAN where absent (files of older versions). */
struct plan_file_config {
	bool present;  /* a winner */
	char why[400]; /* when absent: why nothing qualified, if said */
	char config[256], mode[16];
	double gpus, gpus_idle, tokens_per_s, tokens_per_s_per_gpu,
	    tokens_per_s_per_user, ttft_ms, tpot_ms, req_per_s, concurrency;
	double ttft_at_stat_ms; /* TTFT at the SLA statistic */
};

/* best.json as the report shows it. */
struct plan_file {
	bool has_query;		 /* "query" (or "sla" in older files) */
	double ttft_ms, tpot_ms; /* the SLA limits; NAN when absent */
	enum stat_sel ttft_stat, tpot_stat; /* the defaults given when absent */
	char objective[16];		    /* "" when unsaid */
	double total_gpus;		    /* NAN when absent */
	struct plan_file_config agg, disagg;
	double disagg_over_agg, disagg_over_agg_total; /* NAN: absent or null */
};

/* Reads best.json content j into f, tolerant of absent pieces; statistics
 * the file does not name are ttft_stat and tpot_stat. A winner without
 * "ttft_at_sla_stat_ms" gets the projection's key of the statistic. */
void plan_from_json(const cJSON *j, enum stat_sel ttft_stat,
		    enum stat_sel tpot_stat, struct plan_file *f);

#endif
