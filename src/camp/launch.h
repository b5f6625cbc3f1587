/* Deployments a campaign starts by command (`"launch"` in a campaign file):
 * the command and its settings, starting it on a free loopback port with
 * {host} and {port} filled in, waiting until its health URL answers 200,
 * and stopping it (SIGTERM to its process group, SIGKILL after a grace
 * period). */
#ifndef SC_LAUNCH_H
#define SC_LAUNCH_H
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "util/err.h"

/* The loopback address launched servers are told to listen on ({host}). */
#define LAUNCH_HOST	"127.0.0.1"
#define LAUNCH_MAX_ARGS 256
#define LAUNCH_MAX_ENV	64

struct launch_spec {
	char **argv; /* NULL-terminated; argv[0] an absolute path */
	size_t argc;
	char **env; /* "KEY=VALUE" added to the inherited ones */
	size_t n_env;
	char health[512];	/* path probed with GET, e.g. "/health" */
	double ready_timeout_s; /* [1, 3600], default 60 */
	double stop_grace_s;	/* [0, 600], default 10 */
	char cwd[2048];		/* absolute; "" keeps servecal's directory */
};

/* The optional "env" object of j: NAME -> string, at most LAUNCH_MAX_ENV,
 * names of letters, digits and '_' (not first a digit), values without a
 * newline when one_line (a job script's export lines). Appends "NAME=VALUE"
 * strings to *env (allocated here, NULL-terminated; the caller frees each
 * and the array, also after a failure) and counts them in *n.
 * SC_EINPUT naming the variable. */
int launch_env_from_json(const cJSON *j, const char *where, bool one_line,
			 char ***env, size_t *n,
			 struct sc_err *e) SC_MUST_CHECK;

/* Reads a launch object (`where` names it in errors). base is the
 * directory relative paths are resolved against: the program when its
 * name has a '/', any other argument that is not an option and names an
 * existing file there, and cwd. A program name without '/' is looked up
 * in $PATH now. SC_EINPUT naming the field, the problem and the value.
 * Release with launch_spec_release (also after a failure). */
int launch_spec_from_json(const cJSON *j, const char *where, const char *base,
			  struct launch_spec *s,
			  struct sc_err *e) SC_MUST_CHECK;
void launch_spec_release(struct launch_spec *s);

/* Copy of arg with every "{port}" replaced by port and "{host}" by host;
 * other braces are kept. The caller frees it. */
char *launch_expand(const char *arg, const char *host, int port);

/* A loopback TCP port nobody listens on right now, or -1 with
 * SC_ERUNTIME. Another process may take it before we use it. */
int launch_free_port(struct sc_err *e) SC_MUST_CHECK;

struct launch {
	pid_t pid; /* -1 when not running (never started or reaped) */
	int port;
	char url[64]; /* http://127.0.0.1:PORT */
	int wstatus;  /* wait status once reaped */
	bool exited;  /* reaped by launch_running or launch_stop */
	char out_path[4096], err_path[4096];
};

/* Starts s on a free port, in its own process group, stdout and stderr to
 * out_path and err_path, and polls GET url+health until HTTP 200. Fails
 * (SC_ERUNTIME, with the last lines of its log) when it cannot start,
 * exits first, is not healthy within ready_timeout_s, or *stop (may be
 * NULL) becomes non-zero; the child is then stopped and reaped. */
int launch_start(struct launch *l, const struct launch_spec *s,
		 const char *out_path, const char *err_path,
		 volatile sig_atomic_t *stop, struct sc_err *e) SC_MUST_CHECK;
/* Whether the child is still running; reaps it (and keeps its status)
 * when it has ended. */
bool launch_running(struct launch *l);
/* SIGTERM to the group, SIGKILL to the group after grace_s; always reaps
 * the child. Does nothing when it is not running. */
void launch_stop(struct launch *l, double grace_s);
/* How the child ended: "exited with status N", "was killed by signal N
 * (...)", or "is running". */
void launch_end_text(const struct launch *l, char *buf, size_t len);
/* The last lines of the child's log (stderr, else stdout), joined with
 * " | " and cut at the front to fit len. */
void launch_log_tail(const struct launch *l, char *buf, size_t len);

#endif
