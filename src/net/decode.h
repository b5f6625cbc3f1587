/* OpenAI-compatible stream chunk decoding: turns the data of one SSE event
 * into the facts the metrics need (does it carry output, how many tokens,
 * usage, finish reason, error, end of stream). The home of cJSON for
 * streamed data. Knows the quirks of vLLM, SGLang, TensorRT-LLM, llama.cpp
 * and Dynamo streams (see decode.c). */
#ifndef SC_DECODE_H
#define SC_DECODE_H
#include <stdbool.h>
#include <stddef.h>

enum dec_kind {
	DEC_CHUNK,     /* a completion chunk (maybe role-only, usage-only) */
	DEC_DONE,      /* the "[DONE]" sentinel */
	DEC_ERROR,     /* an error object sent inside the stream */
	DEC_MALFORMED, /* not JSON, or JSON that is not an object */
};

#define DEC_FINISH_MAX 24
#define DEC_ERROR_MAX  256
#define DEC_ID_MAX     64

struct dec_chunk {
	enum dec_kind kind;
	bool has_output; /* non-empty text, content, reasoning or tool call */
	long tokens;	 /* tokens carried, when the chunk says (token ids,
			    logprobs); -1 when unknown */
	bool has_usage;
	long prompt_tokens;	/* usage.prompt_tokens, -1 if absent */
	long completion_tokens; /* usage.completion_tokens, -1 if absent */
	char finish_reason[DEC_FINISH_MAX]; /* "" when none */
	char error[DEC_ERROR_MAX];	    /* message for ERROR/MALFORMED */
	char id[DEC_ID_MAX];		    /* the chunk's "id", "" if none */
	/* The server's own timings (llama.cpp's "timings" object on the last
	 * chunk): prompt processing and decoding, in ms and tokens. */
	bool has_timings;
	double server_prompt_ms, server_predicted_ms; /* NaN if absent */
	long server_prompt_n, server_predicted_n;     /* -1 if absent */
};

/* Decodes one event's data (len bytes, need not be NUL-terminated). Never
 * fails: bad input gives kind DEC_MALFORMED with a message. Common chunks
 * are read by the fast path (net/decscan.h), the rest through cJSON. */
void dec_chunk_parse(const char *data, size_t len, struct dec_chunk *c);
/* The same decoding through a cJSON tree only, for data already trimmed of
 * surrounding blanks and not "[DONE]": the reference the fast path must
 * agree with. */
void dec_chunk_parse_tree(const char *data, size_t len, struct dec_chunk *c);
/* Sets c to an empty chunk: no output, every count -1, every time NaN,
 * empty strings. */
void dec_chunk_init(struct dec_chunk *c);
/* Decodes the data of an SSE event named "error" (llama.cpp's "error:"
 * line, or "event: error"): always kind DEC_ERROR, with the server's
 * message (see dec_error_message) in c->error. */
void dec_error_event(const char *data, size_t len, struct dec_chunk *c);
/* Writes the server's words from an error document of len bytes (an HTTP
 * error body or an error event) to out (capacity cap >= 1): error.message,
 * message, error or detail of a JSON object; the message of a JSON body cut
 * short; else the text itself. Control characters become spaces, invalid
 * or cut UTF-8 is dropped, an empty document gives "(empty body)". */
void dec_error_message(const char *doc, size_t len, char *out, size_t cap);

#endif
