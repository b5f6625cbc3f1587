/* The summary of one load level (a concurrency or a request rate): request
 * counts per failure reason, latency statistics over successful measured
 * requests, throughput over the steady window, Little's-law check, goodput
 * against SLAs. Written as DIR/cN/summary.json. */
#ifndef SC_SUMMARY_H
#define SC_SUMMARY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "metrics/request.h"
#include "metrics/stats.h"

/* SLA thresholds; a value <= 0 means "no limit on this metric". */
struct sla {
	double ttft_ms, tpot_ms, e2e_ms, itl_ms;
	bool set;
};

struct level_info {
	bool open_loop;
	long concurrency;   /* closed loop */
	double rate_per_s;  /* open loop: requested */
	double achieved_rate_per_s;
	double send_lateness_p99_ms; /* open loop: send time minus schedule */
	double isl, osl;    /* requested means */
	long gpus;          /* <= 0: unknown */
	int64_t window_start_ns, window_end_ns; /* steady window */
	struct sla sla;
	bool complete;      /* the level ran to its end (not interrupted) */
};

struct level_summary {
	size_t total, ok, failed, warmup;
	size_t by_reason[REASON_COUNT_];
	size_t http_by_status[600]; /* counts of REASON_HTTP per status */
	struct stats ttft_ms, tpot_ms, itl_ms, e2e_ms, ttfb_ms, queue_ms,
		output_tokens, input_tokens;
	/* ttft_ms - server_prompt_ms over measured requests whose server sent
	 * its timings: the client, network and queueing share of the TTFT
	 * (llama.cpp's prompt_ms excludes the wait for a slot). */
	struct stats ttft_client_minus_server_ms;
	double window_s, output_tokens_per_s, requests_per_s,
		tokens_per_s_per_gpu, tokens_per_s_per_user;
	double little_measured, little_expected, little_rel_error;
	double goodput_per_s, goodput_per_s_per_gpu, sla_fraction;
	size_t prompt_mismatch;
};

/* Computes the summary of n records (derived metrics must be filled). */
void summary_compute(const struct req_record *recs, size_t n,
		     const struct level_info *li, struct level_summary *s);
/* summary.json content. Caller frees. */
cJSON *summary_to_json(const struct level_summary *s,
		       const struct level_info *li);
/* Parses an SLA list "ttft_ms=600,tpot_ms=16.7" (keys ttft_ms, tpot_ms,
 * e2e_ms, itl_ms). Returns 0 or -1 with a message in err. */
int summary_parse_sla(const char *s, struct sla *out, char *err, size_t cap);

#endif
