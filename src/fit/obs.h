/* Observations for calibration: measured points of one or more deployments,
 * read from `servecal bench` (or `servecal import`) result directories. */
#ifndef SC_OBS_H
#define SC_OBS_H
#include <stdbool.h>
#include <stddef.h>

#include "model/deploy.h"
#include "model/perf.h"
#include "util/err.h"

/* The metrics a point is compared on. OM_OUTSIDE is TTFT minus the
 * engine's own prompt time (llama.cpp reports it): frontend and waiting
 * for a slot, measured only where the server sends its timings. */
enum obs_metric { OM_TTFT, OM_TTFT_P90, OM_TPOT, OM_TPS, OM_OUTSIDE,
		  OM_COUNT };

struct obs_metric_info {
	const char *key;   /* "ttft_ms" */
	const char *label; /* "TTFT mean" */
	double floor_rel;  /* smallest relative error a residual is weighted
			      with: model error, not sampling, dominates */
};
extern const struct obs_metric_info obs_metrics[OM_COUNT];

struct obs_point {
	size_t deploy;      /* index into obs_set.deploys */
	double concurrency; /* closed-loop users */
	long requests;      /* measured requests of the level (0: unknown) */
	long warmup;        /* its warm-up requests (0: unknown) */
	struct perf_workload wl; /* measured mean input and output tokens */
	double value[OM_COUNT]; /* seconds (TTFT, TPOT) or tokens/s; 0 = missing */
	double rel_se[OM_COUNT]; /* relative standard error of each value */
	bool holdout;            /* not used to fit */
};

struct obs_set {
	struct deploy_spec *deploys;
	char **deploy_dirs; /* where each deployment's results came from */
	size_t n_deploys;
	struct obs_point *points;
	size_t n_points;
};

/* Adds the result directory dir (DIR/run.json, DIR/cN/summary.json). The
 * deployment is `override` when non-NULL, else DIR/deployment.json.
 * Levels without any successful request are skipped with a warning in
 * *skipped (count). SC_EINPUT naming file and field on bad input. */
int obs_add_dir(struct obs_set *s, const char *dir, const char *override,
		size_t *skipped, struct sc_err *e);
/* Adds one point directly (tests, synthetic data). */
void obs_add_point(struct obs_set *s, const struct obs_point *p);
/* Adds a deployment (copied; the set owns the copy). Returns its index. */
size_t obs_add_deploy(struct obs_set *s, const struct deploy_spec *d,
		      const char *dir);
/* SC_EINPUT when the set cannot be fitted: under two points, one
 * concurrency level only, NaN values, deployments of different models or
 * GPUs. */
int obs_check(const struct obs_set *s, struct sc_err *e);
void obs_release(struct obs_set *s);

/* Projects point p with params: fills value[] like a measurement. */
int obs_project(const struct obs_set *s, const struct obs_point *p,
		const struct model_params *params, double out[OM_COUNT],
		struct sc_err *e);

#endif
