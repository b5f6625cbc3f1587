/* HTTP/1.1 server of the emulated engine on bufferevents: one state
 * machine per connection (reading a request, answering it, lingering before
 * the close), deadlines, watermarks and the direct write path for tokens. */
#include "emu/emu_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "emu/emu_accept.h"
#include "emu/emu_api.h"
#include "emu/emu_reqparse.h"
#include "util/xalloc.h"

const int emu_http_status_codes[EMU_HTTP_N_STATUS] = {
    200, 400, 404, 405, 408, 413, 417, 422, 429, 431, 500, 501, 503, 505};

static const struct {
	int code;
	const char *reason;
} reasons[] = {
    {100, "Continue"},
    {200, "OK"},
    {400, "Bad Request"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {408, "Request Timeout"},
    {413, "Content Too Large"},
    {417, "Expectation Failed"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {503, "Service Unavailable"},
    {505, "HTTP Version Not Supported"},
};

static const char *const close_names[EMU_HTTP_CLOSE_COUNT] = {
    "client",	     "done",	       "idle",	"request_timeout",
    "write_timeout", "protocol_error", "abort", "shutdown"};

enum conn_state {
	CS_READ,   /* waiting for (the rest of) a request */
	CS_BUSY,   /* a request is being answered */
	CS_LINGER, /* response sent, closing: drop input until EOF or timeout */
};

struct emu_http {
	struct emu_http_cfg cfg;
	struct emu_accept *acc;
	struct emu_http_conn *conns;
	bool stopping;
	struct emu_accept_stats acc_final; /* once the listener is gone */
	struct emu_http_stats st;
};

struct emu_http_conn {
	struct emu_http *h;
	struct bufferevent *bev;
	evutil_socket_t fd;
	struct emu_reqparse rp;
	enum conn_state state;
	struct event *timer; /* request deadline, or end of lingering */
	struct event *kick;  /* reads pipelined requests after a response */
	bool keep_alive, head_only, chunked, continue_sent;
	bool want_writable, deadline_armed, shut_wr;
	int http_minor;
	enum emu_http_close close_reason; /* when lingering ends */
	size_t lingered;
	const struct emu_http_owner *ops;
	void *owner;
	int depth; /* callbacks of ours on the stack: free when back to 0 */
	bool dead; /* closed; freed once depth is 0 */
	struct emu_http_conn *prev, *next;
};

const char *emu_http_close_name(enum emu_http_close why)
{
	return why < EMU_HTTP_CLOSE_COUNT ? close_names[why] : "unknown";
}

static const char *reason_phrase(int code)
{
	for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
		if (reasons[i].code == code)
			return reasons[i].reason;
	return "Unknown";
}

static void count_status(struct emu_http *h, int code)
{
	size_t i = 0;
	while (i < EMU_HTTP_N_STATUS && emu_http_status_codes[i] != code)
		i++;
	h->st.responses[i]++;
}

static struct timeval ms_tv(long ms)
{
	struct timeval tv = {ms / 1000, (suseconds_t)(ms % 1000) * 1000};
	return tv;
}

/* ---- lifetime ---- */

static void conn_destroy(struct emu_http_conn *c)
{
	if (c->timer)
		event_free(c->timer);
	if (c->kick)
		event_free(c->kick);
	emu_reqparse_release(&c->rp);
	free(c);
}

/* Closes c: tells the owner (if any), closes the socket, and frees c now
 * or, inside one of our callbacks, when it returns. */
static void conn_close(struct emu_http_conn *c, enum emu_http_close why)
{
	if (c->dead)
		return;
	c->dead = true;
	struct emu_http *h = c->h;
	h->st.closed[why]++;
	if (c->ops) {
		const struct emu_http_owner *ops = c->ops;
		c->ops = NULL;
		ops->gone(c->owner, why);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->st.open--;
	bufferevent_free(c->bev); /* closes the socket */
	c->bev = NULL;
	evtimer_del(c->timer);
	event_del(c->kick);
	if (c->depth == 0)
		conn_destroy(c);
}

static void enter(struct emu_http_conn *c)
{
	c->depth++;
}

static void leave(struct emu_http_conn *c)
{
	if (--c->depth == 0 && c->dead)
		conn_destroy(c);
}

/* ---- output ---- */

/* Writes iov in order behind what is queued: straight to the socket when
 * nothing is, the rest (or all) into the output buffer, which the
 * bufferevent flushes as the client reads. A failed send is left for the
 * bufferevent to find (it reports the error asynchronously), so writing
 * never closes c under its caller. */
static void out_write(struct emu_http_conn *c, struct iovec *iov, int n)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t skip = 0;
	if (evbuffer_get_length(out) == 0) {
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t w = sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
		skip = w > 0 ? (size_t)w : 0;
	}
	for (int i = 0; i < n; i++) {
		size_t len = iov[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		evbuffer_add(out, (const char *)iov[i].iov_base + skip,
			     len - skip);
		skip = 0;
	}
}

static void write_head(struct emu_http_conn *c, int status, const char *ctype,
		       long long content_length, const char *extra,
		       const char *body, size_t body_len)
{
	char head[512], len_line[64];
	if (content_length >= 0)
		snprintf(len_line, sizeof len_line, "Content-Length: %lld\r\n",
			 content_length);
	else
		snprintf(len_line, sizeof len_line, "%s",
			 c->chunked ? "Transfer-Encoding: chunked\r\n" : "");
	const char *conn = !c->keep_alive	? "Connection: close\r\n"
			   : c->http_minor == 0 ? "Connection: keep-alive\r\n"
						: "";
	int n =
	    snprintf(head, sizeof head,
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n%s%s%s\r\n", status,
		     reason_phrase(status), ctype, len_line, extra, conn);
	if (n < 0 || (size_t)n >= sizeof head)
		abort(); /* every caller's headers are short constants */
	struct iovec iov[2] = {{head, (size_t)n}, {(void *)body, body_len}};
	out_write(c, iov, body_len ? 2 : 1);
	count_status(c->h, status);
}

/* ---- connection states ---- */

static void arm_deadline(struct emu_http_conn *c)
{
	struct timeval tv = ms_tv(c->h->cfg.idle_timeout_ms);
	evtimer_add(c->timer, &tv);
	c->deadline_armed = true;
}

/* The client may send the next request; the deadline runs from when the
 * previous response has left the server. */
static void start_reading(struct emu_http_conn *c)
{
	c->state = CS_READ;
	c->deadline_armed = false;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		arm_deadline(c);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		event_active(c->kick, EV_READ, 1);
}

/* After a response that ends the connection: flush, half-close, read and
 * drop what the client still sends, then close. */
static void start_linger(struct emu_http_conn *c, enum emu_http_close why)
{
	c->state = CS_LINGER;
	c->close_reason = why;
	c->ops = NULL;
	c->owner = NULL;
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, 0);
	long ms = EMU_HTTP_LINGER_MS < c->h->cfg.idle_timeout_ms
		      ? EMU_HTTP_LINGER_MS
		      : c->h->cfg.idle_timeout_ms;
	struct timeval tv = ms_tv(ms);
	evtimer_add(c->timer, &tv);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		shutdown(c->fd, SHUT_WR);
		c->shut_wr = true;
	}
	event_active(c->kick, EV_READ, 1); /* drop input already read */
}

static void response_done(struct emu_http_conn *c)
{
	c->ops = NULL;
	c->owner = NULL;
	c->want_writable = false;
	if (!c->keep_alive || c->h->stopping)
		start_linger(c, EMU_HTTP_CLOSE_DONE);
	else
		start_reading(c);
}

/* An error of the HTTP layer: JSON body, then the connection closes. */
static void refuse(struct emu_http_conn *c, int status, const char *msg,
		   enum emu_http_close why)
{
	c->keep_alive = false;
	c->http_minor = 1;
	char *body = emu_api_error_body(status, msg);
	write_head(c, status, "application/json", (long long)strlen(body), "",
		   body, strlen(body));
	free(body);
	start_linger(c, why);
}

static void dispatch(struct emu_http_conn *c)
{
	struct emu_http *h = c->h;
	struct emu_reqparse *rp = &c->rp;
	evtimer_del(c->timer);
	c->deadline_armed = false;
	c->state = CS_BUSY;
	c->keep_alive = rp->keep_alive && !h->stopping;
	c->http_minor = rp->http_minor;
	c->head_only = !strcmp(rp->method, "HEAD");
	c->chunked = false;
	c->continue_sent = false;
	bufferevent_setwatermark(c->bev, EV_WRITE, EMU_HTTP_OUT_LOW_BYTES, 0);
	const char *path = rp->target;
	/* absolute-form (as sent to a proxy): keep the path */
	if (!strncasecmp(path, "http://", 7) ||
	    !strncasecmp(path, "https://", 8)) {
		const char *slash = strchr(strstr(path, "//") + 2, '/');
		path = slash ? slash : "/";
	}
	struct emu_http_req r = {
	    .method = rp->method,
	    .path = path,
	    .path_len = strcspn(path, "?#"),
	    .body = rp->body ? rp->body : "",
	    .body_len = rp->body_len,
	};
	h->cfg.on_request(h->cfg.arg, c, &r);
	if (!c->dead)
		emu_reqparse_reset(&c->rp);
}

/* Feeds what has arrived to the parser while a request is awaited. */
static void process_input(struct emu_http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	if (c->state == CS_LINGER) {
		size_t n = evbuffer_get_length(in);
		evbuffer_drain(in, n);
		c->lingered += n;
		if (c->lingered > EMU_HTTP_LINGER_MAX_BYTES)
			conn_close(c, c->close_reason);
		return;
	}
	while (!c->dead && c->state == CS_READ && evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v;
		if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
			break;
		size_t used = emu_reqparse_feed(&c->rp, v.iov_base, v.iov_len);
		evbuffer_drain(in, used);
		if (c->rp.state == EMU_RP_ERROR) {
			refuse(c, c->rp.status, c->rp.msg,
			       EMU_HTTP_CLOSE_PROTOCOL);
			return;
		}
		if (c->rp.state == EMU_RP_DONE) {
			dispatch(c);
			continue;
		}
		if (c->rp.expect_continue && !c->continue_sent &&
		    emu_reqparse_head_done(&c->rp)) {
			static const char cont[] =
			    "HTTP/1.1 100 Continue\r\n\r\n";
			struct iovec iov = {(void *)cont, sizeof cont - 1};
			out_write(c, &iov, 1);
			c->continue_sent = true;
		}
	}
}

/* ---- bufferevent and timer callbacks ---- */

static void read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct emu_http_conn *c = arg;
	enter(c);
	if (c->state != CS_BUSY)
		process_input(c);
	leave(c);
}

static void notify_writable(struct emu_http_conn *c)
{
	if (c->want_writable && c->ops &&
	    emu_http_out_bytes(c) <= EMU_HTTP_OUT_LOW_BYTES) {
		c->want_writable = false;
		c->ops->writable(c->owner);
	}
}

/* Deferred work: the next pipelined request, input to drop while
 * lingering, or a writable call asked for when output was already low. */
static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct emu_http_conn *c = arg;
	enter(c);
	if (c->state == CS_BUSY)
		notify_writable(c);
	else
		process_input(c);
	leave(c);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct emu_http_conn *c = arg;
	size_t queued = evbuffer_get_length(bufferevent_get_output(bev));
	enter(c);
	if (c->state == CS_LINGER) {
		if (queued == 0 && !c->shut_wr) {
			shutdown(c->fd, SHUT_WR);
			c->shut_wr = true;
		}
	} else if (c->state == CS_READ) {
		if (queued == 0 && !c->deadline_armed)
			arm_deadline(c);
	} else {
		notify_writable(c);
	}
	leave(c);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct emu_http_conn *c = arg;
	enter(c);
	enum emu_http_close why = EMU_HTTP_CLOSE_CLIENT;
	if (what & BEV_EVENT_TIMEOUT)
		why = EMU_HTTP_CLOSE_WRITE_TIMEOUT;
	else if (c->state == CS_LINGER)
		why = c->close_reason; /* the client closed after our answer */
	conn_close(c, why);
	leave(c);
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct emu_http_conn *c = arg;
	enter(c);
	if (c->state == CS_LINGER) {
		conn_close(c, c->close_reason);
	} else if (c->state == CS_READ && emu_reqparse_started(&c->rp)) {
		char msg[96];
		snprintf(msg, sizeof msg, "no complete request within %ld ms",
			 c->h->cfg.idle_timeout_ms);
		refuse(c, 408, msg, EMU_HTTP_CLOSE_REQUEST_TIMEOUT);
	} else if (c->state == CS_READ) {
		conn_close(c, EMU_HTTP_CLOSE_IDLE);
	}
	leave(c);
}

static void on_fd(void *arg, evutil_socket_t fd)
{
	struct emu_http *h = arg;
	if (h->stopping) {
		evutil_closesocket(fd);
		return;
	}
	/* Tokens leave when written: Nagle would hold a chunk until the
	 * previous one is acknowledged (up to a delayed-ACK timeout). */
	int one = 1, sndbuf = EMU_HTTP_SNDBUF_BYTES;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	struct emu_http_conn *c = xcalloc(1, sizeof *c);
	c->h = h;
	c->fd = fd;
	c->bev = bufferevent_socket_new(h->cfg.base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(h->cfg.base, timer_cb, c);
	c->kick = event_new(h->cfg.base, -1, 0, kick_cb, c);
	if (!c->bev || !c->timer || !c->kick) {
		if (c->bev)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		conn_destroy(c);
		return;
	}
	emu_reqparse_init(&c->rp, EMU_HTTP_MAX_HEAD_BYTES,
			  h->cfg.max_body_bytes);
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, EMU_HTTP_PIPELINE_BYTES);
	struct timeval wt = ms_tv(h->cfg.write_timeout_ms);
	bufferevent_set_timeouts(c->bev, NULL, &wt);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->st.open++;
	start_reading(c);
}

/* ---- responses ---- */

void emu_http_reply(struct emu_http_conn *c, int status, const char *ctype,
		    const char *body, size_t len)
{
	write_head(c, status, ctype, (long long)len, "", body,
		   c->head_only ? 0 : len);
	response_done(c);
}

void emu_http_error(struct emu_http_conn *c, int status, const char *msg)
{
	char *body = emu_api_error_body(status, msg);
	emu_http_reply(c, status, "application/json", body, strlen(body));
	free(body);
}

void emu_http_stream_start(struct emu_http_conn *c, int status,
			   const char *ctype, const char *extra_headers)
{
	c->chunked = c->http_minor >= 1;
	if (!c->chunked)
		c->keep_alive = false; /* the close ends the body */
	write_head(c, status, ctype, -1, extra_headers, NULL, 0);
}

void emu_http_stream_write(struct emu_http_conn *c, const void *data,
			   size_t len)
{
	if (len == 0)
		return;
	char size[24];
	struct iovec iov[3] = {{size, 0}, {(void *)data, len}, {"\r\n", 2}};
	if (!c->chunked) {
		out_write(c, iov + 1, 1);
		return;
	}
	iov[0].iov_len = (size_t)snprintf(size, sizeof size, "%zx\r\n", len);
	out_write(c, iov, 3);
}

void emu_http_stream_end(struct emu_http_conn *c)
{
	if (c->chunked) {
		static const char last[] = "0\r\n\r\n";
		struct iovec iov = {(void *)last, sizeof last - 1};
		out_write(c, &iov, 1);
	}
	response_done(c);
}

void emu_http_abort(struct emu_http_conn *c)
{
	c->ops = NULL;
	conn_close(c, EMU_HTTP_CLOSE_ABORT);
}

void emu_http_set_owner(struct emu_http_conn *c,
			const struct emu_http_owner *ops, void *owner)
{
	c->ops = ops;
	c->owner = ops ? owner : NULL;
	if (!ops)
		c->want_writable = false;
}

size_t emu_http_out_bytes(const struct emu_http_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

void emu_http_want_writable(struct emu_http_conn *c)
{
	c->want_writable = true;
	if (emu_http_out_bytes(c) <= EMU_HTTP_OUT_LOW_BYTES)
		event_active(c->kick, EV_READ, 1);
}

/* ---- server ---- */

static void on_accept_log(void *arg, const char *msg)
{
	struct emu_http *h = arg;
	if (h->cfg.on_log)
		h->cfg.on_log(h->cfg.arg, msg);
}

struct emu_http *emu_http_new(const struct emu_http_cfg *cfg, struct sc_err *e)
{
	struct emu_http *h = xcalloc(1, sizeof *h);
	h->cfg = *cfg;
	struct emu_accept_cfg ac = {
	    .base = cfg->base,
	    .host = cfg->host ? cfg->host : "127.0.0.1",
	    .port = cfg->port,
	    .on_fd = on_fd,
	    .on_log = on_accept_log,
	    .arg = h,
	};
	h->acc = emu_accept_new(&ac, e);
	if (!h->acc) {
		free(h);
		return NULL;
	}
	return h;
}

void emu_http_free(struct emu_http *h)
{
	if (!h)
		return;
	while (h->conns) {
		h->conns->ops = NULL;
		conn_close(h->conns, EMU_HTTP_CLOSE_SHUTDOWN);
	}
	emu_accept_free(h->acc);
	free(h);
}

int emu_http_port(const struct emu_http *h)
{
	return h->acc ? emu_accept_port(h->acc) : 0;
}

void emu_http_stop(struct emu_http *h)
{
	if (h->stopping)
		return;
	h->stopping = true;
	if (h->acc) {
		emu_accept_stats(h->acc, &h->acc_final);
		emu_accept_free(h->acc);
		h->acc = NULL;
	}
	struct emu_http_conn *c = h->conns, *next;
	for (; c; c = next) {
		next = c->next;
		if (c->state == CS_READ)
			conn_close(c, EMU_HTTP_CLOSE_SHUTDOWN);
	}
}

void emu_http_stats(const struct emu_http *h, struct emu_http_stats *out)
{
	*out = h->st;
	struct emu_accept_stats a = h->acc_final;
	if (h->acc)
		emu_accept_stats(h->acc, &a);
	out->accepted = a.accepted;
	out->accept_errors = a.errors;
	out->accept_pauses = a.pauses;
	out->queued_bytes = 0;
	for (const struct emu_http_conn *c = h->conns; c; c = c->next)
		out->queued_bytes +=
		    evbuffer_get_length(bufferevent_get_output(c->bev));
}
