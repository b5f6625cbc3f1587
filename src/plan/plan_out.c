/* CSV and JSON output of the configuration search (plan_out.h). */
#include "plan/plan_out.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util/fs.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

/* The key of TTFT at statistic s, in a config's JSON and in the tables:
 * "ttft_ms" for the mean, "ttft_p90_ms" for p90 (model/perf.c). */
static void ttft_key(char *buf, size_t n, enum stat_sel s)
{
	if (s == STAT_MEAN)
		snprintf(buf, n, "ttft_ms");
	else
		snprintf(buf, n, "ttft_%s_ms", statsel_name(s));
}

/* One CSV column: a header and how to print a config's value. */
struct column {
	const char *name;
	void (*print)(FILE *f, const struct plan_config *c);
};

#define NUM_COL(fn, fmt, expr)                                                 \
	static void fn(FILE *f, const struct plan_config *c)                   \
	{                                                                      \
		fprintf(f, fmt, expr);                                         \
	}

NUM_COL(col_user, "%.4f", c->perf.tokens_per_s_per_user)
NUM_COL(col_gpu, "%.4f", c->perf.tokens_per_s_per_gpu)
NUM_COL(col_ttft, "%.3f", c->perf.ttft_s * 1e3)
NUM_COL(col_tpot, "%.4f", c->perf.tpot_s * 1e3)
NUM_COL(col_mode, "%s", deploy_mode_name(c->mode))
NUM_COL(col_feasible, "%d", c->feasible ? 1 : 0)
NUM_COL(col_gpus, "%ld", c->gpus)
NUM_COL(col_req, "%.5f", c->perf.req_per_s)
NUM_COL(col_tok, "%.3f", c->perf.tokens_per_s)
NUM_COL(col_conc, "%.0f", c->concurrency)
NUM_COL(col_wait, "%.3f", c->perf.wait_s * 1e3)
NUM_COL(col_prefill, "%.3f", c->perf.prefill_s * 1e3)
NUM_COL(col_kv, "%.3f", c->perf.kv_xfer_s * 1e3)
NUM_COL(col_ttft90, "%.3f", c->perf.ttft_p90_s * 1e3)
NUM_COL(col_replicas, "%ld", c->replicas)
NUM_COL(col_w0_count, "%ld", c->w[0].count)
NUM_COL(col_w0_tp, "%ld", c->w[0].shape.tp)
NUM_COL(col_w0_pp, "%ld", c->w[0].shape.pp)
NUM_COL(col_w0_dp, "%ld", c->w[0].shape.dp)
NUM_COL(col_w0_ep, "%ld", c->w[0].shape.ep)
NUM_COL(col_w0_batch, "%ld", c->w[0].max_batch)
NUM_COL(col_w0_tokens, "%ld", c->w[0].max_num_tokens)
NUM_COL(col_w1_count, "%ld", c->w[1].count)
NUM_COL(col_w1_tp, "%ld", c->w[1].shape.tp)
NUM_COL(col_w1_pp, "%ld", c->w[1].shape.pp)
NUM_COL(col_w1_dp, "%ld", c->w[1].shape.dp)
NUM_COL(col_w1_ep, "%ld", c->w[1].shape.ep)
NUM_COL(col_w1_batch, "%ld", c->w[1].max_batch)

static void col_config(FILE *f, const struct plan_config *c)
{
	char name[256];
	plan_config_name(c, name, sizeof name);
	fprintf(f, "\"%s\"", name); /* names hold no quotes */
}

/* Columns shared by every file; pareto.csv stops after these. The reader
 * finds them by these indices. */
enum { COL_USER, COL_GPU, COL_TTFT, COL_TPOT, COL_CONFIG, COL_MODE, COL_FEAS };
static const struct column common_cols[] = {
    {"tokens_per_s_per_user", col_user},
    {"tokens_per_s_per_gpu", col_gpu},
    {"ttft_ms", col_ttft},
    {"tpot_ms", col_tpot},
    {"config", col_config},
    {"mode", col_mode},
    {"feasible", col_feasible},
};
static const struct column run_cols[] = {
    {"gpus", col_gpus},		 {"req_per_s", col_req},
    {"tokens_per_s", col_tok},	 {"concurrency", col_conc},
    {"wait_ms", col_wait},	 {"prefill_ms", col_prefill},
    {"kv_transfer_ms", col_kv},	 {"replicas", col_replicas},
    {"ttft_p90_ms", col_ttft90},
};
static const struct column agg_cols[] = {
    {"workers", col_w0_count},
    {"tp", col_w0_tp},
    {"pp", col_w0_pp},
    {"dp", col_w0_dp},
    {"ep", col_w0_ep},
    {"max_batch", col_w0_batch},
    {"max_num_tokens", col_w0_tokens},
};
static const struct column disagg_cols[] = {
    {"prefill_workers", col_w0_count}, {"prefill_tp", col_w0_tp},
    {"prefill_pp", col_w0_pp},	       {"prefill_dp", col_w0_dp},
    {"prefill_ep", col_w0_ep},	       {"prefill_batch", col_w0_batch},
    {"decode_workers", col_w1_count},  {"decode_tp", col_w1_tp},
    {"decode_pp", col_w1_pp},	       {"decode_dp", col_w1_dp},
    {"decode_ep", col_w1_ep},	       {"decode_batch", col_w1_batch},
};

struct colset {
	const struct column *v;
	size_t n;
};
#define COLSET(a)                                                              \
	{                                                                      \
		a, sizeof a / sizeof a[0]                                      \
	}

static void write_header(FILE *f, const struct colset *sets, size_t nsets)
{
	const char *sep = "";
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++) {
			fprintf(f, "%s%s", sep, sets[s].v[i].name);
			sep = ",";
		}
	fputc('\n', f);
}

static void write_row(FILE *f, const struct colset *sets, size_t nsets,
		      const struct plan_config *c)
{
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++) {
			if (s || i)
				fputc(',', f);
			sets[s].v[i].print(f, c);
		}
	fputc('\n', f);
}

int plan_write_csv(const char *path, const struct plan_mode_result *r,
		   struct sc_err *e)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, e);
	if (rc)
		return rc;
	FILE *f = a.f;
	bool agg = r->n == 0 || r->cfg[0].mode == DEPLOY_AGG;
	struct colset sets[] = {COLSET(common_cols), COLSET(run_cols),
				agg ? (struct colset)COLSET(agg_cols)
				    : (struct colset)COLSET(disagg_cols)};
	write_header(f, sets, 3);
	for (size_t i = 0; i < r->n; i++)
		write_row(f, sets, 3, &r->cfg[i]);
	return fs_atomic_commit(&a, e);
}

int plan_write_pareto_csv(const char *path, const struct plan_result *r,
			  struct sc_err *e)
{
	struct fs_atomic a;
	int rc = fs_atomic_open(&a, path, e);
	if (rc)
		return rc;
	FILE *f = a.f;
	struct colset sets[] = {COLSET(common_cols)};
	write_header(f, sets, 1);
	const struct plan_mode_result *modes[] = {&r->agg, &r->disagg};
	for (size_t m = 0; m < 2; m++)
		for (size_t i = 0; i < modes[m]->n_front; i++)
			write_row(f, sets, 1,
				  &modes[m]->cfg[modes[m]->front[i]]);
	return fs_atomic_commit(&a, e);
}

cJSON *plan_config_to_json(const struct plan_query *q,
			   const struct plan_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	char name[256];
	plan_config_name(cfg, name, sizeof name);
	cJSON_AddStringToObject(o, "config", name);
	cJSON_AddStringToObject(o, "mode", deploy_mode_name(cfg->mode));
	cJSON_AddBoolToObject(o, "feasible", cfg->feasible);
	cJSON_AddNumberToObject(o, "gpus", (double)cfg->gpus);
	cJSON_AddNumberToObject(o, "gpus_idle",
				(double)(q->total_gpus - cfg->gpus));
	cJSON_AddNumberToObject(o, "replicas", (double)cfg->replicas);
	if (cfg->mode == DEPLOY_DISAGG) {
		cJSON_AddNumberToObject(o, "x", (double)cfg->w[0].count);
		cJSON_AddNumberToObject(o, "y", (double)cfg->w[1].count);
		cJSON_AddNumberToObject(o, "unit_x", (double)cfg->unit_x);
		cJSON_AddNumberToObject(o, "unit_y", (double)cfg->unit_y);
	}
	cJSON *ws = cJSON_AddArrayToObject(o, "workers");
	size_t ng = cfg->mode == DEPLOY_AGG ? 1 : 2;
	for (size_t i = 0; i < ng; i++)
		cJSON_AddItemToArray(
		    ws, deploy_worker_to_json(&cfg->w[i],
					      DEPLOY_W_DP | DEPLOY_W_MOE));
	const struct perf_point *p = &cfg->perf;
	cJSON_AddNumberToObject(o, "concurrency", cfg->concurrency);
	cJSON *pj = perf_point_to_json(p, PERF_ALL);
	cJSON *it;
	while ((it = pj->child)) {
		cJSON_DetachItemViaPointer(pj, it);
		if (!cJSON_GetObjectItemCaseSensitive(o, it->string))
			cJSON_AddItemToObject(o, it->string, it);
		else
			cJSON_Delete(it);
	}
	cJSON_Delete(pj);
	/* The SLA statistics, whatever they are. */
	cJSON_AddNumberToObject(o, "ttft_at_sla_stat_ms",
				perf_ttft_at(p, q->sla.ttft_stat) * 1e3);
	cJSON_AddNumberToObject(o, "tpot_at_sla_stat_ms",
				perf_tpot_at(p, q->sla.tpot_stat) * 1e3);
	return o;
}

double plan_gain(const struct plan_result *r)
{
	if (!r->agg.n || !r->disagg.n)
		return 0.0;
	return r->disagg.cfg[0].perf.tokens_per_s_per_gpu /
	       r->agg.cfg[0].perf.tokens_per_s_per_gpu;
}

static cJSON *mode_json(const struct plan_query *q,
			const struct plan_mode_result *r, bool asked,
			size_t top)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "searched", asked);
	cJSON_AddNumberToObject(o, "evaluated", (double)r->evaluated);
	cJSON_AddNumberToObject(o, "pairs_matched", (double)r->matched);
	cJSON_AddNumberToObject(o, "feasible", (double)r->n);
	if (r->n) {
		cJSON_AddItemToObject(o, "best",
				      plan_config_to_json(q, &r->cfg[0]));
	} else {
		cJSON_AddNullToObject(o, "best");
		if (asked) {
			cJSON *m = cJSON_AddObjectToObject(o, "infeasible");
			cJSON_AddStringToObject(m, "binding",
						plan_bind_name(r->miss.bind));
			cJSON_AddStringToObject(m, "detail", r->miss.detail);
			if (r->miss.have_nearest)
				cJSON_AddItemToObject(
				    m, "nearest",
				    plan_config_to_json(q, &r->miss.nearest));
		}
	}
	cJSON *t = cJSON_AddArrayToObject(o, "top");
	for (size_t i = 0; i < r->n && i < top; i++)
		cJSON_AddItemToArray(t, plan_config_to_json(q, &r->cfg[i]));
	cJSON *f = cJSON_AddArrayToObject(o, "pareto");
	for (size_t i = 0; i < r->n_front; i++)
		cJSON_AddItemToArray(
		    f, plan_config_to_json(q, &r->cfg[r->front[i]]));
	return o;
}

cJSON *plan_result_to_json(const struct plan_query *q,
			   const struct plan_result *r, size_t top)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *qj = cJSON_AddObjectToObject(o, "query");
	cJSON_AddStringToObject(qj, "model", q->m->name);
	cJSON_AddStringToObject(qj, "gpu", q->g->name);
	cJSON_AddStringToObject(qj, "dtype", dtype_name(q->wdtype));
	cJSON_AddStringToObject(qj, "kv_dtype", dtype_name(q->kvdtype));
	cJSON_AddNumberToObject(qj, "isl", q->wl.isl);
	cJSON_AddNumberToObject(qj, "osl", q->wl.osl);
	cJSON_AddNumberToObject(qj, "ttft_ms", q->sla.ttft_s * 1e3);
	cJSON_AddNumberToObject(qj, "tpot_ms", q->sla.tpot_s * 1e3);
	cJSON_AddStringToObject(qj, "ttft_stat",
				statsel_name(q->sla.ttft_stat));
	cJSON_AddNumberToObject(qj, "ttft_margin_prompts",
				q->sla.ttft_margin_prompts);
	cJSON_AddNumberToObject(qj, "load_margin", q->sla.load_margin);
	cJSON_AddStringToObject(qj, "tpot_stat",
				statsel_name(q->sla.tpot_stat));
	cJSON_AddStringToObject(qj, "objective",
				plan_objective_name(q->objective));
	cJSON_AddNumberToObject(qj, "total_gpus", (double)q->total_gpus);
	cJSON_AddNumberToObject(qj, "max_gpus_per_worker",
				(double)q->max_gpus_per_worker);
	cJSON_AddNumberToObject(qj, "kv_link_gbps", q->link.gbps);
	cJSON_AddItemToObject(o, "agg", mode_json(q, &r->agg, q->do_agg, top));
	cJSON_AddItemToObject(o, "disagg",
			      mode_json(q, &r->disagg, q->do_disagg, top));
	double g = plan_gain(r);
	if (g > 0) {
		cJSON_AddNumberToObject(o, "disagg_over_agg", g);
		cJSON_AddNumberToObject(o, "disagg_over_agg_total_tokens",
					r->disagg.cfg[0].perf.tokens_per_s /
					    r->agg.cfg[0].perf.tokens_per_s);
	} else {
		cJSON_AddNullToObject(o, "disagg_over_agg");
		cJSON_AddNullToObject(o, "disagg_over_agg_total_tokens");
	}
	return o;
}

static int join(char *buf, size_t len, const char *dir, const char *name,
		struct sc_err *e)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return sc_err_set(e, SC_EINVAL, "output path too long: %s",
				  dir);
	return SC_OK;
}

int plan_write_dir(const char *dir, const struct plan_query *q,
		   const struct plan_result *r, size_t top, struct sc_err *e)
{
	char path[4096];
	int rc;
	if ((rc = fs_mkdir_p(dir, e)))
		return rc;
	if ((rc = join(path, sizeof path, dir, PLAN_AGG_CSV, e)) ||
	    (rc = plan_write_csv(path, &r->agg, e)) ||
	    (rc = join(path, sizeof path, dir, PLAN_DISAGG_CSV, e)) ||
	    (rc = plan_write_csv(path, &r->disagg, e)) ||
	    (rc = join(path, sizeof path, dir, PLAN_PARETO_CSV, e)) ||
	    (rc = plan_write_pareto_csv(path, r, e)))
		return rc;
	const struct plan_mode_result *modes[] = {&r->agg, &r->disagg};
	const char *files[] = {"deploy-agg.json", "deploy-disagg.json"};
	const char *names[] = {"match-best-agg", "match-best-disagg"};
	cJSON *j = plan_result_to_json(q, r, top);
	for (size_t m = 0; m < 2; m++) {
		if (!modes[m]->n)
			continue;
		struct deploy_spec d;
		plan_config_deploy(q, &modes[m]->cfg[0], names[m], &d);
		if (!(rc = join(path, sizeof path, dir, files[m], e)))
			rc = deploy_save(path, &d, e);
		deploy_release(&d);
		if (rc)
			goto out;
		cJSON *mj =
		    cJSON_GetObjectItemCaseSensitive(j, m ? "disagg" : "agg");
		cJSON_AddStringToObject(mj, "deployment_file", files[m]);
	}
	if (!(rc = join(path, sizeof path, dir, PLAN_BEST_JSON, e)))
		rc = jsonio_save_file(path, j, e);
out:
	cJSON_Delete(j);
	return rc;
}

/* A number of best.json at obj[key]; SC_EINPUT when missing. */
static int best_num(const cJSON *obj, const char *key, const char *where,
		    double *out, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': missing or not a number",
				  where, key);
	*out = v->valuedouble;
	return SC_OK;
}

int plan_best_read(const char *dir, enum deploy_mode mode, struct plan_best *b,
		   struct sc_err *e)
{
	memset(b, 0, sizeof *b);
	char path[4096];
	int rc = join(path, sizeof path, dir, PLAN_BEST_JSON, e);
	if (rc)
		return rc;
	cJSON *j = jsonio_load_file(path, e);
	if (!j)
		return SC_EINPUT;
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "query");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(
	    j, mode == DEPLOY_AGG ? "agg" : "disagg");
	const cJSON *best = cJSON_GetObjectItemCaseSensitive(m, "best");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(q, "ttft_stat");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(q, "tpot_stat");
	double gpus = 0;
	if (!cJSON_IsObject(q)) {
		rc = sc_err_set(e, SC_EINPUT, "%s: no 'query' object", path);
		goto out;
	}
	/* Files of earlier versions have no statistic: the mean. */
	if (cJSON_IsString(ts) && statsel_parse(ts->valuestring, &b->ttft_stat))
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'query.ttft_stat': unknown statistic '%s'", path,
		    ts->valuestring);
	if (!rc && cJSON_IsString(ps) &&
	    statsel_parse(ps->valuestring, &b->tpot_stat))
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'query.tpot_stat': unknown statistic '%s'", path,
		    ps->valuestring);
	if (rc || (rc = best_num(q, "isl", path, &b->isl, e)) ||
	    (rc = best_num(q, "osl", path, &b->osl, e)) ||
	    (rc = best_num(q, "ttft_ms", path, &b->sla_ttft_ms, e)) ||
	    (rc = best_num(q, "tpot_ms", path, &b->sla_tpot_ms, e)))
		goto out;
	if (!cJSON_IsObject(best))
		goto out; /* nothing recommended for this mode */
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(best, "config");
	snprintf(b->config, sizeof b->config, "%s",
		 cJSON_IsString(name) ? name->valuestring : "?");
	const char *tkey =
	    cJSON_GetObjectItemCaseSensitive(best, "ttft_at_sla_stat_ms")
		? "ttft_at_sla_stat_ms"
		: "ttft_ms";
	const char *pkey =
	    cJSON_GetObjectItemCaseSensitive(best, "tpot_at_sla_stat_ms")
		? "tpot_at_sla_stat_ms"
		: "tpot_ms";
	if ((rc = best_num(best, "concurrency", path, &b->concurrency, e)) ||
	    (rc = best_num(best, "gpus", path, &gpus, e)) ||
	    (rc = best_num(best, tkey, path, &b->ttft_at_stat_ms, e)) ||
	    (rc = best_num(best, pkey, path, &b->tpot_at_stat_ms, e)) ||
	    (rc = best_num(best, "tokens_per_s_per_gpu", path,
			   &b->tokens_per_s_per_gpu, e)))
		goto out;
	if (!(b->concurrency >= 1 && b->concurrency <= 1e6) ||
	    !(gpus >= 1 && gpus <= 1e6)) {
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: best config: concurrency %g or gpus %g out of range",
		    path, b->concurrency, gpus);
		goto out;
	}
	b->gpus = (long)gpus;
	b->present = true;
out:
	cJSON_Delete(j);
	return rc;
}

/* The numbers of a configuration, under plan_config_to_json's keys. */
static const struct {
	const char *key;
	size_t off;
} file_nums[] = {
#define FN(k, f)                                                               \
	{                                                                      \
		k, offsetof(struct plan_file_config, f)                        \
	}
    FN("gpus", gpus),
    FN("gpus_idle", gpus_idle),
    FN("tokens_per_s", tokens_per_s),
    FN("tokens_per_s_per_gpu", tokens_per_s_per_gpu),
    FN("tokens_per_s_per_user", tokens_per_s_per_user),
    FN("ttft_ms", ttft_ms),
    FN("tpot_ms", tpot_ms),
    FN("req_per_s", req_per_s),
    FN("concurrency", concurrency),
    FN("ttft_at_sla_stat_ms", ttft_at_stat_ms),
#undef FN
};

static void file_config(const cJSON *o, enum stat_sel ttft_stat,
			struct plan_file_config *cf)
{
	memset(cf, 0, sizeof *cf);
	/* `servecal match` nests the winner: {"searched", ..., "best": {...}};
	 * "best" is null when nothing met the SLAs. */
	const cJSON *best = cJSON_GetObjectItemCaseSensitive(o, "best");
	if (cJSON_GetObjectItemCaseSensitive(o, "searched")) {
		const cJSON *inf =
		    cJSON_GetObjectItemCaseSensitive(o, "infeasible");
		char bind[64], detail[320];
		jsonio_str_or_empty(inf, "binding", bind, sizeof bind);
		jsonio_str_or_empty(inf, "detail", detail, sizeof detail);
		if (bind[0] || detail[0])
			snprintf(cf->why, sizeof cf->why, "%s%s%s", bind,
				 bind[0] && detail[0] ? ": " : "", detail);
		if (cJSON_IsFalse(
			cJSON_GetObjectItemCaseSensitive(o, "searched")))
			snprintf(cf->why, sizeof cf->why, "not searched");
		o = best;
	}
	if (!cJSON_IsObject(o))
		return;
	cf->present = true;
	jsonio_str_or_empty(o, "config", cf->config, sizeof cf->config);
	jsonio_str_or_empty(o, "mode", cf->mode, sizeof cf->mode);
	for (size_t i = 0; i < sizeof file_nums / sizeof *file_nums; i++)
		*(double *)((char *)cf + file_nums[i].off) =
		    jsonio_num_or_nan(o, file_nums[i].key);
	/* Files without the SLA statistic's own key: its projection key,
	 * "ttft_ms" for the mean, "ttft_p90_ms" for p90 (model/perf.c). */
	if (isnan(cf->ttft_at_stat_ms)) {
		char k[32];
		ttft_key(k, sizeof k, ttft_stat);
		cf->ttft_at_stat_ms = jsonio_num_or_nan(o, k);
	}
}

void plan_from_json(const cJSON *j, enum stat_sel ttft_stat,
		    enum stat_sel tpot_stat, struct plan_file *f)
{
	memset(f, 0, sizeof *f);
	/* "query" as match writes it, "sla" in older files. */
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "query");
	if (!q)
		q = cJSON_GetObjectItemCaseSensitive(j, "sla");
	f->has_query = q != NULL;
	f->ttft_ms = jsonio_num_or_nan(q, "ttft_ms");
	f->tpot_ms = jsonio_num_or_nan(q, "tpot_ms");
	f->ttft_stat = jsonio_stat_sel(q, "ttft_stat", ttft_stat);
	f->tpot_stat = jsonio_stat_sel(q, "tpot_stat", tpot_stat);
	jsonio_str_or_empty(q, "objective", f->objective, sizeof f->objective);
	f->total_gpus = jsonio_num_or_nan(q, "total_gpus");
	file_config(cJSON_GetObjectItemCaseSensitive(j, "agg"), f->ttft_stat,
		    &f->agg);
	file_config(cJSON_GetObjectItemCaseSensitive(j, "disagg"), f->ttft_stat,
		    &f->disagg);
	f->disagg_over_agg = jsonio_num_or_nan(j, "disagg_over_agg");
	f->disagg_over_agg_total =
	    jsonio_num_or_nan(j, "disagg_over_agg_total_tokens");
}

int plan_csv_load(const char *path, struct plan_csv *t, struct sc_err *e)
{
	return csvtab_load(path, &t->tab, e);
}

void plan_csv_release(struct plan_csv *t)
{
	csvtab_release(&t->tab);
}

bool plan_csv_lacks_ttft(const struct plan_csv *t, enum stat_sel s)
{
	char k[32];
	ttft_key(k, sizeof k, s);
	return t->tab.n_rows && csvtab_col(&t->tab, k) < 0;
}

void plan_csv_rows(const struct plan_csv *t, enum stat_sel ttft_stat,
		   const char *mode_default, struct plan_csv_row **rows,
		   size_t *n, size_t *cap)
{
	const struct csvtab *tab = &t->tab;
	int c[COL_FEAS + 1];
	for (size_t k = 0; k <= COL_FEAS; k++)
		c[k] = csvtab_col(tab, common_cols[k].name);
	char tk[32];
	ttft_key(tk, sizeof tk, ttft_stat);
	int cs = csvtab_col(tab, tk);
	for (size_t r = 0; r < tab->n_rows; r++) {
		struct plan_csv_row p = {0};
		snprintf(p.config, sizeof p.config, "%s",
			 csvtab_cell(tab, r, c[COL_CONFIG]));
		const char *m = csvtab_cell(tab, r, c[COL_MODE]);
		snprintf(p.mode, sizeof p.mode, "%s", *m ? m : mode_default);
		p.tokens_per_s_per_user = csvtab_num(tab, r, c[COL_USER]);
		p.tokens_per_s_per_gpu = csvtab_num(tab, r, c[COL_GPU]);
		p.ttft_ms = csvtab_num(tab, r, c[COL_TTFT]);
		p.ttft_at_stat_ms = cs < 0 ? NAN : csvtab_num(tab, r, cs);
		p.tpot_ms = csvtab_num(tab, r, c[COL_TPOT]);
		p.feasible =
		    c[COL_FEAS] < 0 || csvtab_num(tab, r, c[COL_FEAS]) == 1.0;
		*rows = xgrow(*rows, cap, *n + 1, sizeof p);
		(*rows)[(*n)++] = p;
	}
}
