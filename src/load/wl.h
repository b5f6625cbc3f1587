/* Request bodies for a load test: synthetic prompts of exact length (token
 * id arrays for /v1/completions, each starting with a prefix unique to the
 * request so prefix caches cannot hit), a JSONL dataset ("prompt" or
 * "messages", optional "output_len"), or a Mooncake-style trace
 * ("timestamp" ms, "input_length", "output_length") for replay. */
#ifndef SC_WL_H
#define SC_WL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rng.h"
#include "util/err.h"

enum wl_api { WL_COMPLETIONS, WL_CHAT };
/* Synthetic prompts: token-id arrays (exact length, completions only) or
 * text of common English words that are one token each in the usual
 * tokenizers (lengths checked against the server's usage). */
enum wl_prompt { WL_PROMPT_IDS, WL_PROMPT_TEXT };

/* Vocabulary assumed when neither the user, the deployment nor the server
 * says: ids stay below 30,000, inside every common LLM vocabulary. */
#define WL_DEFAULT_VOCAB 32000L
/* Smallest vocabulary synthetic token-id prompts can be drawn from. */
#define WL_MIN_VOCAB 1024L
#define WL_MAX_VOCAB 100000000L

struct wl_item {
	char *prompt_json; /* JSON value: a string, or a messages array */
	bool is_messages;
	long input_len;	    /* trace: tokens; -1 otherwise */
	long output_len;    /* -1: draw from osl */
	double timestamp_s; /* trace: arrival offset; -1 otherwise */
};

struct workload {
	enum wl_api api;
	enum wl_prompt prompt;
	unsigned tok_lo, tok_span; /* synthetic ids are in [lo, lo + span) */
	long text_overhead; /* tokens the server adds to a text prompt (BOS,
			       chat template), learned by the probe */
	long osl_cap;	    /* > 0: output tokens asked are at most this (the
			       probe needs only a few) */
	char *model_json;   /* the model name as a JSON string */
	double isl, isl_std, osl, osl_std;
	uint64_t seed;
	uint64_t prefix_nonce; /* mixed into the unique prefix (per run) */
	struct rng rng;
	char *filler;	    /* random token ids "123,456,..." */
	size_t *filler_end; /* filler_end[k]: length of the first k+1 ids */
	size_t filler_tokens;
	struct wl_item *items;
	size_t n_items;
	bool is_trace;
	size_t next_item;
	size_t
	    item_step; /* items taken are next_item, + item_step, ...; 0: 1 */
};

struct wl_request {
	char *body; /* heap JSON body */
	size_t len;
	long input_tokens;  /* intended prompt length (exact for token ids,
			       checked against usage for text); -1 for a
			       dataset prompt */
	long output_tokens; /* max_tokens asked */
	double at_s;	    /* trace send offset, -1 when none */
};

/* Prepares a synthetic workload; lengths are drawn from normal(mean, std)
 * rounded and clamped to >= 1. model may be NULL. Prompts are token ids for
 * the completions API and text for chat; token ids come from a vocabulary
 * of WL_DEFAULT_VOCAB until wl_set_vocab says otherwise. */
void wl_init(struct workload *w, enum wl_api api, const char *model, double isl,
	     double isl_std, double osl, double osl_std, uint64_t seed);
/* Draws synthetic token ids from a vocabulary of vocab ids: from
 * min(1000, vocab / 8) (above the byte-fallback and control tokens at the
 * bottom of SentencePiece vocabularies) up to vocab - max(512, vocab / 64)
 * (below the special tokens at the top of Llama, Qwen and llama.cpp
 * vocabularies). SC_EINVAL, quoting vocab, outside [WL_MIN_VOCAB,
 * WL_MAX_VOCAB]. Call before the first wl_next. */
int wl_set_vocab(struct workload *w, long vocab,
		 struct sc_err *e) SC_MUST_CHECK;
/* Switches synthetic prompts to text (the only kind chat accepts). */
void wl_use_text(struct workload *w);
/* Loads a dataset or trace file (JSONL; "-" is stdin, anything else a
 * regular file) into w. Lengths are whole numbers in [1, NUM_TOKENS_MAX],
 * trace timestamps ms in [0, NUM_MS_MAX]. Returns SC_OK or SC_EINPUT naming
 * the file, line and problem. */
int wl_load_dataset(struct workload *w, const char *path,
		    struct sc_err *e) SC_MUST_CHECK;
/* Builds request number id (the unique prefix encodes it). With a dataset
 * the items are used in order, wrapping around. */
void wl_next(struct workload *w, uint64_t id, struct wl_request *out);
/* Makes w worker k's share of n (k < n) working one level together:
 * dataset or trace items k, k + n, ... (the trace entries dealt to it)
 * and length draws of its own, so workers do not send the same lengths in
 * step. Call before the first wl_next; n <= 1 changes nothing. */
void wl_share(struct workload *w, unsigned k, unsigned n);
void wl_request_release(struct wl_request *r);
void wl_release(struct workload *w);

#endif
