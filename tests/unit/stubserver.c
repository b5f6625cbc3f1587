/* Test server; see stubserver.h. Blocking writes are fine here: the client
 * runs on another thread of the same process and always reads. */
#include "stubserver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STUB_MAX_CONN 1024
/* Tokens a stream sends per turn when the gap is 0. */
#define STUB_BURST 256

enum kind {
	K_NORMAL,
	K_429,
	K_ERRCHUNK,
	K_DROP,
	K_STALL,
	K_MALFORMED,
	K_OVERSIZE,
	K_NODONE,
	K_ERRFIELD,
	K_NOOUT,
	K_TIMINGS,
	K_500TEXT,
	K_500LONG,
	K_HANGUP
};

struct conn {
	int fd;
	char in[1 << 16];
	size_t in_len;
	bool streaming;
	bool close_after; /* the response being sent is its last */
	enum kind kind;
	long left, sent, prompt, serial;
	long served; /* requests answered on this connection */
	int64_t next_ns;
	int64_t idle_since_ns; /* end of the last response, or accept */
};

struct stubserver {
	int lfd, port;
	long gap_us;
	struct stub_opts o;
	pthread_t th;
	atomic_bool stop;
	atomic_long max_inflight, requests, connections, dropped;
	struct conn *conns[STUB_MAX_CONN];
	int n;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wr(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}

/* One HTTP chunk in one write (small ones; a big one in three). */
static void chunk(int fd, const char *s)
{
	char buf[1024];
	size_t n = strlen(s);
	if (n + 32 <= sizeof buf) {
		int k = snprintf(buf, sizeof buf, "%zx\r\n%s\r\n", n, s);
		wr(fd, buf, (size_t)k);
		return;
	}
	char h[32];
	snprintf(h, sizeof h, "%zx\r\n", n);
	wr(fd, h, strlen(h));
	wr(fd, s, n);
	wr(fd, "\r\n", 2);
}

static void close_conn(struct stubserver *s, int i)
{
	close(s->conns[i]->fd);
	free(s->conns[i]);
	s->conns[i] = s->conns[--s->n];
}

static long inflight(struct stubserver *s)
{
	long k = 0;
	for (int i = 0; i < s->n; i++)
		k += s->conns[i]->streaming;
	return k;
}

/* The response of c is complete: the connection is idle from now. */
static void end_response(struct conn *c)
{
	c->streaming = false;
	c->idle_since_ns = now_ns();
}

/* True when the server has done with c: it served max_requests, or it was
 * idle for idle_close_ms. */
static bool expired(const struct stubserver *s, const struct conn *c,
		    int64_t now)
{
	if (s->o.max_requests > 0 && c->served >= s->o.max_requests)
		return true;
	return s->o.idle_close_ms > 0 && !c->streaming &&
	       now - c->idle_since_ns >= s->o.idle_close_ms * 1000000LL;
}

/* A whole response with a body, not streamed. */
static void respond(struct conn *c, const char *status, const char *ctype,
		    const char *body)
{
	char h[320];
	snprintf(
	    h, sizeof h,
	    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s\r\n",
	    status, ctype, strlen(body),
	    c->close_after ? "Connection: close\r\n" : "");
	wr(c->fd, h, strlen(h));
	wr(c->fd, body, strlen(body));
	end_response(c);
}

/* Parses a complete request in c->in, if there is one. Returns 0 when none
 * is complete yet, 1 when it is being answered, -1 when the connection must
 * be closed now (dropped unanswered, or its last response sent). */
static int take_request(struct stubserver *s, struct conn *c)
{
	c->in[c->in_len] = 0;
	char *hend = strstr(c->in, "\r\n\r\n");
	if (!hend)
		return 0;
	long clen = 0;
	char *cl = strcasestr(c->in, "content-length:");
	if (cl && cl < hend)
		clen = strtol(cl + 15, NULL, 10);
	size_t total = (size_t)(hend + 4 - c->in) + (size_t)clen;
	if (c->in_len < total)
		return 0;
	if (expired(s, c, now_ns())) {
		/* The server's close crossed this request on the wire. */
		atomic_fetch_add(&s->dropped, 1);
		return -1;
	}
	char *body = hend + 4;
	c->kind = K_NORMAL;
	static const struct {
		const char *path;
		enum kind k;
	} paths[] = {{"/http429", K_429},	  {"/errchunk", K_ERRCHUNK},
		     {"/drop", K_DROP},		  {"/stall", K_STALL},
		     {"/malformed", K_MALFORMED}, {"/oversize", K_OVERSIZE},
		     {"/nodone", K_NODONE},	  {"/errfield", K_ERRFIELD},
		     {"/noout", K_NOOUT},	  {"/timings", K_TIMINGS},
		     {"/http500text", K_500TEXT}, {"/http500long", K_500LONG},
		     {"/hangup", K_HANGUP}};
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
		if (!strncmp(c->in + 5, paths[i].path, strlen(paths[i].path)))
			c->kind = paths[i].k;
	char *mt = strstr(body, "\"max_tokens\":");
	c->left = mt ? strtol(mt + 13, NULL, 10) : 4;
	c->prompt = 0;
	char *pr = strstr(body, "\"prompt\":[");
	if (pr) {
		c->prompt = 1;
		for (char *p = pr + 10; *p && *p != ']'; p++)
			c->prompt += *p == ',';
	}
	c->sent = 0;
	memmove(c->in, c->in + total, c->in_len - total);
	c->in_len -= total;
	c->serial = atomic_fetch_add(&s->requests, 1);
	c->served++;
	if (c->kind == K_HANGUP)
		return -1; /* read, then closed unanswered on purpose */
	c->close_after = !s->o.unannounced && s->o.max_requests > 0 &&
			 c->served >= s->o.max_requests;
	if (c->kind == K_429) {
		respond(c, "429 Too Many Requests", "application/json",
			"{\"error\":{\"message\":\"rate "
			"limited\",\"type\":\"rate_limit\",\"code\":429}}");
		return c->close_after ? -1 : 1;
	}
	if (c->kind == K_500TEXT) {
		respond(c, "500 Internal Server Error", "text/plain",
			"Internal Server Error\n\n\tupstream\x01 failed\n");
		return c->close_after ? -1 : 1;
	}
	if (c->kind == K_500LONG) {
		static const char head[] =
		    "{\"error\":{\"code\":500,\"message\":\"out of memory: ";
		char *b = malloc(4096 + 64);
		size_t k = strlen(head);
		memcpy(b, head, k);
		for (; k < 4096; k++)
			b[k] = "abcdefgh"[k % 8];
		strcpy(b + k, "\",\"type\":\"server_error\"}}");
		respond(c, "500 Internal Server Error", "application/json", b);
		free(b);
		return c->close_after ? -1 : 1;
	}
	char h[160];
	snprintf(h, sizeof h,
		 "HTTP/1.1 200 OK\r\nContent-Type: "
		 "text/event-stream\r\nTransfer-Encoding: chunked\r\n%s\r\n",
		 c->close_after ? "Connection: close\r\n" : "");
	wr(c->fd, h, strlen(h));
	c->streaming = true;
	c->next_ns = now_ns() + s->gap_us * 1000;
	long k = inflight(s);
	long m = atomic_load(&s->max_inflight);
	if (k > m)
		atomic_store(&s->max_inflight, k);
	return 1;
}

/* Emits the next token of c; returns false when the connection must go. */
static bool step(struct stubserver *s, struct conn *c)
{
	char buf[512];
	if (c->kind == K_STALL && c->sent >= 1) {
		c->next_ns = now_ns() + 3600LL * 1000000000;
		return true;
	}
	if ((c->kind == K_DROP) && c->sent >= 2)
		return false;
	if (c->kind == K_ERRCHUNK && c->sent >= 2) {
		chunk(c->fd, "data: {\"error\":{\"message\":\"engine "
			     "died\",\"type\":\"InternalServerError\",\"code\":"
			     "500}}\n\n");
		chunk(c->fd, "data: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		end_response(c);
		return true;
	}
	if (c->kind == K_ERRFIELD) {
		/* llama.cpp: HTTP 200, then the error as an "error:" line. */
		chunk(c->fd,
		      "error: {\"code\":500,\"message\":\"Input prompt is too "
		      "big compared to KV size. Please try increasing KV "
		      "size.\",\"type\":\"server_error\"}\n\ndata: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		end_response(c);
		return true;
	}
	if (c->kind == K_NOOUT) {
		chunk(c->fd, "data: "
			     "{\"choices\":[{\"index\":0,\"text\":\"\","
			     "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_"
			     "tokens\":1,\"completion_tokens\":0,\"total_"
			     "tokens\":1}}\n\ndata: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		end_response(c);
		return true;
	}
	if (c->kind == K_MALFORMED && c->sent >= 1) {
		chunk(c->fd, "data: {\"choices\":[{\"text\":\n\n");
		chunk(c->fd, "data: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		end_response(c);
		return true;
	}
	if (c->kind == K_OVERSIZE) {
		size_t n = 2u << 20;
		char *big = malloc(n + 16);
		memcpy(big, "data: ", 6);
		memset(big + 6, 'x', n);
		memcpy(big + 6 + n, "\n\n", 3);
		chunk(c->fd, big);
		free(big);
		chunk(c->fd, "data: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		end_response(c);
		return true;
	}
	if (c->left > 0) {
		c->left--;
		c->sent++;
		snprintf(buf, sizeof buf,
			 "data: "
			 "{\"id\":\"stub-%ld\",\"object\":\"text_completion\","
			 "\"choices\":[{\"index\":0,\"text\":\"t%ld\",\"finish_"
			 "reason\":%s}]}\n\n",
			 c->serial, c->sent,
			 c->left == 0 && c->kind != K_NODONE ? "\"length\""
							     : "null");
		chunk(c->fd, buf);
		/* From now, not from the due time: a late tick never bursts. */
		c->next_ns = now_ns() + s->gap_us * 1000;
		return true;
	}
	if (c->kind != K_NODONE) {
		char tm[160] = "";
		if (c->kind == K_TIMINGS)
			snprintf(
			    tm, sizeof tm,
			    ",\"timings\":{\"prompt_n\":%ld,\"prompt_ms\":1.25,"
			    "\"predicted_n\":%ld,\"predicted_ms\":2.5}",
			    c->prompt, c->sent);
		snprintf(buf, sizeof buf,
			 "data: "
			 "{\"choices\":[],\"usage\":{\"prompt_tokens\":%ld,"
			 "\"completion_tokens\":%ld,\"total_tokens\":%ld}%s}"
			 "\n\ndata: [DONE]\n\n",
			 c->prompt, c->sent, c->prompt + c->sent, tm);
		chunk(c->fd, buf);
	}
	wr(c->fd, "0\r\n\r\n", 5);
	end_response(c);
	return true;
}

static void *run(void *arg)
{
	struct stubserver *s = arg;
	struct pollfd pf[STUB_MAX_CONN + 1];
	/* Announced closes of idle connections happen on time. */
	bool close_idle = !s->o.unannounced && s->o.idle_close_ms > 0;
	while (!atomic_load(&s->stop)) {
		int64_t now = now_ns(), next = now + 50000000;
		for (int i = 0; i < s->n; i++) {
			struct conn *c = s->conns[i];
			if (c->streaming && c->next_ns < next)
				next = c->next_ns;
			int64_t idle_end =
			    c->idle_since_ns + s->o.idle_close_ms * 1000000LL;
			if (close_idle && !c->streaming && idle_end < next)
				next = idle_end;
		}
		pf[0].fd = s->lfd;
		pf[0].events = POLLIN;
		for (int i = 0; i < s->n; i++) {
			pf[i + 1].fd = s->conns[i]->fd;
			pf[i + 1].events = POLLIN;
		}
		int ms =
		    next > now ? (int)((next - now + 999999) / 1000000) : 0;
		int nconn = s->n;
		if (poll(pf, (nfds_t)nconn + 1, ms) < 0)
			continue;
		if (pf[0].revents & POLLIN) {
			int fd = accept(s->lfd, NULL, NULL);
			if (fd >= 0 && s->n < STUB_MAX_CONN) {
				int one = 1;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof one);
				struct conn *c = calloc(1, sizeof *c);
				c->fd = fd;
				c->idle_since_ns = now_ns();
				s->conns[s->n++] = c;
				atomic_fetch_add(&s->connections, 1);
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (int i = nconn - 1; i >= 0; i--) {
			if (!(pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			struct conn *c = s->conns[i];
			ssize_t k = recv(c->fd, c->in + c->in_len,
					 sizeof c->in - 1 - c->in_len, 0);
			if (k <= 0) {
				close_conn(s, i);
				continue;
			}
			c->in_len += (size_t)k;
			if (!c->streaming && take_request(s, c) < 0)
				close_conn(s, i);
		}
		now = now_ns();
		for (int i = s->n - 1; i >= 0; i--) {
			struct conn *c = s->conns[i];
			bool gone = false;
			/* With no gap, tokens go out in bursts, a burst per
			 * stream per turn, so long streams stay fast and fair.
			 */
			for (int k = 1;
			     !gone && c->streaming && c->next_ns <= now; k++) {
				gone = !step(s, c);
				if (s->gap_us == 0 && k < STUB_BURST)
					c->next_ns = now;
			}
			if (!gone && !c->streaming && c->close_after)
				gone = true; /* its announced last response */
			if (!gone && !c->streaming && c->in_len)
				gone = take_request(s, c) < 0;
			if (!gone && close_idle && !c->streaming &&
			    !c->in_len && expired(s, c, now_ns()))
				gone = true;
			if (gone)
				close_conn(s, i);
		}
	}
	while (s->n)
		close_conn(s, s->n - 1);
	return NULL;
}

struct stubserver *stub_start(long token_gap_us)
{
	struct stub_opts o = {.token_gap_us = token_gap_us};
	return stub_start_opts(&o);
}

struct stubserver *stub_start_opts(const struct stub_opts *o)
{
	struct stubserver *s = calloc(1, sizeof *s);
	s->o = *o;
	s->gap_us = o->token_gap_us;
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) ||
	    listen(s->lfd, 512) ||
	    getsockname(s->lfd, (struct sockaddr *)&a, &al)) {
		perror("stubserver");
		abort();
	}
	s->port = ntohs(a.sin_port);
	pthread_create(&s->th, NULL, run, s);
	return s;
}

int stub_port(const struct stubserver *s)
{
	return s->port;
}
long stub_max_inflight(const struct stubserver *s)
{
	return atomic_load(&((struct stubserver *)s)->max_inflight);
}
long stub_requests(const struct stubserver *s)
{
	return atomic_load(&((struct stubserver *)s)->requests);
}
long stub_connections(const struct stubserver *s)
{
	return atomic_load(&((struct stubserver *)s)->connections);
}
long stub_dropped(const struct stubserver *s)
{
	return atomic_load(&((struct stubserver *)s)->dropped);
}

void stub_stop(struct stubserver *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	close(s->lfd);
	free(s);
}

int stub_port_closed(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	return ntohs(a.sin_port);
}
