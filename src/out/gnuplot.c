/* Runs gnuplot without a shell: posix_spawnp with the chart directory as
 * working directory (no copy of a large parent's memory, unlike fork), with
 * stderr on a pipe read under a deadline so a stuck gnuplot cannot hang
 * servecal. */
#include "out/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

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
		sc_err_prefix(e, "plot template (set SERVECAL_PLOTS to the "
				 "plots/ directory)");
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

int gnuplot_run(const char *dir, const char *script, double timeout_s,
		char *log, size_t log_len, struct sc_err *e)
{
	int errp[2] = {-1, -1};
	int rc = SC_OK;
	char buf[GNUPLOT_LOG_MAX + 1];
	size_t used = 0;
	pid_t pid = -1;
	posix_spawn_file_actions_t fa;
	bool fa_init = false;
	if (log_len)
		log[0] = '\0';
	if (access(dir, X_OK) != 0) {
		rc = sc_err_set(e, SC_ERUNTIME, "gnuplot: cannot enter %s: %s",
				dir, strerror(errno));
		goto out;
	}
	if (pipe2(errp, O_CLOEXEC)) {
		rc = sc_err_set(e, SC_ERUNTIME, "gnuplot: pipe: %s",
				strerror(errno));
		goto out;
	}
	char *argv[] = {(char *)gnuplot_program(), (char *)script, NULL};
	int err = posix_spawn_file_actions_init(&fa);
	fa_init = err == 0;
	if (!err)
		err = posix_spawn_file_actions_addopen(
		    &fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_addopen(
		    &fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (!err)
		err = posix_spawn_file_actions_adddup2(&fa, errp[1],
						       STDERR_FILENO);
	if (!err)
		err = posix_spawn_file_actions_addchdir_np(&fa, dir);
	if (err) {
		rc = sc_err_set(e, SC_ERUNTIME, "gnuplot: spawn setup: %s",
				strerror(err));
		goto out;
	}
	/* glibc reports a failed exec (e.g. not found) here, synchronously. */
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	if (err) {
		pid = -1;
		if (err == ENOENT)
			rc = sc_err_set(
			    e, SC_ERUNTIME,
			    "gnuplot not found ('%s' is not on PATH): install "
			    "gnuplot (Debian: apt-get install gnuplot-nox) or "
			    "set SERVECAL_GNUPLOT",
			    gnuplot_program());
		else
			rc = sc_err_set(e, SC_ERUNTIME,
					"cannot run '%s' in %s: %s",
					gnuplot_program(), dir, strerror(err));
		goto out;
	}
	close(errp[1]);
	errp[1] = -1;

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
	if (log_len)
		snprintf(log, log_len, "%s", buf);
	if (timed_out) {
		rc = sc_err_set(
		    e, SC_ERUNTIME,
		    "gnuplot %s: killed after %g s without finishing", script,
		    timeout_s);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char first[512];
		first_error(buf, first, sizeof first);
		if (WIFEXITED(status))
			rc = sc_err_set(e, SC_ERUNTIME,
					"gnuplot %s/%s: exit status %d: %s",
					dir, script, WEXITSTATUS(status),
					first[0] ? first : "no message");
		else
			rc = sc_err_set(e, SC_ERUNTIME,
					"gnuplot %s/%s: killed by signal %d",
					dir, script, WTERMSIG(status));
	}
out:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++)
		if (errp[i] >= 0)
			close(errp[i]);
	return rc;
}

int gnuplot_version(char *buf, size_t len, struct sc_err *e)
{
	char dir[] = "/tmp/scgpver.XXXXXX";
	if (!mkdtemp(dir))
		return sc_err_set(e, SC_ERUNTIME, "gnuplot version: %s",
				  strerror(errno));
	char path[64], log[256];
	snprintf(path, sizeof path, "%s/v.gp", dir);
	FILE *f = fopen(path, "w");
	int rc = SC_ERUNTIME;
	if (f) {
		/* print writes to stderr, which gnuplot_run captures. */
		fputs("print sprintf('%.1f patchlevel %s', GPVAL_VERSION, "
		      "GPVAL_PATCHLEVEL)\n",
		      f);
		fclose(f);
		rc = gnuplot_run(dir, "v.gp", 10.0, log, sizeof log, e);
	}
	if (rc == SC_OK)
		snprintf(buf, len, "%.*s", (int)strcspn(log, "\n"), log);
	unlink(path);
	rmdir(dir);
	return rc;
}
