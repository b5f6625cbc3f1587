/* Results files: level names, the complete flag that --resume trusts, the
 * CSV rebuilt from summary.json files, appended request lines, the lock
 * that keeps a second bench out of a directory in use. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include "load/results.h"
#include "metrics/aiperf_out.h"
#include "metrics/level.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/jsonio.h"
#include "util/jsonw.h"
#include "util/rng.h"

static void test_names(void)
{
	char b[32];
	level_name(false, 64, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "c64");
	level_name(true, 2.5, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "r2.5");
	level_name(true, 1000, b, sizeof b);
	CU_ASSERT_STRING_EQUAL(b, "r1000");
	/* read back only as written: a reader that took "c1e+06" or "c08"
	 * for a level would list one level twice */
	static const struct {
		const char *name;
		bool ok, open;
		double level;
	} cases[] = {
	    {"c64", true, false, 64},  {"r2.5", true, true, 2.5},
	    {"c1e+06", false, 0, 0},   {"c08", false, 0, 0},
	    {"r2.50", false, 0, 0},    {"c2.5", false, 0, 0},
	    {"c0", false, 0, 0},       {"plots", false, 0, 0},
	    {"c", false, 0, 0},	       {"c99999999999999999999", false, 0, 0},
	    {"c1000001", false, 0, 0}, {"c1000000", true, false, 1000000},
	    {"r100001", false, 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		bool open = false;
		double v = 0;
		CU_ASSERT_EQUAL(level_parse(cases[i].name, &open, &v),
				cases[i].ok);
		if (cases[i].ok) {
			CU_ASSERT_EQUAL(open, cases[i].open);
			CU_ASSERT_DOUBLE_EQUAL(v, cases[i].level, 0);
		}
	}
}

static void test_levels_and_csv(void)
{
	char *dir = testutil_tmpdir();
	char sub[1024];
	snprintf(sub, sizeof sub, "%s/a/b", dir);
	CU_ASSERT_EQUAL(fs_mkdir_p(sub, NULL), SC_OK);
	CU_ASSERT_EQUAL(fs_mkdir_p(sub, NULL), SC_OK); /* again: fine */

	struct results_writer w = {0};
	CU_ASSERT_EQUAL_FATAL(results_level_begin(&w, dir, "c2", NULL), SC_OK);
	struct req_record r = {.id = 7,
			       .level = 2,
			       .ok = true,
			       .output_tokens = 3,
			       .input_tokens = 5,
			       .prompt_tokens = 5};
	req_derive(&r);
	CU_ASSERT_EQUAL(results_append(&w, &r, 0, NULL), SC_OK);
	r.id = 8;
	CU_ASSERT_EQUAL(results_append(&w, &r, 0, NULL), SC_OK);
	results_level_end(&w);
	results_level_release(&w);
	char p[1200];
	snprintf(p, sizeof p, "%s/c2/requests.jsonl", dir);
	size_t len;
	char *text = jsonio_read_text(p, 1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":7"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":8"));
	int nl = 0;
	for (char *c = text; *c; c++)
		nl += *c == '\n';
	CU_ASSERT_EQUAL(nl, 2);
	free(text);

	/* No summary yet: a resume must redo the level. An interrupted one:
	 * redo. A complete summary whose count disagrees with the records
	 * (a second writer, a torn line): redo. Only an agreeing one is
	 * skipped. */
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON *s = cJSON_Parse(
	    "{\"concurrency\":2,\"complete\":false,"
	    "\"ttft_ms\":{\"p50\":12.5},\"requests\":{\"total\":2}}");
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON_ReplaceItemInObject(s, "complete", cJSON_CreateTrue());
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	CU_ASSERT(results_level_verified(dir, "c2"));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s, "requests"), "total",
				  cJSON_CreateNumber(3));
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON_ReplaceItemInObject(cJSON_GetObjectItem(s, "requests"), "total",
				  cJSON_CreateNumber(2));
	CU_ASSERT_EQUAL(results_write_summary(dir, "c2", s, NULL), SC_OK);
	snprintf(p, sizeof p, "%s/c2/requests.jsonl", dir);
	FILE *torn = fopen(p, "a");
	fputs("{\"id\":9,\"ok\":tr", torn);
	fclose(torn);
	CU_ASSERT(!results_level_verified(dir, "c2"));
	cJSON_Delete(s);

	/* CSV: a row per level that has a summary, values from the JSON. */
	char *levels[] = {"c2", "c4"};
	CU_ASSERT_EQUAL(results_write_csv(dir, levels, 2, NULL), SC_OK);
	snprintf(p, sizeof p, "%s/summary.csv", dir);
	text = jsonio_read_text(p, 1 << 20, &len, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(strncmp(text, "level,concurrency,", 18), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nc2,2,"));
	CU_ASSERT_PTR_NULL(strstr(text, "\nc4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, ",12.5,"));
	free(text);

	/* copy is byte for byte */
	char *src = testutil_write(dir, "dep.json", "{ \"name\" : \"x\" }\n");
	snprintf(p, sizeof p, "%s/deployment.json", dir);
	CU_ASSERT_EQUAL(results_copy_file(src, p, NULL), SC_OK);
	text = jsonio_read_text(p, 1 << 20, &len, NULL);
	CU_ASSERT_STRING_EQUAL(text, "{ \"name\" : \"x\" }\n");
	free(text);
	free(src);
	testutil_rmtree(dir);
	free(dir);
}

/* Two writers on one directory interleaved and lost records; the lock
 * must refuse the second holder (any open of the directory: flock locks
 * belong to the open file, so a second one in this process is refused as
 * another process would be), name the directory, leave no file behind,
 * and be free again once released. A directory not made yet is nobody's. */
static void test_lock(void)
{
	char *dir = testutil_tmpdir();
	int a = -1, b = -1;
	CU_ASSERT_EQUAL_FATAL(results_lock(dir, &a, NULL), SC_OK);
	CU_ASSERT(a >= 0);
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(results_lock(dir, &b, &e), SC_ERUNTIME);
	CU_ASSERT_EQUAL(b, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, dir));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "another servecal holds"));
	DIR *dd = opendir(dir);
	int entries = 0;
	for (struct dirent *de; dd && (de = readdir(dd));)
		entries += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (dd)
		closedir(dd);
	CU_ASSERT_EQUAL(entries, 0); /* no lock file in it */
	results_unlock(a);
	CU_ASSERT_EQUAL(results_lock(dir, &b, NULL), SC_OK);
	CU_ASSERT(b >= 0);
	results_unlock(b);
	char p[1100];
	snprintf(p, sizeof p, "%s/not-yet", dir);
	CU_ASSERT_EQUAL(results_lock(p, &b, NULL), SC_OK);
	CU_ASSERT_EQUAL(b, -1);
	results_unlock(-1);
	testutil_rmtree(dir);
	free(dir);
}

/* jsonw_write of a tree, as a string. */
static char *tree_line(cJSON *j)
{
	char *t = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&t, &len);
	CU_ASSERT(jsonw_write(f, j));
	fclose(f);
	cJSON_Delete(j);
	return t;
}

/* A record of every shape a level writes: ok and failed (HTTP, transport,
 * never sent), open and closed loop, estimated counts, NaN latencies,
 * ITL samples of any size (NaN, huge, tiny), escapes in messages. */
static void random_record(struct rng *g, int i, struct req_record *r,
			  double *itl, int64_t *tok, int32_t *tokn)
{
	memset(r, 0, sizeof *r);
	r->id = (uint64_t)i * 1000003u;
	r->level = i % 3 ? 8 : 2.5;
	r->open_loop = i % 3 == 0;
	r->warmup = i % 7 == 0;
	int64_t t0 = (int64_t)(rng_uniform(g) * 9e15);
	r->start_ns = i % 11 == 5 ? 0 : t0;
	r->sched_ns = t0 - (int64_t)(rng_uniform(g) * 1e6);
	r->first_byte_ns = i % 5 == 1 ? 0 : t0 + 1000003;
	r->first_token_ns = i % 5 == 1 ? 0 : t0 + 2000017;
	r->last_token_ns = r->first_token_ns ? t0 + 90000001 : 0;
	r->end_ns = t0 + 90000177;
	r->input_tokens = i % 4 ? 128 : -1;
	r->prompt_tokens = i % 6 ? 131 : -1;
	r->output_tokens = i % 5 == 1 ? 0 : 200;
	r->output_estimated = i % 8 == 3;
	r->chunks = r->output_tokens;
	r->ok = i % 4 != 2;
	r->reason = r->ok ? REASON_NONE : (enum req_reason)(1 + i % 10);
	r->http_status = r->reason == REASON_HTTP ? 503 : i % 9 ? 200 : 0;
	if (!r->ok)
		snprintf(r->error, sizeof r->error,
			 "bad \"thing\"\n\t\x01 %d \xc3\xa9", i);
	if (i % 3)
		snprintf(r->response_id, sizeof r->response_id, "cmpl-%d", i);
	r->retries = i % 13 == 0;
	r->has_server_timings = i % 2;
	r->server_prompt_ms = 12.3456789;
	r->server_predicted_ms = NAN;
	r->server_prompt_n = 128;
	r->server_predicted_n = -1;
	size_t n = (size_t)(rng_uniform(g) * 40);
	for (size_t k = 0; k < n; k++) {
		double u = rng_uniform(g);
		itl[k] = k == 3 ? NAN : k == 5 ? 1e12 / 3 : pow(10, 12 * u - 7);
		tok[k] = t0 + (int64_t)k * 1000;
		tokn[k] = 1;
	}
	r->itl_ms = itl;
	r->n_itl = n;
	r->tok_ns = tok;
	r->tok_n = tokn;
	r->n_tok = n;
	req_derive(r);
	if (i % 10 == 4)
		r->tpot_ms = 1e-9; /* rounds to 0 as written */
}

/* Each requests.jsonl line is what req_to_json's tree prints, and each
 * profile_export.jsonl line the one made from that line read back
 * (req_from_json, aiperf_record), though both are now written without a
 * tree and the export from the live record. A failure means the files
 * changed bytes, or the export disagrees with the records it came from. */
static void test_lines_as_trees(void)
{
	static const unsigned flag_sets[] = {0, REQ_JSON_ITL,
					     REQ_JSON_ITL | REQ_JSON_TOKENS};
	struct rng g;
	rng_seed(&g, 3);
	for (size_t fs = 0; fs < 3; fs++) {
		char *dir = testutil_tmpdir();
		struct results_writer w = {0};
		CU_ASSERT_EQUAL_FATAL(results_level_begin(&w, dir, "c8", NULL),
				      SC_OK);
		enum { N = 300 };
		char **want = calloc(N, sizeof *want);
		for (int i = 0; i < N; i++) {
			struct req_record r;
			double itl[40];
			int64_t tok[40];
			int32_t tokn[40];
			random_record(&g, i, &r, itl, tok, tokn);
			want[i] = tree_line(req_to_json(&r, flag_sets[fs]));
			CU_ASSERT_EQUAL(
			    results_append(&w, &r, flag_sets[fs], NULL), SC_OK);
		}
		results_level_end(&w);
		long long off = w.wall_offset_ns;
		struct level_summary sum = {0};
		struct level_info li = {.concurrency = 8};
		CU_ASSERT_EQUAL(
		    results_write_aiperf(&w, dir, "c8", &sum, &li, "m", NULL),
		    SC_OK);
		char p[1200];
		snprintf(p, sizeof p, "%s/c8/requests.jsonl", dir);
		FILE *rf = fopen(p, "r");
		snprintf(p, sizeof p, "%s/c8/profile_export.jsonl", dir);
		FILE *ef = fopen(p, "r");
		CU_ASSERT_FATAL(rf && ef);
		char *line = NULL, *eline = NULL;
		size_t cap = 0, ecap = 0;
		int bad = 0, n = 0;
		for (; n < N && getline(&line, &cap, rf) > 0; n++) {
			line[strcspn(line, "\n")] = 0;
			bad += strcmp(line, want[n]) != 0;
			struct req_record b;
			cJSON *j = cJSON_Parse(line);
			CU_ASSERT_EQUAL(req_from_json(j, &b), 0);
			cJSON_Delete(j);
			char *ewant = tree_line(aiperf_record(&b, off));
			req_release(&b);
			CU_ASSERT_FATAL(getline(&eline, &ecap, ef) > 0);
			eline[strcspn(eline, "\n")] = 0;
			if (strcmp(eline, ewant) && bad++ < 3)
				fprintf(stderr, "export: %s\nfrom line: %s\n",
					eline, ewant);
			free(ewant);
		}
		CU_ASSERT_EQUAL(n, N);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT(getline(&line, &cap, ef) < 0); /* no extra line */
		free(line);
		free(eline);
		fclose(rf);
		fclose(ef);
		for (int i = 0; i < N; i++)
			free(want[i]);
		free(want);
		/* the unlinked file of the export lines left nothing behind */
		snprintf(p, sizeof p, "%s/c8", dir);
		DIR *d = opendir(p);
		struct dirent *de;
		int entries = 0;
		while (d && (de = readdir(d)))
			entries += de->d_name[0] != '.';
		if (d)
			closedir(d);
		CU_ASSERT_EQUAL(entries, 4);
		testutil_rmtree(dir);
		free(dir);
	}
}

static CU_TestInfo tests[] = {
    {"level names", test_names},
    {"one holder per results directory", test_lock},
    {"levels, resume flag and CSV", test_levels_and_csv},
    {"record and export lines as their trees print", test_lines_as_trees},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("results", tests)
