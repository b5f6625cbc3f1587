/* OpenAI request validation and response rendering for the emulated engine.
 * Error statuses follow vLLM's server: 400 for bad values, 404 for an
 * unknown model, 422 for a wrong JSON type. */
#include "emu/emu_api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "util/xalloc.h"

/* Placeholder printed where the token text goes in a chunk template. */
#define TEXT_MARK      "\x01"
#define TEXT_MARK_JSON "\\u0001"

static int fail(int *st, int code, struct sc_err *e, const char *msg)
{
	*st = code;
	return sc_err_set(e, SC_EINVAL, "%s", msg);
}

/* Tokens of a text (EMU_API_WORD_CHARS); at least one. */
static long text_tokens(const char *s)
{
	long n = 0;
	size_t word = 0;
	for (;; s++) {
		bool space =
		    *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
		if (*s && !space) {
			word++;
			continue;
		}
		n += (long)((word + EMU_API_WORD_CHARS - 1) /
			    EMU_API_WORD_CHARS);
		word = 0;
		if (!*s)
			break;
	}
	return n > 0 ? n : 1;
}

/* Reads an optional whole number >= lo; 422 for a wrong type. */
static int opt_long(const cJSON *j, const char *key, long lo, long *out,
		    bool *present, int *st, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	*present = false;
	if (!v || cJSON_IsNull(v))
		return SC_OK;
	if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
	    fabs(v->valuedouble) > 1e15) {
		*st = 422;
		return sc_err_set(e, SC_EINVAL, "'%s' must be an integer", key);
	}
	if (v->valuedouble < (double)lo) {
		*st = 400;
		return sc_err_set(e, SC_EINVAL, "'%s' must be >= %ld, got %.0f",
				  key, lo, v->valuedouble);
	}
	*out = (long)v->valuedouble;
	*present = true;
	return SC_OK;
}

static int opt_bool(const cJSON *j, const char *key, bool *out, int *st,
		    struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!v || cJSON_IsNull(v))
		return SC_OK;
	if (!cJSON_IsBool(v)) {
		*st = 422;
		return sc_err_set(e, SC_EINVAL, "'%s' must be a boolean", key);
	}
	*out = cJSON_IsTrue(v);
	return SC_OK;
}

static int parse_ids(const cJSON *arr, long *n, int *st, struct sc_err *e)
{
	long k = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsNumber(x) || x->valuedouble < 0 ||
		    x->valuedouble != floor(x->valuedouble)) {
			*st = 422;
			return sc_err_set(
			    e, SC_EINVAL,
			    "'prompt' token ids must be integers >= 0 "
			    "(element %ld)",
			    k);
		}
		k++;
	}
	*n = k;
	return SC_OK;
}

static int parse_prompt(const cJSON *j, struct emu_api_req *r, int *st,
			struct sc_err *e)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "prompt");
	if (!p || cJSON_IsNull(p))
		return fail(st, 400, e, "'prompt' is required");
	if (cJSON_IsString(p)) {
		if (!p->valuestring[0])
			return fail(st, 400, e, "'prompt' must not be empty");
		r->prompt_tokens = text_tokens(p->valuestring);
		return SC_OK;
	}
	if (!cJSON_IsArray(p))
		return fail(
		    st, 422, e,
		    "'prompt' must be a string or an array of token ids");
	int n = cJSON_GetArraySize(p);
	if (n == 0)
		return fail(st, 400, e, "'prompt' must not be empty");
	const cJSON *first = cJSON_GetArrayItem(p, 0);
	if (cJSON_IsNumber(first)) {
		r->prompt_is_ids = true;
		return parse_ids(p, &r->prompt_tokens, st, e);
	}
	if (n > 1)
		return fail(
		    st, 400, e,
		    "batched prompts (an array of prompts) are not supported");
	if (cJSON_IsString(first)) {
		if (!first->valuestring[0])
			return fail(st, 400, e, "'prompt' must not be empty");
		r->prompt_tokens = text_tokens(first->valuestring);
		return SC_OK;
	}
	if (cJSON_IsArray(first)) {
		r->prompt_is_ids = true;
		int rc = parse_ids(first, &r->prompt_tokens, st, e);
		if (!rc && r->prompt_tokens == 0)
			return fail(st, 400, e, "'prompt' must not be empty");
		return rc;
	}
	return fail(st, 422, e,
		    "'prompt' must be a string or an array of token ids");
}

static int parse_messages(const cJSON *j, struct emu_api_req *r, int *st,
			  struct sc_err *e)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "messages");
	if (!m || cJSON_IsNull(m))
		return fail(st, 400, e, "'messages' is required");
	if (!cJSON_IsArray(m))
		return fail(st, 422, e, "'messages' must be an array");
	if (cJSON_GetArraySize(m) == 0)
		return fail(st, 400, e, "'messages' must not be empty");
	long text = 0;
	long msgs = 0;
	const cJSON *msg;
	cJSON_ArrayForEach(msg, m)
	{
		const cJSON *role =
		    cJSON_GetObjectItemCaseSensitive(msg, "role");
		if (!cJSON_IsObject(msg) || !cJSON_IsString(role))
			return fail(st, 422, e,
				    "each message must be an object with a "
				    "string 'role'");
		const cJSON *c =
		    cJSON_GetObjectItemCaseSensitive(msg, "content");
		if (cJSON_IsString(c)) {
			text += text_tokens(c->valuestring);
		} else if (cJSON_IsArray(c)) {
			const cJSON *part;
			cJSON_ArrayForEach(part, c)
			{
				const cJSON *t =
				    cJSON_GetObjectItemCaseSensitive(part,
								     "text");
				if (cJSON_IsString(t))
					text += text_tokens(t->valuestring);
			}
		} else if (c && !cJSON_IsNull(c)) {
			return fail(st, 422, e,
				    "message 'content' must be a string or an "
				    "array of parts");
		}
		msgs++;
	}
	r->prompt_tokens = text + EMU_API_CHAT_MSG_OVERHEAD_TOKENS * msgs;
	return SC_OK;
}

static bool model_ok(const char *want, const struct emu_api_limits *lim)
{
	return !strcasecmp(want, lim->model) ||
	       (lim->alt_model && !strcasecmp(want, lim->alt_model));
}

int emu_api_parse(enum emu_endpoint ep, const char *body, size_t len,
		  const struct emu_api_limits *lim, struct emu_api_req *out,
		  int *st, struct sc_err *e)
{
	int rc = SC_OK;
	memset(out, 0, sizeof *out);
	out->ep = ep;
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!j)
		return fail(st, 400, e, "request body is not valid JSON");
	if (!cJSON_IsObject(j)) {
		rc = fail(st, 400, e, "request body must be a JSON object");
		goto out;
	}
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(j, "model");
	if (model && !cJSON_IsNull(model)) {
		if (!cJSON_IsString(model)) {
			rc = fail(st, 422, e, "'model' must be a string");
			goto out;
		}
		if (!model_ok(model->valuestring, lim)) {
			*st = 404;
			rc = sc_err_set(
			    e, SC_EINVAL,
			    "The model `%.200s` does not exist (serving `%s`)",
			    model->valuestring, lim->model);
			goto out;
		}
	}
	rc = ep == EMU_EP_CHAT ? parse_messages(j, out, st, e)
			       : parse_prompt(j, out, st, e);
	if (rc)
		goto out;
	if ((rc = opt_bool(j, "stream", &out->stream, st, e)) ||
	    (rc = opt_bool(j, "ignore_eos", &out->ignore_eos, st, e)))
		goto out;
	const cJSON *so = cJSON_GetObjectItemCaseSensitive(j, "stream_options");
	if (so && !cJSON_IsNull(so)) {
		if (!cJSON_IsObject(so)) {
			rc = fail(st, 422, e,
				  "'stream_options' must be an object");
			goto out;
		}
		if (!out->stream) {
			rc = fail(st, 400, e,
				  "'stream_options' needs 'stream': true");
			goto out;
		}
		if ((rc = opt_bool(so, "include_usage", &out->include_usage, st,
				   e)))
			goto out;
	}
	long n = 1;
	bool has = false;
	if ((rc = opt_long(j, "n", 1, &n, &has, st, e)))
		goto out;
	if (n != 1) {
		rc = fail(st, 400, e, "only 'n': 1 is supported");
		goto out;
	}
	long mt = 0, mct = 0;
	bool has_mt = false, has_mct = false;
	if ((rc = opt_long(j, "max_tokens", 1, &mt, &has_mt, st, e)) ||
	    (rc = opt_long(j, "max_completion_tokens", 1, &mct, &has_mct, st,
			   e)))
		goto out;
	long room = lim->max_model_len - out->prompt_tokens;
	if (room < 1) {
		*st = 400;
		rc = sc_err_set(
		    e, SC_EINVAL,
		    "This model's maximum context length is %ld tokens; "
		    "the prompt has %ld tokens",
		    lim->max_model_len, out->prompt_tokens);
		goto out;
	}
	if (has_mct)
		out->max_tokens = mct;
	else if (has_mt)
		out->max_tokens = mt;
	else
		out->max_tokens = ep == EMU_EP_CHAT
				      ? room
				      : EMU_API_DEFAULT_COMPLETION_TOKENS;
	if (out->max_tokens > room) {
		*st = 400;
		rc = sc_err_set(
		    e, SC_EINVAL,
		    "This model's maximum context length is %ld tokens; "
		    "the request has %ld prompt tokens and asks for %ld "
		    "output tokens",
		    lim->max_model_len, out->prompt_tokens, out->max_tokens);
		goto out;
	}
	if ((rc = opt_long(j, "min_tokens", 0, &out->min_tokens, &has, st, e)))
		goto out;
	if (out->min_tokens > out->max_tokens) {
		rc = fail(st, 400, e, "'min_tokens' must be <= 'max_tokens'");
		goto out;
	}
out:
	cJSON_Delete(j);
	return rc;
}

static const struct {
	int status;
	const char *type;
} error_types[] = {
    {400, "BadRequestError"},
    {404, "NotFoundError"},
    {405, "MethodNotAllowed"},
    {408, "RequestTimeoutError"},
    {413, "RequestTooLarge"},
    {417, "ExpectationFailed"},
    {422, "UnprocessableEntityError"},
    {429, "RateLimitError"},
    {431, "RequestHeaderFieldsTooLarge"},
    {501, "NotImplementedError"},
    {503, "ServiceUnavailableError"},
    {505, "HTTPVersionNotSupported"},
};

const char *emu_api_error_type(int st)
{
	for (size_t i = 0; i < sizeof error_types / sizeof *error_types; i++)
		if (error_types[i].status == st)
			return error_types[i].type;
	return "InternalServerError";
}

static char *print_free(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		abort(); /* cJSON fails only when out of memory */
	return s;
}

static cJSON *error_obj(int st, const char *message)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *err = cJSON_AddObjectToObject(j, "error");
	cJSON_AddStringToObject(err, "object", "error");
	cJSON_AddStringToObject(err, "message", message);
	cJSON_AddStringToObject(err, "type", emu_api_error_type(st));
	cJSON_AddNullToObject(err, "param");
	cJSON_AddNumberToObject(err, "code", st);
	return j;
}

char *emu_api_error_body(int st, const char *message)
{
	return print_free(error_obj(st, message));
}

char *emu_api_error_chunk(int code, const char *message)
{
	return print_free(error_obj(code, message));
}

static cJSON *chunk_base(const struct emu_api_stream *s)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(j, "object",
				s->ep == EMU_EP_CHAT ? "chat.completion.chunk"
						     : "text_completion");
	cJSON_AddNumberToObject(j, "created", (double)s->created);
	cJSON_AddStringToObject(j, "model", s->model);
	return j;
}

/* Prints a chunk whose text is TEXT_MARK and splits it there. */
static void make_template(const struct emu_api_stream *s, const char *finish,
			  char **pre, char **post)
{
	cJSON *j = chunk_base(s);
	cJSON *choices = cJSON_AddArrayToObject(j, "choices");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToArray(choices, c);
	cJSON_AddNumberToObject(c, "index", 0);
	if (s->ep == EMU_EP_CHAT) {
		cJSON *d = cJSON_AddObjectToObject(c, "delta");
		cJSON_AddStringToObject(d, "content", TEXT_MARK);
	} else {
		cJSON_AddStringToObject(c, "text", TEXT_MARK);
	}
	cJSON_AddNullToObject(c, "logprobs");
	if (finish)
		cJSON_AddStringToObject(c, "finish_reason", finish);
	else
		cJSON_AddNullToObject(c, "finish_reason");
	char *txt = print_free(j);
	char *mark = strstr(txt, TEXT_MARK_JSON);
	if (!mark)
		abort(); /* the template always holds the mark */
	*pre = xstrndup(txt, (size_t)(mark - txt));
	*post = xstrdup(mark + strlen(TEXT_MARK_JSON));
	free(txt);
}

void emu_api_stream_init(struct emu_api_stream *s, enum emu_endpoint ep,
			 unsigned long long id, long created_s,
			 const char *model)
{
	memset(s, 0, sizeof *s);
	s->ep = ep;
	snprintf(s->id, sizeof s->id, "%s-%016llx",
		 ep == EMU_EP_CHAT ? "chatcmpl" : "cmpl", id);
	s->created = created_s;
	s->model = xstrdup(model);
	make_template(s, NULL, &s->pre, &s->post);
	make_template(s, "length", &s->pre_len, &s->post_len);
	make_template(s, "stop", &s->pre_stop, &s->post_stop);
	s->pre_n = strlen(s->pre);
	s->post_n = strlen(s->post);
	s->pre_len_n = strlen(s->pre_len);
	s->post_len_n = strlen(s->post_len);
	s->pre_stop_n = strlen(s->pre_stop);
	s->post_stop_n = strlen(s->post_stop);
}

void emu_api_stream_release(struct emu_api_stream *s)
{
	free(s->model);
	free(s->pre);
	free(s->post);
	free(s->pre_len);
	free(s->post_len);
	free(s->pre_stop);
	free(s->post_stop);
	memset(s, 0, sizeof *s);
}

static const char *const words[] = {
    " the",    " model", " serves", " tokens",	 " of",	  " a",
    " stream", " in",	 " real",   " time",	 " with", " batched",
    " steps",  " and",	 " queued", " requests",
};

const char *emu_api_token_text(unsigned long long id, long i)
{
	size_t n = sizeof words / sizeof *words;
	return words[(id + (unsigned long long)i) % n];
}

int emu_api_token_chunk(const struct emu_api_stream *s, const char *text,
			bool last, bool stopped, char *buf, size_t cap)
{
	const char *pre = s->pre, *post = s->post;
	size_t pn = s->pre_n, qn = s->post_n, tn = strlen(text);
	if (last) {
		pre = stopped ? s->pre_stop : s->pre_len;
		post = stopped ? s->post_stop : s->post_len;
		pn = stopped ? s->pre_stop_n : s->pre_len_n;
		qn = stopped ? s->post_stop_n : s->post_len_n;
	}
	/* memcpy rather than snprintf: this runs once per output token. */
	if (pn + tn + qn + 1 > cap)
		return -1;
	memcpy(buf, pre, pn);
	memcpy(buf + pn, text, tn);
	memcpy(buf + pn + tn, post, qn + 1);
	return (int)(pn + tn + qn);
}

char *emu_api_role_chunk(const struct emu_api_stream *s)
{
	cJSON *j = chunk_base(s);
	cJSON *choices = cJSON_AddArrayToObject(j, "choices");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToArray(choices, c);
	cJSON_AddNumberToObject(c, "index", 0);
	cJSON *d = cJSON_AddObjectToObject(c, "delta");
	cJSON_AddStringToObject(d, "role", "assistant");
	cJSON_AddStringToObject(d, "content", "");
	cJSON_AddNullToObject(c, "logprobs");
	cJSON_AddNullToObject(c, "finish_reason");
	return print_free(j);
}

static void add_usage(cJSON *j, long prompt, long completion)
{
	cJSON *u = cJSON_AddObjectToObject(j, "usage");
	cJSON_AddNumberToObject(u, "prompt_tokens", (double)prompt);
	cJSON_AddNumberToObject(u, "completion_tokens", (double)completion);
	cJSON_AddNumberToObject(u, "total_tokens",
				(double)(prompt + completion));
}

char *emu_api_usage_chunk(const struct emu_api_stream *s, long prompt,
			  long completion)
{
	cJSON *j = chunk_base(s);
	cJSON_AddArrayToObject(j, "choices");
	add_usage(j, prompt, completion);
	return print_free(j);
}

char *emu_api_full_body(const struct emu_api_stream *s, const char *text,
			bool stopped, long prompt, long completion)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(j, "object",
				s->ep == EMU_EP_CHAT ? "chat.completion"
						     : "text_completion");
	cJSON_AddNumberToObject(j, "created", (double)s->created);
	cJSON_AddStringToObject(j, "model", s->model);
	cJSON *choices = cJSON_AddArrayToObject(j, "choices");
	cJSON *c = cJSON_CreateObject();
	cJSON_AddItemToArray(choices, c);
	cJSON_AddNumberToObject(c, "index", 0);
	if (s->ep == EMU_EP_CHAT) {
		cJSON *m = cJSON_AddObjectToObject(c, "message");
		cJSON_AddStringToObject(m, "role", "assistant");
		cJSON_AddStringToObject(m, "content", text);
	} else {
		cJSON_AddStringToObject(c, "text", text);
	}
	cJSON_AddNullToObject(c, "logprobs");
	cJSON_AddStringToObject(c, "finish_reason",
				stopped ? "stop" : "length");
	add_usage(j, prompt, completion);
	return print_free(j);
}

char *emu_api_models_body(const char *model, long created_s)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "object", "list");
	cJSON *data = cJSON_AddArrayToObject(j, "data");
	cJSON *m = cJSON_CreateObject();
	cJSON_AddItemToArray(data, m);
	cJSON_AddStringToObject(m, "id", model);
	cJSON_AddStringToObject(m, "object", "model");
	cJSON_AddNumberToObject(m, "created", (double)created_s);
	cJSON_AddStringToObject(m, "owned_by", "servecal");
	return print_free(j);
}
