/* Child processes for the campaign runner: run a command to completion
 * with its output in files, or keep a server running in the background and
 * read the URL it prints first. No shell is involved; every child gets
 * SIGTERM when the campaign process dies (camp/child.h). */
#ifndef SC_PROC_H
#define SC_PROC_H
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

/* Runs argv (argv[0] a path) with stdout to out_path and stderr to
 * err_path (NULL: inherit), stdin from /dev/null. Returns the exit status
 * (0-255), 128+signal when killed, or a negative SC_E* with a message when
 * it could not start. The child is killed after timeout_s (0: none). The
 * child is killed too when *stop becomes non-zero (may be NULL). It stays
 * in our process group, so a terminal's Ctrl-C reaches it as well. */
int proc_run(char *const argv[], const char *out_path, const char *err_path,
	     double timeout_s, volatile sig_atomic_t *stop,
	     struct sc_err *e) SC_MUST_CHECK;
/* As proc_run, and also stops the child as for *stop once gone(ud)
 * returns true (polled every 50 ms; gone may be NULL). */
int proc_run_watch(char *const argv[], const char *out_path,
		   const char *err_path, double timeout_s,
		   volatile sig_atomic_t *stop, bool (*gone)(void *ud),
		   void *ud, struct sc_err *e) SC_MUST_CHECK;

struct proc_server {
	pid_t pid;
	char url[256];
};

/* Starts argv in the background, in a process group of its own, with
 * stderr to err_path and waits up to wait_s for the first line of its
 * stdout, which must be an http:// URL.
 * SC_ERUNTIME (with the child's stderr tail in the message) otherwise. */
int proc_server_start(struct proc_server *s, char *const argv[],
		      const char *err_path, double wait_s,
		      struct sc_err *e) SC_MUST_CHECK;
/* SIGTERM to its group, then SIGKILL after grace_s; reaps the child. */
void proc_server_stop(struct proc_server *s, double grace_s);
/* Path of the running executable (for spawning servecal itself). */
int proc_self_exe(char *buf, size_t len) SC_MUST_CHECK;

#endif
