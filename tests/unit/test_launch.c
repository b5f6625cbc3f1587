/* Launched servers: placeholders, the launch object's validation and path
 * resolution, and the life of a real child: healthy, exiting before it is
 * healthy, never healthy, ignoring SIGTERM, its environment, and dying
 * with its parent. The stand-in server is this program run as
 * `test_launch stub MODE PORT` (a tiny HTTP server on 127.0.0.1 only). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "camp/launch.h"
#include "camp/proc.h"
#include "testutil.h"
#include "util/clock.h"

static char self[1024];

/* ---- the stand-in server ---- */

static int stub_main(const char *mode, int port)
{
	if (!strcmp(mode, "exit")) {
		fprintf(stderr,
			"stub: loading model\nstub: cannot load model\n");
		return 3;
	}
	if (!strcmp(mode, "noterm"))
		signal(SIGTERM, SIG_IGN);
	if (!strcmp(mode, "env")) {
		const char *v = getenv("SC_LAUNCH_VAR"),
			   *i = getenv("SC_LAUNCH_INHERITED");
		printf("SC_LAUNCH_VAR=%s\nSC_LAUNCH_INHERITED=%s\n",
		       v ? v : "(unset)", i ? i : "(unset)");
		fflush(stdout);
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
	if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 16)) {
		perror("stub: bind");
		return 4;
	}
	const char *reply =
	    strcmp(mode, "never")
		? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: "
		  "close\r\n\r\nok"
		: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: "
		  "7\r\nConnection: close\r\n\r\nloading";
	for (;;) {
		int c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		char buf[4096];
		if (read(c, buf, sizeof buf) > 0 &&
		    write(c, reply, strlen(reply)) < 0)
			perror("stub: write");
		close(c);
	}
}

/* ---- helpers ---- */

/* A launch spec for the stub in MODE, plus extra JSON members. */
static int stub_spec(const char *mode, const char *extra, const char *base,
		     struct launch_spec *s, struct sc_err *e)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "{\"command\": [\"%s\", \"stub\", \"%s\", \"{port}\"]%s%s}",
		 self, mode, extra ? ", " : "", extra ? extra : "");
	cJSON *j = cJSON_Parse(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	int rc = launch_spec_from_json(j, "c.json: deployments[0]: launch",
				       base, s, e);
	cJSON_Delete(j);
	return rc;
}

static void log_paths(const char *dir, char *out, char *err, size_t len)
{
	snprintf(out, len, "%s/srv.out", dir);
	snprintf(err, len, "%s/srv.err", dir);
}

static double since_s(int64_t t0)
{
	return (double)(clock_mono_ns() - t0) * 1e-9;
}

/* ---- tests ---- */

/* {port} and {host} are replaced everywhere in an argument; other braces
 * (JSON in an argument) are left alone. A wrong expansion would start the
 * server on a port nobody probes. */
static void test_expand(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"{port}", "8123"},
	    {"--port={port}", "--port=8123"},
	    {"http://{host}:{port}/v1", "http://127.0.0.1:8123/v1"},
	    {"{port}{port}", "81238123"},
	    {"{\"a\":1}", "{\"a\":1}"},
	    {"{{port}}", "{8123}"},
	    {"{Port}", "{Port}"},
	    {"", ""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = launch_expand(cases[i].in, "127.0.0.1", 8123);
		if (strcmp(got, cases[i].want))
			fprintf(stderr, "expand '%s': got '%s', want '%s'\n",
				cases[i].in, got, cases[i].want);
		CU_ASSERT_STRING_EQUAL(got, cases[i].want);
		free(got);
	}
}

/* Each bad launch object is refused naming the field and quoting the value,
 * so the user can fix the campaign file without reading code. */
static void test_spec_errors(void)
{
	static const struct {
		const char *json, *want;
	} bad[] = {
	    {"{}", "field 'command': missing"},
	    {"{\"command\": \"llama-server -m x\"}",
	     "field 'command': must be a list"},
	    {"{\"command\": []}", "field 'command': must be a list"},
	    {"{\"command\": [\"/nonexistent/srv\"]}",
	     "program '/nonexistent/srv' is not an executable file"},
	    {"{\"command\": [\"no-such-program-sc\"]}",
	     "'no-such-program-sc' is not an executable file (looked up in "
	     "$PATH)"},
	    {"{\"command\": [\"/bin/sh\", 3]}", "entry 1 must be a string"},
	    {"{\"command\": [\"/bin/sh\"], \"ready_timeout_s\": 0}",
	     "field 'ready_timeout_s': must be in [1, 3600] seconds, got 0"},
	    {"{\"command\": [\"/bin/sh\"], \"ready_timeout_s\": 4000}",
	     "got 4000"},
	    {"{\"command\": [\"/bin/sh\"], \"stop_grace_s\": -1}",
	     "field 'stop_grace_s': must be in [0, 600] seconds, got -1"},
	    {"{\"command\": [\"/bin/sh\"], \"env\": {\"1X\": \"v\"}}",
	     "field 'env': '1X' is not a variable name"},
	    {"{\"command\": [\"/bin/sh\"], \"env\": {\"X\": 1}}",
	     "field 'env': 'X' must be a string"},
	    {"{\"command\": [\"/bin/sh\"], \"env\": [\"X=1\"]}", "field 'env'"},
	    {"{\"command\": [\"/bin/sh\"], \"health\": \"health\"}",
	     "field 'health': must be a path starting with '/' (no spaces), "
	     "got 'health'"},
	    {"{\"command\": [\"/bin/sh\"], \"cwd\": \"no/such/dir\"}",
	     "field 'cwd': 'no/such/dir' is not a directory"},
	    {"{\"command\": [\"/bin/sh\"], \"port\": 8000}",
	     "unknown field 'port'"},
	    {"[\"/bin/sh\"]", "must be an object"},
	};
	char *dir = testutil_tmpdir();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cJSON *j = cJSON_Parse(bad[i].json);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		struct launch_spec s;
		struct sc_err e = {0};
		CU_ASSERT_EQUAL(
		    launch_spec_from_json(j, "c.json: deployments[1]: launch",
					  dir, &s, &e),
		    SC_EINPUT);
		bool ok = strstr(e.msg, "c.json: deployments[1]: launch") &&
			  strstr(e.msg, bad[i].want);
		if (!ok)
			fprintf(stderr, "case %zu: got '%s', want '%s'\n", i,
				e.msg, bad[i].want);
		CU_ASSERT(ok);
		launch_spec_release(&s);
		cJSON_Delete(j);
	}
	testutil_rmtree(dir);
	free(dir);
}

/* Relative programs, file arguments and cwd start at the campaign file's
 * directory; options, placeholders and words that are no file there are
 * passed as written; a bare program name is found in $PATH. Otherwise a
 * campaign would work only when run from its own directory. */
static void test_spec_paths(void)
{
	char *dir = testutil_tmpdir();
	char path[4200];
	snprintf(path, sizeof path, "%s/bin", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0755), 0);
	free(testutil_write(dir, "bin/srv", "#!/bin/sh\n"));
	snprintf(path, sizeof path, "%s/bin/srv", dir);
	chmod(path, 0755);
	free(testutil_write(dir, "model.gguf", "x"));
	const char *text = "{\"command\": [\"bin/srv\", \"-m\", "
			   "\"model.gguf\", \"--port\", \"{port}\","
			   " \"missing.gguf\", \"bin\"], \"cwd\": \"bin\", "
			   "\"env\": {\"A\": \"{port}\"}}";
	cJSON *j = cJSON_Parse(text);
	struct launch_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(launch_spec_from_json(j, "w", dir, &s, &e),
			      SC_OK);
	char *real = realpath(dir, NULL);
	char want[4200];
	CU_ASSERT_EQUAL(s.argc, 7);
	snprintf(want, sizeof want, "%s/bin/srv", real);
	CU_ASSERT_STRING_EQUAL(s.argv[0], want);
	CU_ASSERT_STRING_EQUAL(s.argv[1], "-m");
	snprintf(want, sizeof want, "%s/model.gguf", real);
	CU_ASSERT_STRING_EQUAL(s.argv[2], want);
	CU_ASSERT_STRING_EQUAL(s.argv[4], "{port}");
	CU_ASSERT_STRING_EQUAL(s.argv[5], "missing.gguf");
	snprintf(want, sizeof want, "%s/bin", real);
	CU_ASSERT_STRING_EQUAL(s.argv[6], want);
	CU_ASSERT_STRING_EQUAL(s.cwd, want);
	CU_ASSERT_PTR_NULL(s.argv[7]);
	CU_ASSERT_STRING_EQUAL(s.health, "/health");
	CU_ASSERT_DOUBLE_EQUAL(s.ready_timeout_s, 60, 0);
	CU_ASSERT_DOUBLE_EQUAL(s.stop_grace_s, 10, 0);
	CU_ASSERT_EQUAL(s.n_env, 1);
	CU_ASSERT_STRING_EQUAL(s.env[0], "A={port}");
	launch_spec_release(&s);
	cJSON_Delete(j);
	/* A symbolic link is started by its own name (busybox-style
	 * programs act by it), in a resolved directory. */
	snprintf(path, sizeof path, "%s/bin/alias", dir);
	CU_ASSERT_EQUAL_FATAL(symlink("srv", path), 0);
	j = cJSON_Parse("{\"command\": [\"bin/../bin/alias\"]}");
	CU_ASSERT_EQUAL_FATAL(launch_spec_from_json(j, "w", dir, &s, &e),
			      SC_OK);
	snprintf(want, sizeof want, "%s/bin/alias", real);
	CU_ASSERT_STRING_EQUAL(s.argv[0], want);
	launch_spec_release(&s);
	cJSON_Delete(j);
	j = cJSON_Parse("{\"command\": [\"sh\", \"-c\", \"true\"]}");
	CU_ASSERT_EQUAL_FATAL(launch_spec_from_json(j, "w", dir, &s, &e),
			      SC_OK);
	CU_ASSERT_EQUAL(s.argv[0][0], '/');
	CU_ASSERT_PTR_NOT_NULL(strstr(s.argv[0], "/sh"));
	launch_spec_release(&s);
	cJSON_Delete(j);
	free(real);
	testutil_rmtree(dir);
	free(dir);
}

/* A healthy server is reported ready at its URL, runs until stopped, and
 * SIGTERM ends it; afterwards it is reaped (no zombie, no stray server). */
static void test_healthy(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	log_paths(dir, out, err, sizeof out);
	struct launch_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    stub_spec("ok", "\"ready_timeout_s\": 10", dir, &s, &e), SC_OK);
	struct launch l;
	CU_ASSERT_EQUAL_FATAL(launch_start(&l, &s, out, err, NULL, &e), SC_OK);
	char want[64];
	snprintf(want, sizeof want, "http://127.0.0.1:%d", l.port);
	CU_ASSERT_STRING_EQUAL(l.url, want);
	CU_ASSERT_TRUE(launch_running(&l));
	pid_t pid = l.pid;
	CU_ASSERT_EQUAL(getpgid(pid), pid); /* leads its own group */
	launch_stop(&l, 5);
	CU_ASSERT_FALSE(launch_running(&l));
	CU_ASSERT_TRUE(l.exited);
	CU_ASSERT_TRUE(WIFSIGNALED(l.wstatus) &&
		       WTERMSIG(l.wstatus) == SIGTERM);
	CU_ASSERT_EQUAL(kill(pid, 0), -1);
	launch_spec_release(&s);
	testutil_rmtree(dir);
	free(dir);
}

/* A server that exits before it is healthy fails at once (not after the
 * whole timeout) with its exit status and the last lines of its log. */
static void test_exits_early(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	log_paths(dir, out, err, sizeof out);
	struct launch_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    stub_spec("exit", "\"ready_timeout_s\": 30", dir, &s, &e), SC_OK);
	struct launch l;
	int64_t t0 = clock_mono_ns();
	CU_ASSERT_EQUAL(launch_start(&l, &s, out, err, NULL, &e), SC_ERUNTIME);
	CU_ASSERT(since_s(t0) < 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "exited with status 3"));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "stub: loading model | stub: cannot load model"));
	CU_ASSERT_EQUAL(l.pid, -1);
	/* A program that cannot be executed at all says so. */
	free(s.argv[0]);
	s.argv[0] = strdup("/nonexistent/server");
	CU_ASSERT_EQUAL(launch_start(&l, &s, out, err, NULL, &e), SC_ERUNTIME);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/server"));
	launch_spec_release(&s);
	testutil_rmtree(dir);
	free(dir);
}

/* A server that never answers 200 fails after ready_timeout_s, saying what
 * the health URL last answered, and is stopped; a stop request (Ctrl-C)
 * ends the wait early. */
static void test_never_healthy(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	log_paths(dir, out, err, sizeof out);
	struct launch_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    stub_spec("never", "\"ready_timeout_s\": 1, \"stop_grace_s\": 2",
		      dir, &s, &e),
	    SC_OK);
	struct launch l;
	int64_t t0 = clock_mono_ns();
	CU_ASSERT_EQUAL(launch_start(&l, &s, out, err, NULL, &e), SC_ERUNTIME);
	double el = since_s(t0);
	CU_ASSERT(el >= 1 && el < 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "did not answer 200"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "within 1 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "HTTP 503"));
	CU_ASSERT_EQUAL(l.pid, -1);
	volatile sig_atomic_t stop = 1;
	t0 = clock_mono_ns();
	CU_ASSERT_EQUAL(launch_start(&l, &s, out, err, &stop, &e), SC_ERUNTIME);
	CU_ASSERT(since_s(t0) < 4);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "interrupted"));
	CU_ASSERT_EQUAL(l.pid, -1);
	launch_spec_release(&s);
	testutil_rmtree(dir);
	free(dir);
}

/* A server that ignores SIGTERM gets SIGKILL after the grace period, so a
 * campaign never hangs on a server that will not stop. */
static void test_ignores_sigterm(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	log_paths(dir, out, err, sizeof out);
	struct launch_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    stub_spec("noterm", "\"stop_grace_s\": 0.3", dir, &s, &e), SC_OK);
	struct launch l;
	CU_ASSERT_EQUAL_FATAL(launch_start(&l, &s, out, err, NULL, &e), SC_OK);
	pid_t pid = l.pid;
	int64_t t0 = clock_mono_ns();
	launch_stop(&l, s.stop_grace_s);
	double el = since_s(t0);
	CU_ASSERT(el >= 0.3 && el < 3);
	CU_ASSERT_TRUE(l.exited);
	CU_ASSERT_TRUE(WIFSIGNALED(l.wstatus) &&
		       WTERMSIG(l.wstatus) == SIGKILL);
	char how[128];
	launch_end_text(&l, how, sizeof how);
	CU_ASSERT_PTR_NOT_NULL(strstr(how, "killed by signal 9"));
	CU_ASSERT_EQUAL(kill(pid, 0), -1);
	launch_spec_release(&s);
	testutil_rmtree(dir);
	free(dir);
}

/* The env object is added to the inherited environment (replacing a
 * variable of the same name, placeholders expanded), and stdout goes to
 * its log file. */
static void test_env(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	log_paths(dir, out, err, sizeof out);
	setenv("SC_LAUNCH_INHERITED", "yes", 1);
	setenv("SC_LAUNCH_VAR", "old", 1);
	struct launch_spec s;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL_FATAL(
	    stub_spec("env", "\"env\": {\"SC_LAUNCH_VAR\": \"port {port}\"}",
		      dir, &s, &e),
	    SC_OK);
	struct launch l;
	CU_ASSERT_EQUAL_FATAL(launch_start(&l, &s, out, err, NULL, &e), SC_OK);
	int port = l.port;
	launch_stop(&l, 2);
	FILE *f = fopen(out, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char a[128] = "", b[128] = "", want[64];
	CU_ASSERT_PTR_NOT_NULL(fgets(a, sizeof a, f));
	CU_ASSERT_PTR_NOT_NULL(fgets(b, sizeof b, f));
	fclose(f);
	snprintf(want, sizeof want, "SC_LAUNCH_VAR=port %d\n", port);
	CU_ASSERT_STRING_EQUAL(a, want);
	CU_ASSERT_STRING_EQUAL(b, "SC_LAUNCH_INHERITED=yes\n");
	unsetenv("SC_LAUNCH_INHERITED");
	unsetenv("SC_LAUNCH_VAR");
	launch_spec_release(&s);
	testutil_rmtree(dir);
	free(dir);
}

/* When the process that launched a server is killed with SIGKILL (no
 * chance to clean up), the server still gets SIGTERM and ends: an orphan
 * server would hold its port and CPU after a crashed campaign. */
static void test_dies_with_parent(void)
{
	char *dir = testutil_tmpdir();
	char out[4200], err[4200];
	log_paths(dir, out, err, sizeof out);
	/* Orphans come to us instead of init, so we can reap and see them. */
	CU_ASSERT_EQUAL_FATAL(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	int fds[2];
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid_t mid = fork();
	CU_ASSERT_FATAL(mid >= 0);
	if (mid == 0) {
		struct launch_spec s;
		struct launch l;
		struct sc_err e = {0};
		pid_t pid = -1;
		if (stub_spec("ok", NULL, dir, &s, &e) == SC_OK &&
		    launch_start(&l, &s, out, err, NULL, &e) == SC_OK)
			pid = l.pid;
		if (write(fds[1], &pid, sizeof pid) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	pid_t srv = -1;
	CU_ASSERT_EQUAL(read(fds[0], &srv, sizeof srv), (ssize_t)sizeof srv);
	close(fds[0]);
	CU_ASSERT_FATAL(srv > 0);
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	int st = 0;
	pid_t r = 0;
	int64_t t0 = clock_mono_ns();
	while ((r = waitpid(srv, &st, WNOHANG)) == 0 && since_s(t0) < 5)
		usleep(20000);
	CU_ASSERT_EQUAL(r, srv);
	CU_ASSERT_TRUE(r == srv && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	if (r == 0)
		kill(-srv, SIGKILL);
	prctl(PR_SET_CHILD_SUBREAPER, 0);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"placeholders", test_expand},
    {"launch object errors", test_spec_errors},
    {"paths relative to the campaign file", test_spec_paths},
    {"healthy, then stopped", test_healthy},
    {"exits before healthy", test_exits_early},
    {"never healthy", test_never_healthy},
    {"ignores SIGTERM", test_ignores_sigterm},
    {"environment", test_env},
    {"dies with its parent", test_dies_with_parent},
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "stub"))
		return stub_main(argv[2], atoi(argv[3]));
	if (proc_self_exe(self, sizeof self)) {
		fprintf(stderr,
			"test_launch: cannot find its own executable\n");
		return 1;
	}
	return testutil_run("launch", tests);
}
