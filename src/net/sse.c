/* Server-Sent Events push parser (WHATWG HTML, "event stream
 * interpretation"), with a cap on event size because the bytes come from the
 * network. One deliberate departure: a line of only spaces or tabs ends an
 * event like an empty line, because some servers put a stray space before
 * the blank line and the spec reading would merge two events. One
 * extension: llama.cpp reports errors after HTTP 200 as a line
 * `error: {"code":500,"message":...}` (then `data: [DONE]`); the spec would
 * ignore that unknown field and the request would look successful, so an
 * "error" field is kept as data of an event named "error". */
#include "net/sse.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void sse_init(struct sse_parser *p, size_t max_event_bytes, sse_event_fn fn,
	      void *ud)
{
	memset(p, 0, sizeof *p);
	p->fn = fn;
	p->ud = ud;
	p->max_event_bytes =
	    max_event_bytes ? max_event_bytes : SSE_DEFAULT_MAX_EVENT_BYTES;
	p->at_start = true;
}

void sse_release(struct sse_parser *p)
{
	free(p->line);
	free(p->data);
	p->line = p->data = NULL;
	p->line_cap = p->data_cap = 0;
	p->line_len = p->data_len = 0;
}

void sse_reset(struct sse_parser *p)
{
	p->line_len = 0;
	p->data_len = 0;
	p->have_data = false;
	p->error_field = false;
	p->after_cr = false;
	p->at_start = true;
	p->bom_seen = 0;
	p->status = SSE_OK;
	p->event[0] = 0;
	p->comments = 0;
	p->events = 0;
	p->error_fields = 0;
}

bool sse_pending(const struct sse_parser *p)
{
	return p->line_len > 0 || p->have_data;
}

/* Appends n bytes to the data buffer; fails when the event outgrows the cap
 * (the +1 keeps room for the terminating NUL). */
static int data_append(struct sse_parser *p, const char *s, size_t n)
{
	if (p->data_len + n + 1 > p->max_event_bytes)
		return SSE_EOVERSIZE;
	if (p->data_len + n + 1 > p->data_cap)
		p->data = xgrow(p->data, &p->data_cap, p->data_len + n + 1, 1);
	memcpy(p->data + p->data_len, s, n);
	p->data_len += n;
	return SSE_OK;
}

static int dispatch(struct sse_parser *p)
{
	if (!p->have_data) {
		p->event[0] = 0;
		p->error_field = false;
		return SSE_OK;
	}
	/* The data buffer holds each line followed by '\n'; drop the last. */
	size_t n = p->data_len ? p->data_len - 1 : 0;
	if (!p->data) /* data_append reserves space, but "data" with no value */
		p->data = xgrow(p->data, &p->data_cap, 1, 1);
	p->data[n] = 0;
	struct sse_event ev = {p->data, n,
			       p->error_field ? SSE_ERROR_EVENT : p->event};
	p->events++;
	int rc = p->fn ? p->fn(p->ud, &ev) : 0;
	p->data_len = 0;
	p->have_data = false;
	p->error_field = false;
	p->event[0] = 0;
	return rc ? SSE_ESTOPPED : SSE_OK;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static int process_line(struct sse_parser *p, const char *s, size_t n)
{
	if (blank(s, n))
		return dispatch(p);
	if (s[0] == ':') {
		p->comments++;
		return SSE_OK;
	}
	const char *colon = memchr(s, ':', n);
	size_t name_len = colon ? (size_t)(colon - s) : n;
	const char *val = colon ? colon + 1 : s + n;
	size_t val_len = (size_t)(s + n - val);
	if (val_len && *val == ' ') {
		val++;
		val_len--;
	}
	bool is_error = name_len == 5 && !memcmp(s, "error", 5);
	if (is_error || (name_len == 4 && !memcmp(s, "data", 4))) {
		int rc = data_append(p, val, val_len);
		if (rc == SSE_OK)
			rc = data_append(p, "\n", 1);
		if (rc == SSE_OK)
			p->have_data = true;
		if (rc == SSE_OK && is_error) {
			p->error_field = true;
			p->error_fields++;
		}
		return rc;
	}
	if (name_len == 5 && !memcmp(s, "event", 5)) {
		size_t k = val_len < SSE_EVENT_NAME_MAX - 1
			       ? val_len
			       : SSE_EVENT_NAME_MAX - 1;
		memcpy(p->event, val, k);
		p->event[k] = 0;
	}
	/* "id", "retry" and unknown fields are ignored, as the spec says. */
	return SSE_OK;
}

static int line_append(struct sse_parser *p, const char *s, size_t n)
{
	if (n == 0)
		return SSE_OK;
	if (p->line_len + p->data_len + n > p->max_event_bytes)
		return SSE_EOVERSIZE;
	if (p->line_len + n > p->line_cap)
		p->line = xgrow(p->line, &p->line_cap, p->line_len + n, 1);
	memcpy(p->line + p->line_len, s, n);
	p->line_len += n;
	return SSE_OK;
}

/* The first c in [s, end), or end. */
static const char *next_of(const char *s, const char *end, char c)
{
	const char *p = memchr(s, c, (size_t)(end - s));
	return p ? p : end;
}

static const unsigned char utf8_bom[3] = {0xEF, 0xBB, 0xBF};

int sse_feed(struct sse_parser *p, const char *buf, size_t len)
{
	if (p->status != SSE_OK)
		return p->status;
	const char *s = buf, *end = buf + len;
	/* A BOM may itself be split across feeds. */
	while (p->at_start && s < end) {
		if ((unsigned char)*s == utf8_bom[p->bom_seen]) {
			p->bom_seen++;
			s++;
			if (p->bom_seen == 3)
				p->at_start = false;
			continue;
		}
		/* Not a BOM after all: give back the bytes taken so far. */
		int rc = line_append(p, (const char *)utf8_bom, p->bom_seen);
		p->at_start = false;
		if (rc != SSE_OK)
			return p->status = rc;
	}
	int rc = SSE_OK;
	const char *lf = NULL, *cr = NULL; /* next LF, CR at or after s */
	while (s < end) {
		if (p->after_cr) {
			p->after_cr = false;
			if (*s == '\n') {
				s++;
				continue;
			}
		}
		/* The line's end: the first LF or CR. memchr reads many bytes
		 * at a time; each hit is kept until passed, so every byte is
		 * searched once per character. */
		if (!lf || lf < s)
			lf = next_of(s, end, '\n');
		if (!cr || cr < s)
			cr = next_of(s, end, '\r');
		const char *e = lf < cr ? lf : cr;
		if (e == end) {
			rc = line_append(p, s, (size_t)(e - s));
			break;
		}
		if (p->line_len) {
			rc = line_append(p, s, (size_t)(e - s));
			if (rc == SSE_OK)
				rc = process_line(p, p->line, p->line_len);
			p->line_len = 0;
		} else {
			if ((size_t)(e - s) + p->data_len > p->max_event_bytes)
				rc = SSE_EOVERSIZE;
			else
				rc = process_line(p, s, (size_t)(e - s));
		}
		if (rc != SSE_OK)
			break;
		p->after_cr = *e == '\r';
		s = e + 1;
	}
	if (rc != SSE_OK)
		p->status = rc;
	return rc;
}
