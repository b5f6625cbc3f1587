/* JSONL request trace of the emulated engine (see emu_trace.h). Lines are
 * printed directly: token arrays can hold thousands of integers. */
#include "emu/emu_trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/xalloc.h"

struct emu_trace {
	FILE *f;
	char *path;
};

struct emu_trace *emu_trace_open(const char *path, struct sc_err *e)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		sc_err_set(e, SC_ERUNTIME, "%s: cannot create trace: %s", path,
			   strerror(errno));
		return NULL;
	}
	struct emu_trace *t = xcalloc(1, sizeof *t);
	t->f = f;
	t->path = xstrdup(path);
	char iso[64];
	clock_wall_iso(iso, sizeof iso);
	int64_t mono = clock_mono_ns(), wall = clock_wall_ns();
	fprintf(f,
		"{\"anchor\":{\"mono_ns\":%" PRId64 ",\"wall_ns\":%" PRId64
		",\"wall\":\"%s\"}}\n",
		mono, wall, iso);
	fflush(f);
	return t;
}

void emu_trace_write(struct emu_trace *t, const struct emu_trace_rec *c)
{
	const struct emu_req *r = c->r;
	FILE *f = t->f;
	fprintf(f,
		"{\"id\":\"%s\",\"endpoint\":\"%s\",\"status\":\"%s\","
		"\"prompt_tokens\":%ld,\"completion_tokens\":%ld,"
		"\"arrival_ns\":%" PRId64 ",\"queue_exit_ns\":%" PRId64
		",\"prefill_start_ns\":%" PRId64 ",\"prefill_end_ns\":%" PRId64
		",\"handoff_start_ns\":%" PRId64 ",\"handoff_end_ns\":%" PRId64
		",\"prefill_worker\":%d,\"decode_worker\":%d,\"token_ns\":[",
		c->id, c->endpoint, c->status, c->prompt_tokens,
		c->completion_tokens, r ? r->t_arrival_ns : c->arrival_ns,
		r ? r->t_queue_exit_ns : 0, r ? r->t_prefill_start_ns : 0,
		r ? r->t_prefill_end_ns : 0, r ? r->t_handoff_start_ns : 0,
		r ? r->t_handoff_end_ns : 0, r ? r->prefill_worker : -1,
		r ? r->decode_worker : -1);
	for (size_t i = 0; i < c->n_tokens; i++)
		fprintf(f, i ? ",%" PRId64 : "%" PRId64, c->token_ns[i]);
	fputs("]}\n", f);
}

int emu_trace_flush(struct emu_trace *t, struct sc_err *e)
{
	if (fflush(t->f) != 0 || ferror(t->f))
		return sc_err_set(e, SC_ERUNTIME, "%s: trace write failed: %s",
				  t->path, strerror(errno));
	return SC_OK;
}

int emu_trace_close(struct emu_trace *t, struct sc_err *e)
{
	if (!t)
		return SC_OK;
	int rc = emu_trace_flush(t, e);
	if (fclose(t->f) != 0 && rc == SC_OK)
		rc = sc_err_set(e, SC_ERUNTIME, "%s: trace close failed: %s",
				t->path, strerror(errno));
	free(t->path);
	free(t);
	return rc;
}
