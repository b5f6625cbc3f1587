/* The priors against published measurements: every level of the results
 * directories given (`servecal import table` output, one directory per
 * configuration) projected with the priors (or a params file), one JSON
 * line per level: the measured and projected metrics, the projected
 * capacity (requests/s of every request at once, the level's workload)
 * and which side of it the level lies. bench/perf/published.sh turns the
 * lines into the README's table.
 * usage: published_proj [--params FILE] DIR... */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fit/obs.h"
#include "model/params.h"
#include "util/jsonio.h"

/* A burst this long measures the capacity, not the ramp down at its end:
 * at least this many requests. */
#define CAPACITY_REQUESTS 2000L

static void metrics(cJSON *o, const char *key, const double v[OM_COUNT])
{
	cJSON *m = cJSON_AddObjectToObject(o, key);
	for (int i = 0; i < OM_COUNT; i++) {
		double x = v[i] * obs_metrics[i].scale;
		if (isinf(x))
			cJSON_AddStringToObject(m, obs_metrics[i].key, "inf");
		else if (isfinite(x) && x > 0)
			cJSON_AddNumberToObject(m, obs_metrics[i].key, x);
	}
}

/* Requests/s the deployment serves with every request at once. */
static double capacity_rps(const struct obs_set *s, const struct obs_point *p,
			   const struct model_params *mp, long *slots)
{
	struct perf_load ld = {.kind = LOAD_BURST,
			       .requests = p->requests > CAPACITY_REQUESTS
					       ? p->requests
					       : CAPACITY_REQUESTS};
	struct perf_point pt;
	if (perf_deploy_at(&s->deploys[p->deploy], mp, &p->wl, &ld, &pt, NULL))
		return NAN;
	*slots = pt.slots;
	return pt.req_per_s;
}

static const char *side_of(const struct obs_point *p, double cap, long slots)
{
	switch (p->load) {
	case TABLE_OPEN:
		return !(p->rate_per_s < cap) ? "above" : "below";
	case TABLE_CLOSED:
		return p->concurrency > (double)slots ? "above" : "below";
	case TABLE_BURST:
		return "above";
	default:
		return "pool";
	}
}

int main(int argc, char **argv)
{
	struct model_params mp;
	params_default(&mp);
	struct sc_err e = {0};
	int i = 1;
	if (argc > 2 && !strcmp(argv[1], "--params")) {
		if (params_load(argv[2], &mp, &e)) {
			fprintf(stderr, "published_proj: %s\n", e.msg);
			return 3;
		}
		i = 3;
	}
	for (; i < argc; i++) {
		struct obs_set s = {0};
		size_t skipped = 0;
		if (obs_add_dir(&s, argv[i], NULL, &skipped, &e)) {
			fprintf(stderr, "published_proj: %s\n", e.msg);
			obs_release(&s);
			return 3;
		}
		for (size_t k = 0; k < s.n_points; k++) {
			const struct obs_point *p = &s.points[k];
			double proj[OM_COUNT];
			struct sc_err pe = {0};
			int rc = obs_project(&s, p, &mp, proj, &pe);
			long slots = 0;
			double cap =
			    rc ? NAN : capacity_rps(&s, p, &mp, &slots);
			cJSON *o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "dir", argv[i]);
			cJSON_AddStringToObject(o, "level", p->level);
			cJSON_AddStringToObject(o, "load",
						table_load_name(p->load));
			cJSON_AddNumberToObject(o, "users", p->concurrency);
			cJSON_AddNumberToObject(o, "rate_per_s", p->rate_per_s);
			cJSON_AddNumberToObject(o, "isl", p->wl.isl);
			cJSON_AddNumberToObject(o, "osl", p->wl.osl);
			if (isfinite(cap))
				cJSON_AddNumberToObject(o, "capacity_rps", cap);
			cJSON_AddNumberToObject(o, "slots", (double)slots);
			cJSON_AddStringToObject(o, "side",
						side_of(p, cap, slots));
			metrics(o, "measured", p->value);
			if (rc)
				cJSON_AddStringToObject(o, "error", pe.msg);
			else
				metrics(o, "projected", proj);
			char *txt = cJSON_PrintUnformatted(o);
			puts(txt);
			cJSON_free(txt);
			cJSON_Delete(o);
			fflush(stdout);
		}
		obs_release(&s);
	}
	return 0;
}
