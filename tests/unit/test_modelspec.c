/* Known-answer tests of the basis quantities, computed by hand below. */
#include <math.h>
#include <string.h>

#include "model/gpuspec.h"
#include "model/modelspec.h"
#include "testutil.h"

static struct model_spec load(const char *name)
{
	struct model_spec m;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(model_spec_load(name, &m, &e), SC_OK);
	return m;
}

/* kappa = 2 * L * Hkv * d * bytes = 2 * 64 * 8 * 128 * 2 = 262144 (bf16),
 * 131072 (fp8). A wrong kappa mis-sizes every KV cache and transfer. */
static void test_kv_bytes(void)
{
	struct model_spec m = load("qwen3-32b");
	CU_ASSERT_DOUBLE_EQUAL(model_kv_bytes_per_token(&m, DT_BF16), 262144.0,
			       0);
	CU_ASSERT_DOUBLE_EQUAL(model_kv_bytes_per_token(&m, DT_FP8), 131072.0,
			       0);
}

/* Qwen3-32B per layer: Q 5120*8192 + K,V 2*5120*1024 + O 8192*5120
 * = 94,371,840; FFN 3*5120*25600 = 393,216,000; 64 layers = 31,205,621,760.
 * Embedding + untied head 2*151936*5120 = 1,555,824,640 (32.76 B in all,
 * the published 32.8 B). FP8 bytes: layers at 1 byte, embeddings at 2:
 * 31,205,621,760 + 3,111,649,280 = 34,317,271,040. */
static void test_params_and_weights(void)
{
	struct model_spec m = load("qwen3-32b");
	CU_ASSERT_DOUBLE_EQUAL(model_attn_params_per_layer(&m), 94371840.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(model_layer_params(&m), 31205621760.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(model_embed_params(&m), 1555824640.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(model_weight_bytes(&m, DT_FP8), 34317271040.0,
			       0);
	CU_ASSERT_DOUBLE_EQUAL(model_weight_bytes(&m, DT_BF16),
			       2.0 * 31205621760.0 + 3111649280.0, 0);
}

/* 4000-token prefill: linear 2 * 31,205,621,760 * 4000 = 2.49645e14;
 * attention 4 * 64 * 64 * 128 * 4000 * (0 + 2000) = 1.67772e13; total
 * 2.66422e14 ("about 2.66e14"). */
static void test_prefill_flops(void)
{
	struct model_spec m = load("qwen3-32b");
	double lin = model_linear_flops(&m, 4000);
	double att = model_attn_flops(&m, 4000, 0);
	CU_ASSERT_DOUBLE_EQUAL(lin, 2.0 * 31205621760.0 * 4000.0, 1.0);
	CU_ASSERT_DOUBLE_EQUAL(att, 16777216000000.0, 1.0);
	ASSERT_REL(lin + att, 2.66422e14, 1e-5);
	/* Context in front of the tokens adds n * ctx per position. */
	CU_ASSERT_DOUBLE_EQUAL(model_attn_flops(&m, 1, 4000),
			       4.0 * 64 * 64 * 128 * 4000.5, 1.0);
}

/* MoE: Qwen3-30B-A3B has about 30.5 B parameters and about 3.3 B active;
 * Qwen3-235B-A22B about 235 B and 22 B. Per layer of the 30B: attention
 * 2048*4096*2 + 2*2048*512 = 18,874,368; experts 128*3*2048*768 =
 * 603,979,776; router 2048*128 = 262,144. */
static void test_moe_params(void)
{
	struct model_spec a = load("qwen3-30b-a3b");
	CU_ASSERT_DOUBLE_EQUAL(model_expert_params(&a), 48.0 * 603979776.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(model_layer_params(&a),
			       48.0 * (18874368.0 + 603979776.0 + 262144.0), 0);
	ASSERT_REL(model_total_params(&a), 30.5e9, 0.01);
	double active = model_active_layer_params(&a) + model_embed_params(&a);
	ASSERT_REL(active, 3.3e9, 0.03);
	struct model_spec b = load("qwen3-235b-a22b");
	ASSERT_REL(model_total_params(&b), 235e9, 0.01);
	ASSERT_REL(model_active_layer_params(&b) + model_embed_params(&b), 22e9,
		   0.03);
}

/* Dense models from their public configs land on their published sizes. */
static void test_catalog_sizes(void)
{
	static const struct {
		const char *name;
		double params;
	} cases[] = {{"qwen3-8b", 8.2e9},
		     {"llama-3.1-8b", 8.03e9},
		     {"llama-3.1-70b", 70.6e9}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct model_spec m = load(cases[i].name);
		ASSERT_REL(model_total_params(&m), cases[i].params, 0.01);
	}
}

static void test_gpu_catalog(void)
{
	struct gpu_spec g;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(gpu_spec_load("H200-SXM", &g, &e), SC_OK);
	CU_ASSERT_DOUBLE_EQUAL(gpu_flops(&g, DT_FP8), 1978.9e12, 1e9);
	CU_ASSERT_DOUBLE_EQUAL(gpu_hbm_bytes_per_s(&g), 4.8e12, 1);
	CU_ASSERT_EQUAL(gpu_supports(&g, DT_FP4, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "fp4"));
	CU_ASSERT_EQUAL_FATAL(gpu_spec_load("a100-80gb", &g, &e), SC_OK);
	CU_ASSERT_EQUAL(gpu_supports(&g, DT_FP8, &e), SC_EINVAL);
	CU_ASSERT_EQUAL_FATAL(gpu_spec_load("b200", &g, &e), SC_OK);
	CU_ASSERT_EQUAL(gpu_supports(&g, DT_FP4, &e), SC_OK);
}

static CU_TestInfo tests[] = {
    {"kv bytes per token", test_kv_bytes},
    {"parameter counts and weight bytes", test_params_and_weights},
    {"prefill FLOPs", test_prefill_flops},
    {"MoE parameters", test_moe_params},
    {"catalog model sizes", test_catalog_sizes},
    {"GPU catalog", test_gpu_catalog},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("modelspec", tests)
