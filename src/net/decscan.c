/* Chunk fast path. It accepts a strict subset of JSON that cJSON 1.7
 * parses the same way: whitespace is space, tab, CR or LF; strings hold no
 * control characters and no \u escape (cJSON reads bad hex as U+0000,
 * which empties a string); keys and the strings whose value is copied (id,
 * object, finish_reason) hold no escape at all; numbers follow the JSON
 * grammar and fit cJSON's 63-character buffer; nesting stays under
 * SCAN_DEPTH; nothing but whitespace follows the object. Within that
 * subset a key read twice counts the first time only, as
 * cJSON_GetObjectItemCaseSensitive finds the first. A root "error" key or
 * an "object" of "error" is declined: the cJSON path reads errors. */
#include "net/decscan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_DEPTH   32
#define SCAN_NUM_MAX 63 /* cJSON reads a number through a 64-byte buffer */

struct scan {
	const char *p, *end;
};

struct span {
	const char *s;
	size_t n;
	bool esc; /* holds a (simple) escape */
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool at(const struct scan *s, char ch)
{
	return s->p < s->end && *s->p == ch;
}

/* A string at s->p; its raw bytes (between the quotes) in out. */
static bool str(struct scan *s, struct span *out)
{
	if (!at(s, '"'))
		return false;
	const char *p = ++s->p;
	out->esc = false;
	for (;;) {
		const char *q = p;
		while (q < s->end && *q != '"' && *q != '\\' &&
		       (unsigned char)*q >= 0x20)
			q++;
		if (q >= s->end || (unsigned char)*q < 0x20)
			return false;
		if (*q == '"') {
			out->s = s->p;
			out->n = (size_t)(q - s->p);
			s->p = q + 1;
			return true;
		}
		if (q + 1 >= s->end || !strchr("\"\\/bfnrt", q[1]) || !q[1])
			return false;
		out->esc = true;
		p = q + 2;
	}
}

static bool digits(struct scan *s)
{
	const char *p = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > p;
}

/* A number in JSON's grammar; its value in *v when v is not NULL. */
static bool num(struct scan *s, double *v)
{
	const char *b = s->p;
	bool simple = true; /* digits only: exact without strtod */
	if (at(s, '-'))
		s->p++, simple = false;
	if (at(s, '0'))
		s->p++;
	else if (!digits(s))
		return false;
	if (at(s, '.')) {
		s->p++;
		simple = false;
		if (!digits(s))
			return false;
	}
	if (at(s, 'e') || at(s, 'E')) {
		s->p++;
		simple = false;
		if (at(s, '+') || at(s, '-'))
			s->p++;
		if (!digits(s))
			return false;
	}
	size_t n = (size_t)(s->p - b);
	/* cJSON takes every following [0-9+-.eE] into the number */
	if (n > SCAN_NUM_MAX ||
	    (s->p < s->end && strchr("0123456789+-.eE", *s->p) && *s->p))
		return false;
	if (!v)
		return true;
	if (simple && n <= 15) {
		double d = 0;
		for (size_t i = 0; i < n; i++)
			d = d * 10 + (b[i] - '0');
		*v = d;
		return true;
	}
	char buf[SCAN_NUM_MAX + 1];
	memcpy(buf, b, n);
	buf[n] = 0;
	*v = strtod(buf, NULL);
	return true;
}

static bool word(struct scan *s, const char *w, size_t n)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, w, n))
		return false;
	s->p += n;
	return true;
}

static bool skip(struct scan *s, int depth);

/* Object and array walking: *first is true before the first member. For
 * an object, returns 1 with the next key in k (and s->p at its value), 0
 * at the closing brace, -1 on anything else. */
static int obj_next(struct scan *s, bool *first, struct span *k)
{
	ws(s);
	if (at(s, '}') && *first) {
		s->p++;
		return 0;
	}
	if (!*first) {
		if (at(s, '}')) {
			s->p++;
			return 0;
		}
		if (!at(s, ','))
			return -1;
		s->p++;
		ws(s);
	}
	*first = false;
	if (!str(s, k) || k->esc)
		return -1;
	ws(s);
	if (!at(s, ':'))
		return -1;
	s->p++;
	ws(s);
	return 1;
}

/* Returns 1 when an element follows (s->p at it), 0 at the closing
 * bracket, -1 on anything else. */
static int arr_next(struct scan *s, bool *first)
{
	ws(s);
	if (at(s, ']') && *first) {
		s->p++;
		return 0;
	}
	if (!*first) {
		if (at(s, ']')) {
			s->p++;
			return 0;
		}
		if (!at(s, ','))
			return -1;
		s->p++;
		ws(s);
	}
	*first = false;
	return 1;
}

/* An array's length (s->p at '['), or -1 when it does not scan. */
static long arr_len(struct scan *s, int depth)
{
	bool first = true;
	long n = 0;
	s->p++;
	for (int r; (r = arr_next(s, &first)) != 0; n++)
		if (r < 0 || !skip(s, depth + 1))
			return -1;
	return n;
}

static bool skip(struct scan *s, int depth)
{
	struct span k;
	if (depth > SCAN_DEPTH || s->p >= s->end)
		return false;
	switch (*s->p) {
	case '{': {
		bool first = true;
		int r;
		s->p++;
		while ((r = obj_next(s, &first, &k)) > 0)
			if (!skip(s, depth + 1))
				return false;
		return r == 0;
	}
	case '[':
		return arr_len(s, depth) >= 0;
	case '"':
		return str(s, &k);
	case 't':
		return word(s, "true", 4);
	case 'f':
		return word(s, "false", 5);
	case 'n':
		return word(s, "null", 4);
	default:
		return num(s, NULL);
	}
}

/* A member name with its length, so a key is matched without strlen (a
 * chunk's keys are compared once per chunk against every name). */
struct name {
	const char *s;
	size_t n;
};
#define NAME(lit)                                                              \
	{                                                                      \
		lit, sizeof lit - 1                                            \
	}

static bool key_is(const struct span *k, const struct name *name)
{
	return k->n == name->n && !memcmp(k->s, name->s, name->n);
}

/* The key's index in names (at most 8), or -1; -1 too when it was seen
 * before in this object (the first one counts). */
static int field(const struct span *k, const struct name *names, size_t n,
		 unsigned *seen)
{
	for (size_t i = 0; i < n; i++)
		if (key_is(k, &names[i])) {
			if (*seen & (1u << i))
				return -1;
			*seen |= 1u << i;
			return (int)i;
		}
	return -1;
}

/* A string's emptiness as cJSON sees it: *nonempty is set when the value
 * is a non-empty string; any other value is skipped. */
static bool nonempty(struct scan *s, int depth, bool *nonempty)
{
	struct span v;
	if (!at(s, '"'))
		return skip(s, depth);
	if (!str(s, &v))
		return false;
	if (v.n)
		*nonempty = true;
	return true;
}

/* A count as decode.c's count_num reads it: -1 unless a finite number in
 * [0, 1e12]. */
static bool count(struct scan *s, int depth, long *out)
{
	double d;
	*out = -1;
	if (s->p >= s->end || !(*s->p == '-' || (*s->p >= '0' && *s->p <= '9')))
		return skip(s, depth);
	if (!num(s, &d))
		return false;
	if (isfinite(d) && d >= 0 && d <= 1e12)
		*out = (long)d;
	return true;
}

/* A time in ms as decode.c's ms_num reads it: NaN unless finite, >= 0. */
static bool ms(struct scan *s, int depth, double *out)
{
	double d;
	*out = NAN;
	if (s->p >= s->end || !(*s->p == '-' || (*s->p >= '0' && *s->p <= '9')))
		return skip(s, depth);
	if (!num(s, &d))
		return false;
	if (isfinite(d) && d >= 0)
		*out = d;
	return true;
}

/* A string copied into dst (capacity cap) as snprintf("%s") would; values
 * with an escape are declined. Non-strings are skipped and leave dst. */
static bool copy(struct scan *s, int depth, char *dst, size_t cap,
		 bool only_nonempty)
{
	struct span v;
	if (!at(s, '"'))
		return skip(s, depth);
	if (!str(s, &v) || v.esc)
		return false;
	if (only_nonempty && !v.n)
		return true;
	size_t n = v.n < cap - 1 ? v.n : cap - 1;
	memcpy(dst, v.s, n);
	dst[n] = 0;
	return true;
}

/* An object's members by name: calls each field's reader; skips unknown
 * and repeated keys. Declines on an unknown shape. */
typedef bool (*member_fn)(struct scan *s, int depth, int idx, void *ud);

static bool members(struct scan *s, int depth, const struct name *names,
		    size_t n, member_fn fn, void *ud)
{
	struct span k;
	bool first = true;
	unsigned seen = 0;
	int r;
	if (depth > SCAN_DEPTH || !at(s, '{'))
		return false;
	s->p++;
	while ((r = obj_next(s, &first, &k)) > 0) {
		int i = field(&k, names, n, &seen);
		if (!(i < 0 ? skip(s, depth + 1) : fn(s, depth + 1, i, ud)))
			return false;
	}
	return r == 0;
}

/* The length of an array value into *n; other values are skipped and
 * leave *n at -1. */
static bool len_of(struct scan *s, int depth, long *n)
{
	*n = -1;
	if (!at(s, '['))
		return skip(s, depth);
	if (depth > SCAN_DEPTH)
		return false;
	*n = arr_len(s, depth);
	return *n >= 0;
}

struct delta {
	bool out;
};

static const struct name delta_keys[] = {NAME("content"),
					 NAME("reasoning_content"),
					 NAME("reasoning"), NAME("tool_calls")};

static bool delta_member(struct scan *s, int depth, int idx, void *ud)
{
	struct delta *d = ud;
	long n;
	if (idx < 3)
		return nonempty(s, depth, &d->out);
	if (!len_of(s, depth, &n))
		return false;
	if (n > 0)
		d->out = true;
	return true;
}

struct logprobs {
	long tokens, content;
};

static const struct name logprobs_keys[] = {NAME("tokens"), NAME("content")};

static bool logprobs_member(struct scan *s, int depth, int idx, void *ud)
{
	struct logprobs *l = ud;
	return len_of(s, depth, idx == 0 ? &l->tokens : &l->content);
}

struct choice {
	struct dec_chunk *c;
	bool out;
	long token_ids;
	bool has_logprobs;
	struct logprobs lp;
};

enum { CH_TEXT, CH_DELTA, CH_TOKEN_IDS, CH_LOGPROBS, CH_FINISH };
static const struct name choice_keys[] = {NAME("text"), NAME("delta"),
					  NAME("token_ids"), NAME("logprobs"),
					  NAME("finish_reason")};

static bool choice_member(struct scan *s, int depth, int idx, void *ud)
{
	struct choice *ch = ud;
	switch (idx) {
	case CH_TEXT:
		return nonempty(s, depth, &ch->out);
	case CH_DELTA: {
		struct delta d = {false};
		if (!at(s, '{'))
			return skip(s, depth);
		if (!members(s, depth, delta_keys, 4, delta_member, &d))
			return false;
		ch->out = ch->out || d.out;
		return true;
	}
	case CH_TOKEN_IDS:
		return len_of(s, depth, &ch->token_ids);
	case CH_LOGPROBS:
		if (!at(s, '{'))
			return skip(s, depth);
		ch->has_logprobs = true;
		return members(s, depth, logprobs_keys, 2, logprobs_member,
			       &ch->lp);
	default:
		return copy(s, depth, ch->c->finish_reason,
			    sizeof ch->c->finish_reason, true);
	}
}

static const struct name usage_keys[] = {NAME("prompt_tokens"),
					 NAME("completion_tokens")};

static bool usage_member(struct scan *s, int depth, int idx, void *ud)
{
	struct dec_chunk *c = ud;
	return count(s, depth,
		     idx == 0 ? &c->prompt_tokens : &c->completion_tokens);
}

static const struct name timings_keys[] = {
    NAME("prompt_ms"), NAME("predicted_ms"), NAME("prompt_n"),
    NAME("predicted_n")};

static bool timings_member(struct scan *s, int depth, int idx, void *ud)
{
	struct dec_chunk *c = ud;
	switch (idx) {
	case 0:
		return ms(s, depth, &c->server_prompt_ms);
	case 1:
		return ms(s, depth, &c->server_predicted_ms);
	case 2:
		return count(s, depth, &c->server_prompt_n);
	default:
		return count(s, depth, &c->server_predicted_n);
	}
}

struct root {
	struct dec_chunk *c;
	bool any, tok_known;
	long tok_sum;
};

static bool choices(struct scan *s, int depth, struct root *r)
{
	bool first = true;
	int k;
	s->p++;
	while ((k = arr_next(s, &first)) > 0) {
		if (!at(s, '{')) {
			if (!skip(s, depth + 1))
				return false;
			continue;
		}
		struct choice ch = {r->c, false, -1, false, {-1, -1}};
		if (!members(s, depth + 1, choice_keys, 5, choice_member, &ch))
			return false;
		r->any = true;
		if (ch.out)
			r->c->has_output = true;
		long t = ch.token_ids;
		if (t < 0 && ch.has_logprobs)
			t = ch.lp.tokens >= 0 ? ch.lp.tokens : ch.lp.content;
		if (t < 0)
			r->tok_known = false;
		else
			r->tok_sum += t;
	}
	return k == 0;
}

enum { RT_ERROR, RT_OBJECT, RT_ID, RT_CHOICES, RT_USAGE, RT_TIMINGS };
static const struct name root_keys[] = {NAME("error"), NAME("object"),
					NAME("id"),    NAME("choices"),
					NAME("usage"), NAME("timings")};

static bool root_member(struct scan *s, int depth, int idx, void *ud)
{
	struct root *r = ud;
	struct dec_chunk *c = r->c;
	char obj[8] = "";
	switch (idx) {
	case RT_ERROR:
		return false; /* an error chunk: the cJSON path reads it */
	case RT_OBJECT:
		if (!copy(s, depth, obj, sizeof obj, false))
			return false;
		return strcmp(obj, "error") != 0;
	case RT_ID:
		return copy(s, depth, c->id, sizeof c->id, false);
	case RT_CHOICES:
		if (at(s, '{'))
			return false; /* cJSON would walk an object's members */
		if (!at(s, '['))
			return skip(s, depth);
		return choices(s, depth, r);
	case RT_USAGE:
		if (!at(s, '{'))
			return skip(s, depth);
		if (!members(s, depth, usage_keys, 2, usage_member, c))
			return false;
		c->has_usage =
		    c->prompt_tokens >= 0 || c->completion_tokens >= 0;
		return true;
	default:
		if (!at(s, '{'))
			return skip(s, depth);
		if (!members(s, depth, timings_keys, 4, timings_member, c))
			return false;
		c->has_timings = isfinite(c->server_prompt_ms) ||
				 isfinite(c->server_predicted_ms) ||
				 c->server_prompt_n >= 0 ||
				 c->server_predicted_n >= 0;
		return true;
	}
}

bool decscan_chunk(const char *data, size_t len, struct dec_chunk *c)
{
	struct scan s = {data, data + len};
	struct root r = {c, false, true, 0};
	dec_chunk_init(c);
	ws(&s);
	if (!members(&s, 0, root_keys, 6, root_member, &r))
		return false;
	ws(&s);
	if (s.p != s.end)
		return false;
	c->kind = DEC_CHUNK;
	if (r.any && r.tok_known)
		c->tokens = r.tok_sum;
	return true;
}
