/* Checkpoints by model and weight dtype: the model makers' own releases
 * on Hugging Face (Qwen publishes FP8 variants of Qwen3; Meta's Llama 3.1
 * FP8 checkpoints come from NVIDIA's ModelOpt releases). */
#include "gen/modelid.h"

#include <stdio.h>
#include <strings.h>

static const struct {
	const char *model;
	enum dtype wdtype;
	const char *id;
} ids[] = {
    {"Qwen3-32B", DT_BF16, "Qwen/Qwen3-32B"},
    {"Qwen3-32B", DT_FP8, "Qwen/Qwen3-32B-FP8"},
    {"Qwen3-8B", DT_BF16, "Qwen/Qwen3-8B"},
    {"Qwen3-8B", DT_FP8, "Qwen/Qwen3-8B-FP8"},
    {"Qwen3-30B-A3B", DT_BF16, "Qwen/Qwen3-30B-A3B"},
    {"Qwen3-30B-A3B", DT_FP8, "Qwen/Qwen3-30B-A3B-FP8"},
    {"Qwen3-235B-A22B", DT_BF16, "Qwen/Qwen3-235B-A22B"},
    {"Qwen3-235B-A22B", DT_FP8, "Qwen/Qwen3-235B-A22B-FP8"},
    {"Llama-3.1-8B", DT_BF16, "meta-llama/Llama-3.1-8B-Instruct"},
    {"Llama-3.1-8B", DT_FP8, "nvidia/Llama-3.1-8B-Instruct-FP8"},
    {"Llama-3.1-70B", DT_BF16, "meta-llama/Llama-3.1-70B-Instruct"},
    {"Llama-3.1-70B", DT_FP8, "nvidia/Llama-3.1-70B-Instruct-FP8"},
    {"DeepSeek-V3", DT_FP8, "deepseek-ai/DeepSeek-V3"},
};

int gen_model_id(const char *model, enum dtype wdtype, char *buf, size_t len,
		 struct sc_err *e)
{
	for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
		if (!strcasecmp(ids[i].model, model) &&
		    ids[i].wdtype == wdtype) {
			snprintf(buf, len, "%s", ids[i].id);
			return SC_OK;
		}
	return sc_err_set(
	    e, SC_EINPUT,
	    "no checkpoint known for %s with %s weights: give the "
	    "path or Hugging Face id the engine loads (--model-path)",
	    model, dtype_name(wdtype));
}
