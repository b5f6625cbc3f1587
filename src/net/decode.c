/* Stream chunk decoding. Server quirks handled here:
 * - vLLM / SGLang chat: the first chunk carries only the role (and content
 *   ""), so output is decided by non-empty text, never by the chunk's
 *   presence; several tokens may be merged in one chunk; an error after HTTP
 *   200 arrives as {"error":{...}} or {"object":"error",...} then [DONE].
 * - TensorRT-LLM: the usage chunk on /v1/completions is typed
 *   "chat.completion.chunk", so the object type is never trusted.
 * - llama.cpp: no role chunk; usage (and "timings") on the last chunk.
 * - Dynamo: role on every chunk and a running usage on each chunk (the
 *   stream layer turns the running count into tokens per chunk).
 * Token counts per chunk come from "token_ids" or logprobs when present. */
#include "net/decode.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

static bool nonempty_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring && v->valuestring[0];
}

static long array_len(const cJSON *a)
{
	return cJSON_IsArray(a) ? (long)cJSON_GetArraySize(a) : -1;
}

static long count_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0 || v->valuedouble > 1e12)
		return -1;
	return (long)v->valuedouble;
}

/* Tokens a choice says it carries: token ids (vLLM return_token_ids,
 * SGLang), completions logprobs.tokens, or chat logprobs.content. */
static long choice_tokens(const cJSON *ch)
{
	long n = array_len(cJSON_GetObjectItemCaseSensitive(ch, "token_ids"));
	if (n >= 0)
		return n;
	const cJSON *lp = cJSON_GetObjectItemCaseSensitive(ch, "logprobs");
	if (cJSON_IsObject(lp)) {
		n = array_len(cJSON_GetObjectItemCaseSensitive(lp, "tokens"));
		if (n >= 0)
			return n;
		n = array_len(cJSON_GetObjectItemCaseSensitive(lp, "content"));
		if (n >= 0)
			return n;
	}
	return -1;
}

static bool delta_has_output(const cJSON *d)
{
	if (!cJSON_IsObject(d))
		return false;
	if (nonempty_str(d, "content") || nonempty_str(d, "reasoning_content") ||
	    nonempty_str(d, "reasoning"))
		return true;
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(d, "tool_calls");
	return cJSON_IsArray(tc) && cJSON_GetArraySize(tc) > 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static void take_error(const cJSON *root, struct dec_chunk *c)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *msg = NULL;
	if (cJSON_IsObject(err))
		msg = cJSON_GetObjectItemCaseSensitive(err, "message");
	else if (cJSON_IsString(err))
		msg = err;
	else
		msg = cJSON_GetObjectItemCaseSensitive(root, "message");
	c->kind = DEC_ERROR;
	copy_str(c->error, sizeof c->error,
		 cJSON_IsString(msg) ? msg->valuestring : "error object in stream");
}

void dec_chunk_parse(const char *data, size_t len, struct dec_chunk *c)
{
	memset(c, 0, sizeof *c);
	c->tokens = -1;
	c->prompt_tokens = c->completion_tokens = -1;
	/* Trim surrounding whitespace (some servers pad the data line). */
	while (len && (*data == ' ' || *data == '\t' || *data == '\n'))
		data++, len--;
	while (len && (data[len - 1] == ' ' || data[len - 1] == '\t' ||
		       data[len - 1] == '\n'))
		len--;
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		c->kind = DEC_DONE;
		return;
	}
	cJSON *root = cJSON_ParseWithLength(data, len);
	if (!root || !cJSON_IsObject(root)) {
		c->kind = DEC_MALFORMED;
		snprintf(c->error, sizeof c->error,
			 "chunk is not a JSON object: %.80s", data);
		cJSON_Delete(root);
		return;
	}
	const cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "object");
	if (cJSON_GetObjectItemCaseSensitive(root, "error") ||
	    (cJSON_IsString(obj) && !strcmp(obj->valuestring, "error"))) {
		take_error(root, c);
		goto out;
	}
	c->kind = DEC_CHUNK;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (cJSON_IsString(id))
		copy_str(c->id, sizeof c->id, id->valuestring);
	const cJSON *choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
	const cJSON *ch;
	long tok_sum = 0;
	bool tok_known = true, any = false;
	cJSON_ArrayForEach(ch, choices)
	{
		if (!cJSON_IsObject(ch))
			continue;
		any = true;
		bool out = nonempty_str(ch, "text") ||
			   delta_has_output(cJSON_GetObjectItemCaseSensitive(
				   ch, "delta"));
		if (out)
			c->has_output = true;
		long t = choice_tokens(ch);
		if (t < 0)
			tok_known = false;
		else
			tok_sum += t;
		const cJSON *fr =
			cJSON_GetObjectItemCaseSensitive(ch, "finish_reason");
		if (cJSON_IsString(fr) && fr->valuestring[0])
			copy_str(c->finish_reason, sizeof c->finish_reason,
				 fr->valuestring);
	}
	if (any && tok_known)
		c->tokens = tok_sum;
	const cJSON *usage = cJSON_GetObjectItemCaseSensitive(root, "usage");
	if (cJSON_IsObject(usage)) {
		c->prompt_tokens = count_num(usage, "prompt_tokens");
		c->completion_tokens = count_num(usage, "completion_tokens");
		c->has_usage =
			c->prompt_tokens >= 0 || c->completion_tokens >= 0;
	}
out:
	cJSON_Delete(root);
}
