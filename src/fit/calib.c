/* Calibration around the least-squares fit: hold-out, bootstrap,
 * identifiability, alignment tables and fit.json. */
#include "fit/calib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "util/xalloc.h"
#include "util/jsonio.h"

static const char *const holdout_names[] = {"none", "levels", "deployments"};

const char *holdout_name(enum holdout_mode m)
{
	return holdout_names[m];
}

int holdout_parse(const char *s, enum holdout_mode *m)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, holdout_names[i])) {
			*m = (enum holdout_mode)i;
			return 0;
		}
	return -1;
}

void calib_split(struct obs_set *s, enum holdout_mode m)
{
	for (size_t i = 0; i < s->n_points; i++)
		s->points[i].holdout = false;
	if (m != HOLDOUT_LEVELS)
		return;
	/* Rank of each point's load within its deployment (users, rates,
	 * then bursts and pools alone: obs_point_cmp): odd ranks are held
	 * out, so the lowest level and every other one are fitted. */
	for (size_t i = 0; i < s->n_points; i++) {
		size_t rank = 0;
		for (size_t j = 0; j < s->n_points; j++)
			rank += s->points[j].deploy == s->points[i].deploy &&
				obs_point_cmp(&s->points[j], &s->points[i]) < 0;
		s->points[i].holdout = rank % 2 == 1;
	}
}

static void project_all(const struct obs_set *s, const struct model_params *p,
			double (*out)[OM_COUNT])
{
	for (size_t i = 0; i < s->n_points; i++)
		if (obs_project(s, &s->points[i], p, out[i], NULL))
			for (int m = 0; m < OM_COUNT; m++)
				out[i][m] = NAN;
}

/* Mean absolute percentage error over the points selected by mask. */
static void mape(const struct obs_set *s, double (*proj)[OM_COUNT],
		 const bool *mask, bool want, double out[OM_COUNT])
{
	for (int m = 0; m < OM_COUNT; m++) {
		double sum = 0;
		size_t n = 0;
		for (size_t i = 0; i < s->n_points; i++) {
			double meas = s->points[i].value[m];
			if ((mask ? mask[i] : false) != want || !(meas > 0) ||
			    !isfinite(proj[i][m]))
				continue;
			sum += fabs(proj[i][m] / meas - 1.0);
			n++;
		}
		out[m] = n ? 100.0 * sum / (double)n : NAN;
	}
}

/* Leave each deployment out in turn and predict it from the others. */
static int holdout_deployments(struct obs_set *s, const struct calib_opts *o,
			       struct calib_result *r, struct sc_err *e)
{
	if (s->n_deploys < 2)
		return sc_err_set(e, SC_EINPUT,
				  "--holdout deployments needs results of at "
				  "least two deployments");
	struct nlls_opts no = o->nlls;
	no.use_holdout = false;
	for (size_t d = 0; d < s->n_deploys; d++) {
		for (size_t i = 0; i < s->n_points; i++)
			s->points[i].holdout = s->points[i].deploy == d;
		struct nlls_result fr;
		int rc = nlls_fit(s, &no, &r->fit.p, &fr, e);
		if (rc)
			return rc;
		for (size_t i = 0; i < s->n_points; i++)
			if (s->points[i].deploy == d) {
				/* A point this fit cannot project keeps the
				 * NaN row obs_project leaves on failure, and
				 * mape skips it, as project_all's do. */
				int prc = obs_project(s, &s->points[i], &fr.p,
						      r->proj_held[i], NULL);
				(void)prc;
				r->held[i] = true;
			}
	}
	for (size_t i = 0; i < s->n_points; i++)
		s->points[i].holdout = false;
	return SC_OK;
}

/* Bootstrap: refit on points resampled with replacement; sigma is the
 * spread of the refitted parameters (in log space, mapped back). Each refit
 * starts at the full fit and stops at a relative step of BOOT_XTOL: a
 * spread of a few percent needs no more digits. */
#define BOOT_XTOL 1e-4
static int bootstrap(const struct obs_set *s, const struct calib_opts *o,
		     struct calib_result *r, struct sc_err *e)
{
	size_t n = s->n_points, nfit = 0;
	size_t *fitted = xmalloc(n * sizeof *fitted);
	for (size_t i = 0; i < n; i++)
		if (!s->points[i].holdout)
			fitted[nfit++] = i;
	size_t *w = xcalloc(n, sizeof *w);
	double sum[MP_COUNT] = {0}, sum2[MP_COUNT] = {0};
	int ok = 0, rc = SC_OK;
	gsl_rng *rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, o->seed ? o->seed : 1);
	struct nlls_opts bo = o->nlls;
	bo.weights = w;
	bo.xtol = BOOT_XTOL;
	for (int b = 0; b < o->bootstrap; b++) {
		memset(w, 0, n * sizeof *w);
		for (size_t k = 0; k < nfit; k++)
			w[fitted[gsl_rng_uniform_int(rng, nfit)]]++;
		struct nlls_result br;
		if (nlls_fit(s, &bo, &r->fit.p, &br, NULL) || !br.converged)
			continue;
		for (int i = 0; i < MP_COUNT; i++) {
			double l = log(br.p.v[i]);
			sum[i] += l;
			sum2[i] += l * l;
		}
		ok++;
	}
	if (ok < 2) {
		rc = sc_err_set(
		    e, SC_ERUNTIME,
		    "bootstrap: fewer than two of %d refits converged",
		    o->bootstrap);
	} else {
		for (int i = 0; i < MP_COUNT; i++) {
			double mean = sum[i] / ok;
			double var = fmax(0, sum2[i] / ok - mean * mean) * ok /
				     (ok - 1.0);
			/* The bootstrap cannot see the prior's own spread (the
			 * prior rows are not resampled), so keep the larger of
			 * the two estimates. */
			double bs = r->fit.p.v[i] * sqrt(var);
			r->fit.sigma[i] =
			    o->nlls.free[i] ? fmax(bs, r->fit.sigma[i]) : 0;
		}
		r->boot_sigma = true;
	}
	gsl_rng_free(rng);
	free(w);
	free(fitted);
	return rc;
}

static int calib_run_with(struct obs_set *s, const struct calib_opts *o,
			  struct calib_result *r, struct sc_err *e);

int calib_run(struct obs_set *s, const struct calib_opts *o,
	      struct calib_result *r, struct sc_err *e)
{
	/* Every evaluation of the fit simulates each level with the same
	 * few seeds: their per-request draws are made once. */
	struct sim_draws draws, *given = s->draws;
	sim_draws_init(&draws);
	if (!given)
		s->draws = &draws;
	int rc = calib_run_with(s, o, r, e);
	s->draws = given;
	sim_draws_release(&draws);
	return rc;
}

static int calib_run_with(struct obs_set *s, const struct calib_opts *o,
			  struct calib_result *r, struct sc_err *e)
{
	memset(r, 0, sizeof *r);
	int rc = obs_check(s, e);
	if (rc)
		return rc;
	size_t n = s->n_points;
	r->n_points = n;
	r->holdout = o->holdout;
	r->prior = o->nlls.prior;
	memcpy(r->free, o->nlls.free, sizeof r->free);
	memcpy(r->prior_width, o->nlls.prior_width, sizeof r->prior_width);
	r->proj = xcalloc(n, sizeof *r->proj);
	r->proj_prior = xcalloc(n, sizeof *r->proj_prior);
	r->proj_held = xcalloc(n, sizeof *r->proj_held);
	r->held = xcalloc(n, sizeof *r->held);

	calib_split(s, o->holdout);
	struct nlls_opts no = o->nlls;
	no.use_holdout = false;
	if ((rc = nlls_fit(s, &no, NULL, &r->fit, e)))
		return rc;
	project_all(s, &r->fit.p, r->proj);
	project_all(s, &r->prior, r->proj_prior);
	if (o->holdout == HOLDOUT_LEVELS) {
		for (size_t i = 0; i < n; i++) {
			r->held[i] = s->points[i].holdout;
			memcpy(r->proj_held[i], r->proj[i], sizeof r->proj[i]);
		}
	} else if (o->holdout == HOLDOUT_DEPLOYMENTS) {
		if ((rc = holdout_deployments(s, o, r, e)))
			return rc;
	}
	if (o->bootstrap > 0 && (rc = bootstrap(s, o, r, e)))
		return rc;
	/* In-sample: the points the reported parameters were fitted to. */
	bool *in = xcalloc(n, sizeof *in);
	for (size_t i = 0; i < n; i++)
		in[i] = !s->points[i].holdout;
	mape(s, r->proj, in, true, r->mape_in);
	mape(s, r->proj_held, r->held, true, r->mape_held);
	mape(s, r->proj_prior, NULL, false, r->mape_prior);
	mape(s, r->proj_prior, r->held, true, r->mape_prior_held);
	free(in);
	return SC_OK;
}

/* Mean of the finite entries. */
static double mean_mape(const double v[OM_COUNT])
{
	double sum = 0;
	int n = 0;
	for (int m = 0; m < OM_COUNT; m++)
		if (isfinite(v[m])) {
			sum += v[m];
			n++;
		}
	return n ? sum / n : NAN;
}

enum calib_quality calib_quality(const struct calib_result *r, char *why,
				 size_t cap)
{
	if (!r->fit.converged) {
		snprintf(why, cap, "the fit did not converge (%s)",
			 r->fit.status);
		return CALIB_NOT_CONVERGED;
	}
	bool held = isfinite(mean_mape(r->mape_held));
	double fit = held ? mean_mape(r->mape_held) : mean_mape(r->mape_in);
	double prior =
	    held ? mean_mape(r->mape_prior_held) : mean_mape(r->mape_prior);
	if (isfinite(fit) && isfinite(prior) && fit > prior) {
		snprintf(
		    why, cap,
		    "the fitted parameters project the %s points worse than "
		    "the priors (mean MAPE %.1f%% against %.1f%%): measure "
		    "more levels or deployments before trusting them",
		    held ? "held-out" : "measured", fit, prior);
		return CALIB_WORSE_THAN_PRIORS;
	}
	snprintf(why, cap, "mean MAPE %.1f%% %s against %.1f%% with the priors",
		 fit, held ? "held out" : "in sample", prior);
	return CALIB_OK;
}

void calib_release(struct calib_result *r)
{
	free(r->proj);
	free(r->proj_prior);
	free(r->proj_held);
	free(r->held);
	memset(r, 0, sizeof *r);
}

/* Values in their keys' units; null where missing or not projected (an
 * endless queue's TTFT is null too: JSON has no infinity). */
static cJSON *metrics_json(const double v[OM_COUNT])
{
	cJSON *o = cJSON_CreateObject();
	for (int m = 0; m < OM_COUNT; m++) {
		double x = v[m] * obs_metrics[m].scale;
		if (isfinite(x) && x > 0)
			cJSON_AddNumberToObject(o, obs_metrics[m].key, x);
		else
			cJSON_AddNullToObject(o, obs_metrics[m].key);
	}
	return o;
}

static cJSON *mape_json(const double v[OM_COUNT])
{
	cJSON *o = cJSON_CreateObject();
	for (int m = 0; m < OM_COUNT; m++) {
		if (isfinite(v[m]))
			cJSON_AddNumberToObject(o, obs_metrics[m].key, v[m]);
		else
			cJSON_AddNullToObject(o, obs_metrics[m].key);
	}
	return o;
}

static const char *const quality_names[] = {"ok", "not_converged",
					    "worse_than_priors"};

cJSON *calib_to_json(const struct obs_set *s, const struct calib_result *r)
{
	const struct nlls_result *f = &r->fit;
	cJSON *j = cJSON_CreateObject();
	const struct deploy_spec *d0 = &s->deploys[0];
	cJSON_AddBoolToObject(j, "converged", f->converged);
	cJSON_AddStringToObject(j, "status", f->status);
	cJSON_AddNumberToObject(j, "iterations", f->iterations);
	cJSON_AddNumberToObject(j, "chi2", f->chi2);
	cJSON_AddNumberToObject(j, "dof", (double)f->dof);
	cJSON_AddNumberToObject(j, "chi2_dof",
				f->dof > 0 ? f->chi2 / (double)f->dof : 0);
	char why[512];
	enum calib_quality q = calib_quality(r, why, sizeof why);
	cJSON *qj = cJSON_AddObjectToObject(j, "quality");
	cJSON_AddBoolToObject(qj, "ok", q == CALIB_OK);
	cJSON_AddStringToObject(qj, "verdict", quality_names[q]);
	cJSON_AddStringToObject(qj, "reason", why);
	cJSON_AddStringToObject(j, "model", d0->model.name);
	cJSON_AddStringToObject(j, "gpu", d0->gpu.name);
	cJSON_AddStringToObject(j, "backend", d0->backend);
	cJSON_AddStringToObject(j, "holdout", holdout_name(r->holdout));
	cJSON_AddStringToObject(j, "sigma_from",
				r->boot_sigma ? "bootstrap" : "jacobian");
	cJSON *ps = cJSON_AddObjectToObject(j, "params");
	for (int i = 0; i < MP_COUNT; i++) {
		const struct mp_info *mi = &mp_table[i];
		cJSON *o = cJSON_AddObjectToObject(ps, mi->json_key);
		cJSON_AddNumberToObject(o, "value", f->p.v[i] / mi->scale);
		cJSON_AddNumberToObject(o, "sigma", f->sigma[i] / mi->scale);
		cJSON_AddNumberToObject(o, "prior", r->prior.v[i] / mi->scale);
		cJSON_AddStringToObject(o, "unit", mi->unit);
		cJSON_AddBoolToObject(o, "free", r->free[i]);
	}
	cJSON *cs = cJSON_AddArrayToObject(j, "correlations");
	cJSON *ni = cJSON_AddArrayToObject(j, "not_identifiable");
	bool flagged[MP_COUNT] = {0};
	for (int a = 0; a < MP_COUNT; a++)
		for (int b = a + 1; b < MP_COUNT; b++) {
			double c = f->corr[a][b];
			if (!r->free[a] || !r->free[b] ||
			    fabs(c) <= CALIB_CORR_LIMIT)
				continue;
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "a", mp_table[a].name);
			cJSON_AddStringToObject(o, "b", mp_table[b].name);
			cJSON_AddNumberToObject(o, "r", c);
			cJSON_AddItemToArray(cs, o);
			for (int k = 0; k < 2; k++) {
				int i = k ? b : a;
				if (!flagged[i]) {
					flagged[i] = true;
					cJSON_AddItemToArray(
					    ni, cJSON_CreateString(
						    mp_table[i].name));
				}
			}
		}
	cJSON *pd = cJSON_AddArrayToObject(j, "prior_dominated");
	for (int i = 0; i < MP_COUNT; i++) {
		double sl = f->p.v[i] > 0 ? f->sigma[i] / f->p.v[i] : 0;
		if (!r->free[i] ||
		    sl <= CALIB_PRIOR_DOMINATED * r->prior_width[i])
			continue;
		cJSON_AddItemToArray(pd, cJSON_CreateString(mp_table[i].name));
		if (!flagged[i]) {
			flagged[i] = true;
			cJSON_AddItemToArray(
			    ni, cJSON_CreateString(mp_table[i].name));
		}
	}
	cJSON *pts = cJSON_AddArrayToObject(j, "points");
	for (size_t i = 0; i < s->n_points; i++) {
		const struct obs_point *p = &s->points[i];
		cJSON *o = cJSON_CreateObject();
		const struct deploy_spec *d = &s->deploys[p->deploy];
		cJSON_AddStringToObject(o, "deployment", d->name);
		cJSON_AddStringToObject(o, "mode", deploy_mode_name(d->mode));
		cJSON_AddStringToObject(o, "level", p->level);
		cJSON_AddStringToObject(o, "load", table_load_name(p->load));
		cJSON_AddNumberToObject(o, "concurrency", p->concurrency);
		if (p->load == TABLE_OPEN)
			cJSON_AddNumberToObject(o, "rate_per_s", p->rate_per_s);
		if (p->requests > 0)
			cJSON_AddNumberToObject(o, "requests",
						(double)p->requests);
		cJSON_AddNumberToObject(o, "isl", p->wl.isl);
		cJSON_AddNumberToObject(o, "osl", p->wl.osl);
		cJSON_AddStringToObject(o, "set",
					p->holdout ? "holdout" : "fit");
		cJSON_AddItemToObject(o, "measured", metrics_json(p->value));
		cJSON_AddItemToObject(o, "projected", metrics_json(r->proj[i]));
		cJSON_AddItemToObject(o, "projected_prior",
				      metrics_json(r->proj_prior[i]));
		if (r->held[i])
			cJSON_AddItemToObject(o, "projected_held_out",
					      metrics_json(r->proj_held[i]));
		cJSON_AddItemToArray(pts, o);
	}
	cJSON *mp = cJSON_AddObjectToObject(j, "mape");
	cJSON_AddItemToObject(mp, "in_sample", mape_json(r->mape_in));
	cJSON_AddItemToObject(mp, "held_out", mape_json(r->mape_held));
	cJSON_AddItemToObject(mp, "prior", mape_json(r->mape_prior));
	return j;
}

static void file_metrics(const cJSON *o, struct calib_file_metrics *m)
{
	for (int i = 0; i < OM_COUNT; i++)
		m->v[i] = jsonio_num_or_nan(o, obs_metrics[i].key);
}

/* The list names a parameter ("tau_s"); params are keyed with their unit
 * ("tau_s_ms"). */
static void file_not_identifiable(const cJSON *ni, struct calib_file *f)
{
	const cJSON *it;
	size_t used = 0;
	for (size_t i = 0; i < f->n_params; i++)
		f->params[i].identifiable = true;
	cJSON_ArrayForEach(it, ni)
	{
		if (!cJSON_IsString(it))
			continue;
		if (used < sizeof f->not_identifiable)
			used += (size_t)snprintf(
			    f->not_identifiable + used,
			    sizeof f->not_identifiable - used, "%s%s",
			    used ? ", " : "", it->valuestring);
		size_t n = strlen(it->valuestring);
		for (size_t i = 0; i < f->n_params; i++) {
			struct calib_file_param *p = &f->params[i];
			if (!strncmp(p->name, it->valuestring, n) &&
			    (!p->name[n] ||
			     (p->name[n] == '_' &&
			      !strcmp(p->name + n + 1, p->unit))))
				p->identifiable = false;
		}
	}
}

static void file_point(const cJSON *it, struct calib_file_point *p)
{
	jsonio_str_or_empty(it, "deployment", p->deployment,
			    sizeof p->deployment);
	jsonio_str_or_empty(it, "mode", p->mode, sizeof p->mode);
	double c = jsonio_num_or_nan(it, "concurrency");
	p->concurrency = isfinite(c) ? (long)c : 0;
	char set[16];
	jsonio_str_or_empty(it, "set", set, sizeof set);
	p->holdout = !strcmp(set, "holdout");
	file_metrics(cJSON_GetObjectItemCaseSensitive(it, "measured"),
		     &p->measured);
	file_metrics(cJSON_GetObjectItemCaseSensitive(it, "projected"),
		     &p->projected);
	file_metrics(cJSON_GetObjectItemCaseSensitive(it, "projected_prior"),
		     &p->prior);
	/* A held-out point is judged by the fit that did not see it. */
	const cJSON *ho =
	    cJSON_GetObjectItemCaseSensitive(it, "projected_held_out");
	if (p->holdout && cJSON_IsObject(ho))
		file_metrics(ho, &p->projected);
}

void calib_from_json(const cJSON *j, struct calib_file *f)
{
	bool present = f->present;
	memset(f, 0, sizeof *f);
	f->present = present;
	f->converged =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "converged"));
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "quality");
	f->quality_ok =
	    !q || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(q, "ok"));
	jsonio_str_or_empty(q, "verdict", f->verdict, sizeof f->verdict);
	jsonio_str_or_empty(q, "reason", f->reason, sizeof f->reason);
	jsonio_str_or_empty(j, "status", f->status, sizeof f->status);
	jsonio_str_or_empty(j, "model", f->model, sizeof f->model);
	jsonio_str_or_empty(j, "gpu", f->gpu, sizeof f->gpu);
	jsonio_str_or_empty(j, "backend", f->backend, sizeof f->backend);
	jsonio_str_or_empty(j, "holdout", f->holdout, sizeof f->holdout);
	double it_n = jsonio_num_or_nan(j, "iterations");
	f->iterations = isfinite(it_n) ? (long)it_n : 0;
	f->chi2 = jsonio_num_or_nan(j, "chi2");
	f->dof = jsonio_num_or_nan(j, "dof");
	f->chi2_dof = jsonio_num_or_nan(j, "chi2_dof");

	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(j, "params"), *it;
	f->params =
	    xcalloc((size_t)cJSON_GetArraySize(ps) + 1, sizeof *f->params);
	cJSON_ArrayForEach(it, ps)
	{
		struct calib_file_param *p = &f->params[f->n_params++];
		snprintf(p->name, sizeof p->name, "%s",
			 it->string ? it->string : "?");
		p->value = jsonio_num_or_nan(it, "value");
		p->sigma = jsonio_num_or_nan(it, "sigma");
		p->prior = jsonio_num_or_nan(it, "prior");
		jsonio_str_or_empty(it, "unit", p->unit, sizeof p->unit);
		p->free = !cJSON_IsFalse(
		    cJSON_GetObjectItemCaseSensitive(it, "free"));
	}
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(j, "correlations");
	f->corrs =
	    xcalloc((size_t)cJSON_GetArraySize(cs) + 1, sizeof *f->corrs);
	cJSON_ArrayForEach(it, cs)
	{
		struct calib_file_corr *r = &f->corrs[f->n_corrs++];
		jsonio_str_or_empty(it, "a", r->a, sizeof r->a);
		jsonio_str_or_empty(it, "b", r->b, sizeof r->b);
		r->r = jsonio_num_or_nan(it, "r");
	}
	file_not_identifiable(
	    cJSON_GetObjectItemCaseSensitive(j, "not_identifiable"), f);
	const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
	f->points =
	    xcalloc((size_t)cJSON_GetArraySize(pts) + 1, sizeof *f->points);
	cJSON_ArrayForEach(it, pts) file_point(it, &f->points[f->n_points++]);
	const cJSON *mp = cJSON_GetObjectItemCaseSensitive(j, "mape");
	file_metrics(cJSON_GetObjectItemCaseSensitive(mp, "in_sample"),
		     &f->mape_in);
	file_metrics(cJSON_GetObjectItemCaseSensitive(mp, "held_out"),
		     &f->mape_out);
	file_metrics(cJSON_GetObjectItemCaseSensitive(mp, "prior"),
		     &f->mape_prior);
}

void calib_file_release(struct calib_file *f)
{
	free(f->params);
	free(f->corrs);
	free(f->points);
	f->params = NULL;
	f->corrs = NULL;
	f->points = NULL;
	f->n_params = f->n_corrs = f->n_points = 0;
}
