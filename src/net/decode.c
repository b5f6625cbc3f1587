/* Stream chunk decoding. Server quirks handled here:
 * - vLLM / SGLang chat: the first chunk carries only the role (and content
 *   ""), so output is decided by non-empty text, never by the chunk's
 *   presence; several tokens may be merged in one chunk; an error after HTTP
 *   200 arrives as {"error":{...}} or {"object":"error",...} then [DONE].
 * - TensorRT-LLM: the usage chunk on /v1/completions is typed
 *   "chat.completion.chunk", so the object type is never trusted.
 * - llama.cpp: no role chunk; usage and "timings" (the server's own
 *   prompt_ms, predicted_ms) on the last chunk; an error after HTTP 200 is
 *   an SSE "error:" line (the SSE parser names that event "error"), and an
 *   HTTP error body is {"error":{"code","message","type"}}.
 * - vLLM / FastAPI: some HTTP errors are {"detail": "..."}.
 * - Dynamo: role on every chunk and a running usage on each chunk (the
 *   stream layer turns the running count into tokens per chunk).
 * Token counts per chunk come from "token_ids" or logprobs when present. */
#include "net/decode.h"
#include "net/decscan.h"

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
	if (nonempty_str(d, "content") ||
	    nonempty_str(d, "reasoning_content") ||
	    nonempty_str(d, "reasoning"))
		return true;
	const cJSON *tc = cJSON_GetObjectItemCaseSensitive(d, "tool_calls");
	return cJSON_IsArray(tc) && cJSON_GetArraySize(tc) > 0;
}

static double ms_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < 0)
		return NAN;
	return v->valuedouble;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* Length of the whole, valid UTF-8 sequence at s (n bytes left), 0 if the
 * bytes are not one (stray continuation, overlong, surrogate, cut). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

/* Copies n bytes of s to out as one line of valid UTF-8: whitespace and
 * control characters become single spaces, bytes that are not whole UTF-8
 * sequences are dropped, the ends are trimmed. Records and reports print
 * what servers send, so it must not break a JSON line or a terminal. */
static void printable(char *out, size_t cap, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = 0, i = 0;
	bool space = true; /* drops leading blanks */
	while (i < n && k + 1 < cap) {
		if (u[i] <= ' ' || u[i] == 0x7F) {
			if (!space)
				out[k++] = ' ';
			space = true;
			i++;
			continue;
		}
		size_t len = u[i] < 0x80 ? 1 : utf8_seq(u + i, n - i);
		if (!len) {
			i++;
			continue;
		}
		if (k + len + 1 > cap)
			break;
		memcpy(out + k, s + i, len);
		k += len;
		i += len;
		space = false;
	}
	while (k && out[k - 1] == ' ')
		k--;
	out[k] = 0;
}

/* The message an error object states: error.message, error (a string),
 * message or detail (FastAPI); NULL when none is a string. */
static const char *json_message(const cJSON *root)
{
	static const char *const keys[] = {"message", "detail"};
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
	const cJSON *m = NULL;
	if (cJSON_IsObject(err))
		m = cJSON_GetObjectItemCaseSensitive(err, "message");
	else if (cJSON_IsString(err))
		m = err;
	for (size_t i = 0; !cJSON_IsString(m) && i < 2; i++)
		m = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
	return cJSON_IsString(m) ? m->valuestring : NULL;
}

/* The "message" string of a JSON text cut short (an error body longer than
 * the loop keeps), escapes undone roughly; false when there is none. */
static bool cut_message(const char *s, size_t n, char *out, size_t cap)
{
	static const char key[] = "\"message\"";
	const char *end = s + n, *p = s;
	for (; p + sizeof key - 1 <= end; p++)
		if (!memcmp(p, key, sizeof key - 1))
			break;
	if (p + sizeof key - 1 > end)
		return false;
	p += sizeof key - 1;
	while (p < end && (*p == ' ' || *p == ':' || *p == '\n' || *p == '\t'))
		p++;
	if (p >= end || *p != '"')
		return false;
	p++;
	size_t k = 0;
	bool closed = false;
	while (p < end && k + 1 < cap) {
		if (*p == '"') {
			closed = true;
			break;
		}
		if (*p == '\\' && p + 1 < end) {
			p++;
			out[k++] = strchr("nrtbf", *p) ? ' ' : *p;
		} else {
			out[k++] = *p;
		}
		p++;
	}
	out[k] = 0;
	if (!closed && k + 4 < cap)
		memcpy(out + k, "...", 4);
	return true;
}

void dec_error_message(const char *doc, size_t len, char *out, size_t cap)
{
	while (len && (unsigned char)*doc <= ' ')
		doc++, len--;
	while (len && (unsigned char)doc[len - 1] <= ' ')
		len--;
	if (!len) {
		copy_str(out, cap, "(empty body)");
		return;
	}
	cJSON *root = cJSON_ParseWithLength(doc, len);
	const char *m = cJSON_IsObject(root) ? json_message(root) : NULL;
	char cut[DEC_ERROR_MAX];
	if (m)
		printable(out, cap, m, strlen(m));
	else if (!root && *doc == '{' && cut_message(doc, len, cut, sizeof cut))
		printable(out, cap, cut, strlen(cut));
	else
		printable(out, cap, doc, len);
	cJSON_Delete(root);
}

static void take_error(const cJSON *root, struct dec_chunk *c)
{
	const char *m = json_message(root);
	c->kind = DEC_ERROR;
	if (m)
		printable(c->error, sizeof c->error, m, strlen(m));
	else
		copy_str(c->error, sizeof c->error, "error object in stream");
}

void dec_chunk_init(struct dec_chunk *c)
{
	memset(c, 0, sizeof *c);
	c->tokens = -1;
	c->prompt_tokens = c->completion_tokens = -1;
	c->server_prompt_ms = c->server_predicted_ms = NAN;
	c->server_prompt_n = c->server_predicted_n = -1;
}

void dec_error_event(const char *data, size_t len, struct dec_chunk *c)
{
	dec_chunk_init(c);
	c->kind = DEC_ERROR;
	dec_error_message(data, len, c->error, sizeof c->error);
	if (!strcmp(c->error, "(empty body)"))
		copy_str(c->error, sizeof c->error,
			 "error event without a message");
}

/* llama.cpp's "timings": the server's prompt and decode times. */
static void take_timings(const cJSON *t, struct dec_chunk *c)
{
	if (!cJSON_IsObject(t))
		return;
	c->server_prompt_ms = ms_num(t, "prompt_ms");
	c->server_predicted_ms = ms_num(t, "predicted_ms");
	c->server_prompt_n = count_num(t, "prompt_n");
	c->server_predicted_n = count_num(t, "predicted_n");
	c->has_timings = isfinite(c->server_prompt_ms) ||
			 isfinite(c->server_predicted_ms) ||
			 c->server_prompt_n >= 0 || c->server_predicted_n >= 0;
}

void dec_chunk_parse(const char *data, size_t len, struct dec_chunk *c)
{
	/* Trim surrounding whitespace (some servers pad the data line). The
	 * readers below start from dec_chunk_init themselves. */
	while (len && (*data == ' ' || *data == '\t' || *data == '\n'))
		data++, len--;
	while (len && (data[len - 1] == ' ' || data[len - 1] == '\t' ||
		       data[len - 1] == '\n'))
		len--;
	if (len == 6 && !memcmp(data, "[DONE]", 6)) {
		dec_chunk_init(c);
		c->kind = DEC_DONE;
		return;
	}
	if (!decscan_chunk(data, len, c))
		dec_chunk_parse_tree(data, len, c);
}

void dec_chunk_parse_tree(const char *data, size_t len, struct dec_chunk *c)
{
	dec_chunk_init(c);
	cJSON *root = cJSON_ParseWithLength(data, len);
	if (!root || !cJSON_IsObject(root)) {
		char start[81];
		printable(start, sizeof start, data, len);
		c->kind = DEC_MALFORMED;
		snprintf(c->error, sizeof c->error,
			 "chunk is not a JSON object: %s", start);
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
	const cJSON *choices =
	    cJSON_GetObjectItemCaseSensitive(root, "choices");
	const cJSON *ch;
	long tok_sum = 0;
	bool tok_known = true, any = false;
	cJSON_ArrayForEach(ch, choices)
	{
		if (!cJSON_IsObject(ch))
			continue;
		any = true;
		bool out = nonempty_str(ch, "text") ||
			   delta_has_output(
			       cJSON_GetObjectItemCaseSensitive(ch, "delta"));
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
	take_timings(cJSON_GetObjectItemCaseSensitive(root, "timings"), c);
out:
	cJSON_Delete(root);
}
