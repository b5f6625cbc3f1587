/* End-to-end tests of `servecal emulate` over real loopback sockets: each
 * test forks the server on a free port, talks HTTP/1.1 to it with a small
 * raw-socket client (so it can also hang up mid-stream), and stops it.
 * Checks exact token counts and usage, chat's role chunk, error statuses,
 * early stops, fault rates, disconnects freeing slots, graceful stop and
 * the trace. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "testutil.h"
#include "util/clock.h"
#include "util/xalloc.h"

struct server {
	pid_t pid;
	int port;
};

static const char *servecal_bin(void)
{
	static char buf[4096];
	const char *b = getenv("SC_BUILDDIR");
	snprintf(buf, sizeof buf, "%s/servecal", b ? b : SC_BUILDDIR);
	return buf;
}

/* How to start a server beyond its deployment and flags. */
struct start_opts {
	long nofile; /* > 0: RLIMIT_NOFILE (soft and hard) of the server */
	const char *stderr_path; /* NULL: inherit */
};

/* Starts the server on port 0 and reads the URL it prints. */
static int server_start_opts(struct server *s, const char *deploy_rel,
			     const char *const *extra,
			     const struct start_opts *o)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	char dep[4096];
	snprintf(dep, sizeof dep, "%s",
		 deploy_rel[0] == '/' ? deploy_rel : testutil_src(deploy_rel));
	const char *argv[32] = {servecal_bin(), "emulate", "--deployment", dep,
				"--port",	"0"};
	int n = 6;
	for (int i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (o && o->stderr_path) {
			int fd = open(o->stderr_path,
				      O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				dup2(fd, 2);
				close(fd);
			}
		}
		if (o && o->nofile > 0) {
			struct rlimit rl = {(rlim_t)o->nofile,
					    (rlim_t)o->nofile};
			if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
				_exit(126);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	char line[256] = {0};
	size_t got = 0;
	struct pollfd pf = {p[0], POLLIN, 0};
	while (got < sizeof line - 1 && !strchr(line, '\n')) {
		if (poll(&pf, 1, 10000) <= 0)
			break;
		ssize_t r = read(p[0], line + got, sizeof line - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(p[0]);
	char *colon = strrchr(line, ':');
	s->port = colon ? atoi(colon + 1) : 0;
	if (strncmp(line, "http://127.0.0.1:", 17) != 0 || s->port <= 0) {
		fprintf(stderr, "server did not print its URL: '%s'\n", line);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		return -1;
	}
	return 0;
}

static int server_start(struct server *s, const char *deploy_rel,
			const char *const *extra)
{
	return server_start_opts(s, deploy_rel, extra, NULL);
}

/* SIGTERM, then waits up to 5 s. Returns the exit status or -1. */
static int server_stop(struct server *s)
{
	kill(s->pid, SIGTERM);
	for (int i = 0; i < 500; i++) {
		int st;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		usleep(10000);
	}
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	return -1;
}

static int http_open(int port, const char *method, const char *path,
		     const char *body, size_t body_len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	char *head =
	    xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
		      "Content-Type: application/json\r\n"
		      "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		      method, path, body ? body_len : 0);
	ssize_t w = write(fd, head, strlen(head));
	free(head);
	size_t off = 0;
	while (w >= 0 && body && off < body_len) {
		w = write(fd, body + off, body_len - off);
		if (w > 0)
			off += (size_t)w;
	}
	return fd;
}

struct resp {
	int status;
	char *raw; /* whole response */
	size_t raw_len;
	char *body; /* de-chunked */
	size_t body_len;
	bool chunked, complete; /* complete: final chunk or full length */
	double max_gap_s;	/* largest pause between reads after headers */
};

static void resp_free(struct resp *r)
{
	free(r->raw);
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* Reads until EOF (or stop_after bytes), at most timeout_ms. */
static void read_all(int fd, struct resp *r, size_t stop_after, int timeout_ms)
{
	size_t cap = 0;
	int64_t t_end = clock_mono_ns() + (int64_t)timeout_ms * 1000000;
	int64_t last = 0;
	for (;;) {
		int64_t now = clock_mono_ns();
		if (now > t_end)
			break;
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, (int)((t_end - now) / 1000000) + 1) <= 0)
			break;
		r->raw = xgrow(r->raw, &cap, r->raw_len + 65536 + 1, 1);
		ssize_t n = read(fd, r->raw + r->raw_len, 65536);
		if (n <= 0)
			break;
		now = clock_mono_ns();
		if (last && memmem(r->raw, r->raw_len, "\r\n\r\n", 4)) {
			double gap = (double)(now - last) / 1e9;
			if (gap > r->max_gap_s)
				r->max_gap_s = gap;
		}
		last = now;
		r->raw_len += (size_t)n;
		r->raw[r->raw_len] = 0;
		if (stop_after && r->raw_len >= stop_after)
			break;
	}
	if (!r->raw)
		r->raw = xcalloc(1, 1);
}

static void parse_resp(struct resp *r)
{
	sscanf(r->raw, "HTTP/1.1 %d", &r->status);
	char *hdr_end = strstr(r->raw, "\r\n\r\n");
	r->body = xcalloc(r->raw_len + 1, 1);
	if (!hdr_end)
		return;
	*hdr_end = 0;
	r->chunked = strcasestr(r->raw, "Transfer-Encoding: chunked") != NULL;
	const char *cl = strcasestr(r->raw, "Content-Length:");
	*hdr_end = '\r';
	char *p = hdr_end + 4, *end = r->raw + r->raw_len;
	if (!r->chunked) {
		memcpy(r->body, p, (size_t)(end - p));
		r->body_len = (size_t)(end - p);
		r->complete = cl && (size_t)atol(cl + 15) == r->body_len;
		return;
	}
	while (p < end) {
		char *nl = strstr(p, "\r\n");
		if (!nl)
			break;
		long n = strtol(p, NULL, 16);
		p = nl + 2;
		if (n == 0) {
			r->complete = true;
			break;
		}
		if (p + n > end)
			break;
		memcpy(r->body + r->body_len, p, (size_t)n);
		r->body_len += (size_t)n;
		p += n + 2;
	}
}

static struct resp request(int port, const char *method, const char *path,
			   const char *body)
{
	struct resp r = {0};
	int fd = http_open(port, method, path, body, body ? strlen(body) : 0);
	CU_ASSERT_FATAL(fd >= 0);
	read_all(fd, &r, 0, 15000);
	close(fd);
	parse_resp(&r);
	return r;
}

/* What an SSE body held. */
struct sse {
	long tokens; /* chunks with non-empty text or content */
	long events;
	bool role_first; /* first event was a role-only chat chunk */
	bool done_last;	 /* [DONE] was the last event */
	bool error_chunk;
	long malformed;
	long usage_prompt, usage_completion; /* -1 when no usage chunk */
	char finish[16]; /* finish_reason of the last token chunk */
};

static void sse_scan(const char *body, struct sse *s)
{
	memset(s, 0, sizeof *s);
	s->usage_prompt = s->usage_completion = -1;
	const char *p = body;
	while ((p = strstr(p, "data: "))) {
		p += 6;
		const char *e = strstr(p, "\n\n");
		size_t n = e ? (size_t)(e - p) : strlen(p);
		s->events++;
		s->done_last = n == 6 && !strncmp(p, "[DONE]", 6);
		if (!s->done_last) {
			cJSON *j = cJSON_ParseWithLength(p, n);
			if (!j) {
				s->malformed++;
			} else if (cJSON_GetObjectItem(j, "error")) {
				s->error_chunk = true;
			} else {
				cJSON *ch = cJSON_GetObjectItem(j, "choices");
				cJSON *c = cJSON_GetArrayItem(ch, 0);
				cJSON *u = cJSON_GetObjectItem(j, "usage");
				if (u && cJSON_GetArraySize(ch) == 0) {
					s->usage_prompt =
					    cJSON_GetObjectItem(u,
								"prompt_tokens")
						->valueint;
					s->usage_completion =
					    cJSON_GetObjectItem(
						u, "completion_tokens")
						->valueint;
				}
				cJSON *d = cJSON_GetObjectItem(c, "delta");
				cJSON *t = d ? cJSON_GetObjectItem(d, "content")
					     : cJSON_GetObjectItem(c, "text");
				if (s->events == 1 && d &&
				    cJSON_GetObjectItem(d, "role") && t &&
				    !t->valuestring[0])
					s->role_first = true;
				if (cJSON_IsString(t) && t->valuestring[0]) {
					s->tokens++;
					cJSON *f = cJSON_GetObjectItem(
					    c, "finish_reason");
					snprintf(
					    s->finish, sizeof s->finish, "%s",
					    cJSON_IsString(f) ? f->valuestring
							      : "null");
				}
			}
			cJSON_Delete(j);
		}
		p += n;
	}
}

static char *ids_prompt_body(long isl, long max_tokens, const char *extra)
{
	size_t cap = (size_t)isl * 8 + 256;
	char *b = xmalloc(cap);
	size_t o = (size_t)snprintf(b, cap, "{\"prompt\":[");
	for (long i = 0; i < isl; i++)
		o += (size_t)snprintf(b + o, cap - o, i ? ",%ld" : "%ld",
				      1000 + i);
	snprintf(b + o, cap - o, "],\"max_tokens\":%ld%s}", max_tokens,
		 extra ? extra : "");
	return b;
}

/* Sum of a metric's samples in /metrics (all label sets). */
static double metric_sum(int port, const char *name)
{
	struct resp r = request(port, "GET", "/metrics", NULL);
	double sum = 0;
	size_t nl = strlen(name);
	for (const char *p = r.body; p && *p;) {
		const char *e = strchr(p, '\n');
		if (!strncmp(p, name, nl) && (p[nl] == ' ' || p[nl] == '{')) {
			const char *sp = strrchr(p, ' ');
			if (e && sp > e) /* last space must be on this line */
				sp = memrchr(p, ' ', (size_t)(e - p));
			sum += atof(sp + 1);
		}
		p = e ? e + 1 : NULL;
	}
	resp_free(&r);
	return sum;
}

static void test_stream_token_counts(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	static const long lens[] = {1, 7, 64};
	for (size_t i = 0; i < 3; i++) {
		char *b = ids_prompt_body(
		    33, lens[i],
		    ",\"stream\":true,\"ignore_eos\":true,"
		    "\"stream_options\":{\"include_usage\":true}");
		struct resp r = request(s.port, "POST", "/v1/completions", b);
		struct sse e;
		sse_scan(r.body, &e);
		CU_ASSERT_EQUAL(r.status, 200);
		CU_ASSERT(r.complete);
		CU_ASSERT_EQUAL(e.tokens, lens[i]);
		CU_ASSERT_EQUAL(e.usage_completion, lens[i]);
		CU_ASSERT_EQUAL(e.usage_prompt, 33); /* token ids are exact */
		CU_ASSERT_STRING_EQUAL(e.finish, "length");
		CU_ASSERT(e.done_last);
		CU_ASSERT_EQUAL(e.malformed, 0);
		free(b);
		resp_free(&r);
	}
	/* No usage chunk unless asked. */
	char *b = ids_prompt_body(5, 3, ",\"stream\":true,\"ignore_eos\":true");
	struct resp r = request(s.port, "POST", "/v1/completions", b);
	struct sse e;
	sse_scan(r.body, &e);
	CU_ASSERT_EQUAL(e.tokens, 3);
	CU_ASSERT_EQUAL(e.usage_completion, -1);
	free(b);
	resp_free(&r);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_disagg_stream(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-disagg-tiny.json", NULL) ==
			0);
	char *b =
	    ids_prompt_body(500, 12,
			    ",\"stream\":true,\"ignore_eos\":true,"
			    "\"stream_options\":{\"include_usage\":true}");
	struct resp r = request(s.port, "POST", "/v1/completions", b);
	struct sse e;
	sse_scan(r.body, &e);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT_EQUAL(e.tokens, 12);
	CU_ASSERT_EQUAL(e.usage_prompt, 500);
	CU_ASSERT(e.done_last);
	resp_free(&r);
	free(b);
	/* Both pools worked: prompt tokens on prefill, output on decode. */
	struct resp m = request(s.port, "GET", "/metrics", NULL);
	CU_ASSERT(strstr(m.body, "servecal_emu_prefill_tokens_total{worker="
				 "\"prefill-0\"} 500") != NULL);
	CU_ASSERT(strstr(m.body, "servecal_emu_generated_tokens_total{worker="
				 "\"decode-0\"} 12") != NULL);
	resp_free(&m);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_chat_and_plain(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	struct resp r =
	    request(s.port, "POST", "/v1/chat/completions",
		    "{\"model\":\"Qwen3-8B\",\"messages\":[{\"role\":\"user\","
		    "\"content\":\"0123456789abcdef\"}],\"max_tokens\":9,"
		    "\"ignore_eos\":true,\"stream\":true,"
		    "\"stream_options\":{\"include_usage\":true}}");
	struct sse e;
	sse_scan(r.body, &e);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(e.role_first);
	CU_ASSERT_EQUAL(e.tokens, 9);
	CU_ASSERT_EQUAL(e.usage_completion, 9);
	/* one 16-character word: ceil(16 / 6) tokens, plus the template */
	CU_ASSERT_EQUAL(e.usage_prompt, 3 + 4);
	CU_ASSERT(e.done_last);
	resp_free(&r);

	r = request(
	    s.port, "POST", "/v1/completions",
	    "{\"prompt\":[1,2,3,4],\"max_tokens\":12,\"ignore_eos\":true}");
	CU_ASSERT_EQUAL(r.status, 200);
	cJSON *j = cJSON_Parse(r.body);
	CU_ASSERT_FATAL(j != NULL);
	cJSON *u = cJSON_GetObjectItem(j, "usage");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(u, "completion_tokens")->valueint,
			12);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(u, "prompt_tokens")->valueint, 4);
	cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "choices"), 0);
	CU_ASSERT(strlen(cJSON_GetObjectItem(c, "text")->valuestring) >= 12);
	cJSON_Delete(j);
	resp_free(&r);

	r = request(s.port, "GET", "/v1/models", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(strstr(r.body, "\"Qwen3-8B\"") != NULL);
	resp_free(&r);
	r = request(s.port, "GET", "/health", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_error_statuses(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	static const struct {
		const char *method, *path, *body;
		int status;
	} t[] = {
	    {"POST", "/v1/completions", "{bad json", 400},
	    {"POST", "/v1/completions",
	     "{\"prompt\":\"x\",\"max_tokens\":\"9\"}", 422},
	    {"POST", "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}",
	     404},
	    {"POST", "/v1/completions",
	     "{\"prompt\":\"x\",\"max_tokens\":99999999}", 400},
	    {"POST", "/v1/nothing", "{}", 404},
	    {"GET", "/v1/completions", NULL, 405},
	    {"POST", "/metrics", "{}", 405},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct resp r =
		    request(s.port, t[i].method, t[i].path, t[i].body);
		if (r.status != t[i].status)
			fprintf(stderr, "\ncase %zu: got %d want %d\n", i,
				r.status, t[i].status);
		CU_ASSERT_EQUAL(r.status, t[i].status);
		cJSON *j = cJSON_Parse(r.body);
		cJSON *err = cJSON_GetObjectItem(j, "error");
		CU_ASSERT(cJSON_IsString(cJSON_GetObjectItem(err, "message")));
		CU_ASSERT_EQUAL(cJSON_GetObjectItem(err, "code")->valueint,
				t[i].status);
		cJSON_Delete(j);
		resp_free(&r);
	}
	/* A body over the 8 MiB cap is refused with 413. */
	size_t big = 9u << 20;
	char *b = xmalloc(big + 1);
	memset(b, ' ', big);
	b[big] = 0;
	struct resp r = request(s.port, "POST", "/v1/completions", b);
	CU_ASSERT_EQUAL(r.status, 413);
	resp_free(&r);
	free(b);
	/* Still serving after all that. */
	r = request(s.port, "GET", "/health", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_early_stop(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	int stops = 0, n = 30;
	for (int i = 0; i < n; i++) {
		struct resp r = request(
		    s.port, "POST", "/v1/completions",
		    "{\"prompt\":[1,2],\"max_tokens\":300,\"min_tokens\":5,"
		    "\"stream\":true,\"stream_options\":{\"include_usage\":"
		    "true}}");
		struct sse e;
		sse_scan(r.body, &e);
		CU_ASSERT_EQUAL(e.tokens, e.usage_completion);
		CU_ASSERT(e.tokens >= 5);
		if (!strcmp(e.finish, "stop")) {
			stops++;
			CU_ASSERT(e.tokens < 300);
		} else {
			CU_ASSERT_EQUAL(e.tokens, 300);
		}
		resp_free(&r);
	}
	/* eos_mean_tokens 20: nearly every request stops well before 300. */
	CU_ASSERT(stops >= n - 2);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_disconnect_frees_slot(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	char *b =
	    ids_prompt_body(64, 20000, ",\"stream\":true,\"ignore_eos\":true");
	char *nb = ids_prompt_body(64, 20000, ",\"ignore_eos\":true");
	int fds[4];
	for (int i = 0; i < 4; i++) /* two streaming, two waiting for a body */
		fds[i] = http_open(s.port, "POST", "/v1/completions",
				   i < 2 ? b : nb, strlen(i < 2 ? b : nb));
	struct resp r = {0};
	read_all(fds[0], &r, 4000, 3000); /* it is streaming */
	CU_ASSERT(r.raw_len >= 4000);
	resp_free(&r);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_requests_active"), 4);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_requests_running"), 4);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	double running = -1, active = -1;
	for (int k = 0; k < 100; k++) {
		usleep(10000);
		running = metric_sum(s.port, "servecal_emu_requests_running");
		active = metric_sum(s.port, "servecal_emu_requests_active");
		if (running == 0 && active == 0)
			break;
	}
	CU_ASSERT_EQUAL(running, 0);
	CU_ASSERT_EQUAL(active, 0);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_kv_used_tokens"), 0);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_disconnects_total"),
			4);
	free(b);
	free(nb);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_fault_rates(void)
{
	struct server s;
	const char *args[] = {"--fault-http-429",
			      "0.07",
			      "--fault-http-500",
			      "0.07",
			      "--fault-http-503",
			      "0.07",
			      "--fault-error-chunk",
			      "0.07",
			      "--fault-drop",
			      "0.07",
			      "--fault-stall",
			      "0.07",
			      "--fault-malformed",
			      "0.07",
			      "--fault-stall-ms",
			      "80",
			      NULL};
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", args) == 0);
	/* A stalled stream and a clean one differ only in a gap, and a loaded
	 * machine can put a gap into a clean stream too: the client counts
	 * them together (FCLEAN) and the server's counter says how many of
	 * them it stalled. */
	enum { F429, F500, F503, FERR, FDROP, FBAD, FCLEAN, NK };
	long count[NK] = {0}, gapped = 0;
	const int n = 400;
	for (int i = 0; i < n; i++) {
		struct resp r = request(
		    s.port, "POST", "/v1/completions",
		    "{\"prompt\":[5,6,7],\"max_tokens\":6,\"ignore_eos\":true,"
		    "\"stream\":true}");
		struct sse e;
		sse_scan(r.body, &e);
		if (r.status == 429)
			count[F429]++;
		else if (r.status == 500)
			count[F500]++;
		else if (r.status == 503)
			count[F503]++;
		else if (e.error_chunk && e.done_last && r.complete)
			count[FERR]++;
		else if (!r.complete || !e.done_last)
			count[FDROP]++;
		else if (e.malformed == 1 && e.tokens == 6)
			count[FBAD]++;
		else if (e.tokens == 6 && e.malformed == 0) {
			count[FCLEAN]++;
			gapped += r.max_gap_s > 0.06;
		}
		resp_free(&r);
	}
	static const char *const names[] = {
	    "429", "500", "503", "error_chunk", "drop", "malformed", "clean"};
	printf("\n  faults over %d requests:", n);
	long sum = 0;
	for (int k = 0; k < NK; k++) {
		printf(" %s=%ld", names[k], count[k]);
		sum += count[k];
	}
	double stalled =
	    metric_sum(s.port, "servecal_emu_faults_total{kind=\"stall\"}");
	printf(" (stalled by the server %g, clean ones with a gap over 60 ms "
	       "%ld)\n",
	       stalled, gapped);
	CU_ASSERT_EQUAL(sum, n); /* every response is one of the kinds */
	/* rate 0.07 of 400: mean 28, sd 5.1; allow about 3 sd. */
	for (int k = 0; k < FCLEAN; k++)
		CU_ASSERT(count[k] >= 13 && count[k] <= 44);
	CU_ASSERT(stalled >= 13 && stalled <= 44);
	/* every stall (80 ms) shows as a gap; load can only add gaps */
	CU_ASSERT(gapped >= stalled);
	double none = (double)count[FCLEAN] - stalled;
	CU_ASSERT(none >= 0.51 * n - 30 && none <= 0.51 * n + 30);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_faults_total"),
			(double)n - none);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_graceful_stop_and_trace(void)
{
	char *dir = testutil_tmpdir();
	char trace[4200];
	snprintf(trace, sizeof trace, "%s/trace.jsonl", dir);
	const char *args[] = {"--trace", trace, NULL};
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", args) == 0);
	for (int i = 0; i < 3; i++) {
		char *b = ids_prompt_body(
		    10 + i, 5 + i, ",\"stream\":true,\"ignore_eos\":true");
		struct resp r = request(s.port, "POST", "/v1/completions", b);
		CU_ASSERT_EQUAL(r.status, 200);
		resp_free(&r);
		free(b);
	}
	char *b =
	    ids_prompt_body(10, 20000, ",\"stream\":true,\"ignore_eos\":true");
	int fd = http_open(s.port, "POST", "/v1/completions", b, strlen(b));
	struct resp r = {0};
	read_all(fd, &r, 3000, 3000);
	kill(s.pid, SIGTERM);
	read_all(fd, &r, 0, 3000);
	close(fd);
	parse_resp(&r);
	struct sse e;
	sse_scan(r.body, &e);
	CU_ASSERT(e.tokens > 0);
	CU_ASSERT(e.error_chunk);
	CU_ASSERT(e.done_last);
	CU_ASSERT(r.complete);
	resp_free(&r);
	free(b);
	CU_ASSERT_EQUAL(server_stop(&s), 0);

	FILE *f = fopen(trace, "r");
	CU_ASSERT_FATAL(f != NULL);
	char *line = NULL;
	size_t cap = 0;
	int lines = 0, ok = 0, shutdown = 0;
	while (getline(&line, &cap, f) > 0) {
		cJSON *j = cJSON_Parse(line);
		CU_ASSERT_FATAL(j != NULL);
		if (lines++ == 0) {
			cJSON *a = cJSON_GetObjectItem(j, "anchor");
			CU_ASSERT(cJSON_GetObjectItem(a, "wall_ns") != NULL);
			CU_ASSERT(cJSON_GetObjectItem(a, "mono_ns") != NULL);
			cJSON_Delete(j);
			continue;
		}
		const char *st = cJSON_GetObjectItem(j, "status")->valuestring;
		cJSON *toks = cJSON_GetObjectItem(j, "token_ns");
		int nt = cJSON_GetArraySize(toks);
		CU_ASSERT_EQUAL(
		    nt, cJSON_GetObjectItem(j, "completion_tokens")->valueint);
		double arrival =
		    cJSON_GetObjectItem(j, "arrival_ns")->valuedouble;
		double qx =
		    cJSON_GetObjectItem(j, "queue_exit_ns")->valuedouble;
		double pe =
		    cJSON_GetObjectItem(j, "prefill_end_ns")->valuedouble;
		CU_ASSERT(qx >= arrival && pe >= qx);
		double prev = pe;
		for (int k = 0; k < nt; k++) {
			double t = cJSON_GetArrayItem(toks, k)->valuedouble;
			CU_ASSERT(t >= prev);
			prev = t;
		}
		if (!strcmp(st, "ok")) {
			ok++;
			CU_ASSERT_EQUAL(nt, 5 + (ok - 1));
		} else if (!strcmp(st, "shutdown")) {
			shutdown++;
		}
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	CU_ASSERT_EQUAL(lines, 5);
	CU_ASSERT_EQUAL(ok, 3);
	CU_ASSERT_EQUAL(shutdown, 1);
	testutil_rmtree(dir);
	free(dir);
}

static void test_bad_deployment_exit_code(void)
{
	char *dir = testutil_tmpdir();
	char *p = testutil_write(
	    dir, "d.json",
	    "{\"name\":\"x\",\"model\":\"qwen3-8b\",\"gpu\":\"h200-sxm\","
	    "\"mode\":\"agg\",\"workers\":[{\"role\":\"agg\",\"max_batch\":4}],"
	    "\"emulator\":{\"noise_sigmaa\":0.1}}");
	char cmd[9000];
	snprintf(cmd, sizeof cmd,
		 "%s emulate --deployment %s --port 0 "
		 ">/dev/null 2>&1",
		 servecal_bin(), p);
	int st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	snprintf(cmd, sizeof cmd,
		 "%s emulate --deployment %s --fault-drop 2 "
		 ">/dev/null 2>&1",
		 servecal_bin(), p);
	st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	free(p);
	testutil_rmtree(dir);
	free(dir);
}

/* ---- hostile clients ---- */

/* Resident memory of a process in kB (VmRSS), -1 if unknown. */
static long proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

/* User plus system CPU seconds a process has used, -1 if unknown. */
static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *p =
	    strrchr(buf, ')'); /* the command name may hold spaces */
	unsigned long ut = 0, st = 0;
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* A blocking loopback connection; rcvbuf > 0 shrinks its receive buffer
 * first, so that the kernel holds little of what the server sends. */
static int tcp_connect(int port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends everything (no SIGPIPE); false when the peer closed first. */
static bool send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Reads until the server closes the connection: the seconds that took, or
 * -1 if it was still open after timeout_ms. What was read goes to r. */
static double wait_eof(int fd, struct resp *r, int timeout_ms)
{
	size_t cap = 0;
	int64_t t0 = clock_mono_ns(),
		t_end = t0 + (int64_t)timeout_ms * 1000000;
	double took = -1;
	for (;;) {
		int64_t now = clock_mono_ns();
		if (now >= t_end)
			break;
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, (int)((t_end - now) / 1000000) + 1) <= 0)
			continue;
		r->raw = xgrow(r->raw, &cap, r->raw_len + 65536 + 1, 1);
		ssize_t n = recv(fd, r->raw + r->raw_len, 65536, 0);
		if (n <= 0) {
			took = (double)(clock_mono_ns() - t0) / 1e9;
			break;
		}
		r->raw_len += (size_t)n;
		r->raw[r->raw_len] = 0;
	}
	if (!r->raw)
		r->raw = xcalloc(1, 1);
	return took;
}

/* Sends raw bytes on a fresh connection and reads until the server
 * closes it (at most timeout_ms). */
static struct resp raw_request(int port, const char *data, size_t len,
			       int timeout_ms)
{
	struct resp r = {0};
	int fd = tcp_connect(port, 0);
	CU_ASSERT_FATAL(fd >= 0);
	send_all(fd, data, len);
	wait_eof(fd, &r, timeout_ms);
	close(fd);
	parse_resp(&r);
	return r;
}

/* The value of one exact sample line of /metrics ("name{labels}"), -1 when
 * absent. */
static double metric_get(int port, const char *sample)
{
	struct resp r = request(port, "GET", "/metrics", NULL);
	double v = -1;
	size_t n = strlen(sample);
	for (const char *p = r.body; p && *p;) {
		if (!strncmp(p, sample, n) && p[n] == ' ')
			v = atof(p + n + 1);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	resp_free(&r);
	return v;
}

/* Waits up to timeout_ms for a metric (summed over labels) to reach want. */
static double metric_wait(int port, const char *name, double want,
			  int timeout_ms)
{
	double v = -1;
	for (int k = 0; k <= timeout_ms / 20; k++) {
		v = metric_sum(port, name);
		if (v == want)
			break;
		usleep(20000);
	}
	return v;
}

/* True when r is an OpenAI error body with this status, sent as JSON. */
static bool is_json_error(const struct resp *r, int status)
{
	if (r->status != status ||
	    !strcasestr(r->raw, "Content-Type: application/json"))
		return false;
	cJSON *j = cJSON_Parse(r->body);
	cJSON *err = cJSON_GetObjectItem(j, "error");
	cJSON *msg = cJSON_GetObjectItem(err, "message");
	cJSON *code = cJSON_GetObjectItem(err, "code");
	bool ok = cJSON_IsString(msg) && msg->valuestring[0] &&
		  cJSON_IsNumber(code) && code->valueint == status;
	cJSON_Delete(j);
	return ok;
}

static char *post_head(const char *path, const char *extra_headers,
		       size_t body_len)
{
	return xasprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
			 "Content-Type: application/json\r\n%s"
			 "Content-Length: %zu\r\n\r\n",
			 path, extra_headers, body_len);
}

/* Server RSS may grow by this much while 200 clients that never read hold
 * 30,000-token streams: each connection keeps at most the 64 KiB high
 * watermark of output plus one chunk and its bookkeeping (about 16 MiB in
 * all), the rest is slack for the allocator. Without backpressure the
 * emulator buffered every token (about 20 MB/s here). */
#define NEVER_READ_CLIENTS   200
#define NEVER_READ_GROWTH_KB (32L * 1024)

/* Few slots and fast steps: the running streams produce about 7,500
 * tokens/s each, so a never-reading client's kernel send buffer (up to 4 MB
 * with Linux autotuning) fills within seconds and what follows lands in the
 * server's own memory. */
static const char never_read_deploy[] =
    "{\"name\":\"never-read\",\"model\":\"qwen3-8b\",\"gpu\":\"h200-sxm\","
    "\"backend\":\"emulated\",\"dtype\":\"fp8\",\"kv_dtype\":\"fp8\","
    "\"mode\":\"agg\",\"workers\":[{\"role\":\"agg\",\"count\":2,"
    "\"max_batch\":10,\"max_num_tokens\":2048}],"
    "\"emulator\":{\"seed\":3,\"time_scale\":0.02}}";

static void test_never_reading_clients(void)
{
	char *dir = testutil_tmpdir();
	char *dep = testutil_write(dir, "never-read.json", never_read_deploy);
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, dep, NULL) == 0);
	struct resp r = request(s.port, "POST", "/v1/completions",
				"{\"prompt\":[1,2],\"max_tokens\":50,"
				"\"ignore_eos\":true,\"stream\":true}");
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	long base_kb = proc_rss_kb(s.pid);
	char *b =
	    ids_prompt_body(32, 30000, ",\"stream\":true,\"ignore_eos\":true");
	char *head = post_head("/v1/completions", "", strlen(b));
	int fds[NEVER_READ_CLIENTS];
	for (int i = 0; i < NEVER_READ_CLIENTS; i++) {
		fds[i] = tcp_connect(s.port, 4096);
		CU_ASSERT_FATAL(fds[i] >= 0);
		send_all(fds[i], head, strlen(head));
		send_all(fds[i], b, strlen(b));
	}
	double tok0 = metric_sum(s.port, "servecal_emu_tokens_total");
	long peak_kb = base_kb;
	for (int k = 0; k < 16; k++) {
		usleep(250000);
		long kb = proc_rss_kb(s.pid);
		if (kb > peak_kb)
			peak_kb = kb;
	}
	/* The engine kept producing (a blocked client does not pause the
	 * engine), and the server still answers others. */
	double toks = metric_sum(s.port, "servecal_emu_tokens_total") - tok0;
	r = request(s.port, "GET", "/health", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	printf("\n  %d never-reading clients, 4 s: %.0f tokens produced, "
	       "server RSS %ld -> %ld kB (bound +%ld kB), %g streams blocked\n",
	       NEVER_READ_CLIENTS, toks, base_kb, peak_kb, NEVER_READ_GROWTH_KB,
	       metric_sum(s.port, "servecal_emu_streams_blocked"));
	CU_ASSERT(toks > 100000);
	CU_ASSERT(peak_kb - base_kb < NEVER_READ_GROWTH_KB);
	for (int i = 0; i < NEVER_READ_CLIENTS; i++)
		close(fds[i]);
	CU_ASSERT_EQUAL(
	    metric_wait(s.port, "servecal_emu_requests_active", 0, 3000), 0);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_streams_open"), 0);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_kv_used_tokens"), 0);
	free(head);
	free(b);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
	free(dep);
	testutil_rmtree(dir);
	free(dir);
}

/* Out of descriptors, the server must neither spin nor flood its log:
 * it pauses accepting (no more than this share of one CPU) and says so at
 * most once a second; once clients leave it accepts again. */
#define EMFILE_MAX_CPU_SHARE   0.10
#define EMFILE_LOG_BYTES_PER_S 200

static void test_out_of_descriptors(void)
{
	char *dir = testutil_tmpdir();
	char errp[4200];
	snprintf(errp, sizeof errp, "%s/stderr.txt", dir);
	struct start_opts o = {.nofile = 40, .stderr_path = errp};
	struct server s;
	CU_ASSERT_FATAL(
	    server_start_opts(&s, "bench/emu-agg-fast.json", NULL, &o) == 0);
	enum { N = 60 };
	int fds[N];
	for (int i = 0; i < N; i++)
		fds[i] =
		    tcp_connect(s.port, 0); /* the backlog completes them */
	usleep(300000);
	double cpu0 = proc_cpu_s(s.pid);
	long log0 = file_size(errp);
	int64_t t0 = clock_mono_ns();
	usleep(2000000);
	double cpu1 = proc_cpu_s(s.pid);
	long log1 = file_size(errp);
	double wall = (double)(clock_mono_ns() - t0) / 1e9;
	printf("\n  out of descriptors for %.1f s: server CPU %.1f%%, log %ld "
	       "bytes "
	       "(%ld before)\n",
	       wall, 100 * (cpu1 - cpu0) / wall, log1 - log0, log0);
	CU_ASSERT((cpu1 - cpu0) / wall < EMFILE_MAX_CPU_SHARE);
	CU_ASSERT((double)(log1 - log0) <= EMFILE_LOG_BYTES_PER_S * (wall + 1));
	FILE *f = fopen(errp, "r");
	char text[4096] = {0};
	if (f) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = 0;
		fclose(f);
	}
	CU_ASSERT(strstr(text, "Too many open files") != NULL); /* said, once */
	for (int i = 0; i < N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	bool back = false;
	for (int k = 0; k < 40 && !back; k++) {
		usleep(100000);
		int fd = tcp_connect(s.port, 0);
		if (fd < 0)
			continue;
		const char *q = "GET /health HTTP/1.1\r\nHost: "
				"x\r\nConnection: close\r\n\r\n";
		send_all(fd, q, strlen(q));
		struct resp r = {0};
		wait_eof(fd, &r, 500);
		close(fd);
		parse_resp(&r);
		back = r.status == 200;
		resp_free(&r);
	}
	CU_ASSERT(back);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
	testutil_rmtree(dir);
	free(dir);
}

/* With --idle-timeout-ms 300: a connection that has not delivered a whole
 * request 300 ms after it opened (or after its last response) is closed,
 * however slowly it trickles bytes; one that is being answered is not. */
static void test_idle_timeouts(void)
{
	const char *args[] = {"--idle-timeout-ms", "300", "--write-timeout-ms",
			      "300", NULL};
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", args) == 0);

	/* A few header bytes, then nothing: 408 with a JSON body, closed. */
	int fd = tcp_connect(s.port, 0);
	const char *part = "POST /v1/completions HTTP/1.1\r\nHost: x\r\n";
	send_all(fd, part, strlen(part));
	struct resp r = {0};
	double t = wait_eof(fd, &r, 3000);
	close(fd);
	parse_resp(&r);
	CU_ASSERT(t >= 0.25 && t < 1.5);
	CU_ASSERT(is_json_error(&r, 408));
	resp_free(&r);

	/* One byte every 50 ms does not move the deadline. */
	fd = tcp_connect(s.port, 0);
	const char *slow = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: "
			   "abcdefghijklmnopqrstuvwxyz";
	int64_t t0 = clock_mono_ns();
	double closed_at = -1;
	for (size_t i = 0; i < strlen(slow); i++) {
		struct pollfd pf = {fd, POLLIN, 0};
		if (poll(&pf, 1, 50) > 0) { /* the server answered or closed */
			closed_at = (double)(clock_mono_ns() - t0) / 1e9;
			break;
		}
		if (!send_all(fd, slow + i, 1))
			break;
	}
	close(fd);
	CU_ASSERT(closed_at >= 0.25 && closed_at < 1.5);

	/* Kept alive after a response, then idle: closed without a word. */
	fd = tcp_connect(s.port, 0);
	const char *q = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n";
	send_all(fd, q, strlen(q));
	r = (struct resp){0};
	t = wait_eof(fd, &r, 3000);
	close(fd);
	parse_resp(&r);
	CU_ASSERT(t >= 0.25 && t < 1.5);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(memmem(r.raw + 1, r.raw_len - 1, "HTTP/1.", 7) == NULL);
	resp_free(&r);

	/* A stream that the client reads outlives the timeout. */
	char *b =
	    ids_prompt_body(16, 3000, ",\"stream\":true,\"ignore_eos\":true");
	t0 = clock_mono_ns();
	r = request(s.port, "POST", "/v1/completions", b);
	t = (double)(clock_mono_ns() - t0) / 1e9;
	struct sse e;
	sse_scan(r.body, &e);
	CU_ASSERT(t > 0.6); /* else the case proves nothing */
	CU_ASSERT(r.complete);
	CU_ASSERT_EQUAL(e.tokens, 3000);
	resp_free(&r);
	free(b);

	/* A client that stops reading: after 300 ms without progress its
	 * stream ends and the slot and KV are freed. */
	b = ids_prompt_body(16, 30000, ",\"stream\":true,\"ignore_eos\":true");
	char *head = post_head("/v1/completions", "", strlen(b));
	fd = tcp_connect(s.port, 4096);
	send_all(fd, head, strlen(head));
	send_all(fd, b, strlen(b));
	usleep(100000);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_requests_active"), 1);
	CU_ASSERT_EQUAL(
	    metric_wait(s.port, "servecal_emu_requests_active", 0, 6000), 0);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_kv_used_tokens"), 0);
	CU_ASSERT_EQUAL(metric_get(s.port, "servecal_emu_connections_closed_"
					   "total{reason=\"write_timeout\"}"),
			1);
	CU_ASSERT_EQUAL(metric_get(s.port, "servecal_emu_connections_closed_"
					   "total{reason=\"request_timeout\"}"),
			2);
	CU_ASSERT_EQUAL(
	    metric_get(
		s.port,
		"servecal_emu_connections_closed_total{reason=\"idle\"}"),
	    1);
	close(fd);
	free(head);
	free(b);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

/* Errors of the HTTP layer itself are OpenAI JSON too, with the status
 * that names the problem; requests that smuggle a second length are
 * refused. */
static void test_protocol_errors_are_json(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	const char *ok_body =
	    "{\"prompt\":[1,2,3],\"max_tokens\":2,\"ignore_eos\":true}";
	size_t obl = strlen(ok_body);
	char cl_conflict[512], cl_list[512], cl_same[512], te_cl[512];
	snprintf(cl_conflict, sizeof cl_conflict,
		 "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
		 "%zu\r\n"
		 "Content-Length: %zu\r\n\r\n%s  ",
		 obl, obl + 2, ok_body);
	snprintf(cl_list, sizeof cl_list,
		 "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
		 "%zu, %zu\r\n"
		 "\r\n%s  ",
		 obl, obl + 2, ok_body);
	snprintf(cl_same, sizeof cl_same,
		 "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
		 "%zu\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 obl, obl, ok_body);
	snprintf(te_cl, sizeof te_cl,
		 "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: "
		 "%zu\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n%s",
		 obl, ok_body);
	static const char post[] =
	    "POST /v1/completions HTTP/1.1\r\nHost: x\r\n";
	char big_cl[256], te_gzip[256], bad_chunk[256], expect[256],
	    neg_cl[256];
	snprintf(big_cl, sizeof big_cl, "%sContent-Length: 99999999999\r\n\r\n",
		 post);
	snprintf(te_gzip, sizeof te_gzip, "%sTransfer-Encoding: gzip\r\n\r\n",
		 post);
	snprintf(bad_chunk, sizeof bad_chunk,
		 "%sTransfer-Encoding: chunked\r\n\r\nzz\r\n", post);
	snprintf(expect, sizeof expect,
		 "%sExpect: 200-ok\r\nContent-Length: 2\r\n\r\n{}", post);
	snprintf(neg_cl, sizeof neg_cl, "%sContent-Length: -1\r\n\r\n", post);
	const struct {
		const char *name, *raw;
		int status;
	} t[] = {
	    {"not HTTP", "GARBAGE\r\n\r\n", 400},
	    {"header line without a colon",
	     "GET /health HTTP/1.1\r\nHost x\r\n\r\n", 400},
	    {"two different Content-Length headers", cl_conflict, 400},
	    {"a Content-Length list that disagrees", cl_list, 400},
	    {"Content-Length with chunked", te_cl, 400},
	    {"negative Content-Length", neg_cl, 400},
	    {"Content-Length over the body cap", big_cl, 413},
	    {"a transfer coding other than chunked", te_gzip, 501},
	    {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
	    {"an expectation other than 100-continue", expect, 417},
	    {"a bad chunk size", bad_chunk, 400},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct resp r =
		    raw_request(s.port, t[i].raw, strlen(t[i].raw), 3000);
		bool ok = is_json_error(&r, t[i].status);
		if (!ok)
			fprintf(stderr, "\n%s: want JSON %d, got:\n%.300s\n",
				t[i].name, t[i].status, r.raw);
		CU_ASSERT(ok);
		resp_free(&r);
	}
	/* Headers past 64 KiB. */
	size_t hn = 70000;
	char *big = xmalloc(hn + 128);
	int o = snprintf(big, 128, "GET /health HTTP/1.1\r\nX-Big: ");
	memset(big + o, 'a', hn);
	strcpy(big + o + hn, "\r\n\r\n");
	struct resp r = raw_request(s.port, big, strlen(big), 3000);
	CU_ASSERT(is_json_error(&r, 431));
	resp_free(&r);
	free(big);
	/* A chunked body that outgrows the 8 MiB cap. */
	size_t cn = 65536, chunks = 9 * 16;
	char *chunk = xmalloc(cn + 16);
	o = snprintf(chunk, 16, "%zx\r\n", cn);
	memset(chunk + o, ' ', cn);
	memcpy(chunk + o + cn, "\r\n", 2);
	int fd = tcp_connect(s.port, 0);
	const char *h = "POST /v1/completions HTTP/1.1\r\nHost: "
			"x\r\nTransfer-Encoding: chunked\r\n\r\n";
	send_all(fd, h, strlen(h));
	for (size_t i = 0;
	     i < chunks && send_all(fd, chunk, (size_t)o + cn + 2); i++)
		;
	r = (struct resp){0};
	wait_eof(fd, &r, 5000);
	close(fd);
	parse_resp(&r);
	CU_ASSERT(is_json_error(&r, 413));
	resp_free(&r);
	free(chunk);

	/* Accepted: identical duplicates, a chunked body, 100-continue,
	 * pipelining and an HTTP/1.0 stream. */
	r = raw_request(s.port, cl_same, strlen(cl_same), 3000);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	char chunked[512];
	snprintf(chunked, sizeof chunked,
		 "POST /v1/completions HTTP/1.1\r\nHost: "
		 "x\r\nTransfer-Encoding: chunked\r\n"
		 "Connection: "
		 "close\r\n\r\n5;ext=1\r\n%.5s\r\n%zx\r\n%s\r\n0\r\nX-Trailer: "
		 "1\r\n\r\n",
		 ok_body, obl - 5, ok_body + 5);
	r = raw_request(s.port, chunked, strlen(chunked), 3000);
	CU_ASSERT_EQUAL(r.status, 200);
	cJSON *j = cJSON_Parse(r.body);
	cJSON *u = cJSON_GetObjectItem(j, "usage");
	CU_ASSERT_EQUAL(
	    cJSON_GetNumberValue(cJSON_GetObjectItem(u, "prompt_tokens")), 3);
	cJSON_Delete(j);
	resp_free(&r);

	fd = tcp_connect(s.port, 0);
	char *eh =
	    post_head("/v1/completions",
		      "Expect: 100-continue\r\nConnection: close\r\n", obl);
	send_all(fd, eh, strlen(eh));
	char cont[64] = {0};
	struct pollfd pf = {fd, POLLIN, 0};
	CU_ASSERT(poll(&pf, 1, 500) == 1); /* well before curl's 1 s wait */
	ssize_t n = recv(fd, cont, sizeof cont - 1, 0);
	CU_ASSERT(n > 0 &&
		  !strncmp(cont, "HTTP/1.1 100 Continue\r\n\r\n", (size_t)n));
	send_all(fd, ok_body, obl);
	r = (struct resp){0};
	wait_eof(fd, &r, 3000);
	close(fd);
	parse_resp(&r);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	free(eh);

	const char *pipe3 =
	    "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
	    "HEAD /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	r = raw_request(s.port, pipe3, strlen(pipe3), 3000);
	const char *p1 = strstr(r.raw, "HTTP/1.1 200");
	const char *p2 = p1 ? strstr(p1 + 1, "HTTP/1.1 200") : NULL;
	const char *p3 = p2 ? strstr(p2 + 1, "HTTP/1.1 200") : NULL;
	CU_ASSERT(p1 == r.raw && p2 && p3);
	CU_ASSERT(p2 && strstr(p2, "Qwen3-8B") && strstr(p2, "Qwen3-8B") < p3);
	CU_ASSERT(p3 && strstr(p3, "\r\n\r\n") &&
		  strstr(p3, "\r\n\r\n")[4] == 0);
	resp_free(&r);

	char *b10 =
	    ids_prompt_body(8, 40, ",\"stream\":true,\"ignore_eos\":true");
	char *h10 = xasprintf(
	    "POST /v1/completions HTTP/1.0\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(b10), b10);
	r = raw_request(s.port, h10, strlen(h10), 3000);
	CU_ASSERT_EQUAL(r.status, 200);
	CU_ASSERT(!r.chunked);
	struct sse e;
	sse_scan(r.body, &e);
	CU_ASSERT_EQUAL(e.tokens, 40);
	CU_ASSERT(e.done_last);
	resp_free(&r);
	free(h10);
	free(b10);

	r = request(s.port, "GET", "/health", NULL);
	CU_ASSERT_EQUAL(r.status, 200);
	resp_free(&r);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static CU_TestInfo tests[] = {
    {"streamed token counts and usage", test_stream_token_counts},
    {"chat role chunk, non-streaming, models, health", test_chat_and_plain},
    {"disagg stream through both pools", test_disagg_stream},
    {"error statuses and bodies", test_error_statuses},
    {"early stop without ignore_eos", test_early_stop},
    {"disconnects free slots and KV", test_disconnect_frees_slot},
    {"faults appear at their rates", test_fault_rates},
    {"graceful stop and trace", test_graceful_stop_and_trace},
    {"bad deployment and flags exit codes", test_bad_deployment_exit_code},
    {"never-reading clients: bounded memory", test_never_reading_clients},
    {"out of descriptors: accept backs off", test_out_of_descriptors},
    {"idle, slowloris and blocked connections time out", test_idle_timeouts},
    {"HTTP-layer errors are JSON; conflicting lengths refused",
     test_protocol_errors_are_json},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("emu_http", tests)
