/* Spec loaders: every validation error names the file, the field and the
 * problem; valid shipped files load and round-trip. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/deploy.h"
#include "model/gpuspec.h"
#include "model/modelspec.h"
#include "testutil.h"

#define QWEN_OK                                                                \
	"\"name\":\"t\",\"layers\":4,\"hidden\":256,\"q_heads\":8,"            \
	"\"kv_heads\":2,\"head_dim\":32,\"ffn\":512,\"vocab\":1000"

enum kind { MODEL, GPU, DEPLOY };

static const struct {
	enum kind kind;
	const char *text;
	const char *want; /* substring of the error */
} bad[] = {
    {MODEL,
     "{\"name\":\"t\",\"hidden\":256,\"q_heads\":8,\"kv_heads\":2,\"head_dim\":"
     "32,\"ffn\":512,\"vocab\":1000}",
     "field 'layers': missing"},
    {MODEL, "{" QWEN_OK ",\"tied_embeddings\":1}",
     "field 'tied_embeddings': must be true or false"},
    {MODEL,
     "{\"name\":\"t\",\"layers\":4,\"hidden\":\"256\",\"q_heads\":8,\"kv_"
     "heads\":2,\"head_dim\":32,\"ffn\":512,\"vocab\":1000}",
     "field 'hidden': must be a whole number, got string"},
    {MODEL,
     "{\"name\":\"t\",\"layers\":4,\"hidden\":256,\"q_heads\":0,\"kv_heads\":2,"
     "\"head_dim\":32,\"ffn\":512,\"vocab\":1000}",
     "field 'q_heads': must be in [1"},
    {MODEL,
     "{\"name\":\"t\",\"layers\":4.5,\"hidden\":256,\"q_heads\":8,\"kv_heads\":"
     "2,\"head_dim\":32,\"ffn\":512,\"vocab\":1000}",
     "field 'layers': must be a whole number, got 4.5"},
    {MODEL,
     "{\"name\":\"t\",\"layers\":4,\"hidden\":256,\"q_heads\":8,\"kv_heads\":3,"
     "\"head_dim\":32,\"ffn\":512,\"vocab\":1000}",
     "field 'q_heads': 8 is not divisible by kv_heads 3"},
    {MODEL, "{" QWEN_OK ",\"layer\":4}", "unknown field 'layer'"},
    {MODEL,
     "{" QWEN_OK ",\"moe\":{\"experts\":4,\"top_k\":8,\"expert_ffn\":64}}",
     "field 'top_k': 8 exceeds experts 4"},
    {MODEL, "{" QWEN_OK ",\"moe\":{\"experts\":4,\"top_k\":2}}",
     "moe: field 'expert_ffn': missing"},
    {MODEL, "[1,2]", "must be a JSON object"},
    {MODEL, "{\"name\":\"t\",\n\"layers\": 4,,}", "invalid JSON near line 2"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"fp8\":100},\"hbm_gib\":80,\"hbm_tbps\":3,"
     "\"nvlink_gbps\":450}",
     "tflops: field 'bf16': missing"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":100,\"int4\":5},\"hbm_gib\":80,"
     "\"hbm_tbps\":3,\"nvlink_gbps\":450}",
     "unknown dtype 'int4'"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":100},\"hbm_gib\":80,\"hbm_tbps\":-3,"
     "\"nvlink_gbps\":450}",
     "field 'hbm_tbps': must be in [1e-06, 10000], got -3"},
    /* 1e308 GiB of HBM became "KV cache inf" in predict; the range stops
     * it where it is read, quoting the value. */
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":100},\"hbm_gib\":1e308,\"hbm_tbps\":"
     "3,\"nvlink_gbps\":450}",
     "field 'hbm_gib': must be in [1e-06, 1000000], got 1e+308"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":1e300},\"hbm_gib\":80,\"hbm_tbps\":"
     "3,\"nvlink_gbps\":450}",
     "tflops: field 'bf16': must be in [1e-06, 1000000], got 1e+300"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":100},\"hbm_gib\":80,\"hbm_tbps\":3,"
     "\"nvlink_gbps\":450,\"internode_gbps\":1e-300}",
     "field 'internode_gbps': must be in [1e-06, 1000000], got 1e-300"},
    /* Strict JSON: data after the document, or the same key twice (cJSON
     * would use the first and drop the second in silence). */
    {MODEL, "{" QWEN_OK "}\nGARBAGE{{{",
     "data after the JSON value at line 2 column 1"},
    {MODEL, "{" QWEN_OK "}{" QWEN_OK "}{" QWEN_OK "}",
     "data after the JSON value at line 1"},
    {MODEL, "{" QWEN_OK ",\"layers\":5}", "duplicate key 'layers'"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":100,\"bf16\":200},\"hbm_gib\":80,"
     "\"hbm_tbps\":3,\"nvlink_gbps\":450}",
     "duplicate key 'bf16' in tflops"},
    {GPU,
     "{\"name\":\"g\",\"tflops\":{\"bf16\":100},\"hbm_gib\":80,\"hbm_tbps\":3}",
     "field 'nvlink_gbps': missing"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"mixed\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8}]}",
     "field 'mode': must be agg or disagg, got 'mixed'"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"disagg\",\"workers\":[{\"role\":\"prefill\",\"max_batch\":1},{\"role\":"
     "\"decode\",\"max_batch\":8}]}",
     "field 'kv_link': missing"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"prefill\",\"max_batch\":8}]}",
     "'prefill' worker in a agg deployment"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"tp\":3,\"max_batch\":8}]}",
     "tp 3 does not divide 64 attention heads"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen9-999b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8}]}",
     "unknown model"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"dtype\":"
     "\"fp4\",\"mode\":\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8}]"
     "}",
     "field 'dtype': H200-SXM has no fp4"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":64,\"max_num_"
     "tokens\":32}]}",
     "field 'max_num_tokens': 32 is below max_batch 64"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8},{\"role\":"
     "\"agg\",\"max_batch\":8}]}",
     "a second 'agg' group"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"ep\":2,\"max_batch\":8}]}",
     "ep and dp > 1 need a MoE model"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[]}",
     "field 'workers': must be a non-empty array"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\"}]}",
     "workers[0]: field 'max_batch': missing"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"disagg\",\"workers\":[{\"role\":\"prefill\",\"max_batch\":1},{\"role\":"
     "\"decode\",\"max_batch\":8}],\"kv_link\":{\"gbps\":0}}",
     "kv_link: field 'gbps': must be in [0.001, 1000000], got 0"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"disagg\",\"workers\":[{\"role\":\"prefill\",\"max_batch\":1},{\"role\":"
     "\"decode\",\"max_batch\":8}],\"kv_link\":{\"gbps\":50,\"latency_us\":"
     "1e308}}",
     "kv_link: field 'latency_us': must be in [0, 10000000], got 1e+308"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8,\"count\":1e19}]}",
     "workers[0]: field 'count': must be in [1, 100000], got 1e+19"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8,\"max_batch\":9}]"
     "}",
     "duplicate key 'max_batch' in workers[0]"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"scheduler\":{\"start_lag_ms\":-1},\"workers\":[{\"role\":"
     "\"agg\",\"max_batch\":8}]}",
     "scheduler: field 'start_lag_ms': must be in [0, 1000], got -1"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"scheduler\":{\"cpu_share\":3},\"workers\":[{\"role\":\"agg\","
     "\"max_batch\":8}]}",
     "scheduler: field 'cpu_share': must be in [0, 2], got 3"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"scheduler\":{\"queue_order\":\"lifo\"},\"workers\":[{"
     "\"role\":\"agg\",\"max_batch\":8}]}",
     "scheduler: field 'queue_order': must be fifo or arrivals_first, got "
     "'lifo'"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"scheduler\":{\"engine_wait\":-2},\"workers\":[{\"role\":"
     "\"agg\",\"max_batch\":8}]}",
     "scheduler: field 'engine_wait': must be in [0, 1000000], got -2"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"scheduler\":{\"engine_wait\":2.5},\"workers\":[{\"role\":"
     "\"agg\",\"max_batch\":8}]}",
     "scheduler: field 'engine_wait': must be a whole number, got 2.5"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":\"qwen3-32b\",\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"scheduler\":{\"kv_memory\":\"half\"},\"workers\":[{\"role\":"
     "\"agg\",\"max_batch\":8}]}",
     "scheduler: field 'kv_memory': must be free or total, got 'half'"},
    {DEPLOY,
     "{\"name\":\"d\",\"model\":{\"name\":\"m\"},\"gpu\":\"h200-sxm\",\"mode\":"
     "\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":8}]}",
     "field 'model': field 'layers': missing"},
};

static int load_kind(enum kind k, const char *path, struct sc_err *e)
{
	if (k == MODEL) {
		struct model_spec m;
		return model_spec_load(path, &m, e);
	}
	if (k == GPU) {
		struct gpu_spec g;
		return gpu_spec_load(path, &g, e);
	}
	struct deploy_spec d;
	int rc = deploy_load(path, &d, e);
	deploy_release(&d);
	return rc;
}

/* Each bad file is refused with SC_EINPUT and a message naming the file
 * and the problem; a message without them would leave users guessing. */
static void test_bad_files(void)
{
	char *dir = testutil_tmpdir();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "case%zu.json", i);
		char *path = testutil_write(dir, name, bad[i].text);
		struct sc_err e = {0};
		int rc = load_kind(bad[i].kind, path, &e);
		CU_ASSERT_EQUAL(rc, SC_EINPUT);
		bool named = strstr(e.msg, path) != NULL;
		bool said = strstr(e.msg, bad[i].want) != NULL;
		if (!named || !said)
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i,
				e.msg, bad[i].want);
		CU_ASSERT(named && said);
		free(path);
	}
	testutil_rmtree(dir);
	free(dir);
}

static void test_unknown_names(void)
{
	struct model_spec m;
	struct gpu_spec g;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(model_spec_load("gpt-9", &m, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "qwen3-32b")); /* lists known */
	CU_ASSERT_EQUAL(gpu_spec_load("tpu-v9", &g, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "h200-sxm"));
	CU_ASSERT_EQUAL(model_spec_load("/nonexistent/m.json", &m, &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "cannot open"));
}

/* The shipped examples load; GPU counts are derived from the groups; a
 * saved spec loads back to the same deployment. */
static void test_shipped_roundtrip(void)
{
	struct deploy_spec a, d, r;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    deploy_load(testutil_src("bench/qwen3-32b-h200-agg.json"), &a, &e),
	    SC_OK);
	CU_ASSERT_EQUAL(deploy_gpus(&a), 8);
	CU_ASSERT_EQUAL(a.mode, DEPLOY_AGG);
	CU_ASSERT_EQUAL_FATAL(
	    deploy_load(testutil_src("bench/qwen3-32b-h200-disagg.json"), &d,
			&e),
	    SC_OK);
	CU_ASSERT_EQUAL(deploy_gpus(&d), 8);
	CU_ASSERT_EQUAL(deploy_group(&d, ROLE_PREFILL)->count, 4);
	CU_ASSERT_EQUAL(deploy_group(&d, ROLE_DECODE)->shape.tp, 2);
	CU_ASSERT_EQUAL(d.wdtype, DT_FP8);
	char *dir = testutil_tmpdir();
	char path[4200];
	snprintf(path, sizeof path, "%s/saved.json", dir);
	CU_ASSERT_EQUAL_FATAL(deploy_save(path, &d, &e), SC_OK);
	CU_ASSERT_EQUAL_FATAL(deploy_load(path, &r, &e), SC_OK);
	CU_ASSERT_STRING_EQUAL(r.name, d.name);
	CU_ASSERT_EQUAL(deploy_gpus(&r), 8);
	CU_ASSERT_EQUAL(r.groups[1].max_batch, d.groups[1].max_batch);
	CU_ASSERT_DOUBLE_EQUAL(r.link.gbps, 50, 0);
	CU_ASSERT_EQUAL(r.model.layers, 64);
	deploy_release(&a);
	deploy_release(&d);
	deploy_release(&r);
	testutil_rmtree(dir);
	free(dir);
}

/* A FIFO, a device or a directory given as any spec is refused at once as
 * "not a regular file". Before, a FIFO blocked the open forever and
 * /dev/zero was read up to the 64 MiB cap; alarm() turns a hang into a
 * failed run instead of a stuck suite. */
static void test_special_files(void)
{
	char *dir = testutil_tmpdir();
	char fifo[1100];
	snprintf(fifo, sizeof fifo, "%s/spec.json", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	const char *paths[] = {fifo, "/dev/zero", dir};
	const char *kinds[] = {"a FIFO", "a character device", "a directory"};
	alarm(10);
	for (size_t p = 0; p < 3; p++) {
		for (int k = MODEL; k <= DEPLOY; k++) {
			struct sc_err e = {0};
			CU_ASSERT_EQUAL(load_kind((enum kind)k, paths[p], &e),
					SC_EINPUT);
			CU_ASSERT_PTR_NOT_NULL(
			    strstr(e.msg, "not a regular file"));
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, kinds[p]));
			CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, paths[p]));
		}
	}
	alarm(0);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"FIFO, device and directory refused at once", test_special_files},
    {"bad spec files name file, field, problem", test_bad_files},
    {"unknown catalog names", test_unknown_names},
    {"shipped deployments load and round-trip", test_shipped_roundtrip},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("specs", tests)
