/* Per-request metrics. The origin of every latency is the moment the
 * request was handed to the transport, or in open loop its scheduled send
 * time, so client-side queueing is not hidden (no coordinated omission). */
#include "metrics/request.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonw.h"
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

/* The writer of req_to_json's fields, item by item: keep the two in step
 * (test_results compares their bytes). */
static void w_ns(struct jsonw *w, const char *k, int64_t v)
{
	if (v)
		jsonw_num(w, k, (double)v);
	else
		jsonw_null(w, k);
}

static void w_ms(struct jsonw *w, const char *k, double v)
{
	if (isfinite(v))
		jsonw_num(w, k, round(v * 1e6) / 1e6);
	else
		jsonw_null(w, k);
}

static void w_count(struct jsonw *w, const char *k, long v)
{
	if (v >= 0)
		jsonw_num(w, k, (double)v);
	else
		jsonw_null(w, k);
}

bool req_write_json(FILE *f, const struct req_record *r, unsigned flags)
{
	struct jsonw w;
	jsonw_init(&w, f);
	jsonw_obj(&w, NULL);
	jsonw_num(&w, "id", (double)r->id);
	jsonw_num(&w, "level", r->level);
	w_ns(&w, "start_ns", r->start_ns);
	w_ns(&w, "sched_ns", r->sched_ns);
	w_ns(&w, "first_byte_ns", r->first_byte_ns);
	w_ns(&w, "first_token_ns", r->first_token_ns);
	w_ns(&w, "end_ns", r->end_ns);
	w_ms(&w, "ttft_ms", r->ttft_ms);
	w_ms(&w, "tpot_ms", r->tpot_ms);
	w_ms(&w, "e2e_ms", r->e2e_ms);
	w_ms(&w, "ttfb_ms", r->ttfb_ms);
	w_ms(&w, "queue_ms", r->queue_ms);
	w_count(&w, "input_tokens", r->input_tokens);
	w_count(&w, "prompt_tokens", r->prompt_tokens);
	jsonw_num(&w, "output_tokens", (double)r->output_tokens);
	jsonw_bool(&w, "output_tokens_estimated", r->output_estimated);
	jsonw_num(&w, "chunks", (double)r->chunks);
	if ((flags & REQ_JSON_ITL) && r->n_itl) {
		jsonw_arr(&w, "itl_ms");
		for (size_t i = 0; i < r->n_itl; i++)
			jsonw_num(&w, NULL, round(r->itl_ms[i] * 1e6) / 1e6);
		jsonw_end(&w, false);
	}
	if ((flags & REQ_JSON_TOKENS) && r->n_tok) {
		jsonw_arr(&w, "token_ns");
		for (size_t i = 0; i < r->n_tok; i++)
			jsonw_num(&w, NULL, (double)r->tok_ns[i]);
		jsonw_end(&w, false);
	}
	jsonw_bool(&w, "ok", r->ok);
	char buf[32];
	const char *reason = req_reason_name(r, buf, sizeof buf);
	if (reason)
		jsonw_str(&w, "reason", reason);
	else
		jsonw_null(&w, "reason");
	if (r->error[0])
		jsonw_str(&w, "error", r->error);
	else
		jsonw_null(&w, "error");
	if (r->http_status)
		jsonw_num(&w, "http_status", r->http_status);
	if (r->response_id[0])
		jsonw_str(&w, "response_id", r->response_id);
	jsonw_num(&w, "retries", r->retries);
	w_ms(&w, "server_prompt_ms",
	     r->has_server_timings ? r->server_prompt_ms : NAN);
	w_ms(&w, "server_predicted_ms",
	     r->has_server_timings ? r->server_predicted_ms : NAN);
	w_count(&w, "server_prompt_n",
		r->has_server_timings ? r->server_prompt_n : -1);
	w_count(&w, "server_predicted_n",
		r->has_server_timings ? r->server_predicted_n : -1);
	jsonw_bool(&w, "warmup", r->warmup);
	jsonw_end(&w, true);
	return jsonw_ok(&w);
}

/* What a reader gets for a written time (null reads as 0), latency (null
 * reads as NaN) or count (null reads as -1). */
static int64_t back_ns(int64_t v)
{
	return v ? (int64_t)jsonw_read_back((double)v) : 0;
}

static double back_ms(double v)
{
	double x = round(v * 1e6) / 1e6;
	return isfinite(x) ? jsonw_read_back(x) : NAN;
}

static long back_count(long v)
{
	return v >= 0 ? (long)jsonw_read_back((double)v) : -1;
}

void req_read_back(const struct req_record *r, unsigned flags,
		   struct req_record *out, double *itl)
{
	memset(out, 0, sizeof *out);
	out->id = (uint64_t)jsonw_read_back((double)r->id);
	out->level = isfinite(r->level) ? jsonw_read_back(r->level) : 0;
	out->start_ns = back_ns(r->start_ns);
	out->sched_ns = back_ns(r->sched_ns);
	out->open_loop = out->sched_ns != 0;
	out->first_byte_ns = back_ns(r->first_byte_ns);
	out->first_token_ns = back_ns(r->first_token_ns);
	out->end_ns = back_ns(r->end_ns);
	out->ttft_ms = back_ms(r->ttft_ms);
	out->tpot_ms = back_ms(r->tpot_ms);
	out->e2e_ms = back_ms(r->e2e_ms);
	out->ttfb_ms = back_ms(r->ttfb_ms);
	out->queue_ms = back_ms(r->queue_ms);
	out->input_tokens = back_count(r->input_tokens);
	out->prompt_tokens = back_count(r->prompt_tokens);
	out->output_tokens = (long)jsonw_read_back((double)r->output_tokens);
	out->chunks = (long)jsonw_read_back((double)r->chunks);
	out->http_status = r->http_status;
	out->retries = r->retries;
	out->ok = r->ok;
	out->warmup = r->warmup;
	out->output_estimated = r->output_estimated;
	char buf[32];
	if (req_reason_name(r, buf, sizeof buf))
		out->reason = r->reason;
	memcpy(out->error, r->error, sizeof out->error);
	memcpy(out->response_id, r->response_id, sizeof out->response_id);
	out->itl_ms = itl;
	if (!(flags & REQ_JSON_ITL))
		return;
	for (size_t i = 0; i < r->n_itl; i++) {
		/* a NaN or infinity is written as null and not read back */
		if (isfinite(r->itl_ms[i]))
			itl[out->n_itl++] = back_ms(r->itl_ms[i]);
	}
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
