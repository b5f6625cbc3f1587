/* Step times: plausibility against public figures, roofline bounds and
 * monotonicity. */
#include <math.h>

#include "modelfix.h"
#include "testutil.h"

static const struct worker_shape TP1 = {1, 1, 1, 1, 1}, TP2 = {2, 1, 1, 1, 2},
				 TP4 = {4, 1, 1, 1, 4}, TP8 = {8, 1, 1, 1, 8};

/* Qwen3-32B FP8 on H200 with priors: a 4000-token prefill takes
 * 200-400 ms at TP1 and 110-220 ms at TP2 (public TensorRT-LLM and vLLM
 * figures); a decode step at TP2, batch 64, context ~4250 takes 8-18 ms. */
static void test_plausible(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	double p1 = step_prefill_s(&f.c, &TP1, 1, 4000, 8192);
	double p2 = step_prefill_s(&f.c, &TP2, 1, 4000, 8192);
	double d2 = step_decode_s(&f.c, &TP2, 64, 4250);
	CU_ASSERT(p1 > 0.200 && p1 < 0.400);
	CU_ASSERT(p2 > 0.110 && p2 < 0.220);
	CU_ASSERT(d2 > 0.008 && d2 < 0.018);
}

/* The step lies between its roofline bound (overhead + max(compute,
 * memory) + comm) and the no-overlap sum. */
static void test_roofline_bounds(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	const struct step_load loads[] = {
	    {.decode_seqs = 1, .decode_ctx_sum = 100},
	    {.decode_seqs = 256, .decode_ctx_sum = 256 * 4000.0},
	    {.prefill_tokens = 4000, .prefill_seqs = 1},
	    {.decode_seqs = 32,
	     .decode_ctx_sum = 32 * 4250.0,
	     .prefill_tokens = 2048,
	     .prefill_ctx = 1000,
	     .prefill_seqs = 1},
	};
	for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
		struct step_parts sp;
		step_parts(&f.c, &TP2, &loads[i], &sp);
		double t = step_combine(&sp);
		double lo =
		    sp.overhead_s + sp.comm_s + fmax(sp.compute_s, sp.memory_s);
		double hi =
		    sp.overhead_s + sp.comm_s + sp.compute_s + sp.memory_s;
		CU_ASSERT(t >= lo && t <= hi);
	}
	/* Batch-1 decode is memory bound; a long prefill compute bound. */
	struct step_parts sp;
	step_parts(&f.c, &TP1, &loads[0], &sp);
	CU_ASSERT(sp.memory_s > 10 * sp.compute_s);
	step_parts(&f.c, &TP1, &loads[2], &sp);
	CU_ASSERT(sp.compute_s > 5 * sp.memory_s);
	/* Decode at batch 1 streams ~34 GB of weights: memory time is bytes
	 * over eta_m * 4.8 TB/s within a few percent. */
	step_parts(&f.c, &TP1, &loads[0], &sp);
	ASSERT_REL(sp.memory_s, 32.76e9 / (0.75 * 4.8e12), 0.05);
}

/* More TP never makes a step slower by compute alone; a larger batch never
 * makes a step shorter. */
static void test_monotone(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	const struct worker_shape *shapes[] = {&TP1, &TP2, &TP4, &TP8};
	struct step_load l = {.prefill_tokens = 4000, .prefill_seqs = 1};
	double prev = INFINITY;
	for (size_t i = 0; i < 4; i++) {
		struct step_parts sp;
		step_parts(&f.c, shapes[i], &l, &sp);
		CU_ASSERT(sp.compute_s <= prev);
		prev = sp.compute_s;
	}
	for (size_t s = 0; s < 4; s++) {
		double last = 0;
		for (double b = 1; b <= 1024; b *= 2) {
			double t = step_decode_s(&f.c, shapes[s], b, 4250);
			CU_ASSERT(t >= last);
			last = t;
		}
	}
}

/* Chunked prefill costs at least the unchunked one (same FLOPs, more
 * iterations) and KV transfer grows with the prompt. */
static void test_chunking_and_transfer(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	double whole = step_prefill_s(&f.c, &TP1, 1, 4000, 0);
	double chunked = step_prefill_s(&f.c, &TP1, 1, 4000, 1024);
	CU_ASSERT(chunked > whole);
	CU_ASSERT(chunked < 1.3 * whole);
	struct kv_link link = {50, 20};
	double a = step_kv_transfer_s(&f.c, &link, &TP1, &TP2, 1000);
	double b = step_kv_transfer_s(&f.c, &link, &TP1, &TP2, 4000);
	/* 3000 more tokens * 131072 B over one 50 GB/s link = 7.86 ms. */
	CU_ASSERT_DOUBLE_EQUAL(b - a, 3000 * 131072.0 / 50e9, 1e-9);
}

static void test_checks(void)
{
	struct modelfix f;
	struct sc_err e = {0};
	modelfix_init(&f, "qwen3-32b", "a100-80gb", DT_FP8, DT_FP8);
	CU_ASSERT_EQUAL(model_ctx_check(&f.c, &TP1, &e), SC_EINVAL);
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	struct worker_shape tp3 = {3, 1, 1, 1, 3};
	CU_ASSERT_EQUAL(model_ctx_check(&f.c, &tp3, &e), SC_EINVAL);
	CU_ASSERT_EQUAL(model_ctx_check(&f.c, &TP8, &e), SC_OK);
}

/* Expert weights stream at eta_me, everything else at eta_m. Qwen3-235B-
 * A22B FP8 on four H200 (attention DP4, EP4), one decoding token: it
 * touches 8 of 128 experts, 94 layers x 8 x 3 x 4096 x 1536 B = 14.19 GB
 * over 4 GPUs, 3.548 GB a GPU. Moving eta_me from 0.30 to 0.60 must save
 * exactly 3.548 GB / (0.60 x 4.8 TB/s) = 1.232 ms of memory time; were
 * the experts read at eta_m, or not split by EP, the saving would differ.
 * A dense model's step must not depend on eta_me at all. */
static void test_expert_bandwidth(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-235b-a22b", "h200-sxm", DT_FP8, DT_FP8);
	struct worker_shape dep4 = {1, 1, 4, 4, 1};
	struct step_load l = {.decode_seqs = 1, .decode_ctx_sum = 1};
	struct step_parts slow, fast;
	f.p.v[MP_ETA_ME] = 0.30;
	step_parts(&f.c, &dep4, &l, &slow);
	f.p.v[MP_ETA_ME] = 0.60;
	step_parts(&f.c, &dep4, &l, &fast);
	double bytes = 94.0 * 8 * 3 * 4096 * 1536 / 4;
	CU_ASSERT_DOUBLE_EQUAL(bytes, 3.548e9, 0.001e9);
	CU_ASSERT_DOUBLE_EQUAL(slow.memory_s - fast.memory_s,
			       bytes / (0.60 * 4.8e12), 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(slow.memory_s - fast.memory_s, 1.232e-3,
			       0.001e-3);
	CU_ASSERT_DOUBLE_EQUAL(slow.compute_s, fast.compute_s, 0);

	struct modelfix d;
	modelfix_init(&d, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	struct step_load b = {.decode_seqs = 64, .decode_ctx_sum = 64 * 4000.0};
	d.p.v[MP_ETA_ME] = 0.30;
	step_parts(&d.c, &TP2, &b, &slow);
	d.p.v[MP_ETA_ME] = 0.60;
	step_parts(&d.c, &TP2, &b, &fast);
	CU_ASSERT_DOUBLE_EQUAL(slow.memory_s, fast.memory_s, 0);
}

/* An engine whose scheduler runs between GPU iterations (cpu_share)
 * stretches the GPU part of every step by 1 + share and leaves the fixed
 * overheads alone: Qwen3-32B FP8 TP2 decoding 64 sequences, share 0.10
 * (SGLang before 0.4). A context without an engine, or a backend that
 * overlaps its scheduling, must not pay it. */
static void test_cpu_share(void)
{
	struct modelfix f;
	modelfix_init(&f, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	struct step_load b = {.decode_seqs = 64, .decode_ctx_sum = 64 * 4000.0};
	double plain = step_time_s(&f.c, &TP2, &b);
	struct step_parts sp;
	step_parts(&f.c, &TP2, &b, &sp);
	CU_ASSERT_DOUBLE_EQUAL(sp.cpu_share, 0, 0);
	struct sched_spec s = sched_default("sglang");
	CU_ASSERT_DOUBLE_EQUAL(s.cpu_share, 0, 0);
	f.c.sched = &s;
	CU_ASSERT_DOUBLE_EQUAL(step_time_s(&f.c, &TP2, &b), plain, 0);
	s.cpu_share = 0.10;
	double slow = step_time_s(&f.c, &TP2, &b);
	CU_ASSERT_DOUBLE_EQUAL(slow - plain, 0.10 * (plain - sp.overhead_s),
			       1e-12);
	CU_ASSERT(slow > plain * 1.05);
}

static CU_TestInfo tests[] = {
    {"CPU share of an iteration", test_cpu_share},
    {"expert weights at eta_me", test_expert_bandwidth},
    {"plausible against public figures", test_plausible},
    {"roofline bounds", test_roofline_bounds},
    {"monotone in TP and batch", test_monotone},
    {"chunking and KV transfer", test_chunking_and_transfer},
    {"dtype and shape checks", test_checks},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("step", tests)
