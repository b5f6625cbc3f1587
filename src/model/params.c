/* The calibratable parameters: priors, ranges, sources, and JSON I/O. */
#include "model/params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonio.h"

#define MS 1e-3
#define US 1e-6

const struct mp_info mp_table[MP_COUNT] = {
	[MP_ETA_C] = {"eta_c", "eta_c", "", 1.0, 0.60, 0.25, 0.90,
		      "fraction of dense tensor peak in linear-layer GEMMs",
		      "large FP8/BF16 GEMMs reach 60-80% of dense peak on "
		      "Hopper in cuBLAS/CUTLASS benchmarks; serving kernels "
		      "lose some to fusion and shapes"},
	[MP_ETA_A] = {"eta_a", "eta_a", "", 1.0, 0.45, 0.15, 0.85,
		      "attention efficiency, fraction of BF16 peak",
		      "FlashAttention-3 forward reaches 50-75% of BF16 peak on "
		      "H100 at long sequences, less on short ones"},
	[MP_ETA_M] = {"eta_m", "eta_m", "", 1.0, 0.75, 0.40, 0.95,
		      "fraction of HBM bandwidth reading weights and KV",
		      "decode GEMV and paged-KV kernels achieve 70-85% of HBM "
		      "bandwidth in TensorRT-LLM and vLLM"},
	[MP_ETA_AR] = {"eta_ar", "eta_ar", "", 1.0, 0.60, 0.20, 0.95,
		       "all-reduce bus bandwidth B_ar as a fraction of NVLink "
		       "per-direction bandwidth",
		       "nccl-tests all_reduce busbw reaches 60-80% of NVLink "
		       "for MB-sized messages"},
	[MP_ALPHA_AR] = {"alpha_ar", "alpha_ar_us", "us", US, 10 * US, 2 * US,
			 100 * US, "latency of one collective call",
			 "NCCL small-message all-reduce latency is 5-20 us "
			 "within an NVLink node"},
	[MP_TAU_S] = {"tau_s", "tau_s_ms", "ms", MS, 2 * MS, 0.2 * MS, 20 * MS,
		      "per-iteration overhead (scheduling, launch, sampling)",
		      "serving engines with CUDA graphs spend about 1-5 ms "
		      "per iteration outside kernels"},
	[MP_TAU_R] = {"tau_r", "tau_r_us", "us", US, 15 * US, 1 * US,
		      200 * US,
		      "per-sequence per-iteration overhead",
		      "detokenization, stop checks and block-table updates "
		      "cost tens of microseconds per sequence"},
	[MP_T0] = {"t0", "t0_ms", "ms", MS, 8 * MS, 0.5 * MS, 100 * MS,
		   "per-request frontend overhead (HTTP, tokenize, route)",
		   "HTTP handling and tokenizing a multi-thousand-token "
		   "prompt take a few to tens of ms"},
	[MP_TKV] = {"tkv", "tkv_ms", "ms", MS, 5 * MS, 0.2 * MS, 200 * MS,
		    "prefill-to-decode handoff not hidden behind compute",
		    "KV-connector setup and the scheduling hop to the decode "
		    "worker cost a few ms beyond the raw transfer"},
	[MP_Q_KNEE] = {"q_knee", "q_knee", "", 1.0, 1.0, 0.2, 10.0,
		       "width of the TTFT queueing knee, in service quanta of "
		       "the bottleneck",
		       "waiting = q_gain * w * softplus((N/X - cycle) / w), "
		       "w = q_knee * quantum (one prefill over the pool, or "
		       "one iteration when decode slots bind); 1 means "
		       "collisions cost about 0.7 quanta at the knee"},
	[MP_Q_GAIN] = {"q_gain", "q_gain", "", 1.0, 1.0, 0.3, 3.0,
		       "slope multiplier of TTFT waiting past the knee",
		       "1 is the closed-system asymptote; bursty arrival "
		       "and scheduler policy move it"},
	[MP_Q_COHORT] = {"q_cohort", "q_cohort", "", 1.0, 0.8, 0.05, 4.0,
			 "growth of synchronized prefill cohorts in agg: "
			 "with n users on a replica a request prefills "
			 "behind q_cohort * (n - 1) / (1 + q_cohort * (n - 1) "
			 "/ q_cohort_max) others",
			 "closed-loop users whose prompts meet in one "
			 "chunked-prefill iteration emit their first tokens "
			 "together and, with fixed output lengths, come back "
			 "together; on the emulated engine the cohort grows "
			 "by about 0.8 prompts per added user at first"},
	[MP_Q_COHORT_MAX] = {"q_cohort_max", "q_cohort_max", "", 1.0, 4.5,
			     0.5, 64.0,
			     "largest cohort a request waits behind, in prompts",
			     "a cohort larger than one iteration's token budget "
			     "finishes its prefill over several iterations and "
			     "comes apart; the emulated engine saturates near "
			     "4.5 prompts with a budget of two prompts"},
};

void params_default(struct model_params *p)
{
	for (int i = 0; i < MP_COUNT; i++)
		p->v[i] = mp_table[i].prior;
}

int params_find(const char *name)
{
	for (int i = 0; i < MP_COUNT; i++)
		if (!strcmp(name, mp_table[i].name) ||
		    !strcmp(name, mp_table[i].json_key))
			return i;
	return -1;
}

static int set_one(struct model_params *p, const char *key, const cJSON *v,
		   const char *where, struct sc_err *e)
{
	int i = params_find(key);
	if (i < 0)
		return sc_err_set(e, SC_EINPUT,
				  "%s: unknown parameter '%s' (known: eta_c, eta_a, eta_m, eta_ar, alpha_ar_us, tau_s_ms, tau_r_us, t0_ms, tkv_ms, q_knee, q_gain, q_cohort, q_cohort_max)",
				  where, key);
	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItemCaseSensitive(v, "value");
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble <= 0)
		return sc_err_set(e, SC_EINPUT,
				  "%s: parameter '%s': must be a number > 0",
				  where, key);
	/* A bare short name ("tau_s") is in the JSON unit too. */
	p->v[i] = v->valuedouble * mp_table[i].scale;
	return SC_OK;
}

int params_from_json(const cJSON *j, const char *where, struct model_params *p,
		     struct sc_err *e)
{
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: must be a JSON object",
				  where);
	const cJSON *inner = cJSON_GetObjectItemCaseSensitive(j, "params");
	if (inner) {
		if (!cJSON_IsObject(inner))
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'params': must be an object",
					  where);
		j = inner;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		/* Metadata beside the values of a flat file. */
		if (!inner && (!strcmp(it->string, "note") ||
			       !strcmp(it->string, "source")))
			continue;
		int rc = set_one(p, it->string, it, where, e);
		if (rc)
			return rc;
	}
	return SC_OK;
}

cJSON *params_to_json(const struct model_params *p)
{
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; i < MP_COUNT; i++)
		cJSON_AddNumberToObject(o, mp_table[i].json_key,
					p->v[i] / mp_table[i].scale);
	return o;
}

int params_load(const char *path, struct model_params *p, struct sc_err *e)
{
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	int rc = params_from_json(j, path, p, e);
	cJSON_Delete(j);
	return rc;
}
