/* Generated launch files on clusters (camp/slurm, camp/k8s): the job
 * script asks for the nodes and GPUs the workers need and carries the
 * launch commands per node, node lists give the endpoint's host, and bad
 * "slurm" and "kubernetes" campaign objects are refused naming the field.
 * The campaign paths run for real in campaign_slurm.sh and campaign_k8s.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "camp/k8s.h"
#include "camp/slurm.h"
#include "testutil.h"

struct subst_case {
	const char *in, *literal;
};

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

/* Slurm node lists: the endpoint is on the first host. */
static void test_first_host(void)
{
	static const struct subst_case cases[] = {
	    {"gpu01", "gpu01"},		{"gpu[01-04,07]", "gpu01"},
	    {"a[3,5]b,c1", "a3b"},	{"n1,n2", "n1"},
	    {"127.0.0.1", "127.0.0.1"}, {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char h[64];
		slurm_first_host(cases[i].in, h, sizeof h);
		CU_ASSERT_STRING_EQUAL(h, cases[i].literal);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The job script asks for the nodes and GPUs the workers need, carries
 * the spec's options and environment, the launch commands per node, and
 * srun over the nodes when there are several; bash accepts it. */
static void test_slurm_script(void)
{
	const char *json =
	    "{\"partition\": \"gpu\", \"time\": \"02:00:00\", \"account\": "
	    "\"perf\","
	    " \"gpus_per_node\": 2, \"backend\": \"vllm\", \"port\": 9000,"
	    " \"env\": {\"HF_HOME\": \"/scratch/hf cache\"},"
	    " \"sbatch_args\": [\"--exclusive\"]}";
	cJSON *j = cJSON_Parse(json);
	struct slurm_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(slurm_spec_from_json(j, "t", &s, &e), SC_OK);
	cJSON_Delete(j);
	struct deploy_spec d = load("seed-disagg");
	char *dir = testutil_tmpdir();
	char script[4096], gdir[4096];
	snprintf(script, sizeof script, "%s/job.sbatch", dir);
	snprintf(gdir, sizeof gdir, "%s/gen", dir);
	struct slurm_script_info info;
	CU_ASSERT_EQUAL_FATAL(slurm_write_script(&s, &d, 4500, "servecal-c-d",
						 gdir, "/logs/x-%j.out", script,
						 &info, &e),
			      SC_OK);
	CU_ASSERT_EQUAL(info.nodes, 3);
	CU_ASSERT_EQUAL(info.port, 9000);
	CU_ASSERT_STRING_EQUAL(info.health, "/healthcheck");
	char *text = slurp(script);
	static const char *const want[] = {
	    "#SBATCH --job-name=servecal-c-d\n",
	    "#SBATCH --nodes=3\n",
	    "#SBATCH --gpus-per-node=2\n",
	    "#SBATCH --partition=gpu\n",
	    "#SBATCH --account=perf\n",
	    "#SBATCH --time=02:00:00\n",
	    "#SBATCH --output=/logs/x-%j.out\n",
	    "#SBATCH --exclusive\n",
	    "export HF_HOME='/scratch/hf cache'\n",
	    "PORT=${PORT:-9000}",
	    "--max-num-seqs 88",
	    "exec srun --nodes=",
	    "export -f servecal_node",
	    "scontrol show hostnames"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		bool ok = strstr(text, want[i]) != NULL;
		if (!ok)
			fprintf(stderr, "job script lacks '%s'\n", want[i]);
		CU_ASSERT(ok);
	}
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "bash -n '%s'", script);
	CU_ASSERT_EQUAL(system(cmd), 0);
	free(text);
	/* one node: what the workers use, no srun */
	slurm_spec_release(&s);
	j = cJSON_Parse("{}");
	CU_ASSERT_EQUAL_FATAL(slurm_spec_from_json(j, "t", &s, &e), SC_OK);
	cJSON_Delete(j);
	CU_ASSERT_EQUAL_FATAL(slurm_write_script(&s, &d, 4500, "n", gdir, "/l",
						 script, &info, &e),
			      SC_OK);
	text = slurp(script);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "#SBATCH --nodes=1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "#SBATCH --gpus-per-node=5\n"));
	CU_ASSERT_PTR_NULL(strstr(text, "srun"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(text, "trtllm-serve")); /* the spec's backend */
	free(text);
	slurm_spec_release(&s);
	deploy_release(&d);
	testutil_rmtree(dir);
	free(dir);
}

struct json_err {
	const char *json, *says;
};

/* Bad cluster objects are refused before anything runs, naming the
 * field. */
static void test_cluster_specs(void)
{
	static const struct json_err slurm_bad[] = {
	    {"{\"partition\": \"gpu; rm -rf /\"}", "field 'partition'"},
	    {"{\"nodes\": 0}", "field 'nodes'"},
	    {"{\"poll_s\": 0}", "field 'poll_s'"},
	    {"{\"backend\": \"tgi\"}", "field 'backend'"},
	    {"{\"sbatch_args\": [\"exclusive\"]}", "field 'sbatch_args'"},
	    {"{\"env\": {\"1X\": \"a\"}}", "field 'env'"},
	    /* a newline would end the job script's export line */
	    {"{\"env\": {\"X\": \"a\\nrm -rf /\"}}",
	     "field 'env': 'X' must be a one-line string"},
	    {"{\"queue\": 1}", "queue"},
	};
	for (size_t i = 0; i < sizeof slurm_bad / sizeof slurm_bad[0]; i++) {
		cJSON *j = cJSON_Parse(slurm_bad[i].json);
		struct slurm_spec s;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(slurm_spec_from_json(j, "c: slurm", &s, &e),
				SC_EINPUT);
		bool ok = strstr(e.msg, slurm_bad[i].says) != NULL;
		if (!ok)
			fprintf(stderr, "'%s' -> '%s'\n", slurm_bad[i].json,
				e.msg);
		CU_ASSERT(ok);
		slurm_spec_release(&s);
		cJSON_Delete(j);
	}
	static const struct json_err k8s_bad[] = {
	    {"{\"manifest\": \"nope.yaml\"}", "field 'manifest'"},
	    {"{\"url\": \"ftp://x\"}", "field 'url'"},
	    {"{\"engine\": \"llamacpp\"}", "field 'engine'"},
	    {"{\"namespace\": \"a b\"}", "field 'namespace'"},
	    {"{\"manifest\": \"seed-agg.json\"}", "field 'resource'"},
	    {"{\"manifest\": \"seed-agg.json\", \"resource\": "
	     "\"deployment/x\"}",
	     "'service'"},
	};
	const char *base = testutil_src("tests/golden/gen");
	for (size_t i = 0; i < sizeof k8s_bad / sizeof k8s_bad[0]; i++) {
		cJSON *j = cJSON_Parse(k8s_bad[i].json);
		struct k8s_spec s;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(
		    k8s_spec_from_json(j, "c: kubernetes", base, &s, &e),
		    SC_EINPUT);
		bool ok = strstr(e.msg, k8s_bad[i].says) != NULL;
		if (!ok)
			fprintf(stderr, "'%s' -> '%s'\n", k8s_bad[i].json,
				e.msg);
		CU_ASSERT(ok);
		cJSON_Delete(j);
	}
	cJSON *j = cJSON_Parse("{\"wait\": \"rollout\"}");
	struct k8s_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(k8s_spec_from_json(j, "k", base, &s, &e), SC_OK);
	CU_ASSERT(s.rollout);
	CU_ASSERT_STRING_EQUAL(s.health, "/health");
	CU_ASSERT_EQUAL(s.service_port, 8000);
	cJSON_Delete(j);
}

static CU_TestInfo tests[] = {
    {"the first host of a Slurm node list", test_first_host},
    {"Slurm job scripts carry nodes, GPUs and commands", test_slurm_script},
    {"bad slurm and kubernetes objects are refused", test_cluster_specs},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("gen_cluster", tests)
