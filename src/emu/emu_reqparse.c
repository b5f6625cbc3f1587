/* HTTP/1.x request parser of the emulated engine (RFC 9112 server side):
 * request line, header fields, Content-Length or chunked body, with caps.
 * Pushed bytes in, no I/O; errors carry the status to answer. */
#include "emu/emu_reqparse.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/xalloc.h"

/* Buffers a finished request may leave allocated for the next one; bigger
 * ones are freed so that an idle connection holds little. */
#define RP_KEEP_HEAD_BYTES 8192
#define RP_KEEP_BODY_BYTES 16384
/* Longest method name accepted ("OPTIONS" is 7). */
#define RP_MAX_METHOD 31
/* Lengths past this many digits are far over any cap. */
#define RP_MAX_LENGTH_DIGITS 15

enum { CH_SIZE, CH_DATA, CH_DATA_END, CH_TRAILER };

static void fail(struct emu_reqparse *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct emu_reqparse *p, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
	p->status = status;
	p->state = EMU_RP_ERROR;
}

static void clear_results(struct emu_reqparse *p)
{
	p->state = EMU_RP_HEAD;
	p->method = p->target = NULL;
	p->http_minor = 1;
	p->keep_alive = p->expect_continue = p->chunked = false;
	p->content_length = -1;
	p->body_len = 0;
	p->status = 0;
	p->msg[0] = 0;
	p->head_len = p->scan = 0;
	p->sub = CH_SIZE;
	p->chunk_left = 0;
	p->line_len = 0;
	p->trailer_bytes = 0;
	if (p->body)
		p->body[0] = 0;
}

void emu_reqparse_init(struct emu_reqparse *p, size_t max_head_bytes,
		       size_t max_body_bytes)
{
	memset(p, 0, sizeof *p);
	p->max_head_bytes = max_head_bytes;
	p->max_body_bytes = max_body_bytes;
	clear_results(p);
}

void emu_reqparse_release(struct emu_reqparse *p)
{
	free(p->head);
	free(p->body);
	p->head = p->body = NULL;
	p->head_cap = p->body_cap = 0;
}

void emu_reqparse_reset(struct emu_reqparse *p)
{
	if (p->head_cap > RP_KEEP_HEAD_BYTES) {
		free(p->head);
		p->head = NULL;
		p->head_cap = 0;
	}
	if (p->body_cap > RP_KEEP_BODY_BYTES) {
		free(p->body);
		p->body = NULL;
		p->body_cap = 0;
	}
	clear_results(p);
}

bool emu_reqparse_head_done(const struct emu_reqparse *p)
{
	return p->state == EMU_RP_BODY || p->state == EMU_RP_DONE;
}

bool emu_reqparse_started(const struct emu_reqparse *p)
{
	return p->head_len > 0 || p->state != EMU_RP_HEAD;
}

/* ---- head ---- */

static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool all_tchars(const char *s)
{
	for (; *s; s++)
		if (!is_tchar((unsigned char)*s))
			return false;
	return true;
}

static char *trim_ows(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = 0;
	return s;
}

/* Next comma-separated element of *list (trimmed, may be empty), or NULL
 * at the end. */
static char *next_elem(char **list)
{
	if (!*list)
		return NULL;
	char *s = *list, *c = strchr(s, ',');
	if (c) {
		*c = 0;
		*list = c + 1;
	} else {
		*list = NULL;
	}
	return trim_ows(s);
}

static int parse_request_line(struct emu_reqparse *p, char *line)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp1 || !sp2 || strchr(sp2 + 1, ' ')) {
		fail(p, 400, "malformed request line");
		return -1;
	}
	*sp1 = *sp2 = 0;
	char *method = line, *target = sp1 + 1, *version = sp2 + 1;
	if (!*method || strlen(method) > RP_MAX_METHOD || !all_tchars(method)) {
		fail(p, 400, "malformed request method");
		return -1;
	}
	if (!*target) {
		fail(p, 400, "empty request target");
		return -1;
	}
	for (const char *c = target; *c; c++)
		if (*c <= 0x20 || *c == 0x7f) {
			fail(p, 400, "malformed request target");
			return -1;
		}
	if (!strcmp(version, "HTTP/1.1")) {
		p->http_minor = 1;
	} else if (!strcmp(version, "HTTP/1.0")) {
		p->http_minor = 0;
	} else if (!strncmp(version, "HTTP/", 5) &&
		   isdigit((unsigned char)version[5]) && version[6] == '.' &&
		   isdigit((unsigned char)version[7]) && !version[8]) {
		fail(p, 505, "HTTP version %s is not supported (HTTP/1.1 is)",
		     version + 5);
		return -1;
	} else {
		fail(p, 400, "malformed HTTP version");
		return -1;
	}
	p->method = method;
	p->target = target;
	return 0;
}

/* What the header fields said, before the checks that need all of them. */
struct fields {
	bool has_length, has_te, te_chunked, conn_close, conn_keep_alive;
	long long length;
};

/* Content-Length: one value or a list of equal values, equal to any
 * earlier field (RFC 9112 6.3); a different value is a smuggling attempt. */
static int field_length(struct emu_reqparse *p, struct fields *f, char *v)
{
	char *list = v, *el;
	while ((el = next_elem(&list))) {
		size_t n = strlen(el);
		if (n == 0 || strspn(el, "0123456789") != n) {
			fail(p, 400, "malformed Content-Length '%.40s'", el);
			return -1;
		}
		long long x = n > RP_MAX_LENGTH_DIGITS ? -2 : atoll(el);
		if (f->has_length && x != f->length) {
			fail(p, 400, "conflicting Content-Length values");
			return -1;
		}
		f->has_length = true;
		f->length = x;
	}
	return 0;
}

static int field_te(struct emu_reqparse *p, struct fields *f, char *v)
{
	char *list = v, *el;
	while ((el = next_elem(&list))) {
		if (!*el)
			continue;
		if (strcasecmp(el, "chunked") != 0) {
			fail(p, 501,
			     "Transfer-Encoding '%.40s' is not supported "
			     "(only chunked is)",
			     el);
			return -1;
		}
		if (f->te_chunked) {
			fail(p, 400, "chunked applied twice");
			return -1;
		}
		f->te_chunked = true;
	}
	f->has_te = true;
	return 0;
}

static int field_connection(struct emu_reqparse *p, struct fields *f, char *v)
{
	(void)p;
	char *list = v, *el;
	while ((el = next_elem(&list))) {
		if (!strcasecmp(el, "close"))
			f->conn_close = true;
		else if (!strcasecmp(el, "keep-alive"))
			f->conn_keep_alive = true;
	}
	return 0;
}

static int field_expect(struct emu_reqparse *p, struct fields *f, char *v)
{
	(void)f;
	if (strcasecmp(v, "100-continue") != 0) {
		fail(p, 417, "expectation '%.40s' is not supported", v);
		return -1;
	}
	p->expect_continue = p->http_minor >= 1;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct emu_reqparse *, struct fields *, char *);
} field_table[] = {
    {"content-length", field_length},
    {"transfer-encoding", field_te},
    {"connection", field_connection},
    {"expect", field_expect},
};

static int parse_field(struct emu_reqparse *p, struct fields *f, char *line)
{
	if (*line == ' ' || *line == '\t') {
		fail(p, 400, "folded header lines are not allowed");
		return -1;
	}
	char *colon = strchr(line, ':');
	if (!colon || colon == line) {
		fail(p, 400, "malformed header line");
		return -1;
	}
	*colon = 0;
	if (!all_tchars(line)) {
		fail(p, 400, "malformed header name '%.40s'", line);
		return -1;
	}
	char *v = trim_ows(colon + 1);
	for (const char *c = v; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\t') {
			fail(p, 400, "control character in header '%.40s'",
			     line);
			return -1;
		}
	for (size_t i = 0; i < sizeof field_table / sizeof *field_table; i++)
		if (!strcasecmp(line, field_table[i].name))
			return field_table[i].fn(p, f, v);
	return 0;
}

/* Splits the stored head into lines and checks them; sets the body mode. */
static void parse_head(struct emu_reqparse *p)
{
	struct fields f = {0};
	char *s = p->head, *end = p->head + p->head_len;
	bool first = true;
	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		if (memchr(s, 0, (size_t)(nl - s))) {
			fail(p, 400, "NUL byte in the request head");
			return;
		}
		*nl = 0;
		if (nl > s && nl[-1] == '\r')
			nl[-1] = 0;
		if (!*s)
			break; /* the empty line that ends the head */
		int rc =
		    first ? parse_request_line(p, s) : parse_field(p, &f, s);
		if (rc)
			return;
		first = false;
		s = nl + 1;
	}
	if (f.has_te && f.has_length) {
		fail(p, 400, "both Content-Length and Transfer-Encoding");
		return;
	}
	if (f.has_te && p->http_minor == 0) {
		fail(p, 400, "Transfer-Encoding in an HTTP/1.0 request");
		return;
	}
	if (f.has_te && !f.te_chunked) {
		fail(p, 400, "empty Transfer-Encoding");
		return;
	}
	if (f.has_length && (f.length < 0 || (unsigned long long)f.length >
						 p->max_body_bytes)) {
		if (f.length < 0)
			fail(p, 413,
			     "request body of more than 10^%d bytes exceeds "
			     "the cap of %zu",
			     RP_MAX_LENGTH_DIGITS, p->max_body_bytes);
		else
			fail(p, 413,
			     "request body of %lld bytes exceeds the cap "
			     "of %zu",
			     f.length, p->max_body_bytes);
		return;
	}
	p->keep_alive = p->http_minor >= 1 ? !f.conn_close
					   : f.conn_keep_alive && !f.conn_close;
	p->chunked = f.te_chunked;
	p->content_length = f.has_length ? f.length : -1;
	p->state =
	    p->chunked || p->content_length > 0 ? EMU_RP_BODY : EMU_RP_DONE;
}

static size_t feed_head(struct emu_reqparse *p, const char *buf, size_t len)
{
	size_t used = 0;
	while (used < len && p->state == EMU_RP_HEAD) {
		/* Empty lines before the request line are ignored (RFC 9112
		 * 2.2). */
		if (p->head_len == 0 &&
		    (buf[used] == '\r' || buf[used] == '\n')) {
			used++;
			continue;
		}
		const char *nl = memchr(buf + used, '\n', len - used);
		size_t n = nl ? (size_t)(nl - (buf + used)) + 1 : len - used;
		if (p->head_len + n > p->max_head_bytes) {
			fail(p, 431, "request head exceeds %zu bytes",
			     p->max_head_bytes);
			return used;
		}
		if (p->head_len + n + 1 > p->head_cap)
			p->head = xgrow(p->head, &p->head_cap,
					p->head_len + n + 1, 1);
		memcpy(p->head + p->head_len, buf + used, n);
		p->head_len += n;
		p->head[p->head_len] = 0;
		used += n;
		if (!nl)
			break;
		/* A line ended at head_len - 1; p->scan is where it began. */
		size_t ll = p->head_len - p->scan;
		bool empty = ll == 1 || (ll == 2 && p->head[p->scan] == '\r');
		p->scan = p->head_len;
		if (empty)
			parse_head(p);
	}
	return used;
}

/* ---- body ---- */

static void body_append(struct emu_reqparse *p, const char *buf, size_t n)
{
	if (p->body_len + n + 1 > p->body_cap)
		p->body = xgrow(p->body, &p->body_cap, p->body_len + n + 1, 1);
	memcpy(p->body + p->body_len, buf, n);
	p->body_len += n;
	p->body[p->body_len] = 0;
}

static void chunk_size_line(struct emu_reqparse *p)
{
	char *s = p->line;
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	if (n == 0) {
		fail(p, 400, "malformed chunk size");
		return;
	}
	char c = s[n];
	if (c && c != ';' && c != ' ' && c != '\t' && c != '\r') {
		fail(p, 400, "malformed chunk size");
		return;
	}
	if (n > RP_MAX_LENGTH_DIGITS) {
		fail(p, 413, "chunk larger than the body cap of %zu bytes",
		     p->max_body_bytes);
		return;
	}
	s[n] = 0;
	unsigned long long size = strtoull(s, NULL, 16);
	if (size > p->max_body_bytes - p->body_len) {
		fail(p, 413, "request body exceeds the cap of %zu bytes",
		     p->max_body_bytes);
		return;
	}
	p->chunk_left = size;
	p->sub = size ? CH_DATA : CH_TRAILER;
}

/* Chunked body (RFC 9112 7.1): size line, data, CRLF, ..., 0, trailers,
 * empty line. */
static size_t feed_chunked(struct emu_reqparse *p, const char *buf, size_t len)
{
	size_t used = 0;
	while (used < len && p->state == EMU_RP_BODY) {
		if (p->sub == CH_DATA) {
			size_t n = len - used;
			if (n > p->chunk_left)
				n = (size_t)p->chunk_left;
			body_append(p, buf + used, n);
			used += n;
			p->chunk_left -= n;
			if (p->chunk_left == 0) {
				p->sub = CH_DATA_END;
				p->line_len = 0;
			}
			continue;
		}
		char c = buf[used++];
		if (c != '\n') {
			if (p->sub == CH_TRAILER) {
				if (++p->trailer_bytes > p->max_head_bytes) {
					fail(
					    p, 431,
					    "chunked trailer exceeds %zu bytes",
					    p->max_head_bytes);
					return used;
				}
				if (c != '\r')
					p->line_len++;
				continue;
			}
			if (p->line_len + 1 >= sizeof p->line) {
				fail(p, 400, "malformed chunk size line");
				return used;
			}
			p->line[p->line_len++] = c;
			continue;
		}
		/* A line ended. */
		p->line[p->line_len] = 0;
		if (p->sub == CH_SIZE) {
			chunk_size_line(p);
		} else if (p->sub == CH_DATA_END) {
			if (strcmp(p->line, "") && strcmp(p->line, "\r")) {
				fail(p, 400, "chunk data longer than its size");
				return used;
			}
			p->sub = CH_SIZE;
		} else if (p->line_len == 0) { /* trailers end */
			p->state = EMU_RP_DONE;
		}
		p->line_len = 0;
	}
	return used;
}

size_t emu_reqparse_feed(struct emu_reqparse *p, const char *buf, size_t len)
{
	size_t used = 0;
	if (p->state == EMU_RP_HEAD)
		used = feed_head(p, buf, len);
	if (p->state != EMU_RP_BODY || used == len)
		return used;
	if (p->chunked)
		return used + feed_chunked(p, buf + used, len - used);
	size_t want = (size_t)p->content_length - p->body_len;
	size_t n = len - used < want ? len - used : want;
	body_append(p, buf + used, n);
	if (p->body_len == (size_t)p->content_length)
		p->state = EMU_RP_DONE;
	return used + n;
}
