/* The load loop for one level. Closed loop: exactly `concurrency` requests
 * in flight (a new one is sent from the completion callback of the last),
 * the first round is warm-up, and the steady window runs from the end of
 * warm-up to the moment the first client goes idle. Open loop: sends follow
 * an absolute schedule (arrival process or trace timestamps); latencies
 * count from the scheduled time; with max_concurrency a request waits in a
 * client queue and its queue time is recorded. */
#ifndef SC_LOOP_H
#define SC_LOOP_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/arrival.h"
#include "load/workload.h"
#include "metrics/request.h"
#include "net/http.h"
#include "util/err.h"

struct loop_config {
	const char *url;
	bool open_loop;
	long concurrency;       /* closed loop: requests in flight */
	struct arrival *arrival;/* open loop schedule (unless replay) */
	bool replay;            /* open loop: schedule from trace timestamps */
	long max_concurrency;   /* open loop cap, 0 = none */
	long requests;          /* measured requests; 0: use duration_s */
	double duration_s;      /* sending time after warm-up */
	long warmup;            /* warm-up requests (closed default: N) */
	long timeout_ms;        /* per request, 0 = none */
	size_t max_event_bytes; /* SSE event cap */
	size_t max_chunks;      /* output chunk cap per request */
	double max_error_rate;  /* stop the level past this failed fraction */
	bool keep_itl;          /* keep per-request ITL samples */
	volatile sig_atomic_t *stop; /* set by a signal handler: stop now */
	uint64_t first_id;
	double level;           /* written into records */
	/* Called as each request finishes, in completion order; may not keep
	 * the pointer. */
	void (*on_record)(void *ud, const struct req_record *r);
	/* Called about every progress_ns with all records so far. */
	void (*on_progress)(void *ud, const struct req_record *recs, size_t n,
			    long planned);
	int64_t progress_ns;
	void *ud;
};

struct loop_result {
	struct req_record *recs; /* finished requests, completion order */
	size_t n, cap;
	int64_t window_start_ns, window_end_ns;
	double achieved_rate_per_s;   /* open loop: sends per second */
	double send_lateness_p99_ms;  /* open loop: actual - scheduled send */
	double send_lateness_p50_ms;
	bool interrupted;             /* the stop flag ended the level */
	bool too_many_errors;         /* max_error_rate exceeded */
	uint64_t next_id;             /* first id not used */
};

/* Runs one level on driver d. Returns SC_OK (also when interrupted or
 * stopped for errors: see the flags) or SC_ERUNTIME with e filled. */
int loop_run(struct http_driver *d, struct workload *wl,
	     const struct loop_config *c, struct loop_result *out,
	     struct sc_err *e);
void loop_result_release(struct loop_result *r);

#endif
