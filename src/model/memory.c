/* Per-GPU memory plan: weights, activations, runtime reserve, KV cache. */
#include "model/memory.h"

#include <math.h>

#define GIB 1073741824.0
/* The memory fraction of a serving engine's defaults: of all HBM for
 * weights, activations and KV cache (vLLM's gpu_memory_utilization 0.9;
 * SGLang's mem_fraction_static is 0.85-0.88 at TP1-4), or of the memory
 * the loaded engine leaves, for the KV cache alone (TensorRT-LLM's
 * kv_cache_free_gpu_mem_fraction 0.9); sched_spec.kv_of_free picks. */
#define MEM_UTILIZATION 0.90
/* CUDA context, cuBLAS workspaces, CUDA graphs and NCCL buffers: 1.5-3 GiB
 * per GPU in practice. */
#define RUNTIME_RESERVE_GIB 2.0
/* Live activations per token of the iteration budget, in hidden-size bf16
 * vectors: residual, norm, QKV, attention output, and the two FFN
 * intermediates (counted through ffn/hidden). */
#define ACT_VECTORS_BASE 6.0
#define ACT_BYTES	 2.0

void mem_plan_worker(const struct model_ctx *c, const struct worker_shape *s,
		     double max_num_tokens, double seq_len,
		     struct mem_plan *out)
{
	const struct model_spec *m = c->m;
	double wb = dtype_bytes(c->wdtype);
	double experts = model_expert_params(m) * wb;
	double rest = model_weight_bytes(m, c->wdtype) - experts;
	double weights = rest / (double)(s->tp * s->pp);
	if (m->experts)
		weights += experts / (double)(s->moe_tp * s->ep * s->pp);

	double ffn = m->experts ? (double)m->expert_ffn * (double)m->top_k
				: (double)m->ffn;
	double vectors = ACT_VECTORS_BASE + 2.0 * ffn / (double)m->hidden;
	/* The worker's budget is shared by its attention-DP ranks. */
	double act = max_num_tokens * (double)m->hidden * ACT_BYTES * vectors /
		     (double)(s->tp * s->dp);

	double hbm = gpu_hbm_bytes(c->g);
	double reserve = RUNTIME_RESERVE_GIB * GIB;
	double kv = c->sched && c->sched->kv_of_free
			? MEM_UTILIZATION * (hbm - weights - act - reserve)
			: MEM_UTILIZATION * hbm - weights - act - reserve;

	double kv_frac = c->m->kv_heads >= s->tp ? 1.0 / (double)s->tp
						 : 1.0 / (double)m->kv_heads;
	double per_tok =
	    model_kv_bytes_per_token(m, c->kvdtype) * kv_frac / (double)s->pp;

	out->weights_gib = weights / GIB;
	out->activation_gib = act / GIB;
	out->reserved_gib = reserve / GIB;
	out->kv_gib = kv / GIB;
	out->kv_bytes_per_token_per_gpu = per_tok;
	/* Each attention-DP rank keeps its own sequences' KV. */
	out->kv_capacity_tokens = kv > 0 ? kv / per_tok * (double)s->dp : 0.0;
	double fit = seq_len > 0 ? floor(out->kv_capacity_tokens / seq_len) : 0;
	out->max_batch_fit = fit > 1e9 ? 1000000000L : (long)fit;
	out->oom = kv <= 0 || out->max_batch_fit < 1;
}
