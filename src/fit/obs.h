/* Observations for calibration: measured points of one or more deployments,
 * read from `servecal bench` (or `servecal import`) result directories.
 * Each point is projected under the load it was measured with: closed-loop
 * users, an open-loop request rate, every request at once, or one pool of
 * a disaggregated deployment loaded alone (metrics/table.h). */
#ifndef SC_OBS_H
#define SC_OBS_H
#include <stdbool.h>
#include <stddef.h>

#include "model/deploy.h"
#include "metrics/table.h"
#include "model/perf.h"
#include "util/err.h"

/* The metrics a point is compared on. OM_OUTSIDE is TTFT minus the
 * engine's own prompt time (llama.cpp reports it): frontend and waiting
 * for a slot, measured only where the server sends its timings. OM_TPOT is
 * the mean ITL where a source gives no TPOT (both are the mean gap between
 * output tokens). OM_INPUT_TPS is prompt tokens per second (a prefill pool
 * loaded alone). OM_TTFT_P99 counts only for levels of OBS_MIN_N_P99
 * requests or more. A point fits the metrics it has. */
enum obs_metric {
	OM_TTFT,
	OM_TTFT_P90,
	OM_TPOT,
	OM_TPS,
	OM_OUTSIDE,
	OM_TTFT_P50,
	OM_TPOT_P50,
	OM_INPUT_TPS,
	OM_TTFT_P99,
	OM_TPOT_P90,
	OM_COUNT
};
/* Requests a level needs before its TTFT p99 is fitted: below this the
 * p99 is one or two samples, not a tail. */
#define OBS_MIN_N_P99 100

struct obs_metric_info {
	const char *key;   /* "ttft_ms" */
	const char *label; /* "TTFT mean" */
	double scale;	   /* value in the key's unit = SI value * scale */
	double floor_rel;  /* smallest relative error a residual is weighted
			      with: model error, not sampling, dominates */
};
extern const struct obs_metric_info obs_metrics[OM_COUNT];

struct obs_point {
	size_t deploy;	      /* index into obs_set.deploys */
	char level[64];	      /* its directory ("c8", "r2.5", "burst") */
	enum table_load load; /* how it was loaded */
	double concurrency;   /* closed-loop users, or a decode pool's batch */
	double rate_per_s;    /* open loop: request rate */
	double iter_tokens;   /* prefill pool alone: prompt tokens an iteration
				 (0: the worker's token budget) */
	long requests;	      /* measured requests of the level (0: unknown) */
	long warmup;	      /* its warm-up requests (0: unknown) */
	struct perf_workload wl; /* measured mean input and output tokens */
	double
	    value[OM_COUNT]; /* seconds (TTFT, TPOT) or tokens/s; 0 = missing */
	double rel_se[OM_COUNT]; /* relative standard error of each value */
	bool holdout;		 /* not used to fit */
};

struct obs_set {
	struct deploy_spec *deploys;
	char **deploy_dirs; /* where each deployment's results came from */
	size_t n_deploys;
	struct obs_point *points;
	size_t n_points;
	/* Per-request draws shared by the projections' simulations (sim.h),
	 * or NULL; not owned (calib_run sets it for a fit). */
	struct sim_draws *draws;
};

/* Adds the result directory dir (DIR/run.json, DIR/LEVEL/summary.json for
 * every level: cN, rR, and the levels of `servecal import table`, whose
 * summary says its load). The deployment is `override` when non-NULL,
 * else DIR/deployment.json. Levels without any successful request, or
 * without input and output lengths, are skipped and counted in *skipped.
 * SC_EINPUT naming file and field on bad input. */
int obs_add_dir(struct obs_set *s, const char *dir, const char *override,
		size_t *skipped, struct sc_err *e) SC_MUST_CHECK;
/* Adds one point directly (tests, synthetic data). */
void obs_add_point(struct obs_set *s, const struct obs_point *p);
/* Adds a deployment (copied; the set owns the copy). Returns its index. */
size_t obs_add_deploy(struct obs_set *s, const struct deploy_spec *d,
		      const char *dir);
/* Orders points of one deployment by load (closed, open, burst, then the
 * pools alone; each by users, rate or prompt length), then by workload:
 * negative, 0 or positive like strcmp. */
int obs_point_cmp(const struct obs_point *a, const struct obs_point *b);
/* SC_EINPUT when the set cannot be fitted: under two points, one
 * load level only, NaN values, deployments of different models or
 * GPUs. */
int obs_check(const struct obs_set *s, struct sc_err *e) SC_MUST_CHECK;
void obs_release(struct obs_set *s);
/* Replaces every deployment's model spec with model's, GPU spec with
 * gpu's and backend name with backend, each when non-NULL (results whose
 * files name another model, or imports). The loaders' status on failure,
 * s unchanged. */
int obs_override(struct obs_set *s, const char *model, const char *gpu,
		 const char *backend, struct sc_err *e) SC_MUST_CHECK;

/* Projects point p with params under its own load: fills value[] like a
 * measurement (NAN where the load defines no such metric). An open-loop
 * level without a request count that the deployment cannot keep up with
 * gets an infinite TTFT: its queue grows for as long as the load lasts.
 * SC_ENOFIT (message in e) when the configuration does not fit in memory;
 * SC_EINVAL for a load the model cannot run. */
int obs_project(const struct obs_set *s, const struct obs_point *p,
		const struct model_params *params, double out[OM_COUNT],
		struct sc_err *e) SC_MUST_CHECK;

#endif
