/* One measured request: raw monotonic timestamps, counts, status, and the
 * metrics derived from them as DESIGN.md "Metrics" defines (TTFT, TPOT,
 * E2E, TTFB, ITL, client queue time). Written as one JSON line. */
#ifndef SC_REQUEST_H
#define SC_REQUEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* Why a request failed; names (req_reason_name) are the record's "reason". */
enum req_reason {
	REASON_NONE = 0,
	REASON_CONNECT,	    /* could not connect / resolve */
	REASON_HTTP,	    /* HTTP status other than 200: "http_NNN" */
	REASON_ERROR_CHUNK, /* error object inside the stream */
	REASON_NO_DONE,	    /* stream ended without [DONE] or finish_reason */
	REASON_TIMEOUT,	    /* --timeout elapsed */
	REASON_MALFORMED,   /* chunk that is not JSON */
	REASON_OVERSIZE,    /* SSE event or chunk count over the cap */
	REASON_TRANSPORT,   /* connection lost or send failed once connected */
	REASON_NO_OUTPUT,   /* stream completed without any output token
			       although max_tokens > 0 was asked */
	REASON_CLIENT_QUEUE_FULL, /* open loop: due while every in-flight
				     slot was taken and the client queue was
				     full; never sent */
	REASON_COUNT_
};

#define REQ_ERROR_MAX 256

struct req_record {
	uint64_t id;
	double level;	/* concurrency, or request rate in open loop */
	bool open_loop; /* latencies count from sched_ns */
	bool warmup;
	int64_t sched_ns, start_ns, first_byte_ns, first_token_ns,
	    last_token_ns, end_ns; /* CLOCK_MONOTONIC; 0 = did not happen */
	long input_tokens;  /* requested prompt length, -1 unknown (text) */
	long prompt_tokens; /* usage.prompt_tokens, -1 when not sent */
	long output_tokens;
	bool output_estimated;
	long chunks; /* output chunks */
	bool ok;
	enum req_reason reason;
	int http_status;
	char error[REQ_ERROR_MAX];
	char response_id[64]; /* the server's id for the response, "" none */
	int retries;	      /* times the transport sent it again on a fresh
				 connection (a reused one was dead) */
	/* The server's own timings (llama.cpp "timings"), when it sent them:
	 * prompt processing (not queueing) and decoding. */
	bool has_server_timings;
	double server_prompt_ms, server_predicted_ms; /* NaN if not sent */
	long server_prompt_n, server_predicted_n;     /* -1 if not sent */
	/* Per-chunk arrays: owned by importers (req_release frees them);
	 * in records from the load loop they belong to the request's slot
	 * and are valid only during the on_record call. */
	double *itl_ms; /* n_itl entries */
	size_t n_itl;
	int64_t *tok_ns; /* output chunk times ... */
	int32_t *tok_n;	 /* ... and tokens each carried (estimated) */
	size_t n_tok;
	/* derived by req_derive (NaN when undefined) */
	double ttft_ms, tpot_ms, e2e_ms, ttfb_ms, queue_ms;
};

/* Fills the derived metrics from the raw fields. */
void req_derive(struct req_record *r);
/* Reason name: NULL for none, "http_429" style for HTTP (written to buf). */
const char *req_reason_name(const struct req_record *r, char *buf, size_t cap);
/* What req_to_json adds beyond the fixed fields. */
enum req_json_flags {
	REQ_JSON_ITL = 1,    /* "itl_ms": per-gap inter-token latencies */
	REQ_JSON_TOKENS = 2, /* "token_ns": arrival time of each output chunk */
};
/* The record as a JSON object (the requests.jsonl schema) with the extras
 * in flags (enum req_json_flags). The server timings are written as
 * "server_prompt_ms", "server_predicted_ms", "server_prompt_n",
 * "server_predicted_n" (null when not sent). Caller frees with cJSON_Delete. */
cJSON *req_to_json(const struct req_record *r, unsigned flags);
/* Writes the line req_to_json's tree prints (jsonw_write), without the
 * tree, to f (no newline). Returns false on a write error. */
bool req_write_json(FILE *f, const struct req_record *r, unsigned flags);
/* Fills *out with what req_from_json gives for the line r is written as
 * (req_write_json with flags), without the text: times and counts through
 * a double, latencies and ITL samples rounded as written, fields the line
 * does not carry zeroed. out->itl_ms points at itl (room for r->n_itl
 * samples) and must not be released. */
void req_read_back(const struct req_record *r, unsigned flags,
		   struct req_record *out, double *itl);
/* The reverse, for what bench writes: ids, times, derived metrics, token
 * counts, ITL samples (owned by r: req_release), outcome, reason, message
 * and warm-up flag; token_ns and server timings are not read. r is zeroed
 * first. Returns 0, or -1 when j is not an object. */
int req_from_json(const cJSON *j, struct req_record *r) SC_MUST_CHECK;
/* Frees the owned arrays. */
void req_release(struct req_record *r);

#endif
