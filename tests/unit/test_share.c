/* Sharing a level among workers (load/share), the records' bytes between
 * processes (load/wire) and the merge of their results (load/merge): every
 * stream, request and schedule entry goes to exactly one worker; a record
 * comes back field for field with its arrays; the statistics of merged
 * workers are those of one accumulator over the union of their records in
 * the window all of them were steady in; a worker's workload takes the
 * dataset items dealt to it and draws lengths of its own. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/merge.h"
#include "load/share.h"
#include "load/wire.h"
#include "load/wl.h"
#include "metrics/summary.h"
#include "testutil.h"

static void test_counts(void)
{
	/* a total split or dealt over n workers adds back up to it, and no
	 * worker gets more than one above another */
	static const long totals[] = {0, 1, 2, 7, 64, 1001};
	for (size_t i = 0; i < sizeof totals / sizeof *totals; i++)
		for (unsigned n = 1; n <= 5; n++) {
			long sc = 0, sd = 0, lo = totals[i], hi = 0;
			for (unsigned k = 0; k < n; k++) {
				long c = share_count(totals[i], k, n);
				sc += c;
				sd += share_dealt(totals[i], k, n);
				lo = c < lo ? c : lo;
				hi = c > hi ? c : hi;
			}
			CU_ASSERT_EQUAL(sc, totals[i]);
			CU_ASSERT_EQUAL(sd, totals[i]);
			CU_ASSERT(hi - lo <= 1);
		}
	/* entries 0..9 dealt to 3: worker 1 has 1, 4, 7 */
	CU_ASSERT_EQUAL(share_dealt(10, 1, 3), 3);
	CU_ASSERT_EQUAL(share_dealt(10, 0, 3), 4);
	CU_ASSERT_EQUAL(share_dealt(2, 2, 3), 0);
}

static void test_configs(void)
{
	struct loop_config c = {
	    .concurrency = 7, .requests = 50, .warmup = 7, .first_id = 100};
	/* fewer workers than offered when the level is smaller */
	CU_ASSERT_EQUAL(share_workers(&c, 4, 0), 4);
	CU_ASSERT_EQUAL(share_workers(&c, 16, 0), 7);
	struct loop_config w;
	long conc = 0, req = 0, warm = 0;
	for (unsigned k = 0; k < 3; k++) {
		share_config(&c, k, 3, 0, &w);
		conc += w.concurrency;
		req += w.requests;
		warm += w.warmup;
		/* ids interleave: worker k's first is 100 + k, step 3 */
		CU_ASSERT_EQUAL(w.first_id, 100 + k);
		CU_ASSERT_EQUAL(w.id_step, 3);
		CU_ASSERT_EQUAL(w.deal_n, 0);
	}
	CU_ASSERT_EQUAL(conc, 7);
	CU_ASSERT_EQUAL(req, 50);
	CU_ASSERT_EQUAL(warm, 7);
	/* open loop: 10 warm-up and 90 measured entries dealt to 4 */
	struct loop_config o = {.open_loop = true,
				.requests = 90,
				.warmup = 10,
				.max_concurrency = 6};
	req = warm = conc = 0;
	for (unsigned k = 0; k < 4; k++) {
		share_config(&o, k, 4, 0, &w);
		CU_ASSERT_EQUAL(w.deal_n, 4);
		CU_ASSERT_EQUAL(w.deal_k, k);
		/* its warm-up entries are its first ones among 0..9 */
		CU_ASSERT_EQUAL(w.warmup, share_dealt(10, k, 4));
		req += w.requests;
		warm += w.warmup;
		conc += w.max_concurrency;
	}
	CU_ASSERT_EQUAL(req, 90);
	CU_ASSERT_EQUAL(warm, 10);
	CU_ASSERT_EQUAL(conc, 6);
	/* a replayed trace of 3 entries keeps at most 3 workers busy */
	struct loop_config r = {.open_loop = true, .replay = true};
	CU_ASSERT_EQUAL(share_workers(&r, 8, 3), 3);
	/* by the clock: every worker sends until the level's time is up */
	struct loop_config t = {.open_loop = true, .duration_s = 5};
	CU_ASSERT_EQUAL(share_workers(&t, 8, 0), 8);
	share_config(&t, 2, 8, 0, &w);
	CU_ASSERT_EQUAL(w.requests, 0);
}

static void test_wire(void)
{
	double itl[3] = {1.5, 2.5, 3.5};
	int64_t tok[4] = {10, 20, 30, 40};
	int32_t tn[4] = {1, 1, 2, 1};
	struct req_record r = {.id = 42,
			       .ok = true,
			       .output_tokens = 5,
			       .itl_ms = itl,
			       .n_itl = 3,
			       .tok_ns = tok,
			       .tok_n = tn,
			       .n_tok = 4,
			       .ttft_ms = 7.25};
	strcpy(r.error, "none");
	size_t len = wire_record_size(&r);
	unsigned char *buf = malloc(len);
	wire_record_pack(&r, buf);
	struct req_record q;
	CU_ASSERT_EQUAL_FATAL(wire_record_unpack(buf, len, &q, NULL), SC_OK);
	CU_ASSERT_EQUAL(q.id, 42);
	CU_ASSERT_EQUAL(q.ttft_ms, 7.25);
	CU_ASSERT_STRING_EQUAL(q.error, "none");
	CU_ASSERT_EQUAL_FATAL(q.n_itl, 3);
	CU_ASSERT_EQUAL_FATAL(q.n_tok, 4);
	CU_ASSERT_EQUAL(q.itl_ms[2], 3.5);
	CU_ASSERT_EQUAL(q.tok_ns[3], 40);
	CU_ASSERT_EQUAL(q.tok_n[2], 2);
	/* a payload cut short is refused, not read past its end */
	CU_ASSERT_EQUAL(wire_record_unpack(buf, len - 4, &q, NULL),
			SC_ERUNTIME);
	free(buf);
}

/* A finished record ending at end_ms with ttft_ms and 4 tokens. */
static struct req_record rec(uint64_t id, double start_ms, double ttft_ms,
			     double end_ms, bool warm)
{
	struct req_record r = {.id = id,
			       .ok = true,
			       .warmup = warm,
			       .input_tokens = 8,
			       .prompt_tokens = 8,
			       .output_tokens = 4,
			       .chunks = 4};
	r.start_ns = r.sched_ns = (int64_t)(start_ms * 1e6);
	r.first_byte_ns = r.first_token_ns =
	    r.start_ns + (int64_t)(ttft_ms * 1e6);
	r.last_token_ns = r.end_ns = (int64_t)(end_ms * 1e6);
	req_derive(&r);
	return r;
}

static void test_merge(void)
{
	/* two workers; worker 0 steady over [10, 100] ms, worker 1 over
	 * [20, 90]: the merged window is [20, 90] */
	struct req_record rs[8];
	size_t n = 0;
	rs[n++] = rec(0, 0, 3, 10, true);
	rs[n++] = rec(1, 0, 4, 20, true);
	rs[n++] = rec(2, 10, 5, 40, false);
	rs[n++] = rec(3, 20, 9, 60, false);
	rs[n++] = rec(4, 40, 2, 80, false);
	rs[n++] = rec(5, 60, 7, 95, false);
	rs[n++] = rec(6, 80, 1, 99, false);
	struct loop_config c = {.requests = 5, .warmup = 2};
	struct loop_result out;
	struct merge m;
	CU_ASSERT_EQUAL_FATAL(merge_init(&m, &c, 2, &out, NULL), SC_OK);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(merge_record(&m, &rs[i], NULL), SC_OK);
	struct wire_done d0 = {.window_start_ns = 10000000,
			       .window_end_ns = 100000000,
			       .n = 4,
			       .sent = 4},
			 d1 = {.window_start_ns = 20000000,
			       .window_end_ns = 90000000,
			       .n = 3,
			       .sent = 3,
			       .interrupted = 1};
	CU_ASSERT_EQUAL(merge_worker_done(&m, &d0, NULL), SC_OK);
	CU_ASSERT_EQUAL(merge_worker_done(&m, &d1, NULL), SC_OK);
	CU_ASSERT_EQUAL_FATAL(merge_finish(&m, NULL), SC_OK);
	merge_release(&m);
	CU_ASSERT_EQUAL(out.n, n);
	CU_ASSERT_EQUAL(out.window_start_ns, 20000000);
	CU_ASSERT_EQUAL(out.window_end_ns, 90000000);
	CU_ASSERT(out.interrupted); /* one worker's stop is the level's */
	struct level_info li = {.concurrency = 2,
				.window_start_ns = out.window_start_ns,
				.window_end_ns = out.window_end_ns,
				.complete = true};
	struct level_summary got, want;
	summary_acc_finish(&out.acc, &li, &got);
	summary_compute(rs, n, &li, &want);
	CU_ASSERT_EQUAL(got.total, want.total);
	CU_ASSERT_EQUAL(got.warmup, 2);
	CU_ASSERT_DOUBLE_EQUAL(got.ttft_ms.p50, want.ttft_ms.p50, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(got.ttft_ms.p99, want.ttft_ms.p99, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(got.output_tokens_per_s,
			       want.output_tokens_per_s, 1e-9);
	CU_ASSERT(isfinite(got.output_tokens_per_s));
	loop_result_release(&out);
	/* a worker's failure is the merge's, with its message */
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(merge_init(&m, &c, 1, &out, NULL), SC_OK);
	struct wire_done bad = {.status = SC_ERUNTIME};
	strcpy(bad.msg, "http driver: no epoll");
	CU_ASSERT_EQUAL(merge_worker_done(&m, &bad, &e), SC_ERUNTIME);
	CU_ASSERT_STRING_EQUAL(e.msg, "http driver: no epoll");
	merge_release(&m);
	loop_result_release(&out);
}

/* Checks that worker k of n takes the dataset items want[] in order. */
static void items_of(unsigned k, unsigned n, const char **want, size_t nw)
{
	struct workload w;
	wl_init(&w, WL_COMPLETIONS, "m", 16, 0, 8, 0, 1);
	CU_ASSERT_EQUAL_FATAL(
	    wl_load_dataset(
		&w, testutil_src("tests/fixtures/datasets/prompts.jsonl"),
		NULL),
	    SC_OK);
	wl_share(&w, k, n);
	for (size_t i = 0; i < nw; i++) {
		struct wl_request r;
		wl_next(&w, i, &r);
		CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want[i]));
		wl_request_release(&r);
	}
	wl_release(&w);
}

static void test_workload_share(void)
{
	/* the fixture's 3 items: worker 1 of 2 takes items 1, 0 (1 + 2,
	 * wrapped), 2; worker 0 takes 0, 2, 1 */
	static const char *w1[] = {"KV cache", "printing press", "haiku"};
	static const char *w0[] = {"printing press", "haiku", "KV cache"};
	items_of(1, 2, w1, 3);
	items_of(0, 2, w0, 3);
	/* synthetic lengths: each worker draws its own, so two workers do not
	 * send the same lengths in step */
	long len[2];
	for (unsigned k = 0; k < 2; k++) {
		struct workload w;
		wl_init(&w, WL_COMPLETIONS, "m", 1000, 200, 8, 0, 1);
		wl_share(&w, k, 2);
		struct wl_request r;
		wl_next(&w, k, &r);
		len[k] = r.input_tokens;
		wl_request_release(&r);
		wl_release(&w);
	}
	CU_ASSERT_NOT_EQUAL(len[0], len[1]);
}

static CU_TestInfo tests[] = {
    {"counts add up", test_counts},	      {"worker configs", test_configs},
    {"record bytes round trip", test_wire},   {"merged statistics", test_merge},
    {"workload shares", test_workload_share}, CU_TEST_INFO_NULL,
};

TEST_MAIN("share", tests)
