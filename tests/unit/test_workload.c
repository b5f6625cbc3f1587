/* Workload and arrival tests: synthetic prompts have the exact length and a
 * unique prefix, bodies are valid JSON with the generation controls,
 * datasets and traces load (and bad ones are refused with the line named),
 * arrival processes have the requested mean rate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "load/arrival.h"
#include "load/wl.h"
#include "testutil.h"

static cJSON *body_of(struct workload *w, uint64_t id, struct wl_request *r)
{
	wl_next(w, id, r);
	cJSON *j = cJSON_Parse(r->body);
	CU_ASSERT_PTR_NOT_NULL(j);
	CU_ASSERT_EQUAL(strlen(r->body), r->len);
	return j;
}

static void test_synthetic_exact(void)
{
	struct workload w;
	wl_init(&w, WL_COMPLETIONS, "Qwen/Qwen3-8B", 4000, 0, 500, 0, 7);
	char first[3][64];
	for (uint64_t id = 0; id < 3; id++) {
		struct wl_request r;
		cJSON *j = body_of(&w, id * 29000 + 5, &r);
		const cJSON *p = cJSON_GetObjectItem(j, "prompt");
		CU_ASSERT_EQUAL(cJSON_GetArraySize(p), 4000);
		CU_ASSERT_EQUAL(r.input_tokens, 4000);
		CU_ASSERT_EQUAL(r.output_tokens, 500);
		CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "max_tokens")->valueint,
				500);
		CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "min_tokens")->valueint,
				500);
		CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(j, "ignore_eos")));
		CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(j, "stream_options"),
		    "include_usage")));
		CU_ASSERT_STRING_EQUAL(
		    cJSON_GetObjectItem(j, "model")->valuestring,
		    "Qwen/Qwen3-8B");
		snprintf(first[id], sizeof first[id], "%d,%d,%d",
			 cJSON_GetArrayItem(p, 0)->valueint,
			 cJSON_GetArrayItem(p, 1)->valueint,
			 cJSON_GetArrayItem(p, 2)->valueint);
		cJSON_Delete(j);
		wl_request_release(&r);
	}
	/* the prefixes differ even when ids agree modulo the token span */
	CU_ASSERT(strcmp(first[0], first[1]) && strcmp(first[1], first[2]));
	/* lengths 1..3 (shorter than the unique prefix) are exact too */
	for (long n = 1; n <= 6; n++) {
		w.isl = (double)n;
		struct wl_request r;
		cJSON *j = body_of(&w, 1, &r);
		CU_ASSERT_EQUAL(
		    cJSON_GetArraySize(cJSON_GetObjectItem(j, "prompt")), n);
		cJSON_Delete(j);
		wl_request_release(&r);
	}
	wl_release(&w);
}

/* The prompt's token ids (caller frees), n of them into *n. */
static int *prompt_ids(struct workload *w, uint64_t id, int *n)
{
	struct wl_request r;
	cJSON *j = body_of(w, id, &r);
	const cJSON *p = cJSON_GetObjectItem(j, "prompt");
	*n = cJSON_GetArraySize(p);
	int *ids = calloc((size_t)*n, sizeof *ids);
	for (int i = 0; i < *n; i++)
		ids[i] = cJSON_GetArrayItem(p, i)->valueint;
	cJSON_Delete(j);
	wl_request_release(&r);
	return ids;
}

/* Longest run of ids that a and b share anywhere (longest common
 * substring): what llama-server's slot choice compares. */
static int longest_common_run(const int *a, int na, const int *b, int nb)
{
	int *prev = calloc((size_t)nb + 1, sizeof *prev);
	int *cur = calloc((size_t)nb + 1, sizeof *cur);
	int best = 0;
	for (int i = 1; i <= na; i++) {
		for (int k = 1; k <= nb; k++) {
			cur[k] = a[i - 1] == b[k - 1] ? prev[k - 1] + 1 : 0;
			if (cur[k] > best)
				best = cur[k];
		}
		int *t = prev;
		prev = cur;
		cur = t;
	}
	free(prev);
	free(cur);
	return best;
}

/* Synthetic prompts are distinct beyond their prefix: an engine that
 * hands a request the slot whose cached prompt is most like it
 * (llama-server: more than half of the prompt in one common run) must
 * not find one, at short and long prompts and at a length that ends in
 * part of a block. */
static void test_synthetic_distinct(void)
{
	static const long lens[] = {40, 256, 1000, 4000};
	for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
		struct workload w;
		wl_init(&w, WL_COMPLETIONS, "m", (double)lens[li], 0, 8, 0, 11);
		int worst = 0;
		for (uint64_t id = 0; id < 4; id++) {
			int na, nb;
			int *a = prompt_ids(&w, id, &na);
			int *b = prompt_ids(&w, id + 1, &nb);
			CU_ASSERT_EQUAL(na, lens[li]);
			CU_ASSERT_EQUAL(nb, lens[li]);
			int run = longest_common_run(a, na, b, nb);
			if (run > worst)
				worst = run;
			/* the same request's prompt is the same */
			int nc;
			int *c = prompt_ids(&w, id, &nc);
			CU_ASSERT_EQUAL(nc, na);
			CU_ASSERT(nc == na &&
				  !memcmp(a, c, sizeof *a * (size_t)na));
			free(a);
			free(b);
			free(c);
		}
		/* a body shared by all prompts would give lens - 4 */
		CU_ASSERT(worst <= lens[li] / 4);
		CU_ASSERT(worst <= 48);
		wl_release(&w);
	}
}

/* A request's prompt is a function of its id and length alone: built
 * after a longer prompt grew the filler, it is the one a fresh workload
 * builds. */
static void test_synthetic_history_free(void)
{
	struct workload fresh, used;
	wl_init(&fresh, WL_COMPLETIONS, "m", 256, 0, 8, 0, 11);
	wl_init(&used, WL_COMPLETIONS, "m", 4000, 0, 8, 0, 11);
	int na, nb, nl;
	int *a = prompt_ids(&fresh, 3, &na);
	free(prompt_ids(&used, 9, &nl));
	CU_ASSERT_EQUAL(nl, 4000);
	used.isl = 256;
	int *b = prompt_ids(&used, 3, &nb);
	CU_ASSERT_EQUAL_FATAL(na, 256);
	CU_ASSERT_EQUAL_FATAL(nb, 256);
	CU_ASSERT(memcmp(a, b, (size_t)na * sizeof *a) == 0);
	free(a);
	free(b);
	wl_release(&fresh);
	wl_release(&used);
}

static void test_spread_and_chat(void)
{
	struct workload w;
	wl_init(&w, WL_CHAT, "m", 1000, 100, 200, 20, 3);
	double sum = 0, sum2 = 0;
	const int n = 2000;
	for (int i = 0; i < n; i++) {
		struct wl_request r;
		wl_next(&w, (uint64_t)i, &r);
		sum += (double)r.output_tokens;
		sum2 += (double)r.output_tokens * (double)r.output_tokens;
		if (i == 0) {
			cJSON *j = cJSON_Parse(r.body);
			const cJSON *m = cJSON_GetObjectItem(j, "messages");
			CU_ASSERT(cJSON_IsArray(m));
			/* the intended length, checked against usage later */
			CU_ASSERT(r.input_tokens >= 1);
			cJSON_Delete(j);
		}
		wl_request_release(&r);
	}
	double mean = sum / n, sd = sqrt(sum2 / n - mean * mean);
	ASSERT_REL(mean, 200.0, 0.02);
	ASSERT_REL(sd, 20.0, 0.1);
	wl_release(&w);
}

static void test_dataset(void)
{
	struct workload w;
	wl_init(&w, WL_CHAT, "m", 100, 0, 32, 0, 1);
	CU_ASSERT_EQUAL_FATAL(
	    wl_load_dataset(
		&w, testutil_src("tests/fixtures/datasets/prompts.jsonl"),
		NULL),
	    SC_OK);
	CU_ASSERT_EQUAL(w.n_items, 3);
	CU_ASSERT(!w.is_trace);
	struct wl_request r;
	cJSON *j = body_of(&w, 0, &r);
	CU_ASSERT_EQUAL(r.output_tokens, 64);
	const cJSON *m =
	    cJSON_GetArrayItem(cJSON_GetObjectItem(j, "messages"), 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(m, "content")->valuestring,
			       "Summarise the history of the printing press.");
	cJSON_Delete(j);
	wl_request_release(&r);
	j = body_of(&w, 1, &r); /* messages passed through, osl default */
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "messages")),
			2);
	CU_ASSERT_EQUAL(r.output_tokens, 32);
	cJSON_Delete(j);
	wl_request_release(&r);
	wl_release(&w);

	/* completions: messages are flattened into a text prompt */
	wl_init(&w, WL_COMPLETIONS, "m", 100, 0, 32, 0, 1);
	CU_ASSERT_EQUAL_FATAL(
	    wl_load_dataset(
		&w, testutil_src("tests/fixtures/datasets/prompts.jsonl"),
		NULL),
	    SC_OK);
	wl_request_release(&r);
	cJSON_Delete(body_of(&w, 0, &r));
	wl_request_release(&r);
	j = body_of(&w, 1, &r);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "prompt")->valuestring,
			       "Be brief.\nWhat is \"KV cache\"?");
	cJSON_Delete(j);
	wl_request_release(&r);
	wl_release(&w);

	wl_init(&w, WL_COMPLETIONS, "m", 100, 0, 32, 0, 1);
	CU_ASSERT_EQUAL_FATAL(
	    wl_load_dataset(
		&w,
		testutil_src("tests/fixtures/datasets/mooncake_trace.jsonl"),
		NULL),
	    SC_OK);
	CU_ASSERT(w.is_trace);
	CU_ASSERT_EQUAL(w.n_items, 4);
	j = body_of(&w, 0, &r);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "prompt")),
			120);
	CU_ASSERT_EQUAL(r.output_tokens, 8);
	CU_ASSERT_DOUBLE_EQUAL(r.at_s, 0.0, 1e-12);
	cJSON_Delete(j);
	wl_request_release(&r);
	j = body_of(&w, 1, &r);
	CU_ASSERT_EQUAL(r.input_tokens, 300);
	CU_ASSERT_DOUBLE_EQUAL(r.at_s, 0.05, 1e-12);
	cJSON_Delete(j);
	wl_request_release(&r);
	wl_release(&w);
}

static void test_bad_dataset(void)
{
	char *dir = testutil_tmpdir();
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"{\"prompt\": \"a\"}\n{\"prompt\": 3}\n", ":2: needs \"prompt\""},
	    {"{\"prompt\": \"a\"}\nnot json\n", ":2"},
	    {"{\"input_length\": 5}\n", "output_length"},
	    {"{\"prompt\": \"a\", \"output_len\": -2}\n", "output_len"},
	    {"\n\n", "no items"},
	    /* A timestamp of 1e15 ms overflowed the loop's nanosecond
	     * schedule (TTFT mean -4.6e12 ms); negative ones were taken
	     * as "none". */
	    {"{\"timestamp\": 1e15, \"input_length\": 5, \"output_length\": "
	     "2}\n",
	     ":1: field 'timestamp': must be in [0, 604800000], got 1e+15"},
	    {"{\"timestamp\": -3, \"input_length\": 5, \"output_length\": 2}\n",
	     ":1: field 'timestamp': must be in [0, 604800000], got -3"},
	    {"{\"input_length\": 0.4, \"output_length\": 2}\n",
	     "field 'input_length': must be a whole number, got 0.4"},
	    {"{\"input_length\": 1e308, \"output_length\": 2}\n",
	     "field 'input_length': must be in [1, 10000000], got 1e+308"},
	    /* strict JSON on every line */
	    {"{\"prompt\": \"a\"} {\"prompt\": \"b\"}\n",
	     ":1: data after the JSON value"},
	    {"{\"prompt\": \"a\", \"prompt\": \"b\"}\n",
	     ":1: duplicate key 'prompt'"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *p = testutil_write(dir, "d.jsonl", bad[i].text);
		struct workload w;
		wl_init(&w, WL_COMPLETIONS, "m", 1, 0, 1, 0, 1);
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(wl_load_dataset(&w, p, &e), SC_EINPUT);
		if (!strstr(e.msg, bad[i].msg))
			fprintf(stderr, "case %zu: %s\n", i, e.msg);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i].msg));
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "d.jsonl"));
		wl_release(&w);
		free(p);
	}
	struct workload w;
	wl_init(&w, WL_COMPLETIONS, "m", 1, 0, 1, 0, 1);
	CU_ASSERT_EQUAL(wl_load_dataset(&w, "/nonexistent/x.jsonl", NULL),
			SC_EINPUT);
	wl_release(&w);
	testutil_rmtree(dir);
	free(dir);
}

/* Special files are refused before a byte is read: a FIFO blocked the
 * open forever, /dev/zero grew a 2 GB line in 9 s (getline before the
 * length check). A regular file's long line stops at the cap without the
 * buffer growing past it. alarm() fails the run instead of hanging it. */
static void test_special_and_long(void)
{
	char *dir = testutil_tmpdir();
	char fifo[1100];
	snprintf(fifo, sizeof fifo, "%s/d.jsonl", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	const char *paths[] = {fifo, "/dev/zero", dir};
	alarm(10);
	for (size_t i = 0; i < 3; i++) {
		struct workload w;
		wl_init(&w, WL_COMPLETIONS, "m", 1, 0, 1, 0, 1);
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(wl_load_dataset(&w, paths[i], &e), SC_EINPUT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file"));
		wl_release(&w);
	}
	alarm(0);
	unlink(fifo);
	/* 17 MiB of one line, past the 16 MiB cap */
	char path[1100];
	snprintf(path, sizeof path, "%s/long.jsonl", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"prompt\": \"", f);
	for (int i = 0; i < 17 * 1024; i++)
		for (int k = 0; k < 1024; k++)
			fputc('a', f);
	fputs("\"}\n", f);
	fclose(f);
	struct workload w;
	wl_init(&w, WL_COMPLETIONS, "m", 1, 0, 1, 0, 1);
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(wl_load_dataset(&w, path, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ":1: longer than 16777216 bytes"));
	wl_release(&w);
	/* CRLF line ends and a last line without one still load */
	char *p =
	    testutil_write(dir, "crlf.jsonl",
			   "{\"prompt\": \"a\"}\r\n\r\n{\"prompt\": \"b\"}");
	wl_init(&w, WL_COMPLETIONS, "m", 1, 0, 1, 0, 1);
	CU_ASSERT_EQUAL(wl_load_dataset(&w, p, NULL), SC_OK);
	CU_ASSERT_EQUAL(w.n_items, 2);
	wl_release(&w);
	free(p);
	testutil_rmtree(dir);
	free(dir);
}

static void test_arrivals(void)
{
	static const struct {
		const char *spec;
		double cv; /* coefficient of variation of the gaps */
	} cases[] = {{"poisson", 1.0},
		     {"gamma:0.25", 2.0},
		     {"gamma:4", 0.5},
		     {"constant", 0.0}};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		enum arrival_kind kind;
		double shape;
		char err[128];
		CU_ASSERT_EQUAL_FATAL(arrival_parse(cases[k].spec, &kind,
						    &shape, err, sizeof err),
				      0);
		struct arrival a;
		arrival_init(&a, kind, 250.0, shape, 11);
		const int n = 200000;
		double s = 0, s2 = 0;
		for (int i = 0; i < n; i++) {
			double g = arrival_next_gap_s(&a);
			s += g;
			s2 += g * g;
		}
		double mean = s / n, sd = sqrt(fmax(0, s2 / n - mean * mean));
		ASSERT_REL(mean, 1.0 / 250.0, 0.01);
		CU_ASSERT_DOUBLE_EQUAL(sd / mean, cases[k].cv, 0.03);
		/* A planned block of 999 gaps spans exactly 999 / rate: 1,000
		 * sends at the requested rate, not 1/sqrt(n) off. */
		arrival_plan(&a, 999);
		double span = 0;
		for (int i = 0; i < 999; i++)
			span += arrival_next_gap_s(&a);
		ASSERT_REL(span, 999 / 250.0, 1e-9);
		arrival_release(&a);
	}
	enum arrival_kind kind;
	double shape;
	char err[128];
	CU_ASSERT_EQUAL(
	    arrival_parse("gamma:0", &kind, &shape, err, sizeof err), -1);
	CU_ASSERT_EQUAL(
	    arrival_parse("uniform", &kind, &shape, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "uniform"));
}

static CU_TestInfo tests[] = {
    {"synthetic prompts of exact length", test_synthetic_exact},
    {"synthetic prompts distinct beyond their prefix", test_synthetic_distinct},
    {"a synthetic prompt does not depend on earlier ones",
     test_synthetic_history_free},
    {"length spread and chat", test_spread_and_chat},
    {"datasets and traces", test_dataset},
    {"bad datasets", test_bad_dataset},
    {"special files and long lines", test_special_and_long},
    {"arrival processes", test_arrivals},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("workload", tests)
