/* The calibration procedure around nlls: hold-out splits, bootstrap,
 * identifiability, per-point alignment and MAPE, and fit.json. */
#ifndef SC_CALIB_H
#define SC_CALIB_H
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "fit/nlls.h"
#include "util/err.h"

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
	      struct calib_result *r, struct sc_err *e) SC_MUST_CHECK;
void calib_release(struct calib_result *r);
/* fit.json (see README): params with sigma and prior, correlations,
 * points, MAPE, and "quality" {"ok", "verdict", "reason"}. Caller frees. */
cJSON *calib_to_json(const struct obs_set *s, const struct calib_result *r);

/* fit.json read back: what the report and the plots show of a fit. Metric
 * values are in the file's units (obs_metrics keys: ms, tokens/s); NAN
 * where absent or null. */
struct calib_file_metrics {
	double v[OM_COUNT];
};

struct calib_file_point {
	char deployment[128]; /* the spec's name, as the fit knew it */
	char mode[16];
	long concurrency;
	bool holdout; /* "set": "holdout" */
	/* projected: calibrated; for a held-out point the projection of the
	 * fit that did not see it ("projected_held_out") when given. */
	struct calib_file_metrics measured, projected, prior;
};

struct calib_file_param {
	char name[32], unit[16]; /* name as keyed: "tau_s_ms" */
	double value, sigma, prior;
	bool free;
	bool identifiable; /* not named in not_identifiable */
};

struct calib_file_corr {
	char a[32], b[32];
	double r;
};

struct calib_file {
	bool present; /* set by the caller that found the file */
	bool converged;
	/* "quality": the fit's own verdict on itself; quality_ok is true
	 * when the file has no quality block (older fits). */
	bool quality_ok;
	char verdict[32], reason[512];
	char status[256], model[64], gpu[64], backend[64], holdout[16];
	long iterations;
	double chi2, dof, chi2_dof;
	struct calib_file_param *params;
	size_t n_params;
	struct calib_file_corr *corrs;
	size_t n_corrs;
	char not_identifiable[512]; /* comma separated, "" when none */
	struct calib_file_point *points;
	size_t n_points;
	struct calib_file_metrics mape_in, mape_out, mape_prior;
};

/* Reads fit.json content j (what calib_to_json writes) into f, tolerant of
 * absent pieces (older files). Release with calib_file_release. */
void calib_from_json(const cJSON *j, struct calib_file *f);
void calib_file_release(struct calib_file *f);
const char *holdout_name(enum holdout_mode m);
int holdout_parse(const char *s, enum holdout_mode *m) SC_MUST_CHECK;

#endif
