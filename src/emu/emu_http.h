/* The emulator's HTTP/1.1 server on libevent bufferevents: connections,
 * their limits and timeouts, output backpressure, and responses. Every
 * error it sends itself (a malformed or oversized request, a timeout) is an
 * OpenAI-style JSON body.
 *
 * Limits of a connection:
 * - request deadline: a request must be complete idle_timeout_ms after the
 *   connection opened or its previous response was written out; else a
 *   partial request gets 408 and an idle kept-alive connection is closed.
 *   Bytes trickling in do not move the deadline.
 * - write timeout: output waiting for a client that reads nothing for
 *   write_timeout_ms closes the connection.
 * - output: the kernel send buffer is EMU_HTTP_SNDBUF_BYTES; whoever
 *   writes a stream checks emu_http_out_bytes against
 *   EMU_HTTP_OUT_HIGH_BYTES and, above it, stops and asks for a writable
 *   callback, which comes once the client has read the output down to
 *   EMU_HTTP_OUT_LOW_BYTES.
 * - input: the head is capped (431), the body at max_body_bytes (413);
 *   conflicting lengths are 400; while a request is answered at most
 *   EMU_HTTP_PIPELINE_BYTES of the next ones are read ahead. */
#ifndef SC_EMU_HTTP_H
#define SC_EMU_HTTP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "util/err.h"

#define EMU_HTTP_DEFAULT_IDLE_TIMEOUT_MS  30000
#define EMU_HTTP_DEFAULT_WRITE_TIMEOUT_MS 30000
#define EMU_HTTP_MAX_HEAD_BYTES		  (64 * 1024)
#define EMU_HTTP_OUT_HIGH_BYTES		  (64 * 1024)
#define EMU_HTTP_OUT_LOW_BYTES		  (16 * 1024)
#define EMU_HTTP_PIPELINE_BYTES		  (64 * 1024)
/* Kernel send buffer of a connection (SO_SNDBUF; Linux reserves twice
 * this): fixed instead of autotuned up to 4 MB, so that a client that
 * stops reading holds little kernel memory too and its write timeout
 * starts soon. A stream needs far less on loopback or a LAN. */
#define EMU_HTTP_SNDBUF_BYTES (128 * 1024)
/* After a response that closes the connection, what the client still
 * sends is read and dropped (so that the close does not reset the
 * response away) for at most this long and this many bytes. */
#define EMU_HTTP_LINGER_MS	  2000
#define EMU_HTTP_LINGER_MAX_BYTES (16u * 1024u * 1024u)

/* Why a connection closed (metrics label in emu_http_close_name). */
enum emu_http_close {
	EMU_HTTP_CLOSE_CLIENT, /* the client closed or reset it */
	EMU_HTTP_CLOSE_DONE,   /* after a response without keep-alive */
	EMU_HTTP_CLOSE_IDLE,   /* kept alive, no request came */
	EMU_HTTP_CLOSE_REQUEST_TIMEOUT, /* request incomplete at the deadline */
	EMU_HTTP_CLOSE_WRITE_TIMEOUT,	/* the client stopped reading */
	EMU_HTTP_CLOSE_PROTOCOL, /* a request refused by the HTTP layer */
	EMU_HTTP_CLOSE_ABORT,	 /* emu_http_abort */
	EMU_HTTP_CLOSE_SHUTDOWN, /* the server stopped */
	EMU_HTTP_CLOSE_COUNT
};
const char *emu_http_close_name(enum emu_http_close why);

/* Statuses counted one by one; others count as "other". */
#define EMU_HTTP_N_STATUS 14
extern const int emu_http_status_codes[EMU_HTTP_N_STATUS];

struct emu_http_conn;

/* One complete request; valid during the on_request call only. */
struct emu_http_req {
	const char *method;
	const char *path; /* the target without query or fragment */
	size_t path_len;
	const char *body; /* NUL-terminated */
	size_t body_len;
};

struct emu_http_cfg {
	struct event_base *base;
	const char *host;
	int port;	       /* 0 picks a free one */
	size_t max_body_bytes; /* > 0 */
	long idle_timeout_ms;  /* > 0 */
	long write_timeout_ms; /* > 0 */
	/* A request to answer with emu_http_reply/_error, or a stream. */
	void (*on_request)(void *arg, struct emu_http_conn *c,
			   const struct emu_http_req *r);
	/* Rare one-line reports (accept failures), or NULL. */
	void (*on_log)(void *arg, const char *msg);
	void *arg;
};

/* Hooks of whoever answers a request over several loop turns. gone: the
 * connection closes (c must not be used after it returns; no response is
 * owed). writable: output fell to EMU_HTTP_OUT_LOW_BYTES after
 * emu_http_want_writable. */
struct emu_http_owner {
	void (*gone)(void *owner, enum emu_http_close why);
	void (*writable)(void *owner);
};

struct emu_http_stats {
	long open;	     /* connections now */
	size_t queued_bytes; /* output not yet taken by clients */
	uint64_t accepted, accept_errors, accept_pauses;
	uint64_t closed[EMU_HTTP_CLOSE_COUNT];
	uint64_t
	    responses[EMU_HTTP_N_STATUS + 1]; /* by emu_http_status_codes */
};

struct emu_http;

/* Listens. NULL with SC_ERUNTIME in e when it cannot. */
struct emu_http *emu_http_new(const struct emu_http_cfg *cfg, struct sc_err *e);
/* Closes every connection (owners are not called) and the listener; NULL
 * does nothing. */
void emu_http_free(struct emu_http *h);
int emu_http_port(const struct emu_http *h);
/* Stops accepting, closes idle connections; the others close after their
 * response. */
void emu_http_stop(struct emu_http *h);
void emu_http_stats(const struct emu_http *h, struct emu_http_stats *out);

/* Whole response (Content-Length; no body for HEAD). Ends the request. */
void emu_http_reply(struct emu_http_conn *c, int status, const char *ctype,
		    const char *body, size_t len);
/* OpenAI JSON error response. Ends the request. */
void emu_http_error(struct emu_http_conn *c, int status, const char *msg);
/* Starts a streamed response: chunked for HTTP/1.1, else ended by the
 * close. extra_headers: complete "Name: value\r\n" lines or "". */
void emu_http_stream_start(struct emu_http_conn *c, int status,
			   const char *ctype, const char *extra_headers);
/* One piece of the stream, written to the socket at once when nothing is
 * queued before it (so the write time is the emission time). */
void emu_http_stream_write(struct emu_http_conn *c, const void *data,
			   size_t len);
/* Ends the stream and the request. */
void emu_http_stream_end(struct emu_http_conn *c);
/* Closes the connection now without a response end; the owner is not
 * called. c is invalid afterwards. */
void emu_http_abort(struct emu_http_conn *c);
/* Sets (or with ops NULL clears) the owner of the request in progress. */
void emu_http_set_owner(struct emu_http_conn *c,
			const struct emu_http_owner *ops, void *owner);
/* Output bytes queued in the server for this connection. */
size_t emu_http_out_bytes(const struct emu_http_conn *c);
/* Asks for one writable call once output is down to the low watermark
 * (at once, on the next loop turn, if it already is). */
void emu_http_want_writable(struct emu_http_conn *c);

#endif
