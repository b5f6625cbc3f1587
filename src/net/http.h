/* The HTTP driver: many concurrent streaming POSTs on one thread, libcurl's
 * multi interface driven by curl_multi_socket_action from an epoll loop with
 * a timerfd (O(active sockets) per wakeup, not O(transfers)). Keep-alive
 * connections are reused; a request lost only because a reused connection
 * was already dead is sent again once on a fresh one (see http.c). Body
 * bytes are stamped with CLOCK_MONOTONIC ns in the write callback. The only
 * home of libcurl in servecal. */
#ifndef SC_HTTP_H
#define SC_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum http_result {
	HTTP_DONE = 0,	 /* transfer finished (any HTTP status) */
	HTTP_ECONNECT,	 /* resolve or connect failed */
	HTTP_ETIMEOUT,	 /* the request's timeout elapsed */
	HTTP_EABORTED,	 /* on_body asked to stop, or http_abort_all */
	HTTP_ETRANSPORT, /* connection reset, partial body, send error */
};

/* How a transfer ended, as on_done reports it. */
struct http_end {
	enum http_result res;
	long status;	 /* HTTP status, 0 when no response arrived */
	const char *msg; /* why, when res != HTTP_DONE; "" otherwise */
	int64_t t_ns;	 /* when it ended (CLOCK_MONOTONIC) */
	int retries;	 /* times it was sent again on a fresh connection */
};

struct http_callbacks {
	/* First byte of the response (status line) arrived at t_ns. */
	void (*on_first_byte)(void *ud, int64_t t_ns);
	/* Body bytes received at t_ns with HTTP status `status`. Return 0 to
	 * go on, non-zero to abort the transfer (then HTTP_EABORTED). */
	int (*on_body)(void *ud, long status, const char *buf, size_t len,
		       int64_t t_ns);
	/* The transfer ended (called once per http_post, retries included);
	 * end and its msg are valid during the call only. The request handle
	 * is gone after this returns. May start new requests. */
	void (*on_done)(void *ud, const struct http_end *end);
};

struct http_options {
	const char *const *headers; /* extra "Key: Value" lines */
	size_t n_headers;
	const char *bearer_token; /* Authorization: Bearer ..., or NULL */
	long max_connections;	  /* connection cache size (>= streams) */
};

struct http_driver;

/* Creates a driver; NULL with SC_ERUNTIME in e when libcurl, epoll or the
 * timerfd cannot be set up. Free with http_free. */
struct http_driver *http_new(const struct http_options *o, struct sc_err *e);
/* A new driver with d's options (a worker process's own, after fork: it
 * shares no connection with d). NULL with e filled as http_new. The
 * options' strings must still be valid. */
struct http_driver *http_new_like(const struct http_driver *d,
				  struct sc_err *e);
/* Aborts transfers still active (calling their on_done) and frees d. */
void http_free(struct http_driver *d);
/* Starts a streaming POST of body[0..len) (JSON) to url. body, url and ud
 * must stay valid until on_done. timeout_ms 0 means none; it covers a
 * retry too. The send time is stamped into *start_ns just before the handle
 * is handed to libcurl (a retry keeps it). Returns SC_OK or SC_ERUNTIME. */
int http_post(struct http_driver *d, const char *url, const char *body,
	      size_t len, long timeout_ms, const struct http_callbacks *cb,
	      void *ud, int64_t *start_ns, struct sc_err *e) SC_MUST_CHECK;
/* Waits for network events or until deadline_ns (CLOCK_MONOTONIC; 0 polls
 * without blocking; -1 waits for the next event) and dispatches callbacks.
 * Returns SC_OK (also when a signal interrupted the wait) or SC_ERUNTIME. */
int http_run(struct http_driver *d, int64_t deadline_ns,
	     struct sc_err *e) SC_MUST_CHECK;
/* Transfers in progress. */
size_t http_active(const struct http_driver *d);
/* Ends every transfer now; each gets on_done(HTTP_EABORTED). */
void http_abort_all(struct http_driver *d);
/* Version of the libcurl library linked (for reports). */
const char *http_curl_version(void);
/* How many times this process has run curl_global_init: 1 once a driver or
 * a GET has been made, whatever their number (0 before). */
int http_curl_inits(void);
/* Connections opened so far (to check keep-alive reuse). */
long http_connects(const struct http_driver *d);
/* Requests sent again on a fresh connection so far (see http_end). */
long http_retries(const struct http_driver *d);

/* Blocking GET of url (e.g. /v1/models) into a NUL-terminated buffer of at
 * most cap bytes. Returns SC_OK with *status set, or SC_ERUNTIME. */
int http_get_text(const struct http_options *o, const char *url, char *buf,
		  size_t cap, long timeout_ms, long *status,
		  struct sc_err *e) SC_MUST_CHECK;

#endif
