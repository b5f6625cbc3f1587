/* The endpoint under test: the request URL built from what the user gave
 * (a base URL, ".../v1", or a full ".../completions" URL) and what the
 * server says of itself in GET /v1/models (the served model's id, and its
 * vocabulary and context size where the server reports them, as
 * llama.cpp's "meta" does). */
#ifndef SC_ENDPOINT_H
#define SC_ENDPOINT_H
#include <stdbool.h>
#include <stddef.h>

#include "net/http.h"
#include "util/err.h"

#define ENDPOINT_MODEL_MAX 256

struct endpoint_info {
	char model[ENDPOINT_MODEL_MAX]; /* first model id, "" when none */
	long n_vocab;			/* vocabulary size, -1 unknown */
	long max_model_len;		/* context length, -1 unknown */
};

/* The request URL for the completions or chat API. Caller frees. */
char *endpoint_url(const char *url, bool chat);
/* Parses a /v1/models body into info. Returns SC_OK, or SC_ERUNTIME when
 * it is not a model list ("what" names the URL in the message). */
int endpoint_parse_models(const char *body, const char *what,
			  struct endpoint_info *info,
			  struct sc_err *e) SC_MUST_CHECK;
/* GET /v1/models beside the request URL ep and parse it. SC_ERUNTIME on a
 * transport failure, a status other than 200, or a body with no model. */
int endpoint_query(const struct http_options *ho, const char *ep,
		   struct endpoint_info *info, struct sc_err *e) SC_MUST_CHECK;

#endif
