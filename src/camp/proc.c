/* Child processes: run to completion, or serve in the background. */
#include "camp/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "camp/child.h"
#include "util/clock.h"

#define POLL_MS 50

int proc_self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
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
	return proc_run_watch(argv, out_path, err_path, timeout_s, stop, NULL,
			      NULL, e);
}

int proc_run_watch(char *const argv[], const char *out_path,
		   const char *err_path, double timeout_s,
		   volatile sig_atomic_t *stop, bool (*gone)(void *ud),
		   void *ud, struct sc_err *e)
{
	struct child_opts o = {.argv = argv, .out_fd = -1, .err_fd = -1};
	pid_t pid;
	int rc = SC_OK;
	if ((out_path && (o.out_fd = child_open_log(out_path, e)) < 0) ||
	    (err_path && (o.err_fd = child_open_log(err_path, e)) < 0)) {
		rc = SC_ERUNTIME;
		goto out;
	}
	if ((rc = child_spawn(&o, &pid, e)))
		goto out;
	int64_t t0 = clock_mono_ns();
	bool killed = false;
	for (;;) {
		int st;
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			rc = status_of(st);
			break;
		}
		if (r < 0 && errno != EINTR) {
			rc = sc_err_set(e, SC_ERUNTIME, "waitpid: %s",
					strerror(errno));
			break;
		}
		double el = (double)(clock_mono_ns() - t0) * 1e-9;
		if (!killed && ((timeout_s > 0 && el > timeout_s) ||
				(stop && *stop) || (gone && gone(ud)))) {
			/* SIGINT first: servecal commands stop cleanly on it
			 * and keep what they measured. */
			kill(pid, SIGINT);
			killed = true;
			t0 = clock_mono_ns();
			timeout_s = 10;
		} else if (killed && el > timeout_s) {
			kill(pid, SIGKILL);
		}
		struct timespec ts = {0, POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
out:
	if (o.out_fd >= 0)
		close(o.out_fd);
	if (o.err_fd >= 0)
		close(o.err_fd);
	return rc;
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
	if (pipe2(fds, O_CLOEXEC))
		return sc_err_set(e, SC_ERUNTIME, "pipe: %s", strerror(errno));
	struct child_opts o = {
	    .argv = argv, .out_fd = fds[1], .err_fd = -1, .own_group = true};
	int rc = SC_OK;
	if (err_path && (o.err_fd = child_open_log(err_path, e)) < 0)
		rc = SC_ERUNTIME;
	if (rc == SC_OK)
		rc = child_spawn(&o, &s->pid, e);
	close(fds[1]);
	if (o.err_fd >= 0)
		close(o.err_fd);
	if (rc) {
		s->pid = -1;
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
				  "%s did not print its URL within %.0f s%s%s",
				  argv[0], wait_s, tail[0] ? ": " : "", tail);
	}
	snprintf(s->url, sizeof s->url, "%s", line);
	return SC_OK;
}

void proc_server_stop(struct proc_server *s, double grace_s)
{
	if (s->pid <= 0)
		return;
	child_signal(s->pid, true, SIGTERM);
	int64_t t0 = clock_mono_ns();
	for (;;) {
		int st;
		pid_t r = waitpid(s->pid, &st, WNOHANG);
		if (r == s->pid || (r < 0 && errno != EINTR))
			break;
		if ((double)(clock_mono_ns() - t0) * 1e-9 > grace_s) {
			child_signal(s->pid, true, SIGKILL);
			waitpid(s->pid, &st, 0);
			break;
		}
		struct timespec ts = {0, POLL_MS * 1000000L};
		nanosleep(&ts, NULL);
	}
	s->pid = -1;
}
