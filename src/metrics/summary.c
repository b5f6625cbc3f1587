/* Level summaries. Throughput counts the output tokens whose chunks arrived
 * inside the steady window (warm-up requests included: their tokens are
 * real server work in the window), so long requests that straddle the window
 * edges are neither over- nor under-counted. */
#include "metrics/summary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

static bool measured(const struct req_record *r)
{
	return r->ok && !r->warmup;
}

static void stats_of(const struct req_record *recs, size_t n,
		     size_t field_off, struct stats *out)
{
	double *v = xmalloc((n ? n : 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!measured(&recs[i]))
			continue;
		double x = *(const double *)((const char *)&recs[i] + field_off);
		if (isfinite(x))
			v[k++] = x;
	}
	stats_compute(v, k, out);
	free(v);
}

static bool meets(const struct req_record *r, const struct sla *sla)
{
	if (sla->ttft_ms > 0 && !(r->ttft_ms <= sla->ttft_ms))
		return false;
	if (sla->tpot_ms > 0 && isfinite(r->tpot_ms) &&
	    !(r->tpot_ms <= sla->tpot_ms))
		return false;
	if (sla->e2e_ms > 0 && !(r->e2e_ms <= sla->e2e_ms))
		return false;
	if (sla->itl_ms > 0)
		for (size_t i = 0; i < r->n_itl; i++)
			if (r->itl_ms[i] > sla->itl_ms)
				return false;
	return true;
}

void summary_compute(const struct req_record *recs, size_t n,
		     const struct level_info *li, struct level_summary *s)
{
	memset(s, 0, sizeof *s);
	s->total = n;
	size_t nm = 0;
	for (size_t i = 0; i < n; i++) {
		const struct req_record *r = &recs[i];
		if (r->warmup)
			s->warmup++;
		if (r->ok) {
			s->ok++;
		} else {
			s->failed++;
			s->by_reason[r->reason]++;
			if (r->reason == REASON_HTTP && r->http_status > 0 &&
			    r->http_status < 600)
				s->http_by_status[r->http_status]++;
		}
		if (r->prompt_tokens >= 0 && r->input_tokens >= 0 &&
		    r->prompt_tokens != r->input_tokens)
			s->prompt_mismatch++;
		if (measured(r))
			nm++;
	}
	stats_of(recs, n, offsetof(struct req_record, ttft_ms), &s->ttft_ms);
	stats_of(recs, n, offsetof(struct req_record, tpot_ms), &s->tpot_ms);
	stats_of(recs, n, offsetof(struct req_record, e2e_ms), &s->e2e_ms);
	stats_of(recs, n, offsetof(struct req_record, ttfb_ms), &s->ttfb_ms);
	stats_of(recs, n, offsetof(struct req_record, queue_ms), &s->queue_ms);

	struct samples itl = {0}, out = {0}, in = {0}, gap = {0};
	for (size_t i = 0; i < n; i++) {
		const struct req_record *r = &recs[i];
		if (!measured(r))
			continue;
		if (r->has_server_timings && isfinite(r->server_prompt_ms) &&
		    isfinite(r->ttft_ms))
			samples_push(&gap, r->ttft_ms - r->server_prompt_ms);
		for (size_t j = 0; j < r->n_itl; j++)
			samples_push(&itl, r->itl_ms[j]);
		samples_push(&out, (double)r->output_tokens);
		long it = r->prompt_tokens >= 0 ? r->prompt_tokens
						: r->input_tokens;
		if (it >= 0)
			samples_push(&in, (double)it);
	}
	stats_compute(itl.v, itl.n, &s->itl_ms);
	stats_compute(out.v, out.n, &s->output_tokens);
	stats_compute(in.v, in.n, &s->input_tokens);
	stats_compute(gap.v, gap.n, &s->ttft_client_minus_server_ms);
	samples_release(&gap);
	samples_release(&itl);
	samples_release(&out);
	samples_release(&in);

	/* Steady window. */
	int64_t w0 = li->window_start_ns, w1 = li->window_end_ns;
	s->window_s = w1 > w0 ? (double)(w1 - w0) / 1e9 : NAN;
	double tokens = 0, done = 0, busy_s = 0, sum_w_s = 0;
	size_t good = 0;
	for (size_t i = 0; i < n && w1 > w0; i++) {
		const struct req_record *r = &recs[i];
		if (r->ok) {
			/* Scale chunk counts so they add up to the request's
			 * output tokens (usage may exceed the chunk count). */
			double chunk_sum = 0;
			for (size_t j = 0; j < r->n_tok; j++)
				chunk_sum += r->tok_n[j];
			double scale = chunk_sum > 0
					       ? (double)r->output_tokens / chunk_sum
					       : 0;
			for (size_t j = 0; j < r->n_tok; j++)
				if (r->tok_ns[j] >= w0 && r->tok_ns[j] < w1)
					tokens += r->tok_n[j] * scale;
		}
		if (!r->start_ns || !r->end_ns)
			continue;
		int64_t a = r->start_ns > w0 ? r->start_ns : w0;
		int64_t b = r->end_ns < w1 ? r->end_ns : w1;
		if (b > a)
			busy_s += (double)(b - a) / 1e9;
		if (r->end_ns >= w0 && r->end_ns < w1) {
			done++;
			sum_w_s += (double)(r->end_ns - r->start_ns) / 1e9;
			if (measured(r) && li->sla.set && meets(r, &li->sla))
				good++;
		}
	}
	if (w1 > w0) {
		s->output_tokens_per_s = tokens / s->window_s;
		s->requests_per_s = done / s->window_s;
		s->little_measured = busy_s / s->window_s;
		s->little_expected = done > 0 ? s->requests_per_s *
							(sum_w_s / done)
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
	s->tokens_per_s_per_user =
		s->tpot_ms.n && s->tpot_ms.mean > 0 ? 1000.0 / s->tpot_ms.mean
						    : NAN;
	/* Goodput: requests per second in the window that met every SLA. */
	if (li->sla.set) {
		s->goodput_per_s = w1 > w0 ? (double)good / s->window_s : NAN;
		s->goodput_per_s_per_gpu =
			li->gpus > 0 ? s->goodput_per_s / (double)li->gpus : NAN;
		size_t met = 0;
		for (size_t i = 0; i < n; i++)
			if (measured(&recs[i]) && meets(&recs[i], &li->sla))
				met++;
		s->sla_fraction = nm ? (double)met / (double)nm : NAN;
	}
}

static void add_num(cJSON *o, const char *k, double v)
{
	if (isfinite(v))
		cJSON_AddNumberToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
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
		cJSON_AddNumberToObject(br, req_reason_name(&tmp, buf, sizeof buf),
					(double)s->by_reason[r]);
	}
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
		cJSON_AddItemToObject(o, "queue_ms", stats_to_json(&s->queue_ms));
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
	cJSON *lt = cJSON_AddObjectToObject(o, "little");
	add_num(lt, "measured_concurrency", s->little_measured);
	add_num(lt, "expected", s->little_expected);
	add_num(lt, "rel_error", s->little_rel_error);
	if (li->sla.set) {
		cJSON *g = cJSON_AddObjectToObject(o, "goodput");
		add_num(g, "requests_per_s", s->goodput_per_s);
		add_num(g, "requests_per_s_per_gpu", s->goodput_per_s_per_gpu);
		add_num(g, "sla_met_fraction", s->sla_fraction);
		cJSON *sl = cJSON_AddObjectToObject(g, "sla");
		if (li->sla.ttft_ms > 0)
			cJSON_AddNumberToObject(sl, "ttft_ms", li->sla.ttft_ms);
		if (li->sla.tpot_ms > 0)
			cJSON_AddNumberToObject(sl, "tpot_ms", li->sla.tpot_ms);
		if (li->sla.e2e_ms > 0)
			cJSON_AddNumberToObject(sl, "e2e_ms", li->sla.e2e_ms);
		if (li->sla.itl_ms > 0)
			cJSON_AddNumberToObject(sl, "itl_ms", li->sla.itl_ms);
	}
	cJSON_AddNumberToObject(o, "prompt_tokens_mismatch",
				(double)s->prompt_mismatch);
	return o;
}

int summary_parse_sla(const char *s, struct sla *out, char *err, size_t cap)
{
	memset(out, 0, sizeof *out);
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
		size_t kl = (size_t)(eq - p);
		char *end;
		double v = strtod(eq + 1, &end);
		if (end != comma || !isfinite(v) || v <= 0) {
			snprintf(err, cap, "bad value for '%.*s' in '%s'",
				 (int)kl, p, s);
			return -1;
		}
		static const struct {
			const char *key;
			size_t off;
		} keys[] = {
			{"ttft_ms", offsetof(struct sla, ttft_ms)},
			{"tpot_ms", offsetof(struct sla, tpot_ms)},
			{"e2e_ms", offsetof(struct sla, e2e_ms)},
			{"itl_ms", offsetof(struct sla, itl_ms)},
		};
		size_t i;
		for (i = 0; i < sizeof keys / sizeof *keys; i++)
			if (strlen(keys[i].key) == kl &&
			    !strncmp(keys[i].key, p, kl)) {
				*(double *)((char *)out + keys[i].off) = v;
				break;
			}
		if (i == sizeof keys / sizeof *keys) {
			snprintf(err, cap,
				 "unknown SLA key '%.*s' (known: ttft_ms, tpot_ms, e2e_ms, itl_ms)",
				 (int)kl, p);
			return -1;
		}
		out->set = true;
		p = *comma ? comma + 1 : comma;
	}
	if (!out->set) {
		snprintf(err, cap, "empty SLA list");
		return -1;
	}
	return 0;
}
