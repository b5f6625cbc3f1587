/* Nonlinear least squares with GSL multifit_nlinear, parameters in log
 * space, weak priors as extra residual rows. */
#include "fit/nlls.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_multifit_nlinear.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_version.h>

#include "model/perf.h"
#include "util/xalloc.h"

/* Residual given to GSL for a point the model cannot project (e.g. a
 * parameter excursion that makes waiting infinite): large but finite, so
 * the trust region steps back. */
#define RESID_PENALTY	 50.0
#define XTOL		 1e-8
#define FTOL		 1e-10
#define DEFAULT_MAX_ITER 200
/* Finite-difference step of the Jacobian, absolute in the fitted
 * coordinate (about 0.2% of a parameter in mid-range). The scheduler
 * simulation is piecewise smooth (an iteration boundary moves past an
 * arrival now and then): such a step averages over those kinks where
 * GSL's relative sqrt(eps) step would see them as huge slopes. */
#define FD_STEP 0.05
/* Further starts lie within this share of each parameter's log range
 * around the prior (clamped to the range). */
#define NLLS_START_SPREAD 0.4
/* Start values are kept this far (relative) inside the range. */
#define RANGE_MARGIN 1e-6

struct row {
	size_t point;
	int metric;
	double scale; /* 1 / effective relative error, times sqrt(weight) */
};

struct problem {
	const struct obs_set *s;
	const struct nlls_opts *o;
	int idx[MP_COUNT]; /* free parameter k is mp idx[k] */
	size_t nfree;
	struct row *rows;
	size_t nrows;		  /* data rows; prior rows follow */
	double (*proj)[OM_COUNT]; /* per point, reused */
	/* The projections of resid's last call and where it was: GSL asks
	 * for the Jacobian at the point it has just evaluated, whose
	 * simulations need not run again. */
	double (*last)[OM_COUNT];
	double *last_x;
	bool have_last;
	/* reads[d][k]: deployment d's projection depends on free parameter
	 * k (perf_deploy_reads); a finite difference in k copies the base
	 * projection of the other deployments' points. */
	bool (*reads)[MP_COUNT];
};

const char *nlls_gsl_version(void)
{
	return gsl_version;
}

void nlls_opts_default(struct nlls_opts *o)
{
	memset(o, 0, sizeof *o);
	params_default(&o->prior);
	for (int i = 0; i < MP_COUNT; i++) {
		o->free[i] = true;
		o->prior_width[i] = log(mp_table[i].hi / mp_table[i].lo) / 4.0;
	}
	o->max_iter = DEFAULT_MAX_ITER;
	o->starts = NLLS_STARTS;
}

/* The fitted coordinate x of a parameter maps onto its documented range
 * [lo, hi] in log space through a logistic, so no step of the fit can
 * leave the range: log p = log lo + log(hi / lo) / (1 + exp(-x)). */
static double to_param(int i, double x)
{
	double a = log(mp_table[i].lo), b = log(mp_table[i].hi);
	return exp(a + (b - a) / (1.0 + exp(-x)));
}

static double to_coord(int i, double p)
{
	double lo = mp_table[i].lo * (1 + RANGE_MARGIN);
	double hi = mp_table[i].hi * (1 - RANGE_MARGIN);
	p = p < lo ? lo : p > hi ? hi : p;
	double a = log(mp_table[i].lo), b = log(mp_table[i].hi);
	double u = (log(p) - a) / (b - a);
	return log(u / (1.0 - u));
}

/* d log p / dx at x: turns the coordinate's covariance into the
 * parameter's relative one. */
static double dlogp_dx(int i, double x)
{
	double a = log(mp_table[i].lo), b = log(mp_table[i].hi);
	double s = 1.0 / (1.0 + exp(-x));
	return (b - a) * s * (1.0 - s);
}

static void params_of(const struct problem *pb, const gsl_vector *x,
		      struct model_params *p)
{
	*p = pb->o->prior;
	for (size_t k = 0; k < pb->nfree; k++)
		p->v[pb->idx[k]] = to_param(pb->idx[k], gsl_vector_get(x, k));
}

/* Whether point i has residual rows: fitted (or held-out points used)
 * and not left out of a bootstrap resample. */
static bool point_used(const struct problem *pb, size_t i)
{
	if (pb->s->points[i].holdout && !pb->o->use_holdout)
		return false;
	return !pb->o->weights || pb->o->weights[i] > 0;
}

/* Projects every used point with p into out, each once for all its
 * metrics. k >= 0: p differs from the base point (whose projections are in
 * base) in free parameter k only, and points whose deployment does not
 * read it take their base projection. */
static void project(const struct problem *pb, const struct model_params *p,
		    int k, double (*base)[OM_COUNT], double (*out)[OM_COUNT])
{
	const struct obs_set *s = pb->s;
	for (size_t i = 0; i < s->n_points; i++) {
		if (!point_used(pb, i))
			continue;
		if (k >= 0 && !pb->reads[s->points[i].deploy][k]) {
			memcpy(out[i], base[i], sizeof out[i]);
			continue;
		}
		if (obs_project(s, &s->points[i], p, out[i], NULL))
			for (int m = 0; m < OM_COUNT; m++)
				out[i][m] = NAN;
	}
}

/* The residual vector at p from its projections. */
static void fill_resid(const struct problem *pb, const struct model_params *p,
		       double (*proj)[OM_COUNT], gsl_vector *f)
{
	const struct obs_set *s = pb->s;
	for (size_t r = 0; r < pb->nrows; r++) {
		const struct row *w = &pb->rows[r];
		double meas = s->points[w->point].value[w->metric];
		double v = w->scale * log(proj[w->point][w->metric] / meas);
		gsl_vector_set(f, r, isfinite(v) ? v : RESID_PENALTY);
	}
	for (size_t k = 0; k < pb->nfree; k++) {
		int i = pb->idx[k];
		double c = log(pb->o->prior.v[i]);
		gsl_vector_set(f, pb->nrows + k,
			       (log(p->v[i]) - c) / pb->o->prior_width[i]);
	}
}

static int resid(const gsl_vector *x, void *data, gsl_vector *f)
{
	struct problem *pb = data;
	struct model_params p;
	params_of(pb, x, &p);
	project(pb, &p, -1, NULL, pb->last);
	fill_resid(pb, &p, pb->last, f);
	for (size_t k = 0; k < pb->nfree; k++)
		pb->last_x[k] = gsl_vector_get(x, k);
	pb->have_last = true;
	return GSL_SUCCESS;
}

/* Whether x is where resid last projected. */
static bool at_last(const struct problem *pb, const gsl_vector *x)
{
	if (!pb->have_last)
		return false;
	for (size_t k = 0; k < pb->nfree; k++)
		if (gsl_vector_get(x, k) != pb->last_x[k])
			return false;
	return true;
}

/* Forward differences with an absolute step (see FD_STEP). The base
 * point's projections are resid's when it was there last; a step in one
 * parameter simulates only the points that read it. */
static int jac(const gsl_vector *x, void *data, gsl_matrix *J)
{
	struct problem *pb = data;
	size_t n = J->size1, p = J->size2;
	gsl_vector *f0 = gsl_vector_alloc(n), *f1 = gsl_vector_alloc(n);
	gsl_vector *xh = gsl_vector_alloc(p);
	if (!f0 || !f1 || !xh) {
		gsl_vector_free(f0);
		gsl_vector_free(f1);
		gsl_vector_free(xh);
		return GSL_ENOMEM;
	}
	struct model_params p0;
	params_of(pb, x, &p0);
	if (!at_last(pb, x))
		resid(x, data, f0);
	else
		fill_resid(pb, &p0, pb->last, f0);
	gsl_vector_memcpy(xh, x);
	for (size_t k = 0; k < p; k++) {
		double xk = gsl_vector_get(x, k);
		gsl_vector_set(xh, k, xk + FD_STEP);
		struct model_params ph;
		params_of(pb, xh, &ph);
		project(pb, &ph, (int)k, pb->last, pb->proj);
		fill_resid(pb, &ph, pb->proj, f1);
		gsl_vector_set(xh, k, xk);
		for (size_t r = 0; r < n; r++)
			gsl_matrix_set(
			    J, r, k,
			    (gsl_vector_get(f1, r) - gsl_vector_get(f0, r)) /
				FD_STEP);
	}
	gsl_vector_free(f0);
	gsl_vector_free(f1);
	gsl_vector_free(xh);
	return GSL_SUCCESS;
}

static void build_rows(struct problem *pb)
{
	const struct obs_set *s = pb->s;
	pb->rows = xmalloc(s->n_points * OM_COUNT * sizeof *pb->rows);
	pb->nrows = 0;
	for (size_t i = 0; i < s->n_points; i++) {
		const struct obs_point *pt = &s->points[i];
		if (pt->holdout && !pb->o->use_holdout)
			continue;
		double w = pb->o->weights ? (double)pb->o->weights[i] : 1.0;
		if (w <= 0)
			continue;
		for (int m = 0; m < OM_COUNT; m++) {
			if (!(pt->value[m] > 0))
				continue; /* not measured */
			double se =
			    fmax(pt->rel_se[m], obs_metrics[m].floor_rel);
			pb->rows[pb->nrows++] =
			    (struct row){i, m, sqrt(w) / se};
		}
	}
}

static const char *stop_reason(int status, int info)
{
	if (status == GSL_SUCCESS)
		return info == 1 ? "converged: step below tolerance"
				 : "converged: gradient below tolerance";
	if (status == GSL_EMAXITER)
		return "not converged: iteration limit reached";
	if (status == GSL_ENOPROG)
		return "converged: no further decrease possible at this "
		       "precision";
	return gsl_strerror(status);
}

/* One Levenberg-Marquardt descent from start (NULL: the priors). */
static int fit_from(const struct obs_set *s, const struct nlls_opts *o,
		    const struct model_params *start, struct nlls_result *r,
		    struct sc_err *e)
{
	/* GSL's default handler aborts; every status is checked here. */
	gsl_set_error_handler_off();
	struct problem pb = {.s = s, .o = o};
	for (int i = 0; i < MP_COUNT; i++)
		if (o->free[i])
			pb.idx[pb.nfree++] = i;
	memset(r, 0, sizeof *r);
	r->p = start ? *start : o->prior;
	build_rows(&pb);
	size_t n = pb.nrows + pb.nfree;
	int rc = SC_OK;
	gsl_multifit_nlinear_workspace *w = NULL;
	gsl_vector *x = NULL;
	gsl_matrix *cov = NULL;
	pb.proj = xcalloc(s->n_points, sizeof *pb.proj);
	pb.last = xcalloc(s->n_points, sizeof *pb.last);
	pb.last_x = xcalloc(MP_COUNT, sizeof *pb.last_x);
	pb.reads = xcalloc(s->n_deploys ? s->n_deploys : 1, sizeof *pb.reads);
	for (size_t d = 0; d < s->n_deploys; d++)
		for (size_t k = 0; k < pb.nfree; k++)
			pb.reads[d][k] = perf_deploy_reads(&s->deploys[d],
							   (enum mp)pb.idx[k]);
	/* The prior rows keep the problem well posed with fewer measured
	 * values than free parameters; what the data cannot pin down is then
	 * reported as prior-dominated. Two values are the least to fit. */
	if (pb.nrows < 2) {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%zu measured value(s) to fit: measure more levels",
		    pb.nrows);
		goto out;
	}
	if (pb.nfree == 0) {
		r->converged = true;
		snprintf(r->status, sizeof r->status, "no free parameter");
		goto out;
	}
	gsl_multifit_nlinear_fdf fdf = {.f = resid,
					.df = jac,
					.fvv = NULL,
					.n = n,
					.p = pb.nfree,
					.params = &pb};
	gsl_multifit_nlinear_parameters par =
	    gsl_multifit_nlinear_default_parameters();
	/* Plain Levenberg-Marquardt: geodesic acceleration estimates second
	 * derivatives, which the piecewise-smooth simulation does not have
	 * at small scales, and then rejects good steps. */
	par.trs = gsl_multifit_nlinear_trs_lm;
	w = gsl_multifit_nlinear_alloc(gsl_multifit_nlinear_trust, &par, n,
				       pb.nfree);
	x = gsl_vector_alloc(pb.nfree);
	cov = gsl_matrix_alloc(pb.nfree, pb.nfree);
	if (!w || !x || !cov) {
		rc = sc_err_set(e, SC_ERUNTIME,
				"GSL could not allocate the fit");
		goto out;
	}
	for (size_t k = 0; k < pb.nfree; k++)
		gsl_vector_set(x, k, to_coord(pb.idx[k], r->p.v[pb.idx[k]]));
	int st = gsl_multifit_nlinear_init(x, &fdf, w);
	if (st) {
		rc = sc_err_set(e, SC_ERUNTIME, "GSL fit init: %s",
				gsl_strerror(st));
		goto out;
	}
	int info = 0;
	double xtol = o->xtol > 0 ? o->xtol : XTOL;
	st = gsl_multifit_nlinear_driver(
	    o->max_iter ? o->max_iter : DEFAULT_MAX_ITER, xtol, xtol, FTOL,
	    NULL, NULL, &info, w);
	r->iterations = (int)gsl_multifit_nlinear_niter(w);
	r->converged = st == GSL_SUCCESS || st == GSL_ENOPROG;
	snprintf(r->status, sizeof r->status, "%s", stop_reason(st, info));
	if (st && st != GSL_EMAXITER && st != GSL_ENOPROG) {
		rc =
		    sc_err_set(e, SC_ERUNTIME, "GSL fit: %s", gsl_strerror(st));
		goto out;
	}
	const gsl_vector *xf = gsl_multifit_nlinear_position(w);
	params_of(&pb, xf, &r->p);
	gsl_vector *f = gsl_multifit_nlinear_residual(w);
	gsl_blas_ddot(f, f, &r->chi2);
	r->dof = (long)n - (long)pb.nfree;
	st = gsl_multifit_nlinear_covar(gsl_multifit_nlinear_jac(w), 0.0, cov);
	if (st) {
		rc = sc_err_set(e, SC_ERUNTIME, "GSL covariance: %s",
				gsl_strerror(st));
		goto out;
	}
	/* Inflate by the misfit when the model does not explain the data to
	 * within the stated errors. */
	double infl = r->dof > 0 ? fmax(1.0, r->chi2 / (double)r->dof) : 1.0;
	for (size_t a = 0; a < pb.nfree; a++) {
		double va = gsl_matrix_get(cov, a, a) * infl;
		double g = dlogp_dx(pb.idx[a], gsl_vector_get(xf, a));
		r->sigma[pb.idx[a]] = r->p.v[pb.idx[a]] * g * sqrt(fmax(va, 0));
		for (size_t b = 0; b < pb.nfree; b++) {
			double vb = gsl_matrix_get(cov, b, b);
			double cab = gsl_matrix_get(cov, a, b);
			double d = sqrt(gsl_matrix_get(cov, a, a) * vb);
			r->corr[pb.idx[a]][pb.idx[b]] = d > 0 ? cab / d : 0;
		}
	}
out:
	gsl_multifit_nlinear_free(w);
	gsl_vector_free(x);
	gsl_matrix_free(cov);
	free(pb.rows);
	free(pb.proj);
	free(pb.last);
	free(pb.last_x);
	free(pb.reads);
	return rc;
}

/* A deterministic point of [-1, 1]: start k, parameter i (Halton
 * sequences in the bases of the first primes, one per parameter). */
static double halton(unsigned k, int i)
{
	static const unsigned primes[] = {2,  3,  5,  7,  11, 13,
					  17, 19, 23, 29, 31, 37};
	unsigned b = primes[i % (int)(sizeof primes / sizeof *primes)];
	double f = 1.0, x = 0.0;
	for (unsigned n = k + 1; n; n /= b) {
		f /= b;
		x += f * (double)(n % b);
	}
	return 2.0 * x - 1.0;
}

int nlls_fit(const struct obs_set *s, const struct nlls_opts *o,
	     const struct model_params *start, struct nlls_result *r,
	     struct sc_err *e)
{
	int rc = fit_from(s, o, start, r, e);
	if (rc || start || o->starts <= 1)
		return rc;
	/* The simulated model's cost has local minima (regimes of the
	 * scheduler): descend from further starts spread over the
	 * parameters' ranges and keep the lowest cost. */
	for (unsigned k = 1; k < (unsigned)o->starts; k++) {
		struct model_params p0 = o->prior;
		for (int i = 0; i < MP_COUNT; i++) {
			if (!o->free[i])
				continue;
			double span = log(mp_table[i].hi / mp_table[i].lo);
			p0.v[i] = exp(log(o->prior.v[i]) +
				      NLLS_START_SPREAD * span * halton(k, i));
		}
		struct nlls_result alt;
		if (fit_from(s, o, &p0, &alt, NULL) == SC_OK && alt.converged &&
		    alt.chi2 < r->chi2)
			*r = alt;
	}
	return SC_OK;
}
