/* Configuration search: what a `servecal match` run asks (model, GPU,
 * workload, SLAs, GPU budget) and what it finds (ranked feasible configs of
 * each mode, their Pareto fronts, and why nothing fits when nothing does).
 * The model parameters come in as a struct, so where they were read from
 * (defaults, a params file, the perf database) is the caller's choice. */
#ifndef SC_PLAN_H
#define SC_PLAN_H
#include <stdbool.h>
#include <stddef.h>

#include "model/deploy.h"
#include "model/params.h"
#include "model/perf.h"
#include "model/step.h"
#include "util/err.h"

/* The zero value is the convention of analytical tools (both on the
 * mean); servecal's CLI defaults to TTFT p90, TPOT mean. */
struct plan_sla {
	double ttft_s; /* TTFT at ttft_stat <= this */
	double tpot_s; /* TPOT at tpot_stat <= this (tokens/s/user >= 1 /
			  tpot_s) */
	enum stat_sel ttft_stat, tpot_stat;
	/* Headroom on TTFT, in prompts: a configuration is feasible when
	 * TTFT at ttft_stat plus this many of its own prompt times
	 * (perf_point.prefill_s) is within ttft_s. Queueing quantizes TTFT
	 * in prompt times, and which quantum a percentile falls in is the
	 * projection's most fragile part (0: none). */
	double ttft_margin_prompts;
	/* Headroom on load: a configuration runs at the largest concurrency
	 * n whose SLAs still hold with n * (1 + load_margin) users, so a
	 * deployment a little slower than projected, or a little busier,
	 * is not past its knee (0: none). */
	double load_margin;
};
/* Ranges of ttft_margin_prompts and load_margin. */
#define PLAN_MAX_MARGIN_PROMPTS 10.0
#define PLAN_MAX_LOAD_MARGIN	1.0

/* What configurations are ranked by. */
enum plan_objective {
	PLAN_PER_GPU, /* tokens/s per GPU the configuration uses */
	PLAN_TOTAL,   /* tokens/s of the whole deployment within the budget */
	PLAN_USERS,   /* concurrent users served within the SLAs (capacity) */
};
/* The words plan_objective_parse accepts, for an error message. */
#define PLAN_OBJECTIVE_CHOICES "per-gpu, total or users"
/* "per-gpu", "total", "users": the option's, campaign's and best.json's
 * word. */
const char *plan_objective_name(enum plan_objective o);
/* What the ranking is by, for a sentence: "tokens/s per GPU used". */
const char *plan_objective_desc(enum plan_objective o);
/* 0 and *o for one of the words; -1 for anything else. */
int plan_objective_parse(const char *s, enum plan_objective *o);

struct plan_query {
	const struct model_spec *m;
	const struct gpu_spec *g;
	enum dtype wdtype, kvdtype;
	const struct model_params *p;
	char backend[32];
	/* Catalog names written into deployment files ("" = inline spec). */
	char model_ref[256], gpu_ref[256];
	struct perf_workload wl;
	struct plan_sla sla;
	long total_gpus;
	long max_gpus_per_worker;
	enum plan_objective objective;
	struct kv_link link;
	bool do_agg, do_disagg;
	bool exhaustive; /* every probe with the full projection, no screening
			    (slow: what the screening must not change) */
	struct sim_draws *draws; /* the simulations' shared per-request draws
				    (plan_search sets it; NULL: none) */
};

/* One deployment the search considered. Agg: w[0] (count = replicas).
 * Disagg: w[0] prefill (count = x), w[1] decode (count = y). */
struct plan_config {
	enum deploy_mode mode;
	struct worker_spec w[2];
	long replicas; /* copies of the unit (agg: workers; disagg: gcd) */
	long unit_x, unit_y; /* disagg xPyD unit */
	long gpus;
	double concurrency; /* closed-loop users to run it at */
	struct perf_point perf;
	bool feasible;
};

/* Which constraint keeps every configuration out. */
enum plan_bind {
	PLAN_BIND_NONE = 0,
	PLAN_BIND_MEMORY, /* no worker shape fits the model and one sequence */
	PLAN_BIND_TTFT,
	PLAN_BIND_TPOT,
	PLAN_BIND_GPUS, /* workers meet the SLAs but no deployment fits */
};

struct plan_miss {
	enum plan_bind bind;
	bool have_nearest;	    /* nearest is an evaluated config */
	struct plan_config nearest; /* smallest max(TTFT/SLA, TPOT/SLA) */
	char detail[256];	    /* one line for the user */
};

struct plan_mode_result {
	struct plan_config *cfg; /* feasible configs, best first (objective) */
	size_t n;
	size_t *front; /* indices into cfg on the Pareto front, by user speed */
	size_t n_front;
	long evaluated; /* configurations evaluated with the model */
	long matched;	/* disagg: prefill x decode candidate pairs matched */
	struct plan_miss miss; /* meaningful when n == 0 */
};

struct plan_result {
	struct plan_mode_result agg, disagg;
};

/* Checks the query: positive SLAs, workload and budget, supported dtypes.
 * SC_OK or SC_EINVAL naming the field. */
int plan_query_check(const struct plan_query *q,
		     struct sc_err *e) SC_MUST_CHECK;

/* Frees what plan_search (plan/search.h) put in r. */
void plan_result_release(struct plan_result *r);

/* The search's model context for q. */
void plan_ctx(const struct plan_query *q, struct model_ctx *c);

/* The one notation of a configuration, e.g. "4x TP2 (batch 32, 8192
 * tokens)" (agg) or "2P TP2 (batch 2) + 6D TP1 (batch 48) as 2x 1P3D"
 * (disagg; the "as" part only when the xPyD unit is replicated). */
void plan_config_name(const struct plan_config *cfg, char *buf, size_t len);

/* Parallelism in short: "tp2", "tp2pp2", "tp1dp8ep4" (parts of 1 left out). */
void plan_shape_name(const struct worker_shape *s, char *buf, size_t len);

/* Fills d (deploy_release it) with the deployment for cfg. */
void plan_config_deploy(const struct plan_query *q,
			const struct plan_config *cfg, const char *name,
			struct deploy_spec *d);

const char *plan_bind_name(enum plan_bind b);

/* TTFT of pt at sla's statistic plus sla's margin: what the TTFT SLA is
 * checked against, seconds. */
double plan_ttft_checked_s(const struct plan_sla *sla,
			   const struct perf_point *pt);

/* Ranking: true when a is better than b under objective o. PLAN_PER_GPU:
 * tokens/s/gpu, then tokens/s in all, then tokens/s/user, then fewer GPUs;
 * PLAN_TOTAL: tokens/s in all first, then tokens/s/gpu, and so on;
 * PLAN_USERS: the concurrency the configuration runs at (the users it
 * serves within the SLAs) first, then as PLAN_TOTAL. */
bool plan_config_better(const struct plan_config *a,
			const struct plan_config *b, enum plan_objective o);

#endif
