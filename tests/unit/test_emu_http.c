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
#include <sys/socket.h>
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

/* Starts the server on port 0 and reads the URL it prints. */
static int server_start(struct server *s, const char *deploy_rel,
			const char *const *extra)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	char dep[4096];
	snprintf(dep, sizeof dep, "%s", testutil_src(deploy_rel));
	const char *argv[32] = {servecal_bin(), "emulate", "--deployment", dep,
				"--port", "0"};
	int n = 6;
	for (int i = 0; extra && extra[i] && n < 31; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	s->pid = fork();
	if (s->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
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
	char *head = xasprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
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
	double max_gap_s;       /* largest pause between reads after headers */
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
	long tokens;          /* chunks with non-empty text or content */
	long events;
	bool role_first;      /* first event was a role-only chat chunk */
	bool done_last;       /* [DONE] was the last event */
	bool error_chunk;
	long malformed;
	long usage_prompt, usage_completion; /* -1 when no usage chunk */
	char finish[16];      /* finish_reason of the last token chunk */
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
					s->usage_prompt = cJSON_GetObjectItem(
						u, "prompt_tokens")->valueint;
					s->usage_completion = cJSON_GetObjectItem(
						u, "completion_tokens")->valueint;
				}
				cJSON *d = cJSON_GetObjectItem(c, "delta");
				cJSON *t = d ? cJSON_GetObjectItem(d, "content")
					     : cJSON_GetObjectItem(c, "text");
				if (s->events == 1 && d &&
				    cJSON_GetObjectItem(d, "role") &&
				    t && !t->valuestring[0])
					s->role_first = true;
				if (cJSON_IsString(t) && t->valuestring[0]) {
					s->tokens++;
					cJSON *f = cJSON_GetObjectItem(
						c, "finish_reason");
					snprintf(s->finish, sizeof s->finish, "%s",
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
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-disagg-tiny.json", NULL) == 0);
	char *b = ids_prompt_body(
		500, 12,
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
	CU_ASSERT(strstr(m.body, "servecal_emu_prefill_tokens_total{worker=\"prefill-0\"} 500") != NULL);
	CU_ASSERT(strstr(m.body, "servecal_emu_generated_tokens_total{worker=\"decode-0\"} 12") != NULL);
	resp_free(&m);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_chat_and_plain(void)
{
	struct server s;
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", NULL) == 0);
	struct resp r = request(
		s.port, "POST", "/v1/chat/completions",
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

	r = request(s.port, "POST", "/v1/completions",
		    "{\"prompt\":[1,2,3,4],\"max_tokens\":12,\"ignore_eos\":true}");
	CU_ASSERT_EQUAL(r.status, 200);
	cJSON *j = cJSON_Parse(r.body);
	CU_ASSERT_FATAL(j != NULL);
	cJSON *u = cJSON_GetObjectItem(j, "usage");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(u, "completion_tokens")->valueint, 12);
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
		{"POST", "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":\"9\"}", 422},
		{"POST", "/v1/completions", "{\"model\":\"nope\",\"prompt\":\"x\"}", 404},
		{"POST", "/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":99999999}", 400},
		{"POST", "/v1/nothing", "{}", 404},
		{"GET", "/v1/completions", NULL, 405},
		{"POST", "/metrics", "{}", 405},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		struct resp r = request(s.port, t[i].method, t[i].path, t[i].body);
		if (r.status != t[i].status)
			fprintf(stderr, "\ncase %zu: got %d want %d\n", i, r.status,
				t[i].status);
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
			"\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
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
	char *b = ids_prompt_body(64, 20000, ",\"stream\":true,\"ignore_eos\":true");
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
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_disconnects_total"), 4);
	free(b);
	free(nb);
	CU_ASSERT_EQUAL(server_stop(&s), 0);
}

static void test_fault_rates(void)
{
	struct server s;
	const char *args[] = {"--fault-http-429", "0.07", "--fault-http-500", "0.07",
			      "--fault-http-503", "0.07", "--fault-error-chunk", "0.07",
			      "--fault-drop", "0.07", "--fault-stall", "0.07",
			      "--fault-malformed", "0.07", "--fault-stall-ms", "80",
			      NULL};
	CU_ASSERT_FATAL(server_start(&s, "bench/emu-agg-fast.json", args) == 0);
	enum { F429, F500, F503, FERR, FDROP, FSTALL, FBAD, FNONE, NK };
	long count[NK] = {0};
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
		else if (r.max_gap_s > 0.06 && e.tokens == 6)
			count[FSTALL]++;
		else if (e.tokens == 6 && e.malformed == 0)
			count[FNONE]++;
		resp_free(&r);
	}
	static const char *const names[] = {"429", "500", "503", "error_chunk",
					    "drop", "stall", "malformed", "none"};
	printf("\n  faults over %d requests:", n);
	long sum = 0;
	for (int k = 0; k < NK; k++) {
		printf(" %s=%ld", names[k], count[k]);
		sum += count[k];
	}
	printf("\n");
	CU_ASSERT_EQUAL(sum, n); /* every response is one of the kinds */
	/* rate 0.07 of 400: mean 28, sd 5.1; allow about 3 sd. */
	for (int k = 0; k < FNONE; k++)
		CU_ASSERT(count[k] >= 13 && count[k] <= 44);
	CU_ASSERT(count[FNONE] >= 0.51 * n - 30 && count[FNONE] <= 0.51 * n + 30);
	CU_ASSERT_EQUAL(metric_sum(s.port, "servecal_emu_faults_total"),
			(double)(n - count[FNONE]));
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
		char *b = ids_prompt_body(10 + i, 5 + i,
					  ",\"stream\":true,\"ignore_eos\":true");
		struct resp r = request(s.port, "POST", "/v1/completions", b);
		CU_ASSERT_EQUAL(r.status, 200);
		resp_free(&r);
		free(b);
	}
	char *b = ids_prompt_body(10, 20000, ",\"stream\":true,\"ignore_eos\":true");
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
		CU_ASSERT_EQUAL(nt, cJSON_GetObjectItem(j, "completion_tokens")->valueint);
		double arrival = cJSON_GetObjectItem(j, "arrival_ns")->valuedouble;
		double qx = cJSON_GetObjectItem(j, "queue_exit_ns")->valuedouble;
		double pe = cJSON_GetObjectItem(j, "prefill_end_ns")->valuedouble;
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
	snprintf(cmd, sizeof cmd, "%s emulate --deployment %s --port 0 "
		 ">/dev/null 2>&1", servecal_bin(), p);
	int st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	snprintf(cmd, sizeof cmd, "%s emulate --deployment %s --fault-drop 2 "
		 ">/dev/null 2>&1", servecal_bin(), p);
	st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	free(p);
	testutil_rmtree(dir);
	free(dir);
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
	CU_TEST_INFO_NULL,
};

TEST_MAIN("emu_http", tests)
