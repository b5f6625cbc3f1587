/* Streamed-response accumulation: the glue between the SSE parser, the chunk
 * decoder and the per-token timestamps. */
#include "net/stream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static void set_fail(struct stream *s, enum stream_fail f, const char *msg)
{
	if (s->fail != STREAM_FAIL_NONE)
		return; /* the first failure is the reason */
	s->fail = f;
	snprintf(s->err, sizeof s->err, "%s", msg);
}

static int on_event(void *ud, const struct sse_event *ev)
{
	struct stream *s = ud;
	struct dec_chunk c;
	if (!strcmp(ev->event, SSE_ERROR_EVENT))
		dec_error_event(ev->data, ev->data_len, &c);
	else
		dec_chunk_parse(ev->data, ev->data_len, &c);
	switch (c.kind) {
	case DEC_DONE:
		s->done = true;
		return 0;
	case DEC_ERROR:
		set_fail(s, STREAM_FAIL_ERROR_CHUNK, c.error);
		return 0;
	case DEC_MALFORMED:
		set_fail(s, STREAM_FAIL_MALFORMED, c.error);
		return 0;
	case DEC_CHUNK:
		break;
	}
	s->chunks++;
	if (!s->response_id[0] && c.id[0])
		memcpy(s->response_id, c.id, sizeof c.id);
	long prev_completion = s->usage_completion;
	if (c.has_usage) {
		if (c.prompt_tokens >= 0)
			s->usage_prompt = c.prompt_tokens;
		if (c.completion_tokens >= 0)
			s->usage_completion = c.completion_tokens;
	}
	if (c.finish_reason[0])
		memcpy(s->finish_reason, c.finish_reason,
		       sizeof c.finish_reason);
	if (c.has_timings) {
		s->has_timings = true;
		s->server_prompt_ms = c.server_prompt_ms;
		s->server_predicted_ms = c.server_predicted_ms;
		s->server_prompt_n = c.server_prompt_n;
		s->server_predicted_n = c.server_predicted_n;
	}
	if (!c.has_output)
		return 0;
	long n = c.tokens;
	bool known = n >= 0;
	if (!known && c.completion_tokens >= 0) {
		/* Running usage (Dynamo): the increase is this chunk's share.
		 */
		long before = prev_completion >= 0 ? prev_completion : 0;
		if (c.completion_tokens > before) {
			n = c.completion_tokens - before;
			known = true;
		}
	}
	if (n < 1) {
		n = 1;
		known = false;
	}
	if (s->n_tok >= s->max_chunks) {
		set_fail(s, STREAM_FAIL_TOO_MANY_CHUNKS,
			 "more output chunks than the cap allows");
		return 1;
	}
	if (s->n_tok == s->cap_tok) {
		size_t cap = s->cap_tok;
		s->tok_ns =
		    xgrow(s->tok_ns, &cap, s->n_tok + 1, sizeof *s->tok_ns);
		cap = s->cap_tok;
		s->tok_n =
		    xgrow(s->tok_n, &cap, s->n_tok + 1, sizeof *s->tok_n);
		cap = s->cap_tok;
		s->tok_known = xgrow(s->tok_known, &cap, s->n_tok + 1, 1);
		s->cap_tok = cap;
	}
	s->tok_ns[s->n_tok] = s->now_ns;
	s->tok_n[s->n_tok] = (int32_t)(n > INT32_MAX ? INT32_MAX : n);
	s->tok_known[s->n_tok] = known;
	s->n_tok++;
	if (!known)
		s->tokens_exact = false;
	s->tokens_sum += n;
	s->out_chunks++;
	if (!s->first_token_ns)
		s->first_token_ns = s->now_ns;
	s->last_token_ns = s->now_ns;
	return 0;
}

void stream_init(struct stream *s, size_t max_event_bytes, size_t max_chunks)
{
	memset(s, 0, sizeof *s);
	sse_init(&s->sse, max_event_bytes, on_event, s);
	s->max_chunks = max_chunks ? max_chunks : 1u << 20;
	stream_reset(s);
}

void stream_release(struct stream *s)
{
	sse_release(&s->sse);
	free(s->tok_ns);
	free(s->tok_n);
	free(s->tok_known);
	s->tok_ns = NULL;
	s->tok_n = NULL;
	s->tok_known = NULL;
	s->cap_tok = s->n_tok = 0;
}

void stream_reset(struct stream *s)
{
	sse_reset(&s->sse);
	s->now_ns = 0;
	s->first_token_ns = s->last_token_ns = 0;
	s->chunks = s->out_chunks = 0;
	s->usage_prompt = s->usage_completion = -1;
	s->tokens_exact = true;
	s->tokens_sum = 0;
	s->done = false;
	s->finish_reason[0] = 0;
	s->response_id[0] = 0;
	s->has_timings = false;
	s->server_prompt_ms = s->server_predicted_ms = NAN;
	s->server_prompt_n = s->server_predicted_n = -1;
	s->fail = STREAM_FAIL_NONE;
	s->err[0] = 0;
	s->n_tok = 0;
}

int stream_feed(struct stream *s, const char *buf, size_t len, int64_t t_ns)
{
	s->now_ns = t_ns;
	int rc = sse_feed(&s->sse, buf, len);
	if (rc == SSE_EOVERSIZE) {
		char m[96];
		snprintf(m, sizeof m, "SSE event larger than %zu bytes",
			 s->sse.max_event_bytes);
		set_fail(s, STREAM_FAIL_OVERSIZE, m);
		return -1;
	}
	return rc == SSE_OK ? 0 : -1;
}

bool stream_complete(const struct stream *s)
{
	return s->done || s->finish_reason[0];
}

long stream_output_tokens(const struct stream *s, bool *estimated)
{
	if (s->usage_completion >= 0) {
		*estimated = false;
		return s->usage_completion;
	}
	*estimated = !s->tokens_exact || s->n_tok == 0;
	if (s->n_tok == 0)
		*estimated = true;
	return s->tokens_sum;
}

size_t stream_itl_ms(const struct stream *s, double *itl_ms, size_t cap)
{
	if (s->n_tok < 2)
		return 0;
	/* Tokens after the first chunk, spread over chunks of unknown size. */
	double per_unknown = 1.0;
	if (s->usage_completion >= 0) {
		long known_after = 0, unknown_after = 0;
		for (size_t i = 1; i < s->n_tok; i++) {
			if (s->tok_known[i])
				known_after += s->tok_n[i];
			else
				unknown_after++;
		}
		long first = s->tok_n[0];
		long rest = s->usage_completion - first - known_after;
		if (unknown_after > 0 && rest > 0)
			per_unknown = (double)rest / (double)unknown_after;
	}
	size_t k = 0;
	for (size_t i = 1; i < s->n_tok && k < cap; i++) {
		double n = s->tok_known[i] ? (double)s->tok_n[i] : per_unknown;
		if (n <= 0)
			n = 1;
		itl_ms[k++] =
		    (double)(s->tok_ns[i] - s->tok_ns[i - 1]) / 1e6 / n;
	}
	return k;
}
