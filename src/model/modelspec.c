/* Model architecture specs and the basis quantities derived from them. */
#include "model/modelspec.h"

#include <stdio.h>
#include <string.h>

#include "model/catalog.h"
#include "util/jsonio.h"

/* SwiGLU FFNs (all shipped models) have gate, up and down projections. */
#define FFN_MATRICES 3.0
/* Embeddings and the LM head stay in bf16 in FP8/FP4 checkpoints. */
#define EMBED_BYTES 2.0
/* Activations exchanged by collectives are bf16. */
#define ACT_BYTES 2.0

static const char *const model_keys[] = {
    "name",	"source", "layers", "hidden",	       "q_heads", "kv_heads",
    "head_dim", "ffn",	  "vocab",  "tied_embeddings", "moe",	  NULL};
static const char *const moe_keys[] = {
    "experts", "top_k", "expert_ffn", "shared_experts", "dense_layers", NULL};

#define BIG 100000000L

int model_spec_from_json(const cJSON *j, const char *where,
			 struct model_spec *m, struct sc_err *e)
{
	memset(m, 0, sizeof *m);
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: must be a JSON object",
				  where);
	const char *name;
	const cJSON *moe;
	int rc;
	if ((rc = jsonio_known_keys(j, model_keys, where, e)) ||
	    (rc = jsonio_str(j, "name", true, NULL, &name, where, e)) ||
	    (rc = jsonio_int(j, "layers", true, 0, 1, 100000, &m->layers, where,
			     e)) ||
	    (rc = jsonio_int(j, "hidden", true, 0, 1, BIG, &m->hidden, where,
			     e)) ||
	    (rc = jsonio_int(j, "q_heads", true, 0, 1, 100000, &m->q_heads,
			     where, e)) ||
	    (rc = jsonio_int(j, "kv_heads", true, 0, 1, 100000, &m->kv_heads,
			     where, e)) ||
	    (rc = jsonio_int(j, "head_dim", true, 0, 1, 100000, &m->head_dim,
			     where, e)) ||
	    (rc = jsonio_int(j, "ffn", true, 0, 1, BIG, &m->ffn, where, e)) ||
	    (rc = jsonio_int(j, "vocab", true, 0, 1, BIG, &m->vocab, where,
			     e)) ||
	    (rc = jsonio_bool(j, "tied_embeddings", false, false,
			      &m->tied_embeddings, where, e)) ||
	    (rc = jsonio_obj(j, "moe", false, &moe, where, e)))
		return rc;
	snprintf(m->name, sizeof m->name, "%s", name);
	if (m->q_heads % m->kv_heads)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'q_heads': %ld is not divisible by kv_heads %ld",
		    where, m->q_heads, m->kv_heads);
	if (moe) {
		char w[600];
		snprintf(w, sizeof w, "%s: moe", where);
		if ((rc = jsonio_known_keys(moe, moe_keys, w, e)) ||
		    (rc = jsonio_int(moe, "experts", true, 0, 1, 100000,
				     &m->experts, w, e)) ||
		    (rc = jsonio_int(moe, "top_k", true, 0, 1, 100000,
				     &m->top_k, w, e)) ||
		    (rc = jsonio_int(moe, "expert_ffn", true, 0, 1, BIG,
				     &m->expert_ffn, w, e)) ||
		    (rc = jsonio_int(moe, "shared_experts", false, 0, 0, 100000,
				     &m->shared_experts, w, e)) ||
		    (rc = jsonio_int(moe, "dense_layers", false, 0, 0,
				     m->layers, &m->dense_layers, w, e)))
			return rc;
		if (m->top_k > m->experts)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'top_k': %ld exceeds experts %ld", w,
			    m->top_k, m->experts);
	}
	return SC_OK;
}

int model_spec_load(const char *arg, struct model_spec *out, struct sc_err *e)
{
	char path[1024];
	cJSON *j = catalog_load("models", arg, path, sizeof path, e);
	if (!j)
		return SC_EINPUT;
	int rc = model_spec_from_json(j, path, out, e);
	cJSON_Delete(j);
	return rc;
}

double model_attn_params_per_layer(const struct model_spec *m)
{
	double h = (double)m->hidden, d = (double)m->head_dim;
	double q = (double)m->q_heads * d, kv = (double)m->kv_heads * d;
	return h * q + 2.0 * h * kv + q * h; /* Q, K, V, O */
}

static double dense_ffn_params(const struct model_spec *m)
{
	return FFN_MATRICES * (double)m->hidden * (double)m->ffn;
}

static double expert_params_one(const struct model_spec *m)
{
	return FFN_MATRICES * (double)m->hidden * (double)m->expert_ffn;
}

static double moe_layers(const struct model_spec *m)
{
	return m->experts ? (double)(m->layers - m->dense_layers) : 0.0;
}

double model_expert_params(const struct model_spec *m)
{
	return moe_layers(m) * (double)m->experts * expert_params_one(m);
}

static double router_params(const struct model_spec *m)
{
	return moe_layers(m) * (double)m->hidden * (double)m->experts;
}

static double dense_layers(const struct model_spec *m)
{
	return (double)m->layers - moe_layers(m);
}

double model_layer_params(const struct model_spec *m)
{
	double shared =
	    moe_layers(m) * (double)m->shared_experts * expert_params_one(m);
	return (double)m->layers * model_attn_params_per_layer(m) +
	       dense_layers(m) * dense_ffn_params(m) + model_expert_params(m) +
	       shared + router_params(m);
}

double model_active_layer_params(const struct model_spec *m)
{
	double per_tok_experts = moe_layers(m) *
				 (double)(m->top_k + m->shared_experts) *
				 expert_params_one(m);
	return (double)m->layers * model_attn_params_per_layer(m) +
	       dense_layers(m) * dense_ffn_params(m) + per_tok_experts +
	       router_params(m);
}

double model_embed_params(const struct model_spec *m)
{
	double one = (double)m->vocab * (double)m->hidden;
	return m->tied_embeddings ? one : 2.0 * one;
}

double model_total_params(const struct model_spec *m)
{
	return model_layer_params(m) + model_embed_params(m);
}

double model_linear_flops(const struct model_spec *m, double n_tokens)
{
	return 2.0 * model_active_layer_params(m) * n_tokens;
}

double model_attn_flops(const struct model_spec *m, double n, double ctx)
{
	return 4.0 * (double)m->layers * (double)m->q_heads *
	       (double)m->head_dim * n * (ctx + n / 2.0);
}

double model_lm_head_flops(const struct model_spec *m, double n_tokens)
{
	return 2.0 * (double)m->vocab * (double)m->hidden * n_tokens;
}

double model_weight_bytes(const struct model_spec *m, enum dtype wdt)
{
	return model_layer_params(m) * dtype_bytes(wdt) +
	       model_embed_params(m) * EMBED_BYTES;
}

double model_kv_bytes_per_token(const struct model_spec *m, enum dtype kvdt)
{
	return 2.0 * (double)m->layers * (double)m->kv_heads *
	       (double)m->head_dim * dtype_bytes(kvdt);
}

double model_allreduce_bytes(const struct model_spec *m, double n_tokens)
{
	return n_tokens * (double)m->hidden * ACT_BYTES;
}

cJSON *model_spec_to_json(const struct model_spec *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", m->name);
	cJSON_AddNumberToObject(o, "layers", (double)m->layers);
	cJSON_AddNumberToObject(o, "hidden", (double)m->hidden);
	cJSON_AddNumberToObject(o, "q_heads", (double)m->q_heads);
	cJSON_AddNumberToObject(o, "kv_heads", (double)m->kv_heads);
	cJSON_AddNumberToObject(o, "head_dim", (double)m->head_dim);
	cJSON_AddNumberToObject(o, "ffn", (double)m->ffn);
	cJSON_AddNumberToObject(o, "vocab", (double)m->vocab);
	cJSON_AddBoolToObject(o, "tied_embeddings", m->tied_embeddings);
	if (m->experts) {
		cJSON *moe = cJSON_AddObjectToObject(o, "moe");
		cJSON_AddNumberToObject(moe, "experts", (double)m->experts);
		cJSON_AddNumberToObject(moe, "top_k", (double)m->top_k);
		cJSON_AddNumberToObject(moe, "expert_ffn",
					(double)m->expert_ffn);
		cJSON_AddNumberToObject(moe, "shared_experts",
					(double)m->shared_experts);
		cJSON_AddNumberToObject(moe, "dense_layers",
					(double)m->dense_layers);
	}
	return o;
}
