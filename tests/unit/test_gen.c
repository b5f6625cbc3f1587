/* Launch plans (gen/): the backend table is complete, each setting of a
 * deployment spec reaches the engine as the documented flag or config key
 * with the configuration's number, a setting an engine lacks fails the
 * plan naming it, workers are placed on nodes without spanning one,
 * placeholders and shell quoting survive, and Dynamo manifests carry
 * replicas and GPU limits. The golden files of every backend are compared
 * in tests/integration/generate.sh; Slurm job scripts in test_gen_cluster. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen/backends.h"
#include "gen/dgd.h"
#include "gen/gen.h"
#include "gen/shell.h"
#include "gen/subst.h"
#include "testutil.h"

static struct deploy_spec load(const char *fixture)
{
	char rel[256];
	snprintf(rel, sizeof rel, "tests/golden/gen/%s.json", fixture);
	struct deploy_spec d;
	struct sc_err e = {0};
	int rc = deploy_load(testutil_src(rel), &d, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	CU_ASSERT_EQUAL_FATAL(rc, SC_OK);
	return d;
}

/* argv holds flag followed by value (value NULL: the flag alone). */
static bool has(const struct gen_proc *p, const char *flag, const char *value)
{
	for (size_t i = 0; i < p->argc; i++)
		if (!strcmp(p->argv[i], flag) &&
		    (!value ||
		     (i + 1 < p->argc && !strcmp(p->argv[i + 1], value))))
			return true;
	return false;
}

static bool unsupported_has(const struct gen_plan *p, const char *text)
{
	for (size_t i = 0; i < p->n_unsupported; i++)
		if (strstr(p->unsupported[i], text))
			return true;
	return false;
}

/* A base row that forgot a setting would drop it silently: every base
 * row says for each setting how it is written or that it cannot be. */
static void test_table_complete(void)
{
	size_t rows = 0;
	for (size_t i = 0; gen_backend_at(i); i++, rows++) {
		const struct gen_backend *b = gen_backend_at(i);
		CU_ASSERT_PTR_NOT_NULL(b->version);
		CU_ASSERT_PTR_NOT_NULL(strstr(b->doc, "http"));
		CU_ASSERT_PTR_NOT_NULL(b->health);
		bool model = false;
		for (size_t k = 0; b->program[k]; k++)
			model |= !strcmp(b->program[k], "{MODEL}");
		CU_ASSERT(model);
		if (b->base) {
			CU_ASSERT_STRING_EQUAL(b->name, "dynamo");
			CU_ASSERT_PTR_NOT_NULL(b->engine);
			continue;
		}
		for (int o = 0; o < GEN_O_COUNT; o++) {
			const struct gen_map *m = &b->map[o];
			if (m->form == GEN_INHERIT)
				fprintf(stderr, "%s: %s has no entry\n",
					b->name, gen_opt_name(o));
			CU_ASSERT(m->form != GEN_INHERIT);
			if (m->form == GEN_FLAG || m->form == GEN_SWITCH ||
			    m->form == GEN_YAML)
				CU_ASSERT_PTR_NOT_NULL(m->key);
		}
	}
	CU_ASSERT_EQUAL(rows, 7); /* vllm sglang trtllm dynamo x3 llamacpp */
	CU_ASSERT_PTR_NULL(gen_backend_find("tgi", NULL));
	CU_ASSERT_STRING_EQUAL(gen_backend_find("dynamo", NULL)->engine,
			       "vllm");
}

struct flag_case {
	const char *fixture, *backend, *engine;
	size_t procs;	       /* processes of the plan */
	const char *proc;      /* the process checked */
	const char *flags[12]; /* flag, value (or NULL), ... */
};

/* The numbers of the configuration reach the engine as its flags. */
static void test_flags(void)
{
	static const struct flag_case cases[] = {
	    {"seed-agg",
	     "vllm",
	     NULL,
	     1,
	     "agg-0",
	     {"--tensor-parallel-size", "2", "--data-parallel-size", "4",
	      "--max-num-seqs", "32", "--max-num-batched-tokens", "2048",
	      "--kv-cache-dtype", "fp8", "--no-enable-prefix-caching", NULL}},
	    {"seed-agg",
	     "sglang",
	     NULL,
	     1,
	     "agg-0",
	     {"--tp-size", "2", "--dp-size", "4", "--max-running-requests",
	      "32", "--chunked-prefill-size", "2048", "--enable-mixed-chunk",
	      NULL, "--disable-radix-cache", NULL}},
	    {"seed-disagg",
	     "vllm",
	     NULL,
	     5,
	     "prefill-2",
	     {"--max-num-seqs", "2", "--max-num-batched-tokens", "8000",
	      "--no-enable-chunked-prefill", NULL, "--port", "{PORT+3}",
	      "--kv-transfer-config",
	      "{\"kv_connector\":\"NixlConnector\",\"kv_role\":\"kv_both\"}"}},
	    {"seed-disagg",
	     "sglang",
	     NULL,
	     5,
	     "decode-0",
	     {"--tp-size", "2", "--max-running-requests", "88",
	      "--disaggregation-mode", "decode", "--kv-cache-dtype",
	      "fp8_e4m3"}},
	    {"seed-disagg",
	     "sglang",
	     NULL,
	     5,
	     "frontend",
	     {"--pd-disaggregation", NULL, "--prefill",
	      "http://{HOST:0}:{PORT+1}", "--decode",
	      "http://{HOST:0}:{PORT+4}", "--port", "{PORT+0}"}},
	    {"seed-disagg",
	     "dynamo",
	     "vllm",
	     5,
	     "prefill-0",
	     {"--is-prefill-worker", NULL, "--max-num-seqs", "2"}},
	    {"tiny-agg",
	     "llamacpp",
	     NULL,
	     1,
	     "agg-0",
	     {"--parallel", "3", "--batch-size", "1024", "--ctx-size", "960",
	      "--threads", "1", "--alias", "tiny-llama"}},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct flag_case *k = &cases[c];
		struct deploy_spec d = load(k->fixture);
		struct gen_opts o = {.backend = k->backend,
				     .engine = k->engine,
				     .model_path = "m",
				     .max_model_len = 320};
		if (strcmp(k->fixture, "tiny-agg"))
			o.max_model_len = 4500;
		struct gen_plan p;
		struct sc_err e = {0};
		int rc = gen_plan_build(&d, &o, &p, &e);
		if (rc)
			fprintf(stderr, "%s/%s: %s\n", k->fixture, k->backend,
				e.msg);
		CU_ASSERT_EQUAL(rc, SC_OK);
		CU_ASSERT_EQUAL(p.n_procs, k->procs);
		const struct gen_proc *pr = NULL;
		for (size_t i = 0; i < p.n_procs; i++)
			if (!strcmp(p.procs[i].name, k->proc))
				pr = &p.procs[i];
		CU_ASSERT_PTR_NOT_NULL_FATAL(pr);
		for (size_t f = 0; f < 12 && k->flags[f]; f += 2) {
			bool ok = has(pr, k->flags[f], k->flags[f + 1]);
			if (!ok)
				fprintf(stderr, "%s/%s %s: no %s %s\n",
					k->fixture, k->backend, k->proc,
					k->flags[f],
					k->flags[f + 1] ? k->flags[f + 1] : "");
			CU_ASSERT(ok);
		}
		gen_plan_release(&p);
		deploy_release(&d);
	}
}

/* TensorRT-LLM's settings go to its LLM-API file, one per role, with
 * the role's numbers; the workers name the file. */
static void test_trtllm_config(void)
{
	struct deploy_spec d = load("seed-disagg");
	struct gen_opts o = {.backend = "trtllm", .max_model_len = 4500};
	struct gen_plan p;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(gen_plan_build(&d, &o, &p, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(p.model_path, "Qwen/Qwen3-32B-FP8");
	CU_ASSERT_EQUAL(p.n_files, 3); /* prefill, decode, disagg.yaml */
	const cJSON *pre = NULL, *dec = NULL, *dis = NULL;
	for (size_t i = 0; i < p.n_files; i++) {
		if (!strcmp(p.files[i].name, "extra-llm-api-prefill.yaml"))
			pre = p.files[i].doc;
		if (!strcmp(p.files[i].name, "extra-llm-api-decode.yaml"))
			dec = p.files[i].doc;
		if (!strcmp(p.files[i].name, "disagg.yaml"))
			dis = p.files[i].doc;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(pre);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dec);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dis);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(pre, "max_batch_size")->valueint,
			2);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(pre, "max_num_tokens")->valueint,
			8000);
	CU_ASSERT(
	    cJSON_IsFalse(cJSON_GetObjectItem(pre, "enable_chunked_prefill")));
	CU_ASSERT(cJSON_IsTrue(
	    cJSON_GetObjectItem(pre, "disable_overlap_scheduler")));
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(dec, "max_batch_size")->valueint,
			88);
	CU_ASSERT_EQUAL(
	    cJSON_GetObjectItem(dec, "tensor_parallel_size")->valueint, 2);
	/* a decode worker computes no prompts: no chunking setting */
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(dec, "enable_chunked_prefill"));
	const cJSON *kv = cJSON_GetObjectItem(dec, "kv_cache_config");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(kv, "dtype")->valuestring,
			       "fp8");
	CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(kv, "enable_block_reuse")));
	CU_ASSERT_EQUAL(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(dis, "context_servers"),
				"num_instances")
		->valueint,
	    3);
	CU_ASSERT(has(&p.procs[0], "--extra_llm_api_options",
		      "{DIR}/extra-llm-api-prefill.yaml"));
	gen_plan_release(&p);
	deploy_release(&d);
}

struct err_case {
	const char *fixture, *backend;
	int rc;
	const char *says[3];
};

/* What an engine cannot do is an error naming the setting, never a
 * dropped flag. */
static void test_unsupported(void)
{
	static const struct err_case cases[] = {
	    {"seed-agg",
	     "trtllm",
	     SC_EINPUT,
	     {"agg replicas behind one endpoint (count) = 4", "dynamo"}},
	    {"seed-agg-whole",
	     "vllm",
	     SC_EINPUT,
	     {"max_num_tokens 1024 < max_model_len 4500"}},
	    {"seed-agg-whole", "sglang", SC_EINPUT, {"needs chunked prefill"}},
	    {"seed-agg",
	     "llamacpp",
	     SC_EINPUT,
	     {"FP8 KV cache", "tensor parallel size (tp) = 2", "FP8 weights"}},
	    {"seed-disagg",
	     "llamacpp",
	     SC_EINPUT,
	     {"prefill workers (mode disagg)", "decode workers"}},
	    {"seed-agg", "tgi", SC_EINVAL, {0}},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		const struct err_case *k = &cases[c];
		struct deploy_spec d = load(k->fixture);
		struct gen_opts o = {.backend = k->backend,
				     .model_path = "m",
				     .max_model_len = 4500};
		struct gen_plan p;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(gen_plan_build(&d, &o, &p, &e), k->rc);
		for (size_t s = 0; s < 3 && k->says[s]; s++) {
			bool ok = unsupported_has(&p, k->says[s]);
			if (!ok)
				fprintf(stderr, "%s/%s: '%s' not named (%s)\n",
					k->fixture, k->backend, k->says[s],
					e.msg);
			CU_ASSERT(ok);
		}
		gen_plan_release(&p);
		deploy_release(&d);
	}
	/* Only llama-server bounds what it takes in (engine_wait). */
	{
		struct deploy_spec d = load("seed-agg");
		for (size_t g = 0; g < d.n_groups; g++)
			d.groups[g].sched.engine_wait = 2;
		struct gen_opts o = {.backend = "vllm",
				     .model_path = "m",
				     .max_model_len = 4500};
		struct gen_plan p;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(gen_plan_build(&d, &o, &p, &e), SC_EINPUT);
		CU_ASSERT(unsupported_has(&p,
					  "requests taken in beyond the slots "
					  "(scheduler.engine_wait)"));
		gen_plan_release(&p);
		deploy_release(&d);
	}
	/* SGLang admits whole prompts over the budget: no budget error. */
	struct deploy_spec d = load("seed-disagg");
	struct gen_opts o = {.backend = "sglang", .max_model_len = 100000};
	struct gen_plan p;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(gen_plan_build(&d, &o, &p, &e), SC_OK);
	gen_plan_release(&p);
	deploy_release(&d);
}

/* Workers fill nodes in order and never span one. */
static void test_placement(void)
{
	struct deploy_spec d = load("seed-disagg");
	struct gen_opts o = {
	    .backend = "vllm", .max_model_len = 4500, .gpus_per_node = 2};
	struct gen_plan p;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(gen_plan_build(&d, &o, &p, &e), SC_OK);
	/* prefill 1+1 | 1, decode 2 does not fit beside it | decode */
	CU_ASSERT_EQUAL(p.nodes, 3);
	static const long node[] = {0, 0, 1, 2}, first[] = {0, 1, 0, 0};
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(p.procs[i].node, node[i]);
		CU_ASSERT_EQUAL(p.procs[i].gpu_first, first[i]);
	}
	/* the proxy on node 0 reaches the decode worker on node 2 */
	CU_ASSERT(has(&p.procs[4], "--decoder-hosts", "{HOST:2}"));
	gen_plan_release(&p);
	deploy_release(&d);

	d = load("seed-agg"); /* 4 x tp2 as one data-parallel engine */
	o = (struct gen_opts){.backend = "vllm", .gpus_per_node = 4};
	CU_ASSERT_EQUAL(gen_plan_build(&d, &o, &p, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "needs 8 GPUs in one process"));
	gen_plan_release(&p);
	o.backend = "dynamo"; /* Dynamo runs the replicas apart: 2 nodes */
	CU_ASSERT_EQUAL(gen_plan_build(&d, &o, &p, &e), SC_OK);
	CU_ASSERT_EQUAL(p.nodes, 2);
	gen_plan_release(&p);
	deploy_release(&d);
}

struct subst_case {
	const char *in, *literal;
};

/* Placeholders are found, JSON braces are text. */
static void test_subst(void)
{
	static const struct subst_case cases[] = {
	    {"{MODEL}", "Q/M"},
	    {"http://{HOST:3}:{PORT+2}", "http://h:8002"},
	    {"{\"kv_role\":\"kv_both\"}", "{\"kv_role\":\"kv_both\"}"},
	    {"{VAR:PROXY:p.py}", "p.py"},
	    {"{PORT+x}{BIND}", "{PORT+x}0.0.0.0"},
	    {"{DIR}/a.yaml", "/d/a.yaml"},
	};
	const struct gen_literal lit = {.model = "Q/M",
					.bind = "0.0.0.0",
					.dir = "/d",
					.port = 8000,
					.host = "h"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct textbuf t;
		textbuf_init(&t);
		gen_subst_literal(&t, cases[i].in, &lit);
		CU_ASSERT_STRING_EQUAL(t.s, cases[i].literal);
		textbuf_release(&t);
	}
	CU_ASSERT(!gen_subst_has("{\"a\": 1}"));
	CU_ASSERT(gen_subst_has("x{PORT+0}"));
}

/* One argument is one shell word: JSON in single quotes, placeholders
 * as expansions inside double quotes with the rest escaped. */
static void test_shell_word(void)
{
	static const struct subst_case cases[] = {
	    {"--max-num-seqs", "--max-num-seqs"},
	    {"{\"a\":\"b\"}", "'{\"a\":\"b\"}'"},
	    {"it's", "'it'\\''s'"},
	    {"{PORT+2}", "\"$((PORT + 2))\""},
	    {"http://{HOST:1}:{PORT+0}",
	     "\"http://${HOSTS_ARR[1]}:$((PORT + 0))\""},
	    {"{DIR}/$x", "\"${GEN_DIR}/\\$x\""},
	    {"{VAR:P:t.py}", "\"${P:-t.py}\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct textbuf t;
		textbuf_init(&t);
		gen_shell_word(&t, cases[i].in);
		CU_ASSERT_STRING_EQUAL(t.s, cases[i].literal);
		textbuf_release(&t);
	}
}

/* The manifest says what the configuration says: replicas per group, a
 * GPU limit per replica, and the engine config in a ConfigMap. */
static void test_dgd(void)
{
	struct deploy_spec d = load("seed-disagg");
	snprintf(d.name, sizeof d.name, "Seed_Disagg.v2");
	struct gen_opts o = {.backend = "dynamo", .max_model_len = 4500};
	struct gen_plan p;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(gen_plan_build(&d, &o, &p, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(p.b->engine, "trtllm"); /* the spec's backend */
	cJSON *docs = gen_dgd_manifest(&p, "ns1");
	CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(docs), 2);
	const cJSON *cm = cJSON_GetArrayItem(docs, 0),
		    *g = cJSON_GetArrayItem(docs, 1);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cm, "kind")->valuestring,
			       "ConfigMap");
	const cJSON *meta = cJSON_GetObjectItem(g, "metadata");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(meta, "name")->valuestring,
			       "seed-disagg-v2");
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(meta, "namespace")->valuestring, "ns1");
	const cJSON *svcs =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(g, "spec"), "services");
	const cJSON *pre = cJSON_GetObjectItem(svcs, "TrtllmPrefillWorker");
	const cJSON *dec = cJSON_GetObjectItem(svcs, "TrtllmDecodeWorker");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pre);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dec);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(pre, "replicas")->valueint, 3);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(dec, "replicas")->valueint, 1);
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(dec, "resources"),
				    "limits"),
		"gpu")
		->valuestring,
	    "2");
	char svc[96];
	gen_dgd_frontend_service(&p, svc, sizeof svc);
	CU_ASSERT_STRING_EQUAL(svc, "seed-disagg-v2-frontend");
	cJSON_Delete(docs);
	gen_plan_release(&p);
	deploy_release(&d);
}

static CU_TestInfo tests[] = {
    {"every base row maps every setting", test_table_complete},
    {"configuration numbers become engine flags", test_flags},
    {"TensorRT-LLM settings go to its LLM-API file", test_trtllm_config},
    {"a setting an engine lacks is an error naming it", test_unsupported},
    {"workers fill nodes and never span one", test_placement},
    {"placeholders are found, JSON is text", test_subst},
    {"arguments are single shell words", test_shell_word},
    {"Dynamo manifests carry replicas and GPU limits", test_dgd},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("gen", tests)
