/* servecal import table: every record of the shared published table
 * becomes one level of a configuration whose deployment loads, with the
 * record's load, GPUs, model and engine; CSV columns are found through the
 * map; rows that cannot become levels are refused naming row and field. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "metrics/table.h"
#include "model/deploy.h"
#include "util/jsonio.h"
#include "testutil.h"

static double num(const cJSON *o, const char *a, const char *b)
{
	o = cJSON_GetObjectItem(o, a);
	if (b)
		o = cJSON_GetObjectItem(o, b);
	return cJSON_IsNumber(o) ? o->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *a, const char *b)
{
	o = cJSON_GetObjectItem(o, a);
	if (b)
		o = cJSON_GetObjectItem(o, b);
	return cJSON_IsString(o) ? o->valuestring : "";
}

/* The level of record id, and its configuration. */
static const struct table_level *find(const struct table_result *t, long id,
				      const struct table_config **cfg)
{
	for (size_t c = 0; c < t->n_configs; c++)
		for (size_t i = 0; i < t->configs[c].n_levels; i++) {
			const cJSON *s = t->configs[c].levels[i].summary;
			if ((long)num(s, "source", "id") == id) {
				*cfg = &t->configs[c];
				return &t->configs[c].levels[i];
			}
		}
	return NULL;
}

/* The load a record states, read independently of the importer: what a
 * person reading load_type and load_value would call it. */
static const char *expected_kind(const cJSON *r)
{
	const char *lt = str(r, "load_type", NULL);
	const cJSON *lv = cJSON_GetObjectItem(r, "load_value");
	bool inf =
	    cJSON_IsString(lv) && !strncasecmp(lv->valuestring, "inf", 3);
	if (strstr(lt, "prefill"))
		return "prefill_only";
	if (strstr(lt, "decode"))
		return "decode_only";
	if (strstr(lt, "concurrency"))
		return "closed";
	if (strstr(lt, "request_rate") && !inf)
		return "open";
	return "burst";
}

/* Catalog GPU of a record's gpu_type, by its model number. */
static const char *expected_gpu(const char *g)
{
	static const char *const names[][2] = {{"H200", "H200-SXM"},
					       {"H100", "H100-SXM"},
					       {"A100", "A100-80GB"},
					       {"B200", "B200"}};
	for (size_t i = 0; i < 4; i++)
		if (strstr(g, names[i][0]))
			return names[i][1];
	return "?";
}

static const char *expected_model(const char *m)
{
	if (strstr(m, "DeepSeek"))
		return "DeepSeek-V3";
	if (strstr(m, "Qwen3-235B"))
		return "Qwen3-235B-A22B";
	if (strstr(m, "70B"))
		return "Llama-3.1-70B";
	if (strstr(m, "8B"))
		return "Llama-3.1-8B";
	return "?";
}

static const char *expected_backend(const char *eng)
{
	if (strstr(eng, "TensorRT"))
		return "trtllm";
	if (strstr(eng, "SGLang"))
		return "sglang";
	if (strstr(eng, "vLLM"))
		return "vllm";
	return "?";
}

static void test_published(void)
{
	const char *path =
	    testutil_src("../shared/published/measurements.jsonl");
	if (access(path, R_OK)) {
		fprintf(
		    stderr,
		    "(no ../shared/published/measurements.jsonl: skipped) ");
		return;
	}
	struct table_result t;
	struct sc_err e = {0};
	int rc = table_import(path, NULL, &t, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
	char *text = jsonio_read_text(path, 16u << 20, NULL, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	size_t records = 0, levels = 0;
	for (size_t c = 0; c < t.n_configs; c++)
		levels += t.configs[c].n_levels;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *r = cJSON_Parse(line);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		records++;
		long id = (long)num(r, "id", NULL);
		const struct table_config *cfg = NULL;
		const struct table_level *lv = find(&t, id, &cfg);
		CU_ASSERT_PTR_NOT_NULL_FATAL(lv);
		const cJSON *s = lv->summary;
		/* The load as stated, with its value. */
		const char *kind = expected_kind(r);
		CU_ASSERT_STRING_EQUAL(str(s, "load", "kind"), kind);
		double v = num(r, "load_value", NULL);
		if (!strcmp(kind, "open")) {
			CU_ASSERT_DOUBLE_EQUAL(num(s, "load", "rate_per_s"), v,
					       1e-12);
			CU_ASSERT_EQUAL(lv->name[0], 'r');
		} else if (!strcmp(kind, "closed")) {
			CU_ASSERT_DOUBLE_EQUAL(num(s, "load", "users"), v,
					       1e-12);
			CU_ASSERT_EQUAL(lv->name[0], 'c');
		} else if (!strcmp(kind, "burst")) {
			CU_ASSERT(!strncmp(lv->name, "burst", 5));
		}
		/* The configuration: a deployment that loads, of the
		 * record's model, GPU, engine and GPU count. */
		struct deploy_spec d;
		rc = deploy_from_json(cfg->deployment, cfg->name, NULL, &d, &e);
		if (rc)
			fprintf(stderr, "record %ld: %s\n", id, e.msg);
		CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
		CU_ASSERT_STRING_EQUAL(d.model.name,
				       expected_model(str(r, "model", NULL)));
		CU_ASSERT_STRING_EQUAL(d.gpu.name,
				       expected_gpu(str(r, "gpu_type", NULL)));
		CU_ASSERT_STRING_EQUAL(
		    d.backend, expected_backend(str(r, "engine", NULL)));
		/* A pool measured alone: its own GPUs (the other pool is a
		 * stand-in). */
		bool pool = strstr(kind, "_only") != NULL;
		CU_ASSERT_EQUAL(d.mode, pool ? DEPLOY_DISAGG : DEPLOY_AGG);
		const struct worker_spec *g = deploy_group(
		    &d, !pool				? ROLE_AGG
			: !strcmp(kind, "prefill_only") ? ROLE_PREFILL
							: ROLE_DECODE);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_EQUAL(g->count * worker_gpus(&g->shape),
				(long)num(r, "gpu_count", NULL));
		/* Stated lengths are kept; metrics it has are where they go. */
		if (isfinite(num(r, "isl", NULL)))
			CU_ASSERT_DOUBLE_EQUAL(num(s, "isl", NULL),
					       num(r, "isl", NULL), 1e-12);
		if (isfinite(num(r, "ttft_mean_ms", NULL)))
			CU_ASSERT_DOUBLE_EQUAL(num(s, "ttft_ms", "mean"),
					       num(r, "ttft_mean_ms", NULL),
					       1e-12);
		if (isfinite(num(r, "tpot_median_ms", NULL)))
			CU_ASSERT_DOUBLE_EQUAL(num(s, "tpot_ms", "p50"),
					       num(r, "tpot_median_ms", NULL),
					       1e-12);
		if (isfinite(num(r, "output_tok_s_total", NULL)))
			CU_ASSERT_DOUBLE_EQUAL(
			    num(s, "throughput", "output_tokens_per_s"),
			    num(r, "output_tok_s_total", NULL), 1e-9);
		deploy_release(&d);
		cJSON_Delete(r);
	}
	/* One level per record, none twice. */
	CU_ASSERT_EQUAL(records, t.rows);
	CU_ASSERT_EQUAL(levels, records);
	/* Spot checks of what had to be worked out. */
	const struct table_config *cfg;
	const struct table_level *lv = find(&t, 6, &cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(lv); /* TRT QPS INF: 500 at once */
	CU_ASSERT_STRING_EQUAL(lv->name, "burst");
	CU_ASSERT_EQUAL(num(lv->summary, "load", "requests"), 500);
	lv = find(&t, 46, &cfg); /* batch 256 per device over EP72 */
	CU_ASSERT_PTR_NOT_NULL_FATAL(lv);
	CU_ASSERT_EQUAL(num(lv->summary, "load", "users"), 256 * 72);
	/* 256 experts do not split over 72 GPUs: 288 with copies. */
	CU_ASSERT_EQUAL(num(cJSON_GetObjectItem(cfg->deployment, "model"),
			    "moe", "experts"),
			288);
	lv = find(&t, 57, &cfg); /* max_batch_size 128 per attention-DP rank */
	CU_ASSERT_PTR_NOT_NULL_FATAL(lv);
	const cJSON *w = cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cfg->deployment, "workers"), 0);
	CU_ASSERT_EQUAL(num(w, "max_batch", NULL), 128 * 8);
	CU_ASSERT_EQUAL(num(w, "dp", NULL), 8);
	CU_ASSERT_EQUAL(num(w, "ep", NULL), 8);
	lv = find(&t, 50, &cfg); /* one sweep over ISL/OSL: named apart */
	CU_ASSERT_PTR_NOT_NULL_FATAL(lv);
	CU_ASSERT_STRING_EQUAL(lv->name, "burst-20000x2000");
	lv = find(&t, 54, &cfg); /* per-GPU throughput times its GPUs */
	CU_ASSERT_PTR_NOT_NULL_FATAL(lv);
	CU_ASSERT_DOUBLE_EQUAL(
	    num(lv->summary, "throughput", "output_tokens_per_s"), 3268.0 * 4,
	    1e-9);
	/* CPU work between iterations, by engine version: SGLang 0.3 had no
	 * overlap scheduler (0.10), vLLM 0.6 with --num-scheduler-steps 10
	 * schedules once in 10 iterations (0.76 / 10), SGLang 0.4.1 hides
	 * it (none). A wrong version test would charge the wrong engines. */
	static const struct {
		long id;
		double share;
	} cpu[] = {{31, 0.10}, {36, 0.29 / 0.38 / 10}, {39, -1}};
	for (size_t i = 0; i < sizeof cpu / sizeof *cpu; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(find(&t, cpu[i].id, &cfg));
		const cJSON *sc =
		    cJSON_GetObjectItem(cfg->deployment, "scheduler");
		const cJSON *v =
		    sc ? cJSON_GetObjectItem(sc, "cpu_share") : NULL;
		if (cpu[i].share < 0) {
			CU_ASSERT_PTR_NULL(v);
		} else {
			CU_ASSERT_DOUBLE_EQUAL(v ? v->valuedouble : -1,
					       cpu[i].share, 1e-12);
		}
	}
	free(text);
	table_result_release(&t);
}

static const char csv[] =
    "Engine,GPU,GPUs,TP,Model,Rate,Kind,In,Out,TTFT (ms),Output tok/s\n"
    "TensorRT-LLM,H100 SXM,4,4,meta-llama/Llama-3.1-70B,2,request "
    "rate,467,256,62,498\n"
    "TensorRT-LLM,H100 SXM,4,4,meta-llama/Llama-3.1-70B,inf,request "
    "rate,467,256,9123,4103\n"
    "vLLM,A100,1,1,meta-llama/"
    "Llama-3.1-8B-Instruct,8,concurrency,1000,100,,900\n";
static const char map[] = "engine=Engine,gpu_type=GPU,gpu_count=GPUs,tp=TP,"
			  "model=Model,load_value=Rate,"
			  "load_type=Kind,isl=In,osl=Out,ttft_mean_ms=TTFT "
			  "(ms),output_tok_s_total=Output tok/s";

static void test_csv_map(void)
{
	char *dir = testutil_tmpdir();
	char *path = testutil_write(dir, "t.csv", csv);
	struct table_result t;
	struct sc_err e = {0};
	int rc = table_import(path, map, &t, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
	CU_ASSERT_EQUAL(t.rows, 3);
	CU_ASSERT_EQUAL_FATAL(t.n_configs, 2); /* 70B TP4 H100, 8B A100 */
	CU_ASSERT_EQUAL_FATAL(t.configs[0].n_levels, 2);
	CU_ASSERT_STRING_EQUAL(t.configs[0].levels[0].name, "r2");
	CU_ASSERT_STRING_EQUAL(t.configs[0].levels[1].name, "burst");
	CU_ASSERT_EQUAL(num(t.configs[0].levels[1].summary, "ttft_ms", "mean"),
			9123);
	CU_ASSERT_STRING_EQUAL(t.configs[1].levels[0].name, "c8");
	/* The row without a TTFT says so. */
	const cJSON *s = t.configs[1].levels[0].summary, *m;
	bool listed = false;
	cJSON_ArrayForEach(m, cJSON_GetObjectItem(s, "missing")) listed |=
	    !strcmp(m->valuestring, "ttft_ms");
	CU_ASSERT(listed);
	CU_ASSERT(cJSON_IsNull(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(s, "ttft_ms"), "mean")));
	CU_ASSERT_STRING_EQUAL(str(t.configs[1].deployment, "backend", NULL),
			       "vllm");
	table_result_release(&t);
	/* Unmapped, the CSV's own names are not fields: the model is
	 * missing, and the message says how to map it. */
	rc = table_import(path, NULL, &t, &e);
	CU_ASSERT_EQUAL(rc, SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "--map"));
	table_result_release(&t);
	/* A map naming a field that does not exist is a usage error. */
	CU_ASSERT_EQUAL(table_import(path, "gpu=GPU", &t, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "unknown field 'gpu'"));
	table_result_release(&t);
	CU_ASSERT_EQUAL(table_import(path, "model", &t, &e), SC_EINVAL);
	table_result_release(&t);
	free(path);
	testutil_rmtree(dir);
	free(dir);
}

/* Rows that cannot become levels: the message names file, line and
 * field. */
static void test_bad_rows(void)
{
	static const struct {
		const char *row, *want;
	} cases[] = {
	    {"{\"engine\":\"vLLM\",\"model\":\"meta-llama/"
	     "Llama-3.1-8B\",\"gpu_type\":\"TPU "
	     "v5\",\"load_type\":\"concurrency\",\"load_value\":4}",
	     "field 'gpu_type'"},
	    {"{\"engine\":\"vLLM\",\"model\":\"mystery/"
	     "Model-9B\",\"gpu_type\":\"H100\",\"load_type\":\"concurrency\","
	     "\"load_value\":4}",
	     "field 'model'"},
	    {"{\"engine\":\"vLLM\",\"model\":\"meta-llama/"
	     "Llama-3.1-8B\",\"gpu_type\":\"H100\",\"load_type\":\"sometimes\","
	     "\"load_value\":4}",
	     "unknown load"},
	    {"{\"engine\":\"vLLM\",\"model\":\"meta-llama/"
	     "Llama-3.1-8B\",\"gpu_type\":\"H100\",\"load_type\":\"request_"
	     "rate\",\"load_value\":-2}",
	     "field 'load_value'"},
	    {"{\"engine\":\"vLLM\",\"model\":\"meta-llama/"
	     "Llama-3.1-8B\",\"gpu_type\":\"H100\",\"load_type\":"
	     "\"concurrency\",\"load_value\":4,\"ttft_mean_ms\":-5}",
	     "field 'ttft_mean_ms'"},
	    {"{\"engine\":\"Mystery\",\"model\":\"meta-llama/"
	     "Llama-3.1-8B\",\"gpu_type\":\"H100\",\"load_type\":"
	     "\"concurrency\",\"load_value\":4}",
	     "no engine"},
	    {"{\"engine\":\"vLLM\",\"model\":\"meta-llama/"
	     "Llama-3.1-8B\",\"gpu_type\":\"A100\",\"weight_dtype\":\"fp8\","
	     "\"load_type\":\"concurrency\",\"load_value\":4}",
	     "field 'weight_dtype'"},
	    {"not json", "t.jsonl:2"},
	};
	char *dir = testutil_tmpdir();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char text[1024];
		snprintf(text, sizeof text, "\n%s\n", cases[i].row);
		char *path = testutil_write(dir, "t.jsonl", text);
		struct table_result t;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(table_import(path, NULL, &t, &e), SC_EINPUT);
		if (!strstr(e.msg, cases[i].want))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, e.msg,
				cases[i].want);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, cases[i].want));
		/* the row's line (2: after a blank one) */
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "t.jsonl:2"));
		table_result_release(&t);
		free(path);
	}
	testutil_rmtree(dir);
	free(dir);
}

/* The "load" object an import writes reads back with its kind and its
 * users or rate (fit/obs.c projects each level with its own load); a
 * malformed one is named. A reader that drifted from table_import's keys
 * fails here. */
static void test_load_read_back(void)
{
	char *dir = testutil_tmpdir();
	char *path = testutil_write(
	    dir, "t.jsonl",
	    "{\"engine\":\"vLLM\",\"model\":\"meta-llama/Llama-3.1-8B\","
	    "\"gpu_type\":\"H100\",\"load_type\":\"concurrency\","
	    "\"load_value\":4,\"ttft_mean_ms\":50}\n"
	    "{\"engine\":\"vLLM\",\"model\":\"meta-llama/Llama-3.1-8B\","
	    "\"gpu_type\":\"H100\",\"load_type\":\"request_rate\","
	    "\"load_value\":2.5,\"ttft_mean_ms\":40}\n");
	struct table_result t;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(table_import(path, NULL, &t, &e), SC_OK);
	size_t seen = 0;
	for (size_t c = 0; c < t.n_configs; c++)
		for (size_t l = 0; l < t.configs[c].n_levels; l++) {
			struct table_load_info tl;
			const cJSON *j = t.configs[c].levels[l].summary;
			CU_ASSERT_EQUAL_FATAL(
			    table_load_from_json(j, "S", &tl, &e), SC_OK);
			if (tl.kind == TABLE_CLOSED) {
				CU_ASSERT_DOUBLE_EQUAL(tl.users, 4, 0);
				CU_ASSERT(isnan(tl.rate_per_s));
			} else {
				CU_ASSERT_EQUAL(tl.kind, TABLE_OPEN);
				CU_ASSERT_DOUBLE_EQUAL(tl.rate_per_s, 2.5, 0);
				CU_ASSERT(isnan(tl.users));
			}
			seen++;
		}
	CU_ASSERT_EQUAL(seen, 2);
	table_result_release(&t);
	free(path);
	testutil_rmtree(dir);
	free(dir);
	static const struct {
		const char *text, *want;
		int rc;
	} cases[] = {
	    {"{\"concurrency\": 4}", NULL, 1},
	    {"{\"load\": 3}", "S: field 'load': must be an object", SC_EINPUT},
	    {"{\"load\": {\"kind\": \"sometimes\"}}",
	     "S: field 'load.kind': unknown load 'sometimes'", SC_EINPUT},
	    {"{\"load\": {\"kind\": \"closed\", \"users\": 0}}",
	     "S: field 'load.users'", SC_EINPUT},
	    {"{\"load\": {\"kind\": \"open\", \"rate_per_s\": \"2\"}}",
	     "S: field 'load.rate_per_s': must be a number", SC_EINPUT},
	    {"{\"load\": {\"kind\": \"prefill_only\", "
	     "\"tokens_per_iteration\": 1e300}}",
	     "S: field 'load.tokens_per_iteration'", SC_EINPUT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		cJSON *j = cJSON_Parse(cases[i].text);
		struct table_load_info tl;
		e.msg[0] = 0;
		CU_ASSERT_EQUAL(table_load_from_json(j, "S", &tl, &e),
				cases[i].rc);
		if (cases[i].want && !strstr(e.msg, cases[i].want))
			fprintf(stderr, "case %zu: '%s' lacks '%s'\n", i, e.msg,
				cases[i].want);
		CU_ASSERT(!cases[i].want || strstr(e.msg, cases[i].want));
		cJSON_Delete(j);
	}
}

static CU_TestInfo tests[] = {
    {"an import's load object read back; malformed ones named",
     test_load_read_back},
    {"the shared published table: every record a level", test_published},
    {"CSV through a column map", test_csv_map},
    {"rows that cannot become levels", test_bad_rows},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("table", tests)
