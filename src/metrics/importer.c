/* Importers for aiperf and vLLM benchmark results. Per-request sources are
 * turned into records and summarised by summary_compute, so the statistics
 * are computed exactly as for servecal's own runs; aggregate sources copy
 * the statistics they report. */
#include "metrics/importer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/level.h"
#include "metrics/request.h"
#include "metrics/summary.h"
#include "util/infile.h"
#include "util/jsonio.h"
#include "util/num.h"
#include "util/xalloc.h"

/* Caps of an imported file: 64 MiB, and 8 million JSON values (a vLLM
 * file with per-request arrays holds one value per output token). */
#define IMPORT_MAX_FILE_BYTES (64u << 20)
#define IMPORT_MAX_NODES      8000000u
/* Ranges of imported values beyond those of util/num.h: total token
 * counts and throughputs (tokens or requests a second). */
#define IMPORT_MAX_TOTAL_TOKENS 1e15
#define IMPORT_MAX_PER_S	1e9

static double num_or_nan(const cJSON *v)
{
	return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble
							     : NAN;
}

static void add_missing(cJSON *missing, const char *name)
{
	cJSON_AddItemToArray(missing, cJSON_CreateString(name));
}

/* Checks member key of o when present and not null: a number in [lo, hi]
 * (whole when asked). SC_EINPUT naming where and the key, quoting the
 * value; nonsense such as a negative count or latency stops the import. */
static int check(const cJSON *o, const char *key, double lo, double hi,
		 bool whole, const char *where, struct sc_err *e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!v || cJSON_IsNull(v))
		return SC_OK;
	if (whole) {
		long x;
		return jsonio_int(o, key, true, 0, (long)lo, (long)hi, &x,
				  where, e);
	}
	double x;
	return jsonio_range(o, key, true, 0, lo, hi, &x, where, e);
}

/* x in [lo, hi] (and whole when asked); where names it. */
static int check_x(double x, double lo, double hi, bool whole,
		   const char *where, struct sc_err *e)
{
	if (!(x >= lo && x <= hi) || (whole && x != floor(x)))
		return sc_err_set(
		    e, SC_EINPUT, "%s: must be %s in [%.10g, %.10g], got %.10g",
		    where, whole ? "a whole number" : "a number", lo, hi, x);
	return SC_OK;
}

/* A number in [lo, hi] that is not a member (an array entry). */
static int check_value(const cJSON *v, double lo, double hi, bool whole,
		       const char *where, struct sc_err *e)
{
	if (!cJSON_IsNumber(v))
		return sc_err_set(e, SC_EINPUT, "%s: must be a number", where);
	return check_x(v->valuedouble, lo, hi, whole, where, e);
}

/* Each entry of array a (when it is one) through check_value. */
static int check_array(const cJSON *a, double lo, double hi, bool whole,
		       const char *where, struct sc_err *e)
{
	const cJSON *v;
	size_t i = 0;
	cJSON_ArrayForEach(v, a)
	{
		char w[700];
		snprintf(w, sizeof w, "%s[%zu]", where, i++);
		if (cJSON_IsArray(v)) {
			if (check_array(v, lo, hi, whole, w, e))
				return SC_EINPUT;
		} else if (!cJSON_IsNull(v) &&
			   check_value(v, lo, hi, whole, w, e)) {
			return SC_EINPUT;
		}
	}
	return SC_OK;
}

static void import_level_name(double conc, double rate, int idx, char *buf,
			      size_t cap)
{
	if (isfinite(conc) && conc > 0)
		level_name(false, conc, buf, cap);
	else if (isfinite(rate) && rate > 0)
		level_name(true, rate, buf, cap);
	else
		snprintf(buf, cap, "i%d", idx);
}

/* Finds a numeric member named key anywhere under j (depth first). */
static double find_num(const cJSON *j, const char *key)
{
	if (!j)
		return NAN;
	const cJSON *c;
	cJSON_ArrayForEach(c, j)
	{
		if (c->string && !strcmp(c->string, key) && cJSON_IsNumber(c))
			return c->valuedouble;
		if (cJSON_IsObject(c)) {
			double v = find_num(c, key);
			if (isfinite(v))
				return v;
		}
	}
	return NAN;
}

/* Fills the summary's top-level bookkeeping shared by all importers. */
static void finish_summary(cJSON *s, const char *source, const char *path,
			   cJSON *missing)
{
	cJSON *src = cJSON_AddObjectToObject(s, "source");
	cJSON_AddStringToObject(src, "tool", source);
	cJSON_AddStringToObject(src, "file", path);
	cJSON_AddItemToObject(s, "missing", missing);
}

/* ---- aiperf per-request JSONL ---------------------------------------- */

static double metric_value(const cJSON *metrics, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(metrics, name);
	return num_or_nan(cJSON_GetObjectItemCaseSensitive(m, "value"));
}

/* Ranges of aiperf's metrics, per record ("value") and per aggregate
 * block ("avg", "p50", ...); their units are ms and tokens. */
static const struct {
	const char *name;
	double hi;
	bool whole;
} aiperf_metrics[] = {
    {"time_to_first_token", NUM_MS_MAX, false},
    {"request_latency", NUM_MS_MAX, false},
    {"inter_token_latency", NUM_MS_MAX, false},
    {"inter_chunk_latency", NUM_MS_MAX, false},
    {"output_sequence_length", NUM_TOKENS_MAX, false},
    {"input_sequence_length", NUM_TOKENS_MAX, false},
};

static int check_record(const cJSON *md, const cJSON *mt, const char *where,
			struct sc_err *e)
{
	char w[700];
	snprintf(w, sizeof w, "%s: metadata", where);
	if (check(md, "request_start_ns", 0, NUM_NS_MAX, false, w, e) ||
	    check(md, "request_end_ns", 0, NUM_NS_MAX, false, w, e))
		return SC_EINPUT;
	double t0 = num_or_nan(
	    cJSON_GetObjectItemCaseSensitive(md, "request_start_ns"));
	double t1 =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(md, "request_end_ns"));
	if (t1 < t0)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'request_end_ns': %.0f is before "
				  "request_start_ns %.0f",
				  w, t1, t0);
	for (size_t i = 0; i < sizeof aiperf_metrics / sizeof *aiperf_metrics;
	     i++) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(
		    mt, aiperf_metrics[i].name);
		if (!cJSON_IsObject(m))
			continue;
		snprintf(w, sizeof w, "%s: metrics.%s", where,
			 aiperf_metrics[i].name);
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, "value");
		int rc =
		    cJSON_IsArray(v)
			? check_array(v, 0, aiperf_metrics[i].hi, false, w, e)
			: check(m, "value", 0, aiperf_metrics[i].hi, false, w,
				e);
		if (rc)
			return rc;
	}
	return SC_OK;
}

static int aiperf_records(const char *path, const char *text, size_t len,
			  long gpus, struct import_level *out, struct sc_err *e)
{
	struct req_record *recs = NULL;
	size_t n = 0, cap = 0, pos = 0;
	long lineno = 0;
	int rc = SC_OK;
	bool have_itl = false, have_ttft = false;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		pos += llen + (nl ? 1 : 0);
		lineno++;
		size_t k = 0;
		while (k < llen &&
		       (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
			k++;
		if (k == llen)
			continue;
		char where[600];
		snprintf(where, sizeof where, "%s:%ld", path, lineno);
		cJSON *j = jsonio_parse(line, llen, where, e);
		if (!j) {
			rc = SC_EINPUT;
			break;
		}
		const cJSON *md =
		    cJSON_GetObjectItemCaseSensitive(j, "metadata");
		const cJSON *mt =
		    cJSON_GetObjectItemCaseSensitive(j, "metrics");
		if (!cJSON_IsObject(md)) {
			cJSON_Delete(j);
			rc = sc_err_set(
			    e, SC_EINPUT,
			    "%s: not an aiperf record (no \"metadata\" object)",
			    where);
			break;
		}
		if (check_record(md, mt, where, e)) {
			cJSON_Delete(j);
			rc = SC_EINPUT;
			break;
		}
		const cJSON *phase =
		    cJSON_GetObjectItemCaseSensitive(md, "benchmark_phase");
		if (n == cap)
			recs = xgrow(recs, &cap, n + 1, sizeof *recs);
		struct req_record *r = &recs[n++];
		memset(r, 0, sizeof *r);
		r->id = (uint64_t)(n - 1);
		r->warmup = cJSON_IsString(phase) &&
			    !strcmp(phase->valuestring, "warmup");
		/* In [0, NUM_NS_MAX] (check_record): the casts are safe. */
		double start = num_or_nan(
		    cJSON_GetObjectItemCaseSensitive(md, "request_start_ns"));
		double end = num_or_nan(
		    cJSON_GetObjectItemCaseSensitive(md, "request_end_ns"));
		r->start_ns = isfinite(start) ? (int64_t)start : 0;
		r->end_ns = isfinite(end) ? (int64_t)end : 0;
		r->ttft_ms = metric_value(mt, "time_to_first_token");
		r->e2e_ms = metric_value(mt, "request_latency");
		r->tpot_ms = metric_value(mt, "inter_token_latency");
		r->ttfb_ms = NAN;
		r->queue_ms = NAN;
		double osl = metric_value(mt, "output_sequence_length");
		double isl = metric_value(mt, "input_sequence_length");
		r->output_tokens = isfinite(osl) ? (long)osl : 0;
		r->input_tokens = isfinite(isl) ? (long)isl : -1;
		r->prompt_tokens = -1;
		if (isfinite(r->ttft_ms))
			have_ttft = true;
		const cJSON *icl = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(mt, "inter_chunk_latency"),
		    "value");
		if (cJSON_IsArray(icl) && cJSON_GetArraySize(icl) > 0) {
			size_t n_icl = (size_t)cJSON_GetArraySize(icl);
			r->itl_ms = xmalloc(n_icl * sizeof *r->itl_ms);
			const cJSON *v;
			cJSON_ArrayForEach(v, icl)
			{
				double x = num_or_nan(v);
				if (isfinite(x))
					r->itl_ms[r->n_itl++] = x;
			}
			have_itl = true;
		}
		/* Throughput needs token times; aiperf keeps only the end. */
		if (r->end_ns && r->output_tokens > 0) {
			r->tok_ns = xmalloc(sizeof *r->tok_ns);
			r->tok_n = xmalloc(sizeof *r->tok_n);
			r->tok_ns[0] = r->end_ns - 1;
			r->tok_n[0] = (int32_t)r->output_tokens;
			r->n_tok = 1;
		}
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(j, "error");
		if (cJSON_IsObject(err)) {
			const cJSON *code =
			    cJSON_GetObjectItemCaseSensitive(err, "code");
			const cJSON *msg =
			    cJSON_GetObjectItemCaseSensitive(err, "message");
			int c = cJSON_IsNumber(code) ? code->valueint : 0;
			r->reason = c >= 400 && c < 600 ? REASON_HTTP
							: REASON_TRANSPORT;
			r->http_status = c;
			snprintf(r->error, sizeof r->error, "%s",
				 cJSON_IsString(msg) ? msg->valuestring
						     : "error");
			r->ok = false;
		} else {
			r->ok = true;
		}
		cJSON_Delete(j);
	}
	if (rc == SC_OK && n == 0)
		rc = sc_err_set(e, SC_EINPUT, "%s: no records", path);
	if (rc == SC_OK) {
		struct level_info li = {.gpus = gpus, .complete = true};
		int64_t w0 = 0, w1 = 0;
		for (size_t i = 0; i < n; i++) {
			if (recs[i].start_ns && (!w0 || recs[i].start_ns < w0))
				w0 = recs[i].start_ns;
			if (recs[i].end_ns > w1)
				w1 = recs[i].end_ns;
		}
		li.window_start_ns = w0;
		li.window_end_ns = w1;
		struct level_summary s;
		summary_compute(recs, n, &li, &s);
		li.isl = s.input_tokens.mean;
		li.osl = s.output_tokens.mean;
		/* The run's load is not in the per-request file: estimate the
		 * concurrency from Little's law and name the level after it. */
		li.concurrency =
		    isfinite(s.little_measured) ? lround(s.little_measured) : 0;
		out->summary = summary_to_json(&s, &li);
		import_level_name(li.concurrency, NAN, 1, out->level,
				  sizeof out->level);
		cJSON *missing = cJSON_CreateArray();
		add_missing(missing, "ttfb_ms");
		add_missing(missing,
			    "concurrency (estimated from Little's law)");
		if (!have_itl)
			add_missing(missing, "itl_ms");
		if (!have_ttft)
			add_missing(missing, "ttft_ms");
		add_missing(missing,
			    "warmup window (throughput over the whole run)");
		finish_summary(out->summary, "aiperf", path, missing);
	}
	for (size_t i = 0; i < n; i++)
		req_release(&recs[i]);
	free(recs);
	return rc;
}

/* ---- aggregate stats blocks (aiperf summary, vLLM) --------------------- */

/* STATS from an aiperf metric block {"avg","std","min","max","p50",...}. */
static cJSON *stats_from_block(const cJSON *b, bool *present)
{
	struct stats s = {0};
	s.mean = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "avg"));
	s.std = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "std"));
	s.min = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "min"));
	s.max = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "max"));
	s.p50 = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "p50"));
	s.p90 = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "p90"));
	s.p95 = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "p95"));
	s.p99 = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "p99"));
	double n = num_or_nan(cJSON_GetObjectItemCaseSensitive(b, "count"));
	s.n = isfinite(n) ? (size_t)n : 0;
	*present = cJSON_IsObject(b);
	cJSON *j = stats_to_json(&s);
	if (!isfinite(n))
		cJSON_ReplaceItemInObject(j, "n", cJSON_CreateNull());
	return j;
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* Builds the common summary skeleton for aggregate sources. */
static cJSON *skeleton(double conc, double rate, double isl, double osl,
		       long gpus)
{
	cJSON *o = cJSON_CreateObject();
	if (isfinite(conc) && conc > 0)
		cJSON_AddNumberToObject(o, "concurrency", conc);
	else if (isfinite(rate) && rate > 0)
		cJSON_AddNumberToObject(o, "request_rate", rate);
	add_num(o, "isl", isl);
	add_num(o, "osl", osl);
	if (gpus > 0)
		cJSON_AddNumberToObject(o, "gpus", (double)gpus);
	else
		cJSON_AddNullToObject(o, "gpus");
	cJSON_AddBoolToObject(o, "complete", true);
	return o;
}

static void add_throughput(cJSON *o, double tps, double rps, double tpot_mean,
			   long gpus)
{
	cJSON *tp = cJSON_AddObjectToObject(o, "throughput");
	add_num(tp, "window_s", NAN);
	add_num(tp, "output_tokens_per_s", tps);
	add_num(tp, "requests_per_s", rps);
	add_num(tp, "tokens_per_s_per_gpu",
		gpus > 0 ? tps / (double)gpus : NAN);
	add_num(tp, "tokens_per_s_per_user",
		isfinite(tpot_mean) && tpot_mean > 0 ? 1000.0 / tpot_mean
						     : NAN);
	cJSON *lt = cJSON_AddObjectToObject(o, "little");
	add_num(lt, "measured_concurrency", NAN);
	add_num(lt, "expected", NAN);
	add_num(lt, "rel_error", NAN);
}

/* Every statistic of every metric block in range, counts whole. */
static int check_aggregate(const cJSON *j, const char *path, struct sc_err *e)
{
	char w[700];
	for (size_t i = 0; i < sizeof aiperf_metrics / sizeof *aiperf_metrics;
	     i++) {
		const cJSON *b =
		    cJSON_GetObjectItemCaseSensitive(j, aiperf_metrics[i].name);
		if (!cJSON_IsObject(b))
			continue;
		snprintf(w, sizeof w, "%s: %s", path, aiperf_metrics[i].name);
		const cJSON *v;
		cJSON_ArrayForEach(v, b)
		{
			bool count = !strcmp(v->string, "count");
			if (cJSON_IsNumber(v) &&
			    check(b, v->string, 0,
				  count ? (double)NUM_COUNT_MAX
					: aiperf_metrics[i].hi,
				  count, w, e))
				return SC_EINPUT;
		}
	}
	static const struct {
		const char *block;
		double hi;
	} totals[] = {{"request_count", NUM_COUNT_MAX},
		      {"error_request_count", NUM_COUNT_MAX},
		      {"request_throughput", IMPORT_MAX_PER_S},
		      {"output_token_throughput", IMPORT_MAX_PER_S}};
	for (size_t i = 0; i < sizeof totals / sizeof *totals; i++) {
		snprintf(w, sizeof w, "%s: %s", path, totals[i].block);
		if (check(cJSON_GetObjectItemCaseSensitive(j, totals[i].block),
			  "avg", 0, totals[i].hi, false, w, e))
			return SC_EINPUT;
	}
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(j, "input_config");
	double conc = find_num(cfg, "concurrency");
	double rate = find_num(cfg, "request_rate");
	snprintf(w, sizeof w, "%s: input_config: concurrency", path);
	/* 0, like an absent value, leaves the load unknown. */
	if (!isnan(conc) && check_x(conc, 0, (double)NUM_CONC_MAX, true, w, e))
		return SC_EINPUT;
	snprintf(w, sizeof w, "%s: input_config: request_rate", path);
	if (!isnan(rate) && check_x(rate, 0, NUM_RATE_MAX_PER_S, false, w, e))
		return SC_EINPUT;
	return SC_OK;
}

static int aiperf_aggregate(const char *path, const cJSON *j, long gpus,
			    struct import_level *out, struct sc_err *e)
{
	if (check_aggregate(j, path, e))
		return SC_EINPUT;
	const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(j, "input_config");
	double conc = find_num(cfg, "concurrency");
	double rate = find_num(cfg, "request_rate");
	const cJSON *isl_b =
	    cJSON_GetObjectItemCaseSensitive(j, "input_sequence_length");
	const cJSON *osl_b =
	    cJSON_GetObjectItemCaseSensitive(j, "output_sequence_length");
	double isl = num_or_nan(cJSON_GetObjectItemCaseSensitive(isl_b, "avg"));
	double osl = num_or_nan(cJSON_GetObjectItemCaseSensitive(osl_b, "avg"));
	if (!cJSON_GetObjectItemCaseSensitive(j, "time_to_first_token") &&
	    !cJSON_GetObjectItemCaseSensitive(j, "request_latency"))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: not an aiperf summary (no \"time_to_first_token\" or "
		    "\"request_latency\")",
		    path);
	cJSON *o = skeleton(conc, rate, isl, osl, gpus);
	cJSON *missing = cJSON_CreateArray();
	double total = num_or_nan(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "request_count"), "avg"));
	double errs = num_or_nan(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "error_request_count"), "avg"));
	cJSON *rq = cJSON_AddObjectToObject(o, "requests");
	double failed = isfinite(errs) ? errs : 0;
	add_num(rq, "total", isfinite(total) ? total + failed : NAN);
	add_num(rq, "ok", total);
	add_num(rq, "failed", failed);
	cJSON_AddNumberToObject(rq, "warmup", 0);
	cJSON_AddObjectToObject(rq, "by_reason");
	static const struct {
		const char *ours, *theirs;
	} map[] = {
	    {"ttft_ms", "time_to_first_token"},
	    {"tpot_ms", "inter_token_latency"},
	    {"itl_ms", "inter_chunk_latency"},
	    {"e2e_ms", "request_latency"},
	    {"ttfb_ms", NULL},
	    {"output_tokens", "output_sequence_length"},
	    {"input_tokens", "input_sequence_length"},
	};
	double tpot_mean = NAN;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		bool present = false;
		const cJSON *b =
		    map[i].theirs
			? cJSON_GetObjectItemCaseSensitive(j, map[i].theirs)
			: NULL;
		cJSON *st = stats_from_block(b, &present);
		if (!present)
			add_missing(missing, map[i].ours);
		if (!strcmp(map[i].ours, "tpot_ms"))
			tpot_mean = num_or_nan(
			    cJSON_GetObjectItemCaseSensitive(st, "mean"));
		cJSON_AddItemToObject(o, map[i].ours, st);
	}
	double tps = num_or_nan(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "output_token_throughput"),
	    "avg"));
	double rps = num_or_nan(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(j, "request_throughput"), "avg"));
	add_throughput(o, tps, rps, tpot_mean, gpus);
	add_missing(missing, "little");
	if (!(conc > 0) && !(rate > 0))
		add_missing(missing, "concurrency");
	cJSON_AddNumberToObject(o, "prompt_tokens_mismatch", 0);
	add_missing(missing, "prompt_tokens_mismatch");
	finish_summary(o, "aiperf", path, missing);
	out->summary = o;
	import_level_name(conc, rate, 1, out->level, sizeof out->level);
	return SC_OK;
}

/* ---- vLLM bench serve -------------------------------------------------- */

/* vLLM's "<stat>_<metric>_ms" keys into a STATS object. */
static cJSON *vllm_stats(const cJSON *j, const char *metric, double n,
			 bool *present)
{
	char k[64];
	struct stats s;
	struct {
		const char *stat;
		double *dst;
	} f[] = {{"mean", &s.mean}, {"std", &s.std}, {"median", &s.p50},
		 {"p90", &s.p90},   {"p95", &s.p95}, {"p99", &s.p99},
		 {"min", &s.min},   {"max", &s.max}};
	*present = false;
	for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
		snprintf(k, sizeof k, "%s_%s_ms", f[i].stat, metric);
		*f[i].dst = num_or_nan(cJSON_GetObjectItemCaseSensitive(j, k));
		if (isfinite(*f[i].dst))
			*present = true;
	}
	s.n = isfinite(n) ? (size_t)n : 0;
	return stats_to_json(&s);
}

/* Ranges of the numbers of a vLLM result; every "*_ms" statistic is a
 * latency in [0, NUM_MS_MAX], the per-request arrays are seconds and
 * token counts. */
static const struct {
	const char *key;
	double lo, hi;
	bool whole;
} vllm_fields[] = {
    {"num_prompts", 0, NUM_COUNT_MAX, true},
    {"completed", 0, NUM_COUNT_MAX, true},
    {"max_concurrency", 0, NUM_CONC_MAX, true}, /* 0: unknown */
    {"duration", 0, NUM_DURATION_MAX_S, false},
    {"total_input_tokens", 0, IMPORT_MAX_TOTAL_TOKENS, true},
    {"total_output_tokens", 0, IMPORT_MAX_TOTAL_TOKENS, true},
    {"request_throughput", 0, IMPORT_MAX_PER_S, false},
    {"request_goodput", 0, IMPORT_MAX_PER_S, false},
    {"output_throughput", 0, IMPORT_MAX_PER_S, false},
    {"total_token_throughput", 0, IMPORT_MAX_PER_S, false},
};

static const struct {
	const char *key;
	double hi;
	bool whole;
} vllm_arrays[] = {
    {"ttfts", NUM_DURATION_MAX_S, false},
    {"itls", NUM_DURATION_MAX_S, false},
    {"output_lens", NUM_TOKENS_MAX, true},
    {"input_lens", NUM_TOKENS_MAX, true},
};

static int check_vllm(const cJSON *j, const char *path, struct sc_err *e)
{
	for (size_t i = 0; i < sizeof vllm_fields / sizeof *vllm_fields; i++)
		if (check(j, vllm_fields[i].key, vllm_fields[i].lo,
			  vllm_fields[i].hi, vllm_fields[i].whole, path, e))
			return SC_EINPUT;
	const cJSON *rr = cJSON_GetObjectItemCaseSensitive(j, "request_rate");
	if (cJSON_IsNumber(rr) &&
	    check(j, "request_rate", 0, NUM_RATE_MAX_PER_S, false, path, e))
		return SC_EINPUT;
	const cJSON *v;
	cJSON_ArrayForEach(v, j)
	{
		size_t n = strlen(v->string);
		if (n > 3 && !strcmp(v->string + n - 3, "_ms") &&
		    cJSON_IsNumber(v) &&
		    check(j, v->string, 0, NUM_MS_MAX, false, path, e))
			return SC_EINPUT;
	}
	for (size_t i = 0; i < sizeof vllm_arrays / sizeof *vllm_arrays; i++) {
		char w[700];
		snprintf(w, sizeof w, "%s: %s", path, vllm_arrays[i].key);
		if (check_array(
			cJSON_GetObjectItemCaseSensitive(j, vllm_arrays[i].key),
			0, vllm_arrays[i].hi, vllm_arrays[i].whole, w, e))
			return SC_EINPUT;
	}
	double done =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "completed"));
	double all =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "num_prompts"));
	if (done > all)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'completed': %.0f is more than num_prompts %.0f",
		    path, done, all);
	return SC_OK;
}

static int vllm_result(const char *path, const cJSON *j, long gpus,
		       struct import_level *out, struct sc_err *e)
{
	if (!cJSON_GetObjectItemCaseSensitive(j, "completed") ||
	    !cJSON_GetObjectItemCaseSensitive(j, "mean_ttft_ms"))
		return sc_err_set(e, SC_EINPUT,
				  "%s: not a vllm bench serve result (no "
				  "\"completed\" or \"mean_ttft_ms\")",
				  path);
	if (check_vllm(j, path, e))
		return SC_EINPUT;
	double conc =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "max_concurrency"));
	const cJSON *rr = cJSON_GetObjectItemCaseSensitive(j, "request_rate");
	double rate = num_or_nan(rr); /* "inf" is a string: no rate */
	double completed =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "completed"));
	double prompts =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "num_prompts"));
	double tin = num_or_nan(
	    cJSON_GetObjectItemCaseSensitive(j, "total_input_tokens"));
	double tout = num_or_nan(
	    cJSON_GetObjectItemCaseSensitive(j, "total_output_tokens"));
	double isl = completed > 0 ? tin / completed : NAN;
	double osl = completed > 0 ? tout / completed : NAN;
	const cJSON *ttfts = cJSON_GetObjectItemCaseSensitive(j, "ttfts");
	const cJSON *itls = cJSON_GetObjectItemCaseSensitive(j, "itls");
	const cJSON *olens = cJSON_GetObjectItemCaseSensitive(j, "output_lens");
	const cJSON *ilens = cJSON_GetObjectItemCaseSensitive(j, "input_lens");
	cJSON *missing = cJSON_CreateArray();
	cJSON *o = skeleton(conc, rate, isl, osl, gpus);
	cJSON *rq = cJSON_AddObjectToObject(o, "requests");
	double failed = isfinite(prompts) && isfinite(completed)
			    ? prompts - completed
			    : NAN;
	add_num(rq, "total", prompts);
	add_num(rq, "ok", completed);
	add_num(rq, "failed", failed);
	cJSON_AddNumberToObject(rq, "warmup", 0);
	cJSON_AddObjectToObject(rq, "by_reason");
	double tpot_mean =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "mean_tpot_ms"));
	bool detailed = cJSON_IsArray(ttfts) && cJSON_IsArray(itls) &&
			cJSON_IsArray(olens) &&
			cJSON_GetArraySize(ttfts) == cJSON_GetArraySize(olens);
	if (detailed) {
		/* Per-request arrays (seconds): recompute the statistics. */
		struct samples tt = {0}, tp = {0}, it = {0}, ee = {0}, ot = {0},
			       in = {0};
		/* The arrays are walked side by side: cJSON_GetArrayItem
		 * walks from the start, which made this loop quadratic. */
		const cJSON *tv = ttfts->child, *ov = olens->child;
		const cJSON *gv = itls->child;
		const cJSON *iv = cJSON_IsArray(ilens) ? ilens->child : NULL;
		for (; tv && ov; tv = tv->next, ov = ov->next,
				 gv = gv ? gv->next : NULL,
				 iv = iv ? iv->next : NULL) {
			double t = num_or_nan(tv);
			double ol = num_or_nan(ov);
			const cJSON *gaps = gv;
			if (!isfinite(t) || !(ol > 0))
				continue; /* failed requests have 0 output */
			double sum = 0;
			const cJSON *g;
			cJSON_ArrayForEach(g, gaps)
			{
				double x = num_or_nan(g);
				if (isfinite(x)) {
					samples_push(&it, x * 1e3);
					sum += x;
				}
			}
			samples_push(&tt, t * 1e3);
			samples_push(&ee, (t + sum) * 1e3);
			if (ol > 1)
				samples_push(&tp, sum * 1e3 / (ol - 1));
			samples_push(&ot, ol);
			double il = num_or_nan(iv);
			if (isfinite(il))
				samples_push(&in, il);
		}
		struct {
			const char *k;
			struct samples *s;
		} cols[] = {{"ttft_ms", &tt},
			    {"tpot_ms", &tp},
			    {"itl_ms", &it},
			    {"e2e_ms", &ee}};
		for (size_t c = 0; c < 4; c++) {
			struct stats st;
			stats_compute(cols[c].s->v, cols[c].s->n, &st);
			if (c == 1)
				tpot_mean = st.mean;
			cJSON_AddItemToObject(o, cols[c].k, stats_to_json(&st));
		}
		struct stats st;
		cJSON_AddItemToObject(
		    o, "ttfb_ms",
		    (stats_compute(NULL, 0, &st), stats_to_json(&st)));
		stats_compute(ot.v, ot.n, &st);
		cJSON_AddItemToObject(o, "output_tokens", stats_to_json(&st));
		stats_compute(in.v, in.n, &st);
		cJSON_AddItemToObject(o, "input_tokens", stats_to_json(&st));
		if (!in.n)
			add_missing(missing, "input_tokens");
		samples_release(&tt);
		samples_release(&tp);
		samples_release(&it);
		samples_release(&ee);
		samples_release(&ot);
		samples_release(&in);
	} else {
		static const struct {
			const char *ours, *theirs;
		} map[] = {{"ttft_ms", "ttft"},
			   {"tpot_ms", "tpot"},
			   {"itl_ms", "itl"},
			   {"e2e_ms", "e2el"}};
		for (size_t i = 0; i < 4; i++) {
			bool present;
			cJSON *st =
			    vllm_stats(j, map[i].theirs, completed, &present);
			if (!present)
				add_missing(missing, map[i].ours);
			cJSON_AddItemToObject(o, map[i].ours, st);
		}
		struct stats st;
		stats_compute(NULL, 0, &st);
		cJSON_AddItemToObject(o, "ttfb_ms", stats_to_json(&st));
		stats_compute(NULL, 0, &st);
		cJSON_AddItemToObject(o, "output_tokens", stats_to_json(&st));
		stats_compute(NULL, 0, &st);
		cJSON_AddItemToObject(o, "input_tokens", stats_to_json(&st));
		add_missing(missing, "output_tokens (distribution)");
		add_missing(missing, "input_tokens (distribution)");
	}
	add_missing(missing, "ttfb_ms");
	double tps = num_or_nan(
	    cJSON_GetObjectItemCaseSensitive(j, "output_throughput"));
	double rps = num_or_nan(
	    cJSON_GetObjectItemCaseSensitive(j, "request_throughput"));
	add_throughput(o, tps, rps, tpot_mean, gpus);
	cJSON *tp = cJSON_GetObjectItemCaseSensitive(o, "throughput");
	cJSON_ReplaceItemInObject(
	    tp, "window_s",
	    isfinite(
		num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "duration")))
		? cJSON_CreateNumber(num_or_nan(
		      cJSON_GetObjectItemCaseSensitive(j, "duration")))
		: cJSON_CreateNull());
	add_missing(missing, "little");
	double goodput =
	    num_or_nan(cJSON_GetObjectItemCaseSensitive(j, "request_goodput"));
	if (isfinite(goodput)) {
		cJSON *g = cJSON_AddObjectToObject(o, "goodput");
		add_num(g, "requests_per_s", goodput);
		add_num(g, "requests_per_s_per_gpu",
			gpus > 0 ? goodput / (double)gpus : NAN);
	}
	cJSON_AddNumberToObject(o, "prompt_tokens_mismatch", 0);
	add_missing(missing, "prompt_tokens_mismatch");
	finish_summary(o, "vllm", path, missing);
	out->summary = o;
	import_level_name(conc, rate, 1, out->level, sizeof out->level);
	return SC_OK;
}

int import_file(enum import_source src, const char *path, long gpus,
		struct import_level *out, struct sc_err *e)
{
	memset(out, 0, sizeof *out);
	size_t len;
	char *text =
	    infile_read_all(path, IMPORT_MAX_FILE_BYTES, true, &len, e);
	if (!text)
		return SC_EINPUT;
	/* One JSON document, or (aiperf) JSONL, whose whole text is not one
	 * value: the lines are parsed one by one then. */
	struct sc_err pe = {0};
	cJSON *j = jsonio_parse_capped(text, len, path, IMPORT_MAX_NODES, &pe);
	int rc;
	if (src == IMPORT_AIPERF) {
		if (cJSON_IsObject(j) &&
		    !cJSON_GetObjectItemCaseSensitive(j, "metadata"))
			rc = aiperf_aggregate(path, j, gpus, out, e);
		else
			rc = aiperf_records(path, text, len, gpus, out, e);
	} else if (!j) {
		rc = sc_err_set(e, SC_EINPUT, "%s", pe.msg);
	} else if (!cJSON_IsObject(j)) {
		rc = sc_err_set(e, SC_EINPUT, "%s: expected a JSON object",
				path);
	} else {
		rc = vllm_result(path, j, gpus, out, e);
	}
	if (rc && out->summary) {
		cJSON_Delete(out->summary);
		out->summary = NULL;
	}
	cJSON_Delete(j);
	free(text);
	return rc;
}
