/* Child processes: fork + execve with redirected streams, a process group
 * of their own on request, and PR_SET_PDEATHSIG so they die with us. */
#include "camp/child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* What the child reports through the close-on-exec pipe when a step
 * between fork and execve failed; nothing arrives when execve succeeded. */
struct spawn_failure {
	int stage; /* index into stage_names */
	int err;   /* errno */
};

static const char *const stage_names[] = {"set up", "change directory to",
					  "redirect the output of", "execute"};
enum { STAGE_SETUP, STAGE_CHDIR, STAGE_REDIRECT, STAGE_EXEC };

/* Only async-signal-safe calls from here to execve: the parent may have
 * threads (libcurl's resolver) holding locks we must not wait for. */
static void __attribute__((noreturn))
in_child(const struct child_opts *o, pid_t parent, int report_fd)
{
	struct spawn_failure f = {STAGE_SETUP, 0};
	if (o->own_group && setpgid(0, 0))
		goto fail;
	/* The parent may have died between fork and prctl: then we are
	 * already an orphan and the death signal will never come. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) || getppid() != parent)
		goto fail;
	/* SIGINT is how a step is stopped cleanly (camp/proc.h): a servecal
	 * started in the background by a shell ignores it, and an ignored
	 * signal would stay ignored across execve. */
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	if (sigaction(SIGINT, &dfl, NULL) || sigaction(SIGTERM, &dfl, NULL))
		goto fail;
	f.stage = STAGE_REDIRECT;
	int in = open("/dev/null", O_RDONLY);
	if (in < 0 || dup2(in, 0) < 0)
		goto fail;
	if (in > 2)
		close(in);
	if ((o->out_fd >= 0 && dup2(o->out_fd, 1) < 0) ||
	    (o->err_fd >= 0 && dup2(o->err_fd, 2) < 0))
		goto fail;
	f.stage = STAGE_CHDIR;
	if (o->cwd && o->cwd[0] && chdir(o->cwd))
		goto fail;
	f.stage = STAGE_EXEC;
	execve(o->argv[0], o->argv, o->envp ? o->envp : environ);
fail:
	f.err = errno;
	if (write(report_fd, &f, sizeof f) < 0) {
		/* nothing more to do: the exit status says it failed */
	}
	_exit(127);
}

int child_spawn(const struct child_opts *o, pid_t *pid, struct sc_err *e)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC))
		return sc_err_set(e, SC_ERUNTIME, "pipe: %s", strerror(errno));
	pid_t parent = getpid();
	pid_t p = fork();
	if (p < 0) {
		int err = errno;
		close(fds[0]);
		close(fds[1]);
		return sc_err_set(e, SC_ERUNTIME, "cannot start %s: fork: %s",
				  o->argv[0], strerror(err));
	}
	if (p == 0) {
		close(fds[0]);
		in_child(o, parent, fds[1]);
	}
	close(fds[1]);
	/* Also here, so the group exists before we may signal it. */
	if (o->own_group)
		setpgid(p, p);
	struct spawn_failure f;
	ssize_t n;
	do
		n = read(fds[0], &f, sizeof f);
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n == (ssize_t)sizeof f) {
		int st;
		while (waitpid(p, &st, 0) < 0 && errno == EINTR)
			;
		if (f.stage == STAGE_CHDIR)
			return sc_err_set(e, SC_ERUNTIME,
					  "cannot start %s: cannot change "
					  "directory to %s: %s",
					  o->argv[0], o->cwd, strerror(f.err));
		return sc_err_set(e, SC_ERUNTIME, "cannot %s %s: %s",
				  stage_names[f.stage], o->argv[0],
				  strerror(f.err));
	}
	*pid = p;
	return SC_OK;
}

int child_open_log(const char *path, struct sc_err *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		sc_err_set(e, SC_ERUNTIME, "%s: cannot create: %s", path,
			   strerror(errno));
	return fd;
}

void child_signal(pid_t pid, bool own_group, int sig)
{
	if (pid <= 0)
		return;
	if (!own_group || kill(-pid, sig))
		kill(pid, sig);
}

void child_status_text(int wstatus, char *buf, size_t len)
{
	if (WIFEXITED(wstatus))
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(wstatus));
	else if (WIFSIGNALED(wstatus))
		snprintf(buf, len, "was killed by signal %d (%s)",
			 WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	else
		snprintf(buf, len, "ended with wait status %#x", wstatus);
}
