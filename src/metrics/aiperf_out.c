/* AIPerf-format exports. The names, units and block fields follow AIPerf's
 * documented profile_export_aiperf.json schema (a stats block per record
 * metric: unit, avg, min, max, percentiles, std, count; derived metrics
 * carry only unit and avg). */
#include "metrics/aiperf_out.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonio.h"
#include "util/jsonw.h"

/* A record metric: AIPerf's name and unit, where servecal's level summary
 * keeps its statistics, and the display label of the CSV. */
static const struct {
	const char *name, *unit;
	size_t off; /* a struct stats in struct level_summary */
	const char *label;
} record_metrics[] = {
#define RM(name, unit, f, label)                                               \
	{                                                                      \
		name, unit, offsetof(struct level_summary, f), label           \
	}
    RM("time_to_first_token", "ms", ttft_ms, "Time to First Token (ms)"),
    RM("request_latency", "ms", e2e_ms, "Request Latency (ms)"),
    RM("inter_token_latency", "ms", tpot_ms, "Inter Token Latency (ms)"),
    RM("inter_chunk_latency", "ms", itl_ms, "Inter Chunk Latency (ms)"),
    RM("output_sequence_length", "tokens", output_tokens,
       "Output Sequence Length (tokens)"),
    RM("input_sequence_length", "tokens", input_tokens,
       "Input Sequence Length (tokens)"),
#undef RM
};

/* The fields of a servecal statistics set and of an AIPerf block. */
static const struct {
	size_t ours; /* in struct stats */
	const char *theirs;
} stat_fields[] = {
#define SF(f, theirs)                                                          \
	{                                                                      \
		offsetof(struct stats, f), theirs                              \
	}
    SF(mean, "avg"), SF(min, "min"), SF(max, "max"), SF(p50, "p50"),
    SF(p90, "p90"),  SF(p95, "p95"), SF(p99, "p99"), SF(std, "std"),
#undef SF
};

static void add_value(cJSON *metrics, const char *name, const char *unit,
		      double v)
{
	if (!isfinite(v))
		return;
	cJSON *m = cJSON_AddObjectToObject(metrics, name);
	cJSON_AddNumberToObject(m, "value", v);
	cJSON_AddStringToObject(m, "unit", unit);
}

/* A wall-clock time in ns as an integer, as AIPerf writes it (a double
 * would round it to 256 ns at today's epoch). */
static void add_ns(cJSON *o, const char *k, long long ns)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%lld", ns);
	cJSON_AddRawToObject(o, k, buf);
}

cJSON *aiperf_record(const struct req_record *r, long long wall_offset_ns)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddNumberToObject(md, "session_num", (double)r->id);
	char id[96];
	snprintf(id, sizeof id, "%s", r->response_id[0] ? r->response_id : "");
	if (!id[0])
		snprintf(id, sizeof id, "servecal-%llu",
			 (unsigned long long)r->id);
	cJSON_AddStringToObject(md, "x_request_id", id);
	cJSON_AddNumberToObject(md, "turn_index", 0);
	int64_t start = r->open_loop && r->sched_ns ? r->sched_ns : r->start_ns;
	add_ns(md, "request_start_ns", start + wall_offset_ns);
	if (r->first_byte_ns)
		add_ns(md, "request_ack_ns", r->first_byte_ns + wall_offset_ns);
	else
		cJSON_AddNullToObject(md, "request_ack_ns");
	add_ns(md, "request_end_ns", r->end_ns + wall_offset_ns);
	cJSON_AddStringToObject(md, "worker_id", "servecal");
	cJSON_AddStringToObject(md, "benchmark_phase",
				r->warmup ? "warmup" : "profiling");
	cJSON_AddBoolToObject(md, "was_cancelled", false);
	cJSON *mt = cJSON_AddObjectToObject(o, "metrics");
	long in = r->prompt_tokens >= 0 ? r->prompt_tokens : r->input_tokens;
	if (in >= 0)
		add_value(mt, "input_sequence_length", "tokens", (double)in);
	if (!r->ok) {
		cJSON *err = cJSON_AddObjectToObject(o, "error");
		char buf[32];
		const char *why = req_reason_name(r, buf, sizeof buf);
		if (r->http_status > 0)
			cJSON_AddNumberToObject(err, "code", r->http_status);
		else
			cJSON_AddNullToObject(err, "code");
		cJSON_AddStringToObject(err, "type", why ? why : "error");
		cJSON_AddStringToObject(err, "message", r->error);
		return o;
	}
	add_value(mt, "time_to_first_token", "ms", r->ttft_ms);
	add_value(mt, "request_latency", "ms", r->e2e_ms);
	add_value(mt, "output_sequence_length", "tokens",
		  (double)r->output_tokens);
	add_value(mt, "inter_token_latency", "ms", r->tpot_ms);
	if (isfinite(r->tpot_ms) && r->tpot_ms > 0)
		add_value(mt, "output_token_throughput_per_user",
			  "tokens/sec/user", 1000.0 / r->tpot_ms);
	if (r->n_itl) {
		cJSON *m = cJSON_AddObjectToObject(mt, "inter_chunk_latency");
		cJSON *a = cJSON_AddArrayToObject(m, "value");
		for (size_t i = 0; i < r->n_itl; i++)
			cJSON_AddItemToArray(a,
					     cJSON_CreateNumber(r->itl_ms[i]));
		cJSON_AddStringToObject(m, "unit", "ms");
	}
	cJSON_AddNullToObject(o, "error");
	return o;
}

/* aiperf_record item by item: keep the two in step (test_aiperf_out
 * compares their bytes). */
static void w_value(struct jsonw *w, const char *name, const char *unit,
		    double v)
{
	if (!isfinite(v))
		return;
	jsonw_obj(w, name);
	jsonw_num(w, "value", v);
	jsonw_str(w, "unit", unit);
	jsonw_end(w, true);
}

bool aiperf_write_record(FILE *f, const struct req_record *r,
			 long long wall_offset_ns)
{
	struct jsonw w;
	jsonw_init(&w, f);
	jsonw_obj(&w, NULL);
	jsonw_obj(&w, "metadata");
	jsonw_num(&w, "session_num", (double)r->id);
	char id[96];
	snprintf(id, sizeof id, "%s", r->response_id[0] ? r->response_id : "");
	if (!id[0])
		snprintf(id, sizeof id, "servecal-%llu",
			 (unsigned long long)r->id);
	jsonw_str(&w, "x_request_id", id);
	jsonw_num(&w, "turn_index", 0);
	int64_t start = r->open_loop && r->sched_ns ? r->sched_ns : r->start_ns;
	jsonw_i64(&w, "request_start_ns", start + wall_offset_ns);
	if (r->first_byte_ns)
		jsonw_i64(&w, "request_ack_ns",
			  r->first_byte_ns + wall_offset_ns);
	else
		jsonw_null(&w, "request_ack_ns");
	jsonw_i64(&w, "request_end_ns", r->end_ns + wall_offset_ns);
	jsonw_str(&w, "worker_id", "servecal");
	jsonw_str(&w, "benchmark_phase", r->warmup ? "warmup" : "profiling");
	jsonw_bool(&w, "was_cancelled", false);
	jsonw_end(&w, true);
	jsonw_obj(&w, "metrics");
	long in = r->prompt_tokens >= 0 ? r->prompt_tokens : r->input_tokens;
	if (in >= 0)
		w_value(&w, "input_sequence_length", "tokens", (double)in);
	if (!r->ok) {
		jsonw_end(&w, true);
		jsonw_obj(&w, "error");
		char buf[32];
		const char *why = req_reason_name(r, buf, sizeof buf);
		if (r->http_status > 0)
			jsonw_num(&w, "code", r->http_status);
		else
			jsonw_null(&w, "code");
		jsonw_str(&w, "type", why ? why : "error");
		jsonw_str(&w, "message", r->error);
		jsonw_end(&w, true);
		jsonw_end(&w, true);
		return jsonw_ok(&w);
	}
	w_value(&w, "time_to_first_token", "ms", r->ttft_ms);
	w_value(&w, "request_latency", "ms", r->e2e_ms);
	w_value(&w, "output_sequence_length", "tokens",
		(double)r->output_tokens);
	w_value(&w, "inter_token_latency", "ms", r->tpot_ms);
	if (isfinite(r->tpot_ms) && r->tpot_ms > 0)
		w_value(&w, "output_token_throughput_per_user",
			"tokens/sec/user", 1000.0 / r->tpot_ms);
	if (r->n_itl) {
		jsonw_obj(&w, "inter_chunk_latency");
		jsonw_arr(&w, "value");
		for (size_t i = 0; i < r->n_itl; i++)
			jsonw_num(&w, NULL, r->itl_ms[i]);
		jsonw_end(&w, false);
		jsonw_str(&w, "unit", "ms");
		jsonw_end(&w, true);
	}
	jsonw_end(&w, true);
	jsonw_null(&w, "error");
	jsonw_end(&w, true);
	return jsonw_ok(&w);
}

static double num_at(const cJSON *j, const char *key)
{
	return jsonio_num_or_nan(j, key);
}

static void add_derived(cJSON *o, const char *name, const char *unit, double v)
{
	if (!isfinite(v))
		return;
	cJSON *b = cJSON_AddObjectToObject(o, name);
	cJSON_AddStringToObject(b, "unit", unit);
	cJSON_AddNumberToObject(b, "avg", v);
}

cJSON *aiperf_summary(const struct level_summary *s,
		      const struct level_info *li, const char *model)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < sizeof record_metrics / sizeof *record_metrics;
	     i++) {
		const struct stats *st =
		    (const struct stats *)((const char *)s +
					   record_metrics[i].off);
		if (st->n == 0)
			continue;
		cJSON *b = cJSON_AddObjectToObject(o, record_metrics[i].name);
		cJSON_AddStringToObject(b, "unit", record_metrics[i].unit);
		for (size_t k = 0; k < sizeof stat_fields / sizeof *stat_fields;
		     k++) {
			double v = *(const double *)((const char *)st +
						     stat_fields[k].ours);
			if (isfinite(v))
				cJSON_AddNumberToObject(
				    b, stat_fields[k].theirs, v);
		}
		cJSON_AddNumberToObject(b, "count", (double)st->n);
	}
	add_derived(o, "request_throughput", "requests/sec", s->requests_per_s);
	add_derived(o, "output_token_throughput", "tokens/sec",
		    s->output_tokens_per_s);
	add_derived(o, "output_token_throughput_per_gpu", "tokens/sec/gpu",
		    s->tokens_per_s_per_gpu);
	add_derived(o, "benchmark_duration", "sec", s->window_s);
	add_derived(o, "request_count", "requests", (double)s->ok);
	add_derived(o, "error_request_count", "requests", (double)s->failed);
	add_derived(o, "goodput", "requests/sec",
		    li->sla.set ? s->goodput_per_s : NAN);
	cJSON *cfg = cJSON_AddObjectToObject(o, "input_config");
	cJSON *ep = cJSON_AddObjectToObject(cfg, "endpoint");
	cJSON *names = cJSON_AddArrayToObject(ep, "model_names");
	cJSON_AddItemToArray(names, cJSON_CreateString(model ? model : ""));
	cJSON *lg = cJSON_AddObjectToObject(cfg, "loadgen");
	if (li->open_loop)
		cJSON_AddNumberToObject(lg, "request_rate", li->rate_per_s);
	else
		cJSON_AddNumberToObject(lg, "concurrency",
					(double)li->concurrency);
	return o;
}

int aiperf_csv(FILE *f, const cJSON *j)
{
	static const char *const cols[] = {"avg", "min", "max", "p99", "p90",
					   "p75", "p50", "p25", "std"};
	fputs("Metric", f);
	for (size_t k = 0; k < sizeof cols / sizeof *cols; k++)
		fprintf(f, ",%s", cols[k]);
	fputc('\n', f);
	for (size_t i = 0; i < sizeof record_metrics / sizeof *record_metrics;
	     i++) {
		const cJSON *b =
		    cJSON_GetObjectItemCaseSensitive(j, record_metrics[i].name);
		if (!cJSON_IsObject(b))
			continue;
		fputs(record_metrics[i].label, f);
		for (size_t k = 0; k < sizeof cols / sizeof *cols; k++) {
			double v = num_at(b, cols[k]);
			if (isfinite(v))
				fprintf(f, ",%.6g", v);
			else
				fputc(',', f);
		}
		fputc('\n', f);
	}
	fputs("\nMetric,Value\n", f);
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		const cJSON *unit =
		    cJSON_GetObjectItemCaseSensitive(it, "unit");
		double v = num_at(it, "avg");
		if (!cJSON_IsObject(it) ||
		    cJSON_GetObjectItemCaseSensitive(it, "count") ||
		    !cJSON_IsString(unit) || !isfinite(v))
			continue;
		fprintf(f, "%s (%s),%.6g\n", it->string, unit->valuestring, v);
	}
	return ferror(f) ? -1 : 0;
}
