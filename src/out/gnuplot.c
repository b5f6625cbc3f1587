/* Runs gnuplot without a shell: fork, chdir, execvp, with stderr on a pipe
 * read under a deadline so a stuck gnuplot cannot hang servecal. */
#include "out/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

/* Exit status the child uses when exec fails, with errno on the pipe. */
#define CHILD_EXEC_FAILED 127
#define TEMPLATE_MAX_BYTES (1u << 20)

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *gnuplot_template_dir(void)
{
	const char *env = getenv("SERVECAL_PLOTS");
	if (env && *env)
		return env;
	if (is_dir(SC_SRCDIR "/plots"))
		return SC_SRCDIR "/plots";
	return SC_PKGDATADIR "/plots";
}

char *gnuplot_template_load(const char *name, struct sc_err *e)
{
	char *path = xasprintf("%s/%s", gnuplot_template_dir(), name);
	size_t len;
	char *text = jsonio_read_text(path, TEMPLATE_MAX_BYTES, &len, e);
	if (!text)
		sc_err_prefix(e, "plot template (set SERVECAL_PLOTS to the plots/ directory)");
	free(path);
	return text;
}

const char *gnuplot_program(void)
{
	const char *env = getenv("SERVECAL_GNUPLOT");
	return env && *env ? env : "gnuplot";
}

static bool executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

bool gnuplot_available(void)
{
	const char *prog = gnuplot_program();
	if (strchr(prog, '/'))
		return executable(prog);
	const char *path = getenv("PATH");
	if (!path)
		return false;
	bool found = false;
	char *copy = xstrdup(path), *save = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *d ? d : ".", prog);
		found = executable(full);
		free(full);
	}
	free(copy);
	return found;
}

/* The line of gnuplot's error output that names the script line and the
 * problem ("x.gp" line 12: undefined variable: foo), else the last
 * non-empty line. */
static void first_error(const char *log, char *out, size_t n)
{
	const char *best = NULL, *last = NULL;
	for (const char *p = log; *p;) {
		size_t len = strcspn(p, "\n");
		const char *hit = strstr(p, "\" line ");
		if (len && hit && hit < p + len && !best)
			best = p;
		if (len && strspn(p, " ^\t") < len)
			last = p;
		p += len;
		if (*p == '\n')
			p++;
	}
	const char *s = best ? best : last;
	if (!s) {
		out[0] = '\0';
		return;
	}
	snprintf(out, n, "%.*s", (int)strcspn(s, "\n"), s);
}

static void child(const char *dir, const char *script, int errfd, int statfd)
{
	int nullfd = open("/dev/null", O_RDWR);
	if (nullfd >= 0) {
		dup2(nullfd, STDIN_FILENO);
		dup2(nullfd, STDOUT_FILENO);
	}
	dup2(errfd, STDERR_FILENO);
	if (chdir(dir) != 0) {
		int err = errno;
		(void)!write(statfd, &err, sizeof err);
		_exit(CHILD_EXEC_FAILED);
	}
	char *argv[] = {(char *)gnuplot_program(), (char *)script, NULL};
	execvp(argv[0], argv);
	int err = errno;
	(void)!write(statfd, &err, sizeof err);
	_exit(CHILD_EXEC_FAILED);
}

int gnuplot_run(const char *dir, const char *script, double timeout_s,
		char *log, size_t log_len, struct sc_err *e)
{
	int errp[2] = {-1, -1}, statp[2] = {-1, -1};
	int rc = SC_OK;
	char buf[GNUPLOT_LOG_MAX + 1];
	size_t used = 0;
	pid_t pid = -1;
	if (log_len)
		log[0] = '\0';
	if (pipe2(errp, O_CLOEXEC) || pipe2(statp, O_CLOEXEC)) {
		rc = sc_err_set(e, SC_ERUNTIME, "gnuplot: pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = sc_err_set(e, SC_ERUNTIME, "gnuplot: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child(dir, script, errp[1], statp[1]);
	close(errp[1]);
	close(statp[1]);
	errp[1] = statp[1] = -1;

	double deadline = (double)clock_mono_ns() / 1e9 + timeout_s;
	bool timed_out = false;
	for (;;) {
		double left = deadline - (double)clock_mono_ns() / 1e9;
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pf = {errp[0], POLLIN, 0};
		int n = poll(&pf, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		char chunk[1024];
		ssize_t got = read(errp[0], chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		size_t keep = (size_t)got;
		if (keep > GNUPLOT_LOG_MAX - used)
			keep = GNUPLOT_LOG_MAX - used;
		memcpy(buf + used, chunk, keep);
		used += keep;
	}
	buf[used] = '\0';
	if (timed_out)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int exec_err = 0;
	bool exec_failed = read(statp[0], &exec_err, sizeof exec_err) ==
			   (ssize_t)sizeof exec_err;
	if (log_len)
		snprintf(log, log_len, "%s", buf);
	if (exec_failed) {
		if (exec_err == ENOENT)
			rc = sc_err_set(e, SC_ERUNTIME,
					"gnuplot not found ('%s' is not on PATH): install gnuplot (Debian: apt-get install gnuplot-nox) or set SERVECAL_GNUPLOT",
					gnuplot_program());
		else
			rc = sc_err_set(e, SC_ERUNTIME, "cannot run '%s' in %s: %s",
					gnuplot_program(), dir, strerror(exec_err));
	} else if (timed_out) {
		rc = sc_err_set(e, SC_ERUNTIME,
				"gnuplot %s: killed after %.0f s without finishing",
				script, timeout_s);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char first[512];
		first_error(buf, first, sizeof first);
		if (WIFEXITED(status))
			rc = sc_err_set(e, SC_ERUNTIME,
					"gnuplot %s/%s: exit status %d: %s", dir,
					script, WEXITSTATUS(status),
					first[0] ? first : "no message");
		else
			rc = sc_err_set(e, SC_ERUNTIME,
					"gnuplot %s/%s: killed by signal %d", dir,
					script, WTERMSIG(status));
	}
out:
	for (int i = 0; i < 2; i++) {
		if (errp[i] >= 0)
			close(errp[i]);
		if (statp[i] >= 0)
			close(statp[i]);
	}
	return rc;
}
