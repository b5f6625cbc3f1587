/* HTTP/1.x request parser of the emulated engine: takes pushed bytes and
 * does no I/O, so tests can split input at every offset. Caps the head and
 * the body, decodes chunked bodies, and refuses what a smuggler would send
 * (two different lengths, a length with chunked) with the status to answer. */
#ifndef SC_EMU_REQPARSE_H
#define SC_EMU_REQPARSE_H
#include <stdbool.h>
#include <stddef.h>

enum emu_reqparse_state {
	EMU_RP_HEAD,  /* request line and headers not complete */
	EMU_RP_BODY,  /* head parsed, body incomplete */
	EMU_RP_DONE,  /* one whole request */
	EMU_RP_ERROR, /* refused: status and msg say why */
};

struct emu_reqparse {
	size_t max_head_bytes, max_body_bytes;
	enum emu_reqparse_state state;
	/* Results, valid from EMU_RP_BODY on (strings point into head). */
	const char *method;
	const char *target; /* as sent, e.g. "/v1/completions?x=1" */
	int http_minor;	    /* 0 or 1 */
	bool keep_alive;
	bool expect_continue;
	bool chunked;
	long long content_length; /* -1: none */
	char *body;		  /* NUL-terminated, body_len bytes */
	size_t body_len;
	/* Error, valid in EMU_RP_ERROR. */
	int status;
	char msg[160];
	/* Private. */
	char *head;
	size_t head_len, head_cap, scan;
	size_t body_cap;
	int sub; /* chunked decoding step */
	unsigned long long chunk_left;
	char line[64]; /* chunk-size line */
	size_t line_len;
	size_t trailer_bytes;
};

/* An empty parser with these caps (bytes of request line + headers, and
 * of the decoded body). */
void emu_reqparse_init(struct emu_reqparse *p, size_t max_head_bytes,
		       size_t max_body_bytes);
void emu_reqparse_release(struct emu_reqparse *p);
/* Ready for the next request on the same connection; invalidates the
 * results of the previous one. */
void emu_reqparse_reset(struct emu_reqparse *p);
/* Consumes bytes of one request and returns how many it used: all of len
 * unless the request completed (EMU_RP_DONE) or was refused (EMU_RP_ERROR)
 * first; the rest belongs to the next request. Never fails otherwise. */
size_t emu_reqparse_feed(struct emu_reqparse *p, const char *buf, size_t len);
/* True from the end of the head on (for Expect: 100-continue). */
bool emu_reqparse_head_done(const struct emu_reqparse *p);
/* True when some byte of a request has arrived (a partial request). */
bool emu_reqparse_started(const struct emu_reqparse *p);

#endif
