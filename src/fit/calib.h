/* The calibration procedure around nlls: hold-out splits, bootstrap,
 * identifiability, per-point alignment and MAPE, and fit.json. */
#ifndef SC_CALIB_H
#define SC_CALIB_H
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "fit/nlls.h"

enum holdout_mode { HOLDOUT_NONE, HOLDOUT_LEVELS, HOLDOUT_DEPLOYMENTS };

/* Correlation above which two parameters are reported as not separately
 * identifiable. */
#define CALIB_CORR_LIMIT 0.9
/* A parameter whose fitted log-uncertainty is still above this fraction of
 * its prior width is held by the prior, not the data. */
#define CALIB_PRIOR_DOMINATED 0.5

struct calib_opts {
	struct nlls_opts nlls;
	enum holdout_mode holdout;
	int bootstrap; /* rounds; 0 = Jacobian covariance only; else sigma is
			  the larger of the Jacobian and bootstrap ones */
	unsigned seed;
};

struct calib_result {
	struct nlls_result fit; /* the reported parameters */
	struct model_params prior;
	double prior_width[MP_COUNT];
	bool free[MP_COUNT];
	bool boot_sigma; /* sigma from the bootstrap */
	enum holdout_mode holdout;
	/* Per point: projections with the reported params, the priors, and
	 * (when held out) from a fit that did not see it. */
	double (*proj)[OM_COUNT];
	double (*proj_prior)[OM_COUNT];
	double (*proj_held)[OM_COUNT];
	bool *held; /* point predicted without seeing it */
	double mape_in[OM_COUNT], mape_held[OM_COUNT], mape_prior[OM_COUNT];
	/* the priors' error on the held-out points alone (the fit's
	 * comparison) */
	double mape_prior_held[OM_COUNT];
	size_t n_points;
};

/* Whether a fit may replace what was there before it. */
enum calib_quality {
	CALIB_OK,
	CALIB_NOT_CONVERGED,
	CALIB_WORSE_THAN_PRIORS, /* on the points it did not see (or, with no
				    held-out points, on the ones it did) */
};

/* The verdict on r, and one sentence saying why into why (cap bytes). */
enum calib_quality calib_quality(const struct calib_result *r, char *why,
				 size_t cap);

/* Marks held-out points in s per mode (levels: every other concurrency of
 * each deployment, the lowest always fitted). */
void calib_split(struct obs_set *s, enum holdout_mode m);
/* Runs the whole procedure. SC_EINPUT for degenerate data. A fit that does
 * not converge still fills r (r->fit.converged false). */
int calib_run(struct obs_set *s, const struct calib_opts *o,
	      struct calib_result *r, struct sc_err *e);
void calib_release(struct calib_result *r);
/* fit.json (see README): params with sigma and prior, correlations,
 * points, MAPE, and "quality" {"ok", "verdict", "reason"}. Caller frees. */
cJSON *calib_to_json(const struct obs_set *s, const struct calib_result *r);
const char *holdout_name(enum holdout_mode m);
int holdout_parse(const char *s, enum holdout_mode *m);

#endif
