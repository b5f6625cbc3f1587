/* Push parser for Server-Sent Events (text/event-stream). It is fed raw bytes
 * as they arrive and calls back once per complete event; it does no I/O, so
 * any split of the input gives the same events. One extension: an "error:"
 * field line (llama.cpp's way to report a failure inside a 200 stream) is
 * taken as a data line of an event named "error", so it is not lost. */
#ifndef SC_SSE_H
#define SC_SSE_H
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Default cap on one event (all its data lines plus the line in progress). */
#define SSE_DEFAULT_MAX_EVENT_BYTES (1u << 20)

enum sse_status {
	SSE_OK = 0,
	SSE_EOVERSIZE = -1, /* an event or line exceeded max_event_bytes */
	SSE_ESTOPPED = -2,  /* the callback asked to stop earlier */
};

/* One dispatched event. data is NUL-terminated (the data and error lines
 * joined with '\n'); event is "error" when the event had an "error:" line,
 * else the "event:" field or "". Both are valid only during the callback. */
#define SSE_ERROR_EVENT "error"
struct sse_event {
	const char *data;
	size_t data_len;
	const char *event;
};

/* Called per event; return 0 to go on, non-zero to stop the parser (sse_feed
 * then returns SSE_ESTOPPED and ignores later input). */
typedef int (*sse_event_fn)(void *ud, const struct sse_event *ev);

#define SSE_EVENT_NAME_MAX 64

struct sse_parser {
	sse_event_fn fn;
	void *ud;
	size_t max_event_bytes;
	char *line; /* bytes of a line split across feeds */
	size_t line_len, line_cap;
	char *data; /* data lines of the event being built */
	size_t data_len, data_cap;
	bool have_data;
	bool error_field; /* the event being built had an "error:" line */
	bool after_cr;	  /* last byte seen was CR: a following LF is skipped */
	bool at_start;	  /* no byte yet: a UTF-8 BOM is skipped */
	size_t bom_seen;  /* BOM bytes matched so far at the start */
	int status;	  /* sticky: SSE_OK until oversize or stop */
	char event[SSE_EVENT_NAME_MAX];
	unsigned long comments; /* comment lines seen (": ping" keep-alives) */
	unsigned long events;	/* events dispatched */
	unsigned long error_fields; /* "error:" lines seen */
};

/* Prepares p; max_event_bytes 0 means SSE_DEFAULT_MAX_EVENT_BYTES. */
void sse_init(struct sse_parser *p, size_t max_event_bytes, sse_event_fn fn,
	      void *ud);
/* Frees p's buffers; p may be re-initialised afterwards. */
void sse_release(struct sse_parser *p);
/* Forgets any partial line or event so p can parse a new stream (keeps the
 * buffers and the callback). */
void sse_reset(struct sse_parser *p);
/* Parses len bytes. Returns SSE_OK, SSE_EOVERSIZE (the stream is broken and
 * later calls return it again) or SSE_ESTOPPED. */
int sse_feed(struct sse_parser *p, const char *buf, size_t len) SC_MUST_CHECK;
/* True when bytes of an unfinished line or event are pending, i.e. the
 * stream ended in the middle of an event (which the spec discards). */
bool sse_pending(const struct sse_parser *p);

#endif
