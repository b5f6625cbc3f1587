/* The load loop. All work happens on one thread: the HTTP driver calls back
 * on completion, and the completion callback immediately sends the next
 * closed-loop request, so a slot is never idle for a loop iteration. */
#include "load/loop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/stats.h"
#include "net/stream.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define LOOP_ERRBODY_MAX 1024
/* Failed fraction is only judged after this many finished requests. */
#define LOOP_ERROR_MIN_SAMPLE 20
/* Open loop: the first send is due this long after the level starts. */
#define LOOP_START_DELAY_NS 10000000LL

struct loop;

struct slot {
	struct loop *L;
	struct stream st;
	struct wl_request req;
	struct req_record rec;
	char errbody[LOOP_ERRBODY_MAX];
	size_t errlen;
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
	long warmup_left_to_finish;
	bool sending;       /* new requests may still be sent */
	int64_t send_until_ns; /* duration limit, 0 none */
	long finished, failed;
	int err;
	struct sc_err *e;
	/* open loop */
	int64_t *queue_sched; /* FIFO of due sends waiting for a slot */
	size_t q_head, q_len, q_cap;
	struct samples lateness_ms;
	int64_t first_send_ns, last_send_ns;
	int64_t last_sched_ns;
};

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
		dec_error_message(s->errbody, s->errlen, out + k, cap - (size_t)k);
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
			 "stream completed with no output token (max_tokens %ld%s%s)",
			 s->req.output_tokens,
			 s->st.finish_reason[0] ? ", finish_reason " : "",
			 s->st.finish_reason);
	} else {
		r->ok = true;
		r->reason = REASON_NONE;
	}
}

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
		r->itl_ms = xmalloc((st->n_tok - 1) * sizeof *r->itl_ms);
		r->n_itl = stream_itl_ms(st, r->itl_ms, st->n_tok - 1);
	}
	if (st->n_tok) {
		r->tok_ns = xmalloc(st->n_tok * sizeof *r->tok_ns);
		r->tok_n = xmalloc(st->n_tok * sizeof *r->tok_n);
		memcpy(r->tok_ns, st->tok_ns, st->n_tok * sizeof *r->tok_ns);
		memcpy(r->tok_n, st->tok_n, st->n_tok * sizeof *r->tok_n);
		r->n_tok = st->n_tok;
	}
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

static void stop_sending(struct loop *L, int64_t now)
{
	if (L->sending && !L->c->open_loop && !L->out->window_end_ns)
		L->out->window_end_ns = now;
	L->sending = false;
}

static void on_done(void *ud, const struct http_end *end)
{
	struct slot *s = ud;
	struct loop *L = s->L;
	struct loop_result *out = L->out;
	int64_t t = end->t_ns;
	s->rec.end_ns = t;
	s->rec.retries = end->retries;
	bool interrupted =
		end->res == HTTP_EABORTED && s->st.fail == STREAM_FAIL_NONE;
	if (!interrupted) {
		classify(s, end);
		fill_record(s);
		if (out->n == out->cap)
			out->recs = xgrow(out->recs, &out->cap, out->n + 1,
					  sizeof *out->recs);
		out->recs[out->n++] = s->rec;
		L->finished++;
		if (!s->rec.ok)
			L->failed++;
		if (L->c->on_record)
			L->c->on_record(L->c->ud, &out->recs[out->n - 1]);
		if (s->rec.warmup && --L->warmup_left_to_finish == 0 &&
		    !L->c->open_loop) {
			out->window_start_ns = t;
			if (L->c->duration_s > 0 && L->c->requests <= 0)
				L->send_until_ns =
					t + (int64_t)(L->c->duration_s * 1e9);
		}
		if (L->finished >= LOOP_ERROR_MIN_SAMPLE &&
		    L->c->max_error_rate < 1.0 &&
		    (double)L->failed / (double)L->finished >
			    L->c->max_error_rate) {
			out->too_many_errors = true;
			stop_sending(L, t);
		}
	}
	memset(&s->rec, 0, sizeof s->rec); /* arrays now belong to out */
	wl_request_release(&s->req);
	s->next_free = L->free_slots;
	L->free_slots = s;
	if (interrupted || L->err)
		return;
	if (!L->c->open_loop) {
		if (more_to_send(L, clock_mono_ns()))
			L->err = send_one(L, 0, false);
		else
			stop_sending(L, t);
	} else if (L->q_len && L->sending) {
		int64_t sched = L->queue_sched[L->q_head];
		L->q_head = (L->q_head + 1) % L->q_cap;
		L->q_len--;
		L->err = send_one(L, sched, true);
	}
}

static const struct http_callbacks loop_cbs = {on_first_byte, on_body,
					       on_done};

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
	uint64_t id = L->next_id++;
	wl_next(L->wl, id, &s->req);
	struct req_record *r = &s->rec;
	r->id = id;
	r->level = L->c->level;
	r->open_loop = L->c->open_loop;
	r->warmup = L->sent < L->c->warmup;
	r->input_tokens = s->req.input_tokens;
	r->prompt_tokens = -1;
	L->sent++;
	int rc = http_post(L->d, L->c->url, s->req.body, s->req.len,
			   L->c->timeout_ms, &loop_cbs, s, &r->start_ns, L->e);
	r->sched_ns = sched_ns ? sched_ns : r->start_ns;
	if (L->c->open_loop) {
		if (!queued)
			samples_push(&L->lateness_ms,
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

static void queue_push(struct loop *L, int64_t sched)
{
	if (L->q_len == L->q_cap) {
		size_t old = L->q_cap;
		int64_t *q = xmalloc((old ? old * 2 : 64) * sizeof *q);
		for (size_t i = 0; i < L->q_len; i++)
			q[i] = L->queue_sched[(L->q_head + i) % old];
		free(L->queue_sched);
		L->queue_sched = q;
		L->q_cap = old ? old * 2 : 64;
		L->q_head = 0;
	}
	L->queue_sched[(L->q_head + L->q_len) % L->q_cap] = sched;
	L->q_len++;
}

static void progress(struct loop *L, int64_t now, int64_t *next)
{
	if (!L->c->on_progress || now < *next)
		return;
	L->c->on_progress(L->c->ud, L->out->recs, L->out->n, L->planned);
	*next = now + (L->c->progress_ns ? L->c->progress_ns : 500000000LL);
}

static int run_closed(struct loop *L)
{
	const struct loop_config *c = L->c;
	int64_t next_progress = 0;
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
		progress(L, now, &next_progress);
		int64_t wake = now + 100000000;
		if (L->send_until_ns && L->sending && L->send_until_ns < wake)
			wake = L->send_until_ns;
		if (http_run(L->d, wake, L->e))
			return SC_ERUNTIME;
	}
	return L->err;
}

static int run_open(struct loop *L)
{
	const struct loop_config *c = L->c;
	int64_t t0 = clock_mono_ns() + LOOP_START_DELAY_NS;
	int64_t next_sched = t0;
	int64_t next_progress = 0;
	bool have_next = true;
	if (c->duration_s > 0 && c->requests <= 0)
		L->send_until_ns = t0 + (int64_t)(c->duration_s * 1e9);
	L->out->window_start_ns = t0;
	long scheduled = 0;
	while (!L->err) {
		if (c->stop && *c->stop) {
			L->out->interrupted = true;
			L->sending = false;
			http_abort_all(L->d);
			break;
		}
		int64_t now = clock_mono_ns();
		while (have_next && L->sending && next_sched <= now) {
			if ((L->planned >= 0 && scheduled >= L->planned) ||
			    (L->send_until_ns && next_sched >= L->send_until_ns)) {
				have_next = false;
				break;
			}
			scheduled++;
			L->last_sched_ns = next_sched;
			if (c->max_concurrency > 0 &&
			    (long)http_active(L->d) >= c->max_concurrency)
				queue_push(L, next_sched);
			else if ((L->err = send_one(L, next_sched, false)))
				break;
			if (c->replay) {
				/* Trace time zero is the first item's stamp. */
				const struct wl_item *it = L->wl->items;
				if ((size_t)scheduled >= L->wl->n_items)
					have_next = false;
				else
					next_sched = t0 + (int64_t)((it[scheduled].timestamp_s -
								      it[0].timestamp_s) * 1e9);
			} else {
				next_sched += (int64_t)(arrival_next_gap_s(c->arrival) * 1e9);
			}
			now = clock_mono_ns();
		}
		if (!have_next || !L->sending) {
			if (!L->out->window_end_ns)
				L->out->window_end_ns =
					L->last_sched_ns > t0 ? L->last_sched_ns : now;
			/* Queued sends are dropped once sending stopped. */
			if (http_active(L->d) == 0 &&
			    (L->q_len == 0 || !L->sending))
				break;
		}
		progress(L, now, &next_progress);
		int64_t wake = now + 100000000;
		if (have_next && L->sending && next_sched < wake)
			wake = next_sched;
		if (http_run(L->d, wake, L->e))
			return SC_ERUNTIME;
	}
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
	struct loop L = {.d = d, .wl = wl, .c = c, .out = out, .e = e};
	L.next_id = c->first_id;
	L.sending = true;
	L.planned = c->requests > 0 ? c->requests + c->warmup : -1;
	if (c->replay && c->requests <= 0 && c->duration_s <= 0)
		L.planned = (long)wl->n_items;
	L.warmup_left_to_finish = c->warmup;
	if (!c->open_loop && c->warmup <= 0) {
		out->window_start_ns = clock_mono_ns();
		if (c->duration_s > 0 && c->requests <= 0)
			L.send_until_ns = out->window_start_ns +
					  (int64_t)(c->duration_s * 1e9);
	}
	int rc = c->open_loop ? run_open(&L) : run_closed(&L);
	if (!out->window_end_ns)
		out->window_end_ns = clock_mono_ns();
	if (rc && http_active(d))
		http_abort_all(d);
	if (L.lateness_ms.n) {
		struct stats st;
		stats_compute(L.lateness_ms.v, L.lateness_ms.n, &st);
		out->send_lateness_p99_ms = st.p99;
		out->send_lateness_p50_ms = st.p50;
	} else {
		out->send_lateness_p99_ms = out->send_lateness_p50_ms = NAN;
	}
	samples_release(&L.lateness_ms);
	for (size_t i = 0; i < L.n_all; i++) {
		stream_release(&L.all[i]->st);
		wl_request_release(&L.all[i]->req);
		free(L.all[i]);
	}
	free(L.all);
	free(L.queue_sched);
	out->next_id = L.next_id;
	return rc;
}

void loop_result_release(struct loop_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		req_release(&r->recs[i]);
	free(r->recs);
	memset(r, 0, sizeof *r);
}
