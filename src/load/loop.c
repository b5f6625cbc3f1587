/* The load loop. All work happens on one thread: the HTTP driver calls back
 * on completion, and the completion callback immediately sends the next
 * closed-loop request, so a slot is never idle for a loop iteration.
 *
 * The steady window's edges are set to the moment they happen (the end of
 * the last warm-up request, the moment sending stops), before the record
 * that caused them is counted, so the statistics counted online agree with
 * summary_compute over the same records and window. */
#include "load/loop.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "metrics/sketch.h"
#include "net/stream.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define LOOP_ERRBODY_MAX 1024
/* Failed fraction is only judged after this many finished requests. */
#define LOOP_ERROR_MIN_SAMPLE 20
/* Open loop: the first send is due this long after the level starts. */
#define LOOP_START_DELAY_NS 10000000LL
/* Longest wait in one http_run: the stop flag and limits are checked at
 * least this often. */
#define LOOP_TICK_NS 100000000LL
/* Schedule times past this offset from the level's start are "never"
 * (about 31 years): sums stay far from int64 overflow. */
#define LOOP_SCHED_HORIZON_NS 1e18

struct loop;

struct slot {
	struct loop *L;
	struct stream st;
	struct wl_request req;
	struct req_record rec;
	char errbody[LOOP_ERRBODY_MAX];
	size_t errlen;
	double *itl; /* the record's ITL samples, reused */
	size_t itl_cap;
	struct slot *next_free;
};

struct loop {
	struct http_driver *d;
	struct workload *wl;
	const struct loop_config *c;
	struct loop_result *out;
	struct slot *free_slots;
	struct slot **all;
	size_t n_all, cap_all;
	uint64_t next_id;
	long sent, planned; /* planned < 0: until the time limit */
	long issued;	    /* sent + client_queue_full (warm-up order) */
	long warmup_left_to_finish;
	bool sending;	       /* new requests may still be sent */
	int64_t send_until_ns; /* duration limit, 0 none */
	long finished, failed;
	int err;
	struct sc_err *e;
	/* the steady window as known now; SUMMARY_WINDOW_OPEN: not yet */
	int64_t w0, w1;
	int64_t next_progress_ns;
	/* open loop */
	long max_in_flight;
	size_t queue_max;
	int64_t *queue_sched; /* FIFO of due sends waiting for a slot */
	size_t q_head, q_len, q_cap;
	struct sketch lateness_ms;
	int64_t first_send_ns, last_send_ns;
};

/* t0 + off_ns, or INT64_MAX ("never") past the horizon or for NaN. */
static int64_t sched_at(int64_t t0, double off_ns)
{
	if (!(off_ns < LOOP_SCHED_HORIZON_NS))
		return INT64_MAX;
	return t0 + (off_ns > 0 ? (int64_t)off_ns : 0);
}

static void on_first_byte(void *ud, int64_t t)
{
	struct slot *s = ud;
	s->rec.first_byte_ns = t;
}

static int on_body(void *ud, long status, const char *buf, size_t len,
		   int64_t t)
{
	struct slot *s = ud;
	if (status != 200) {
		size_t k = LOOP_ERRBODY_MAX - 1 - s->errlen;
		if (len < k)
			k = len;
		memcpy(s->errbody + s->errlen, buf, k);
		s->errlen += k;
		s->errbody[s->errlen] = 0;
		return 0;
	}
	return stream_feed(&s->st, buf, len, t) ? 1 : 0;
}

/* "HTTP 500: <the server's words>" from the error body kept so far. */
static void http_error_message(const struct slot *s, char *out, size_t cap)
{
	int k = snprintf(out, cap, "HTTP %d: ", s->rec.http_status);
	if (k >= 0 && (size_t)k < cap)
		dec_error_message(s->errbody, s->errlen, out + k,
				  cap - (size_t)k);
}

/* The reason a request failed, in order of what explains it best: the
 * server's own words (HTTP status, error chunk) before the transport's. */
static void classify(struct slot *s, const struct http_end *end)
{
	struct req_record *r = &s->rec;
	const char *msg = end->msg ? end->msg : "";
	r->http_status = (int)end->status;
	r->ok = false;
	if (end->res == HTTP_ECONNECT) {
		r->reason = REASON_CONNECT;
		snprintf(r->error, sizeof r->error, "%s", msg);
	} else if (end->res == HTTP_ETIMEOUT) {
		r->reason = REASON_TIMEOUT;
		snprintf(r->error, sizeof r->error, "%s", msg);
	} else if (end->status && end->status != 200) {
		r->reason = REASON_HTTP;
		http_error_message(s, r->error, sizeof r->error);
	} else if (s->st.fail != STREAM_FAIL_NONE) {
		static const enum req_reason map[] = {
		    [STREAM_FAIL_ERROR_CHUNK] = REASON_ERROR_CHUNK,
		    [STREAM_FAIL_MALFORMED] = REASON_MALFORMED,
		    [STREAM_FAIL_OVERSIZE] = REASON_OVERSIZE,
		    [STREAM_FAIL_TOO_MANY_CHUNKS] = REASON_OVERSIZE,
		};
		r->reason = map[s->st.fail];
		snprintf(r->error, sizeof r->error, "%s", s->st.err);
	} else if (end->res == HTTP_ETRANSPORT) {
		/* Reset, send failure, body cut short: the connection was made,
		 * so this is not a connect failure, and a stream cut mid-way is
		 * not one that merely lacked its [DONE]. */
		r->reason = REASON_TRANSPORT;
		snprintf(r->error, sizeof r->error, "connection lost %s: %s",
			 r->first_byte_ns ? "after the response began"
					  : "before any response byte",
			 msg);
	} else if (end->res != HTTP_DONE || !stream_complete(&s->st)) {
		r->reason = REASON_NO_DONE;
		snprintf(r->error, sizeof r->error,
			 "stream ended without [DONE] or finish_reason%s%s",
			 msg[0] ? ": " : "", msg);
	} else if (s->st.out_chunks == 0 && s->req.output_tokens > 0) {
		/* A server that failed without saying so (or said it in a way
		 * we do not know) must not pass as a 0-token success. */
		r->reason = REASON_NO_OUTPUT;
		snprintf(r->error, sizeof r->error,
			 "stream completed with no output token (max_tokens "
			 "%ld%s%s)",
			 s->req.output_tokens,
			 s->st.finish_reason[0] ? ", finish_reason " : "",
			 s->st.finish_reason);
	} else {
		r->ok = true;
		r->reason = REASON_NONE;
	}
}

/* The record of s's finished request; its arrays are s's own buffers. */
static void fill_record(struct slot *s)
{
	struct req_record *r = &s->rec;
	struct stream *st = &s->st;
	r->first_token_ns = st->first_token_ns;
	r->last_token_ns = st->last_token_ns;
	r->chunks = st->out_chunks;
	r->output_tokens = stream_output_tokens(st, &r->output_estimated);
	r->prompt_tokens = st->usage_prompt;
	memcpy(r->response_id, st->response_id, sizeof r->response_id);
	r->has_server_timings = st->has_timings;
	r->server_prompt_ms = st->server_prompt_ms;
	r->server_predicted_ms = st->server_predicted_ms;
	r->server_prompt_n = st->server_prompt_n;
	r->server_predicted_n = st->server_predicted_n;
	if (s->L->c->keep_itl && st->n_tok > 1) {
		if (s->itl_cap < st->n_tok - 1)
			s->itl = xgrow(s->itl, &s->itl_cap, st->n_tok - 1,
				       sizeof *s->itl);
		r->itl_ms = s->itl;
		r->n_itl = stream_itl_ms(st, r->itl_ms, st->n_tok - 1);
	}
	r->tok_ns = st->tok_ns;
	r->tok_n = st->tok_n;
	r->n_tok = st->n_tok;
	req_derive(r);
}

static int send_one(struct loop *L, int64_t sched_ns, bool queued);

static bool more_to_send(struct loop *L, int64_t now)
{
	if (!L->sending)
		return false;
	if (L->planned >= 0 && L->sent >= L->planned)
		return false;
	if (L->send_until_ns && now >= L->send_until_ns)
		return false;
	return true;
}

/* The steady window ends at t (once). */
static void end_window(struct loop *L, int64_t t)
{
	if (L->w1 == SUMMARY_WINDOW_OPEN) {
		L->w1 = t;
		L->out->window_end_ns = t;
	}
}

static void stop_sending(struct loop *L, int64_t now)
{
	if (L->sending)
		end_window(L, now);
	L->sending = false;
}

static bool too_many_errors(const struct loop *L)
{
	return L->finished >= LOOP_ERROR_MIN_SAMPLE &&
	       L->c->max_error_rate < 1.0 &&
	       (double)L->failed / (double)L->finished > L->c->max_error_rate;
}

/* Counts a finished record: statistics, the caller's hook, the error-rate
 * stop. Window edges that r's end moves must be set before. */
static void count_record(struct loop *L, const struct req_record *r)
{
	struct loop_result *out = L->out;
	out->n++;
	summary_acc_add(&out->acc, r, L->w0, L->w1);
	if (L->c->on_record)
		L->c->on_record(L->c->ud, r);
}

static void on_done(void *ud, const struct http_end *end)
{
	struct slot *s = ud;
	struct loop *L = s->L;
	const struct loop_config *c = L->c;
	int64_t t = end->t_ns;
	s->rec.end_ns = t;
	s->rec.retries = end->retries;
	bool interrupted =
	    end->res == HTTP_EABORTED && s->st.fail == STREAM_FAIL_NONE;
	bool send_next = false;
	if (!interrupted) {
		classify(s, end);
		fill_record(s);
		L->finished++;
		if (!s->rec.ok)
			L->failed++;
		if (s->rec.warmup && --L->warmup_left_to_finish == 0 &&
		    !c->open_loop) {
			L->w0 = t;
			L->out->window_start_ns = t;
			if (c->duration_s > 0 && c->requests <= 0)
				L->send_until_ns =
				    sched_at(t, c->duration_s * 1e9);
		}
		if (too_many_errors(L)) {
			L->out->too_many_errors = true;
			stop_sending(L, t);
		} else if (!c->open_loop && !L->err) {
			send_next = more_to_send(L, clock_mono_ns());
			if (!send_next)
				stop_sending(L, t);
		}
		count_record(L, &s->rec);
	}
	memset(&s->rec, 0, sizeof s->rec);
	wl_request_release(&s->req);
	s->next_free = L->free_slots;
	L->free_slots = s;
	if (interrupted || L->err)
		return;
	if (send_next) {
		L->err = send_one(L, 0, false);
	} else if (c->open_loop && L->q_len && L->sending) {
		int64_t sched = L->queue_sched[L->q_head];
		L->q_head = (L->q_head + 1) % L->q_cap;
		L->q_len--;
		L->err = send_one(L, sched, true);
	}
}

static const struct http_callbacks loop_cbs = {on_first_byte, on_body, on_done};

static struct slot *get_slot(struct loop *L)
{
	struct slot *s = L->free_slots;
	if (s) {
		L->free_slots = s->next_free;
		stream_reset(&s->st);
	} else {
		s = xcalloc(1, sizeof *s);
		s->L = L;
		stream_init(&s->st, L->c->max_event_bytes, L->c->max_chunks);
		if (L->n_all == L->cap_all)
			L->all = xgrow(L->all, &L->cap_all, L->n_all + 1,
				       sizeof *L->all);
		L->all[L->n_all++] = s;
	}
	s->errlen = 0;
	s->errbody[0] = 0;
	memset(&s->rec, 0, sizeof s->rec);
	return s;
}

/* Sends the next request; sched_ns is its scheduled time (open loop);
 * queued says it waited for a free slot (not counted as send lateness). */
static int send_one(struct loop *L, int64_t sched_ns, bool queued)
{
	struct slot *s = get_slot(L);
	uint64_t id = L->next_id;
	L->next_id += L->c->id_step ? L->c->id_step : 1;
	wl_next(L->wl, id, &s->req);
	struct req_record *r = &s->rec;
	r->id = id;
	r->level = L->c->level;
	r->open_loop = L->c->open_loop;
	r->warmup = L->issued < L->c->warmup;
	r->input_tokens = s->req.input_tokens;
	r->prompt_tokens = -1;
	L->sent++;
	L->issued++;
	int rc = http_post(L->d, L->c->url, s->req.body, s->req.len,
			   L->c->timeout_ms, &loop_cbs, s, &r->start_ns, L->e);
	r->sched_ns = sched_ns ? sched_ns : r->start_ns;
	if (L->c->open_loop) {
		if (!queued)
			sketch_add(&L->lateness_ms,
				   (double)(r->start_ns - sched_ns) / 1e6);
		if (!L->first_send_ns)
			L->first_send_ns = r->start_ns;
		L->last_send_ns = r->start_ns;
	}
	if (rc) {
		wl_request_release(&s->req);
		s->next_free = L->free_slots;
		L->free_slots = s;
	}
	return rc;
}

/* Adds a due send to the client queue; false when the queue is full. */
static bool queue_push(struct loop *L, int64_t sched)
{
	if (L->q_len >= L->queue_max)
		return false;
	if (L->q_len == L->q_cap) {
		size_t old = L->q_cap;
		size_t cap = old ? old * 2 : 64;
		if (cap > L->queue_max)
			cap = L->queue_max;
		int64_t *q = xmalloc(cap * sizeof *q);
		for (size_t i = 0; i < L->q_len; i++)
			q[i] = L->queue_sched[(L->q_head + i) % old];
		free(L->queue_sched);
		L->queue_sched = q;
		L->q_cap = cap;
		L->q_head = 0;
	}
	L->queue_sched[(L->q_head + L->q_len) % L->q_cap] = sched;
	L->q_len++;
	return true;
}

/* A due request with no in-flight slot and no room in the client queue: a
 * failed record, never sent, instead of memory that grows with the lag. */
static void queue_full_record(struct loop *L, int64_t sched)
{
	const struct loop_config *c = L->c;
	int64_t now = clock_mono_ns();
	struct req_record r = {0};
	r.id = L->next_id;
	L->next_id += c->id_step ? c->id_step : 1;
	r.level = c->level;
	r.open_loop = true;
	r.warmup = L->issued++ < c->warmup;
	r.sched_ns = sched;
	r.end_ns = now;
	r.input_tokens = r.prompt_tokens = -1;
	r.ok = false;
	r.reason = REASON_CLIENT_QUEUE_FULL;
	snprintf(r.error, sizeof r.error,
		 "not sent: %ld requests in flight (the cap) and %zu due ones "
		 "waiting in the client queue (its cap); the client cannot "
		 "keep this schedule",
		 L->max_in_flight, L->q_len);
	req_derive(&r);
	L->finished++;
	L->failed++;
	L->out->queue_full++;
	if (too_many_errors(L)) {
		L->out->too_many_errors = true;
		stop_sending(L, now);
	}
	count_record(L, &r);
}

/* One due schedule entry: sent now, queued, or a client_queue_full. */
static void dispatch(struct loop *L, int64_t sched)
{
	if ((long)http_active(L->d) < L->max_in_flight && L->q_len == 0)
		L->err = send_one(L, sched, false);
	else if (!queue_push(L, sched))
		queue_full_record(L, sched);
}

/* Sends queued requests while in-flight slots are free. */
static void drain_queue(struct loop *L)
{
	while (!L->err && L->sending && L->q_len &&
	       (long)http_active(L->d) < L->max_in_flight) {
		int64_t sched = L->queue_sched[L->q_head];
		L->q_head = (L->q_head + 1) % L->q_cap;
		L->q_len--;
		L->err = send_one(L, sched, true);
	}
}

/* The send after the k-th (k >= 1 scheduled so far). Arrival gaps are
 * summed in whole nanoseconds with the fraction carried in *frac_ns, so
 * gaps under 1 ns still advance the schedule and no rounding drifts. */
static int64_t next_schedule(struct loop *L, long k, int64_t t0, int64_t prev,
			     double *frac_ns)
{
	const struct loop_config *c = L->c;
	if (c->replay) {
		/* Trace time zero is the first item's stamp. */
		const struct wl_item *it = L->wl->items;
		if ((size_t)k >= L->wl->n_items)
			return INT64_MAX;
		return sched_at(t0,
				(it[k].timestamp_s - it[0].timestamp_s) * 1e9);
	}
	if (prev == INT64_MAX)
		return INT64_MAX;
	double g = arrival_next_gap_s(c->arrival) * 1e9 + *frac_ns;
	if (!(g >= 0))
		g = 0;
	double whole = floor(g);
	*frac_ns = g - whole;
	return sched_at(t0, (double)(prev - t0) + whole);
}

/* This worker's next entry after prev (global index *g): the entries
 * dealt to the other deal_n - 1 workers are skipped. */
static int64_t next_own(struct loop *L, long *g, int64_t t0, int64_t prev,
			double *frac_ns)
{
	unsigned n = L->c->deal_n > 1 ? L->c->deal_n : 1;
	for (unsigned i = 0; i < n && prev != INT64_MAX; i++)
		prev = next_schedule(L, ++*g, t0, prev, frac_ns);
	return prev;
}

static void progress(struct loop *L, int64_t now)
{
	const struct loop_config *c = L->c;
	if (!c->on_progress || now < L->next_progress_ns)
		return;
	struct summary_acc *a = &L->out->acc;
	struct loop_progress p = {
	    .done = L->out->n,
	    .failed = (size_t)L->failed,
	    .planned = L->planned,
	    .ttft_p50_ms = sketch_percentile(&a->ttft_ms, 50),
	    .tpot_p50_ms = sketch_percentile(&a->tpot_ms, 50),
	};
	c->on_progress(c->ud, &p);
	L->next_progress_ns =
	    now + (c->progress_ns ? c->progress_ns : 500000000LL);
}

static int run_closed(struct loop *L)
{
	const struct loop_config *c = L->c;
	long first = c->concurrency;
	if (L->planned >= 0 && first > L->planned)
		first = L->planned;
	for (long i = 0; i < first && !L->err; i++)
		L->err = send_one(L, 0, false);
	while (!L->err && http_active(L->d) > 0) {
		if (c->stop && *c->stop) {
			L->out->interrupted = true;
			stop_sending(L, clock_mono_ns());
			http_abort_all(L->d);
			break;
		}
		int64_t now = clock_mono_ns();
		if (L->sending && L->send_until_ns && now >= L->send_until_ns)
			stop_sending(L, now);
		progress(L, now);
		int64_t wake = now + LOOP_TICK_NS;
		if (L->send_until_ns && L->sending && L->send_until_ns < wake)
			wake = L->send_until_ns;
		if (http_run(L->d, wake, L->e))
			return SC_ERUNTIME;
	}
	return L->err;
}

/* The open loop: at most LOOP_SENDS_PER_WAKE due entries per pass, then
 * the clock, the stop flag and the limits again, and the network served
 * (without blocking while the schedule is behind). Sending ends at the
 * planned count, or when the schedule or the clock passes the duration. */
static int run_open(struct loop *L)
{
	const struct loop_config *c = L->c;
	int64_t t0 = c->start_ns > 0 ? c->start_ns
				     : clock_mono_ns() + LOOP_START_DELAY_NS;
	int64_t next_sched = t0;
	double frac_ns = 0;
	bool have_next = true;
	long scheduled = 0;
	long g = 0; /* index of next_sched in the whole schedule */
	if (c->deal_n > 1)
		for (unsigned i = 0; i < c->deal_k && next_sched != INT64_MAX;
		     i++)
			next_sched =
			    next_schedule(L, ++g, t0, next_sched, &frac_ns);
	if (next_sched == INT64_MAX)
		have_next = false;
	if (c->duration_s > 0 && c->requests <= 0)
		L->send_until_ns = sched_at(t0, c->duration_s * 1e9);
	L->w0 = t0;
	L->out->window_start_ns = t0;
	while (!L->err) {
		if (c->stop && *c->stop) {
			L->out->interrupted = true;
			stop_sending(L, clock_mono_ns());
			http_abort_all(L->d);
			break;
		}
		int64_t now = clock_mono_ns();
		if (have_next && L->send_until_ns && now >= L->send_until_ns) {
			/* The clock ends the level even when the schedule
			 * lags behind it. */
			have_next = false;
			end_window(L, now);
		}
		for (int k = 0; k < LOOP_SENDS_PER_WAKE && have_next &&
				L->sending && !L->err && next_sched <= now;
		     k++) {
			scheduled++;
			dispatch(L, next_sched);
			next_sched = next_own(L, &g, t0, next_sched, &frac_ns);
			if ((L->planned >= 0 && scheduled >= L->planned) ||
			    next_sched == INT64_MAX ||
			    (L->send_until_ns &&
			     next_sched >= L->send_until_ns)) {
				have_next = false;
				end_window(L, clock_mono_ns());
			}
		}
		drain_queue(L);
		if (L->err)
			break;
		if ((!have_next || !L->sending) && http_active(L->d) == 0 &&
		    (L->q_len == 0 || !L->sending))
			break; /* queued sends are dropped once sending stopped
				*/
		now = clock_mono_ns();
		progress(L, now);
		bool due = have_next && L->sending;
		int64_t wake = now + LOOP_TICK_NS;
		if (due && next_sched <= now)
			wake = 0; /* behind the schedule: poll, do not wait */
		else if (due && next_sched < wake)
			wake = next_sched;
		if (http_run(L->d, wake, L->e))
			return SC_ERUNTIME;
	}
	L->out->first_send_ns = L->first_send_ns;
	L->out->last_send_ns = L->last_send_ns;
	if (L->last_send_ns > L->first_send_ns && L->sent > 1)
		L->out->achieved_rate_per_s =
		    (double)(L->sent - 1) /
		    ((double)(L->last_send_ns - L->first_send_ns) / 1e9);
	return L->err;
}

int loop_run(struct http_driver *d, struct workload *wl,
	     const struct loop_config *c, struct loop_result *out,
	     struct sc_err *e)
{
	memset(out, 0, sizeof *out);
	summary_acc_init(&out->acc, c->sla);
	struct loop L = {.d = d, .wl = wl, .c = c, .out = out, .e = e};
	L.next_id = c->first_id;
	L.sending = true;
	L.w0 = L.w1 = SUMMARY_WINDOW_OPEN;
	L.planned = c->requests > 0 ? c->requests + c->warmup : -1;
	if (c->replay && c->requests <= 0 && c->duration_s <= 0)
		L.planned = (long)wl->n_items;
	L.warmup_left_to_finish = c->warmup;
	L.max_in_flight = c->max_concurrency > 0 ? c->max_concurrency
						 : LOOP_OPEN_MAX_IN_FLIGHT;
	L.queue_max = c->queue_max > 0 ? (size_t)c->queue_max : LOOP_QUEUE_MAX;
	sketch_init(&L.lateness_ms);
	if (!c->open_loop && c->start_ns > 0) {
		struct timespec ts = {.tv_sec = c->start_ns / 1000000000,
				      .tv_nsec = c->start_ns % 1000000000};
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
				       NULL) == EINTR &&
		       !(c->stop && *c->stop))
			;
	}
	if (!c->open_loop && c->warmup <= 0) {
		L.w0 = out->window_start_ns = clock_mono_ns();
		if (c->duration_s > 0 && c->requests <= 0)
			L.send_until_ns =
			    sched_at(out->window_start_ns, c->duration_s * 1e9);
	}
	int rc = c->open_loop ? run_open(&L) : run_closed(&L);
	end_window(&L, clock_mono_ns());
	if (rc && http_active(d))
		http_abort_all(d);
	if (L.lateness_ms.n) {
		out->send_lateness_p99_ms =
		    sketch_percentile(&L.lateness_ms, 99);
		out->send_lateness_p50_ms =
		    sketch_percentile(&L.lateness_ms, 50);
	} else {
		out->send_lateness_p99_ms = out->send_lateness_p50_ms = NAN;
	}
	sketch_release(&L.lateness_ms);
	for (size_t i = 0; i < L.n_all; i++) {
		stream_release(&L.all[i]->st);
		wl_request_release(&L.all[i]->req);
		free(L.all[i]->itl);
		free(L.all[i]);
	}
	free(L.all);
	free(L.queue_sched);
	out->next_id = L.next_id;
	out->sent = L.sent;
	return rc;
}

void loop_result_release(struct loop_result *r)
{
	summary_acc_release(&r->acc);
	memset(r, 0, sizeof *r);
}
