/* The summary of one load level (a concurrency or a request rate): request
 * counts per failure reason, latency statistics over successful measured
 * requests, throughput over the steady window, Little's-law check, goodput
 * against SLAs. Written as DIR/cN/summary.json. Built one record at a time
 * (struct summary_acc) in memory that does not grow with the level:
 * percentiles come from streaming sketches (metrics/sketch.h: exact up to
 * SKETCH_EXACT_MAX samples, then within SKETCH_REL_ERR). */
#ifndef SC_SUMMARY_H
#define SC_SUMMARY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "metrics/request.h"
#include "metrics/sketch.h"
#include "util/err.h"
#include "util/stats.h"
#include "util/statsel.h"

/* The latency metrics an SLA can limit. A request meets the TTFT, TPOT
 * and E2E limits when its own value is at most the limit (a request with
 * one output token has no TPOT and meets that limit), the ITL limit when
 * every gap of its stream is. */
enum sla_metric { SLA_TTFT, SLA_TPOT, SLA_E2E, SLA_ITL, SLA_METRIC_COUNT };

/* SLA limits, each on a stated statistic of the level's distribution
 * (defaults: TTFT p90, TPOT mean, E2E p90, ITL mean); a limit <= 0 means
 * "no limit on this metric". */
struct sla {
	double limit_ms[SLA_METRIC_COUNT];
	enum stat_sel stat[SLA_METRIC_COUNT];
	bool set;
};

/* "ttft", "tpot", "e2e", "itl" (the JSON keys of attainment and sla_met;
 * the limit's key adds "_ms", its statistic's "_stat"). */
const char *summary_sla_metric_name(enum sla_metric m);
/* The statistic s of st (its mean or a percentile); NaN when st is empty. */
double summary_stat_at(const struct stats *st, enum stat_sel s);
/* An SLA with no limits and the default statistic of each metric. */
void summary_sla_init(struct sla *sla);

/* Failure kinds whose first message a level keeps (by reason name, HTTP
 * statuses apart); later kinds are counted but not quoted. */
#define SUMMARY_FAIL_KINDS 16

/* The first server or transport message of one failure kind. */
struct summary_fail {
	char reason[24]; /* req_reason_name: "timeout", "http_503" */
	char message[REQ_ERROR_MAX];
};

struct level_info {
	bool open_loop;
	long concurrency;  /* closed loop */
	double rate_per_s; /* open loop: requested */
	double achieved_rate_per_s;
	double send_lateness_p99_ms; /* open loop: send time minus schedule */
	double isl, osl;	     /* requested means */
	long gpus;		     /* <= 0: unknown */
	int64_t window_start_ns, window_end_ns; /* steady window */
	struct sla sla;
	bool complete; /* the level ran to its end (not interrupted) */
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
	/* Prompt tokens per second: stated by imported tables
	 * (metrics/table.h) for prefill pools; NaN from a bench, and written
	 * to summary.json only when finite. */
	double input_tokens_per_s;
	double little_measured, little_expected, little_rel_error;
	/* SLAs: goodput counts the measured requests that met every limit
	 * and ended inside the steady window, per second of it (requests and
	 * their output tokens); sla_fraction is the share of measured
	 * successful requests that met every limit. NaN without an SLA. */
	double goodput_per_s, goodput_per_s_per_gpu, sla_fraction;
	double goodput_tokens_per_s;
	/* Attainment over the level's non-warm-up requests (a failed one
	 * meets no limit): the share meeting each limit on its own (NaN for
	 * a metric without a limit) and the share meeting all of them. */
	size_t attainment_n;
	double attainment[SLA_METRIC_COUNT], attainment_all;
	/* The level's value at each limit's statistic, and whether it is
	 * within the limit: 1 yes, 0 no (or no sample), -1 no limit set. */
	double sla_value_ms[SLA_METRIC_COUNT];
	int sla_met[SLA_METRIC_COUNT];
	int sla_met_all;
	size_t prompt_mismatch;
	struct summary_fail first_fail[SUMMARY_FAIL_KINDS];
	size_t n_first_fail;
};

/* A level's summary in the making: counters, one sketch per statistic and
 * the steady-window sums, fed each record as it finishes. */
struct summary_acc {
	struct sla sla;
	size_t total, ok, failed, warmup, measured, prompt_mismatch;
	size_t by_reason[REASON_COUNT_];
	size_t http_by_status[600];
	struct sketch ttft_ms, tpot_ms, itl_ms, e2e_ms, ttfb_ms, queue_ms,
	    output_tokens, input_tokens, ttft_client_minus_server_ms;
	/* over the steady window */
	double win_tokens, win_done, win_busy_s, win_sum_latency_s;
	size_t win_good; /* measured, met every SLA, ended in the window */
	double win_good_tokens; /* their output tokens */
	size_t sla_met;		/* measured and met every SLA */
	/* attainment: non-warm-up requests, those meeting each limit and
	 * those meeting all */
	size_t att_n, att_met[SLA_METRIC_COUNT], att_all;
	struct summary_fail first_fail[SUMMARY_FAIL_KINDS];
	size_t n_first_fail;
};

/* Unknown window edge for summary_acc_add: the start is still to come
 * (nothing so far is inside), or the end is still open. */
#define SUMMARY_WINDOW_OPEN INT64_MAX

void summary_acc_init(struct summary_acc *a, const struct sla *sla);
void summary_acc_release(struct summary_acc *a);
/* Adds one finished record (derived metrics filled; its arrays are only
 * read during the call). [w0, w1) is the steady window as known when the
 * record finished: SUMMARY_WINDOW_OPEN for an edge not known yet, which is
 * exact as long as an edge, once known, lies at or after the time the
 * records added before it ended (the load loop sets edges to the moment
 * they happen). Token chunks and request spans are counted against it. */
void summary_acc_add(struct summary_acc *a, const struct req_record *r,
		     int64_t w0, int64_t w1);
/* The summary of what a holds, over li's window. May reorder a's exact
 * samples (the result does not change). */
void summary_acc_finish(struct summary_acc *a, const struct level_info *li,
			struct level_summary *s);
/* Computes the summary of n records (derived metrics must be filled) with
 * li's window known up front: summary_acc over them. */
void summary_compute(const struct req_record *recs, size_t n,
		     const struct level_info *li, struct level_summary *s);
/* The first message of failure kind `reason` ("http_503") in s, or NULL
 * when s kept none. Points into s. */
const char *summary_first_message(const struct level_summary *s,
				  const char *reason);
/* summary.json content. Caller frees. */
cJSON *summary_to_json(const struct level_summary *s,
		       const struct level_info *li);
/* Reads summary.json content j (what summary_to_json writes) into s and
 * li (both zeroed first): statistics, throughput, Little's law and goodput
 * absent or null become NaN, counts 0; li->open_loop when "request_rate"
 * is given. Keys other writers add (an import's "load", table.h) are left
 * to their readers. SC_EINPUT naming `where` and the field when j is not
 * an object, "requests" is missing or not an object, a statistics object
 * (ttft_ms, ...) or "throughput" is neither an object nor null or one of
 * their members is neither a finite number nor null, neither
 * "concurrency" nor "request_rate" is a number, or a count or the
 * concurrency is not a whole number in range. */
int summary_from_json(const cJSON *j, const char *where,
		      struct level_summary *s, struct level_info *li,
		      struct sc_err *e) SC_MUST_CHECK;
/* As summary_from_json for a level whose load another key states (an
 * import's "load" object): "concurrency" and "request_rate" are read when
 * they are numbers (a concurrency in range, else the error above) and
 * not required. */
int summary_body_from_json(const cJSON *j, const char *where,
			   struct level_summary *s, struct level_info *li,
			   struct sc_err *e) SC_MUST_CHECK;
/* Parses an SLA list "ttft_ms=600,ttft_stat=p90,tpot_ms=16.7": limits
 * ttft_ms, tpot_ms, e2e_ms, itl_ms (each > 0 and finite) and the statistic
 * each applies to, ttft_stat, tpot_stat, e2e_stat, itl_stat (mean, p50,
 * p90, p95, p99; defaults in struct sla). A statistic without its limit is
 * an error. Returns 0 or -1 with a message quoting the value in err. */
int summary_parse_sla(const char *s, struct sla *out, char *err,
		      size_t cap) SC_MUST_CHECK;

#endif
