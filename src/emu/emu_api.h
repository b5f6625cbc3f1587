/* The OpenAI-compatible surface of the emulated engine: request parsing and
 * validation, and rendering of response bodies and SSE chunks (cJSON). No
 * I/O here, so tests feed it bodies directly. */
#ifndef SC_EMU_API_H
#define SC_EMU_API_H
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Text prompts (no tokenizer): each whitespace-separated word is one
 * token per this many characters, rounded up, as BPE vocabularies keep
 * common words whole and split long rare ones. */
#define EMU_API_WORD_CHARS 6
/* Tokens a chat template adds per message. */
#define EMU_API_CHAT_MSG_OVERHEAD_TOKENS 4
/* max_tokens of /v1/completions when the request gives none (OpenAI). */
#define EMU_API_DEFAULT_COMPLETION_TOKENS 16

enum emu_endpoint { EMU_EP_COMPLETIONS, EMU_EP_CHAT };

struct emu_api_req {
	enum emu_endpoint ep;
	bool stream, include_usage, ignore_eos;
	bool prompt_is_ids;
	long prompt_tokens, max_tokens, min_tokens;
};

/* What the server accepts: model names and the context limit. */
struct emu_api_limits {
	const char *model;     /* served name */
	const char *alt_model; /* also accepted (deployment name), or NULL */
	long max_model_len;
};

/* Parses and validates a request body. On failure returns SC_EINVAL with the
 * message in e and the HTTP status in *http_status: 400 (bad value or
 * semantics), 404 (unknown model), 422 (wrong type). */
int emu_api_parse(enum emu_endpoint ep, const char *body, size_t len,
		  const struct emu_api_limits *lim, struct emu_api_req *out,
		  int *http_status, struct sc_err *e) SC_MUST_CHECK;

/* OpenAI error body {"error":{"message","type","param","code"}} for an HTTP
 * status; caller frees. */
char *emu_api_error_body(int http_status, const char *message);
/* The type name used for a status ("BadRequestError", ...). */
const char *emu_api_error_type(int http_status);

/* Per-request rendering state: the chunk templates, split around the token
 * text so that a token chunk costs two copies, not a JSON print. */
struct emu_api_stream {
	enum emu_endpoint ep;
	char id[48];
	long created;
	char *model;
	char *pre, *post;	    /* chunk with finish_reason null */
	char *pre_len, *post_len;   /* last chunk, finish_reason "length" */
	char *pre_stop, *post_stop; /* last chunk, finish_reason "stop" */
	size_t pre_n, post_n, pre_len_n, post_len_n, pre_stop_n, post_stop_n;
};

/* Builds the templates; release with emu_api_stream_release. */
void emu_api_stream_init(struct emu_api_stream *s, enum emu_endpoint ep,
			 unsigned long long id, long created_s,
			 const char *model);
void emu_api_stream_release(struct emu_api_stream *s);
/* The text of output token i (a short word with a leading space). */
const char *emu_api_token_text(unsigned long long id, long i);
/* JSON of one token chunk (no "data: " framing): last selects the
 * finish_reason ("stop" when stopped, else "length"). Writes at most cap
 * bytes including the NUL; returns the length, or -1 if it did not fit. */
int emu_api_token_chunk(const struct emu_api_stream *s, const char *text,
			bool last, bool stopped, char *buf, size_t cap);
/* Chat's first chunk: delta {"role":"assistant","content":""}. Caller frees. */
char *emu_api_role_chunk(const struct emu_api_stream *s);
/* Final usage chunk: choices [] and usage. Caller frees. */
char *emu_api_usage_chunk(const struct emu_api_stream *s, long prompt_tokens,
			  long completion_tokens);
/* Mid-stream error chunk {"error":{...}}. Caller frees. */
char *emu_api_error_chunk(int code, const char *message);
/* Non-streaming response with the whole text. Caller frees. */
char *emu_api_full_body(const struct emu_api_stream *s, const char *text,
			bool stopped, long prompt_tokens,
			long completion_tokens);
/* GET /v1/models body. Caller frees. */
char *emu_api_models_body(const char *model, long created_s);

#endif
