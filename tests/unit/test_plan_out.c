/* Output of the search: CSV headers and rows, best.json, and deployment
 * files that load back and reproduce the reported operating point. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelfix.h"
#include "plan/plan.h"
#include "plan/plan_out.h"
#include "plan/search.h"
#include "testutil.h"
#include "util/jsonio.h"

static struct modelfix F;

static void query_init(struct plan_query *q)
{
	memset(q, 0, sizeof *q);
	q->m = &F.m;
	q->g = &F.g;
	q->wdtype = q->kvdtype = DT_FP8;
	q->p = &F.p;
	strcpy(q->backend, "trtllm");
	strcpy(q->model_ref, "qwen3-32b");
	strcpy(q->gpu_ref, "h200-sxm");
	q->wl = (struct perf_workload){4000, 500};
	q->sla = (struct plan_sla){0.6, 1.0 / 60, STAT_MEAN, STAT_MEAN, 0, 0};
	q->total_gpus = 8;
	q->max_gpus_per_worker = 8;
	q->link = (struct kv_link){50.0, 0.0};
	q->do_agg = q->do_disagg = true;
}

static char *slurp(const char *path)
{
	size_t len;
	return jsonio_read_text(path, 1u << 24, &len, NULL);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* A deployment file written for the best config predicts, at the reported
 * concurrency, exactly what the search reported. */
static void check_deploy(const char *dir, const char *file,
			 const struct plan_config *best)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	struct deploy_spec d;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(deploy_load(path, &d, &e), SC_OK);
	CU_ASSERT_EQUAL(d.mode, best->mode);
	CU_ASSERT_EQUAL(deploy_gpus(&d), best->gpus);
	struct perf_point pt;
	struct perf_workload wl = {4000, 500};
	CU_ASSERT_EQUAL_FATAL(
	    perf_deploy(&d, &F.p, &wl, best->concurrency, &pt, &e), SC_OK);
	ASSERT_REL(pt.ttft_s, best->perf.ttft_s, 1e-12);
	ASSERT_REL(pt.tokens_per_s_per_gpu, best->perf.tokens_per_s_per_gpu,
		   1e-12);
	deploy_release(&d);
}

static void test_write_dir(void)
{
	struct plan_query q;
	query_init(&q);
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_FATAL(r.agg.n > 0 && r.disagg.n > 0);
	char *dir = testutil_tmpdir();
	char sub[2048];
	snprintf(sub, sizeof sub, "%s/match", dir); /* created on demand */
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(plan_write_dir(sub, &q, &r, 3, &e), SC_OK);

	char path[4096];
	snprintf(path, sizeof path, "%s/pareto.csv", sub);
	char *t = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(strncmp(t,
				"tokens_per_s_per_user,tokens_per_s_per_gpu,"
				"ttft_ms,tpot_ms,config,mode,feasible\n",
				70),
			0);
	CU_ASSERT_EQUAL(count_lines(t), 1 + r.agg.n_front + r.disagg.n_front);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, ",disagg,1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, ",agg,1\n"));
	free(t);

	snprintf(path, sizeof path, "%s/disagg.csv", sub);
	t = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(count_lines(t), 1 + r.disagg.n);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "prefill_workers"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "decode_batch"));
	free(t);
	snprintf(path, sizeof path, "%s/agg.csv", sub);
	t = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(count_lines(t), 1 + r.agg.n);
	free(t);

	snprintf(path, sizeof path, "%s/best.json", sub);
	cJSON *j = jsonio_load_file(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	const cJSON *ratio = cJSON_GetObjectItem(j, "disagg_over_agg");
	CU_ASSERT_TRUE(cJSON_IsNumber(ratio));
	ASSERT_REL(ratio->valuedouble, plan_gain(&r), 1e-12);
	const cJSON *dj = cJSON_GetObjectItem(j, "disagg");
	const cJSON *best = cJSON_GetObjectItem(dj, "best");
	CU_ASSERT_TRUE(cJSON_IsObject(best));
	ASSERT_REL(cJSON_GetObjectItem(best, "ttft_ms")->valuedouble,
		   r.disagg.cfg[0].perf.ttft_s * 1e3, 1e-12);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(dj, "top")), 3);
	CU_ASSERT_STRING_EQUAL(
	    cJSON_GetObjectItem(dj, "deployment_file")->valuestring,
	    "deploy-disagg.json");
	cJSON_Delete(j);

	check_deploy(sub, "deploy-agg.json", &r.agg.cfg[0]);
	check_deploy(sub, "deploy-disagg.json", &r.disagg.cfg[0]);
	plan_result_release(&r);
	testutil_rmtree(dir);
	free(dir);
}

/* The tables read back through plan_csv_* give what the writer put in
 * (at its printed precision): a difference means the reader and the
 * writer disagree on a column's name or meaning. */
static void test_csv_read_back(void)
{
	struct plan_query q;
	query_init(&q);
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	CU_ASSERT_FATAL(r.agg.n > 0 && r.disagg.n > 0);
	char *dir = testutil_tmpdir();
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(plan_write_dir(dir, &q, &r, 3, &e), SC_OK);
	const struct plan_mode_result *modes[] = {&r.agg, &r.disagg};
	const char *files[] = {PLAN_AGG_CSV, PLAN_DISAGG_CSV};
	for (size_t m = 0; m < 2; m++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, files[m]);
		struct plan_csv t;
		CU_ASSERT_EQUAL_FATAL(plan_csv_load(path, &t, &e), SC_OK);
		/* Tables carry TTFT at the mean and at p90, not at p99. */
		CU_ASSERT_FALSE(plan_csv_lacks_ttft(&t, STAT_MEAN));
		CU_ASSERT_FALSE(plan_csv_lacks_ttft(&t, STAT_P90));
		CU_ASSERT_TRUE(plan_csv_lacks_ttft(&t, STAT_P99));
		struct plan_csv_row *rows = NULL;
		size_t n = 0, cap = 0;
		plan_csv_rows(&t, STAT_P90, "x", &rows, &n, &cap);
		CU_ASSERT_EQUAL_FATAL(n, modes[m]->n);
		const struct plan_config *c = &modes[m]->cfg[0];
		char name[256];
		plan_config_name(c, name, sizeof name);
		CU_ASSERT_STRING_EQUAL(rows[0].config, name);
		CU_ASSERT_STRING_EQUAL(rows[0].mode, deploy_mode_name(c->mode));
		ASSERT_REL(rows[0].tokens_per_s_per_gpu,
			   c->perf.tokens_per_s_per_gpu, 1e-4);
		ASSERT_REL(rows[0].ttft_ms, c->perf.ttft_s * 1e3, 1e-4);
		ASSERT_REL(rows[0].ttft_at_stat_ms, c->perf.ttft_p90_s * 1e3,
			   1e-4);
		ASSERT_REL(rows[0].tpot_ms, c->perf.tpot_s * 1e3, 1e-4);
		CU_ASSERT_EQUAL(rows[0].feasible, c->feasible);
		/* A statistic without a column reads as NAN, not as 0. */
		n = 0;
		plan_csv_rows(&t, STAT_P99, "x", &rows, &n, &cap);
		CU_ASSERT_TRUE(isnan(rows[0].ttft_at_stat_ms));
		free(rows);
		plan_csv_release(&t);
	}
	plan_result_release(&r);
	testutil_rmtree(dir);
	free(dir);
}

/* A table of an older version (no mode or feasible column, an empty
 * mode cell) reads with the caller's default mode and as feasible; an
 * empty table lacks no column. */
static void test_csv_read_old(void)
{
	char *dir = testutil_tmpdir();
	char *p = testutil_write(dir, "old.csv",
				 "config,tokens_per_s_per_user,ttft_ms\n"
				 "\"a, b\",12.5,300\n");
	char *q = testutil_write(dir, "empty.csv", "config\n");
	struct plan_csv t;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(plan_csv_load(p, &t, &e), SC_OK);
	struct plan_csv_row *rows = NULL;
	size_t n = 0, cap = 0;
	CU_ASSERT_TRUE(plan_csv_lacks_ttft(&t, STAT_P90));
	plan_csv_rows(&t, STAT_MEAN, "disagg", &rows, &n, &cap);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(rows[0].config, "a, b");
	CU_ASSERT_STRING_EQUAL(rows[0].mode, "disagg");
	CU_ASSERT_TRUE(rows[0].feasible);
	CU_ASSERT_DOUBLE_EQUAL(rows[0].ttft_at_stat_ms, 300, 1e-12);
	CU_ASSERT_TRUE(isnan(rows[0].tpot_ms));
	plan_csv_release(&t);
	CU_ASSERT_EQUAL_FATAL(plan_csv_load(q, &t, &e), SC_OK);
	CU_ASSERT_FALSE(plan_csv_lacks_ttft(&t, STAT_P90));
	plan_csv_release(&t);
	/* A missing table is an input error naming it. */
	CU_ASSERT_EQUAL(plan_csv_load("/nonexistent/agg.csv", &t, &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/agg.csv"));
	plan_csv_release(&t);
	free(rows);
	free(p);
	free(q);
	testutil_rmtree(dir);
	free(dir);
}

/* When nothing fits, best.json says why and no deployment is written. */
static void test_infeasible_json(void)
{
	struct plan_query q;
	query_init(&q);
	q.sla.ttft_s = 0.01;
	struct plan_result r;
	CU_ASSERT_EQUAL_FATAL(plan_search(&q, &r, NULL), SC_OK);
	cJSON *j = plan_result_to_json(&q, &r, 5);
	const cJSON *a = cJSON_GetObjectItem(j, "agg");
	CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(a, "best")));
	const cJSON *inf = cJSON_GetObjectItem(a, "infeasible");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(inf, "binding")->valuestring,
			       "ttft");
	CU_ASSERT_TRUE(cJSON_IsObject(cJSON_GetObjectItem(inf, "nearest")));
	CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(j, "disagg_over_agg")));
	cJSON_Delete(j);
	char *dir = testutil_tmpdir();
	CU_ASSERT_EQUAL(plan_write_dir(dir, &q, &r, 5, NULL), SC_OK);
	char path[4096];
	snprintf(path, sizeof path, "%s/deploy-agg.json", dir);
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NULL(f);
	if (f)
		fclose(f);
	plan_result_release(&r);
	testutil_rmtree(dir);
	free(dir);
}

/* The notation README, the report and the charts use; another string here
 * means match's CSVs and best.json name configurations differently. */
static void test_config_names(void)
{
	struct plan_config c = {
	    .mode = DEPLOY_DISAGG, .replicas = 2, .unit_x = 1, .unit_y = 3};
	c.w[0] = (struct worker_spec){ROLE_PREFILL, 2,	{2, 1, 1, 1, 2}, 2,
				      8000,	    {0}};
	c.w[1] =
	    (struct worker_spec){ROLE_DECODE, 6, {1, 1, 1, 1, 1}, 48, 48, {0}};
	char buf[256];
	plan_config_name(&c, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(
	    buf, "2P TP2 (batch 2) + 6D TP1 (batch 48) as 2x 1P3D");
	c.replicas = 1;
	c.unit_x = 2;
	c.unit_y = 6;
	plan_config_name(&c, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "2P TP2 (batch 2) + 6D TP1 (batch 48)");
	struct plan_config a = {.mode = DEPLOY_AGG, .replicas = 4};
	a.w[0] =
	    (struct worker_spec){ROLE_AGG, 4, {1, 1, 8, 4, 2}, 32, 8192, {0}};
	plan_config_name(&a, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "4x TP1 DP8 EP4 (batch 32, 8192 tokens)");
}

static CU_TestInfo tests[] = {
    {"writes CSV, JSON and deployment files", test_write_dir},
    {"infeasible result in JSON", test_infeasible_json},
    {"tables read back as written", test_csv_read_back},
    {"tables of older versions read", test_csv_read_old},
    {"config names", test_config_names},
    CU_TEST_INFO_NULL,
};

int main(void)
{
	modelfix_init(&F, "qwen3-32b", "h200-sxm", DT_FP8, DT_FP8);
	return testutil_run("plan_out", tests);
}
