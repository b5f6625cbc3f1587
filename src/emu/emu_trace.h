/* --trace FILE: one JSON line per request with the server-side times of its
 * life (arrival, queue exit, prefill start/end, handoff, every token write),
 * CLOCK_MONOTONIC ns, after a first line that anchors the monotonic clock to
 * the wall clock:
 *   {"anchor":{"mono_ns":N,"wall_ns":N,"wall":"2026-11-26T21:54:59Z"}}
 *   {"id":"cmpl-..","endpoint":"completions","status":"ok",
 *    "prompt_tokens":N,"completion_tokens":N,"arrival_ns":N,
 *    "queue_exit_ns":N,"prefill_start_ns":N,"prefill_end_ns":N,
 *    "handoff_start_ns":N,"handoff_end_ns":N,"prefill_worker":i,
 *    "decode_worker":j,"token_ns":[...]}
 * Times that did not happen are 0; workers are -1 when unassigned. Status
 * is "ok", "disconnected", "shutdown", "fault:KIND" (mid-stream faults),
 * or for requests answered before the engine "fault:429" (injected HTTP
 * error) and "error:400" (invalid request), with id "refused-N". */
#ifndef SC_EMU_TRACE_H
#define SC_EMU_TRACE_H
#include <stddef.h>
#include <stdint.h>

#include "emu/emu_engine.h"
#include "util/err.h"

struct emu_trace;

struct emu_trace_rec {
	const char *id;
	const char *endpoint; /* "completions" or "chat" */
	const char *status;   /* "ok", "disconnected", "fault:drop", ... */
	long prompt_tokens, completion_tokens;
	const struct emu_req *r; /* engine timestamps (may be NULL) */
	int64_t arrival_ns;	 /* when r is NULL */
	const int64_t *token_ns;
	size_t n_tokens;
};

/* Creates (truncates) path and writes the anchor line. NULL with
 * SC_ERUNTIME naming the file on failure. */
struct emu_trace *emu_trace_open(const char *path, struct sc_err *e);
/* Appends one request line (buffered). */
void emu_trace_write(struct emu_trace *t, const struct emu_trace_rec *rec);
/* Flushes what is buffered; SC_ERUNTIME on a write error. */
int emu_trace_flush(struct emu_trace *t, struct sc_err *e) SC_MUST_CHECK;
/* Flushes and closes; SC_ERUNTIME if a write failed. NULL does nothing. */
int emu_trace_close(struct emu_trace *t, struct sc_err *e) SC_MUST_CHECK;

#endif
