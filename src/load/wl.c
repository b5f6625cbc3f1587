/* Workload generation. Synthetic token prompts are built from a pre-rendered
 * filler of random ids so a 4,000-token body is a few hundred memcpy calls,
 * not thousands of printf calls, at high request rates. */
#include "load/wl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/infile.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

/* Token ids are drawn from [lo, vocab - top reserve) (see wl_set_vocab). */
#define WL_TOKEN_LO_MAX	   1000L
#define WL_TOP_RESERVE_MIN 512L
/* Leading ids that encode the request id and the seed. */
#define WL_PREFIX_TOKENS 4
/* A prompt's body is blocks of this many filler ids, each from a place in
 * the filler drawn for the request and the block. */
#define WL_BLOCK_TOKENS 16
/* Text prompts: words that are one token each (with a leading space) in
 * the Llama, Mistral, Qwen and GPT tokenizers and in the real-engine test
 * model's vocabulary; no digits or punctuation (some vocabularies lack
 * them). 64 of them, so a word carries 6 bits of the unique prefix. */
static const char *const wl_words[64] = {
    "the",   "and",  "of",   "to",   "in",   "is",   "it",   "you",
    "he",    "was",  "for",  "on",   "are",  "as",   "his",  "they",
    "be",    "at",   "one",  "have", "from", "or",   "had",  "by",
    "not",   "but",  "some", "we",   "can",  "out",  "were", "all",
    "there", "when", "up",   "use",  "your", "how",  "an",   "she",
    "do",    "time", "if",   "way",  "many", "then", "them", "like",
    "so",    "her",  "long", "make", "see",  "him",  "two",  "has",
    "more",  "day",  "go",   "come", "did",  "no",   "most", "my",
};
#define WL_WORD_BITS 6
/* Caps of a dataset file, checked before any buffer grows: a line (one
 * prompt) of 16 MiB, a file of 4 GiB, 10 million items. */
#define WL_MAX_LINE	  (16u << 20)
#define WL_MAX_FILE_BYTES (4ull << 30)
#define WL_MAX_ITEMS	  10000000u

_Static_assert(WL_DEFAULT_VOCAB >= WL_MIN_VOCAB &&
		   WL_DEFAULT_VOCAB <= WL_MAX_VOCAB,
	       "WL_DEFAULT_VOCAB outside [WL_MIN_VOCAB, WL_MAX_VOCAB]");

void wl_init(struct workload *w, enum wl_api api, const char *model, double isl,
	     double isl_std, double osl, double osl_std, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	w->api = api;
	cJSON *m = cJSON_CreateString(model ? model : "");
	w->model_json = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	w->isl = isl;
	w->isl_std = isl_std;
	w->osl = osl;
	w->osl_std = osl_std;
	w->seed = seed;
	w->prompt = api == WL_CHAT ? WL_PROMPT_TEXT : WL_PROMPT_IDS;
	rng_seed(&w->rng, seed);
	/* The default lies inside wl_set_vocab's range (asserted at compile
	 * time above), so this call cannot fail. */
	int rc = wl_set_vocab(w, WL_DEFAULT_VOCAB, NULL);
	(void)rc;
}

int wl_set_vocab(struct workload *w, long vocab, struct sc_err *e)
{
	if (vocab < WL_MIN_VOCAB || vocab > WL_MAX_VOCAB)
		return sc_err_set(
		    e, SC_EINVAL,
		    "vocabulary size %ld is outside [%ld, %ld]: synthetic "
		    "token-id prompts need room below the special tokens (use "
		    "--dataset or --prompts text)",
		    vocab, WL_MIN_VOCAB, WL_MAX_VOCAB);
	long lo = vocab / 8 < WL_TOKEN_LO_MAX ? vocab / 8 : WL_TOKEN_LO_MAX;
	long top =
	    vocab / 64 > WL_TOP_RESERVE_MIN ? vocab / 64 : WL_TOP_RESERVE_MIN;
	w->tok_lo = (unsigned)lo;
	w->tok_span = (unsigned)(vocab - top - lo);
	/* The filler was drawn from the old range. */
	free(w->filler);
	free(w->filler_end);
	w->filler = NULL;
	w->filler_end = NULL;
	w->filler_tokens = 0;
	return SC_OK;
}

void wl_use_text(struct workload *w)
{
	w->prompt = WL_PROMPT_TEXT;
}

static long draw(struct rng *r, double mean, double std)
{
	double x = std > 0 ? mean + std * rng_normal(r) : mean;
	long v = lround(x);
	return v < 1 ? 1 : v;
}

/* Renders at least `tokens` filler ids (doubling, so lengths that creep up
 * re-render it a few times, not once each). Its ids come from one seeded
 * stream, so its first k ids are the same whatever its length. */
static void ensure_filler(struct workload *w, size_t tokens)
{
	if (tokens <= w->filler_tokens)
		return;
	size_t want =
	    tokens < 2 * w->filler_tokens ? 2 * w->filler_tokens : tokens;
	free(w->filler);
	free(w->filler_end);
	w->filler = xmalloc(want * 7 + 1);
	w->filler_end = xmalloc(want * sizeof *w->filler_end);
	struct rng r;
	rng_seed(&r, w->seed ^ 0x5eedf111e5ull);
	size_t at = 0;
	for (size_t i = 0; i < want; i++) {
		unsigned id = w->tok_lo + (unsigned)(rng_u64(&r) % w->tok_span);
		at += (size_t)sprintf(w->filler + at, i ? ",%u" : "%u", id);
		w->filler_end[i] = at;
	}
	w->filler_tokens = want;
}

/* Appends to a growing string. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap)
		b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* splitmix64's finalizer: a well-mixed 64-bit hash. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Appends filler ids [at, at + len) (at + len <= filler_tokens). */
static void put_filler(const struct workload *w, size_t at, size_t len,
		       struct sbuf *b)
{
	size_t from = at ? w->filler_end[at - 1] + 1 : 0;
	sb_put(b, w->filler + from, w->filler_end[at + len - 1] - from);
}

/* The filler ids a prompt of n ids draws its blocks from: the first
 * pool_for(n), a function of n alone, so a request's prompt does not
 * depend on which prompts were built before it. */
static size_t pool_for(long n)
{
	return n < 512 ? 1024 : 2 * (size_t)n;
}

/* Token ids of a synthetic prompt: a unique prefix, then a body of filler
 * blocks from places drawn per request. Two prompts share runs of a block
 * or two at most, so an engine that gives a request the slot whose cached
 * prompt is most like it (llama-server's prompt similarity) sees distinct
 * prompts, as with real traffic: a body shared by every prompt had
 * llama-server keep reusing two of eight slots for two users (TPOT 3.3-6.5
 * ms) where distinct prompts rotate through all of them and, once each
 * slot has served, decode over the cells the others left (5.8-13.5 ms;
 * ISL 256 / OSL 64). Two bodies share a block now and then, and a longer
 * common run is rare (test_workload bounds it). */
static void token_prompt(struct workload *w, uint64_t id, long n,
			 struct sbuf *b)
{
	size_t pool = pool_for(n);
	ensure_filler(w, pool);
	sb_str(b, "[");
	uint64_t span = w->tok_span;
	uint64_t tag[WL_PREFIX_TOKENS] = {id % span, (id / span) % span,
					  (id / span / span) % span,
					  (w->seed ^ w->prefix_nonce) % span};
	long k = 0;
	char num[24];
	for (; k < n && k < WL_PREFIX_TOKENS; k++) {
		int len = snprintf(num, sizeof num, k ? ",%u" : "%u",
				   (unsigned)(w->tok_lo + tag[k]));
		sb_put(b, num, (size_t)len);
	}
	size_t blocks = pool / WL_BLOCK_TOKENS;
	for (long blk = 0; k < n; blk++) {
		size_t len = (size_t)(n - k) < WL_BLOCK_TOKENS
				 ? (size_t)(n - k)
				 : WL_BLOCK_TOKENS;
		uint64_t h = mix64(mix64(id ^ w->seed ^ w->prefix_nonce) +
				   (uint64_t)blk);
		sb_str(b, ",");
		put_filler(w, (size_t)(h % blocks) * WL_BLOCK_TOKENS, len, b);
		k += (long)len;
	}
	sb_str(b, "]");
}

/* A text prompt of n words: the first ones spell the request id and the
 * run's nonce (so no two prompts share a prefix), the rest are drawn at
 * random. Its token count is n plus what the server adds (BOS, chat
 * template), which the probe measures into text_overhead. */
static void text_prompt(struct workload *w, uint64_t id, long n, struct sbuf *b)
{
	uint64_t tag[WL_PREFIX_TOKENS] = {id, id >> (2 * WL_WORD_BITS),
					  id >> (4 * WL_WORD_BITS),
					  w->seed ^ w->prefix_nonce};
	sb_str(b, "\"");
	for (long i = 0; i < n; i++) {
		uint64_t k;
		if (i < 2 * WL_PREFIX_TOKENS) {
			/* two words per tag: 12 bits each */
			uint64_t t = tag[i / 2];
			k = (i % 2 ? t >> WL_WORD_BITS : t);
		} else {
			k = rng_u64(&w->rng);
		}
		if (i)
			sb_str(b, " ");
		sb_str(b, wl_words[k % 64]);
	}
	sb_str(b, "\"");
}

void wl_share(struct workload *w, unsigned k, unsigned n)
{
	if (n <= 1)
		return;
	w->item_step = n;
	w->next_item = w->n_items ? k % w->n_items : 0;
	/* an odd multiplier keeps worker seeds apart */
	rng_seed(&w->rng, w->seed ^ (0x9e3779b97f4a7c15ull * (k + 1)));
}

void wl_next(struct workload *w, uint64_t id, struct wl_request *out)
{
	struct sbuf b = {0};
	out->at_s = -1;
	out->input_tokens = -1;
	struct wl_item *it = NULL;
	if (w->n_items) {
		it = &w->items[w->next_item];
		w->next_item =
		    (w->next_item + (w->item_step ? w->item_step : 1)) %
		    w->n_items;
	}
	long osl = it && it->output_len > 0 ? it->output_len
					    : draw(&w->rng, w->osl, w->osl_std);
	if (w->osl_cap > 0 && osl > w->osl_cap)
		osl = w->osl_cap;
	sb_str(&b, "{\"model\":");
	sb_str(&b, w->model_json);
	bool chat = w->api == WL_CHAT;
	sb_str(&b, chat ? ",\"messages\":" : ",\"prompt\":");
	if (it && it->prompt_json) {
		if (chat && !it->is_messages) {
			sb_str(&b, "[{\"role\":\"user\",\"content\":");
			sb_str(&b, it->prompt_json);
			sb_str(&b, "}]");
		} else {
			/* completions with messages: flattened at load time */
			sb_str(&b, it->prompt_json);
		}
	} else {
		long isl =
		    it ? it->input_len : draw(&w->rng, w->isl, w->isl_std);
		if (it)
			out->at_s = it->timestamp_s;
		if (w->prompt == WL_PROMPT_TEXT) {
			long words = isl - w->text_overhead;
			if (chat)
				sb_str(&b, "[{\"role\":\"user\",\"content\":");
			text_prompt(w, id, words < 1 ? 1 : words, &b);
			if (chat)
				sb_str(&b, "}]");
		} else {
			token_prompt(w, id, isl, &b);
		}
		out->input_tokens = isl;
	}
	if (it && it->timestamp_s >= 0)
		out->at_s = it->timestamp_s;
	char tail[256];
	snprintf(tail, sizeof tail,
		 ",\"max_tokens\":%ld,\"min_tokens\":%ld,\"ignore_eos\":true,"
		 "\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
		 osl, osl);
	sb_str(&b, tail);
	out->body = b.p;
	out->len = b.len;
	out->output_tokens = osl;
}

void wl_request_release(struct wl_request *r)
{
	free(r->body);
	r->body = NULL;
}

/* Joins the "content" strings of a messages array into one text. */
static char *flatten_messages(const cJSON *msgs)
{
	struct sbuf b = {0};
	sb_str(&b, "");
	const cJSON *m;
	cJSON_ArrayForEach(m, msgs)
	{
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "content");
		if (cJSON_IsString(c)) {
			if (b.len)
				sb_str(&b, "\n");
			sb_str(&b, c->valuestring);
		}
	}
	cJSON *s = cJSON_CreateString(b.p);
	char *out = cJSON_PrintUnformatted(s);
	cJSON_Delete(s);
	free(b.p);
	return out;
}

static int load_item(struct workload *w, const cJSON *j, const char *where,
		     struct wl_item *it, struct sc_err *e)
{
	memset(it, 0, sizeof *it);
	it->input_len = -1;
	it->output_len = -1;
	it->timestamp_s = -1;
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: expected a JSON object",
				  where);
	const cJSON *il = cJSON_GetObjectItemCaseSensitive(j, "input_length");
	long v;
	if (il) {
		w->is_trace = true;
		if (jsonio_int(j, "input_length", true, 0, 1, NUM_TOKENS_MAX,
			       &v, where, e))
			return SC_EINPUT;
		it->input_len = v;
		if (jsonio_int(j, "output_length", true, 0, 1, NUM_TOKENS_MAX,
			       &v, where, e))
			return SC_EINPUT;
		it->output_len = v;
		/* Absent: no timestamp (sent back to back); present: an
		 * offset in ms that fits the loop's nanosecond schedule. */
		double ts = -1;
		if (cJSON_GetObjectItemCaseSensitive(j, "timestamp") &&
		    jsonio_range(j, "timestamp", true, 0, 0, NUM_MS_MAX, &ts,
				 where, e))
			return SC_EINPUT;
		it->timestamp_s = ts >= 0 ? ts / 1000.0 : -1;
		return SC_OK;
	}
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "prompt");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "messages");
	if (cJSON_IsString(p)) {
		it->prompt_json = cJSON_PrintUnformatted(p);
	} else if (cJSON_IsArray(m) && cJSON_GetArraySize(m) > 0) {
		if (w->api == WL_CHAT) {
			it->prompt_json = cJSON_PrintUnformatted(m);
			it->is_messages = true;
		} else {
			it->prompt_json = flatten_messages(m);
		}
	} else {
		return sc_err_set(e, SC_EINPUT,
				  "%s: needs \"prompt\" (string), \"messages\" "
				  "(array) or \"input_length\"",
				  where);
	}
	if (jsonio_int(j, "output_len", false, -1, 1, NUM_TOKENS_MAX, &v, where,
		       e)) {
		free(it->prompt_json);
		it->prompt_json = NULL;
		return SC_EINPUT;
	}
	it->output_len = v;
	return SC_OK;
}

int wl_load_dataset(struct workload *w, const char *path, struct sc_err *e)
{
	FILE *f = infile_open(path, WL_MAX_FILE_BYTES, true, e);
	if (!f)
		return SC_EINPUT;
	struct infile_lines lr;
	infile_lines_init(&lr, f, path, WL_MAX_LINE);
	char *line;
	size_t len, n_cap = 0;
	int rc;
	while ((rc = infile_next_line(&lr, &line, &len, e)) == 1) {
		size_t k = 0;
		while (k < len && (line[k] == ' ' || line[k] == '\t'))
			k++;
		if (k == len)
			continue;
		char where[600];
		snprintf(where, sizeof where, "%s:%ld", path, lr.lineno);
		cJSON *j = jsonio_parse(line, len, where, e);
		if (!j) {
			rc = SC_EINPUT;
			break;
		}
		if (w->n_items >= WL_MAX_ITEMS) {
			cJSON_Delete(j);
			rc = sc_err_set(e, SC_EINPUT, "%s: more than %u items",
					path, WL_MAX_ITEMS);
			break;
		}
		if (w->n_items == n_cap)
			w->items = xgrow(w->items, &n_cap, w->n_items + 1,
					 sizeof *w->items);
		rc = load_item(w, j, where, &w->items[w->n_items], e);
		cJSON_Delete(j);
		if (rc)
			break;
		w->n_items++;
	}
	infile_lines_release(&lr);
	infile_close(f);
	if (rc == 0 && w->n_items == 0)
		rc = sc_err_set(e, SC_EINPUT, "%s: no items", path);
	return rc < 0 ? rc : SC_OK;
}

void wl_release(struct workload *w)
{
	free(w->model_json);
	free(w->filler);
	free(w->filler_end);
	for (size_t i = 0; i < w->n_items; i++)
		free(w->items[i].prompt_json);
	free(w->items);
	memset(w, 0, sizeof *w);
}
