/* The load loop for one level. Closed loop: exactly `concurrency` requests
 * in flight (a new one is sent from the completion callback of the last),
 * the first round is warm-up, and the steady window runs from the end of
 * warm-up to the moment the first client goes idle. Open loop: sends follow
 * an absolute schedule (arrival process or trace timestamps); latencies
 * count from the scheduled time; requests past the in-flight cap wait in a
 * bounded client queue (their queue time is recorded) and those past the
 * queue become failed records (client_queue_full). The steady window runs
 * from the first scheduled send to the moment sending ends.
 *
 * Memory does not grow with the level: each record goes to on_record and
 * into the level's statistics (struct summary_acc) as it finishes, and is
 * gone after; per-chunk times live only while their request is in flight. */
#ifndef SC_LOOP_H
#define SC_LOOP_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/arrival.h"
#include "load/wl.h"
#include "metrics/request.h"
#include "metrics/summary.h"
#include "net/http.h"
#include "util/err.h"

/* Open loop: requests in flight when max_concurrency is not given. */
#define LOOP_OPEN_MAX_IN_FLIGHT 4096
/* Open loop: due requests that may wait for a free in-flight slot; past it
 * a due request is a client_queue_full record. It also bounds what is
 * still sent after the level's sending time ends. */
#define LOOP_QUEUE_MAX 4096
/* Open loop: schedule entries handled per wake-up before the loop checks
 * the clock, the stop flag and the limits and serves the network again. */
#define LOOP_SENDS_PER_WAKE 64

/* What the progress hook sees. */
struct loop_progress {
	size_t done, failed; /* records so far (warm-up included) */
	long planned;	     /* requests planned, -1: until the time limit */
	double ttft_p50_ms, tpot_p50_ms; /* measured requests so far; NaN */
};

struct loop_config {
	const char *url;
	bool open_loop;
	long concurrency;	 /* closed loop: requests in flight */
	struct arrival *arrival; /* open loop schedule (unless replay) */
	bool replay;		 /* open loop: schedule from trace timestamps */
	long max_concurrency;	 /* open loop in-flight cap, 0: the default
				    LOOP_OPEN_MAX_IN_FLIGHT */
	long queue_max;		 /* open loop client queue, 0: LOOP_QUEUE_MAX */
	long requests;		 /* measured requests; 0: use duration_s */
	double duration_s;	 /* sending time after warm-up */
	long warmup;		 /* warm-up requests (closed default: N) */
	long timeout_ms;	 /* per request, 0 = none */
	size_t max_event_bytes;	 /* SSE event cap */
	size_t max_chunks;	 /* output chunk cap per request */
	double max_error_rate;	 /* stop the level past this failed fraction */
	bool keep_itl;		 /* per-request ITL samples in the records */
	const struct sla *sla;	 /* for goodput in the statistics; NULL none */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop now */
	uint64_t first_id;
	uint64_t id_step; /* ids go first_id, + id_step, ...; 0: 1 */
	/* One worker's share of a level run by several (load/share.h): the
	 * open-loop schedule (or trace) is dealt out, entries deal_k,
	 * deal_k + deal_n, ... going to this worker; deal_n 0 or 1: all. */
	unsigned deal_n, deal_k;
	/* CLOCK_MONOTONIC time the level starts (the first open-loop send,
	 * the first closed-loop round), so workers start together; 0: now
	 * (open loop: LOOP_START_DELAY_NS from now). */
	int64_t start_ns;
	double level; /* written into records */
	/* Called as each request finishes, in completion order; may keep
	 * neither the pointer nor its arrays. */
	void (*on_record)(void *ud, const struct req_record *r);
	/* Called about every progress_ns. */
	void (*on_progress)(void *ud, const struct loop_progress *p);
	int64_t progress_ns;
	void *ud;
};

struct loop_result {
	/* Statistics of every finished request (summary_acc_finish with a
	 * level_info holding the window below and the config's SLA). */
	struct summary_acc acc;
	size_t n;	   /* finished requests (records) */
	size_t queue_full; /* of them client_queue_full */
	int64_t window_start_ns, window_end_ns;
	double achieved_rate_per_s;  /* open loop: sends per second */
	double send_lateness_p99_ms; /* open loop: actual - scheduled send */
	double send_lateness_p50_ms;
	bool interrupted;		     /* the stop flag ended the level */
	bool too_many_errors;		     /* max_error_rate exceeded */
	uint64_t next_id;		     /* first id not used */
	long sent;			     /* requests sent */
	int64_t first_send_ns, last_send_ns; /* open loop; 0: none */
};

/* Runs one level on driver d. Returns SC_OK (also when interrupted or
 * stopped for errors: see the flags) or SC_ERUNTIME with e filled; out
 * holds the statistics either way: release it with loop_result_release. */
int loop_run(struct http_driver *d, struct workload *wl,
	     const struct loop_config *c, struct loop_result *out,
	     struct sc_err *e) SC_MUST_CHECK;
void loop_result_release(struct loop_result *r);

#endif
