/* From the names and units of the match flags to a plan_query. */
#include "plan/ask.h"

#include <stdio.h>
#include <string.h>

#include "model/catalog.h"

int plan_query_from_ask(const struct plan_ask *a, struct plan_inputs *in,
			struct plan_query *q, struct sc_err *e)
{
	int rc;
	memset(q, 0, sizeof *q);
	if ((rc = model_spec_load(a->model, &in->m, e)) ||
	    (rc = gpu_spec_load(a->gpu, &in->g, e)))
		return rc;
	struct params_choice pc = {a->params, a->db, in->g.name,
				   a->backend_given ? a->backend : NULL,
				   in->m.name};
	if ((rc = params_resolve(&pc, &in->p, in->params_from,
				 sizeof in->params_from, e)))
		return rc;
	if (dtype_parse(a->dtype, &q->wdtype) ||
	    dtype_parse(a->kvdtype ? a->kvdtype : a->dtype, &q->kvdtype))
		return sc_err_set(
		    e, SC_EINVAL,
		    "--dtype/--kv-dtype: unknown dtype (bf16, fp8, fp4)");
	q->m = &in->m;
	q->g = &in->g;
	q->p = &in->p;
	snprintf(q->backend, sizeof q->backend, "%s", a->backend);
	snprintf(q->model_ref, sizeof q->model_ref, "%s",
		 catalog_is_path(a->model) ? "" : a->model);
	snprintf(q->gpu_ref, sizeof q->gpu_ref, "%s",
		 catalog_is_path(a->gpu) ? "" : a->gpu);
	q->wl = (struct perf_workload){(double)a->isl, (double)a->osl};
	q->sla.ttft_s = a->ttft_ms * 1e-3;
	q->sla.tpot_s =
	    a->tpot_ms > 0 ? a->tpot_ms * 1e-3 : 1.0 / a->min_tokens_per_s_user;
	q->sla.ttft_stat = a->ttft_stat;
	q->sla.tpot_stat = a->tpot_stat;
	q->sla.ttft_margin_prompts = a->ttft_margin_prompts;
	q->sla.load_margin = a->load_margin;
	q->objective = a->objective;
	q->total_gpus = a->total_gpus;
	q->max_gpus_per_worker = a->max_gpus_per_worker;
	q->link = (struct kv_link){a->link_gbps, a->link_latency_us};
	q->do_agg = a->modes != PLAN_ASK_DISAGG;
	q->do_disagg = a->modes != PLAN_ASK_AGG;
	return SC_OK;
}
