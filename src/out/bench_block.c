/* bench's closing block: one labelled value per line, 40 columns of label
 * as in vllm's block, sections for each latency metric, then SLAs and
 * failures. A value that was not measured prints as "-". */
#include "out/bench_block.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

#include "load/bench.h"

#define BLOCK_WIDTH 50

/* The latency sections, in vllm's order. */
static const struct {
	const char *title, *abbr, *unit; /* unit: what a sample is */
	size_t off;
} lat_sections[] = {
    {"Time to First Token", "TTFT", "requests",
     offsetof(struct level_summary, ttft_ms)},
    {"Time per Output Token (excl. 1st token)", "TPOT", "requests",
     offsetof(struct level_summary, tpot_ms)},
    {"Inter-token Latency", "ITL", "gaps",
     offsetof(struct level_summary, itl_ms)},
    {"End-to-end Latency", "E2E", "requests",
     offsetof(struct level_summary, e2e_ms)},
};

static const struct {
	const char *label;
	enum stat_sel sel;
} lat_rows[] = {
    {"Mean", STAT_MEAN},
    {"Median", STAT_P50},
    {"P90", STAT_P90},
    {"P99", STAT_P99},
};

/* "==== title ====" or "---- title ----" centred in BLOCK_WIDTH. */
static void rule(FILE *f, char c, const char *title)
{
	int len = title ? (int)strlen(title) + 2 : 0;
	int left = (BLOCK_WIDTH - len) / 2, right = BLOCK_WIDTH - len - left;
	for (int i = 0; i < left; i++)
		fputc(c, f);
	if (title)
		fprintf(f, " %s ", title);
	for (int i = 0; i < right; i++)
		fputc(c, f);
	fputc('\n', f);
}

static void num_line(FILE *f, const char *label, double v, int prec)
{
	if (isfinite(v))
		fprintf(f, "%-40s %.*f\n", label, prec, v);
	else
		fprintf(f, "%-40s -\n", label);
}

static void count_line(FILE *f, const char *label, size_t n)
{
	fprintf(f, "%-40s %zu\n", label, n);
}

static void throughput(FILE *f, const struct level_summary *s,
		       const struct level_info *li)
{
	/* Totals over the level's measured requests; rates over the steady
	 * window (input tokens/s: its completions x their mean input). */
	double in_total = s->input_tokens.n
			      ? s->input_tokens.mean * (double)s->input_tokens.n
			      : NAN;
	double out_total = s->output_tokens.n ? s->output_tokens.mean *
						    (double)s->output_tokens.n
					      : NAN;
	double in_rate = s->requests_per_s * s->input_tokens.mean;
	num_line(f, "Steady window (s):", s->window_s, 3);
	num_line(f, "Request throughput (req/s):", s->requests_per_s, 2);
	num_line(f, "Total input tokens:", in_total, 0);
	num_line(f, "Total generated tokens:", out_total, 0);
	num_line(f, "Input token throughput (tok/s):", in_rate, 2);
	num_line(f, "Output token throughput (tok/s):", s->output_tokens_per_s,
		 2);
	num_line(f, "Total token throughput (tok/s):",
		 in_rate + s->output_tokens_per_s, 2);
	if (li->gpus > 0) {
		char label[64];
		snprintf(label, sizeof label,
			 "Output tok/s per GPU (%ld GPUs):", li->gpus);
		num_line(f, label, s->tokens_per_s_per_gpu, 2);
		num_line(f, "Total tok/s per GPU:",
			 (in_rate + s->output_tokens_per_s) / (double)li->gpus,
			 2);
	}
}

static void latency(FILE *f, const struct level_summary *s)
{
	for (size_t k = 0; k < sizeof lat_sections / sizeof *lat_sections;
	     k++) {
		const struct stats *st =
		    (const struct stats *)((const char *)s +
					   lat_sections[k].off);
		rule(f, '-', lat_sections[k].title);
		for (size_t r = 0; r < sizeof lat_rows / sizeof *lat_rows;
		     r++) {
			char label[64];
			snprintf(label, sizeof label,
				 "%s %s (ms):", lat_rows[r].label,
				 lat_sections[k].abbr);
			num_line(f, label, summary_stat_at(st, lat_rows[r].sel),
				 2);
		}
		if (st->n > 0 && st->n < BENCH_BLOCK_FEW_SAMPLES)
			fprintf(f, "(p90, p99 from %zu %s: fewer than %d)\n",
				st->n, lat_sections[k].unit,
				BENCH_BLOCK_FEW_SAMPLES);
	}
}

static void slas(FILE *f, const struct level_summary *s,
		 const struct level_info *li)
{
	const struct sla *sla = &li->sla;
	rule(f, '-', "SLA");
	for (int m = 0; m < SLA_METRIC_COUNT; m++) {
		if (!(sla->limit_ms[m] > 0))
			continue;
		char up[8], label[96];
		const char *name = summary_sla_metric_name((enum sla_metric)m);
		size_t i;
		for (i = 0; name[i] && i < sizeof up - 1; i++)
			up[i] =
			    (char)(name[i] - ('a' <= name[i] && name[i] <= 'z'
						  ? 'a' - 'A'
						  : 0));
		up[i] = '\0';
		snprintf(label, sizeof label, "%s %s <= %g ms:", up,
			 statsel_name(sla->stat[m]), sla->limit_ms[m]);
		if (isfinite(s->sla_value_ms[m]))
			fprintf(f, "%-40s %.2f (%s)\n", label,
				s->sla_value_ms[m],
				s->sla_met[m] == 1 ? "met" : "missed");
		else
			fprintf(f, "%-40s - (missed: no sample)\n", label);
		snprintf(label, sizeof label, "%s attainment (%%):", up);
		num_line(f, label, s->attainment[m] * 100, 1);
	}
	num_line(f, "All-SLA attainment (%):", s->attainment_all * 100, 1);
	num_line(f, "Goodput (req/s):", s->goodput_per_s, 2);
	num_line(f, "Goodput (output tok/s):", s->goodput_tokens_per_s, 2);
	if (li->gpus > 0)
		num_line(
		    f, "Goodput per GPU (req/s):", s->goodput_per_s_per_gpu, 3);
}

/* One failure kind: its count and first message. */
static void fail_line(FILE *f, const struct level_summary *s, const char *name,
		      size_t n)
{
	char label[48];
	snprintf(label, sizeof label, "%s:", name);
	const char *msg = summary_first_message(s, name);
	if (msg && *msg)
		fprintf(f, "%-40s %zu (first: %s)\n", label, n, msg);
	else
		fprintf(f, "%-40s %zu\n", label, n);
}

static void failures(FILE *f, const struct level_summary *s)
{
	rule(f, '-', "Failures");
	for (int r = REASON_NONE + 1; r < REASON_COUNT_; r++) {
		if (r == REASON_HTTP) {
			for (int st = 0; st < 600; st++)
				if (s->http_by_status[st]) {
					char k[16];
					snprintf(k, sizeof k, "http_%d", st);
					fail_line(f, s, k,
						  s->http_by_status[st]);
				}
			continue;
		}
		if (!s->by_reason[r])
			continue;
		struct req_record tmp = {.reason = r};
		char buf[24];
		const char *name = req_reason_name(&tmp, buf, sizeof buf);
		fail_line(f, s, name ? name : "?", s->by_reason[r]);
	}
}

int bench_block_write(FILE *f, const char *level, const struct level_summary *s,
		      const struct level_info *li)
{
	char title[96];
	snprintf(title, sizeof title, "Serving Benchmark Result (%s)", level);
	rule(f, '=', title);
	count_line(f, "Successful requests:", s->ok);
	count_line(f, "Failed requests:", s->failed);
	count_line(f, "Warm-up requests (of these):", s->warmup);
	count_line(f, "Measured requests (latency samples):", s->e2e_ms.n);
	if (li->open_loop) {
		num_line(f, "Request rate (req/s):", li->rate_per_s, 2);
		num_line(f,
			 "Achieved send rate (req/s):", li->achieved_rate_per_s,
			 2);
	} else {
		fprintf(f, "%-40s %ld\n", "Concurrency:", li->concurrency);
	}
	throughput(f, s, li);
	latency(f, s);
	if (li->sla.set)
		slas(f, s, li);
	if (s->failed)
		failures(f, s);
	rule(f, '=', NULL);
	return ferror(f) ? -1 : 0;
}

void bench_block_overview_header(FILE *f, const char *rate_column)
{
	fprintf(f, "%-8s %6s %5s %9s %9s %9s %9s %11s %9s\n", "level", "ok",
		"fail", "ttft_p50", "ttft_p99", "tpot_p50", "tpot_p99", "tok/s",
		rate_column);
}

void bench_block_overview_row(FILE *f, const char *level,
			      const struct level_summary *s,
			      const struct level_info *li)
{
	fprintf(f, "%-8s %6zu %5zu %9.1f %9.1f %9.2f %9.2f %11.1f %9.1f\n",
		level, s->ok, s->failed, s->ttft_ms.p50, s->ttft_ms.p99,
		s->tpot_ms.p50, s->tpot_ms.p99, s->output_tokens_per_s,
		li->open_loop ? li->achieved_rate_per_s : s->little_measured);
}

void bench_block_overview(FILE *f, const struct bench_plan *p)
{
	bench_block_overview_header(f, p->open_loop || p->replay ? "rate"
								 : "little_N");
	for (size_t i = 0; i < p->n_levels; i++) {
		char name[64];
		cJSON *sj = bench_level_summary(p, i, name, sizeof name);
		struct level_summary s;
		struct level_info li;
		struct sc_err e = {0};
		if (sj && !summary_from_json(sj, name, &s, &li, &e))
			bench_block_overview_row(f, name, &s, &li);
		cJSON_Delete(sj);
	}
}
