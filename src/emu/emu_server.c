/* The serving side of the emulated engine on emu_http: routes, streams,
 * faults, metrics, disconnects, slow clients and graceful stop. */
#include "emu/emu_server.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "emu/emu_api.h"
#include "emu/emu_http.h"
#include "emu/emu_metrics.h"
#include "emu/emu_engine.h"
#include "emu/emu_trace.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* How long a graceful stop lets final chunks drain. */
#define EMU_STOP_DRAIN_MS 300
/* Largest rendered token chunk. */
#define EMU_CHUNK_MAX 1024

struct emu_stream;

struct emu_server {
	const struct deploy_spec *d;
	struct emu_truth truth;
	struct event_base *base;
	struct emu_http *http;
	struct emu_engine *eng;
	struct emu_trace *trace;
	struct event *sig_int, *sig_term;
	struct rng rng;
	struct emu_api_limits lim;
	void (*on_log)(void *arg, const char *msg);
	void *log_arg;
	bool stopping;
	unsigned long long next_id;
	struct emu_stream *live;
	long n_live;
	long created_s;
	uint64_t req_total[2];
	uint64_t tokens_total, completed, disconnects, early_stops;
	uint64_t blocked_total;
	uint64_t faults[EMU_FAULT_COUNT];
};

/* One accepted generation request. A streamed one writes each token when
 * the engine delivers it unless a stall fault holds the stream or the
 * client has fallen EMU_HTTP_OUT_HIGH_BYTES behind (blocked); then the
 * tokens are only counted and written, in order, when the stall ends or
 * the client reads again. The engine never waits for the client: the
 * request keeps its slot until its last token, as on a real engine. */
struct emu_stream {
	struct emu_server *srv;
	struct emu_http_conn *conn; /* NULL once the connection is gone */
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
	long written; /* streamed tokens written to the connection */
	bool stalled; /* a stall fault holds the output */
	bool blocked; /* the client is behind by the high watermark */
	struct event *stall_ev;
	bool finish_pending; /* the engine is done; output is not */
	int64_t *tok_ns;     /* trace only */
	size_t n_tok, cap_tok;
	struct emu_stream *prev, *next;
};

static const struct emu_http_owner stream_ops;

/* ---- stream lifecycle ---- */

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
		emu_http_set_owner(st->conn, NULL, NULL);
	stream_unlink(st);
	emu_api_stream_release(&st->tpl);
	free(st->text);
	free(st->tok_ns);
	if (st->stall_ev)
		event_free(st->stall_ev);
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

/* Takes the connection from st (no more callbacks) and returns it. */
static struct emu_http_conn *stream_release_conn(struct emu_stream *st)
{
	struct emu_http_conn *c = st->conn;
	emu_http_set_owner(c, NULL, NULL);
	st->conn = NULL;
	return c;
}

/* ---- SSE output ---- */

/* Writes "data: <json>\n\n". */
static void sse_event(struct emu_stream *st, const char *data, size_t len)
{
	char small[EMU_CHUNK_MAX + 8];
	char *b = len + 8 <= sizeof small ? small : xmalloc(len + 8);
	memcpy(b, "data: ", 6);
	memcpy(b + 6, data, len);
	memcpy(b + 6 + len, "\n\n", 2);
	emu_http_stream_write(st->conn, b, len + 8);
	if (b != small)
		free(b);
}

static void sse_done(struct emu_stream *st)
{
	static const char done[] = "data: [DONE]\n\n";
	emu_http_stream_write(st->conn, done, sizeof done - 1);
}

/* Writes token k (from 1); the malformed fault goes in front of its token. */
static void write_token(struct emu_stream *st, long k)
{
	if (st->fault == EMU_FAULT_MALFORMED && k == st->fault_at + 1) {
		static const char bad[] =
		    "{\"id\":\"broken\",\"choices\":[{\"te";
		sse_event(st, bad, sizeof bad - 1);
	}
	const char *word = emu_api_token_text(st->id, k - 1);
	char buf[EMU_CHUNK_MAX];
	bool last = k >= st->er.target_tokens;
	memcpy(buf, "data: ", 6);
	int n = emu_api_token_chunk(&st->tpl, word, last, st->stopped, buf + 6,
				    sizeof buf - 8);
	if (n < 0)
		abort(); /* templates are bounded by the model name length */
	memcpy(buf + 6 + n, "\n\n", 2);
	emu_http_stream_write(st->conn, buf, (size_t)n + 8);
}

/* Writes the tokens delivered but not yet written, until the client is
 * EMU_HTTP_OUT_HIGH_BYTES behind: then asks to be called when it has read
 * down to the low watermark. */
static void stream_flush(struct emu_stream *st, int64_t now_ns)
{
	while (st->written < st->er.emitted && !st->stalled) {
		if (emu_http_out_bytes(st->conn) > EMU_HTTP_OUT_HIGH_BYTES) {
			if (!st->blocked)
				st->srv->blocked_total++;
			st->blocked = true;
			emu_http_want_writable(st->conn);
			return;
		}
		write_token(st, ++st->written);
		record_token_time(st, now_ns);
	}
	st->blocked = false;
}

/* Ends the reply of a request that went wrong after it was accepted: an
 * error chunk then [DONE] when streaming (tokens not yet written are
 * dropped), else an error status. */
static void reply_error(struct emu_stream *st, int code, const char *msg)
{
	if (st->api.stream) {
		char *c = emu_api_error_chunk(code, msg);
		sse_event(st, c, strlen(c));
		free(c);
		sse_done(st);
		emu_http_stream_end(stream_release_conn(st));
	} else {
		emu_http_error(stream_release_conn(st), code, msg);
	}
}

static void finish_ok(struct emu_stream *st)
{
	struct emu_server *srv = st->srv;
	if (st->api.stream) {
		if (st->api.include_usage) {
			char *u = emu_api_usage_chunk(
			    &st->tpl, st->api.prompt_tokens, st->er.emitted);
			sse_event(st, u, strlen(u));
			free(u);
		}
		sse_done(st);
		emu_http_stream_end(stream_release_conn(st));
	} else if (st->malformed_body) {
		static const char bad[] =
		    "{\"id\":\"broken\",\"choices\":[{\"text\":";
		emu_http_reply(stream_release_conn(st), 200, "application/json",
			       bad, sizeof bad - 1);
	} else {
		char *body = emu_api_full_body(
		    &st->tpl, st->text ? st->text : "", st->stopped,
		    st->api.prompt_tokens, st->er.emitted);
		emu_http_reply(stream_release_conn(st), 200, "application/json",
			       body, strlen(body));
		free(body);
	}
	srv->completed++;
	stream_trace(st, "ok");
	stream_free(st);
}

/* Writes what it can and finishes the reply once the engine is done and
 * every token is out. st may be freed. */
static void stream_progress(struct emu_stream *st, int64_t now_ns)
{
	if (st->api.stream)
		stream_flush(st, now_ns);
	if (st->finish_pending && !st->stalled &&
	    (!st->api.stream || st->written == st->er.emitted))
		finish_ok(st);
}

static void stall_end_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct emu_stream *st = arg;
	st->stalled = false;
	stream_progress(st, clock_mono_ns());
}

/* The client read enough of a blocked stream. */
static void stream_writable(void *owner)
{
	struct emu_stream *st = owner;
	stream_progress(st, clock_mono_ns());
}

/* The connection closed under the stream: the client left, or it stopped
 * reading for the write timeout. The slot and KV are freed now. */
static void stream_gone(void *owner, enum emu_http_close why)
{
	struct emu_stream *st = owner;
	st->conn = NULL;
	if (why == EMU_HTTP_CLOSE_WRITE_TIMEOUT) {
		stream_end(st, "write_timeout");
	} else {
		st->srv->disconnects++;
		stream_end(st, "disconnected");
	}
}

static const struct emu_http_owner stream_ops = {stream_gone, stream_writable};

/* ---- engine callbacks ---- */

static void append_text(struct emu_stream *st, const char *t)
{
	size_t n = strlen(t);
	st->text = xgrow(st->text, &st->text_cap, st->text_len + n + 1, 1);
	memcpy(st->text + st->text_len, t, n + 1);
	st->text_len += n;
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
		reply_error(st, 500,
			    "injected fault: internal error mid-stream");
		stream_end(st, "fault:error_chunk");
		return true;
	case EMU_FAULT_DROP:
		emu_http_abort(stream_release_conn(st));
		stream_end(st, "fault:drop");
		return true;
	case EMU_FAULT_STALL: {
		st->stalled = true;
		st->stall_ev = evtimer_new(srv->base, stall_end_cb, st);
		double s = srv->truth.faults.stall_s;
		struct timeval tv = {.tv_sec = (time_t)s,
				     .tv_usec =
					 (suseconds_t)((s - floor(s)) * 1e6)};
		evtimer_add(st->stall_ev, &tv);
		return false;
	}
	case EMU_FAULT_MALFORMED:
		/* streamed: write_token puts the broken chunk in place */
		if (!st->api.stream)
			st->malformed_body = true;
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
	if (st->api.stream) {
		stream_flush(st, now_ns);
	} else {
		append_text(st, emu_api_token_text(st->id, r->emitted - 1));
		record_token_time(st, now_ns);
	}
	return false;
}

static void on_done(void *user, struct emu_req *r, int64_t now_ns)
{
	(void)user;
	struct emu_stream *st = r->user;
	st->finish_pending = true;
	stream_progress(st, now_ns);
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

static void handle_generate(struct emu_server *srv, struct emu_http_conn *conn,
			    const struct emu_http_req *req,
			    enum emu_endpoint ep)
{
	int64_t arrival = clock_mono_ns();
	srv->req_total[ep]++;
	if (srv->stopping) {
		emu_http_error(conn, 503, "server is shutting down");
		return;
	}
	struct emu_api_req a;
	struct sc_err e = {0};
	int code = 400;
	if (emu_api_parse(ep, req->body, req->body_len, &srv->lim, &a, &code,
			  &e)) {
		emu_http_error(conn, code, e.msg);
		trace_refused(srv, ep, arrival, 0, code, "error");
		return;
	}
	enum emu_fault f = emu_faults_draw(&srv->truth.faults, &srv->rng);
	if (emu_fault_is_http(f)) {
		srv->faults[f]++;
		int st_code = emu_fault_http_status(f);
		char msg[64];
		snprintf(msg, sizeof msg, "injected fault: HTTP %d", st_code);
		emu_http_error(conn, st_code, msg);
		trace_refused(srv, ep, arrival, a.prompt_tokens, st_code,
			      "fault");
		return;
	}
	struct emu_stream *st = xcalloc(1, sizeof *st);
	st->srv = srv;
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
		emu_http_error(conn, 400, e.msg);
		stream_free(st);
		return;
	}
	st->conn = conn;
	emu_http_set_owner(conn, &stream_ops, st);
	if (a.stream) {
		emu_http_stream_start(conn, 200, "text/event-stream",
				      "Cache-Control: no-cache\r\n");
		if (ep == EMU_EP_CHAT) {
			char *c = emu_api_role_chunk(&st->tpl);
			sse_event(st, c, strlen(c));
			free(c);
		}
	}
}

static void handle_completions(struct emu_server *srv, struct emu_http_conn *c,
			       const struct emu_http_req *r)
{
	handle_generate(srv, c, r, EMU_EP_COMPLETIONS);
}

static void handle_chat(struct emu_server *srv, struct emu_http_conn *c,
			const struct emu_http_req *r)
{
	handle_generate(srv, c, r, EMU_EP_CHAT);
}

static void handle_models(struct emu_server *srv, struct emu_http_conn *c,
			  const struct emu_http_req *r)
{
	(void)r;
	char *body = emu_api_models_body(srv->lim.model, srv->created_s);
	emu_http_reply(c, 200, "application/json", body, strlen(body));
	free(body);
}

static void handle_health(struct emu_server *srv, struct emu_http_conn *c,
			  const struct emu_http_req *r)
{
	(void)r;
	if (srv->stopping)
		emu_http_error(c, 503, "server is shutting down");
	else
		emu_http_reply(c, 200, "application/json", "{}", 2);
}

static void handle_metrics(struct emu_server *srv, struct emu_http_conn *c,
			   const struct emu_http_req *r)
{
	(void)r;
	struct emu_metrics_in in = {
	    .eng = srv->eng,
	    .n_workers = emu_engine_n_workers(srv->eng),
	    .streams_open = srv->n_live,
	    .req_total = {srv->req_total[0], srv->req_total[1]},
	    .tokens_total = srv->tokens_total,
	    .completed = srv->completed,
	    .early_stops = srv->early_stops,
	    .disconnects = srv->disconnects,
	    .blocked_total = srv->blocked_total,
	    .faults = srv->faults,
	};
	emu_http_stats(srv->http, &in.http);
	struct emu_worker_stats *ws = xcalloc(in.n_workers, sizeof *ws);
	for (size_t i = 0; i < in.n_workers; i++)
		emu_engine_worker_stats(srv->eng, i, &ws[i]);
	in.ws = ws;
	for (const struct emu_stream *st = srv->live; st; st = st->next)
		in.streams_blocked += st->blocked;
	struct evbuffer *b = evbuffer_new();
	emu_metrics_render(&in, b);
	free(ws);
	size_t len = evbuffer_get_length(b);
	emu_http_reply(c, 200, "text/plain; version=0.0.4",
		       (const char *)evbuffer_pullup(b, -1), len);
	evbuffer_free(b);
}

static const struct route {
	const char *path;
	const char *method;
	void (*fn)(struct emu_server *, struct emu_http_conn *,
		   const struct emu_http_req *);
} routes[] = {
    {"/v1/completions", "POST", handle_completions},
    {"/v1/chat/completions", "POST", handle_chat},
    {"/v1/models", "GET", handle_models},
    {"/health", "GET", handle_health},
    {"/metrics", "GET", handle_metrics},
};

static void dispatch_cb(void *arg, struct emu_http_conn *c,
			const struct emu_http_req *r)
{
	struct emu_server *srv = arg;
	for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
		if (strlen(routes[i].path) != r->path_len ||
		    strncmp(routes[i].path, r->path, r->path_len))
			continue;
		if (!strcmp(r->method, routes[i].method) ||
		    (!strcmp(r->method, "HEAD") &&
		     !strcmp(routes[i].method, "GET")))
			routes[i].fn(srv, c, r);
		else
			emu_http_error(c, 405, "method not allowed");
		return;
	}
	emu_http_error(c, 404, "no such route");
}

static void log_cb(void *arg, const char *msg)
{
	struct emu_server *srv = arg;
	if (srv->on_log)
		srv->on_log(srv->log_arg, msg);
}

/* ---- lifecycle ---- */

static void stop_drained_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

void emu_server_stop(struct emu_server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	emu_http_stop(srv->http);
	while (srv->live) {
		struct emu_stream *st = srv->live;
		if (st->conn)
			reply_error(st, 503, "server is shutting down");
		stream_end(st, "shutdown");
	}
	struct timeval tv = {0, EMU_STOP_DRAIN_MS * 1000};
	event_base_once(srv->base, -1, EV_TIMEOUT, stop_drained_cb, srv->base,
			&tv);
}

static void signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	emu_server_stop(arg);
}

struct emu_server *emu_server_new(const struct emu_server_cfg *cfg,
				  struct sc_err *e)
{
	struct emu_server *srv = xcalloc(1, sizeof *srv);
	srv->d = cfg->d;
	srv->truth = cfg->truth;
	srv->on_log = cfg->on_log;
	srv->log_arg = cfg->log_arg;
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
	struct emu_http_cfg hc = {
	    .base = srv->base,
	    .host = cfg->host ? cfg->host : "127.0.0.1",
	    .port = cfg->port,
	    .max_body_bytes = cfg->max_body_bytes
				  ? cfg->max_body_bytes
				  : EMU_SERVER_DEFAULT_MAX_BODY_BYTES,
	    .idle_timeout_ms = cfg->idle_timeout_ms > 0
				   ? cfg->idle_timeout_ms
				   : EMU_HTTP_DEFAULT_IDLE_TIMEOUT_MS,
	    .write_timeout_ms = cfg->write_timeout_ms > 0
				    ? cfg->write_timeout_ms
				    : EMU_HTTP_DEFAULT_WRITE_TIMEOUT_MS,
	    .on_request = dispatch_cb,
	    .on_log = log_cb,
	    .arg = srv,
	};
	srv->http = emu_http_new(&hc, e);
	if (!srv->http)
		goto fail;
	if (cfg->trace_path) {
		srv->trace = emu_trace_open(cfg->trace_path, e);
		if (!srv->trace)
			goto fail;
	}
	srv->sig_int = evsignal_new(srv->base, SIGINT, signal_cb, srv);
	srv->sig_term = evsignal_new(srv->base, SIGTERM, signal_cb, srv);
	if (!srv->sig_int || !srv->sig_term ||
	    evsignal_add(srv->sig_int, NULL) ||
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
	return emu_http_port(srv->http);
}

int emu_server_run(struct emu_server *srv, struct sc_err *e)
{
	signal(SIGPIPE, SIG_IGN); /* a closed client is an error, not a kill */
	if (event_base_dispatch(srv->base) < 0)
		return sc_err_set(e, SC_ERUNTIME,
				  "libevent: event loop failed");
	if (srv->trace)
		return emu_trace_flush(srv->trace, e);
	return SC_OK;
}

void emu_server_free(struct emu_server *srv)
{
	if (!srv)
		return;
	while (srv->live)
		stream_end(srv->live, "shutdown");
	emu_http_free(srv->http);
	emu_engine_free(srv->eng);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_term)
		event_free(srv->sig_term);
	/* emu_server_run flushed the trace and reported a write error; the
	 * close has nothing left to lose. */
	int trc = emu_trace_close(srv->trace, NULL);
	(void)trc;
	if (srv->base)
		event_base_free(srv->base);
	free(srv);
}

const char *emu_libevent_version(void)
{
	return event_get_version();
}
