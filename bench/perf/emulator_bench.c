/* Benchmark of `servecal emulate`: how many concurrent streams and output
 * tokens per second one emulator process sustains, and how late its
 * iteration timers fire. The server is pinned to one core, this client to
 * another; the client keeps N streaming requests open (closed loop, a new
 * request as soon as one ends) and reads the server's /metrics over a
 * measurement window.
 *
 * usage: emulator_bench [--streams N] [--seconds S] [--warmup S] [--max-tokens
 * M]
 *                       [--deployment FILE] [--servecal PATH] [--drop P]
 * --drop P: each request is abandoned mid-stream (connection closed) with
 * probability P, for soak tests of disconnect handling; the server's
 * resident memory is sampled every second.
 * Targets: >= 2000 streams, >= 100000 tokens/s, p99 lateness <= 1 ms. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/xalloc.h"

struct conn {
	int fd;
	size_t sent;
	bool open;
	char tail[5]; /* last bytes read: "0\r\n\r\n" ends a response */
	char *req;
	size_t req_len;
	long drop_after; /* close after this many bytes of the response; -1 */
	long got;
};

static int g_port, g_max_tokens;
static unsigned g_seed = 1;
static unsigned long long g_bytes, g_requests, g_errors, g_drops;
static double g_drop;

/* Next request: max_tokens uniform in [M/2, 3M/2] so streams do not all
 * end in the same iteration; keep-alive. */
static void next_request(struct conn *c)
{
	char body[512];
	long mt = g_max_tokens / 2 +
		  (long)(rand_r(&g_seed) % (unsigned)(g_max_tokens + 1));
	int bl =
	    snprintf(body, sizeof body,
		     "{\"prompt\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,"
		     "17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32],"
		     "\"max_tokens\":%ld,\"ignore_eos\":true,\"stream\":true}",
		     mt < 1 ? 1 : mt);
	free(c->req);
	c->req =
	    xasprintf("POST /v1/completions HTTP/1.1\r\nHost: x\r\n"
		      "Content-Type: application/json\r\nContent-Length: %d\r\n"
		      "\r\n%s",
		      bl, body);
	c->req_len = strlen(c->req);
	c->sent = 0;
	memset(c->tail, 0, sizeof c->tail);
	c->got = 0;
	c->drop_after = -1;
	if (g_drop > 0 && rand_r(&g_seed) < g_drop * RAND_MAX)
		c->drop_after = 200 + rand_r(&g_seed) % 20000;
}

static int conn_open(struct conn *c, int ep)
{
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)g_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0 &&
	    errno != EINPROGRESS) {
		close(c->fd);
		return -1;
	}
	next_request(c);
	c->open = true;
	struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

static void conn_close(struct conn *c, int ep)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->open = false;
}

/* A blocking GET of /metrics; returns the body (heap) or NULL. */
static char *get_metrics(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)g_port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
		close(fd);
		return NULL;
	}
	const char *q =
	    "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	if (write(fd, q, strlen(q)) < 0) {
		close(fd);
		return NULL;
	}
	size_t cap = 1 << 20, len = 0;
	char *buf = xmalloc(cap);
	ssize_t n;
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	close(fd);
	return buf;
}

static double metric(const char *text, const char *name)
{
	double sum = 0;
	size_t nl = strlen(name);
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		if (!strncmp(p, name, nl) && (p[nl] == ' ' || p[nl] == '{')) {
			const char *sp =
			    memrchr(p, ' ', e ? (size_t)(e - p) : strlen(p));
			sum += atof(sp + 1);
		}
		p = e ? e + 1 : NULL;
	}
	return sum;
}

static double proc_cpu_s(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* fields after ')': state ppid ... utime(14) stime(15) */
	sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	       &ut, &st);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static bool ends_response(struct conn *c, const char *b, size_t n)
{
	char t[5 + 5];
	size_t k = n < 5 ? n : 5;
	memcpy(t, c->tail, 5);
	memcpy(t + 5, b + n - k, k);
	/* keep the last 5 bytes of (tail + b) */
	memmove(t, t + k, 5);
	memcpy(c->tail, t, 5);
	return !memcmp(c->tail, "0\r\n\r\n", 5);
}

static void pump(struct conn *cs, int n, int ep, int64_t until_ns, bool reopen)
{
	struct epoll_event evs[512];
	static char buf[1 << 16];
	while (clock_mono_ns() < until_ns) {
		int k = epoll_wait(ep, evs, 512, 50);
		for (int i = 0; i < k; i++) {
			struct conn *c = evs[i].data.ptr;
			if (!c->open)
				continue;
			if ((evs[i].events & EPOLLOUT) &&
			    c->sent < c->req_len) {
				ssize_t w = write(c->fd, c->req + c->sent,
						  c->req_len - c->sent);
				if (w > 0)
					c->sent += (size_t)w;
				if (c->sent == c->req_len) {
					struct epoll_event ev = {
					    .events = EPOLLIN, .data.ptr = c};
					epoll_ctl(ep, EPOLL_CTL_MOD, c->fd,
						  &ev);
				}
			}
			if (!(evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				continue;
			ssize_t r;
			bool done = false;
			while ((r = read(c->fd, buf, sizeof buf)) > 0) {
				g_bytes += (unsigned long long)r;
				c->got += r;
				done = ends_response(c, buf, (size_t)r);
			}
			if (!done && c->drop_after >= 0 &&
			    c->got > c->drop_after) {
				g_drops++;
				conn_close(c, ep);
				if (reopen)
					conn_open(c, ep);
			} else if (done) {
				g_requests++;
				next_request(c);
				struct epoll_event ev = {.events =
							     EPOLLOUT | EPOLLIN,
							 .data.ptr = c};
				epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
			} else if (r == 0 || (r < 0 && errno != EAGAIN)) {
				g_errors++;
				conn_close(c, ep);
				if (reopen)
					conn_open(c, ep);
			}
		}
	}
	(void)n;
}

/* q-quantile of lateness between two /metrics snapshots, from histogram
 * buckets with linear interpolation inside a bucket. */
static double window_quantile(const char *m0, const char *m1, double q)
{
	static const char *const name =
	    "servecal_emu_timer_lateness_hist_seconds_bucket{le=\"";
	double le[64], c[64];
	int n = 0;
	for (const char *p = m1; (p = strstr(p, name)) && n < 64; p++) {
		const char *v = p + strlen(name);
		if (*v == '+')
			break;
		le[n] = atof(v);
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)(strchr(v, '}') - p + 1),
			 p);
		c[n] = metric(m1, key) - metric(m0, key);
		n++;
	}
	double total =
	    metric(m1, "servecal_emu_timer_lateness_hist_seconds_count") -
	    metric(m0, "servecal_emu_timer_lateness_hist_seconds_count");
	if (total <= 0)
		return 0;
	double want = q * total, prev_le = 0, prev_c = 0;
	for (int i = 0; i < n; i++) {
		if (c[i] >= want) {
			double f = c[i] > prev_c
				       ? (want - prev_c) / (c[i] - prev_c)
				       : 1;
			return prev_le + f * (le[i] - prev_le);
		}
		prev_le = le[i];
		prev_c = c[i];
	}
	return INFINITY;
}

static long proc_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "VmRSS:", 6))
			kb = atol(line + 6);
	fclose(f);
	return kb;
}

/* Time the process ran and waited on a run queue, s (/proc/PID/schedstat):
 * on a shared machine the wait says how much of the core it did not get. */
static void proc_sched_s(pid_t pid, double *run, double *wait)
{
	char path[64];
	unsigned long long r = 0, w = 0;
	snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &r, &w) != 2)
			r = w = 0;
		fclose(f);
	}
	*run = (double)r / 1e9;
	*wait = (double)w / 1e9;
}

static void pin(pid_t pid, int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(pid, sizeof set, &set);
}

int main(int argc, char **argv)
{
	int streams = 2000, max_tokens = 500;
	double seconds = 10, warmup = 5;
	const char *dep = SC_SRCDIR "/bench/emu-bench.json";
	const char *bin = SC_BUILDDIR "/servecal";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--streams"))
			streams = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--warmup"))
			warmup = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-tokens"))
			max_tokens = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--deployment"))
			dep = argv[i + 1];
		else if (!strcmp(argv[i], "--servecal"))
			bin = argv[i + 1];
		else if (!strcmp(argv[i], "--drop"))
			g_drop = atof(argv[i + 1]);
		else {
			fprintf(stderr, "emulator_bench: unknown option %s\n",
				argv[i]);
			return 2;
		}
	}
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)streams + 64 > rl.rlim_cur) {
		fprintf(stderr,
			"emulator_bench: %d streams need more file descriptors "
			"than the limit %lu\n",
			streams, (unsigned long)rl.rlim_cur);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	int p[2];
	if (pipe(p) != 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execl(bin, bin, "emulate", "--deployment", dep, "--port", "0",
		      (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	pin(pid, 0);
	pin(0, ncpu > 1 ? 1 : 0);
	char line[128] = {0};
	struct pollfd pf = {p[0], POLLIN, 0};
	if (poll(&pf, 1, 10000) <= 0 ||
	    read(p[0], line, sizeof line - 1) <= 0 || !strrchr(line, ':')) {
		fprintf(stderr, "emulator_bench: server did not start\n");
		kill(pid, SIGKILL);
		return 1;
	}
	g_port = atoi(strrchr(line, ':') + 1);
	g_max_tokens = max_tokens;
	int ep = epoll_create1(0);
	struct conn *cs = xcalloc((size_t)streams, sizeof *cs);
	/* Ramp up in steps so the accept queue does not overflow. */
	for (int i = 0; i < streams; i++) {
		conn_open(&cs[i], ep);
		if (i % 100 == 99)
			pump(cs, streams, ep, clock_mono_ns() + 20000000, true);
	}
	pump(cs, streams, ep, clock_mono_ns() + (int64_t)(warmup * 1e9), true);
	char *m0 = get_metrics();
	double cpu0 = proc_cpu_s(pid), run0, wait0, run1, wait1;
	proc_sched_s(pid, &run0, &wait0);
	int64_t t0 = clock_mono_ns();
	double open_min = 1e18, open_sum = 0;
	int samples = 0;
	long rss0 = proc_rss_kb(pid), rss_max = rss0, rss_last = rss0;
	long rss_mid = -1;
	int64_t end = t0 + (int64_t)(seconds * 1e9);
	while (clock_mono_ns() < end) {
		pump(cs, streams, ep, clock_mono_ns() + 1000000000LL, true);
		char *m = get_metrics();
		double open =
		    m ? metric(m, "servecal_emu_requests_running") : 0;
		open_min = open < open_min ? open : open_min;
		open_sum += open;
		samples++;
		free(m);
		rss_last = proc_rss_kb(pid);
		rss_max = rss_last > rss_max ? rss_last : rss_max;
		if (rss_mid < 0 && clock_mono_ns() > t0 + (end - t0) / 2)
			rss_mid = rss_last;
	}
	char *m1 = get_metrics();
	double dt = (double)(clock_mono_ns() - t0) / 1e9;
	double cpu = (proc_cpu_s(pid) - cpu0) / dt;
	proc_sched_s(pid, &run1, &wait1);
	double runq = (wait1 - wait0) / dt;
	double tok = metric(m1, "servecal_emu_tokens_total") -
		     metric(m0, "servecal_emu_tokens_total");
	double late50 = window_quantile(m0, m1, 0.5);
	double late99 = window_quantile(m0, m1, 0.99);
	double late999 = window_quantile(m0, m1, 0.999);
	double lateall99 = metric(
	    m1, "servecal_emu_timer_lateness_seconds{quantile=\"0.99\"}");
	double steps = metric(m1, "servecal_emu_steps_total") -
		       metric(m0, "servecal_emu_steps_total");
	printf("emulator benchmark: %d client streams, max_tokens %d, %.1f s "
	       "window "
	       "after %.1f s warm-up, server pinned to 1 core\n",
	       streams, max_tokens, dt, warmup);
	printf("  concurrent streams (running): mean %.0f, min %.0f\n",
	       open_sum / samples, open_min);
	printf("  output tokens/s:              %.0f\n", tok / dt);
	printf("  iterations/s:                 %.0f\n", steps / dt);
	printf("  server CPU:                   %.0f%% of one core, waited for "
	       "the "
	       "core %.0f%% of the time (other processes)\n",
	       cpu * 100, runq * 100);
	printf("  CPU per output token:         %.2f us (all server work / "
	       "tokens)\n",
	       tok > 0 ? cpu * dt / tok * 1e6 : 0);
	printf("  timer lateness (window):      p50 %.3f ms, p99 %.3f ms, "
	       "p99.9 %.3f ms\n",
	       late50 * 1e3, late99 * 1e3, late999 * 1e3);
	printf("  timer lateness p99 incl. ramp-up: %.3f ms\n",
	       lateall99 * 1e3);
	printf(
	    "  client: %llu requests done, %llu dropped on purpose, %llu read "
	    "errors, %.1f MB read\n",
	    g_requests, g_drops, g_errors, (double)g_bytes / 1e6);
	printf("  server RSS: window start %ld kB, middle %ld kB, end %ld kB, "
	       "max %ld kB\n",
	       rss0, rss_mid, rss_last, rss_max);
	bool ok = open_min >= 2000 && tok / dt >= 100000 && late99 <= 0.001;
	printf("  targets (>= 2000 streams, >= 100000 tokens/s, p99 <= 1 ms): "
	       "%s\n",
	       ok ? "met" : "NOT met");
	for (int i = 0; i < streams; i++)
		if (cs[i].open)
			conn_close(&cs[i], ep);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	free(m0);
	free(m1);
	for (int i = 0; i < streams; i++)
		free(cs[i].req);
	free(cs);
	return 0;
}
