/* Parameter table and JSON I/O. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/params.h"
#include "model/perfdb.h"
#include "util/jsonio.h"
#include "testutil.h"

/* Every prior lies inside its documented range and has a source. */
static void test_priors(void)
{
	for (int i = 0; i < MP_COUNT; i++) {
		const struct mp_info *m = &mp_table[i];
		CU_ASSERT_PTR_NOT_NULL_FATAL(m->name);
		CU_ASSERT(m->lo < m->prior && m->prior < m->hi);
		CU_ASSERT(strlen(m->source) > 20);
		CU_ASSERT_EQUAL(params_find(m->name), i);
		CU_ASSERT_EQUAL(params_find(m->json_key), i);
	}
	CU_ASSERT_EQUAL(params_find("nope"), -1);
}

/* JSON values are in the key's unit: tau_s_ms 3 is 3e-3 s. */
static void test_roundtrip(void)
{
	struct model_params p, q;
	struct sc_err e = {0};
	params_default(&p);
	p.v[MP_TAU_S] = 3e-3;
	p.v[MP_ETA_C] = 0.5;
	cJSON *j = params_to_json(&p);
	CU_ASSERT_DOUBLE_EQUAL(cJSON_GetObjectItem(j, "tau_s_ms")->valuedouble,
			       3.0, 1e-12);
	params_default(&q);
	CU_ASSERT_EQUAL(params_from_json(j, "x", &q, &e), SC_OK);
	for (int i = 0; i < MP_COUNT; i++)
		CU_ASSERT_DOUBLE_EQUAL(q.v[i], p.v[i], 1e-15);
	cJSON_Delete(j);
	/* The fitter's nested form. */
	j = cJSON_Parse(
	    "{\"params\":{\"eta_m\":{\"value\":0.6,\"sigma\":0.01}}}");
	CU_ASSERT_EQUAL(params_from_json(j, "fit.json", &q, &e), SC_OK);
	CU_ASSERT_DOUBLE_EQUAL(q.v[MP_ETA_M], 0.6, 1e-15);
	cJSON_Delete(j);
}

static void test_bad(void)
{
	struct model_params p;
	struct sc_err e = {0};
	params_default(&p);
	cJSON *j = cJSON_Parse("{\"eta_q\": 1}");
	CU_ASSERT_EQUAL(params_from_json(j, "p.json", &p, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "p.json: unknown parameter 'eta_q'"));
	cJSON_Delete(j);
	j = cJSON_Parse("{\"eta_c\": -1}");
	CU_ASSERT_EQUAL(params_from_json(j, "p.json", &p, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "'eta_c': -1 is outside its range [0.1, 0.9]"));
	cJSON_Delete(j);
	/* the retired queueing terms of older files are skipped */
	j = cJSON_Parse(
	    "{\"q_knee\": 1, \"q_cohort_max\": 4.5, \"eta_c\": 0.5}");
	CU_ASSERT_EQUAL(params_from_json(j, "p.json", &p, &e), SC_OK);
	CU_ASSERT_DOUBLE_EQUAL(p.v[MP_ETA_C], 0.5, 1e-15);
	cJSON_Delete(j);
	CU_ASSERT_EQUAL(params_load("/nonexistent.json", &p, &e), SC_EINPUT);
}

/* A params file is parsed strictly: trailing data, a parameter given
 * twice (which value would win?) and out-of-range values name the file;
 * a FIFO is refused at once (alarm() fails a hang). Before, the first
 * three loaded the first document and the first duplicate in silence. */
static void test_bad_files(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"{\"eta_c\": 0.5}\nGARBAGE{{{",
	     "data after the JSON value at line 2 column 1"},
	    {"{\"eta_c\": 0.5}{\"eta_c\": 0.5}{\"eta_c\": 0.5}",
	     "data after the JSON value at line 1 column 15"},
	    {"{\"eta_c\": 0.5, \"eta_c\": 0.7}", "duplicate key 'eta_c'"},
	    {"{\"params\": {\"t0_ms\": {\"value\": 1, \"value\": 2}}}",
	     "duplicate key 'value' in params.t0_ms"},
	    {"{\"t0_ms\": 1e18}",
	     "'t0_ms': 1e+18 is outside its range [0.1, 100] ms"},
	};
	char *dir = testutil_tmpdir();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = testutil_write(dir, "p.json", bad[i].text);
		struct model_params p;
		struct sc_err e = {0};
		params_default(&p);
		CU_ASSERT_EQUAL(params_load(path, &p, &e), SC_EINPUT);
		if (!strstr(e.msg, bad[i].want) || !strstr(e.msg, path))
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i,
				e.msg, bad[i].want);
		CU_ASSERT(strstr(e.msg, bad[i].want) && strstr(e.msg, path));
		free(path);
	}
	char fifo[1100];
	snprintf(fifo, sizeof fifo, "%s/fifo.json", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	struct model_params p;
	struct sc_err e = {0};
	alarm(10);
	CU_ASSERT_EQUAL(params_load(fifo, &p, &e), SC_EINPUT);
	alarm(0);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file (a FIFO)"));
	testutil_rmtree(dir);
	free(dir);
}

/* params_resolve: priors unless --params or --db, each named in `from`,
 * never both. A failure means predict and match disagree again on where
 * their parameters come from, or one of them ignores a source. */
static void test_resolve(void)
{
	char *dir = testutil_tmpdir();
	char *fit =
	    testutil_write(dir, "fit.json",
			   "{\"model\": \"qwen3-32b\", \"gpu\": \"h200-sxm\", "
			   "\"backend\": \"vllm\", \"params\": {\"eta_c\": "
			   "{\"value\": 0.612}}}");
	char from[2048];
	struct model_params p, priors;
	struct sc_err e = {0};
	params_default(&priors);
	int eta = params_find("eta_c");
	CU_ASSERT_FATAL(eta >= 0);

	struct params_choice none = {0};
	CU_ASSERT_EQUAL(params_resolve(&none, &p, from, sizeof from, &e),
			SC_OK);
	CU_ASSERT_STRING_EQUAL(from, "priors");
	CU_ASSERT_DOUBLE_EQUAL(p.v[eta], priors.v[eta], 0);

	struct params_choice file = {.file = fit};
	CU_ASSERT_EQUAL(params_resolve(&file, &p, from, sizeof from, &e),
			SC_OK);
	CU_ASSERT_STRING_EQUAL(from, fit);
	CU_ASSERT_DOUBLE_EQUAL(p.v[eta], 0.612, 1e-12);

	/* the database entry written from the same fit */
	char db_dir[1100];
	snprintf(db_dir, sizeof db_dir, "%s/db", dir);
	setenv("SERVECAL_DB", db_dir, 1);
	cJSON *j = jsonio_load_file(fit, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	const char *in[] = {"r"};
	char path[2048];
	CU_ASSERT_EQUAL_FATAL(
	    perfdb_update(j, in, 1, "t", path, sizeof path, &e), SC_OK);
	cJSON_Delete(j);
	struct params_choice db = {
	    .db = true, .gpu = "h200-sxm", .model = "qwen3-32b"};
	CU_ASSERT_EQUAL(params_resolve(&db, &p, from, sizeof from, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(from, path);
	CU_ASSERT_DOUBLE_EQUAL(p.v[eta], 0.612, 1e-12);

	/* the entry as `db show` reads it: names, the value the fit gave,
	 * NaN where it gave none; a second update keeps one earlier fit */
	cJSON *ej = jsonio_load_file(path, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ej);
	struct perfdb_entry ent;
	perfdb_entry_from_json(ej, &ent);
	cJSON_Delete(ej);
	CU_ASSERT_STRING_EQUAL(ent.model, "qwen3-32b");
	CU_ASSERT_STRING_EQUAL(ent.backend, "vllm");
	CU_ASSERT_NOT_EQUAL(strcmp(ent.date, "-"), 0);
	CU_ASSERT_DOUBLE_EQUAL(ent.value[eta], 0.612, 1e-12);
	CU_ASSERT(isnan(ent.sigma[eta]));
	CU_ASSERT_EQUAL(ent.n_history, 0);
	j = jsonio_load_file(fit, &e);
	CU_ASSERT_EQUAL(perfdb_update(j, in, 1, "t", path, sizeof path, &e),
			SC_OK);
	cJSON_Delete(j);
	ej = jsonio_load_file(path, &e);
	perfdb_entry_from_json(ej, &ent);
	cJSON_Delete(ej);
	CU_ASSERT_EQUAL(ent.n_history, 1);

	struct params_choice both = {.file = fit, .db = true};
	CU_ASSERT_EQUAL(params_resolve(&both, &p, from, sizeof from, &e),
			SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "exclude each other"));
	unsetenv("SERVECAL_DB");
	free(fit);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"parameters from priors, --params or --db", test_resolve},
    {"params files: strict JSON, regular files", test_bad_files},
    {"priors inside their ranges", test_priors},
    {"JSON round trip and units", test_roundtrip},
    {"bad parameter files", test_bad},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("params", tests)
