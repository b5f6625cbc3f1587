/* The projection of `servecal predict`: a one-worker deployment from
 * flags, the model at one load point, and its JSON with memory. */
#include "model/predict.h"

#include <stdio.h>
#include <string.h>

#include "model/memory.h"
#include "model/step.h"

const char *predict_mode_name(enum predict_mode m)
{
	static const char *const names[] = {"agg", "prefill", "decode"};
	return m <= PREDICT_DECODE ? names[m] : "?";
}

int predict_worker_deploy(const struct predict_worker *w, struct deploy_spec *d,
			  struct sc_err *e)
{
	memset(d, 0, sizeof *d);
	int rc;
	if ((rc = model_spec_load(w->model, &d->model, e)) ||
	    (rc = gpu_spec_load(w->gpu, &d->gpu, e)))
		return rc;
	if (dtype_parse(w->dtype, &d->wdtype) ||
	    dtype_parse(w->kvdtype ? w->kvdtype : w->dtype, &d->kvdtype))
		return sc_err_set(
		    e, SC_EINVAL,
		    "--dtype/--kv-dtype: unknown dtype (bf16, fp8, fp4)");
	snprintf(d->name, sizeof d->name, "%.60s-%.60s-tp%ld", d->model.name,
		 d->gpu.name, w->tp);
	d->mode = DEPLOY_AGG;
	d->n_groups = 1;
	struct worker_spec *g = &d->groups[0];
	g->role = ROLE_AGG;
	g->count = 1;
	g->shape = (struct worker_shape){
	    w->tp, w->pp, w->dp, w->ep,
	    (w->tp * w->dp) / w->ep ? (w->tp * w->dp) / w->ep : 1};
	g->max_batch = w->max_batch;
	g->max_num_tokens = w->max_num_tokens;
	return SC_OK;
}

static void add_mem(cJSON *o, const struct mem_plan *m)
{
	cJSON_AddNumberToObject(o, "weights_gib_per_gpu", m->weights_gib);
	cJSON_AddNumberToObject(o, "activation_gib_per_gpu", m->activation_gib);
	cJSON_AddNumberToObject(o, "kv_gib_per_gpu", m->kv_gib);
	cJSON_AddNumberToObject(o, "kv_capacity_tokens", m->kv_capacity_tokens);
	cJSON_AddNumberToObject(o, "max_batch_fit", (double)m->max_batch_fit);
}

static cJSON *render(const struct deploy_spec *d, enum predict_mode mode,
		     enum perf_scope scope, const struct perf_workload *wl,
		     long conc, const struct perf_point *pt,
		     const struct mem_plan *mem, size_t n_mem)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "deployment", d->name);
	cJSON_AddStringToObject(
	    j, "mode",
	    d->mode == DEPLOY_DISAGG ? "disagg" : predict_mode_name(mode));
	cJSON_AddNumberToObject(j, "isl", wl->isl);
	cJSON_AddNumberToObject(j, "osl", wl->osl);
	cJSON_AddNumberToObject(j, "concurrency", (double)conc);
	/* The projection's own keys, then memory. */
	cJSON *pj = perf_point_to_json(pt, scope);
	cJSON *it;
	while ((it = pj->child)) {
		cJSON_DetachItemViaPointer(pj, it);
		cJSON_AddItemToObject(j, it->string, it);
	}
	cJSON_Delete(pj);
	cJSON_AddNumberToObject(
	    j, "kv_bytes_per_token",
	    model_kv_bytes_per_token(&d->model, d->kvdtype));
	/* The top-level memory is the worker that holds decode KV. */
	add_mem(j, &mem[n_mem - 1]);
	if (n_mem > 1) {
		cJSON *arr = cJSON_AddArrayToObject(j, "memory");
		for (size_t i = 0; i < n_mem; i++) {
			cJSON *m = cJSON_CreateObject();
			cJSON_AddStringToObject(
			    m, "role", worker_role_name(d->groups[i].role));
			add_mem(m, &mem[i]);
			cJSON_AddBoolToObject(m, "oom", mem[i].oom);
			cJSON_AddItemToArray(arr, m);
		}
	}
	return j;
}

cJSON *predict_run(const struct deploy_spec *d, const struct model_params *p,
		   enum predict_mode mode, bool whole,
		   const struct perf_workload *wl, long conc, struct sc_err *e)
{
	struct model_ctx c = {&d->model,  &d->gpu, d->wdtype,
			      d->kvdtype, p,	   &d->sched};
	struct perf_point pt = {0};
	struct mem_plan mem[DEPLOY_MAX_GROUPS];
	for (size_t i = 0; i < d->n_groups; i++) {
		const struct worker_spec *w = &d->groups[i];
		double seq =
		    w->role == ROLE_PREFILL ? wl->isl : wl->isl + wl->osl;
		mem_plan_worker(&c, &w->shape, (double)w->max_num_tokens, seq,
				&mem[i]);
	}
	const struct worker_shape *s = &d->groups[0].shape;
	bool all = whole || mode == PREDICT_AGG;
	int rc;
	if (all) {
		rc = perf_deploy(d, p, wl, (double)conc, &pt, e);
	} else if ((rc = model_ctx_check(&c, s, e)) == SC_OK) {
		double n = (double)conc;
		bool pf = mode == PREDICT_PREFILL;
		pt.gpus = worker_gpus(s);
		if (pf) {
			pt.prefill_s =
			    step_prefill_s(&c, s, n, wl->isl,
					   (double)d->groups[0].max_num_tokens);
			pt.ttft_s = pt.prefill_s;
			pt.tokens_per_s = n * wl->isl / pt.prefill_s;
		} else {
			pt.tpot_s =
			    step_decode_s(&c, s, n, wl->isl + wl->osl / 2);
			pt.tokens_per_s = n / pt.tpot_s;
			pt.tokens_per_s_per_user = 1.0 / pt.tpot_s;
			pt.decode_batch = n;
		}
		pt.tokens_per_s_per_gpu = pt.tokens_per_s / (double)pt.gpus;
		pt.oom =
		    mem[0].oom || (!pf && (double)mem[0].max_batch_fit < n);
	}
	if (rc)
		return NULL;
	enum perf_scope scope = all || d->mode == DEPLOY_DISAGG ? PERF_ALL
				: mode == PREDICT_PREFILL ? PERF_PREFILL_ONLY
							  : PERF_DECODE_ONLY;
	return render(d, mode, scope, wl, conc, &pt, mem, d->n_groups);
}
