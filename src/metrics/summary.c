/* Level summaries. Throughput counts the output tokens whose chunks arrived
 * inside the steady window (warm-up requests included: their tokens are
 * real server work in the window), so long requests that straddle the window
 * edges are neither over- nor under-counted. */
#include "metrics/summary.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonio.h"
#include "util/num.h"

static bool measured(const struct req_record *r)
{
	return r->ok && !r->warmup;
}

static const char *const sla_metric_names[SLA_METRIC_COUNT] = {
    [SLA_TTFT] = "ttft",
    [SLA_TPOT] = "tpot",
    [SLA_E2E] = "e2e",
    [SLA_ITL] = "itl",
};

/* Default statistic of each limit: TTFT's tail matters (p90), TPOT is a
 * rate users feel on average (mean). */
static const enum stat_sel sla_default_stat[SLA_METRIC_COUNT] = {
    [SLA_TTFT] = STAT_P90,
    [SLA_TPOT] = STAT_MEAN,
    [SLA_E2E] = STAT_P90,
    [SLA_ITL] = STAT_MEAN,
};

const char *summary_sla_metric_name(enum sla_metric m)
{
	return m < SLA_METRIC_COUNT ? sla_metric_names[m] : "?";
}

void summary_sla_init(struct sla *sla)
{
	memset(sla, 0, sizeof *sla);
	for (int m = 0; m < SLA_METRIC_COUNT; m++)
		sla->stat[m] = sla_default_stat[m];
}

double summary_stat_at(const struct stats *st, enum stat_sel s)
{
	if (!st->n)
		return NAN;
	switch (s) {
	case STAT_MEAN:
		return st->mean;
	case STAT_P50:
		return st->p50;
	case STAT_P90:
		return st->p90;
	case STAT_P95:
		return st->p95;
	case STAT_P99:
		return st->p99;
	default:
		return NAN;
	}
}

/* Whether successful request r meets limit m of sla (no limit: yes). */
static bool meets_one(const struct req_record *r, const struct sla *sla,
		      enum sla_metric m)
{
	double lim = sla->limit_ms[m];
	if (!(lim > 0))
		return true;
	switch (m) {
	case SLA_TTFT:
		return r->ttft_ms <= lim;
	case SLA_TPOT:
		return !isfinite(r->tpot_ms) || r->tpot_ms <= lim;
	case SLA_E2E:
		return r->e2e_ms <= lim;
	case SLA_ITL:
		for (size_t i = 0; i < r->n_itl; i++)
			if (r->itl_ms[i] > lim)
				return false;
		return true;
	default:
		return true;
	}
}

/* The sketches of an accumulator, for loops over all of them. */
static void sketches(struct summary_acc *a, struct sketch *out[9])
{
	out[0] = &a->ttft_ms;
	out[1] = &a->tpot_ms;
	out[2] = &a->itl_ms;
	out[3] = &a->e2e_ms;
	out[4] = &a->ttfb_ms;
	out[5] = &a->queue_ms;
	out[6] = &a->output_tokens;
	out[7] = &a->input_tokens;
	out[8] = &a->ttft_client_minus_server_ms;
}

void summary_acc_init(struct summary_acc *a, const struct sla *sla)
{
	memset(a, 0, sizeof *a);
	if (sla)
		a->sla = *sla;
	struct sketch *sk[9];
	sketches(a, sk);
	for (int i = 0; i < 9; i++)
		sketch_init(sk[i]);
}

void summary_acc_release(struct summary_acc *a)
{
	struct sketch *sk[9];
	sketches(a, sk);
	for (int i = 0; i < 9; i++)
		sketch_release(sk[i]);
}

/* Output tokens of r whose chunks arrived in [w0, w1), chunk counts scaled
 * so they add up to the request's output tokens (usage may exceed the
 * chunk count). */
static double tokens_in_window(const struct req_record *r, int64_t w0,
			       int64_t w1)
{
	double chunk_sum = 0, inside = 0;
	for (size_t j = 0; j < r->n_tok; j++) {
		chunk_sum += r->tok_n[j];
		if (r->tok_ns[j] >= w0 && r->tok_ns[j] < w1)
			inside += r->tok_n[j];
	}
	return chunk_sum > 0 ? inside * (double)r->output_tokens / chunk_sum
			     : 0;
}

/* Keeps the first message of r's failure kind (a bounded table). */
static void keep_first_message(struct summary_acc *a,
			       const struct req_record *r)
{
	char buf[24];
	const char *name = req_reason_name(r, buf, sizeof buf);
	if (!name)
		return;
	for (size_t i = 0; i < a->n_first_fail; i++)
		if (!strcmp(a->first_fail[i].reason, name))
			return;
	if (a->n_first_fail >= SUMMARY_FAIL_KINDS)
		return;
	struct summary_fail *f = &a->first_fail[a->n_first_fail++];
	snprintf(f->reason, sizeof f->reason, "%s", name);
	snprintf(f->message, sizeof f->message, "%s", r->error);
}

const char *summary_first_message(const struct level_summary *s,
				  const char *reason)
{
	for (size_t i = 0; i < s->n_first_fail; i++)
		if (!strcmp(s->first_fail[i].reason, reason))
			return s->first_fail[i].message;
	return NULL;
}

void summary_acc_add(struct summary_acc *a, const struct req_record *r,
		     int64_t w0, int64_t w1)
{
	a->total++;
	if (r->warmup)
		a->warmup++;
	if (r->ok) {
		a->ok++;
	} else {
		a->failed++;
		if (r->reason > REASON_NONE && r->reason < REASON_COUNT_)
			a->by_reason[r->reason]++;
		if (r->reason == REASON_HTTP && r->http_status > 0 &&
		    r->http_status < 600)
			a->http_by_status[r->http_status]++;
		keep_first_message(a, r);
	}
	if (r->prompt_tokens >= 0 && r->input_tokens >= 0 &&
	    r->prompt_tokens != r->input_tokens)
		a->prompt_mismatch++;
	bool m = measured(r);
	bool good = m && a->sla.set;
	if (a->sla.set && !r->warmup) {
		/* attainment: a failed request meets no limit */
		a->att_n++;
		for (int k = 0; r->ok && k < SLA_METRIC_COUNT; k++)
			if (meets_one(r, &a->sla, (enum sla_metric)k))
				a->att_met[k]++;
			else
				good = false;
		if (good)
			a->att_all++;
	}
	if (m) {
		a->measured++;
		sketch_add(&a->ttft_ms, r->ttft_ms);
		sketch_add(&a->tpot_ms, r->tpot_ms);
		sketch_add(&a->e2e_ms, r->e2e_ms);
		sketch_add(&a->ttfb_ms, r->ttfb_ms);
		sketch_add(&a->queue_ms, r->queue_ms);
		if (r->has_server_timings && isfinite(r->server_prompt_ms) &&
		    isfinite(r->ttft_ms))
			sketch_add(&a->ttft_client_minus_server_ms,
				   r->ttft_ms - r->server_prompt_ms);
		for (size_t j = 0; j < r->n_itl; j++)
			sketch_add(&a->itl_ms, r->itl_ms[j]);
		sketch_add(&a->output_tokens, (double)r->output_tokens);
		long it =
		    r->prompt_tokens >= 0 ? r->prompt_tokens : r->input_tokens;
		if (it >= 0)
			sketch_add(&a->input_tokens, (double)it);
		if (good)
			a->sla_met++;
	}
	/* Steady window: the tokens that arrived in it (warm-up requests
	 * included: their tokens are real server work in the window), so
	 * long requests that straddle its edges are neither over- nor
	 * under-counted; busy time and completions for Little's law. */
	if (w1 <= w0)
		return;
	if (r->ok)
		a->win_tokens += tokens_in_window(r, w0, w1);
	if (!r->start_ns || !r->end_ns)
		return;
	int64_t lo = r->start_ns > w0 ? r->start_ns : w0;
	int64_t hi = r->end_ns < w1 ? r->end_ns : w1;
	if (hi > lo)
		a->win_busy_s += (double)(hi - lo) / 1e9;
	if (r->end_ns >= w0 && r->end_ns < w1) {
		a->win_done++;
		a->win_sum_latency_s += (double)(r->end_ns - r->start_ns) / 1e9;
		if (good) {
			a->win_good++;
			a->win_good_tokens += (double)r->output_tokens;
		}
	}
}

/* The level's statistic of SLA metric m. */
static const struct stats *metric_stats(const struct level_summary *s,
					enum sla_metric m)
{
	switch (m) {
	case SLA_TTFT:
		return &s->ttft_ms;
	case SLA_TPOT:
		return &s->tpot_ms;
	case SLA_E2E:
		return &s->e2e_ms;
	default:
		return &s->itl_ms;
	}
}

/* The verdict at each limit's statistic from s's statistics. */
static void sla_verdicts(const struct sla *sla, struct level_summary *s)
{
	s->sla_met_all = sla->set ? 1 : -1;
	for (int m = 0; m < SLA_METRIC_COUNT; m++) {
		s->sla_value_ms[m] = NAN;
		s->sla_met[m] = -1;
		if (!sla->set || !(sla->limit_ms[m] > 0))
			continue;
		double v = summary_stat_at(metric_stats(s, (enum sla_metric)m),
					   sla->stat[m]);
		s->sla_value_ms[m] = v;
		s->sla_met[m] = v <= sla->limit_ms[m];
		if (!s->sla_met[m])
			s->sla_met_all = 0;
	}
}

/* Goodput, attainment and verdicts; NaN and -1 without an SLA. */
static void sla_finish(const struct summary_acc *a, const struct level_info *li,
		       struct level_summary *s)
{
	s->goodput_per_s = s->goodput_per_s_per_gpu = s->sla_fraction = NAN;
	s->goodput_tokens_per_s = s->attainment_all = NAN;
	for (int m = 0; m < SLA_METRIC_COUNT; m++)
		s->attainment[m] = NAN;
	s->attainment_n = a->att_n;
	sla_verdicts(&li->sla, s);
	if (!li->sla.set)
		return;
	if (li->window_end_ns > li->window_start_ns) {
		s->goodput_per_s = (double)a->win_good / s->window_s;
		s->goodput_tokens_per_s = a->win_good_tokens / s->window_s;
	}
	if (li->gpus > 0)
		s->goodput_per_s_per_gpu = s->goodput_per_s / (double)li->gpus;
	if (a->measured)
		s->sla_fraction = (double)a->sla_met / (double)a->measured;
	if (!a->att_n)
		return;
	double n = (double)a->att_n;
	for (int m = 0; m < SLA_METRIC_COUNT; m++)
		if (li->sla.limit_ms[m] > 0)
			s->attainment[m] = (double)a->att_met[m] / n;
	s->attainment_all = (double)a->att_all / n;
}

void summary_acc_finish(struct summary_acc *a, const struct level_info *li,
			struct level_summary *s)
{
	memset(s, 0, sizeof *s);
	s->total = a->total;
	s->ok = a->ok;
	s->failed = a->failed;
	s->warmup = a->warmup;
	s->prompt_mismatch = a->prompt_mismatch;
	memcpy(s->by_reason, a->by_reason, sizeof s->by_reason);
	memcpy(s->http_by_status, a->http_by_status, sizeof s->http_by_status);
	memcpy(s->first_fail, a->first_fail, sizeof s->first_fail);
	s->n_first_fail = a->n_first_fail;
	s->input_tokens_per_s = NAN;
	sketch_stats(&a->ttft_ms, &s->ttft_ms);
	sketch_stats(&a->tpot_ms, &s->tpot_ms);
	sketch_stats(&a->itl_ms, &s->itl_ms);
	sketch_stats(&a->e2e_ms, &s->e2e_ms);
	sketch_stats(&a->ttfb_ms, &s->ttfb_ms);
	sketch_stats(&a->queue_ms, &s->queue_ms);
	sketch_stats(&a->output_tokens, &s->output_tokens);
	sketch_stats(&a->input_tokens, &s->input_tokens);
	sketch_stats(&a->ttft_client_minus_server_ms,
		     &s->ttft_client_minus_server_ms);

	int64_t w0 = li->window_start_ns, w1 = li->window_end_ns;
	s->window_s = w1 > w0 ? (double)(w1 - w0) / 1e9 : NAN;
	if (w1 > w0) {
		double done = a->win_done;
		s->output_tokens_per_s = a->win_tokens / s->window_s;
		s->requests_per_s = done / s->window_s;
		s->little_measured = a->win_busy_s / s->window_s;
		s->little_expected =
		    done > 0 ? s->requests_per_s * (a->win_sum_latency_s / done)
			     : NAN;
		s->little_rel_error =
		    s->little_measured > 0
			? (s->little_expected - s->little_measured) /
			      s->little_measured
			: NAN;
	} else {
		s->output_tokens_per_s = s->requests_per_s = NAN;
		s->little_measured = s->little_expected = NAN;
		s->little_rel_error = NAN;
	}
	s->tokens_per_s_per_gpu =
	    li->gpus > 0 ? s->output_tokens_per_s / (double)li->gpus : NAN;
	s->tokens_per_s_per_user = s->tpot_ms.n && s->tpot_ms.mean > 0
				       ? 1000.0 / s->tpot_ms.mean
				       : NAN;
	sla_finish(a, li, s);
}

void summary_compute(const struct req_record *recs, size_t n,
		     const struct level_info *li, struct level_summary *s)
{
	struct summary_acc a;
	summary_acc_init(&a, &li->sla);
	for (size_t i = 0; i < n; i++)
		summary_acc_add(&a, &recs[i], li->window_start_ns,
				li->window_end_ns);
	summary_acc_finish(&a, li, s);
	summary_acc_release(&a);
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* The SLA keys: "sla" (limits and their statistics), "attainment",
 * "goodput_req_per_s", "goodput_tokens_per_s", "sla_met" and
 * "sla_values_ms" (verdicts and the values they were judged on), and the
 * older "goodput" object that readers of earlier summaries know. */
static void sla_to_json(cJSON *o, const struct level_summary *s,
			const struct level_info *li)
{
	const struct sla *sla = &li->sla;
	cJSON *sl = cJSON_AddObjectToObject(o, "sla");
	cJSON *att = cJSON_AddObjectToObject(o, "attainment");
	cJSON *met = cJSON_CreateObject();
	cJSON *val = cJSON_CreateObject();
	cJSON_AddNumberToObject(att, "n", (double)s->attainment_n);
	for (int m = 0; m < SLA_METRIC_COUNT; m++) {
		if (!(sla->limit_ms[m] > 0))
			continue;
		const char *name = sla_metric_names[m];
		char k[32];
		snprintf(k, sizeof k, "%s_ms", name);
		cJSON_AddNumberToObject(sl, k, sla->limit_ms[m]);
		snprintf(k, sizeof k, "%s_stat", name);
		cJSON_AddStringToObject(sl, k, statsel_name(sla->stat[m]));
		add_num(att, name, s->attainment[m]);
		cJSON_AddBoolToObject(met, name, s->sla_met[m] == 1);
		add_num(val, name, s->sla_value_ms[m]);
	}
	add_num(att, "all", s->attainment_all);
	cJSON_AddBoolToObject(met, "all", s->sla_met_all == 1);
	add_num(o, "goodput_req_per_s", s->goodput_per_s);
	add_num(o, "goodput_tokens_per_s", s->goodput_tokens_per_s);
	cJSON_AddItemToObject(o, "sla_met", met);
	cJSON_AddItemToObject(o, "sla_values_ms", val);
	cJSON *g = cJSON_AddObjectToObject(o, "goodput");
	add_num(g, "requests_per_s", s->goodput_per_s);
	add_num(g, "requests_per_s_per_gpu", s->goodput_per_s_per_gpu);
	add_num(g, "sla_met_fraction", s->sla_fraction);
	cJSON *gs = cJSON_AddObjectToObject(g, "sla");
	for (int m = 0; m < SLA_METRIC_COUNT; m++)
		if (sla->limit_ms[m] > 0) {
			char k[32];
			snprintf(k, sizeof k, "%s_ms", sla_metric_names[m]);
			cJSON_AddNumberToObject(gs, k, sla->limit_ms[m]);
		}
}

cJSON *summary_to_json(const struct level_summary *s,
		       const struct level_info *li)
{
	cJSON *o = cJSON_CreateObject();
	if (li->open_loop) {
		cJSON_AddNumberToObject(o, "request_rate", li->rate_per_s);
		add_num(o, "achieved_rate", li->achieved_rate_per_s);
		add_num(o, "send_lateness_p99_ms", li->send_lateness_p99_ms);
	} else {
		cJSON_AddNumberToObject(o, "concurrency",
					(double)li->concurrency);
	}
	cJSON_AddNumberToObject(o, "isl", li->isl);
	cJSON_AddNumberToObject(o, "osl", li->osl);
	if (li->gpus > 0)
		cJSON_AddNumberToObject(o, "gpus", (double)li->gpus);
	else
		cJSON_AddNullToObject(o, "gpus");
	cJSON_AddBoolToObject(o, "complete", li->complete);
	cJSON *rq = cJSON_AddObjectToObject(o, "requests");
	cJSON_AddNumberToObject(rq, "total", (double)s->total);
	cJSON_AddNumberToObject(rq, "ok", (double)s->ok);
	cJSON_AddNumberToObject(rq, "failed", (double)s->failed);
	cJSON_AddNumberToObject(rq, "warmup", (double)s->warmup);
	cJSON *br = cJSON_AddObjectToObject(rq, "by_reason");
	for (int r = REASON_NONE + 1; r < REASON_COUNT_; r++) {
		if (r == REASON_HTTP) {
			for (int st = 0; st < 600; st++)
				if (s->http_by_status[st]) {
					char k[16];
					snprintf(k, sizeof k, "http_%d", st);
					cJSON_AddNumberToObject(
					    br, k,
					    (double)s->http_by_status[st]);
				}
			continue;
		}
		if (!s->by_reason[r])
			continue;
		struct req_record tmp = {.reason = r};
		char buf[16];
		cJSON_AddNumberToObject(br,
					req_reason_name(&tmp, buf, sizeof buf),
					(double)s->by_reason[r]);
	}
	/* "first_error": {"http_503": "HTTP 503: overloaded"}: the first
	 * message of each failure kind */
	cJSON *fe = cJSON_AddObjectToObject(rq, "first_error");
	for (size_t i = 0; i < s->n_first_fail; i++)
		cJSON_AddStringToObject(fe, s->first_fail[i].reason,
					s->first_fail[i].message);
	cJSON_AddItemToObject(o, "ttft_ms", stats_to_json(&s->ttft_ms));
	cJSON_AddItemToObject(o, "tpot_ms", stats_to_json(&s->tpot_ms));
	cJSON_AddItemToObject(o, "itl_ms", stats_to_json(&s->itl_ms));
	cJSON_AddItemToObject(o, "e2e_ms", stats_to_json(&s->e2e_ms));
	cJSON_AddItemToObject(o, "ttfb_ms", stats_to_json(&s->ttfb_ms));
	/* null, not a statistics object, when no server sent timings */
	if (s->ttft_client_minus_server_ms.n)
		cJSON_AddItemToObject(
		    o, "ttft_client_minus_server_ms",
		    stats_to_json(&s->ttft_client_minus_server_ms));
	else
		cJSON_AddNullToObject(o, "ttft_client_minus_server_ms");
	if (li->open_loop)
		cJSON_AddItemToObject(o, "queue_ms",
				      stats_to_json(&s->queue_ms));
	cJSON_AddItemToObject(o, "output_tokens",
			      stats_to_json(&s->output_tokens));
	cJSON_AddItemToObject(o, "input_tokens",
			      stats_to_json(&s->input_tokens));
	cJSON *tp = cJSON_AddObjectToObject(o, "throughput");
	add_num(tp, "window_s", s->window_s);
	add_num(tp, "output_tokens_per_s", s->output_tokens_per_s);
	add_num(tp, "requests_per_s", s->requests_per_s);
	add_num(tp, "tokens_per_s_per_gpu", s->tokens_per_s_per_gpu);
	add_num(tp, "tokens_per_s_per_user", s->tokens_per_s_per_user);
	if (isfinite(s->input_tokens_per_s))
		cJSON_AddNumberToObject(tp, "input_tokens_per_s",
					s->input_tokens_per_s);
	cJSON *lt = cJSON_AddObjectToObject(o, "little");
	add_num(lt, "measured_concurrency", s->little_measured);
	add_num(lt, "expected", s->little_expected);
	add_num(lt, "rel_error", s->little_rel_error);
	if (li->sla.set)
		sla_to_json(o, s, li);
	cJSON_AddNumberToObject(o, "prompt_tokens_mismatch",
				(double)s->prompt_mismatch);
	return o;
}

/* A count of o[k]: absent is 0, anything but a whole number in range is
 * an error naming the field. */
static int count_of(const cJSON *o, const char *obj, const char *k, size_t *out,
		    const char *where, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	*out = 0;
	if (!v || cJSON_IsNull(v))
		return SC_OK;
	double x = cJSON_IsNumber(v) ? v->valuedouble : -1;
	if (!(x >= 0 && x < 1e15) || x != floor(x))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s%s%s': must be a whole number "
				  ">= 0",
				  where, obj, *obj ? "." : "", k);
	*out = (size_t)x;
	return SC_OK;
}

/* "by_reason": {"timeout": 3, "http_503": 2}: names as req_reason_name
 * writes them; names this version does not know are skipped. */
static int reasons_from_json(const cJSON *br, struct level_summary *s,
			     const char *where, struct sc_err *e)
{
	const cJSON *it;
	cJSON_ArrayForEach(it, br)
	{
		size_t n;
		int rc = count_of(br, "requests.by_reason", it->string, &n,
				  where, e);
		if (rc)
			return rc;
		int st;
		char tail;
		if (sscanf(it->string, "http_%d%c", &st, &tail) == 1 &&
		    st >= 0 && st < 600) {
			s->http_by_status[st] += n;
			s->by_reason[REASON_HTTP] += n;
			continue;
		}
		for (int r = REASON_NONE + 1; r < REASON_COUNT_; r++) {
			struct req_record tmp = {.reason = r};
			char buf[16];
			const char *name =
			    req_reason_name(&tmp, buf, sizeof buf);
			if (r != REASON_HTTP && name &&
			    !strcmp(name, it->string))
				s->by_reason[r] += n;
		}
	}
	return SC_OK;
}

/* The reverse of sla_to_json. A summary from before "sla" existed gives
 * its limits under goodput.sla, each on its default statistic. */
static void sla_from_json(const cJSON *j, struct level_summary *s,
			  struct level_info *li)
{
	const cJSON *gp = cJSON_GetObjectItemCaseSensitive(j, "goodput");
	s->goodput_per_s = jsonio_num_or_nan(gp, "requests_per_s");
	s->goodput_per_s_per_gpu =
	    jsonio_num_or_nan(gp, "requests_per_s_per_gpu");
	s->sla_fraction = jsonio_num_or_nan(gp, "sla_met_fraction");
	const cJSON *sl = cJSON_GetObjectItemCaseSensitive(j, "sla");
	if (!cJSON_IsObject(sl))
		sl = cJSON_GetObjectItemCaseSensitive(gp, "sla");
	summary_sla_init(&li->sla);
	li->sla.set = cJSON_IsObject(sl);
	const cJSON *att = cJSON_GetObjectItemCaseSensitive(j, "attainment");
	const cJSON *met = cJSON_GetObjectItemCaseSensitive(j, "sla_met");
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(j, "sla_values_ms");
	double n = jsonio_num_or_nan(att, "n");
	s->attainment_n = n >= 0 && n < 1e15 ? (size_t)n : 0;
	s->attainment_all = jsonio_num_or_nan(att, "all");
	s->goodput_tokens_per_s = jsonio_num_or_nan(j, "goodput_tokens_per_s");
	double g = jsonio_num_or_nan(j, "goodput_req_per_s");
	if (isfinite(g))
		s->goodput_per_s = g;
	s->sla_met_all =
	    li->sla.set
		? cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(met, "all"))
		: -1;
	for (int m = 0; m < SLA_METRIC_COUNT; m++) {
		const char *name = sla_metric_names[m];
		char k[32];
		snprintf(k, sizeof k, "%s_ms", name);
		double v = jsonio_num_or_nan(sl, k);
		/* an absent limit is no limit (0), as in struct sla */
		li->sla.limit_ms[m] = isfinite(v) ? v : 0;
		snprintf(k, sizeof k, "%s_stat", name);
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(sl, k);
		if (cJSON_IsString(st))
			statsel_parse(st->valuestring, &li->sla.stat[m]);
		s->attainment[m] = jsonio_num_or_nan(att, name);
		s->sla_value_ms[m] = jsonio_num_or_nan(val, name);
		s->sla_met[m] =
		    li->sla.limit_ms[m] > 0
			? cJSON_IsTrue(
			      cJSON_GetObjectItemCaseSensitive(met, name))
			: -1;
	}
}

/* An object member that is present must be an object or null, and each
 * of its members a finite number or null: a summary with "mean": "x" is
 * bad input, not a level without a mean. */
static int check_numbers(const cJSON *j, const char *key, const char *where,
			 struct sc_err *e)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, key);
	if (!o || cJSON_IsNull(o))
		return SC_OK;
	if (!cJSON_IsObject(o))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field '%s': must be an object", where,
				  key);
	const cJSON *v;
	cJSON_ArrayForEach(v, o)
	{
		if (!cJSON_IsNull(v) &&
		    !(cJSON_IsNumber(v) && isfinite(v->valuedouble)))
			return sc_err_set(e, SC_EINPUT,
					  "%s: field '%s.%s': must be a number",
					  where, key, v->string);
	}
	return SC_OK;
}

/* The statistics objects of a summary, where they sit in the struct. */
static const struct {
	const char *key;
	size_t off;
} stats_keys[] = {
#define SK(f)                                                                  \
	{                                                                      \
#f, offsetof(struct level_summary, f)                          \
	}
    SK(ttft_ms),       SK(tpot_ms),	 SK(itl_ms),
    SK(e2e_ms),	       SK(ttfb_ms),	 SK(queue_ms),
    SK(output_tokens), SK(input_tokens), SK(ttft_client_minus_server_ms),
#undef SK
};

/* The level's load: a rate, or a concurrency (required unless
 * load_elsewhere). */
static int load_from_json(const cJSON *j, const char *where,
			  bool load_elsewhere, struct level_info *li,
			  struct sc_err *e)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "concurrency");
	const cJSON *rate = cJSON_GetObjectItemCaseSensitive(j, "request_rate");
	li->open_loop = cJSON_IsNumber(rate);
	if (li->open_loop) {
		li->rate_per_s = rate->valuedouble;
		return SC_OK;
	}
	if (load_elsewhere && !cJSON_IsNumber(c))
		return SC_OK;
	if (!cJSON_IsNumber(c) || !(c->valuedouble >= 0) ||
	    c->valuedouble > 1e8 || c->valuedouble != floor(c->valuedouble))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'concurrency': missing or not a "
				  "whole number in [0, 1e8] (and no "
				  "'request_rate')",
				  where);
	li->concurrency = (long)c->valuedouble;
	return SC_OK;
}

static int from_json(const cJSON *j, const char *where, bool load_elsewhere,
		     struct level_summary *s, struct level_info *li,
		     struct sc_err *e)
{
	memset(s, 0, sizeof *s);
	memset(li, 0, sizeof *li);
	if (!cJSON_IsObject(j))
		return sc_err_set(e, SC_EINPUT, "%s: must be a JSON object",
				  where);
	int rc = load_from_json(j, where, load_elsewhere, li, e);
	if (rc)
		return rc;
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(j, "requests");
	if (!cJSON_IsObject(rq))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'requests': missing or not an "
				  "object",
				  where);
	for (size_t i = 0; i < sizeof stats_keys / sizeof *stats_keys; i++)
		if ((rc = check_numbers(j, stats_keys[i].key, where, e)))
			return rc;
	if ((rc = check_numbers(j, "throughput", where, e)))
		return rc;
	li->achieved_rate_per_s = jsonio_num_or_nan(j, "achieved_rate");
	li->send_lateness_p99_ms = jsonio_num_or_nan(j, "send_lateness_p99_ms");
	li->isl = jsonio_num_or_nan(j, "isl");
	li->osl = jsonio_num_or_nan(j, "osl");
	double g = jsonio_num_or_nan(j, "gpus");
	li->gpus = g >= 1 && g < 1e9 ? (long)g : 0;
	li->complete =
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "complete"));
	if ((rc = count_of(rq, "requests", "total", &s->total, where, e)) ||
	    (rc = count_of(rq, "requests", "ok", &s->ok, where, e)) ||
	    (rc = count_of(rq, "requests", "failed", &s->failed, where, e)) ||
	    (rc = count_of(rq, "requests", "warmup", &s->warmup, where, e)) ||
	    (rc = reasons_from_json(
		 cJSON_GetObjectItemCaseSensitive(rq, "by_reason"), s, where,
		 e)) ||
	    (rc = count_of(j, "", "prompt_tokens_mismatch", &s->prompt_mismatch,
			   where, e)))
		return rc;
	const cJSON *fe, *it;
	fe = cJSON_GetObjectItemCaseSensitive(rq, "first_error");
	cJSON_ArrayForEach(it, fe)
	{
		if (!cJSON_IsString(it) ||
		    s->n_first_fail >= SUMMARY_FAIL_KINDS)
			continue;
		struct summary_fail *f = &s->first_fail[s->n_first_fail++];
		snprintf(f->reason, sizeof f->reason, "%s", it->string);
		snprintf(f->message, sizeof f->message, "%s", it->valuestring);
	}
	for (size_t i = 0; i < sizeof stats_keys / sizeof *stats_keys; i++)
		stats_from_json(
		    cJSON_GetObjectItemCaseSensitive(j, stats_keys[i].key),
		    (struct stats *)((char *)s + stats_keys[i].off));
	const cJSON *tp = cJSON_GetObjectItemCaseSensitive(j, "throughput");
	s->window_s = jsonio_num_or_nan(tp, "window_s");
	s->output_tokens_per_s = jsonio_num_or_nan(tp, "output_tokens_per_s");
	s->requests_per_s = jsonio_num_or_nan(tp, "requests_per_s");
	s->tokens_per_s_per_gpu = jsonio_num_or_nan(tp, "tokens_per_s_per_gpu");
	s->tokens_per_s_per_user =
	    jsonio_num_or_nan(tp, "tokens_per_s_per_user");
	s->input_tokens_per_s = jsonio_num_or_nan(tp, "input_tokens_per_s");
	const cJSON *lt = cJSON_GetObjectItemCaseSensitive(j, "little");
	s->little_measured = jsonio_num_or_nan(lt, "measured_concurrency");
	s->little_expected = jsonio_num_or_nan(lt, "expected");
	s->little_rel_error = jsonio_num_or_nan(lt, "rel_error");
	sla_from_json(j, s, li);
	return SC_OK;
}

int summary_from_json(const cJSON *j, const char *where,
		      struct level_summary *s, struct level_info *li,
		      struct sc_err *e)
{
	return from_json(j, where, false, s, li, e);
}

int summary_body_from_json(const cJSON *j, const char *where,
			   struct level_summary *s, struct level_info *li,
			   struct sc_err *e)
{
	return from_json(j, where, true, s, li, e);
}

/* The keys of an SLA list: a limit (ms) or the statistic it applies to. */
static const struct {
	const char *key;
	enum sla_metric m;
	bool is_stat;
} sla_keys[] = {
    {"ttft_ms", SLA_TTFT, false}, {"ttft_stat", SLA_TTFT, true},
    {"tpot_ms", SLA_TPOT, false}, {"tpot_stat", SLA_TPOT, true},
    {"e2e_ms", SLA_E2E, false},	  {"e2e_stat", SLA_E2E, true},
    {"itl_ms", SLA_ITL, false},	  {"itl_stat", SLA_ITL, true},
};

int summary_parse_sla(const char *s, struct sla *out, char *err, size_t cap)
{
	summary_sla_init(out);
	bool stat_given[SLA_METRIC_COUNT] = {false};
	const char *p = s;
	while (*p) {
		const char *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if (!eq || eq > comma) {
			snprintf(err, cap, "expected KEY=VALUE in '%s'", s);
			return -1;
		}
		int kl = (int)(eq - p), vl = (int)(comma - eq - 1);
		const char *val = eq + 1;
		size_t i;
		for (i = 0; i < sizeof sla_keys / sizeof *sla_keys; i++)
			if (strlen(sla_keys[i].key) == (size_t)kl &&
			    !strncmp(sla_keys[i].key, p, (size_t)kl))
				break;
		if (i == sizeof sla_keys / sizeof *sla_keys) {
			snprintf(err, cap,
				 "unknown SLA key '%.*s' (known: ttft_ms, "
				 "tpot_ms, e2e_ms, itl_ms, and ttft_stat, "
				 "tpot_stat, e2e_stat, itl_stat)",
				 kl, p);
			return -1;
		}
		enum sla_metric m = sla_keys[i].m;
		if (sla_keys[i].is_stat) {
			char name[8];
			snprintf(name, sizeof name, "%.*s", vl, val);
			if (vl >= (int)sizeof name ||
			    statsel_parse(name, &out->stat[m])) {
				snprintf(err, cap,
					 "'%.*s=%.*s': the statistic must be "
					 "mean, p50, p90, p95 or p99",
					 kl, p, vl, val);
				return -1;
			}
			stat_given[m] = true;
		} else {
			char *end;
			double v = strtod(val, &end);
			if (end != comma || vl == 0 || !(v >= NUM_SLA_MIN) ||
			    !(v <= NUM_MS_MAX)) {
				snprintf(err, cap,
					 "'%.*s=%.*s': the limit must be a "
					 "number of milliseconds in [%g, %g]",
					 kl, p, vl, val, NUM_SLA_MIN,
					 NUM_MS_MAX);
				return -1;
			}
			out->limit_ms[m] = v;
			out->set = true;
		}
		p = *comma ? comma + 1 : comma;
	}
	for (int m = 0; m < SLA_METRIC_COUNT; m++)
		if (stat_given[m] && !(out->limit_ms[m] > 0)) {
			snprintf(err, cap,
				 "%s_stat is given without %s_ms in '%s'",
				 sla_metric_names[m], sla_metric_names[m], s);
			return -1;
		}
	if (!out->set) {
		snprintf(err, cap, "empty SLA list '%s'", s);
		return -1;
	}
	return 0;
}
