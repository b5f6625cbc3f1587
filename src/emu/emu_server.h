/* The serving side of the emulated engine (one libevent loop, HTTP in
 * emu_http): /v1/completions, /v1/chat/completions, /v1/models, /health,
 * /metrics, disconnects, slow clients, fault injection, trace and
 * graceful stop. */
#ifndef SC_EMU_SERVER_H
#define SC_EMU_SERVER_H
#include <stdbool.h>
#include <stddef.h>

#include "emu/emu_http.h"
#include "emu/emu_truth.h"
#include "model/deploy.h"
#include "util/err.h"

/* Largest request body accepted; bigger ones get 413. */
#define EMU_SERVER_DEFAULT_MAX_BODY_BYTES (8u * 1024u * 1024u)

struct emu_server_cfg {
	const struct deploy_spec *d; /* borrowed, must outlive the server */
	struct emu_truth truth;	     /* copied */
	const char *host;	     /* listen address, e.g. "127.0.0.1" */
	int port;		     /* 0 picks a free port */
	const char *trace_path;	     /* NULL: no trace */
	size_t max_body_bytes;	     /* 0: the default */
	long idle_timeout_ms;  /* <= 0: EMU_HTTP_DEFAULT_IDLE_TIMEOUT_MS */
	long write_timeout_ms; /* <= 0: EMU_HTTP_DEFAULT_WRITE_TIMEOUT_MS */
	/* Rare one-line reports (e.g. accept() failing, at most once a
	 * second), or NULL. */
	void (*on_log)(void *arg, const char *msg);
	void *log_arg;
};

struct emu_server;

/* Builds the engine, binds the socket and opens the trace. NULL with the
 * reason in e (SC_EINPUT for a bad deployment, SC_ERUNTIME for a bind or
 * file failure). */
struct emu_server *emu_server_new(const struct emu_server_cfg *cfg,
				  struct sc_err *e);
/* The port actually bound. */
int emu_server_port(const struct emu_server *s);
/* Runs the event loop until SIGINT/SIGTERM (or emu_server_stop): then stops
 * accepting, ends in-flight streams with an error chunk, flushes the trace.
 * SC_OK or SC_ERUNTIME. */
int emu_server_run(struct emu_server *s, struct sc_err *e) SC_MUST_CHECK;
/* Starts the graceful stop from inside the loop. */
void emu_server_stop(struct emu_server *s);
void emu_server_free(struct emu_server *s);
/* Version of the libevent library linked (for reports). */
const char *emu_libevent_version(void);

#endif
