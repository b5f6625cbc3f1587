/* libcurl multi driver on epoll. curl tells us which sockets to watch
 * (socket callback) and when to call it back (timer callback); we keep one
 * epoll set and one timerfd so timer precision is nanoseconds rather than
 * epoll_wait's milliseconds (open-loop send times depend on it).
 *
 * Connection reuse. Servers close kept-alive connections on their own
 * (llama-server's cpp-httplib after 100 requests or 5 s idle, vLLM's
 * uvicorn after 5 s idle), and a request can be written to a connection the
 * server is closing. libcurl then sends it again, but its retry counter
 * (data->state.retrycount, at most 5) is kept by the easy handle across
 * transfers and only reset when it gives up, so a handle that met 5 dead
 * connections over its life fails the next request outright ("Connection
 * died, tried 5 times before giving up"). We therefore send such a request
 * again ourselves, once, on a fresh connection, when nothing of a response
 * arrived and no new connection had been opened for it: the server cannot
 * have answered it. A request that reached a new connection, or got any
 * response byte, and was then lost is a failure, never sent twice. */
#include "net/http.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "util/clock.h"
#include "util/xalloc.h"

/* Idle connections kept when the caller does not say. */
#define HTTP_DEFAULT_MAX_CONNECTIONS 1024L
/* A connection idle this long is not reused but closed: servers drop idle
 * kept-alive connections after 5 s (cpp-httplib, uvicorn), and reusing one
 * near that age races the server's close. Costs one connect after a pause
 * of 4 s or more (between levels), which warm-up absorbs. */
#define HTTP_MAX_IDLE_S 4L
/* Sends of one request on a fresh connection after a dead reused one. */
#define HTTP_MAX_RETRIES 1

struct http_req {
	CURL *easy;
	struct http_driver *d;
	const struct http_callbacks *cb;
	void *ud;
	long status;
	bool got_first_byte;
	bool aborted;
	int retries;	  /* sends on a fresh connection after a dead one */
	long timeout_ms;  /* whole request, retries included; 0 none */
	int64_t start_ns; /* first send */
	char errbuf[CURL_ERROR_SIZE];
	struct http_req *prev, *next; /* active list or free list (next) */
};

struct http_driver {
	CURLM *multi;
	int epfd, tfd;
	int64_t curl_deadline_ns; /* -1: no curl timer */
	int64_t armed_ns;	  /* what the timerfd is set to, -1 none */
	struct curl_slist *headers;
	struct http_req *active; /* doubly linked */
	struct http_req *free_list;
	size_t n_active;
	long connects;
	long retries;
	struct http_options opts; /* as given (http_new_like) */
};

static void arm_timer(struct http_driver *d, int64_t at_ns)
{
	if (at_ns == d->armed_ns)
		return;
	struct itimerspec its = {0};
	if (at_ns >= 0) {
		if (at_ns == 0)
			at_ns = 1; /* 0 would disarm; 1 ns is long past */
		its.it_value.tv_sec = at_ns / 1000000000;
		its.it_value.tv_nsec = at_ns % 1000000000;
	}
	timerfd_settime(d->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	d->armed_ns = at_ns;
}

static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
		     void *socketp)
{
	(void)easy;
	struct http_driver *d = userp;
	struct epoll_event ev = {0};
	ev.data.fd = s;
	if (what == CURL_POLL_REMOVE) {
		if (socketp)
			epoll_ctl(d->epfd, EPOLL_CTL_DEL, s, NULL);
		curl_multi_assign(d->multi, s, NULL);
		return 0;
	}
	ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
		    (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (socketp) {
		if (epoll_ctl(d->epfd, EPOLL_CTL_MOD, s, &ev) &&
		    errno == ENOENT)
			epoll_ctl(d->epfd, EPOLL_CTL_ADD, s, &ev);
	} else {
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, s, &ev) &&
		    errno == EEXIST)
			epoll_ctl(d->epfd, EPOLL_CTL_MOD, s, &ev);
		curl_multi_assign(d->multi, s, d); /* any non-NULL marker */
	}
	return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct http_driver *d = userp;
	d->curl_deadline_ns =
	    timeout_ms < 0 ? -1 : clock_mono_ns() + timeout_ms * 1000000;
	return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	struct http_req *r = ud;
	if (!r->got_first_byte) {
		r->got_first_byte = true;
		if (r->cb->on_first_byte)
			r->cb->on_first_byte(r->ud, clock_mono_ns());
	}
	return size * n;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
	int64_t t = clock_mono_ns();
	struct http_req *r = ud;
	size_t len = size * n;
	if (!r->status)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->cb->on_body && r->cb->on_body(r->ud, r->status, p, len, t)) {
		r->aborted = true;
		return 0; /* makes curl fail the transfer with WRITE_ERROR */
	}
	return len;
}

static curl_socket_t on_open_socket(void *ud, curlsocktype purpose,
				    struct curl_sockaddr *a)
{
	struct http_driver *d = ud;
	(void)purpose;
	d->connects++;
	return socket(a->family, a->socktype, a->protocol);
}

/* curl_global_init is not thread-safe and meant to run once per process:
 * the only state this module keeps outside a driver, written once. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;
static int curl_inits;

static void curl_init_once(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
	curl_inits++;
}

static bool curl_ready(void)
{
	pthread_once(&curl_once, curl_init_once);
	return curl_init_rc == CURLE_OK;
}

int http_curl_inits(void)
{
	return curl_inits;
}

struct http_driver *http_new(const struct http_options *o, struct sc_err *e)
{
	static const struct http_options none = {0};
	if (!o)
		o = &none;
	if (!curl_ready()) {
		sc_err_set(e, SC_ERUNTIME, "libcurl: global init failed");
		return NULL;
	}
	struct http_driver *d = xcalloc(1, sizeof *d);
	d->opts = *o;
	d->curl_deadline_ns = -1;
	d->armed_ns = -1;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	d->multi = curl_multi_init();
	if (d->epfd < 0 || d->tfd < 0 || !d->multi) {
		sc_err_set(e, SC_ERUNTIME, "http driver: %s",
			   !d->multi ? "curl_multi_init failed"
				     : strerror(errno));
		http_free(d);
		return NULL;
	}
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = d->tfd};
	epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->tfd, &ev);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timer);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	/* Set the pool size explicitly: curl's default (4 x handles added)
	 * shrinks as a level drains and closes idle kept-alive connections. */
	curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS,
			  o->max_connections > 0
			      ? o->max_connections
			      : HTTP_DEFAULT_MAX_CONNECTIONS);
	/* No HTTP/1.1 pipelining or multiplexing: one stream per connection,
	 * as serving engines expect. */
	curl_multi_setopt(d->multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
	d->headers = curl_slist_append(NULL, "Content-Type: application/json");
	d->headers = curl_slist_append(d->headers, "Accept: text/event-stream");
	/* Large prompts must not wait for "100 Continue". */
	d->headers = curl_slist_append(d->headers, "Expect:");
	if (o->bearer_token && o->bearer_token[0]) {
		char *h =
		    xasprintf("Authorization: Bearer %s", o->bearer_token);
		d->headers = curl_slist_append(d->headers, h);
		free(h);
	}
	for (size_t i = 0; i < o->n_headers; i++)
		d->headers = curl_slist_append(d->headers, o->headers[i]);
	return d;
}

struct http_driver *http_new_like(const struct http_driver *d, struct sc_err *e)
{
	return http_new(&d->opts, e);
}

static void unlink_active(struct http_driver *d, struct http_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		d->active = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	d->n_active--;
}

/* True when r failed only because the connections curl reused for it were
 * already dead: no byte of a response (not even a header) arrived, the
 * error is a send or receive failure, and no new connection was opened for
 * it (CURLINFO_NUM_CONNECTS counts those of this transfer). */
static bool lost_to_reuse(struct http_req *r, CURLcode rc)
{
	if (r->got_first_byte || r->aborted || r->retries >= HTTP_MAX_RETRIES)
		return false;
	if (rc != CURLE_SEND_ERROR && rc != CURLE_RECV_ERROR &&
	    rc != CURLE_GOT_NOTHING)
		return false;
	long opened = -1;
	return curl_easy_getinfo(r->easy, CURLINFO_NUM_CONNECTS, &opened) ==
		   CURLE_OK &&
	       opened == 0;
}

/* Sends r again on a fresh connection, within what is left of its timeout.
 * False when it cannot (no time left, libcurl refused): r then fails. */
static bool resend_fresh(struct http_driver *d, struct http_req *r)
{
	long left_ms = 0;
	if (r->timeout_ms > 0) {
		left_ms = r->timeout_ms -
			  (long)((clock_mono_ns() - r->start_ns) / 1000000);
		if (left_ms < 1)
			return false;
	}
	curl_multi_remove_handle(d->multi, r->easy);
	curl_easy_setopt(r->easy, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(r->easy, CURLOPT_TIMEOUT_MS, left_ms);
	r->retries++;
	r->status = 0;
	char prev[CURL_ERROR_SIZE];
	memcpy(prev, r->errbuf, sizeof prev);
	r->errbuf[0] = 0;
	if (curl_multi_add_handle(d->multi, r->easy) != CURLM_OK) {
		memcpy(r->errbuf, prev, sizeof prev);
		return false;
	}
	d->retries++;
	return true;
}

static void finish(struct http_driver *d, struct http_req *r, CURLcode rc,
		   bool forced)
{
	if (!forced && rc != CURLE_OK && lost_to_reuse(r, rc) &&
	    resend_fresh(d, r))
		return; /* still active; on_done comes with the retry's end */
	curl_multi_remove_handle(d->multi, r->easy);
	unlink_active(d, r);
	long status = r->status;
	if (!status)
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	enum http_result res;
	char msg[CURL_ERROR_SIZE + 64];
	msg[0] = 0;
	if (forced || r->aborted) {
		res = HTTP_EABORTED;
		snprintf(msg, sizeof msg, "transfer aborted");
	} else if (rc == CURLE_OK) {
		res = HTTP_DONE;
	} else {
		switch (rc) {
		case CURLE_COULDNT_CONNECT:
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_RESOLVE_PROXY:
			res = HTTP_ECONNECT;
			break;
		case CURLE_OPERATION_TIMEDOUT:
			res = HTTP_ETIMEOUT;
			break;
		default:
			res = HTTP_ETRANSPORT;
		}
		snprintf(msg, sizeof msg, "%s%s%s%s", curl_easy_strerror(rc),
			 r->errbuf[0] ? ": " : "", r->errbuf,
			 r->retries ? " (on a fresh connection after a dead "
				      "reused one)"
				    : "");
	}
	const struct http_callbacks *cb = r->cb;
	struct http_end end = {res, status, msg, clock_mono_ns(), r->retries};
	void *ud = r->ud;
	r->next = d->free_list;
	d->free_list = r;
	if (cb->on_done)
		cb->on_done(ud, &end);
}

static void drain_done(struct http_driver *d)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(d->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct http_req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&r);
		if (r)
			finish(d, r, m->data.result, false);
	}
}

int http_post(struct http_driver *d, const char *url, const char *body,
	      size_t len, long timeout_ms, const struct http_callbacks *cb,
	      void *ud, int64_t *start_ns, struct sc_err *e)
{
	struct http_req *r = d->free_list;
	if (r) {
		d->free_list = r->next;
	} else {
		r = xcalloc(1, sizeof *r);
		r->d = d;
		r->easy = curl_easy_init();
		if (!r->easy) {
			free(r);
			return sc_err_set(e, SC_ERUNTIME,
					  "libcurl: curl_easy_init failed");
		}
		CURL *h = r->easy;
		curl_easy_setopt(h, CURLOPT_PRIVATE, r);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
		curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
		curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, d);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, d->headers);
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		/* Only the given URL: no redirects, no proxies from env. */
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(h, CURLOPT_PROXY, "");
		curl_easy_setopt(h, CURLOPT_HTTP_VERSION,
				 CURL_HTTP_VERSION_1_1);
		curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, HTTP_MAX_IDLE_S);
	}
	r->cb = cb;
	r->ud = ud;
	r->status = 0;
	r->got_first_byte = false;
	r->aborted = false;
	r->retries = 0;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
	r->errbuf[0] = 0;
	CURL *h = r->easy;
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 0L);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
			 timeout_ms > 0 ? timeout_ms : 0L);
	r->next = d->active;
	r->prev = NULL;
	if (d->active)
		d->active->prev = r;
	d->active = r;
	d->n_active++;
	r->start_ns = clock_mono_ns();
	if (start_ns)
		*start_ns = r->start_ns;
	CURLMcode mc = curl_multi_add_handle(d->multi, h);
	if (mc != CURLM_OK) {
		unlink_active(d, r);
		r->next = d->free_list;
		d->free_list = r;
		return sc_err_set(e, SC_ERUNTIME, "libcurl: add handle: %s",
				  curl_multi_strerror(mc));
	}
	return SC_OK;
}

#define HTTP_MAX_EVENTS 512

int http_run(struct http_driver *d, int64_t deadline_ns, struct sc_err *e)
{
	int running;
	int64_t now = clock_mono_ns();
	if (d->curl_deadline_ns >= 0 && d->curl_deadline_ns <= now) {
		d->curl_deadline_ns = -1;
		curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0,
					 &running);
		drain_done(d);
		return SC_OK;
	}
	int64_t wake = d->curl_deadline_ns;
	if (deadline_ns > 0 && (wake < 0 || deadline_ns < wake))
		wake = deadline_ns;
	int timeout_ms = -1;
	if (deadline_ns == 0) {
		timeout_ms = 0;
	} else if (wake >= 0) {
		if (wake <= now)
			return SC_OK;
		arm_timer(d, wake);
	} else if (d->n_active == 0) {
		return SC_OK; /* nothing could ever wake us */
	}
	struct epoll_event evs[HTTP_MAX_EVENTS];
	int n = epoll_wait(d->epfd, evs, HTTP_MAX_EVENTS, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return SC_OK;
		return sc_err_set(e, SC_ERUNTIME, "epoll_wait: %s",
				  strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		if (fd == d->tfd) {
			uint64_t x;
			if (read(d->tfd, &x, sizeof x) < 0 && errno != EAGAIN)
				return sc_err_set(e, SC_ERUNTIME,
						  "timerfd read: %s",
						  strerror(errno));
			d->armed_ns = -1;
			continue;
		}
		int flags =
		    (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
		    (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
		    (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR
							   : 0);
		curl_multi_socket_action(d->multi, fd, flags, &running);
	}
	now = clock_mono_ns();
	if (d->curl_deadline_ns >= 0 && d->curl_deadline_ns <= now) {
		d->curl_deadline_ns = -1;
		curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0,
					 &running);
	}
	drain_done(d);
	return SC_OK;
}

size_t http_active(const struct http_driver *d)
{
	return d->n_active;
}

long http_connects(const struct http_driver *d)
{
	return d->connects;
}

long http_retries(const struct http_driver *d)
{
	return d->retries;
}

void http_abort_all(struct http_driver *d)
{
	while (d->active)
		finish(d, d->active, CURLE_OK, true);
}

void http_free(struct http_driver *d)
{
	if (!d)
		return;
	if (d->multi)
		http_abort_all(d);
	while (d->free_list) {
		struct http_req *r = d->free_list;
		d->free_list = r->next;
		curl_easy_cleanup(r->easy);
		free(r);
	}
	if (d->multi)
		curl_multi_cleanup(d->multi);
	curl_slist_free_all(d->headers);
	if (d->epfd >= 0)
		close(d->epfd);
	if (d->tfd >= 0)
		close(d->tfd);
	free(d);
}

struct get_buf {
	char *p;
	size_t len, cap;
};

static size_t on_get_write(char *p, size_t size, size_t n, void *ud)
{
	struct get_buf *b = ud;
	size_t len = size * n;
	if (b->len + len + 1 > b->cap)
		return 0; /* over the cap: fail rather than grow */
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = 0;
	return len;
}

int http_get_text(const struct http_options *o, const char *url, char *buf,
		  size_t cap, long timeout_ms, long *status, struct sc_err *e)
{
	if (!curl_ready())
		return sc_err_set(e, SC_ERUNTIME,
				  "libcurl: global init failed");
	CURL *h = curl_easy_init();
	if (!h)
		return sc_err_set(e, SC_ERUNTIME,
				  "libcurl: curl_easy_init failed");
	struct get_buf b = {buf, 0, cap};
	buf[0] = 0;
	struct curl_slist *hd = NULL;
	if (o && o->bearer_token && o->bearer_token[0]) {
		char *t =
		    xasprintf("Authorization: Bearer %s", o->bearer_token);
		hd = curl_slist_append(hd, t);
		free(t);
	}
	for (size_t i = 0; o && i < o->n_headers; i++)
		hd = curl_slist_append(hd, o->headers[i]);
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_get_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(h);
	*status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hd);
	if (rc != CURLE_OK) {
		/* The reason is the cause (sc_err_cause), the URL its context.
		 */
		sc_err_set(e, SC_ERUNTIME, "%s%s%s", curl_easy_strerror(rc),
			   errbuf[0] ? ": " : "", errbuf);
		sc_err_prefix(e, "GET %s", url);
		return SC_ERUNTIME;
	}
	return SC_OK;
}

const char *http_curl_version(void)
{
	return curl_version_info(CURLVERSION_NOW)->version;
}
