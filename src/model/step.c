/* Iteration time of one worker from FLOPs, bytes and collectives. */
#include "model/step.h"

#include <math.h>

/* Compute and memory traffic overlap imperfectly near balance: step_combine
 * takes a power-4 smooth max, which costs 19% at exact balance and under 1%
 * once one side is 2x the other, and keeps the model differentiable for the
 * fitter. */
#define GIGA	    1e9
#define ACT_BYTES   2.0 /* activations exchanged by collectives: bf16 */
#define EMBED_BYTES 2.0 /* LM head stays in bf16 */

int model_ctx_check(const struct model_ctx *c, const struct worker_shape *s,
		    struct sc_err *e)
{
	int rc;
	if ((rc = gpu_supports(c->g, c->wdtype, e)) ||
	    (rc = gpu_supports(c->g, c->kvdtype, e)))
		return rc;
	const struct model_spec *m = c->m;
	if (s->tp < 1 || s->pp < 1 || s->dp < 1 || s->ep < 1)
		return sc_err_set(e, SC_EINVAL, "parallelism must be >= 1");
	if (m->q_heads % s->tp || (m->kv_heads % s->tp && s->tp % m->kv_heads))
		return sc_err_set(
		    e, SC_EINVAL,
		    "tp %ld does not split the %ld heads / %ld KV heads of %s",
		    s->tp, m->q_heads, m->kv_heads, m->name);
	if (s->pp > m->layers)
		return sc_err_set(e, SC_EINVAL, "pp %ld exceeds %ld layers",
				  s->pp, m->layers);
	if (m->experts && m->experts % s->ep)
		return sc_err_set(e, SC_EINVAL,
				  "ep %ld does not divide %ld experts", s->ep,
				  m->experts);
	if (!m->experts && (s->ep > 1 || s->dp > 1))
		return sc_err_set(e, SC_EINVAL,
				  "ep/dp > 1 need a MoE model; %s is dense",
				  m->name);
	return SC_OK;
}

/* Fraction of the KV cache one GPU of a TP group holds: heads split over tp,
 * replicated once tp exceeds the KV heads. */
static double kv_fraction(const struct model_spec *m, long tp)
{
	return tp <= m->kv_heads ? 1.0 / (double)tp : 1.0 / (double)m->kv_heads;
}

static double link_bytes_per_s(const struct model_ctx *c,
			       const struct worker_shape *s)
{
	/* A worker larger than a node talks over the inter-node network. */
	double gbps = worker_gpus(s) > c->g->gpus_per_node
			  ? c->g->internode_gbps
			  : c->g->nvlink_gbps;
	return c->p->v[MP_ETA_AR] * gbps * GIGA;
}

/* Bytes of weights one GPU streams in one iteration of n tokens: dense
 * layers, attention and LM head into *dense, expert weights into *expert.
 * MoE layers read only the experts the tokens touch: of E experts, each
 * token picking k, E * (1 - (1 - k/E)^n) are touched on average. The
 * dense part and the expert weights are fixed per worker (step_prep). */
static void weight_bytes_read(const struct step_consts *k, double n_tok,
			      double *dense_out, double *expert_out)
{
	*dense_out = k->dense_bytes;
	*expert_out = 0.0;
	if (k->experts > 0) {
		double E = k->experts;
		double touched = E * (1.0 - pow(1.0 - k->top_k / E, n_tok));
		*expert_out = k->expert_bytes * (touched / E) / k->expert_split;
	}
}

void step_prep(const struct model_ctx *c, const struct worker_shape *s,
	       struct step_consts *k)
{
	const struct model_spec *m = c->m;
	const struct model_params *p = c->p;
	k->m = m;
	k->p = p;
	k->s = *s;
	k->ranks = (double)(s->tp * s->dp);
	k->per_tok_attn =
	    4.0 * (double)m->layers * (double)m->q_heads * (double)m->head_dim;
	/* model_linear_flops and model_lm_head_flops per token, multiplied
	 * in the same order as they do. */
	k->lin_flops_tok = 2.0 * model_active_layer_params(m);
	k->lm_flops_tok = 2.0 * (double)m->vocab * (double)m->hidden;
	k->kappa = model_kv_bytes_per_token(m, c->kvdtype) *
		   kv_fraction(m, s->tp) / (double)s->dp;
	double bf16 = gpu_flops(c->g, DT_BF16);
	k->lin_rate = p->v[MP_ETA_C] * gpu_flops(c->g, c->wdtype);
	k->attn_rate = p->v[MP_ETA_A] * bf16;
	k->attn_dec_rate = p->v[MP_ETA_AD] * bf16;

	double wb = dtype_bytes(c->wdtype);
	double lm = (double)m->vocab * (double)m->hidden * EMBED_BYTES;
	double all = model_weight_bytes(m, c->wdtype);
	/* Input embeddings are gathered, not streamed. */
	double embed_in = (double)m->vocab * (double)m->hidden * EMBED_BYTES;
	double experts = model_expert_params(m) * wb;
	double dense = all - experts - embed_in - (m->tied_embeddings ? 0 : lm);
	k->dense_bytes = dense / (double)s->tp + lm / (double)s->tp;
	k->expert_bytes = experts;
	k->experts = m->experts ? (double)m->experts : 0.0;
	k->top_k = (double)m->top_k;
	k->expert_split = (double)(s->moe_tp * s->ep);
	double bw = gpu_hbm_bytes_per_s(c->g);
	k->mem_rate = p->v[MP_ETA_M] * bw;
	k->expert_rate = p->v[MP_ETA_ME] * bw;
	k->link = link_bytes_per_s(c, s);
	k->cpu_share = c->sched ? c->sched->cpu_share : 0.0;
}

void step_parts_of(const struct step_consts *k, const struct step_load *l,
		   struct step_parts *out)
{
	const struct model_spec *m = k->m;
	const struct model_params *p = k->p;
	const struct worker_shape *s = &k->s;
	double ranks = k->ranks;
	double n_tok = l->decode_seqs + l->prefill_tokens;
	double sampled = l->decode_seqs + l->prefill_seqs;
	double per_tok_attn = k->per_tok_attn;

	/* Attention-DP ranks each sample their own sequences. */
	double f_lin = k->lin_flops_tok * n_tok / ranks +
		       k->lm_flops_tok * sampled / ranks;
	double kk = l->prefill_seqs > 1 ? l->prefill_seqs : 1.0;
	double kappa = k->kappa;
	/* Attention FLOPs of prompt tokens (matrix-matrix) and of decoding
	 * tokens (one query each: matrix-vector), at their own
	 * efficiencies. */
	double f_pre, f_dec, kv_read;
	if (l->attn_cells > 0) {
		/* One cell array for all sequences: each token's scores are
		 * computed against every occupied cell and masked, and the
		 * cells are read once per iteration. */
		f_pre =
		    per_tok_attn * l->prefill_tokens * l->attn_cells / ranks;
		f_dec = per_tok_attn * l->decode_seqs * l->attn_cells / ranks;
		kv_read = l->attn_cells;
	} else {
		f_pre = per_tok_attn *
			(l->prefill_tokens * l->prefill_ctx +
			 l->prefill_tokens * l->prefill_tokens / (2.0 * kk)) /
			ranks;
		f_dec = per_tok_attn *
			(l->decode_ctx_sum + 0.5 * l->decode_seqs) / ranks;
		kv_read = l->decode_ctx_sum + l->prefill_ctx * kk;
	}
	out->compute_s = f_lin / k->lin_rate + f_pre / k->attn_rate +
			 f_dec / k->attn_dec_rate;

	double dense, expert;
	weight_bytes_read(k, n_tok, &dense, &expert);
	/* Expert weights stream through grouped GEMMs of a few tokens per
	 * expert, at their own efficiency. */
	out->memory_s = (dense + kappa * (kv_read + n_tok)) / k->mem_rate +
			expert / k->expert_rate;

	double comm = 0.0;
	double link = k->link;
	if (s->tp > 1) {
		double msg = model_allreduce_bytes(m, n_tok / (double)s->dp);
		double t = (double)s->tp;
		double ar =
		    p->v[MP_ALPHA_AR] + 2.0 * (t - 1.0) / t * msg / link;
		comm += 2.0 * (double)m->layers * ar;
	}
	if (m->experts && s->ep > 1) {
		/* Dispatch and combine all-to-alls per MoE layer. */
		double e = (double)s->ep;
		double msg = n_tok * (double)m->top_k * (double)m->hidden *
			     ACT_BYTES / ranks;
		double a2a = p->v[MP_ALPHA_AR] + msg * (e - 1.0) / e / link;
		comm += 2.0 * (double)(m->layers - m->dense_layers) * a2a;
	}
	if (s->pp > 1) {
		double msg = n_tok * (double)m->hidden * ACT_BYTES;
		comm += (double)(s->pp - 1) * (p->v[MP_ALPHA_AR] + msg / link);
	}
	out->comm_s = comm;
	out->overhead_s =
	    p->v[MP_TAU_S] + p->v[MP_TAU_R] * sampled / (double)s->dp;
	out->pp = (double)s->pp;
	out->cpu_share = k->cpu_share;
}

void step_parts(const struct model_ctx *c, const struct worker_shape *s,
		const struct step_load *l, struct step_parts *out)
{
	struct step_consts k;
	step_prep(c, s, &k);
	step_parts_of(&k, l, out);
}

double step_combine(const struct step_parts *sp)
{
	/* (c^4 + m^4)^(1/4), written out: pow() dominated the fitter's time. */
	double c2 = sp->compute_s * sp->compute_s,
	       m2 = sp->memory_s * sp->memory_s;
	double core = sqrt(sqrt(c2 * c2 + m2 * m2));
	return sp->overhead_s + (core + sp->comm_s) * (1.0 + sp->cpu_share);
}

double step_time_of(const struct step_consts *k, const struct step_load *l)
{
	struct step_parts sp;
	step_parts_of(k, l, &sp);
	return step_combine(&sp);
}

double step_time_s(const struct model_ctx *c, const struct worker_shape *s,
		   const struct step_load *l)
{
	struct step_parts sp;
	step_parts(c, s, l, &sp);
	return step_combine(&sp);
}

double step_decode_s(const struct model_ctx *c, const struct worker_shape *s,
		     double b, double ctx)
{
	struct step_load l = {.decode_seqs = b, .decode_ctx_sum = b * ctx};
	return step_time_s(c, s, &l);
}

double step_mixed_s(const struct model_ctx *c, const struct worker_shape *s,
		    double b, double ctx, double n, double chunk_ctx)
{
	struct step_load l = {.decode_seqs = b,
			      .decode_ctx_sum = b * ctx,
			      .prefill_tokens = n,
			      .prefill_ctx = chunk_ctx,
			      .prefill_seqs = n > 0 ? 1.0 : 0.0};
	return step_time_s(c, s, &l);
}

double step_prefill_s(const struct model_ctx *c, const struct worker_shape *s,
		      double reqs, double isl, double budget)
{
	double total = reqs * isl;
	if (budget <= 0 || budget >= total) {
		struct step_load l = {.prefill_tokens = total,
				      .prefill_seqs = reqs};
		return step_time_s(c, s, &l);
	}
	/* Chunks walk the prompts in order; a chunk's context is its offset
	 * in the prompt it starts in. */
	double t = 0.0;
	for (double start = 0.0; start < total; start += budget) {
		double n = fmin(budget, total - start);
		double off = fmod(start, isl);
		double seqs = ceil((off + n) / isl);
		struct step_load l = {.prefill_tokens = n,
				      .prefill_ctx = seqs > 1 ? 0.0 : off,
				      .prefill_seqs = seqs};
		t += step_time_s(c, s, &l);
	}
	return t;
}

double step_kv_transfer_s(const struct model_ctx *c, const struct kv_link *l,
			  const struct worker_shape *prefill,
			  const struct worker_shape *decode, double isl)
{
	long pg = worker_gpus(prefill), dg = worker_gpus(decode);
	double links = (double)(pg < dg ? pg : dg);
	double bytes = isl * model_kv_bytes_per_token(c->m, c->kvdtype);
	return c->p->v[MP_TKV] + l->latency_us * 1e-6 +
	       bytes / (links * l->gbps * GIGA);
}
