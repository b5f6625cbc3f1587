/* Closure test: recommendation -> deployment -> bench -> verdict. */
#include "camp/verify.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "camp/argbuf.h"
#include "camp/proc.h"
#include "metrics/level.h"
#include "metrics/summary.h"
#include "plan/plan_out.h"
#include "util/fs.h"
#include "util/jsonio.h"

/* A recommendation is run this many rounds of its users unless told. */
#define VERIFY_DEFAULT_ROUNDS 10
/* Seconds an emulator may take to print its URL. */
#define VERIFY_EMU_START_S 30.0
/* Per request; a recommendation at its operating point answers well
 * within this. */
#define VERIFY_TIMEOUT_S 600.0

static const char *const mode_names[VERIFY_MODES] = {"agg", "disagg"};

/* Benches one mode's deployment at its recommended point. */
static int run_mode(const struct verify_opts *o, int m,
		    const struct plan_best *b, struct verify_row *row,
		    struct sc_err *e)
{
	char self[4096], deploy[4200], dir[4200], logs[4200], out[4400],
	    err[4400];
	int rc = proc_self_exe(self, sizeof self);
	if (rc)
		return sc_err_set(e, SC_ERUNTIME,
				  "cannot find the servecal executable");
	snprintf(deploy, sizeof deploy, "%s/deploy-%s.json", o->match_dir,
		 mode_names[m]);
	snprintf(dir, sizeof dir, "%s/%s", o->out_dir, mode_names[m]);
	snprintf(logs, sizeof logs, "%s/logs", o->out_dir);
	if ((rc = fs_mkdir_p(logs, e)))
		return rc;
	struct proc_server srv = {0};
	const char *url = o->url[m];
	if (!url) {
		char *emu[] = {self,   "emulate", "--deployment",
			       deploy, "--port",  "0",
			       NULL};
		snprintf(err, sizeof err, "%s/emulate-%s.err", logs,
			 mode_names[m]);
		if ((rc = proc_server_start(&srv, emu, err, VERIFY_EMU_START_S,
					    e)))
			return rc;
		url = srv.url;
	}
	struct argbuf a = {0};
	argbuf_add(&a, "%s", self);
	argbuf_add(&a, "bench");
	argbuf_opt(&a, "--url", "%s", url);
	argbuf_opt(&a, "--isl", "%.0f", b->isl);
	argbuf_opt(&a, "--osl", "%.0f", b->osl);
	argbuf_opt(&a, "--concurrency", "%.0f", b->concurrency);
	argbuf_opt(&a, "--requests-per-level", "%.0f",
		   (double)o->rounds * b->concurrency);
	argbuf_opt(&a, "--warmup", "%.0f",
		   (double)o->warmup_rounds * b->concurrency);
	argbuf_opt(&a, "--deployment", "%s", deploy);
	argbuf_opt(&a, "--sla", "ttft_ms=%.6g", b->sla_ttft_ms);
	argbuf_opt(&a, "--timeout", "%.0fs", VERIFY_TIMEOUT_S);
	argbuf_opt(&a, "--out", "%s", dir);
	argbuf_add(&a, "--quiet");
	snprintf(out, sizeof out, "%s/bench-%s.out", logs, mode_names[m]);
	snprintf(err, sizeof err, "%s/bench-%s.err", logs, mode_names[m]);
	int st = proc_run(a.v, out, err, 0, o->stop, e);
	argbuf_release(&a);
	if (srv.pid)
		proc_server_stop(&srv, 10.0);
	if (st < 0)
		return st;
	char level[64], spath[4300];
	level_name(false, b->concurrency, level, sizeof level);
	snprintf(spath, sizeof spath, "%s/%s/summary.json", dir, level);
	struct sc_err se = {0};
	cJSON *sj = jsonio_load_file(spath, &se);
	struct level_summary s;
	struct level_info li;
	if (!sj || summary_from_json(sj, spath, &s, &li, &se)) {
		cJSON_Delete(sj);
		if (!sj && se.sys_errno == ENOENT)
			snprintf(row->error, sizeof row->error,
				 "bench exited %d without a summary (see "
				 "%.180s)",
				 st, err);
		else
			snprintf(row->error, sizeof row->error, "%.250s",
				 se.msg);
		return SC_OK;
	}
	cJSON_Delete(sj);
	row->measured = true;
	row->meas_ttft_ms = summary_stat_at(&s.ttft_ms, b->ttft_stat);
	row->meas_tpot_ms = summary_stat_at(&s.tpot_ms, b->tpot_stat);
	row->meas_tps_gpu = s.tokens_per_s_per_gpu;
	row->attainment = s.sla_fraction;
	return SC_OK;
}

/* Appends one missed check to r->miss. */
static void add_miss(struct verify_row *r, const char *fmt, double a, double b)
{
	size_t n = strlen(r->miss);
	if (n)
		n += (size_t)snprintf(r->miss + n, sizeof r->miss - n, "; ");
	if (n < sizeof r->miss)
		snprintf(r->miss + n, sizeof r->miss - n, fmt, a, b);
}

static void judge(const struct verify_opts *o, struct verify_row *r)
{
	double tol = 1.0 + o->tolerance;
	bool ttft = r->meas_ttft_ms <= r->sla_ttft_ms * tol;
	bool tpot = r->meas_tpot_ms <= r->sla_tpot_ms * tol;
	/* A percentile SLA is an attainment target: p90 means 9 in 10. */
	double att_min = r->target_attainment - o->tolerance;
	bool att = r->target_attainment <= 0 || r->attainment >= att_min;
	double err = r->meas_tps_gpu / r->proj_tps_gpu - 1.0;
	r->sla_met = ttft && tpot && att;
	r->tps_within = fabs(err) <= o->tolerance;
	r->miss[0] = '\0';
	if (!ttft)
		add_miss(r, "TTFT %.1f ms over its SLA of %.1f ms",
			 r->meas_ttft_ms, r->sla_ttft_ms);
	if (!tpot)
		add_miss(r, "TPOT %.2f ms over its SLA of %.2f ms",
			 r->meas_tpot_ms, r->sla_tpot_ms);
	if (!att)
		add_miss(r,
			 "%.1f%% of requests within the TTFT SLA, under %.1f%%",
			 100 * r->attainment, 100 * att_min);
	if (!r->tps_within)
		add_miss(
		    r, "tokens/s/gpu %+.1f%% off the projection, past +-%.1f%%",
		    100 * err, 100 * o->tolerance);
}

int verify_run(const struct verify_opts *o, struct verify_result *r,
	       struct sc_err *e)
{
	memset(r, 0, sizeof *r);
	for (int m = 0; m < VERIFY_MODES; m++) {
		if (o->skip[m])
			continue;
		struct plan_best b;
		int rc = plan_best_read(o->match_dir,
					m ? DEPLOY_DISAGG : DEPLOY_AGG, &b, e);
		if (rc)
			return rc;
		if (!b.present)
			continue;
		struct verify_row *row = &r->rows[m];
		row->present = true;
		snprintf(row->config, sizeof row->config, "%s", b.config);
		row->concurrency = b.concurrency;
		row->sla_ttft_ms = b.sla_ttft_ms;
		row->sla_tpot_ms = b.sla_tpot_ms;
		row->ttft_stat = b.ttft_stat;
		row->tpot_stat = b.tpot_stat;
		row->proj_ttft_ms = b.ttft_at_stat_ms;
		row->proj_tpot_ms = b.tpot_at_stat_ms;
		row->proj_tps_gpu = b.tokens_per_s_per_gpu;
		row->target_attainment = statsel_quantile(b.ttft_stat);
		struct verify_opts oo = *o;
		if (oo.rounds <= 0)
			oo.rounds = VERIFY_DEFAULT_ROUNDS;
		if (oo.warmup_rounds <= 0)
			oo.warmup_rounds = VERIFY_DEFAULT_WARMUP_ROUNDS;
		if ((rc = run_mode(&oo, m, &b, row, e)))
			return rc;
		if (row->measured)
			judge(o, row);
		if (o->stop && *o->stop)
			break;
	}
	return SC_OK;
}

bool verify_passed(const struct verify_result *r)
{
	for (int m = 0; m < VERIFY_MODES; m++)
		if (r->rows[m].present &&
		    (!r->rows[m].measured || !r->rows[m].sla_met ||
		     !r->rows[m].tps_within))
			return false;
	return true;
}

/* A row's figures under their verify.json keys. */
static const struct {
	const char *key;
	size_t off;
} row_nums[] = {
#define RN(k, f)                                                               \
	{                                                                      \
		k, offsetof(struct verify_row, f)                              \
	}
    RN("projected_ttft_ms", proj_ttft_ms),
    RN("measured_ttft_ms", meas_ttft_ms),
    RN("projected_tpot_ms", proj_tpot_ms),
    RN("measured_tpot_ms", meas_tpot_ms),
    RN("ttft_attainment", attainment),
    RN("target_attainment", target_attainment),
    RN("projected_tokens_per_s_per_gpu", proj_tps_gpu),
    RN("measured_tokens_per_s_per_gpu", meas_tps_gpu),
#undef RN
};
#define N_ROW_NUMS   (sizeof row_nums / sizeof *row_nums)
#define K_TPS_WITHIN "tokens_per_s_per_gpu_within_tolerance"

static double *row_num(struct verify_row *r, size_t i)
{
	return (double *)((char *)r + row_nums[i].off);
}

static cJSON *row_to_json(const struct verify_row *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "config", r->config);
	cJSON_AddNumberToObject(o, "concurrency", r->concurrency);
	cJSON_AddStringToObject(o, "ttft_stat", statsel_name(r->ttft_stat));
	cJSON_AddStringToObject(o, "tpot_stat", statsel_name(r->tpot_stat));
	cJSON_AddNumberToObject(o, "sla_ttft_ms", r->sla_ttft_ms);
	cJSON_AddNumberToObject(o, "sla_tpot_ms", r->sla_tpot_ms);
	cJSON_AddBoolToObject(o, "measured", r->measured);
	if (!r->measured) {
		cJSON_AddStringToObject(o, "error", r->error);
		return o;
	}
	for (size_t i = 0; i < N_ROW_NUMS; i++) {
		double v = *row_num((struct verify_row *)r, i);
		if (isfinite(v))
			cJSON_AddNumberToObject(o, row_nums[i].key, v);
		else
			cJSON_AddNullToObject(o, row_nums[i].key);
	}
	cJSON_AddBoolToObject(o, "sla_met", r->sla_met);
	cJSON_AddBoolToObject(o, K_TPS_WITHIN, r->tps_within);
	cJSON_AddStringToObject(o, "miss", r->miss);
	return o;
}

cJSON *verify_file_to_json(const struct verify_file *f)
{
	cJSON *j = cJSON_CreateObject();
	for (int m = 0; m < VERIFY_MODES; m++)
		if (f->result.rows[m].present)
			cJSON_AddItemToObject(j, mode_names[m],
					      row_to_json(&f->result.rows[m]));
	cJSON_AddNumberToObject(j, "tolerance", f->tolerance);
	cJSON_AddBoolToObject(j, "passed", f->passed);
	return j;
}

static bool is_true(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void row_from_json(const cJSON *o, enum stat_sel ttft_stat,
			  enum stat_sel tpot_stat, struct verify_row *r)
{
	memset(r, 0, sizeof *r);
	if (!cJSON_IsObject(o))
		return;
	r->present = true;
	r->measured = is_true(o, "measured");
	r->sla_met = is_true(o, "sla_met");
	r->tps_within = is_true(o, K_TPS_WITHIN);
	r->concurrency = jsonio_num_or_nan(o, "concurrency");
	r->sla_ttft_ms = jsonio_num_or_nan(o, "sla_ttft_ms");
	r->sla_tpot_ms = jsonio_num_or_nan(o, "sla_tpot_ms");
	for (size_t i = 0; i < N_ROW_NUMS; i++)
		*row_num(r, i) = jsonio_num_or_nan(o, row_nums[i].key);
	r->ttft_stat = jsonio_stat_sel(o, "ttft_stat", ttft_stat);
	r->tpot_stat = jsonio_stat_sel(o, "tpot_stat", tpot_stat);
	jsonio_str_or_empty(o, "config", r->config, sizeof r->config);
	jsonio_str_or_empty(o, "error", r->error, sizeof r->error);
	jsonio_str_or_empty(o, "miss", r->miss, sizeof r->miss);
}

void verify_file_from_json(const cJSON *j, enum stat_sel ttft_stat,
			   enum stat_sel tpot_stat, struct verify_file *f)
{
	memset(f, 0, sizeof *f);
	for (int m = 0; m < VERIFY_MODES; m++)
		row_from_json(
		    cJSON_GetObjectItemCaseSensitive(j, mode_names[m]),
		    ttft_stat, tpot_stat, &f->result.rows[m]);
	f->tolerance = jsonio_num_or_nan(j, "tolerance");
	f->passed = is_true(j, "passed");
}
