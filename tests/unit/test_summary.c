/* Per-request metric derivation and level summaries on hand-built records
 * with known answers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/request.h"
#include "metrics/summary.h"
#include "testutil.h"

#define S 1000000000LL

static void test_derive(void)
{
	struct req_record r = {0};
	r.start_ns = 1 * S;
	r.first_byte_ns = 1 * S + 50000000;
	r.first_token_ns = 1 * S + 100000000;
	r.last_token_ns = 2 * S + 100000000;
	r.end_ns = 2 * S + 200000000;
	r.output_tokens = 11;
	req_derive(&r);
	ASSERT_REL(r.ttft_ms, 100.0, 1e-9);
	ASSERT_REL(r.ttfb_ms, 50.0, 1e-9);
	ASSERT_REL(r.e2e_ms, 1100.0, 1e-9); /* to the last output chunk */
	ASSERT_REL(r.tpot_ms, 100.0, 1e-9); /* 1000 ms over 10 gaps */
	/* open loop: latencies from the scheduled time, queue reported */
	r.open_loop = true;
	r.sched_ns = 1 * S - 100000000;
	req_derive(&r);
	ASSERT_REL(r.ttft_ms, 200.0, 1e-9);
	ASSERT_REL(r.queue_ms, 100.0, 1e-9);
	ASSERT_REL(r.tpot_ms, 100.0, 1e-9);
	/* one token: TPOT undefined */
	r.output_tokens = 1;
	req_derive(&r);
	CU_ASSERT(isnan(r.tpot_ms));
	char buf[16];
	r.reason = REASON_HTTP;
	r.http_status = 429;
	CU_ASSERT_STRING_EQUAL(req_reason_name(&r, buf, sizeof buf),
			       "http_429");
	r.reason = REASON_NO_DONE;
	CU_ASSERT_STRING_EQUAL(req_reason_name(&r, buf, sizeof buf), "no_done");
	r.reason = REASON_NO_OUTPUT;
	CU_ASSERT_STRING_EQUAL(req_reason_name(&r, buf, sizeof buf),
			       "no_output");
	r.reason = REASON_TRANSPORT;
	CU_ASSERT_STRING_EQUAL(req_reason_name(&r, buf, sizeof buf),
			       "transport");
}

/* The record's JSON carries the server's timings and the resend count;
 * a record without timings (zeroed, as importers make them) says null,
 * never 0 ms. */
static void test_record_json(void)
{
	struct req_record r = {0};
	r.retries = 1;
	req_derive(&r);
	cJSON *j = req_to_json(&r, 0);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "retries")->valuedouble, 1);
	static const char *const keys[] = {
	    "server_prompt_ms", "server_predicted_ms", "server_prompt_n",
	    "server_predicted_n"};
	for (int i = 0; i < 4; i++)
		CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, keys[i])));
	cJSON_Delete(j);
	r.has_server_timings = true;
	r.server_prompt_ms = 4.031;
	r.server_predicted_ms = NAN;
	r.server_prompt_n = 8;
	r.server_predicted_n = -1;
	j = req_to_json(&r, 0);
	ASSERT_REL(cJSON_GetObjectItem(j, "server_prompt_ms")->valuedouble,
		   4.031, 1e-12);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "server_prompt_n")->valuedouble,
			8);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "server_predicted_ms")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "server_predicted_n")));
	cJSON_Delete(j);
}

static void add_toks(struct req_record *r, const int64_t *t, size_t n)
{
	r->tok_ns = malloc(n * sizeof *r->tok_ns);
	r->tok_n = malloc(n * sizeof *r->tok_n);
	for (size_t i = 0; i < n; i++) {
		r->tok_ns[i] = t[i];
		r->tok_n[i] = 1;
	}
	r->n_tok = n;
	r->first_token_ns = t[0];
	r->last_token_ns = t[n - 1];
	r->chunks = (long)n;
}

/* Four records with known answers (see test_level), derived. */
static void level_records(struct req_record r[4])
{
	memset(r, 0, 4 * sizeof *r);
	/* A: ok, 3 tokens at 1.5, 2.5, 3.5 s; started 1.0 s, ended 3.5 s */
	r[0].start_ns = 1 * S;
	r[0].end_ns = 3 * S + S / 2;
	add_toks(&r[0], (int64_t[]){S + S / 2, 2 * S + S / 2, 3 * S + S / 2},
		 3);
	r[0].output_tokens = 3;
	r[0].ok = true;
	r[0].input_tokens = 100;
	r[0].prompt_tokens = 100;
	/* B: ok, 2 chunks at 0.5 and 2.0 s but usage says 4 tokens */
	r[1].start_ns = S / 4;
	r[1].end_ns = 2 * S;
	add_toks(&r[1], (int64_t[]){S / 2, 2 * S}, 2);
	r[1].output_tokens = 4;
	r[1].ok = true;
	r[1].input_tokens = 100;
	r[1].prompt_tokens = 99; /* mismatch */
	/* W: warm-up, ok, 1 token at 1.2 s */
	r[2].start_ns = S / 10;
	r[2].end_ns = S + S / 5;
	add_toks(&r[2], (int64_t[]){S + S / 5}, 1);
	r[2].output_tokens = 1;
	r[2].ok = true;
	r[2].warmup = true;
	/* F: failed with HTTP 429, 1.0 .. 1.1 s */
	r[3].start_ns = S;
	r[3].end_ns = S + S / 10;
	r[3].reason = REASON_HTTP;
	r[3].http_status = 429;
	r[3].input_tokens = 100;
	r[3].prompt_tokens = -1;
	r[0].prompt_tokens = 100;
	r[2].input_tokens = r[2].prompt_tokens = -1;
	/* server timings: A's prompt took 120 ms of its 500 ms TTFT; W's
	 * (warm-up) and F's (failed) are left out; B sent none */
	r[0].has_server_timings = true;
	r[0].server_prompt_ms = 120;
	r[0].server_predicted_ms = 2000;
	r[2].has_server_timings = true;
	r[2].server_prompt_ms = 1;
	r[3].has_server_timings = true;
	r[3].server_prompt_ms = 1;
	for (int i = 0; i < 4; i++)
		req_derive(&r[i]);
}

/* The four records above as a complete level of 2 users (ISL 100, OSL 3,
 * 2 GPUs, steady window 1-3 s) with TTFT and TPOT limits of 600 ms. */
static void level_with_sla(struct req_record r[4], struct level_info *li)
{
	level_records(r);
	*li = (struct level_info){.concurrency = 2,
				  .isl = 100,
				  .osl = 3,
				  .gpus = 2,
				  .window_start_ns = 1 * S,
				  .window_end_ns = 3 * S,
				  .complete = true};
	CU_ASSERT_EQUAL_FATAL(summary_parse_sla("ttft_ms=600,tpot_ms=600",
						&li->sla, (char[64]){0}, 64),
			      0);
}

static void test_level(void)
{
	struct req_record r[4];
	struct level_info li;
	level_with_sla(r, &li);
	struct level_summary s;
	summary_compute(r, 4, &li, &s);
	CU_ASSERT_EQUAL(s.total, 4);
	CU_ASSERT_EQUAL(s.ok, 3);
	CU_ASSERT_EQUAL(s.failed, 1);
	CU_ASSERT_EQUAL(s.warmup, 1);
	CU_ASSERT_EQUAL(s.http_by_status[429], 1);
	CU_ASSERT_EQUAL(s.prompt_mismatch, 1);
	/* TTFT over measured ok requests only: A 500 ms, B 250 ms */
	CU_ASSERT_EQUAL(s.ttft_ms.n, 2);
	ASSERT_REL(s.ttft_ms.mean, 375.0, 1e-9);
	/* client minus server TTFT: A only, 500 - 120 ms */
	CU_ASSERT_EQUAL(s.ttft_client_minus_server_ms.n, 1);
	ASSERT_REL(s.ttft_client_minus_server_ms.p50, 380.0, 1e-9);
	/* window 1..3 s: A 2 tokens, B 1 chunk x (4/2), W 1 token = 5 */
	ASSERT_REL(s.window_s, 2.0, 1e-12);
	ASSERT_REL(s.output_tokens_per_s, 2.5, 1e-9);
	ASSERT_REL(s.tokens_per_s_per_gpu, 1.25, 1e-9);
	/* completions in window: B (2.0), W (1.2), F (1.1) -> 1.5 req/s */
	ASSERT_REL(s.requests_per_s, 1.5, 1e-9);
	/* busy time in window: A 2.0 + B 1.0 + W 0.2 + F 0.1 = 3.3 s */
	ASSERT_REL(s.little_measured, 1.65, 1e-9);
	/* expected: 1.5 req/s x mean(1.75, 1.1, 0.1) s */
	ASSERT_REL(s.little_expected, 1.5 * (1.75 + 1.1 + 0.1) / 3, 1e-9);
	/* SLA: A ttft 500 ok tpot 1000 > 600 fails; B ttft 250, tpot 500 ok */
	ASSERT_REL(s.sla_fraction, 0.5, 1e-12);
	ASSERT_REL(s.goodput_per_s, 0.5, 1e-9); /* B ended in window */
	/* B's 4 tokens over the 2 s window */
	ASSERT_REL(s.goodput_tokens_per_s, 2.0, 1e-9);
	/* attainment over A, B and F (W is warm-up; F failed: meets none):
	 * TTFT A and B, TPOT B only, all B only */
	CU_ASSERT_EQUAL(s.attainment_n, 3);
	ASSERT_REL(s.attainment[SLA_TTFT], 2.0 / 3, 1e-12);
	ASSERT_REL(s.attainment[SLA_TPOT], 1.0 / 3, 1e-12);
	ASSERT_REL(s.attainment_all, 1.0 / 3, 1e-12);
	CU_ASSERT(isnan(s.attainment[SLA_E2E])); /* no limit */
	/* verdicts: TTFT p90 of {250, 500} = 475 <= 600; TPOT mean of
	 * {1000, 500} = 750 > 600 */
	ASSERT_REL(s.sla_value_ms[SLA_TTFT], 475.0, 1e-9);
	CU_ASSERT_EQUAL(s.sla_met[SLA_TTFT], 1);
	ASSERT_REL(s.sla_value_ms[SLA_TPOT], 750.0, 1e-9);
	CU_ASSERT_EQUAL(s.sla_met[SLA_TPOT], 0);
	CU_ASSERT_EQUAL(s.sla_met[SLA_E2E], -1);
	CU_ASSERT_EQUAL(s.sla_met_all, 0);
	cJSON *j = summary_to_json(&s, &li);
	cJSON *rq = cJSON_GetObjectItem(j, "requests");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(rq, "by_reason"), "http_429")
			    ->valuedouble,
			1);
	CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "goodput"));
	const cJSON *sl = cJSON_GetObjectItem(j, "sla");
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(sl, "ttft_stat")->valuestring, "p90");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(sl, "tpot_ms")->valuedouble, 600);
	ASSERT_REL(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "attainment"), "all")
		->valuedouble,
	    1.0 / 3, 1e-12);
	CU_ASSERT(cJSON_IsTrue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "sla_met"), "ttft")));
	CU_ASSERT(cJSON_IsFalse(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(j, "sla_met"), "all")));
	ASSERT_REL(cJSON_GetObjectItem(j, "goodput_tokens_per_s")->valuedouble,
		   2.0, 1e-9);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "concurrency")->valuedouble, 2);
	const cJSON *cms =
	    cJSON_GetObjectItem(j, "ttft_client_minus_server_ms");
	CU_ASSERT(cJSON_IsObject(cms));
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(cms, "n")->valuedouble, 1);
	ASSERT_REL(cJSON_GetObjectItem(cms, "mean")->valuedouble, 380.0, 1e-9);
	cJSON_Delete(j);
	for (int i = 0; i < 4; i++)
		req_release(&r[i]);
}

/* The level statistics are counted as records finish, with the window's
 * edges known only from the moment they happen (the load loop's case): the
 * result must equal the batch computation over the same records. A record
 * that ends before the window starts, and one that straddles its end,
 * would be counted wrongly if an open edge were taken as 0 or as the
 * record's own time. */
static void test_online_equals_batch(void)
{
	struct req_record r[5];
	level_records(r);
	/* E: warm-up, ok, ended at 0.8 s (before the window), token 0.5 s */
	memset(&r[4], 0, sizeof r[4]);
	r[4].start_ns = S / 5;
	r[4].end_ns = S * 8 / 10;
	add_toks(&r[4], (int64_t[]){S / 2}, 1);
	r[4].output_tokens = 1;
	r[4].ok = true;
	r[4].warmup = true;
	req_derive(&r[4]);
	struct level_info li = {.concurrency = 2,
				.gpus = 2,
				.window_start_ns = 1 * S,
				.window_end_ns = 3 * S,
				.complete = true};
	CU_ASSERT_EQUAL_FATAL(summary_parse_sla("ttft_ms=600,tpot_ms=600",
						&li.sla, (char[64]){0}, 64),
			      0);
	struct level_summary batch, online;
	summary_compute(r, 5, &li, &batch);
	/* in end order: E 0.8, F 1.1, W 1.2, B 2.0, A 3.5 s */
	static const int order[] = {4, 3, 2, 1, 0};
	struct summary_acc a;
	summary_acc_init(&a, &li.sla);
	for (int k = 0; k < 5; k++) {
		const struct req_record *q = &r[order[k]];
		int64_t w0 = q->end_ns >= li.window_start_ns
				 ? li.window_start_ns
				 : SUMMARY_WINDOW_OPEN;
		int64_t w1 = q->end_ns >= li.window_end_ns
				 ? li.window_end_ns
				 : SUMMARY_WINDOW_OPEN;
		summary_acc_add(&a, q, w0, w1);
	}
	summary_acc_finish(&a, &li, &online);
	summary_acc_release(&a);
	CU_ASSERT_EQUAL(online.total, 5);
	CU_ASSERT_EQUAL(online.warmup, 2);
	ASSERT_REL(online.output_tokens_per_s, batch.output_tokens_per_s,
		   1e-12);
	ASSERT_REL(online.output_tokens_per_s, 2.5, 1e-9);
	ASSERT_REL(online.requests_per_s, batch.requests_per_s, 1e-12);
	ASSERT_REL(online.little_measured, batch.little_measured, 1e-12);
	ASSERT_REL(online.little_expected, batch.little_expected, 1e-12);
	ASSERT_REL(online.goodput_per_s, batch.goodput_per_s, 1e-12);
	ASSERT_REL(online.ttft_ms.p50, batch.ttft_ms.p50, 1e-12);
	for (int i = 0; i < 5; i++)
		req_release(&r[i]);
}

/* A level far past the sketch's raw-sample cap: counts stay exact, the
 * percentiles within the stated error, and no record is needed after it
 * was added (each is freed at once). */
static void test_large_level(void)
{
	struct level_info li = {.concurrency = 1,
				.window_start_ns = 1,
				.window_end_ns = 1 + 100000 * S / 1000};
	struct summary_acc a;
	summary_acc_init(&a, NULL);
	size_t n = 100000, k = 0;
	double *ttft = malloc(n * sizeof *ttft); /* the reference */
	for (size_t i = 0; i < n; i++) {
		struct req_record q = {0};
		q.start_ns = 1 + (int64_t)i * (S / 1000);
		q.first_token_ns =
		    q.start_ns + (int64_t)(i % 1000 + 1) * 1000000;
		q.end_ns = q.last_token_ns = q.first_token_ns + 1000000;
		add_toks(&q, (int64_t[]){q.first_token_ns, q.last_token_ns}, 2);
		q.output_tokens = 2;
		q.ok = i % 100 != 0;
		q.reason = q.ok ? REASON_NONE : REASON_CLIENT_QUEUE_FULL;
		req_derive(&q);
		if (q.ok)
			ttft[k++] = q.ttft_ms;
		summary_acc_add(&a, &q, li.window_start_ns,
				SUMMARY_WINDOW_OPEN);
		req_release(&q);
	}
	struct level_summary s;
	summary_acc_finish(&a, &li, &s);
	summary_acc_release(&a);
	struct stats want;
	stats_compute(ttft, k, &want);
	free(ttft);
	CU_ASSERT_EQUAL(s.total, n);
	CU_ASSERT_EQUAL(s.failed, n / 100);
	CU_ASSERT_EQUAL(s.by_reason[REASON_CLIENT_QUEUE_FULL], n / 100);
	CU_ASSERT_EQUAL(s.ttft_ms.n, k);
	CU_ASSERT(fabs(s.ttft_ms.p50 - want.p50) <= want.p50 * SKETCH_REL_ERR);
	CU_ASSERT(fabs(s.ttft_ms.p90 - want.p90) <= want.p90 * SKETCH_REL_ERR);
	CU_ASSERT(fabs(s.ttft_ms.p99 - want.p99) <= want.p99 * SKETCH_REL_ERR);
	ASSERT_REL(s.ttft_ms.mean, want.mean, 1e-9);
	CU_ASSERT_EQUAL(s.ttft_ms.max, 1000.0);
	/* every token but those after the window's end (none) counted */
	ASSERT_REL(s.output_tokens_per_s * s.window_s, 2.0 * (double)s.ok,
		   1e-9);
	cJSON *j = summary_to_json(&s, &li);
	CU_ASSERT_EQUAL(
	    cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(j, "requests"),
				    "by_reason"),
		"client_queue_full")
		->valuedouble,
	    n / 100);
	cJSON_Delete(j);
}

/* Ten requests with TTFT 100 ms x 8, 1000 and 2000 ms (mean 380, p50 100,
 * p90 1100, p95 1550, p99 1910) and TPOT 10 ms x 9 and 100 ms (mean 19,
 * p50 10, p99 91.9). Each case puts the limit between two statistics so
 * the stated one decides the verdict: a verdict taken on the wrong
 * statistic flips it. */
static void test_sla_statistic(void)
{
	static const struct {
		const char *sla;
		enum sla_metric m;
		int met;
		double value_ms, attainment;
	} cases[] = {
	    {"ttft_ms=200,ttft_stat=p50", SLA_TTFT, 1, 100, 0.8},
	    {"ttft_ms=200,ttft_stat=mean", SLA_TTFT, 0, 380, 0.8},
	    {"ttft_ms=400,ttft_stat=mean", SLA_TTFT, 1, 380, 0.8},
	    {"ttft_ms=400", SLA_TTFT, 0, 1100, 0.8}, /* default p90 */
	    {"ttft_ms=1200,ttft_stat=p90", SLA_TTFT, 1, 1100, 0.9},
	    {"ttft_ms=1200,ttft_stat=p95", SLA_TTFT, 0, 1550, 0.9},
	    {"ttft_ms=1600,ttft_stat=p95", SLA_TTFT, 1, 1550, 0.9},
	    {"ttft_ms=1600,ttft_stat=p99", SLA_TTFT, 0, 1910, 0.9},
	    {"tpot_ms=15", SLA_TPOT, 0, 19, 0.9}, /* default mean */
	    {"tpot_ms=15,tpot_stat=p50", SLA_TPOT, 1, 10, 0.9},
	    {"tpot_ms=50,tpot_stat=mean", SLA_TPOT, 1, 19, 0.9},
	    {"tpot_ms=50,tpot_stat=p99", SLA_TPOT, 0, 91.9, 0.9},
	};
	static const double ttft[10] = {100, 100, 100, 100,  100,
					100, 100, 100, 1000, 2000};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		struct level_info li = {.concurrency = 1,
					.window_start_ns = 0,
					.window_end_ns = 100 * S};
		char err[128];
		CU_ASSERT_EQUAL_FATAL(
		    summary_parse_sla(cases[c].sla, &li.sla, err, sizeof err),
		    0);
		struct summary_acc a;
		summary_acc_init(&a, &li.sla);
		for (int i = 0; i < 10; i++) {
			struct req_record q = {0};
			q.start_ns = (int64_t)(i + 1) * S;
			int64_t t1 = q.start_ns + (int64_t)(ttft[i] * 1e6);
			int64_t t2 = t1 + (i == 9 ? 100 : 10) * 1000000LL;
			add_toks(&q, (int64_t[]){t1, t2}, 2);
			q.end_ns = t2;
			q.output_tokens = 2;
			q.ok = true;
			req_derive(&q);
			summary_acc_add(&a, &q, li.window_start_ns,
					li.window_end_ns);
			req_release(&q);
		}
		struct level_summary s;
		summary_acc_finish(&a, &li, &s);
		summary_acc_release(&a);
		enum sla_metric m = cases[c].m;
		if (s.sla_met[m] != cases[c].met)
			fprintf(stderr, "case %s: verdict %d, want %d\n",
				cases[c].sla, s.sla_met[m], cases[c].met);
		CU_ASSERT_EQUAL(s.sla_met[m], cases[c].met);
		CU_ASSERT_EQUAL(s.sla_met_all, cases[c].met);
		ASSERT_REL(s.sla_value_ms[m], cases[c].value_ms, 1e-9);
		/* attainment is per request, whatever the statistic */
		ASSERT_REL(s.attainment[m], cases[c].attainment, 1e-12);
		ASSERT_REL(s.attainment_all, cases[c].attainment, 1e-12);
		/* goodput: the requests meeting every limit over 100 s */
		ASSERT_REL(s.goodput_per_s, cases[c].attainment * 10 / 100.0,
			   1e-12);
		ASSERT_REL(s.goodput_tokens_per_s,
			   cases[c].attainment * 20 / 100.0, 1e-12);
	}
}

static void test_sla_parse(void)
{
	struct sla s;
	char err[128];
	CU_ASSERT_EQUAL(
	    summary_parse_sla("ttft_ms=600,tpot_ms=16.7", &s, err, sizeof err),
	    0);
	ASSERT_REL(s.limit_ms[SLA_TPOT], 16.7, 1e-12);
	/* the old form keeps its meaning: TTFT on p90, TPOT on the mean */
	CU_ASSERT_EQUAL(s.stat[SLA_TTFT], STAT_P90);
	CU_ASSERT_EQUAL(s.stat[SLA_TPOT], STAT_MEAN);
	CU_ASSERT_EQUAL(s.limit_ms[SLA_E2E], 0);
	CU_ASSERT_EQUAL(
	    summary_parse_sla("ttft_ms=600,ttft_stat=p99,tpot_ms=20,"
			      "tpot_stat=p50,e2e_ms=9000",
			      &s, err, sizeof err),
	    0);
	CU_ASSERT_EQUAL(s.stat[SLA_TTFT], STAT_P99);
	CU_ASSERT_EQUAL(s.stat[SLA_TPOT], STAT_P50);
	ASSERT_REL(s.limit_ms[SLA_E2E], 9000, 1e-12);
	/* a statistic not in the list, or one without its limit, is named */
	CU_ASSERT_EQUAL(
	    summary_parse_sla("ttft_ms=600,ttft_stat=p42", &s, err, sizeof err),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ttft_stat=p42"));
	CU_ASSERT_EQUAL(
	    summary_parse_sla("ttft_ms=600,tpot_stat=p90", &s, err, sizeof err),
	    -1);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(err, "tpot_stat is given without tpot_ms"));
	/* limits outside the documented range [0.001, 604,800,000] ms */
	CU_ASSERT_EQUAL(
	    summary_parse_sla("tpot_ms=0.0001", &s, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'tpot_ms=0.0001'"));
	CU_ASSERT_EQUAL(summary_parse_sla("e2e_ms=1e9", &s, err, sizeof err),
			-1);
	CU_ASSERT_EQUAL(summary_parse_sla("ttft_ms=nan", &s, err, sizeof err),
			-1);
	CU_ASSERT_EQUAL(summary_parse_sla("ttft_ms=abc", &s, err, sizeof err),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'ttft_ms=abc'"));
	CU_ASSERT_EQUAL(summary_parse_sla("ttft=600", &s, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown SLA key"));
	CU_ASSERT_EQUAL(summary_parse_sla("ttft_ms=-1", &s, err, sizeof err),
			-1);
	CU_ASSERT_EQUAL(summary_parse_sla("ttft_ms", &s, err, sizeof err), -1);
}

/* req_from_json reads back what req_to_json wrote (the AIPerf export is
 * made from requests.jsonl through it): a field it drops or misreads
 * would change the export. */
static void test_record_round_trip(void)
{
	struct req_record r[4];
	level_records(r);
	r[3].http_status = 503;
	snprintf(r[3].error, sizeof r[3].error, "HTTP 503: busy");
	for (int i = 0; i < 4; i++) {
		double itl[2] = {1.5, 2.25};
		r[i].itl_ms = itl;
		r[i].n_itl = 2;
		cJSON *j = req_to_json(&r[i], REQ_JSON_ITL);
		r[i].itl_ms = NULL;
		r[i].n_itl = 0;
		struct req_record b;
		CU_ASSERT_EQUAL_FATAL(req_from_json(j, &b), 0);
		cJSON_Delete(j);
		CU_ASSERT_EQUAL(b.start_ns, r[i].start_ns);
		CU_ASSERT_EQUAL(b.end_ns, r[i].end_ns);
		CU_ASSERT_EQUAL(b.ok, r[i].ok);
		CU_ASSERT_EQUAL(b.warmup, r[i].warmup);
		CU_ASSERT_EQUAL(b.reason, r[i].reason);
		CU_ASSERT_EQUAL(b.http_status, r[i].http_status);
		CU_ASSERT_STRING_EQUAL(b.error, r[i].error);
		CU_ASSERT_EQUAL(b.output_tokens, r[i].output_tokens);
		CU_ASSERT_EQUAL(b.prompt_tokens, r[i].prompt_tokens);
		CU_ASSERT_EQUAL(isnan(b.ttft_ms), isnan(r[i].ttft_ms));
		if (!isnan(r[i].ttft_ms))
			CU_ASSERT(fabs(b.ttft_ms - r[i].ttft_ms) <= 1e-6);
		CU_ASSERT_EQUAL_FATAL(b.n_itl, 2);
		CU_ASSERT_EQUAL(b.itl_ms[1], 2.25);
		req_release(&b);
	}
	struct req_record none;
	CU_ASSERT_EQUAL(req_from_json(NULL, &none), -1);
	for (int i = 0; i < 4; i++)
		req_release(&r[i]);
}

/* summary_from_json reads back what summary_to_json wrote: a reader that
 * drifted from the writer (a renamed key, a lost count) fails here. */
static void test_json_round_trip(void)
{
	struct req_record r[4];
	struct level_info li;
	level_with_sla(r, &li);
	snprintf(r[3].error, sizeof r[3].error, "HTTP 429: slow down");
	struct level_summary s, s2;
	struct level_info li2;
	summary_compute(r, 4, &li, &s);
	cJSON *j = summary_to_json(&s, &li);
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(summary_from_json(j, "x", &s2, &li2, &e), SC_OK);
	CU_ASSERT_EQUAL(s2.total, s.total);
	CU_ASSERT_EQUAL(s2.ok, s.ok);
	CU_ASSERT_EQUAL(s2.failed, s.failed);
	CU_ASSERT_EQUAL(s2.warmup, s.warmup);
	CU_ASSERT_EQUAL(s2.prompt_mismatch, s.prompt_mismatch);
	CU_ASSERT_EQUAL(s2.http_by_status[429], 1);
	/* the first message of each failure kind, for the closing block */
	CU_ASSERT_EQUAL(s2.n_first_fail, 1);
	CU_ASSERT_STRING_EQUAL(summary_first_message(&s2, "http_429"),
			       "HTTP 429: slow down");
	CU_ASSERT_PTR_NULL(summary_first_message(&s2, "timeout"));
	CU_ASSERT_EQUAL(s2.by_reason[REASON_HTTP], s.by_reason[REASON_HTTP]);
	for (int k = 0; k < REASON_COUNT_; k++)
		CU_ASSERT_EQUAL(s2.by_reason[k], s.by_reason[k]);
	CU_ASSERT_EQUAL(s2.ttft_ms.n, s.ttft_ms.n);
	ASSERT_REL(s2.ttft_ms.mean, s.ttft_ms.mean, 1e-12);
	ASSERT_REL(s2.ttft_ms.p90, s.ttft_ms.p90, 1e-12);
	ASSERT_REL(s2.tpot_ms.p50, s.tpot_ms.p50, 1e-12);
	ASSERT_REL(s2.ttft_client_minus_server_ms.p50, 380.0, 1e-9);
	ASSERT_REL(s2.tokens_per_s_per_gpu, s.tokens_per_s_per_gpu, 1e-12);
	ASSERT_REL(s2.little_expected, s.little_expected, 1e-12);
	ASSERT_REL(s2.goodput_per_s, s.goodput_per_s, 1e-12);
	CU_ASSERT_EQUAL(li2.concurrency, 2);
	CU_ASSERT_EQUAL(li2.gpus, 2);
	CU_ASSERT_FALSE(li2.open_loop);
	CU_ASSERT_TRUE(li2.complete);
	CU_ASSERT_TRUE(li2.sla.set);
	ASSERT_REL(li2.sla.limit_ms[SLA_TTFT], 600, 1e-12);
	CU_ASSERT_EQUAL(li2.sla.limit_ms[SLA_E2E], 0); /* not set: no limit */
	CU_ASSERT_EQUAL(li2.sla.stat[SLA_TTFT], STAT_P90);
	CU_ASSERT_EQUAL(li2.sla.stat[SLA_TPOT], STAT_MEAN);
	CU_ASSERT_EQUAL(s2.attainment_n, s.attainment_n);
	for (int m = 0; m < SLA_METRIC_COUNT; m++) {
		CU_ASSERT_EQUAL(s2.sla_met[m], s.sla_met[m]);
		CU_ASSERT_EQUAL(isnan(s2.attainment[m]),
				isnan(s.attainment[m]));
		if (!isnan(s.attainment[m]))
			ASSERT_REL(s2.attainment[m], s.attainment[m], 1e-12);
	}
	CU_ASSERT_EQUAL(s2.sla_met_all, s.sla_met_all);
	ASSERT_REL(s2.attainment_all, s.attainment_all, 1e-12);
	ASSERT_REL(s2.goodput_tokens_per_s, s.goodput_tokens_per_s, 1e-12);
	ASSERT_REL(s2.sla_value_ms[SLA_TTFT], s.sla_value_ms[SLA_TTFT], 1e-12);
	cJSON_Delete(j);
	/* what is missing or malformed is named */
	j = cJSON_Parse("{\"concurrency\": 4}");
	CU_ASSERT_EQUAL(summary_from_json(j, "F", &s2, &li2, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "F: field 'requests'"));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"concurrency\": 4, \"requests\": {\"ok\": -1}}");
	CU_ASSERT_EQUAL(summary_from_json(j, "F", &s2, &li2, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'requests.ok'"));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"concurrency\": 2.5, \"requests\": {}}");
	CU_ASSERT_EQUAL(summary_from_json(j, "F", &s2, &li2, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'concurrency'"));
	cJSON_Delete(j);
	/* an open-loop level; absent statistics are NaN, not 0 */
	j = cJSON_Parse("{\"request_rate\": 2.5, \"requests\": {\"ok\": 3}}");
	CU_ASSERT_EQUAL(summary_from_json(j, "F", &s2, &li2, &e), SC_OK);
	CU_ASSERT_TRUE(li2.open_loop);
	ASSERT_REL(li2.rate_per_s, 2.5, 1e-12);
	CU_ASSERT(isnan(s2.ttft_ms.p90));
	CU_ASSERT_EQUAL(s2.ttft_ms.n, 0);
	CU_ASSERT(isnan(s2.input_tokens_per_s));
	cJSON_Delete(j);
	for (int i = 0; i < 4; i++)
		req_release(&r[i]);
}

/* A statistic that is there must be a number or null: a summary with
 * "mean": "x" is bad input (named), not a level without a mean. An
 * imported level states its load elsewhere and its prompt throughput. */
static void test_json_strict(void)
{
	static const struct {
		const char *text, *field;
	} bad[] = {
	    {"{\"concurrency\": 2, \"requests\": {}, \"ttft_ms\": "
	     "{\"mean\": \"x\"}}",
	     "F: field 'ttft_ms.mean': must be a number"},
	    {"{\"concurrency\": 2, \"requests\": {}, \"tpot_ms\": 3}",
	     "F: field 'tpot_ms': must be an object"},
	    {"{\"concurrency\": 2, \"requests\": {}, \"throughput\": "
	     "{\"output_tokens_per_s\": true}}",
	     "F: field 'throughput.output_tokens_per_s'"},
	    {"{\"requests\": {}}", "F: field 'concurrency'"},
	};
	struct level_summary s;
	struct level_info li;
	struct sc_err e = {0};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		cJSON *j = cJSON_Parse(bad[i].text);
		CU_ASSERT_EQUAL(summary_from_json(j, "F", &s, &li, &e),
				SC_EINPUT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i].field));
		cJSON_Delete(j);
	}
	/* the load given by another key: no concurrency needed, a bad one
	 * still refused */
	cJSON *j = cJSON_Parse(
	    "{\"load\": {\"kind\": \"burst\"}, \"requests\": {}, "
	    "\"ttft_ms\": {\"mean\": null, \"p50\": 5}, \"throughput\": "
	    "{\"input_tokens_per_s\": 1200}}");
	CU_ASSERT_EQUAL(summary_body_from_json(j, "F", &s, &li, &e), SC_OK);
	CU_ASSERT(isnan(s.ttft_ms.mean));
	ASSERT_REL(s.ttft_ms.p50, 5, 1e-12);
	ASSERT_REL(s.input_tokens_per_s, 1200, 1e-12);
	/* and written back only when stated */
	cJSON *back = summary_to_json(&s, &li);
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(back, "throughput");
	ASSERT_REL(cJSON_GetObjectItemCaseSensitive(tp, "input_tokens_per_s")
		       ->valuedouble,
		   1200, 1e-12);
	cJSON_Delete(back);
	s.input_tokens_per_s = NAN;
	back = summary_to_json(&s, &li);
	tp = cJSON_GetObjectItemCaseSensitive(back, "throughput");
	CU_ASSERT_PTR_NULL(
	    cJSON_GetObjectItemCaseSensitive(tp, "input_tokens_per_s"));
	cJSON_Delete(back);
	CU_ASSERT_EQUAL(summary_from_json(j, "F", &s, &li, &e), SC_EINPUT);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"concurrency\": -1, \"requests\": {}}");
	CU_ASSERT_EQUAL(summary_body_from_json(j, "F", &s, &li, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'concurrency'"));
	cJSON_Delete(j);
}

static CU_TestInfo tests[] = {
    {"derived request metrics", test_derive},
    {"record JSON: server timings and resends", test_record_json},
    {"level summary known answers", test_level},
    {"online window counting equals the batch", test_online_equals_batch},
    {"a large level: exact counts, percentiles within the error",
     test_large_level},
    {"SLA parsing", test_sla_parse},
    {"SLA verdict on each statistic", test_sla_statistic},
    {"summary.json read back by summary_from_json", test_json_round_trip},
    {"summary.json: malformed statistics named; load stated elsewhere",
     test_json_strict},
    {"a record read back by req_from_json", test_record_round_trip},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("summary", tests)
