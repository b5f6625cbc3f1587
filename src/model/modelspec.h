/* Model architecture specs (calib/models/NAME.json) and the basis quantities
 * derived from them: parameter counts, FLOPs, weight and KV bytes. */
#ifndef SC_MODELSPEC_H
#define SC_MODELSPEC_H
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "model/dtype.h"
#include "util/err.h"

struct model_spec {
	char name[64];
	long layers, hidden, q_heads, kv_heads, head_dim, ffn, vocab;
	bool tied_embeddings;
	/* MoE: experts == 0 means dense. Layers [0, dense_layers) use the dense
	 * FFN of size ffn; the rest route to top_k of `experts` experts of size
	 * expert_ffn, plus shared_experts always-on experts of that size. */
	long experts, top_k, expert_ffn, shared_experts, dense_layers;
};

/* Loads a catalog name or a path. SC_EINPUT with file/field/problem. */
int model_spec_load(const char *name_or_path, struct model_spec *out,
		    struct sc_err *e) SC_MUST_CHECK;
/* Validates and fills from a parsed object; `where` prefixes errors. */
int model_spec_from_json(const cJSON *j, const char *where,
			 struct model_spec *out,
			 struct sc_err *e) SC_MUST_CHECK;

/* JSON that model_spec_from_json accepts. Caller frees. */
cJSON *model_spec_to_json(const struct model_spec *m);

/* Parameters of one transformer layer's attention projections (Q,K,V,O). */
double model_attn_params_per_layer(const struct model_spec *m);
/* All parameters of the transformer layers (attention + FFN/experts). */
double model_layer_params(const struct model_spec *m);
/* Parameters of the layers that one token activates (MoE: top_k experts). */
double model_active_layer_params(const struct model_spec *m);
/* Embedding plus (unless tied) the LM head. */
double model_embed_params(const struct model_spec *m);
/* Everything. */
double model_total_params(const struct model_spec *m);
/* Expert parameters only (0 for dense models). */
double model_expert_params(const struct model_spec *m);

/* Linear-layer FLOPs for n tokens through all layers: 2 * active * n. */
double model_linear_flops(const struct model_spec *m, double n_tokens);
/* Attention FLOPs for n new tokens after ctx cached tokens:
 * 4 * L * Hq * d * n * (ctx + n/2). */
double model_attn_flops(const struct model_spec *m, double n_tokens,
			double ctx_tokens);
/* LM-head FLOPs for n sampled tokens: 2 * vocab * hidden * n. */
double model_lm_head_flops(const struct model_spec *m, double n_tokens);
/* Weight bytes: layer weights in wdt, embedding and LM head in bf16 (as
 * FP8/FP4 checkpoints ship them). */
double model_weight_bytes(const struct model_spec *m, enum dtype wdt);
/* KV bytes per token: kappa = 2 * L * Hkv * d * bytes(kvdt). */
double model_kv_bytes_per_token(const struct model_spec *m, enum dtype kvdt);
/* All-reduce message of one TP all-reduce for n tokens: n * h * 2 bytes
 * (activations in bf16). */
double model_allreduce_bytes(const struct model_spec *m, double n_tokens);

#endif
