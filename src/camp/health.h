/* Waiting for a deployment that runs elsewhere (a Slurm job, a
 * Kubernetes service) to answer its health URL. */
#ifndef SC_HEALTH_H
#define SC_HEALTH_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Says whether what serves the URL still exists; when not, fills why. */
typedef bool (*health_alive_fn)(void *ud, char *why, size_t len);

/* One GET of probe allowed timeout_ms: true when it answered 200; else
 * last (len bytes) says what it answered ("HTTP 503") or why nothing
 * came (the transport's reason, without the URL). */
bool health_probe(const char *probe, long timeout_ms, char *last, size_t len);

/* Polls GET url+path until it answers 200. SC_OK; SC_ERUNTIME when
 * timeout_s passes (quoting the last answer), *stop becomes non-zero
 * (stop may be NULL), or alive (may be NULL; asked every alive_every_s)
 * returns false (quoting its why). */
int health_wait(const char *url, const char *path, double timeout_s,
		volatile sig_atomic_t *stop, health_alive_fn alive, void *ud,
		double alive_every_s, struct sc_err *e) SC_MUST_CHECK;

#endif
