#include "emu/emu_metrics.h"

#include <event2/buffer.h>

#include "model/deploy.h"

/* Per-worker series: one line per worker, labelled worker="ROLE-INDEX". */
struct worker_row {
	const char *name, *type, *help;
	double (*get)(const struct emu_worker_stats *w);
};

static double w_running(const struct emu_worker_stats *w)
{
	return (double)w->running;
}
static double w_waiting(const struct emu_worker_stats *w)
{
	return (double)w->waiting;
}
static double w_kv_ratio(const struct emu_worker_stats *w)
{
	return w->kv_used_tokens / w->kv_capacity_tokens;
}
static double w_kv_used(const struct emu_worker_stats *w)
{
	return w->kv_used_tokens;
}
static double w_steps(const struct emu_worker_stats *w)
{
	return (double)w->steps;
}
static double w_tokens(const struct emu_worker_stats *w)
{
	return (double)w->tokens;
}
static double w_prefill(const struct emu_worker_stats *w)
{
	return (double)w->prefill_tokens;
}
static double w_busy(const struct emu_worker_stats *w)
{
	return w->busy_s;
}

static const struct worker_row worker_rows[] = {
    {"servecal_emu_requests_running", "gauge",
     "Requests in a worker's running batch.", w_running},
    {"servecal_emu_requests_waiting", "gauge",
     "Requests in a worker's waiting queue.", w_waiting},
    {"servecal_emu_kv_usage_ratio", "gauge",
     "Reserved fraction of a worker's KV cache.", w_kv_ratio},
    {"servecal_emu_kv_used_tokens", "gauge", "KV tokens reserved on a worker.",
     w_kv_used},
    {"servecal_emu_steps_total", "counter", "Iterations a worker ran.",
     w_steps},
    {"servecal_emu_generated_tokens_total", "counter",
     "Output tokens a worker emitted.", w_tokens},
    {"servecal_emu_prefill_tokens_total", "counter",
     "Prompt tokens a worker computed.", w_prefill},
    {"servecal_emu_busy_seconds_total", "counter",
     "Time a worker spent in iterations.", w_busy},
};

/* Server-wide rows: a getter gives the one unlabelled value; a row with
 * series instead writes its labelled lines itself. */
struct row {
	const char *name, *type, *help;
	double (*get)(const struct emu_metrics_in *in);
	void (*series)(const struct emu_metrics_in *in, const char *name,
		       struct evbuffer *b);
};

static double active(const struct emu_metrics_in *in)
{
	return (double)emu_engine_active(in->eng);
}
static double streams_open(const struct emu_metrics_in *in)
{
	return (double)in->streams_open;
}
static double tokens_total(const struct emu_metrics_in *in)
{
	return (double)in->tokens_total;
}
static double completed(const struct emu_metrics_in *in)
{
	return (double)in->completed;
}
static double early_stops(const struct emu_metrics_in *in)
{
	return (double)in->early_stops;
}
static double disconnects(const struct emu_metrics_in *in)
{
	return (double)in->disconnects;
}
static double streams_blocked(const struct emu_metrics_in *in)
{
	return (double)in->streams_blocked;
}
static double blocked_total(const struct emu_metrics_in *in)
{
	return (double)in->blocked_total;
}
static double queued_bytes(const struct emu_metrics_in *in)
{
	return (double)in->http.queued_bytes;
}
static double conns_open(const struct emu_metrics_in *in)
{
	return (double)in->http.open;
}
static double conns_accepted(const struct emu_metrics_in *in)
{
	return (double)in->http.accepted;
}
static double accept_errors(const struct emu_metrics_in *in)
{
	return (double)in->http.accept_errors;
}
static double accept_pauses(const struct emu_metrics_in *in)
{
	return (double)in->http.accept_pauses;
}

static void by_endpoint(const struct emu_metrics_in *in, const char *name,
			struct evbuffer *b)
{
	static const char *const endpoint[] = {"completions", "chat"};
	for (size_t i = 0; i < 2; i++)
		evbuffer_add_printf(b, "%s{endpoint=\"%s\"} %llu\n", name,
				    endpoint[i],
				    (unsigned long long)in->req_total[i]);
}

static void by_status(const struct emu_metrics_in *in, const char *name,
		      struct evbuffer *b)
{
	for (size_t i = 0; i <= EMU_HTTP_N_STATUS; i++)
		if (in->http.responses[i])
			evbuffer_add_printf(
			    b, "%s{code=\"%s%d\"} %llu\n", name,
			    i < EMU_HTTP_N_STATUS ? "" : "other",
			    i < EMU_HTTP_N_STATUS ? emu_http_status_codes[i]
						  : 0,
			    (unsigned long long)in->http.responses[i]);
}

static void by_fault(const struct emu_metrics_in *in, const char *name,
		     struct evbuffer *b)
{
	for (int f = 0; f < EMU_FAULT_COUNT; f++)
		evbuffer_add_printf(b, "%s{kind=\"%s\"} %llu\n", name,
				    emu_fault_name(f),
				    (unsigned long long)in->faults[f]);
}

static void lateness_summary(const struct emu_metrics_in *in, const char *name,
			     struct evbuffer *b)
{
	static const double qs[] = {0.5, 0.9, 0.99, 0.999};
	for (size_t i = 0; i < sizeof qs / sizeof *qs; i++)
		evbuffer_add_printf(
		    b, "%s{quantile=\"%g\"} %.9f\n", name, qs[i],
		    emu_engine_lateness_ns(in->eng, qs[i]) / 1e9);
	evbuffer_add_printf(
	    b, "%s_count %llu\n", name,
	    (unsigned long long)emu_engine_lateness_count(in->eng));
}

static void lateness_hist(const struct emu_metrics_in *in, const char *name,
			  struct evbuffer *b)
{
	static const double le_us[] = {
	    1,	  2,	5,    10,   20,	  30,	 50,	75,   100,
	    150,  200,	300,  400,  500,  600,	 700,	800,  900,
	    1000, 1500, 2000, 3000, 5000, 10000, 20000, 50000};
	for (size_t i = 0; i < sizeof le_us / sizeof *le_us; i++)
		evbuffer_add_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name,
				    le_us[i] / 1e6,
				    (unsigned long long)emu_engine_lateness_le(
					in->eng, (int64_t)(le_us[i] * 1000)));
	unsigned long long n = emu_engine_lateness_count(in->eng);
	evbuffer_add_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_count %llu\n",
			    name, n, name, n);
}

static void by_close_reason(const struct emu_metrics_in *in, const char *name,
			    struct evbuffer *b)
{
	for (int i = 0; i < EMU_HTTP_CLOSE_COUNT; i++)
		evbuffer_add_printf(b, "%s{reason=\"%s\"} %llu\n", name,
				    emu_http_close_name(i),
				    (unsigned long long)in->http.closed[i]);
}

static const struct row rows[] = {
    {"servecal_emu_requests_active", "gauge",
     "Requests inside the engine (frontend to last token).", active, NULL},
    {"servecal_emu_streams_open", "gauge",
     "Accepted generation requests not yet answered in full.", streams_open,
     NULL},
    {"servecal_emu_requests_total", "counter",
     "Generation requests received, by endpoint.", NULL, by_endpoint},
    {"servecal_emu_responses_total", "counter",
     "Responses started, by HTTP status.", NULL, by_status},
    {"servecal_emu_tokens_total", "counter",
     "Output tokens emitted by the engine.", tokens_total, NULL},
    {"servecal_emu_requests_completed_total", "counter",
     "Requests answered in full.", completed, NULL},
    {"servecal_emu_early_stops_total", "counter",
     "Requests that stopped before max_tokens (no ignore_eos).", early_stops,
     NULL},
    {"servecal_emu_disconnects_total", "counter",
     "Clients that went away before their answer was complete.", disconnects,
     NULL},
    {"servecal_emu_faults_total", "counter", "Injected faults, by kind.", NULL,
     by_fault},
    {"servecal_emu_timer_lateness_seconds", "summary",
     "How late iteration timers fired.", NULL, lateness_summary},
    {"servecal_emu_timer_lateness_hist_seconds", "histogram",
     "How late iteration timers fired (buckets, for windows).", NULL,
     lateness_hist},
    {"servecal_emu_streams_blocked", "gauge",
     "Streams waiting for their client to read (output above the high "
     "watermark).",
     streams_blocked, NULL},
    {"servecal_emu_streams_blocked_total", "counter",
     "Times a stream stopped writing for a client that fell behind.",
     blocked_total, NULL},
    {"servecal_emu_output_queued_bytes", "gauge",
     "Output held in the server for clients that have not read it.",
     queued_bytes, NULL},
    {"servecal_emu_connections_open", "gauge", "Client connections open.",
     conns_open, NULL},
    {"servecal_emu_connections_accepted_total", "counter",
     "Client connections accepted.", conns_accepted, NULL},
    {"servecal_emu_connections_closed_total", "counter",
     "Client connections closed, by reason.", NULL, by_close_reason},
    {"servecal_emu_accept_errors_total", "counter",
     "Failed accept() calls (e.g. out of file descriptors).", accept_errors,
     NULL},
    {"servecal_emu_accept_pauses_total", "counter",
     "Times the server stopped accepting for a while after a failed "
     "accept().",
     accept_pauses, NULL},
};

static void head(struct evbuffer *b, const char *name, const char *type,
		 const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
			    type);
}

void emu_metrics_render(const struct emu_metrics_in *in, struct evbuffer *b)
{
	for (size_t m = 0; m < sizeof worker_rows / sizeof *worker_rows; m++) {
		const struct worker_row *r = &worker_rows[m];
		head(b, r->name, r->type, r->help);
		for (size_t i = 0; i < in->n_workers; i++)
			evbuffer_add_printf(
			    b, "%s{worker=\"%s-%d\"} %.17g\n", r->name,
			    worker_role_name(in->ws[i].role), in->ws[i].index,
			    r->get(&in->ws[i]));
	}
	for (size_t m = 0; m < sizeof rows / sizeof *rows; m++) {
		const struct row *r = &rows[m];
		head(b, r->name, r->type, r->help);
		if (r->series)
			r->series(in, r->name, b);
		else
			evbuffer_add_printf(b, "%s %.17g\n", r->name,
					    r->get(in));
	}
}
