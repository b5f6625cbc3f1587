/* Records and loop ends as bytes between worker processes. */
#include "load/wire.h"

#include <string.h>

size_t wire_record_size(const struct req_record *r)
{
	return sizeof *r + r->n_itl * sizeof *r->itl_ms +
	       r->n_tok * (sizeof *r->tok_ns + sizeof *r->tok_n);
}

void wire_record_pack(const struct req_record *r, unsigned char *buf)
{
	struct req_record fixed = *r;
	fixed.itl_ms = NULL;
	fixed.tok_ns = NULL;
	fixed.tok_n = NULL;
	/* arrays that are absent are sent as empty */
	if (!r->itl_ms)
		fixed.n_itl = 0;
	if (!r->tok_ns || !r->tok_n)
		fixed.n_tok = 0;
	memcpy(buf, &fixed, sizeof fixed);
	buf += sizeof fixed;
	if (fixed.n_itl) {
		memcpy(buf, r->itl_ms, fixed.n_itl * sizeof *r->itl_ms);
		buf += fixed.n_itl * sizeof *r->itl_ms;
	}
	if (fixed.n_tok) {
		memcpy(buf, r->tok_ns, fixed.n_tok * sizeof *r->tok_ns);
		buf += fixed.n_tok * sizeof *r->tok_ns;
		memcpy(buf, r->tok_n, fixed.n_tok * sizeof *r->tok_n);
	}
}

int wire_record_unpack(unsigned char *buf, size_t len, struct req_record *r,
		       struct sc_err *e)
{
	if (len < sizeof *r)
		return sc_err_set(
		    e, SC_ERUNTIME,
		    "worker message: a record of %zu bytes (want at least %zu)",
		    len, sizeof *r);
	memcpy(r, buf, sizeof *r);
	size_t itl = r->n_itl, tok = r->n_tok;
	size_t room = len - sizeof *r;
	if (itl > room / sizeof(double) ||
	    tok > (room - itl * sizeof(double)) /
		      (sizeof(int64_t) + sizeof(int32_t)) ||
	    wire_record_size(r) != len)
		return sc_err_set(e, SC_ERUNTIME,
				  "worker message: a record of %zu bytes holds "
				  "%zu ITL and %zu token entries",
				  len, itl, tok);
	r->error[sizeof r->error - 1] = 0;
	r->response_id[sizeof r->response_id - 1] = 0;
	unsigned char *p = buf + sizeof *r;
	/* buf comes from malloc and the fixed part's size is a multiple of
	 * its 8-byte alignment, so the arrays are aligned */
	r->itl_ms = itl ? (double *)(void *)p : NULL;
	p += itl * sizeof(double);
	r->tok_ns = tok ? (int64_t *)(void *)p : NULL;
	p += tok * sizeof(int64_t);
	r->tok_n = tok ? (int32_t *)(void *)p : NULL;
	return SC_OK;
}

void wire_done_fill(struct wire_done *d, int rc, const struct sc_err *e,
		    const struct loop_result *res)
{
	memset(d, 0, sizeof *d);
	d->status = rc;
	if (rc && e)
		memcpy(d->msg, e->msg, sizeof d->msg);
	d->interrupted = res->interrupted;
	d->too_many_errors = res->too_many_errors;
	d->n = res->n;
	d->queue_full = res->queue_full;
	d->next_id = res->next_id;
	d->sent = res->sent;
	d->window_start_ns = res->window_start_ns;
	d->window_end_ns = res->window_end_ns;
	d->first_send_ns = res->first_send_ns;
	d->last_send_ns = res->last_send_ns;
	d->send_lateness_p50_ms = res->send_lateness_p50_ms;
	d->send_lateness_p99_ms = res->send_lateness_p99_ms;
}
