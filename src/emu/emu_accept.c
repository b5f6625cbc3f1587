/* Listening socket of the emulator with back-off on accept() failures: a
 * level-triggered listener whose backlog holds connections it cannot
 * accept would otherwise wake up, fail and log forever. */
#include "emu/emu_accept.h"

#include <errno.h>
#include <stdbool.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <event2/listener.h>
#include <event2/util.h>

#include "util/clock.h"
#include "util/xalloc.h"

/* Pending connections the kernel may queue (the system caps it). */
#define EMU_ACCEPT_BACKLOG 4096

struct emu_accept {
	struct emu_accept_cfg cfg;
	struct evconnlistener *lis;
	struct event *resume; /* ends a pause */
	int port;
	long pause_ms; /* next pause */
	bool paused;
	int64_t last_log_ns; /* 0: never */
	uint64_t unreported; /* failures since the last report */
	struct emu_accept_stats st;
};

static void accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
		      struct sockaddr *sa, int len, void *arg)
{
	(void)lis;
	(void)sa;
	(void)len;
	struct emu_accept *a = arg;
	a->st.accepted++;
	a->pause_ms = EMU_ACCEPT_PAUSE_MIN_MS; /* it works again */
	a->cfg.on_fd(a->cfg.arg, fd);
}

static void resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct emu_accept *a = arg;
	a->paused = false;
	evconnlistener_enable(a->lis);
}

static void error_cb(struct evconnlistener *lis, void *arg)
{
	struct emu_accept *a = arg;
	int err = EVUTIL_SOCKET_ERROR();
	a->st.errors++;
	a->unreported++;
	if (!a->paused) {
		evconnlistener_disable(lis);
		a->paused = true;
		a->st.pauses++;
		struct timeval tv = {a->pause_ms / 1000,
				     (suseconds_t)(a->pause_ms % 1000) * 1000};
		evtimer_add(a->resume, &tv);
	}
	int64_t now = clock_mono_ns();
	if (a->cfg.on_log &&
	    (a->last_log_ns == 0 ||
	     now - a->last_log_ns >= EMU_ACCEPT_LOG_INTERVAL_MS * 1000000LL)) {
		char msg[256];
		snprintf(msg, sizeof msg,
			 "accept: %s; not accepting for %ld ms (%llu failed "
			 "accept() calls since the last report)",
			 evutil_socket_error_to_string(err), a->pause_ms,
			 (unsigned long long)a->unreported);
		a->cfg.on_log(a->cfg.arg, msg);
		a->last_log_ns = now;
		a->unreported = 0;
	}
	a->pause_ms *= 2;
	if (a->pause_ms > EMU_ACCEPT_PAUSE_MAX_MS)
		a->pause_ms = EMU_ACCEPT_PAUSE_MAX_MS;
}

struct emu_accept *emu_accept_new(const struct emu_accept_cfg *cfg,
				  struct sc_err *e)
{
	struct emu_accept *a = xcalloc(1, sizeof *a);
	a->cfg = *cfg;
	a->pause_ms = EMU_ACCEPT_PAUSE_MIN_MS;
	struct evutil_addrinfo hints = {.ai_family = AF_UNSPEC,
					.ai_socktype = SOCK_STREAM,
					.ai_flags = EVUTIL_AI_PASSIVE |
						    EVUTIL_AI_NUMERICSERV};
	struct evutil_addrinfo *ai = NULL;
	char port[16];
	snprintf(port, sizeof port, "%d", cfg->port);
	int rc = evutil_getaddrinfo(cfg->host, port, &hints, &ai);
	if (rc != 0 || !ai) {
		sc_err_set(e, SC_ERUNTIME,
			   "cannot resolve listen address %s: %s", cfg->host,
			   evutil_gai_strerror(rc));
		goto fail;
	}
	a->lis = evconnlistener_new_bind(
	    cfg->base, accept_cb, a,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    EMU_ACCEPT_BACKLOG, ai->ai_addr, (int)ai->ai_addrlen);
	evutil_freeaddrinfo(ai);
	if (!a->lis) {
		sc_err_set(e, SC_ERUNTIME, "cannot listen on %s:%d: %s",
			   cfg->host, cfg->port, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(a->lis, error_cb);
	a->resume = evtimer_new(cfg->base, resume_cb, a);
	if (!a->resume) {
		sc_err_set(e, SC_ERUNTIME, "libevent: evtimer_new failed");
		goto fail;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(evconnlistener_get_fd(a->lis), (struct sockaddr *)&ss,
			&sl) != 0) {
		sc_err_set(e, SC_ERUNTIME, "getsockname failed: %s",
			   strerror(errno));
		goto fail;
	}
	a->port = ss.ss_family == AF_INET6
		      ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
		      : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return a;
fail:
	emu_accept_free(a);
	return NULL;
}

void emu_accept_free(struct emu_accept *a)
{
	if (!a)
		return;
	if (a->resume)
		event_free(a->resume);
	if (a->lis)
		evconnlistener_free(a->lis);
	free(a);
}

int emu_accept_port(const struct emu_accept *a)
{
	return a->port;
}

void emu_accept_stats(const struct emu_accept *a, struct emu_accept_stats *out)
{
	*out = a->st;
}
