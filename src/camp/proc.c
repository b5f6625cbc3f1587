/* Child processes: run to completion, or serve in the background. */
#include "camp/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

extern char **environ;

#define POLL_MS 50

int proc_self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int spawn(pid_t *pid, char *const argv[], int out_fd,
		 const char *out_path, const char *err_path, struct sc_err *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	else if (out_path)
		posix_spawn_file_actions_addopen(&fa, 1, out_path,
						 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (err_path)
		posix_spawn_file_actions_addopen(&fa, 2, err_path,
						 O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int rc = posix_spawn(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return sc_err_set(e, SC_ERUNTIME, "cannot start %s: %s", argv[0],
				  strerror(rc));
	return SC_OK;
}

static int status_of(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

int proc_run(char *const argv[], const char *out_path, const char *err_path,
	     double timeout_s, volatile sig_atomic_t *stop, struct sc_err *e)
{
	pid_t pid;
	int rc = spawn(&pid, argv, -1, out_path, err_path, e);
	if (rc)
		return rc;
	int64_t t0 = clock_mono_ns();
	bool killed = false;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return status_of(st);
		if (r < 0 && errno != EINTR)
			return sc_err_set(e, SC_ERUNTIME, "waitpid: %s",
					  strerror(errno));
		double el = (double)(clock_mono_ns() - t0) * 1e-9;
		if (!killed && ((timeout_s > 0 && el > timeout_s) ||
				(stop && *stop))) {
			/* SIGINT first: servecal commands stop cleanly on it
			 * and keep what they measured. */
			kill(pid, SIGINT);
			killed = true;
			t0 = clock_mono_ns();
			timeout_s = 10;
			stop = NULL;
		} else if (killed && el > timeout_s) {
			kill(pid, SIGKILL);
		}
		struct timespec ts = {0, POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static void tail_of(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, n > (long)len - 1 ? n - ((long)len - 1) : 0, SEEK_SET);
	size_t got = fread(buf, 1, len - 1, f);
	buf[got] = '\0';
	fclose(f);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

int proc_server_start(struct proc_server *s, char *const argv[],
		      const char *err_path, double wait_s, struct sc_err *e)
{
	int fds[2];
	memset(s, 0, sizeof *s);
	s->pid = -1;
	if (pipe(fds))
		return sc_err_set(e, SC_ERUNTIME, "pipe: %s", strerror(errno));
	int rc = spawn(&s->pid, argv, fds[1], NULL, err_path, e);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return rc;
	}
	char line[256];
	size_t n = 0;
	int64_t t0 = clock_mono_ns();
	while (n + 1 < sizeof line) {
		double left = wait_s - (double)(clock_mono_ns() - t0) * 1e-9;
		struct pollfd p = {fds[0], POLLIN, 0};
		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			break;
		ssize_t r = read(fds[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(fds[0]); /* later output goes nowhere: the server writes little */
	if (strncmp(line, "http://", 7) != 0) {
		char tail[300];
		proc_server_stop(s, 2);
		tail_of(err_path, tail, sizeof tail);
		return sc_err_set(e, SC_ERUNTIME,
				  "%s did not print its URL within %.0f s%s%s", argv[0],
				  wait_s, tail[0] ? ": " : "", tail);
	}
	snprintf(s->url, sizeof s->url, "%s", line);
	return SC_OK;
}

void proc_server_stop(struct proc_server *s, double grace_s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	int64_t t0 = clock_mono_ns();
	for (;;) {
		int st;
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r == s->pid || (r < 0 && errno != EINTR))
			break;
		if ((double)(clock_mono_ns() - t0) * 1e-9 > grace_s) {
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &st, 0);
			break;
		}
		struct timespec ts = {0, POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
	s->pid = -1;
}
