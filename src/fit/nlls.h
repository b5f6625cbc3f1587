/* Weighted nonlinear least squares over the model parameters with GSL's
 * multifit_nlinear (Levenberg-Marquardt with geodesic acceleration). GSL
 * lives only in src/fit. Free parameters are fitted through a logistic map
 * onto their documented range in log space, so they never leave it; the
 * weak priors (in log space) are extra residual rows. */
#ifndef SC_NLLS_H
#define SC_NLLS_H
#include <stdbool.h>

#include "fit/obs.h"
#include "model/params.h"
#include "util/err.h"

struct nlls_opts {
	bool free[MP_COUNT];	      /* which parameters are fitted */
	struct model_params prior;    /* prior centres (and start values) */
	double prior_width[MP_COUNT]; /* 1-sigma in log space */
	bool use_holdout;	      /* fit held-out points too */
	const size_t *weights;	      /* bootstrap multiplicity per point, or
					 NULL for 1 each */
	int max_iter;
	int starts;  /* descents from spread starts when no start is given
			(<= 1: the priors only); the lowest cost wins */
	double xtol; /* relative step tolerance; 0 = default 1e-8 (the
			bootstrap asks less: its spread needs 3 digits) */
};

struct nlls_result {
	struct model_params p;
	double sigma[MP_COUNT]; /* 1-sigma of p, SI; 0 for fixed */
	double corr[MP_COUNT][MP_COUNT];
	double chi2;
	long dof;
	int iterations;
	bool converged;
	char status[160]; /* why it stopped */
};

/* Fills o with defaults: every parameter free, priors from mp_table with
 * width log(hi/lo)/4 (the plausible range is +-2 sigma), NLLS_STARTS
 * starts. */
#define NLLS_STARTS 6
void nlls_opts_default(struct nlls_opts *o);
/* Version of the GSL library linked (for reports). */
const char *nlls_gsl_version(void);
/* Fits; start values from `start`, or when NULL from the priors and
 * o->starts - 1 further points spread over the ranges. Returns SC_OK
 * (check r->converged), SC_EINPUT when there are fewer residuals than free
 * parameters, SC_ERUNTIME when GSL fails outright (message in e). */
int nlls_fit(const struct obs_set *s, const struct nlls_opts *o,
	     const struct model_params *start, struct nlls_result *r,
	     struct sc_err *e) SC_MUST_CHECK;

#endif
