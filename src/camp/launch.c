/* Launched deployments: a server command started on a free loopback port,
 * probed until healthy, and stopped with its whole process group. */
#include "camp/launch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "camp/child.h"
#include "camp/health.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

extern char **environ;

/* Health probes: one every PROBE_GAP_MS, each allowed PROBE_TIMEOUT_MS (a
 * loading server may accept the connection and answer late). */
#define PROBE_GAP_MS	 100
#define PROBE_TIMEOUT_MS 1000
#define STOP_POLL_MS	 20
/* How much of a log's end is read for an error message. */
#define TAIL_BYTES 4096
#define TAIL_LINES 3

#define READY_MIN_S 1.0
#define READY_MAX_S 3600.0
#define GRACE_MAX_S 600.0

static const char *const launch_keys[] = {
    "command", "env", "health", "ready_timeout_s", "stop_grace_s", "cwd", NULL};

/* base/rel made absolute (realpath when it exists) into a heap string. */
static char *resolve(const char *base, const char *rel)
{
	char *p = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", base, rel);
	char *abs = realpath(p, NULL);
	if (abs) {
		free(p);
		return abs;
	}
	return p;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

/* argv[0]: a path when it has a '/', else searched in $PATH as execvp
 * would; NULL when there is no executable file. */
static char *find_program(const char *base, const char *name)
{
	if (strchr(name, '/')) {
		/* The directory is resolved, the file name kept: a multi-call
		 * program (busybox) acts by the name it is started as. */
		char *joined = name[0] == '/' ? xstrdup(name)
					      : xasprintf("%s/%s", base, name);
		char *slash = strrchr(joined, '/');
		*slash = '\0';
		char *dir = realpath(joined[0] ? joined : "/", NULL);
		char *p = dir ? xasprintf("%s/%s", strcmp(dir, "/") ? dir : "",
					  slash + 1)
			      : xasprintf("%s/%s", joined, slash + 1);
		free(dir);
		free(joined);
		if (is_executable_file(p))
			return p;
		free(p);
		return NULL;
	}
	const char *path = getenv("PATH");
	char *copy =
	    xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	char *found = NULL, *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", *dir ? dir : ".", name);
		if (is_executable_file(p))
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

/* A relative argument that is not an option and names an existing file
 * beside the campaign file is made absolute, so the command works from any
 * directory; everything else is passed as written. */
static char *resolve_arg(const char *base, const char *arg)
{
	if (!arg[0] || arg[0] == '-' || arg[0] == '/' || strchr(arg, '{'))
		return xstrdup(arg);
	char *p = xasprintf("%s/%s", base, arg);
	struct stat st;
	char *abs = stat(p, &st) == 0 ? realpath(p, NULL) : NULL;
	free(p);
	return abs ? abs : xstrdup(arg);
}

static bool env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
	      *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int parse_command(const cJSON *j, const char *where, const char *base,
			 struct launch_spec *s, struct sc_err *e)
{
	const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(j, "command");
	if (!cmd)
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'command': missing (a list: "
				  "program, then its arguments)",
				  where);
	int n = cJSON_GetArraySize(cmd);
	if (!cJSON_IsArray(cmd) || n < 1 || n > LAUNCH_MAX_ARGS)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'command': must be a list of 1 to %d strings "
		    "(program, then its arguments; no shell)",
		    where, LAUNCH_MAX_ARGS);
	s->argv = xcalloc((size_t)n + 1, sizeof *s->argv);
	const cJSON *it;
	cJSON_ArrayForEach(it, cmd)
	{
		if (!cJSON_IsString(it) || !it->valuestring)
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'command': entry %zu must be a string",
			    where, s->argc);
		if (s->argc == 0) {
			if (!it->valuestring[0])
				return sc_err_set(e, SC_EINPUT,
						  "%s: field 'command': the "
						  "program must not be empty",
						  where);
			s->argv[0] = find_program(base, it->valuestring);
			if (!s->argv[0])
				return sc_err_set(
				    e, SC_EINPUT,
				    "%s: field 'command': program '%s' is not "
				    "an executable file (%s)",
				    where, it->valuestring,
				    strchr(it->valuestring, '/')
					? "relative paths start at the "
					  "campaign file's directory"
					: "looked up in $PATH");
		} else {
			s->argv[s->argc] = resolve_arg(base, it->valuestring);
		}
		s->argc++;
	}
	return SC_OK;
}

int launch_env_from_json(const cJSON *j, const char *where, bool one_line,
			 char ***env_out, size_t *n_out, struct sc_err *e)
{
	const cJSON *env;
	int rc = jsonio_obj(j, "env", false, &env, where, e);
	if (rc || !env)
		return rc;
	int n = cJSON_GetArraySize(env);
	if (n > LAUNCH_MAX_ENV)
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: field 'env': at most %d variables, got %d", where,
		    LAUNCH_MAX_ENV, n);
	*env_out = xcalloc((size_t)n + 1, sizeof **env_out);
	const cJSON *it;
	cJSON_ArrayForEach(it, env)
	{
		if (!env_name_ok(it->string))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'env': '%s' is not a variable name "
			    "(letters, digits, '_'; not first a digit)",
			    where, it->string);
		if (!cJSON_IsString(it) || !it->valuestring ||
		    (one_line && strchr(it->valuestring, '\n')))
			return sc_err_set(
			    e, SC_EINPUT,
			    "%s: field 'env': '%s' must be a%s string", where,
			    it->string, one_line ? " one-line" : "");
		(*env_out)[(*n_out)++] =
		    xasprintf("%s=%s", it->string, it->valuestring);
	}
	return SC_OK;
}

static int parse_range(const cJSON *j, const char *key, double def, double lo,
		       double hi, double *out, const char *where,
		       struct sc_err *e)
{
	int rc = jsonio_num(j, key, false, def, out, where, e);
	if (rc == SC_OK && (*out < lo || *out > hi))
		rc = sc_err_set(
		    e, SC_EINPUT,
		    "%s: field '%s': must be in [%g, %g] seconds, got %g",
		    where, key, lo, hi, *out);
	return rc;
}

int launch_spec_from_json(const cJSON *j, const char *where, const char *base,
			  struct launch_spec *s, struct sc_err *e)
{
	memset(s, 0, sizeof *s);
	if (!cJSON_IsObject(j))
		return sc_err_set(
		    e, SC_EINPUT,
		    "%s: must be an object: {\"command\": [...], ...}", where);
	const char *health, *cwd;
	int rc;
	if ((rc = jsonio_known_keys(j, launch_keys, where, e)) ||
	    (rc = parse_command(j, where, base, s, e)) ||
	    (rc = launch_env_from_json(j, where, false, &s->env, &s->n_env,
				       e)) ||
	    (rc = jsonio_str(j, "health", false, "/health", &health, where,
			     e)) ||
	    (rc = parse_range(j, "ready_timeout_s", 60, READY_MIN_S,
			      READY_MAX_S, &s->ready_timeout_s, where, e)) ||
	    (rc = parse_range(j, "stop_grace_s", 10, 0, GRACE_MAX_S,
			      &s->stop_grace_s, where, e)) ||
	    (rc = jsonio_str(j, "cwd", false, NULL, &cwd, where, e)))
		return rc;
	if (health[0] != '/' || strlen(health) >= sizeof s->health ||
	    strpbrk(health, " \t\r\n"))
		return sc_err_set(e, SC_EINPUT,
				  "%s: field 'health': must be a path starting "
				  "with '/' (no spaces), got '%s'",
				  where, health);
	snprintf(s->health, sizeof s->health, "%s", health);
	if (cwd) {
		char *p = resolve(base, cwd);
		struct stat st;
		bool ok = stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
			  strlen(p) < sizeof s->cwd;
		if (ok)
			snprintf(s->cwd, sizeof s->cwd, "%s", p);
		free(p);
		if (!ok)
			return sc_err_set(e, SC_EINPUT,
					  "%s: field 'cwd': '%s' is not a "
					  "directory (relative paths start at "
					  "the campaign file's directory)",
					  where, cwd);
	}
	return SC_OK;
}

void launch_spec_release(struct launch_spec *s)
{
	for (size_t i = 0; s->argv && i < s->argc; i++)
		free(s->argv[i]);
	for (size_t i = 0; s->env && i < s->n_env; i++)
		free(s->env[i]);
	free(s->argv);
	free(s->env);
	s->argv = s->env = NULL;
	s->argc = s->n_env = 0;
}

char *launch_expand(const char *arg, const char *host, int port)
{
	static const char kport[] = "{port}", khost[] = "{host}";
	char num[16];
	snprintf(num, sizeof num, "%d", port);
	size_t cap = strlen(arg) + 1, n = 0;
	for (const char *p = arg; (p = strchr(p, '{')); p++)
		cap += strlen(host) + sizeof num;
	char *out = xmalloc(cap);
	for (const char *p = arg; *p;) {
		const char *with = NULL;
		size_t skip = 0;
		if (!strncmp(p, kport, sizeof kport - 1))
			with = num, skip = sizeof kport - 1;
		else if (!strncmp(p, khost, sizeof khost - 1))
			with = host, skip = sizeof khost - 1;
		if (with) {
			memcpy(out + n, with, strlen(with));
			n += strlen(with);
			p += skip;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
	return out;
}

int launch_free_port(struct sc_err *e)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		sc_err_set(e, SC_ERUNTIME, "socket: %s", strerror(errno));
		return -1;
	}
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	else
		sc_err_set(e, SC_ERUNTIME,
			   "cannot find a free loopback port: %s",
			   strerror(errno));
	close(fd);
	return port;
}

/* environ with s->env laid over it ("{port}"/"{host}" expanded in values).
 * Entries are heap strings; free with free_strv. */
static char **build_env(const struct launch_spec *s, int port)
{
	size_t n = 0;
	while (environ[n])
		n++;
	char **out = xcalloc(n + s->n_env + 1, sizeof *out);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		bool replaced = false;
		for (size_t j = 0; j < s->n_env && !replaced; j++) {
			size_t kl = strcspn(s->env[j], "=") + 1;
			replaced = !strncmp(environ[i], s->env[j], kl);
		}
		if (!replaced)
			out[k++] = xstrdup(environ[i]);
	}
	for (size_t j = 0; j < s->n_env; j++)
		out[k++] = launch_expand(s->env[j], LAUNCH_HOST, port);
	return out;
}

static void free_strv(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static const char *prog_name(const struct launch_spec *s)
{
	const char *slash = strrchr(s->argv[0], '/');
	return slash ? slash + 1 : s->argv[0];
}

int launch_start(struct launch *l, const struct launch_spec *s,
		 const char *out_path, const char *err_path,
		 volatile sig_atomic_t *stop, struct sc_err *e)
{
	memset(l, 0, sizeof *l);
	l->pid = -1;
	snprintf(l->out_path, sizeof l->out_path, "%s", out_path);
	snprintf(l->err_path, sizeof l->err_path, "%s", err_path);
	l->port = launch_free_port(e);
	if (l->port < 0)
		return SC_ERUNTIME;
	snprintf(l->url, sizeof l->url, "http://%s:%d", LAUNCH_HOST, l->port);
	char **argv = xcalloc(s->argc + 1, sizeof *argv);
	for (size_t i = 0; i < s->argc; i++)
		argv[i] = launch_expand(s->argv[i], LAUNCH_HOST, l->port);
	char **envp = build_env(s, l->port);
	struct child_opts o = {.argv = argv,
			       .envp = envp,
			       .cwd = s->cwd,
			       .out_fd = -1,
			       .err_fd = -1,
			       .own_group = true};
	char probe[sizeof l->url + sizeof s->health];
	snprintf(probe, sizeof probe, "%s%s", l->url, s->health);
	int rc;
	if ((o.out_fd = child_open_log(out_path, e)) < 0 ||
	    (o.err_fd = child_open_log(err_path, e)) < 0) {
		rc = SC_ERUNTIME;
		goto out;
	}
	if ((rc = child_spawn(&o, &l->pid, e)))
		goto out;
	int64_t t0 = clock_mono_ns();
	char last[200] = "no answer yet", tail[300], end[128];
	for (;;) {
		if (stop && *stop) {
			launch_stop(l, s->stop_grace_s);
			rc = sc_err_set(
			    e, SC_ERUNTIME,
			    "interrupted while waiting for %s to answer GET %s",
			    prog_name(s), probe);
			goto out;
		}
		if (!launch_running(l)) {
			launch_end_text(l, end, sizeof end);
			launch_log_tail(l, tail, sizeof tail);
			rc = sc_err_set(e, SC_ERUNTIME,
					"%s %s before GET %s answered 200%s%s",
					prog_name(s), end, probe,
					tail[0] ? "; log: " : "", tail);
			goto out;
		}
		double left_s =
		    s->ready_timeout_s - (double)(clock_mono_ns() - t0) * 1e-9;
		if (left_s <= 0) {
			launch_stop(l, s->stop_grace_s);
			launch_log_tail(l, tail, sizeof tail);
			rc = sc_err_set(e, SC_ERUNTIME,
					"%s did not answer 200 on GET %s "
					"within %g s (last: %s)%s%s",
					prog_name(s), probe, s->ready_timeout_s,
					last, tail[0] ? "; log: " : "", tail);
			goto out;
		}
		long timeout_ms = left_s * 1000 < PROBE_TIMEOUT_MS
				      ? (long)(left_s * 1000) + 1
				      : PROBE_TIMEOUT_MS;
		if (health_probe(probe, timeout_ms, last, sizeof last))
			break;
		sleep_ms(PROBE_GAP_MS);
	}
	rc = SC_OK;
out:
	if (o.out_fd >= 0)
		close(o.out_fd);
	if (o.err_fd >= 0)
		close(o.err_fd);
	free_strv(argv);
	free_strv(envp);
	return rc;
}

bool launch_running(struct launch *l)
{
	if (l->pid <= 0)
		return false;
	int st;
	pid_t r = waitpid(l->pid, &st, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return true;
	if (r == l->pid) {
		l->wstatus = st;
		l->exited = true;
	}
	/* What the server started of its own (its group) goes with it. */
	kill(-l->pid, SIGKILL);
	l->pid = -1;
	return false;
}

void launch_stop(struct launch *l, double grace_s)
{
	if (!launch_running(l))
		return;
	child_signal(l->pid, true, SIGTERM);
	int64_t t0 = clock_mono_ns();
	while (launch_running(l)) {
		if ((double)(clock_mono_ns() - t0) * 1e-9 >= grace_s) {
			child_signal(l->pid, true, SIGKILL);
			int st;
			pid_t r;
			while ((r = waitpid(l->pid, &st, 0)) < 0 &&
			       errno == EINTR)
				;
			if (r == l->pid) {
				l->wstatus = st;
				l->exited = true;
			}
			l->pid = -1;
			return;
		}
		sleep_ms(STOP_POLL_MS);
	}
}

/* The last TAIL_LINES non-empty lines of path joined with " | ". */
static void tail_lines(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char chunk[TAIL_BYTES + 1];
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, size > TAIL_BYTES ? size - TAIL_BYTES : 0, SEEK_SET);
	size_t n = fread(chunk, 1, TAIL_BYTES, f);
	fclose(f);
	chunk[n] = '\0';
	const char *lines[TAIL_LINES] = {0};
	size_t got = 0;
	for (char *save = NULL, *ln = strtok_r(chunk, "\r\n", &save); ln;
	     ln = strtok_r(NULL, "\r\n", &save)) {
		while (*ln == ' ' || *ln == '\t')
			ln++;
		if (!*ln)
			continue;
		if (got == TAIL_LINES)
			memmove(lines, lines + 1,
				(TAIL_LINES - 1) * sizeof *lines);
		lines[got < TAIL_LINES ? got++ : TAIL_LINES - 1] = ln;
	}
	/* Keep the end when it does not fit: the last line says most. */
	char all[3 * TAIL_BYTES];
	size_t k = 0;
	for (size_t i = 0; i < got; i++)
		k += (size_t)snprintf(all + k, sizeof all - k, "%s%s",
				      i ? " | " : "", lines[i]);
	const char *from = k >= len ? all + (k - (len - 4)) : all;
	snprintf(buf, len, "%s%s", from == all ? "" : "...", from);
}

void launch_log_tail(const struct launch *l, char *buf, size_t len)
{
	tail_lines(l->err_path, buf, len);
	if (!buf[0])
		tail_lines(l->out_path, buf, len);
}

void launch_end_text(const struct launch *l, char *buf, size_t len)
{
	if (l->exited)
		child_status_text(l->wstatus, buf, len);
	else
		snprintf(buf, len, "%s",
			 l->pid > 0 ? "is running" : "was not started");
}
