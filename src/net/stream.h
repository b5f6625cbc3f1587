/* One streamed response: SSE parsing plus chunk decoding plus the
 * timestamps of every output chunk. Fed raw body bytes with the time they
 * arrived; at the end it says whether the stream was complete and what it
 * carried. No I/O. */
#ifndef SC_STREAM_H
#define SC_STREAM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/decode.h"
#include "net/sse.h"
#include "util/err.h"

/* Why a stream failed (the transport's own failures live in the load loop). */
enum stream_fail {
	STREAM_FAIL_NONE = 0,
	STREAM_FAIL_ERROR_CHUNK, /* an error object, "error:" line or event */
	STREAM_FAIL_MALFORMED,
	STREAM_FAIL_OVERSIZE,
	STREAM_FAIL_TOO_MANY_CHUNKS,
};

#define STREAM_ERR_MAX 256

struct stream {
	struct sse_parser sse;
	size_t max_chunks; /* cap on output chunks kept */
	int64_t now_ns;	   /* arrival time of the bytes being fed */
	int64_t first_token_ns, last_token_ns; /* 0 until an output chunk */
	long chunks;	       /* JSON chunks received (any kind) */
	long out_chunks;       /* chunks that carried output */
	long usage_prompt;     /* last usage.prompt_tokens seen, -1 none */
	long usage_completion; /* last usage.completion_tokens seen, -1 none */
	bool tokens_exact;     /* every output chunk said how many tokens */
	long tokens_sum;       /* sum of per-chunk token counts (est. 1 each) */
	bool done;	       /* [DONE] seen */
	char finish_reason[DEC_FINISH_MAX];
	char response_id[DEC_ID_MAX]; /* first chunk "id" (server's name) */
	/* The server's own timings (llama.cpp "timings"), last ones sent. */
	bool has_timings;
	double server_prompt_ms, server_predicted_ms; /* NaN if not sent */
	long server_prompt_n, server_predicted_n;     /* -1 if not sent */
	enum stream_fail fail;
	char err[STREAM_ERR_MAX];
	int64_t *tok_ns;    /* time of each output chunk */
	int32_t *tok_n;	    /* tokens in it (counted or estimated) */
	uint8_t *tok_known; /* 1 if tok_n was stated by the server */
	size_t n_tok, cap_tok;
};

/* Prepares s. max_event_bytes caps one SSE event (0: SSE default);
 * max_chunks caps output chunks (the stream fails beyond it). */
void stream_init(struct stream *s, size_t max_event_bytes, size_t max_chunks);
void stream_release(struct stream *s);
/* Clears per-response state, keeping buffers, for the next response. */
void stream_reset(struct stream *s);
/* Feeds body bytes received at t_ns. Returns 0 to go on, or -1 when the
 * stream must be abandoned (over-size event, too many chunks). */
int stream_feed(struct stream *s, const char *buf, size_t len,
		int64_t t_ns) SC_MUST_CHECK;
/* True when the stream ended properly: [DONE] or a finish_reason seen. */
bool stream_complete(const struct stream *s);
/* Output tokens: usage.completion_tokens when sent, else the per-chunk
 * counts; *estimated is set when the figure is not from the server. */
long stream_output_tokens(const struct stream *s, bool *estimated);
/* Fills itl_ms (capacity cap) with the gaps between output chunks, each
 * divided over the tokens its later chunk carries; returns the count. When
 * a chunk's token count is unknown but usage is known, the average tokens
 * per chunk from usage is used. */
size_t stream_itl_ms(const struct stream *s, double *itl_ms, size_t cap);

#endif
