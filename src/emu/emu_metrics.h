/* The emulator's /metrics page (Prometheus text format 0.0.4): one table
 * of rows, each a name, type, help text and a getter (a single value) or a
 * writer of labelled series, rendered in the table's order. */
#ifndef SC_EMU_METRICS_H
#define SC_EMU_METRICS_H
#include <stddef.h>
#include <stdint.h>

#include "emu/emu_engine.h"
#include "emu/emu_faults.h"
#include "emu/emu_http.h"

struct evbuffer;

/* What the page reports, gathered by the server at the request. */
struct emu_metrics_in {
	const struct emu_engine *eng;
	const struct emu_worker_stats *ws; /* n_workers of them */
	size_t n_workers;
	struct emu_http_stats http;
	long streams_open, streams_blocked;
	uint64_t req_total[2]; /* completions, chat */
	uint64_t tokens_total, completed, early_stops, disconnects;
	uint64_t blocked_total;
	const uint64_t *faults; /* EMU_FAULT_COUNT, by kind */
};

/* Appends the whole page for in to b. */
void emu_metrics_render(const struct emu_metrics_in *in, struct evbuffer *b);

#endif
