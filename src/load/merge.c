/* Merging the workers of one level into one loop_result. */
#include "load/merge.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/sketch.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define MERGE_PROGRESS_NS 500000000LL

int merge_init(struct merge *m, const struct loop_config *c, unsigned workers,
	       struct loop_result *out, struct sc_err *e)
{
	memset(m, 0, sizeof *m);
	memset(out, 0, sizeof *out);
	summary_acc_init(&out->acc, c->sla);
	m->c = c;
	m->out = out;
	m->workers = workers;
	m->planned = c->requests > 0
			 ? c->requests + (c->warmup > 0 ? c->warmup : 0)
			 : -1;
	m->late_p50_ms = m->late_p99_ms = NAN;
	m->spill = tmpfile();
	if (!m->spill)
		return sc_err_set(e, SC_ERUNTIME,
				  "a spill file for the level's records: %s",
				  strerror(errno));
	return SC_OK;
}

static void progress(struct merge *m)
{
	const struct loop_config *c = m->c;
	if (!c->on_progress)
		return;
	int64_t now = clock_mono_ns();
	if (now < m->next_progress_ns)
		return;
	struct loop_progress p = {
	    .done = m->out->n,
	    .failed = m->failed,
	    .planned = m->planned,
	    .ttft_p50_ms = NAN,
	    .tpot_p50_ms = NAN,
	};
	c->on_progress(c->ud, &p);
	m->next_progress_ns =
	    now + (c->progress_ns ? c->progress_ns : MERGE_PROGRESS_NS);
}

int merge_record(struct merge *m, const struct req_record *r, struct sc_err *e)
{
	size_t len = wire_record_size(r);
	unsigned char *buf = xmalloc(len);
	wire_record_pack(r, buf);
	uint64_t n = len;
	int rc = SC_OK;
	if (fwrite(&n, sizeof n, 1, m->spill) != 1 ||
	    fwrite(buf, len, 1, m->spill) != 1)
		rc = sc_err_set(e, SC_ERUNTIME,
				"writing the level's spill file: %s",
				strerror(errno));
	free(buf);
	if (rc)
		return rc;
	m->out->n++;
	if (!r->ok)
		m->failed++;
	if (r->reason == REASON_CLIENT_QUEUE_FULL)
		m->out->queue_full++;
	if (m->c->on_record)
		m->c->on_record(m->c->ud, r);
	progress(m);
	return SC_OK;
}

static double max_finite(double a, double b)
{
	if (!isfinite(a))
		return b;
	if (!isfinite(b))
		return a;
	return a > b ? a : b;
}

int merge_worker_done(struct merge *m, const struct wire_done *d,
		      struct sc_err *e)
{
	struct loop_result *out = m->out;
	m->done++;
	if (d->interrupted)
		out->interrupted = true;
	if (d->too_many_errors)
		out->too_many_errors = true;
	if (d->next_id > out->next_id)
		out->next_id = d->next_id;
	m->sent += (long)d->sent;
	if (d->first_send_ns &&
	    (!m->first_send_ns || d->first_send_ns < m->first_send_ns))
		m->first_send_ns = d->first_send_ns;
	if (d->last_send_ns > m->last_send_ns)
		m->last_send_ns = d->last_send_ns;
	/* Lateness percentiles do not merge: the worst worker's stands for
	 * the level (an upper bound of the union's). */
	m->late_p50_ms = max_finite(m->late_p50_ms, d->send_lateness_p50_ms);
	m->late_p99_ms = max_finite(m->late_p99_ms, d->send_lateness_p99_ms);
	if (!m->have_window) {
		m->w0 = d->window_start_ns;
		m->w1 = d->window_end_ns;
		m->have_window = true;
	} else {
		if (d->window_start_ns > m->w0)
			m->w0 = d->window_start_ns;
		if (d->window_end_ns < m->w1)
			m->w1 = d->window_end_ns;
	}
	if (d->status)
		return sc_err_set(e, d->status, "%s", d->msg);
	return SC_OK;
}

int merge_finish(struct merge *m, struct sc_err *e)
{
	struct loop_result *out = m->out;
	/* A worker that never left warm-up has no window start: then there
	 * is no common window either (the statistics say so with a null
	 * throughput, as for one process). */
	int64_t w0 = m->w0, w1 = m->w1;
	if (!m->have_window || w0 == 0 || w0 == SUMMARY_WINDOW_OPEN)
		w0 = w1 = 0;
	else if (w1 < w0)
		w1 = w0;
	out->window_start_ns = w0;
	out->window_end_ns = w1;
	out->sent = m->sent;
	out->first_send_ns = m->first_send_ns;
	out->last_send_ns = m->last_send_ns;
	if (m->last_send_ns > m->first_send_ns && m->sent > 1)
		out->achieved_rate_per_s =
		    (double)(m->sent - 1) /
		    ((double)(m->last_send_ns - m->first_send_ns) / 1e9);
	out->send_lateness_p50_ms = m->late_p50_ms;
	out->send_lateness_p99_ms = m->late_p99_ms;
	if (fflush(m->spill) || fseek(m->spill, 0, SEEK_SET))
		return sc_err_set(e, SC_ERUNTIME,
				  "reading back the level's spill file: %s",
				  strerror(errno));
	size_t cap = 0;
	unsigned char *buf = NULL;
	int rc = SC_OK;
	for (size_t i = 0; i < out->n && !rc; i++) {
		uint64_t len;
		if (fread(&len, sizeof len, 1, m->spill) != 1 ||
		    len > WIRE_MAX_PAYLOAD) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"reading back the level's spill file: "
					"record %zu of %zu is missing",
					i + 1, out->n);
			break;
		}
		if (len > cap)
			buf = xgrow(buf, &cap, len, 1);
		struct req_record r;
		if (fread(buf, len, 1, m->spill) != 1) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"reading back the level's spill file: "
					"record %zu of %zu is cut short",
					i + 1, out->n);
			break;
		}
		rc = wire_record_unpack(buf, len, &r, e);
		if (!rc)
			summary_acc_add(&out->acc, &r, w0, w1);
	}
	free(buf);
	return rc;
}

void merge_release(struct merge *m)
{
	if (m->spill)
		fclose(m->spill);
	m->spill = NULL;
}
