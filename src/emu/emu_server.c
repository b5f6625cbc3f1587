/* evhttp glue of the emulated engine: routes, streams, faults, metrics,
 * disconnects and graceful stop. The only home of libevent's HTTP API. */
#include "emu/emu_server.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h> /* req->chunked for the direct write path */
#include <event2/keyvalq_struct.h>

#include "emu/emu_api.h"
#include "emu/emu_sched.h"
#include "emu/emu_trace.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* Headers of one request larger than this are refused by evhttp. */
#define EMU_MAX_HEADERS_BYTES (64 * 1024)
/* Idle limit of a connection; streams stall at most stall_ms. */
#define EMU_CONN_TIMEOUT_S 3600
/* How long a graceful stop lets final chunks drain. */
#define EMU_STOP_DRAIN_MS 300
/* Largest rendered token chunk. */
#define EMU_CHUNK_MAX 1024

static const int status_codes[] = {200, 400, 404, 405, 413,
				   422, 429, 500, 503};
#define N_STATUS (sizeof status_codes / sizeof *status_codes)

struct emu_stream;

struct emu_server {
	const struct deploy_spec *d;
	struct emu_truth truth;
	size_t max_body;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *sock;
	struct emu_engine *eng;
	struct emu_trace *trace;
	struct event *sig_int, *sig_term;
	struct evbuffer *scratch;
	struct rng rng;
	struct emu_api_limits lim;
	int port;
	bool stopping;
	unsigned long long next_id;
	struct emu_stream *live;
	long n_live;
	long created_s;
	uint64_t req_total[2], status_total[N_STATUS + 1];
	uint64_t tokens_total, completed, disconnects, early_stops;
	uint64_t faults[EMU_FAULT_COUNT];
};

struct emu_stream {
	struct emu_server *srv;
	struct evhttp_request *req; /* NULL once the connection is gone */
	struct evhttp_connection *conn;
	struct emu_req er;
	struct emu_api_req api;
	struct emu_api_stream tpl;
	unsigned long long id;
	bool stopped; /* early stop drawn: finish_reason "stop" */
	enum emu_fault fault;
	long fault_at;
	bool fault_done, malformed_body;
	char *text; /* non-streaming: output so far */
	size_t text_len, text_cap;
	struct evbuffer *held; /* stall: chunks written after it ends */
	long held_tokens;
	struct event *stall_ev;
	struct event *watch_ev; /* notices a client that closes early */
	bool finish_pending;
	int64_t *tok_ns; /* trace only */
	size_t n_tok, cap_tok;
	struct emu_stream *prev, *next;
};

/* ---- responses ---- */

static void count_status(struct emu_server *srv, int code)
{
	size_t i = 0;
	while (i < N_STATUS && status_codes[i] != code)
		i++;
	srv->status_total[i]++;
}

static void send_body(struct emu_server *srv, struct evhttp_request *req,
		      int code, const char *ctype, const char *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", ctype);
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, code, NULL, b);
	evbuffer_free(b);
	count_status(srv, code);
}

static void send_error(struct emu_server *srv, struct evhttp_request *req,
		       int code, const char *msg)
{
	char *body = emu_api_error_body(code, msg);
	send_body(srv, req, code, "application/json", body);
	free(body);
}

/* ---- stream lifecycle ---- */

static void conn_closed_cb(struct evhttp_connection *c, void *arg);

static void stream_unlink(struct emu_stream *st)
{
	struct emu_server *srv = st->srv;
	if (st->prev)
		st->prev->next = st->next;
	else
		srv->live = st->next;
	if (st->next)
		st->next->prev = st->prev;
	srv->n_live--;
}

static const char *endpoint_name(const struct emu_stream *st)
{
	return st->api.ep == EMU_EP_CHAT ? "chat" : "completions";
}

static void stream_trace(struct emu_stream *st, const char *status)
{
	if (!st->srv->trace)
		return;
	struct emu_trace_rec rec = {
		.id = st->tpl.id,
		.endpoint = endpoint_name(st),
		.status = status,
		.prompt_tokens = st->api.prompt_tokens,
		.completion_tokens = st->er.emitted,
		.r = &st->er,
		.token_ns = st->tok_ns,
		.n_tokens = st->n_tok,
	};
	emu_trace_write(st->srv->trace, &rec);
}

/* Frees st; the engine must no longer hold st->er. */
static void stream_free(struct emu_stream *st)
{
	if (st->conn)
		evhttp_connection_set_closecb(st->conn, NULL, NULL);
	stream_unlink(st);
	emu_api_stream_release(&st->tpl);
	free(st->text);
	free(st->tok_ns);
	if (st->held)
		evbuffer_free(st->held);
	if (st->stall_ev)
		event_free(st->stall_ev);
	if (st->watch_ev)
		event_free(st->watch_ev);
	free(st);
}

static void stream_end(struct emu_stream *st, const char *trace_status)
{
	emu_engine_cancel(st->srv->eng, &st->er);
	stream_trace(st, trace_status);
	stream_free(st);
}

static void record_token_time(struct emu_stream *st, int64_t t_ns)
{
	if (!st->srv->trace)
		return;
	if (st->n_tok == st->cap_tok)
		st->tok_ns = xgrow(st->tok_ns, &st->cap_tok, st->n_tok + 1,
				   sizeof *st->tok_ns);
	st->tok_ns[st->n_tok++] = t_ns;
}

/* Sends one whole SSE event (already framed "data: ...\n\n") now, or holds
 * it during a stall. Token chunks are the hot path (one per stream per
 * iteration): when nothing is queued on the connection, the HTTP chunk is
 * written to the socket at once, which keeps the write time equal to the
 * emission time and skips evhttp's buffering; otherwise, or for what a
 * partial write leaves, it is queued behind the data already there. */
static void sse_send_event(struct emu_stream *st, const char *ev, size_t len)
{
	if (st->held) {
		evbuffer_add(st->held, ev, len);
		return;
	}
	struct bufferevent *bev = evhttp_connection_get_bufferevent(st->conn);
	struct evbuffer *out = bufferevent_get_output(bev);
	if (evbuffer_get_length(out) != 0) {
		evbuffer_add(st->srv->scratch, ev, len);
		evhttp_send_reply_chunk(st->req, st->srv->scratch);
		return;
	}
	char buf[EMU_CHUNK_MAX + 32];
	size_t n = 0;
	if (st->req->chunked)
		n = (size_t)snprintf(buf, 16, "%zx\r\n", len);
	if (n + len + 2 > sizeof buf) {
		evbuffer_add(st->srv->scratch, ev, len);
		evhttp_send_reply_chunk(st->req, st->srv->scratch);
		return;
	}
	memcpy(buf + n, ev, len);
	n += len;
	if (st->req->chunked) {
		memcpy(buf + n, "\r\n", 2);
		n += 2;
	}
	ssize_t w = send(bufferevent_getfd(bev), buf, n,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
	if (w == (ssize_t)n)
		return;
	if (w < 0)
		w = 0; /* EAGAIN or an error: evhttp finds the error itself */
	evbuffer_add(out, buf + w, n - (size_t)w);
	bufferevent_enable(bev, EV_WRITE);
}

/* Sends "data: <json>\n\n" now, or holds it during a stall. */
static void sse_write(struct emu_stream *st, const char *data, size_t len)
{
	struct evbuffer *b = st->held ? st->held : st->srv->scratch;
	evbuffer_add(b, "data: ", 6);
	evbuffer_add(b, data, len);
	evbuffer_add(b, "\n\n", 2);
	if (!st->held)
		evhttp_send_reply_chunk(st->req, b);
}

static void sse_done(struct emu_stream *st)
{
	static const char done[] = "data: [DONE]\n\n";
	evbuffer_add(st->srv->scratch, done, sizeof done - 1);
	evhttp_send_reply_chunk(st->req, st->srv->scratch);
}

/* Ends the reply of a request that went wrong after it was accepted: an
 * error chunk then [DONE] when streaming, else an error status. */
static void reply_error(struct emu_stream *st, int code, const char *msg)
{
	if (st->api.stream) {
		if (st->held) { /* a stall in progress: drop what it held */
			evbuffer_free(st->held);
			st->held = NULL;
		}
		char *c = emu_api_error_chunk(code, msg);
		sse_write(st, c, strlen(c));
		free(c);
		sse_done(st);
		evhttp_connection_set_closecb(st->conn, NULL, NULL);
		evhttp_send_reply_end(st->req);
	} else {
		evhttp_connection_set_closecb(st->conn, NULL, NULL);
		send_error(st->srv, st->req, code, msg);
	}
	st->conn = NULL;
	st->req = NULL;
}

static void finish_ok(struct emu_stream *st)
{
	struct emu_server *srv = st->srv;
	if (st->api.stream) {
		if (st->api.include_usage) {
			char *u = emu_api_usage_chunk(&st->tpl, st->api.prompt_tokens,
						      st->er.emitted);
			sse_write(st, u, strlen(u));
			free(u);
		}
		sse_done(st);
		evhttp_connection_set_closecb(st->conn, NULL, NULL);
		evhttp_send_reply_end(st->req);
	} else {
		evhttp_connection_set_closecb(st->conn, NULL, NULL);
		if (st->malformed_body) {
			send_body(srv, st->req, 200, "application/json",
				  "{\"id\":\"broken\",\"choices\":[{\"text\":");
		} else {
			char *body = emu_api_full_body(
				&st->tpl, st->text ? st->text : "", st->stopped,
				st->api.prompt_tokens, st->er.emitted);
			send_body(srv, st->req, 200, "application/json", body);
			free(body);
		}
	}
	st->conn = NULL;
	st->req = NULL;
	srv->completed++;
	stream_trace(st, "ok");
	stream_free(st);
}

static void stall_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_stream *st = arg;
	int64_t now = clock_mono_ns();
	struct evbuffer *held = st->held;
	st->held = NULL;
	if (st->api.stream && evbuffer_get_length(held) > 0)
		evhttp_send_reply_chunk(st->req, held);
	evbuffer_free(held);
	for (long i = 0; i < st->held_tokens; i++)
		record_token_time(st, now);
	st->held_tokens = 0;
	if (st->finish_pending)
		finish_ok(st);
}

/* Closes the client's connection abruptly (fault "drop"). */
static void drop_connection(struct emu_stream *st)
{
	struct evhttp_connection *c = st->conn;
	evhttp_connection_set_closecb(c, NULL, NULL);
	st->conn = NULL;
	st->req = NULL;
	evhttp_connection_free(c); /* also frees the request */
}

/* ---- engine callbacks ---- */

static void append_text(struct emu_stream *st, const char *t)
{
	size_t n = strlen(t);
	st->text = xgrow(st->text, &st->text_cap, st->text_len + n + 1, 1);
	memcpy(st->text + st->text_len, t, n + 1);
	st->text_len += n;
}

static void emit(struct emu_stream *st, int64_t now_ns)
{
	long k = st->er.emitted;
	const char *word = emu_api_token_text(st->id, k - 1);
	if (!st->api.stream) {
		append_text(st, word);
		record_token_time(st, now_ns);
		return;
	}
	char buf[EMU_CHUNK_MAX];
	bool last = k >= st->er.target_tokens;
	memcpy(buf, "data: ", 6);
	int n = emu_api_token_chunk(&st->tpl, word, last, st->stopped, buf + 6,
				    sizeof buf - 8);
	if (n < 0)
		abort(); /* templates are bounded by the model name length */
	memcpy(buf + 6 + n, "\n\n", 2);
	sse_send_event(st, buf, (size_t)n + 8);
	if (st->held)
		st->held_tokens++;
	else
		record_token_time(st, now_ns);
}

/* Acts on a mid-stream fault before token fault_at + 1; true when the
 * stream is over. */
static bool mid_stream_fault(struct emu_stream *st)
{
	struct emu_server *srv = st->srv;
	st->fault_done = true;
	srv->faults[st->fault]++;
	switch (st->fault) {
	case EMU_FAULT_ERROR_CHUNK:
		reply_error(st, 500, "injected fault: internal error mid-stream");
		stream_end(st, "fault:error_chunk");
		return true;
	case EMU_FAULT_DROP:
		drop_connection(st);
		stream_end(st, "fault:drop");
		return true;
	case EMU_FAULT_STALL: {
		st->held = evbuffer_new();
		st->stall_ev = evtimer_new(srv->base, stall_end_cb, st);
		double s = srv->truth.faults.stall_s;
		struct timeval tv = {.tv_sec = (time_t)s,
				     .tv_usec = (suseconds_t)((s - floor(s)) * 1e6)};
		evtimer_add(st->stall_ev, &tv);
		return false;
	}
	case EMU_FAULT_MALFORMED:
		if (st->api.stream) {
			static const char bad[] = "{\"id\":\"broken\",\"choices\":[{\"te";
			sse_write(st, bad, sizeof bad - 1);
		} else {
			st->malformed_body = true;
		}
		return false;
	default:
		return false;
	}
}

static bool on_tokens(void *user, struct emu_req *r, int64_t now_ns)
{
	struct emu_stream *st = r->user;
	struct emu_server *srv = user;
	srv->tokens_total++;
	if (st->fault != EMU_FAULT_NONE && !st->fault_done &&
	    r->emitted == st->fault_at + 1 && mid_stream_fault(st))
		return true;
	emit(st, now_ns);
	return false;
}

static void on_done(void *user, struct emu_req *r, int64_t now_ns)
{
	struct emu_stream *st = r->user;
	if (st->held) {
		st->finish_pending = true;
		return;
	}
	finish_ok(st);
}

static void conn_closed_cb(struct evhttp_connection *c, void *arg)
{
	struct emu_stream *st = arg;
	/* On a network error evhttp detaches an unfinished request from its
	 * connection and leaves it to us; when the connection is freed for
	 * another reason the request is still attached and evhttp frees it. */
	if (st->req && !evhttp_request_get_connection(st->req))
		evhttp_request_free(st->req);
	st->conn = NULL;
	st->req = NULL;
	st->srv->disconnects++;
	stream_end(st, "disconnected");
}

/* evhttp reads nothing while a request is being answered, so a client that
 * closes while its request waits in a queue would go unnoticed until the
 * next write. This one-shot read watch peeks at the socket: end of file or
 * an error is a disconnect; data (a pipelined request) ends the watch. */
static void watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_stream *st = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
		if (n < 0)
			event_add(st->watch_ev, NULL);
		return;
	}
	struct evhttp_connection *c_ = st->conn;
	evhttp_connection_set_closecb(c_, NULL, NULL);
	st->conn = NULL;
	st->req = NULL;
	evhttp_connection_free(c_);
	st->srv->disconnects++;
	stream_end(st, "disconnected");
}

static void watch_start(struct emu_stream *st)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(st->conn);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0)
		return;
	/* Tokens leave when written: Nagle would hold a chunk until the
	 * previous one is acknowledged (up to a delayed-ACK timeout). */
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	st->watch_ev = event_new(st->srv->base, fd, EV_READ, watch_cb, st);
	if (st->watch_ev)
		event_add(st->watch_ev, NULL);
}

/* ---- request handlers ---- */

static long stop_point(struct emu_server *srv, const struct emu_api_req *a,
		       bool *stopped)
{
	*stopped = false;
	double m = srv->truth.eos_mean_tokens;
	if (a->ignore_eos || m <= 0)
		return a->max_tokens;
	double p = 1.0 / (m < 1 ? 1 : m);
	double u = rng_uniform(&srv->rng);
	long k = p >= 1 ? 1 : (long)ceil(log1p(-u) / log1p(-p));
	if (k < 1)
		k = 1;
	if (k < a->min_tokens)
		k = a->min_tokens;
	if (k >= a->max_tokens)
		return a->max_tokens;
	*stopped = true;
	srv->early_stops++;
	return k;
}

/* Trace line of a request answered before it reached the engine. */
static void trace_refused(struct emu_server *srv, enum emu_endpoint ep,
			  int64_t arrival_ns, long prompt_tokens, int code,
			  const char *why)
{
	if (!srv->trace)
		return;
	char status[64], id[32];
	snprintf(status, sizeof status, "%s:%d", why, code);
	snprintf(id, sizeof id, "refused-%llu", ++srv->next_id);
	struct emu_trace_rec rec = {
		.id = id,
		.endpoint = ep == EMU_EP_CHAT ? "chat" : "completions",
		.status = status,
		.prompt_tokens = prompt_tokens,
		.arrival_ns = arrival_ns,
	};
	emu_trace_write(srv->trace, &rec);
}

static void handle_generate(struct emu_server *srv, struct evhttp_request *req,
			    enum emu_endpoint ep)
{
	int64_t arrival = clock_mono_ns();
	srv->req_total[ep]++;
	if (srv->stopping) {
		send_error(srv, req, 503, "server is shutting down");
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	if (len > srv->max_body) {
		char msg[128];
		snprintf(msg, sizeof msg, "request body of %zu bytes exceeds %zu",
			 len, srv->max_body);
		send_error(srv, req, 413, msg);
		trace_refused(srv, ep, arrival, 0, 413, "error");
		return;
	}
	const char *body = len ? (const char *)evbuffer_pullup(in, -1) : "";
	struct emu_api_req a;
	struct sc_err e = {0};
	int code = 400;
	if (emu_api_parse(ep, body, len, &srv->lim, &a, &code, &e)) {
		send_error(srv, req, code, e.msg);
		trace_refused(srv, ep, arrival, 0, code, "error");
		return;
	}
	enum emu_fault f = emu_faults_draw(&srv->truth.faults, &srv->rng);
	if (emu_fault_is_http(f)) {
		srv->faults[f]++;
		int st_code = emu_fault_http_status(f);
		char msg[64];
		snprintf(msg, sizeof msg, "injected fault: HTTP %d", st_code);
		send_error(srv, req, st_code, msg);
		trace_refused(srv, ep, arrival, a.prompt_tokens, st_code, "fault");
		return;
	}
	struct emu_stream *st = xcalloc(1, sizeof *st);
	st->srv = srv;
	st->req = req;
	st->conn = evhttp_request_get_connection(req);
	st->api = a;
	st->id = ++srv->next_id;
	st->fault = f;
	st->er.prompt_tokens = a.prompt_tokens;
	st->er.target_tokens = stop_point(srv, &a, &st->stopped);
	st->er.user = st;
	st->fault_at = st->er.target_tokens > 1
			       ? 1 + (long)(rng_uniform(&srv->rng) *
					    (double)(st->er.target_tokens - 1))
			       : 0;
	emu_api_stream_init(&st->tpl, ep, st->id, srv->created_s,
			    srv->lim.model);
	st->next = srv->live;
	if (srv->live)
		srv->live->prev = st;
	srv->live = st;
	srv->n_live++;
	if (emu_engine_submit(srv->eng, &st->er, &e)) {
		send_error(srv, req, 400, e.msg);
		st->conn = NULL;
		stream_free(st);
		return;
	}
	evhttp_connection_set_closecb(st->conn, conn_closed_cb, st);
	watch_start(st);
	if (a.stream) {
		struct evkeyvalq *h = evhttp_request_get_output_headers(req);
		evhttp_add_header(h, "Content-Type", "text/event-stream");
		evhttp_add_header(h, "Cache-Control", "no-cache");
		evhttp_send_reply_start(req, 200, "OK");
		count_status(srv, 200);
		if (ep == EMU_EP_CHAT) {
			char *c = emu_api_role_chunk(&st->tpl);
			sse_write(st, c, strlen(c));
			free(c);
		}
	}
}

static void handle_completions(struct emu_server *srv,
			       struct evhttp_request *req)
{
	handle_generate(srv, req, EMU_EP_COMPLETIONS);
}

static void handle_chat(struct emu_server *srv, struct evhttp_request *req)
{
	handle_generate(srv, req, EMU_EP_CHAT);
}

static void handle_models(struct emu_server *srv, struct evhttp_request *req)
{
	char *body = emu_api_models_body(srv->lim.model, srv->created_s);
	send_body(srv, req, 200, "application/json", body);
	free(body);
}

static void handle_health(struct emu_server *srv, struct evhttp_request *req)
{
	if (srv->stopping)
		send_error(srv, req, 503, "server is shutting down");
	else
		send_body(srv, req, 200, "application/json", "{}");
}

static void metric_head(struct evbuffer *b, const char *name,
			const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			    name, type);
}

static void handle_metrics(struct emu_server *srv, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	size_t nw = emu_engine_n_workers(srv->eng);
	struct emu_worker_stats *ws = xcalloc(nw, sizeof *ws);
	for (size_t i = 0; i < nw; i++)
		emu_engine_worker_stats(srv->eng, i, &ws[i]);
	static const struct {
		const char *name, *type, *help;
	} wm[] = {
		{"servecal_emu_requests_running", "gauge",
		 "Requests in a worker's running batch."},
		{"servecal_emu_requests_waiting", "gauge",
		 "Requests in a worker's waiting queue."},
		{"servecal_emu_kv_usage_ratio", "gauge",
		 "Reserved fraction of a worker's KV cache."},
		{"servecal_emu_kv_used_tokens", "gauge",
		 "KV tokens reserved on a worker."},
		{"servecal_emu_steps_total", "counter", "Iterations a worker ran."},
		{"servecal_emu_generated_tokens_total", "counter",
		 "Output tokens a worker emitted."},
		{"servecal_emu_prefill_tokens_total", "counter",
		 "Prompt tokens a worker computed."},
		{"servecal_emu_busy_seconds_total", "counter",
		 "Time a worker spent in iterations."},
	};
	for (size_t m = 0; m < sizeof wm / sizeof *wm; m++) {
		metric_head(b, wm[m].name, wm[m].type, wm[m].help);
		for (size_t i = 0; i < nw; i++) {
			const struct emu_worker_stats *w = &ws[i];
			double v = 0;
			switch (m) {
			case 0: v = (double)w->running; break;
			case 1: v = (double)w->waiting; break;
			case 2: v = w->kv_used_tokens / w->kv_capacity_tokens; break;
			case 3: v = w->kv_used_tokens; break;
			case 4: v = (double)w->steps; break;
			case 5: v = (double)w->tokens; break;
			case 6: v = (double)w->prefill_tokens; break;
			default: v = w->busy_s; break;
			}
			evbuffer_add_printf(b, "%s{worker=\"%s-%d\"} %.17g\n",
					    wm[m].name, worker_role_name(w->role),
					    w->index, v);
		}
	}
	free(ws);
	metric_head(b, "servecal_emu_requests_active", "gauge",
		    "Requests inside the engine (frontend to last token).");
	evbuffer_add_printf(b, "servecal_emu_requests_active %ld\n",
			    emu_engine_active(srv->eng));
	metric_head(b, "servecal_emu_streams_open", "gauge",
		    "Accepted generation requests not yet answered in full.");
	evbuffer_add_printf(b, "servecal_emu_streams_open %ld\n", srv->n_live);
	metric_head(b, "servecal_emu_requests_total", "counter",
		    "Generation requests received, by endpoint.");
	evbuffer_add_printf(b,
			    "servecal_emu_requests_total{endpoint=\"completions\"} %llu\n"
			    "servecal_emu_requests_total{endpoint=\"chat\"} %llu\n",
			    (unsigned long long)srv->req_total[0],
			    (unsigned long long)srv->req_total[1]);
	metric_head(b, "servecal_emu_responses_total", "counter",
		    "Responses started, by HTTP status.");
	for (size_t i = 0; i <= N_STATUS; i++)
		if (srv->status_total[i])
			evbuffer_add_printf(
				b, "servecal_emu_responses_total{code=\"%s%d\"} %llu\n",
				i < N_STATUS ? "" : "other",
				i < N_STATUS ? status_codes[i] : 0,
				(unsigned long long)srv->status_total[i]);
	metric_head(b, "servecal_emu_tokens_total", "counter",
		    "Output tokens emitted by the engine.");
	evbuffer_add_printf(b, "servecal_emu_tokens_total %llu\n",
			    (unsigned long long)srv->tokens_total);
	metric_head(b, "servecal_emu_requests_completed_total", "counter",
		    "Requests answered in full.");
	evbuffer_add_printf(b, "servecal_emu_requests_completed_total %llu\n",
			    (unsigned long long)srv->completed);
	metric_head(b, "servecal_emu_early_stops_total", "counter",
		    "Requests that stopped before max_tokens (no ignore_eos).");
	evbuffer_add_printf(b, "servecal_emu_early_stops_total %llu\n",
			    (unsigned long long)srv->early_stops);
	metric_head(b, "servecal_emu_disconnects_total", "counter",
		    "Clients that went away before their answer was complete.");
	evbuffer_add_printf(b, "servecal_emu_disconnects_total %llu\n",
			    (unsigned long long)srv->disconnects);
	metric_head(b, "servecal_emu_faults_total", "counter",
		    "Injected faults, by kind.");
	for (int f = 0; f < EMU_FAULT_COUNT; f++)
		evbuffer_add_printf(b, "servecal_emu_faults_total{kind=\"%s\"} %llu\n",
				    emu_fault_name(f),
				    (unsigned long long)srv->faults[f]);
	metric_head(b, "servecal_emu_timer_lateness_seconds", "summary",
		    "How late iteration timers fired.");
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
		evbuffer_add_printf(
			b, "servecal_emu_timer_lateness_seconds{quantile=\"%g\"} %.9f\n",
			qs[i], emu_engine_lateness_ns(srv->eng, qs[i]) / 1e9);
	evbuffer_add_printf(b, "servecal_emu_timer_lateness_seconds_count %llu\n",
			    (unsigned long long)emu_engine_lateness_count(srv->eng));
	metric_head(b, "servecal_emu_timer_lateness_hist_seconds", "histogram",
		    "How late iteration timers fired (buckets, for windows).");
	static const double le_us[] = {
		1,   2,   5,   10,  20,  30,   50,   75,   100,  150,   200,
		300, 400, 500, 600, 700, 800,  900,  1000, 1500, 2000,  3000,
		5000, 10000, 20000, 50000};
	for (size_t i = 0; i < sizeof le_us / sizeof *le_us; i++)
		evbuffer_add_printf(
			b, "servecal_emu_timer_lateness_hist_seconds_bucket{le=\"%g\"} %llu\n",
			le_us[i] / 1e6,
			(unsigned long long)emu_engine_lateness_le(
				srv->eng, (int64_t)(le_us[i] * 1000)));
	evbuffer_add_printf(
		b, "servecal_emu_timer_lateness_hist_seconds_bucket{le=\"+Inf\"} %llu\n"
		   "servecal_emu_timer_lateness_hist_seconds_count %llu\n",
		(unsigned long long)emu_engine_lateness_count(srv->eng),
		(unsigned long long)emu_engine_lateness_count(srv->eng));
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
	count_status(srv, 200);
}

static const struct route {
	const char *path;
	enum evhttp_cmd_type method;
	void (*fn)(struct emu_server *, struct evhttp_request *);
} routes[] = {
	{"/v1/completions", EVHTTP_REQ_POST, handle_completions},
	{"/v1/chat/completions", EVHTTP_REQ_POST, handle_chat},
	{"/v1/models", EVHTTP_REQ_GET, handle_models},
	{"/health", EVHTTP_REQ_GET, handle_health},
	{"/metrics", EVHTTP_REQ_GET, handle_metrics},
};

static void dispatch_cb(struct evhttp_request *req, void *arg)
{
	struct emu_server *srv = arg;
	const char *uri = evhttp_request_get_uri(req);
	size_t plen = strcspn(uri, "?#");
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (strlen(routes[i].path) != plen ||
		    strncmp(routes[i].path, uri, plen))
			continue;
		if (m == routes[i].method ||
		    (m == EVHTTP_REQ_HEAD && routes[i].method == EVHTTP_REQ_GET))
			routes[i].fn(srv, req);
		else
			send_error(srv, req, 405, "method not allowed");
		return;
	}
	send_error(srv, req, 404, "no such route");
}

/* ---- lifecycle ---- */

static void stop_drained_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

void emu_server_stop(struct emu_server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	if (srv->sock) {
		evhttp_del_accept_socket(srv->http, srv->sock);
		srv->sock = NULL;
	}
	while (srv->live) {
		struct emu_stream *st = srv->live;
		if (st->req)
			reply_error(st, 503, "server is shutting down");
		stream_end(st, "shutdown");
	}
	struct timeval tv = {0, EMU_STOP_DRAIN_MS * 1000};
	event_base_once(srv->base, -1, EV_TIMEOUT, stop_drained_cb, srv->base,
			&tv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	emu_server_stop(arg);
}

struct emu_server *emu_server_new(const struct emu_server_cfg *cfg,
				  struct sc_err *e)
{
	struct emu_server *srv = xcalloc(1, sizeof *srv);
	srv->d = cfg->d;
	srv->truth = cfg->truth;
	srv->max_body = cfg->max_body_bytes ? cfg->max_body_bytes
					    : EMU_SERVER_DEFAULT_MAX_BODY_BYTES;
	srv->created_s = (long)(clock_wall_ns() / 1000000000);
	rng_seed(&srv->rng, srv->truth.seed ^ 0xfa017ULL);
	srv->lim.model = cfg->d->model.name;
	srv->lim.alt_model = cfg->d->name[0] ? cfg->d->name : NULL;
	srv->lim.max_model_len = srv->truth.max_model_len;
	srv->base = emu_event_base_new();
	if (!srv->base) {
		sc_err_set(e, SC_ERUNTIME, "libevent: event_base_new failed");
		goto fail;
	}
	struct emu_engine_cbs cbs = {on_tokens, on_done};
	srv->eng = emu_engine_new(cfg->d, &srv->truth, srv->base, &cbs, srv, e);
	if (!srv->eng)
		goto fail;
	srv->http = evhttp_new(srv->base);
	srv->scratch = evbuffer_new();
	if (!srv->http || !srv->scratch) {
		sc_err_set(e, SC_ERUNTIME, "libevent: evhttp_new failed");
		goto fail;
	}
	evhttp_set_allowed_methods(srv->http,
				   EVHTTP_REQ_GET | EVHTTP_REQ_POST |
					   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
					   EVHTTP_REQ_DELETE |
					   EVHTTP_REQ_OPTIONS |
					   EVHTTP_REQ_PATCH);
	/* evhttp refuses bodies past twice our cap on its own; between the
	 * two we answer 413 with an OpenAI error body. */
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)srv->max_body * 2);
	evhttp_set_max_headers_size(srv->http, EMU_MAX_HEADERS_BYTES);
	evhttp_set_timeout(srv->http, EMU_CONN_TIMEOUT_S);
	evhttp_set_gencb(srv->http, dispatch_cb, srv);
	const char *host = cfg->host ? cfg->host : "127.0.0.1";
	srv->sock = evhttp_bind_socket_with_handle(srv->http, host,
						   (ev_uint16_t)cfg->port);
	if (!srv->sock) {
		sc_err_set(e, SC_ERUNTIME, "cannot listen on %s:%d", host,
			   cfg->port);
		goto fail;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	evutil_socket_t fd = evhttp_bound_socket_get_fd(srv->sock);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		sc_err_set(e, SC_ERUNTIME, "getsockname failed");
		goto fail;
	}
	srv->port = ss.ss_family == AF_INET6
			    ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
			    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (cfg->trace_path) {
		srv->trace = emu_trace_open(cfg->trace_path, e);
		if (!srv->trace)
			goto fail;
	}
	srv->sig_int = evsignal_new(srv->base, SIGINT, signal_cb, srv);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, signal_cb, srv);
	if (!srv->sig_int || !srv->sig_term || evsignal_add(srv->sig_int, NULL) ||
	    evsignal_add(srv->sig_term, NULL)) {
		sc_err_set(e, SC_ERUNTIME, "libevent: cannot watch signals");
		goto fail;
	}
	return srv;
fail:
	emu_server_free(srv);
	return NULL;
}

int emu_server_port(const struct emu_server *srv)
{
	return srv->port;
}

int emu_server_run(struct emu_server *srv, struct sc_err *e)
{
	signal(SIGPIPE, SIG_IGN); /* a closed client is an error, not a kill */
	if (event_base_dispatch(srv->base) < 0)
		return sc_err_set(e, SC_ERUNTIME, "libevent: event loop failed");
	if (srv->trace)
		return emu_trace_flush(srv->trace, e);
	return SC_OK;
}

void emu_server_free(struct emu_server *srv)
{
	if (!srv)
		return;
	while (srv->live) {
		stream_end(srv->live, "shutdown");
	}
	if (srv->http)
		evhttp_free(srv->http);
	emu_engine_free(srv->eng);
	if (srv->scratch)
		evbuffer_free(srv->scratch);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_term)
		event_free(srv->sig_term);
	emu_trace_close(srv->trace, NULL);
	if (srv->base)
		event_base_free(srv->base);
	free(srv);
}

const char *emu_libevent_version(void)
{
	return event_get_version();
}
