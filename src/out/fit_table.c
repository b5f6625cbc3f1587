/* The text table `servecal fit` prints: the fit's status, each parameter
 * with its 1-sigma and prior, correlations the data cannot separate, every
 * point measured against projected, and the MAPE in-sample, held out and
 * of the priors. */
#include "out/fit_table.h"

#include <string.h>

void fit_table_write(FILE *f, const struct obs_set *s,
		     const struct calib_result *r, const cJSON *j)
{
	const struct nlls_result *fr = &r->fit;
	fprintf(f,
		"fit: %s after %d iterations, chi2/dof %.2f (%ld dof), sigma "
		"from %s\n",
		fr->status, fr->iterations,
		fr->dof > 0 ? fr->chi2 / (double)fr->dof : 0, fr->dof,
		r->boot_sigma ? "bootstrap" : "the Jacobian");
	fprintf(f, "\n  %-10s %12s %12s %12s  %s\n", "parameter", "value",
		"1-sigma", "prior", "");
	const cJSON *ni = cJSON_GetObjectItem(j, "not_identifiable");
	for (int i = 0; i < MP_COUNT; i++) {
		const struct mp_info *m = &mp_table[i];
		bool flag = false;
		const cJSON *it;
		cJSON_ArrayForEach(it, ni) flag |=
		    !strcmp(it->valuestring, m->name);
		fprintf(f, "  %-10s %12.4g %12.3g %12.4g  %s%s%s\n",
			m->json_key, fr->p.v[i] / m->scale,
			fr->sigma[i] / m->scale, r->prior.v[i] / m->scale,
			r->free[i] ? "" : "fixed",
			flag ? "not identifiable" : "", "");
	}
	const cJSON *c;
	cJSON_ArrayForEach(c, cJSON_GetObjectItem(j, "correlations"))
	    fprintf(f,
		    "  warning: %s and %s correlate at %.2f: the data cannot "
		    "separate them\n",
		    cJSON_GetObjectItem(c, "a")->valuestring,
		    cJSON_GetObjectItem(c, "b")->valuestring,
		    cJSON_GetObjectItem(c, "r")->valuedouble);
	fprintf(f, "\n  %-34s %-8s %-7s", "deployment", "level", "set");
	for (int m = 0; m < OM_COUNT; m++)
		fprintf(f, " %22s", obs_metrics[m].key);
	fprintf(f, "\n  %-34s %-8s %-7s", "", "", "");
	for (int m = 0; m < OM_COUNT; m++)
		fprintf(f, " %22s", "meas / proj (err%)");
	fputc('\n', f);
	for (size_t i = 0; i < s->n_points; i++) {
		const struct obs_point *p = &s->points[i];
		bool held = r->held[i];
		fprintf(f, "  %-34.34s %-8.8s %-7s", s->deploys[p->deploy].name,
			p->level, held ? "held" : "fit");
		for (int m = 0; m < OM_COUNT; m++) {
			double k = obs_metrics[m].scale;
			double meas = p->value[m] * k;
			double proj =
			    (held ? r->proj_held[i][m] : r->proj[i][m]) * k;
			if (!(meas > 0))
				fprintf(f, " %22s", "-");
			else
				fprintf(f, " %8.4g/%-7.4g(%+4.0f)", meas, proj,
					100 * (proj / meas - 1));
		}
		fputc('\n', f);
	}
	fprintf(f, "\n  MAPE %%        ");
	for (int m = 0; m < OM_COUNT; m++)
		fprintf(f, " %12s", obs_metrics[m].key);
	const struct {
		const char *label;
		const double *v;
	} rows[] = {{"in-sample", r->mape_in},
		    {"held-out", r->mape_held},
		    {"priors", r->mape_prior}};
	for (size_t k = 0; k < 3; k++) {
		fprintf(f, "\n  %-14s", rows[k].label);
		for (int m = 0; m < OM_COUNT; m++)
			fprintf(f, " %12.1f", rows[k].v[m]);
	}
	fputc('\n', f);
}
