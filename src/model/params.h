/* The analytical model's calibratable parameters: one vector, described by
 * a table (name, JSON key, unit, prior and plausible range, source), so the
 * fitter, the JSON I/O and the reports iterate the table. Values are held in
 * SI units (seconds, fractions). Queueing has no parameter of its own: it
 * follows from simulating the engine's scheduler (model/sim.h). A value
 * outside [lo, hi] is rejected when read and never produced by the fit. */
#ifndef SC_PARAMS_H
#define SC_PARAMS_H
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/err.h"

enum mp {
	MP_ETA_C,    /* fraction of tensor peak in linear-layer GEMMs */
	MP_ETA_A,    /* prefill attention efficiency (fraction of bf16 peak) */
	MP_ETA_AD,   /* decode attention efficiency (fraction of bf16 peak) */
	MP_ETA_M,    /* fraction of HBM bandwidth achieved streaming bytes */
	MP_ETA_AR,   /* all-reduce bus bandwidth B_ar as a fraction of NVLink */
	MP_ALPHA_AR, /* per-call collective latency, s */
	MP_TAU_S,    /* per-iteration overhead, s */
	MP_TAU_R,    /* per-sequence per-iteration overhead, s */
	MP_T0,	     /* per-request frontend overhead, s */
	MP_TKV,	     /* prefill-to-decode handoff not hidden, s */
	MP_ETA_ME,   /* fraction of HBM bandwidth reading MoE expert weights
			(grouped GEMMs) */
	MP_COUNT
};

struct mp_info {
	const char *name;     /* short name: "eta_c" */
	const char *json_key; /* key with unit: "tau_s_ms" */
	const char *unit;     /* display unit: "ms", "" */
	double scale;	      /* SI value = JSON value * scale */
	double prior;	      /* SI */
	double lo, hi;	      /* plausible range, SI */
	const char *meaning;
	const char *source;
};

extern const struct mp_info mp_table[MP_COUNT];

struct model_params {
	double v[MP_COUNT];
};

/* Fills every parameter with its prior. */
void params_default(struct model_params *p);
/* Index of a parameter by name ("eta_c", "tau_s") or JSON key; -1 if none. */
int params_find(const char *name);
/* Reads keys present in j (flat object, or j["params"][k]["value"] as
 * written by the fitter) over the values already in p. Unknown keys are an
 * error; values must be finite and inside the parameter's range. Keys of
 * parameters that no longer exist (the old queueing terms q_knee, q_gain,
 * q_cohort, q_cohort_max) are skipped, so older files still load. */
int params_from_json(const cJSON *j, const char *where, struct model_params *p,
		     struct sc_err *e) SC_MUST_CHECK;
/* Flat object {json_key: value-in-json-unit}. Caller frees. */
cJSON *params_to_json(const struct model_params *p);
/* Loads a params file (flat object, fit.json, or perf database entry) over
 * the defaults. */
int params_load(const char *path, struct model_params *p,
		struct sc_err *e) SC_MUST_CHECK;

#endif
