/* The calibratable parameters: priors, ranges, sources, and JSON I/O. */
#include "model/params.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonio.h"

#define MS 1e-3
#define US 1e-6

const struct mp_info mp_table[MP_COUNT] = {
    [MP_ETA_C] = {"eta_c", "eta_c", "", 1.0, 0.60, 0.10, 0.90,
		  "fraction of dense tensor peak in linear-layer GEMMs",
		  "large FP8/BF16 GEMMs reach 60-80% of dense peak on "
		  "Hopper in cuBLAS/CUTLASS benchmarks; serving kernels "
		  "lose some to fusion and shapes; ggml's f16 kernels on "
		  "one CPU core reach 30-60% of FMA peak (the range's "
		  "lower part). Published serving runs agree with 0.60 "
		  "(bench/perf/published.sh): TensorRT-LLM 0.14 with all "
		  "500 requests of 467 tokens at once, prefill-bound TTFT "
		  "3.3 s (8B, H100) and 9.1 s (70B TP4); 0.55 and 0.65 "
		  "project those sweeps worse"},
    [MP_ETA_A] = {"eta_a", "eta_a", "", 1.0, 0.45, 0.01, 0.85,
		  "attention efficiency, fraction of BF16 peak",
		  "FlashAttention-3 forward reaches 50-75% of BF16 peak on "
		  "H100 at long sequences, less on short ones; ggml's "
		  "unfused CPU attention (scores, softmax and values as "
		  "separate small matrix products per head) reaches a "
		  "few percent of FMA peak (the range's bottom)"},
    [MP_ETA_AD] = {"eta_ad", "eta_ad", "", 1.0, 0.10, 0.005, 0.85,
		   "decode attention efficiency, fraction of BF16 peak: "
		   "one query per sequence against its cached keys",
		   "decode attention is matrix-vector work, mostly bound "
		   "by reading the KV cache on GPUs (the memory term), so "
		   "its compute efficiency matters little there; ggml on "
		   "one CPU core: measured about 3-6% of FMA peak on "
		   "llama-server (TPOT of 4 users over 4,352 cells)"},
    [MP_ETA_M] = {"eta_m", "eta_m", "", 1.0, 0.75, 0.40, 0.95,
		  "fraction of HBM bandwidth reading weights and KV",
		  "decode GEMV and paged-KV kernels achieve 70-85% of HBM "
		  "bandwidth in TensorRT-LLM and vLLM; TensorRT-LLM 0.14 "
		  "serving Llama-3.1-8B on one H100 at 2 requests/s "
		  "(ITL 8 ms: 16 GB of weights at 0.75 x 3.35 TB/s is "
		  "6.4 ms, plus tau_s) and the offline runs of 8B FP8 "
		  "(1000/1000 to 20000/2000 tokens) bear 0.75 out"},
    [MP_ETA_AR] = {"eta_ar", "eta_ar", "", 1.0, 0.60, 0.20, 0.95,
		   "all-reduce bus bandwidth B_ar as a fraction of NVLink "
		   "per-direction bandwidth",
		   "nccl-tests all_reduce busbw reaches 60-80% of NVLink "
		   "for MB-sized messages. The expert-parallel points "
		   "do not pin it: LMSYS's DeepSeek-V3 pools (EP32/EP72 "
		   "over InfiniBand) hide their all-to-alls behind "
		   "compute (two-batch overlap), which this additive "
		   "term cannot, and project 40-70% short"},
    [MP_ALPHA_AR] = {"alpha_ar", "alpha_ar_us", "us", US, 30 * US, 2 * US,
		     100 * US, "latency of one collective call",
		     "NCCL small-message all-reduce latency is 5-20 us "
		     "within an NVLink node (nccl-tests); in a serving "
		     "step each call also costs the launch gaps around "
		     "it: Llama-3.1-70B TP4 at 2 requests/s decodes in "
		     "21 ms on H100 and 18 ms on H200 (TensorRT-LLM 0.14), "
		     "25 ms on H100 (SGLang 0.3), 4-5 ms above streaming "
		     "its weights, over 160 all-reduces a step: about "
		     "30 us a call (10 us left TP4 TPOT 11-35% short)"},
    [MP_TAU_S] = {"tau_s", "tau_s_ms", "ms", MS, 2 * MS, 0.2 * MS, 20 * MS,
		  "per-iteration overhead (scheduling, launch, sampling)",
		  "serving engines with CUDA graphs spend about 1-5 ms "
		  "per iteration outside kernels; Llama-3.1-8B on one "
		  "H100 at 2 requests/s (TensorRT-LLM 0.14, ITL 8 ms, "
		  "6.4 ms of it streaming weights) leaves about 2 ms"},
    [MP_TAU_R] = {"tau_r", "tau_r_us", "us", US, 15 * US, 1 * US, 5000 * US,
		  "per-sequence per-iteration overhead (sampling, "
		  "detokenization, stop checks, block tables)",
		  "GPU engines: tens of microseconds per sequence "
		  "(TensorRT-LLM 0.14's ITL with all 500 requests at "
		  "once, 39 ms for 8B on one H100 and 85 ms for 70B TP4, "
		  "fit 10-20 us); an attention-DP rank pays it for its "
		  "own sequences; llama.cpp on one CPU core samples over "
		  "the whole vocabulary per sequence, about a "
		  "millisecond (the range's top)"},
    [MP_T0] = {"t0", "t0_ms", "ms", MS, 6 * MS, 0.1 * MS, 100 * MS,
	       "per-request frontend overhead (HTTP, tokenize, route)",
	       "HTTP handling and tokenizing a multi-thousand-token "
	       "prompt take a few to tens of ms; client-side TTFT at "
	       "low load less the projected prefill: TensorRT-LLM "
	       "0.14 + Triton 23 ms for a 467-token prompt on 8B/H100 "
	       "(prefill about 13 ms, first step 3), SGLang 0.3 32 ms "
	       "(median) on 8B/A100: 4-10 ms; 6 ms projects those "
	       "sweeps best (4 and 8 ms are 0.5-1.6 points worse)"},
    [MP_TKV] = {"tkv", "tkv_ms", "ms", MS, 5 * MS, 0.2 * MS, 200 * MS,
		"prefill-to-decode handoff not hidden behind compute",
		"KV-connector setup and the scheduling hop to the decode "
		"worker cost a few ms beyond the raw transfer; no "
		"published end-to-end disaggregated run states latency "
		"(LMSYS measured its pools alone)"},
    [MP_ETA_ME] = {"eta_me", "eta_me", "", 1.0, 0.30, 0.10, 0.95,
		   "fraction of HBM bandwidth reading MoE expert weights",
		   "grouped expert GEMMs with a few tokens per expert "
		   "stream weights well below dense GEMV bandwidth: "
		   "SGLang's FP8 block-scale fused_experts for "
		   "DeepSeek-V3's shapes (256 experts, top 8, hidden "
		   "7168, 512 intermediate a shard) on B200 (8 TB/s; "
		   "sgl-project/sglang pulls 5694 and 6916) read the 31.5 "
		   "experts 4 tokens touch (347 MB) in 0.155 ms with "
		   "CUTLASS and 0.207 ms with Triton, 28% and 21% of the "
		   "bandwidth, one token's 8 experts (88 MB) in 0.106 and "
		   "0.148 ms, 10% and 7%; DeepGEMM's dense FP8 GEMMs at "
		   "64 rows reach 50-73% of H800's (deepseek-ai/DeepGEMM "
		   "README). TensorRT-LLM's offline and blog points bear "
		   "0.30 out: DeepSeek-R1 FP8 on 8 H200 at 1,024 users "
		   "+6% and Qwen3-235B-A22B DEP4 on H200 +3% "
		   "(bench/perf/published.sh); 0.50 left them +41% and "
		   "+17%"},
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

/* Parameters of earlier model versions, accepted and ignored. */
static const char *const retired[] = {"q_knee", "q_gain", "q_cohort",
				      "q_cohort_max", NULL};

static int set_one(struct model_params *p, const char *key, const cJSON *v,
		   const char *where, struct sc_err *e)
{
	int i = params_find(key);
	for (size_t k = 0; i < 0 && retired[k]; k++)
		if (!strcmp(key, retired[k]))
			return SC_OK;
	if (i < 0)
		return sc_err_set(e, SC_EINPUT,
				  "%s: unknown parameter '%s' (known: eta_c, "
				  "eta_a, eta_ad, eta_m, eta_ar, alpha_ar_us, "
				  "tau_s_ms, tau_r_us, t0_ms, tkv_ms, eta_me)",
				  where, key);
	if (cJSON_IsObject(v))
		v = cJSON_GetObjectItemCaseSensitive(v, "value");
	const struct mp_info *m = &mp_table[i];
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return sc_err_set(e, SC_EINPUT,
				  "%s: parameter '%s': must be a number", where,
				  key);
	/* A bare short name ("tau_s") is in the JSON unit too. */
	double x = v->valuedouble * m->scale;
	/* Relative slack: values round-tripped through JSON text. */
	if (!(x >= m->lo * (1 - 1e-9) && x <= m->hi * (1 + 1e-9)))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: parameter '%s': %g is outside its range [%g, %g] %s",
		    where, key, v->valuedouble, m->lo / m->scale,
		    m->hi / m->scale, m->unit);
	p->v[i] = x;
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
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'params': must be an object", where);
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
