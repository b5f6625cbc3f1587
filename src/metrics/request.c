/* Per-request metrics. The origin of every latency is the moment the
 * request was handed to the transport, or in open loop its scheduled send
 * time, so client-side queueing is not hidden (no coordinated omission). */
#include "metrics/request.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static const char *const reason_names[REASON_COUNT_] = {
    [REASON_NONE] = NULL,
    [REASON_CONNECT] = "connect",
    [REASON_HTTP] = "http",
    [REASON_ERROR_CHUNK] = "error_chunk",
    [REASON_NO_DONE] = "no_done",
    [REASON_TIMEOUT] = "timeout",
    [REASON_MALFORMED] = "malformed",
    [REASON_OVERSIZE] = "oversize",
    [REASON_TRANSPORT] = "transport",
    [REASON_NO_OUTPUT] = "no_output",
    [REASON_CLIENT_QUEUE_FULL] = "client_queue_full",
};

static double ms_between(int64_t a, int64_t b)
{
	if (!a || !b)
		return NAN;
	return (double)(b - a) / 1e6;
}

void req_derive(struct req_record *r)
{
	int64_t t0 = r->open_loop && r->sched_ns ? r->sched_ns : r->start_ns;
	r->ttft_ms = ms_between(t0, r->first_token_ns);
	r->ttfb_ms = ms_between(t0, r->first_byte_ns);
	int64_t last = r->last_token_ns ? r->last_token_ns : r->end_ns;
	r->e2e_ms = ms_between(t0, last);
	r->queue_ms = r->sched_ns ? ms_between(r->sched_ns, r->start_ns) : 0;
	if (r->output_tokens > 1 && isfinite(r->ttft_ms) && isfinite(r->e2e_ms))
		r->tpot_ms =
		    (r->e2e_ms - r->ttft_ms) / (double)(r->output_tokens - 1);
	else
		r->tpot_ms = NAN;
}

const char *req_reason_name(const struct req_record *r, char *buf, size_t cap)
{
	if (r->reason == REASON_HTTP) {
		snprintf(buf, cap, "http_%d", r->http_status);
		return buf;
	}
	if (r->reason <= REASON_NONE || r->reason >= REASON_COUNT_)
		return NULL;
	return reason_names[r->reason];
}

static void add_ns(cJSON *o, const char *k, int64_t v)
{
	if (v)
		cJSON_AddNumberToObject(o, k, (double)v);
	else
		cJSON_AddNullToObject(o, k);
}

static void add_ms(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, round(v * 1e6) / 1e6);
	else
		cJSON_AddNullToObject(o, k);
}

static void add_count(cJSON *o, const char *k, long v)
{
	if (v >= 0)
		cJSON_AddNumberToObject(o, k, (double)v);
	else
		cJSON_AddNullToObject(o, k);
}

cJSON *req_to_json(const struct req_record *r, unsigned flags)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", (double)r->id);
	cJSON_AddNumberToObject(o, "level", r->level);
	add_ns(o, "start_ns", r->start_ns);
	add_ns(o, "sched_ns", r->sched_ns);
	add_ns(o, "first_byte_ns", r->first_byte_ns);
	add_ns(o, "first_token_ns", r->first_token_ns);
	add_ns(o, "end_ns", r->end_ns);
	add_ms(o, "ttft_ms", r->ttft_ms);
	add_ms(o, "tpot_ms", r->tpot_ms);
	add_ms(o, "e2e_ms", r->e2e_ms);
	add_ms(o, "ttfb_ms", r->ttfb_ms);
	add_ms(o, "queue_ms", r->queue_ms);
	add_count(o, "input_tokens", r->input_tokens);
	add_count(o, "prompt_tokens", r->prompt_tokens);
	cJSON_AddNumberToObject(o, "output_tokens", (double)r->output_tokens);
	cJSON_AddBoolToObject(o, "output_tokens_estimated",
			      r->output_estimated);
	cJSON_AddNumberToObject(o, "chunks", (double)r->chunks);
	if ((flags & REQ_JSON_ITL) && r->n_itl) {
		cJSON *a = cJSON_AddArrayToObject(o, "itl_ms");
		for (size_t i = 0; i < r->n_itl; i++)
			cJSON_AddItemToArray(
			    a, cJSON_CreateNumber(round(r->itl_ms[i] * 1e6) /
						  1e6));
	}
	if ((flags & REQ_JSON_TOKENS) && r->n_tok) {
		cJSON *a = cJSON_AddArrayToObject(o, "token_ns");
		for (size_t i = 0; i < r->n_tok; i++)
			cJSON_AddItemToArray(
			    a, cJSON_CreateNumber((double)r->tok_ns[i]));
	}
	cJSON_AddBoolToObject(o, "ok", r->ok);
	char buf[32];
	const char *reason = req_reason_name(r, buf, sizeof buf);
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	else
		cJSON_AddNullToObject(o, "reason");
	if (r->error[0])
		cJSON_AddStringToObject(o, "error", r->error);
	else
		cJSON_AddNullToObject(o, "error");
	if (r->http_status)
		cJSON_AddNumberToObject(o, "http_status", r->http_status);
	if (r->response_id[0])
		cJSON_AddStringToObject(o, "response_id", r->response_id);
	cJSON_AddNumberToObject(o, "retries", r->retries);
	add_ms(o, "server_prompt_ms",
	       r->has_server_timings ? r->server_prompt_ms : NAN);
	add_ms(o, "server_predicted_ms",
	       r->has_server_timings ? r->server_predicted_ms : NAN);
	add_count(o, "server_prompt_n",
		  r->has_server_timings ? r->server_prompt_n : -1);
	add_count(o, "server_predicted_n",
		  r->has_server_timings ? r->server_predicted_n : -1);
	cJSON_AddBoolToObject(o, "warmup", r->warmup);
	return o;
}

void req_release(struct req_record *r)
{
	free(r->itl_ms);
	free(r->tok_ns);
	free(r->tok_n);
	r->itl_ms = NULL;
	r->tok_ns = NULL;
	r->tok_n = NULL;
	r->n_itl = r->n_tok = 0;
}

static double jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A reason by its req_reason_name ("timeout", "http_503"). */
static void reason_from_name(const char *name, struct req_record *r)
{
	int st;
	char tail;
	if (sscanf(name, "http_%d%c", &st, &tail) == 1) {
		r->reason = REASON_HTTP;
		return;
	}
	for (int k = REASON_NONE + 1; k < REASON_COUNT_; k++) {
		struct req_record tmp = {.reason = k};
		char buf[32];
		const char *n = req_reason_name(&tmp, buf, sizeof buf);
		if (k != REASON_HTTP && n && !strcmp(n, name)) {
			r->reason = k;
			return;
		}
	}
}

int req_from_json(const cJSON *j, struct req_record *r)
{
	memset(r, 0, sizeof *r);
	if (!cJSON_IsObject(j))
		return -1;
	r->id = (uint64_t)jnum(j, "id", 0);
	r->level = jnum(j, "level", 0);
	r->start_ns = (int64_t)jnum(j, "start_ns", 0);
	r->sched_ns = (int64_t)jnum(j, "sched_ns", 0);
	r->open_loop = r->sched_ns != 0;
	r->first_byte_ns = (int64_t)jnum(j, "first_byte_ns", 0);
	r->first_token_ns = (int64_t)jnum(j, "first_token_ns", 0);
	r->end_ns = (int64_t)jnum(j, "end_ns", 0);
	r->ttft_ms = jnum(j, "ttft_ms", NAN);
	r->tpot_ms = jnum(j, "tpot_ms", NAN);
	r->e2e_ms = jnum(j, "e2e_ms", NAN);
	r->ttfb_ms = jnum(j, "ttfb_ms", NAN);
	r->queue_ms = jnum(j, "queue_ms", NAN);
	r->input_tokens = (long)jnum(j, "input_tokens", -1);
	r->prompt_tokens = (long)jnum(j, "prompt_tokens", -1);
	r->output_tokens = (long)jnum(j, "output_tokens", 0);
	r->chunks = (long)jnum(j, "chunks", 0);
	r->http_status = (int)jnum(j, "http_status", 0);
	r->retries = (int)jnum(j, "retries", 0);
	r->ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));
	r->warmup = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "warmup"));
	r->output_estimated = cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(j, "output_tokens_estimated"));
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "reason");
	if (cJSON_IsString(v))
		reason_from_name(v->valuestring, r);
	v = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(v))
		snprintf(r->error, sizeof r->error, "%s", v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "response_id");
	if (cJSON_IsString(v))
		snprintf(r->response_id, sizeof r->response_id, "%s",
			 v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(j, "itl_ms");
	int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
	if (n > 0) {
		r->itl_ms = xcalloc((size_t)n, sizeof *r->itl_ms);
		const cJSON *it;
		cJSON_ArrayForEach(it, v)
		{
			if (cJSON_IsNumber(it))
				r->itl_ms[r->n_itl++] = it->valuedouble;
		}
	}
	return 0;
}
