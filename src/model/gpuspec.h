/* GPU specs (calib/gpus/NAME.json): peaks and bandwidths from datasheets. */
#ifndef SC_GPUSPEC_H
#define SC_GPUSPEC_H
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "model/dtype.h"
#include "util/err.h"

struct gpu_spec {
	char name[64];
	double tflops[DT_COUNT]; /* dense peak; 0 = dtype not supported */
	double hbm_gib;
	double hbm_tbps;
	double nvlink_gbps; /* per direction, per GPU */
	double internode_gbps;
	long gpus_per_node;
};

int gpu_spec_load(const char *name_or_path, struct gpu_spec *out,
		  struct sc_err *e) SC_MUST_CHECK;
int gpu_spec_from_json(const cJSON *j, const char *where, struct gpu_spec *out,
		       struct sc_err *e) SC_MUST_CHECK;
/* JSON that gpu_spec_from_json accepts. Caller frees. */
cJSON *gpu_spec_to_json(const struct gpu_spec *g);
/* SC_OK when the GPU has tensor peak for d, else SC_EINVAL naming both. */
int gpu_supports(const struct gpu_spec *g, enum dtype d,
		 struct sc_err *e) SC_MUST_CHECK;
double gpu_flops(const struct gpu_spec *g, enum dtype d); /* FLOP/s */
double gpu_hbm_bytes(const struct gpu_spec *g);		  /* bytes */
double gpu_hbm_bytes_per_s(const struct gpu_spec *g);

#endif
