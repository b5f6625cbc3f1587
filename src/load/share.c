/* Splitting a level over workers: counts, ids and the dealt schedule. */
#include "load/share.h"

long share_count(long total, unsigned k, unsigned n)
{
	if (total <= 0 || n == 0)
		return 0;
	return total / (long)n + ((long)k < total % (long)n ? 1 : 0);
}

long share_dealt(long total, unsigned k, unsigned n)
{
	if (total <= (long)k || n == 0)
		return 0;
	return (total - (long)k + (long)n - 1) / (long)n;
}

/* Entries of the whole open-loop schedule; 0 when it runs by the clock. */
static long open_entries(const struct loop_config *c, size_t n_items)
{
	if (c->requests > 0)
		return c->requests + (c->warmup > 0 ? c->warmup : 0);
	if (c->replay && c->duration_s <= 0)
		return (long)n_items;
	return 0;
}

unsigned share_workers(const struct loop_config *c, unsigned n, size_t n_items)
{
	long most = (long)n;
	if (!c->open_loop) {
		if (c->concurrency < most)
			most = c->concurrency;
		if (c->requests > 0 && c->requests < most)
			most = c->requests;
	} else {
		long e = open_entries(c, n_items);
		long measured = c->requests > 0 ? c->requests : e;
		if (e > 0 && measured < most)
			most = measured;
	}
	return most < 1 ? 1 : (unsigned)most;
}

void share_config(const struct loop_config *c, unsigned k, unsigned n,
		  size_t n_items, struct loop_config *out)
{
	*out = *c;
	if (n <= 1)
		return;
	uint64_t step = c->id_step ? c->id_step : 1;
	out->first_id = c->first_id + k * step;
	out->id_step = step * n;
	long warm = c->warmup > 0 ? c->warmup : 0;
	if (!c->open_loop) {
		out->concurrency = share_count(c->concurrency, k, n);
		out->warmup = share_count(warm, k, n);
		out->requests = share_count(c->requests, k, n);
		return;
	}
	out->deal_n = n;
	out->deal_k = k;
	out->warmup = share_dealt(warm, k, n);
	long e = open_entries(c, n_items);
	if (e > 0)
		out->requests = share_dealt(e, k, n) - out->warmup;
	/* caps on what is in flight or queued belong to the whole level */
	if (c->max_concurrency > 0)
		out->max_concurrency = share_count(c->max_concurrency, k, n);
	if (out->max_concurrency == 0 && c->max_concurrency > 0)
		out->max_concurrency = 1;
	long q = c->queue_max > 0 ? c->queue_max : LOOP_QUEUE_MAX;
	out->queue_max = share_count(q, k, n) > 0 ? share_count(q, k, n) : 1;
}
