/* Memory plan: OOM detection and KV capacity. */
#include <math.h>

#include "model/memory.h"
#include "modelfix.h"
#include "testutil.h"

/* Llama-3.1-70B in bf16 is ~141 GB of weights: it cannot fit one 80 GB
 * H100 and must be reported OOM; at TP4 it fits. */
static void test_oom(void)
{
	struct modelfix f;
	struct mem_plan mp;
	modelfix_init(&f, "llama-3.1-70b", "h100-sxm", DT_BF16, DT_BF16);
	struct worker_shape tp1 = {1, 1, 1, 1, 1}, tp4 = {4, 1, 1, 1, 4};
	mem_plan_worker(&f.c, &tp1, 8192, 4500, &mp);
	CU_ASSERT_TRUE(mp.oom);
	CU_ASSERT(mp.weights_gib > 120);
	mem_plan_worker(&f.c, &tp4, 8192, 4500, &mp);
	CU_ASSERT_FALSE(mp.oom);
	CU_ASSERT(mp.max_batch_fit > 10);
}

/* Qwen3-32B FP8 at TP2 on H200: weights 34.3 GB / 2 = 15.98 GiB per GPU;
 * KV per token per GPU 131072 / 2 = 65536 B; capacity = KV GiB * 2^30 /
 * 65536, and max batch = capacity / 4500. */
static void test_capacity(void)
{
	struct modelfix f;
	struct mem_plan mp;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	struct worker_shape tp2 = {2, 1, 1, 1, 2};
	mem_plan_worker(&f.c, &tp2, 8192, 4500, &mp);
	CU_ASSERT_DOUBLE_EQUAL(mp.weights_gib, 34317271040.0 / 2 / 1073741824.0,
			       1e-9);
	CU_ASSERT_DOUBLE_EQUAL(mp.kv_bytes_per_token_per_gpu, 65536.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(mp.kv_capacity_tokens,
			       mp.kv_gib * 1073741824.0 / 65536.0, 1e-3);
	CU_ASSERT_EQUAL(mp.max_batch_fit,
			(long)floor(mp.kv_capacity_tokens / 4500));
	CU_ASSERT(mp.kv_gib > 90 && mp.kv_gib < 112);
	/* TP beyond the 8 KV heads replicates KV: per-token bytes stop
	 * shrinking. */
	struct worker_shape tp16 = {16, 1, 1, 1, 16};
	mem_plan_worker(&f.c, &tp16, 8192, 4500, &mp);
	CU_ASSERT_DOUBLE_EQUAL(mp.kv_bytes_per_token_per_gpu, 131072.0 / 8, 0);
}

/* Llama-3.1-70B FP8 at TP1 on one H100 (80 GiB), budget 8192: weights
 * 67.66 GiB, activations 8192 * 8192 * 2 B * (6 + 2 * 28672 / 8192) =
 * 1.625 GiB, runtime 2 GiB. vLLM keeps 0.9 * 80 - 67.66 - 1.625 - 2 = 0.72
 * GiB for KV (2 sequences of 2048 at 163,840 B of FP8 KV a token);
 * TensorRT-LLM gives the KV cache 0.9 of what is left, 0.9 * (80 - 67.66 -
 * 1.625 - 2) = 7.84 GiB (25 sequences). Were the backend's
 * split ignored, both would plan the same KV; a context without an engine
 * (NULL) or an unknown backend must keep vLLM's split. */
static void test_kv_of_free(void)
{
	struct modelfix f;
	struct mem_plan v, t, n, u;
	modelfix_init(&f, "llama-3.1-70b", "h100-sxm", DT_FP8, DT_FP8);
	struct worker_shape tp1 = {1, 1, 1, 1, 1};
	mem_plan_worker(&f.c, &tp1, 8192, 2048, &n);
	f.c.sched = sched_find("vllm");
	mem_plan_worker(&f.c, &tp1, 8192, 2048, &v);
	f.c.sched = sched_find("trtllm");
	mem_plan_worker(&f.c, &tp1, 8192, 2048, &t);
	f.c.sched = sched_find("no-such-engine");
	mem_plan_worker(&f.c, &tp1, 8192, 2048, &u);
	double left = 80.0 - v.weights_gib - v.activation_gib - 2.0;
	CU_ASSERT_DOUBLE_EQUAL(v.weights_gib, 67.66, 0.01);
	CU_ASSERT_DOUBLE_EQUAL(v.activation_gib, 1.625, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(v.kv_gib, 0.9 * 80.0 - (80.0 - left), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(v.kv_gib, 0.72, 0.01);
	CU_ASSERT_EQUAL(v.max_batch_fit, 2);
	CU_ASSERT_DOUBLE_EQUAL(t.kv_gib, 0.9 * left, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(t.kv_gib, 7.84, 0.01);
	CU_ASSERT_EQUAL(t.max_batch_fit, 25);
	CU_ASSERT_DOUBLE_EQUAL(n.kv_gib, v.kv_gib, 0);
	CU_ASSERT_DOUBLE_EQUAL(u.kv_gib, v.kv_gib, 0);
	/* The weights and activations themselves do not depend on it. */
	CU_ASSERT_DOUBLE_EQUAL(t.weights_gib, v.weights_gib, 0);
	CU_ASSERT_DOUBLE_EQUAL(t.activation_gib, v.activation_gib, 0);
}

static CU_TestInfo tests[] = {
    {"KV memory of the free memory (trtllm) or of all (vllm)", test_kv_of_free},
    {"OOM detection", test_oom},
    {"KV capacity", test_capacity},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("memory", tests)
