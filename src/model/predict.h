/* What `servecal predict` projects: one worker built from its shape (whole
 * aggregated serving, a batch of prefills, or one decode step) or a whole
 * deployment, with the memory plan of each worker group, as one JSON
 * object whose keys carry their units. */
#ifndef SC_PREDICT_H
#define SC_PREDICT_H
#include <cjson/cJSON.h>

#include "model/deploy.h"
#include "model/params.h"
#include "model/perf.h"
#include "util/err.h"

enum predict_mode {
	PREDICT_AGG = 0, /* N closed-loop users of the deployment */
	PREDICT_PREFILL, /* prefill of N prompts batched on one worker */
	PREDICT_DECODE,	 /* one decode iteration at batch N */
};
const char *predict_mode_name(enum predict_mode m);

/* One worker, named as on the command line. */
struct predict_worker {
	const char *model, *gpu;     /* catalog names or spec files */
	const char *dtype, *kvdtype; /* kvdtype NULL: dtype's */
	long tp, pp, dp, ep, max_batch, max_num_tokens;
};

/* Fills d (deploy_release it) with a one-worker agg deployment of w.
 * Returns SC_OK, the spec loaders' status, or SC_EINVAL for an unknown
 * dtype name. */
int predict_worker_deploy(const struct predict_worker *w, struct deploy_spec *d,
			  struct sc_err *e) SC_MUST_CHECK;

/* Projects d with parameters p at conc users (or batch) of wl. mode
 * applies to a one-worker deployment; whole (a deployment file) always
 * projects all of d. Returns the projection (caller frees; "oom" true when
 * it does not fit), or NULL with e set. */
cJSON *predict_run(const struct deploy_spec *d, const struct model_params *p,
		   enum predict_mode mode, bool whole,
		   const struct perf_workload *wl, long conc, struct sc_err *e);

#endif
