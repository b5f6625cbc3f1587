/* Starting a child process without a shell: fork, then execve with the
 * standard streams redirected, optionally in a process group of its own,
 * and tied to this process's life so an orphan does not outlive it. */
#ifndef SC_CHILD_H
#define SC_CHILD_H
#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

struct child_opts {
	char *const *argv; /* argv[0] is the program's path (no PATH search) */
	char *const *envp; /* NULL: this process's environment */
	const char *cwd;   /* NULL or "": this process's directory */
	int out_fd;	   /* becomes stdout; -1: inherit */
	int err_fd;	   /* becomes stderr; -1: inherit */
	bool own_group;	   /* leads a new process group (pgid = pid) */
};

/* Starts the child. It reads /dev/null, gets SIGTERM when this thread
 * ends (PR_SET_PDEATHSIG, also when we are killed with SIGKILL), and
 * closes every descriptor marked close-on-exec. Returns SC_OK with *pid,
 * or SC_ERUNTIME naming the program when fork, chdir or execve failed (a
 * child that failed to exec is already reaped). The fds stay the caller's. */
int child_spawn(const struct child_opts *o, pid_t *pid,
		struct sc_err *e) SC_MUST_CHECK;

/* Opens path for a child's output (created or truncated, close-on-exec).
 * Returns the fd, or -1 with SC_ERUNTIME in e. */
int child_open_log(const char *path, struct sc_err *e) SC_MUST_CHECK;

/* Sends sig to the child (to its whole group when own_group). */
void child_signal(pid_t pid, bool own_group, int sig);

/* Describes a wait status: "exited with status 3", "was killed by signal 9
 * (Killed)". */
void child_status_text(int wstatus, char *buf, size_t len);

#endif
