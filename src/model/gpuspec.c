/* GPU specs: datasheet peaks and bandwidths. */
#include "model/gpuspec.h"

#include <stdio.h>
#include <string.h>

#include "model/catalog.h"
#include "util/jsonio.h"

#define GIB  1073741824.0
#define TERA 1e12
#define GIGA 1e9
/* Ranges of the spec's figures (README.md, "Ranges of numbers"): from a
 * slow CPU core to well past any accelerator, so products such as
 * hbm_gib * GIB stay finite. */
#define GPU_MIN		  1e-6
#define GPU_MAX_TFLOPS	  1e6
#define GPU_MAX_HBM_GIB	  1e6
#define GPU_MAX_HBM_TBPS  1e4
#define GPU_MAX_LINK_GBPS 1e6

static const char *const gpu_keys[] = {
    "name",	   "source",	     "tflops",	      "hbm_gib", "hbm_tbps",
    "nvlink_gbps", "internode_gbps", "gpus_per_node", NULL};

int gpu_spec_from_json(const cJSON *j, const char *where, struct gpu_spec *g,
		       struct sc_err *e)
{
	memset(g, 0, sizeof *g);
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: must be a JSON object",
				  where);
	const char *name;
	const cJSON *tf;
	int rc;
	if ((rc = jsonio_known_keys(j, gpu_keys, where, e)) ||
	    (rc = jsonio_str(j, "name", true, NULL, &name, where, e)) ||
	    (rc = jsonio_obj(j, "tflops", true, &tf, where, e)) ||
	    (rc = jsonio_range(j, "hbm_gib", true, 0, GPU_MIN, GPU_MAX_HBM_GIB,
			       &g->hbm_gib, where, e)) ||
	    (rc = jsonio_range(j, "hbm_tbps", true, 0, GPU_MIN,
			       GPU_MAX_HBM_TBPS, &g->hbm_tbps, where, e)) ||
	    (rc = jsonio_range(j, "nvlink_gbps", true, 0, GPU_MIN,
			       GPU_MAX_LINK_GBPS, &g->nvlink_gbps, where, e)) ||
	    (rc = jsonio_range(j, "internode_gbps", false, 25.0, GPU_MIN,
			       GPU_MAX_LINK_GBPS, &g->internode_gbps, where,
			       e)) ||
	    (rc = jsonio_int(j, "gpus_per_node", false, 8, 1, 1024,
			     &g->gpus_per_node, where, e)))
		return rc;
	snprintf(g->name, sizeof g->name, "%s", name);
	char w[600];
	snprintf(w, sizeof w, "%s: tflops", where);
	const cJSON *it;
	cJSON_ArrayForEach(it, tf)
	{
		enum dtype d;
		if (dtype_parse(it->string, &d) || !strcmp(it->string, "fp16"))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: unknown dtype '%s' (bf16, fp8, fp4)", w,
			    it->string);
		if ((rc = jsonio_range(tf, it->string, true, 0, GPU_MIN,
				       GPU_MAX_TFLOPS, &g->tflops[d], w, e)))
			return rc;
	}
	if (g->tflops[DT_BF16] <= 0)
		return sc_err_set(e, SC_EINPUT, "%s: field 'bf16': missing", w);
	return SC_OK;
}

int gpu_spec_load(const char *arg, struct gpu_spec *out, struct sc_err *e)
{
	char path[1024];
	cJSON *j = catalog_load("gpus", arg, path, sizeof path, e);
	if (!j)
		return SC_EINPUT;
	int rc = gpu_spec_from_json(j, path, out, e);
	cJSON_Delete(j);
	return rc;
}

int gpu_supports(const struct gpu_spec *g, enum dtype d, struct sc_err *e)
{
	if (g->tflops[d] > 0)
		return SC_OK;
	return sc_err_set(
	    e, SC_EINVAL,
	    "%s has no %s tensor support (its spec lists no tflops.%s)",
	    g->name, dtype_name(d), dtype_name(d));
}

double gpu_flops(const struct gpu_spec *g, enum dtype d)
{
	return g->tflops[d] * TERA;
}

double gpu_hbm_bytes(const struct gpu_spec *g)
{
	return g->hbm_gib * GIB;
}

double gpu_hbm_bytes_per_s(const struct gpu_spec *g)
{
	return g->hbm_tbps * TERA;
}

cJSON *gpu_spec_to_json(const struct gpu_spec *g)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", g->name);
	cJSON *tf = cJSON_AddObjectToObject(o, "tflops");
	for (int d = 0; d < DT_COUNT; d++)
		if (g->tflops[d] > 0)
			cJSON_AddNumberToObject(tf, dtype_name((enum dtype)d),
						g->tflops[d]);
	cJSON_AddNumberToObject(o, "hbm_gib", g->hbm_gib);
	cJSON_AddNumberToObject(o, "hbm_tbps", g->hbm_tbps);
	cJSON_AddNumberToObject(o, "nvlink_gbps", g->nvlink_gbps);
	cJSON_AddNumberToObject(o, "internode_gbps", g->internode_gbps);
	cJSON_AddNumberToObject(o, "gpus_per_node", (double)g->gpus_per_node);
	return o;
}
