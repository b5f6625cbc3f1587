/* The emulator's listening socket: accepts connections and, when accept()
 * fails (out of descriptors: EMFILE/ENFILE, or memory), stops listening for
 * a short delay that doubles while the failures go on, instead of retrying
 * in a busy loop; the failure is reported at most once per second. */
#ifndef SC_EMU_ACCEPT_H
#define SC_EMU_ACCEPT_H
#include <stdint.h>

#include <event2/event.h>

#include "util/err.h"

/* First and longest pause after a failed accept(). */
#define EMU_ACCEPT_PAUSE_MIN_MS 10
#define EMU_ACCEPT_PAUSE_MAX_MS 1000
/* Shortest interval between two reports of accept failures. */
#define EMU_ACCEPT_LOG_INTERVAL_MS 1000

struct emu_accept_cfg {
	struct event_base *base;
	const char *host; /* e.g. "127.0.0.1", "::1", "0.0.0.0" */
	int port;	  /* 0 picks a free port */
	/* A new non-blocking connection; the callee owns fd. */
	void (*on_fd)(void *arg, evutil_socket_t fd);
	/* A one-line report (no newline); may be NULL. */
	void (*on_log)(void *arg, const char *msg);
	void *arg;
};

struct emu_accept_stats {
	uint64_t accepted;
	uint64_t errors; /* failed accept() calls */
	uint64_t pauses; /* times listening stopped for a while */
};

struct emu_accept;

/* Binds and listens. NULL with SC_ERUNTIME in e when the address cannot
 * be resolved or bound. */
struct emu_accept *emu_accept_new(const struct emu_accept_cfg *cfg,
				  struct sc_err *e);
/* Stops listening and closes the socket; NULL does nothing. */
void emu_accept_free(struct emu_accept *a);
/* The port bound. */
int emu_accept_port(const struct emu_accept *a);
void emu_accept_stats(const struct emu_accept *a, struct emu_accept_stats *out);

#endif
