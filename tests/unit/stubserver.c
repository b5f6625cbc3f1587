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

enum kind { K_NORMAL, K_429, K_ERRCHUNK, K_DROP, K_STALL, K_MALFORMED,
	    K_OVERSIZE, K_NODONE };

struct conn {
	int fd;
	char in[1 << 16];
	size_t in_len;
	bool streaming;
	enum kind kind;
	long left, sent, prompt, serial;
	int64_t next_ns;
};

struct stubserver {
	int lfd, port;
	long gap_us;
	pthread_t th;
	atomic_bool stop;
	atomic_long max_inflight, requests, connections;
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

static void chunk(int fd, const char *s)
{
	char h[32];
	size_t n = strlen(s);
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

/* Parses a complete request in c->in, if there is one. */
static bool take_request(struct stubserver *s, struct conn *c)
{
	c->in[c->in_len] = 0;
	char *hend = strstr(c->in, "\r\n\r\n");
	if (!hend)
		return false;
	long clen = 0;
	char *cl = strcasestr(c->in, "content-length:");
	if (cl && cl < hend)
		clen = strtol(cl + 15, NULL, 10);
	size_t total = (size_t)(hend + 4 - c->in) + (size_t)clen;
	if (c->in_len < total)
		return false;
	char *body = hend + 4;
	c->kind = K_NORMAL;
	static const struct {
		const char *path;
		enum kind k;
	} paths[] = {{"/http429", K_429},	  {"/errchunk", K_ERRCHUNK},
		     {"/drop", K_DROP},		  {"/stall", K_STALL},
		     {"/malformed", K_MALFORMED}, {"/oversize", K_OVERSIZE},
		     {"/nodone", K_NODONE}};
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
	if (c->kind == K_429) {
		const char *b = "{\"error\":{\"message\":\"rate limited\",\"type\":\"rate_limit\",\"code\":429}}";
		char h[256];
		snprintf(h, sizeof h,
			 "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
			 strlen(b));
		wr(c->fd, h, strlen(h));
		wr(c->fd, b, strlen(b));
		return true;
	}
	const char *h = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
	wr(c->fd, h, strlen(h));
	c->streaming = true;
	c->next_ns = now_ns() + s->gap_us * 1000;
	long k = inflight(s);
	long m = atomic_load(&s->max_inflight);
	if (k > m)
		atomic_store(&s->max_inflight, k);
	return true;
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
		chunk(c->fd, "data: {\"error\":{\"message\":\"engine died\",\"type\":\"InternalServerError\",\"code\":500}}\n\n");
		chunk(c->fd, "data: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		c->streaming = false;
		return true;
	}
	if (c->kind == K_MALFORMED && c->sent >= 1) {
		chunk(c->fd, "data: {\"choices\":[{\"text\":\n\n");
		chunk(c->fd, "data: [DONE]\n\n");
		wr(c->fd, "0\r\n\r\n", 5);
		c->streaming = false;
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
		c->streaming = false;
		return true;
	}
	if (c->left > 0) {
		c->left--;
		c->sent++;
		snprintf(buf, sizeof buf,
			 "data: {\"id\":\"stub-%ld\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"t%ld\",\"finish_reason\":%s}]}\n\n",
			 c->serial, c->sent,
			 c->left == 0 && c->kind != K_NODONE ? "\"length\"" : "null");
		chunk(c->fd, buf);
		/* From now, not from the due time: a late tick never bursts. */
		c->next_ns = now_ns() + s->gap_us * 1000;
		return true;
	}
	if (c->kind != K_NODONE) {
		snprintf(buf, sizeof buf,
			 "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld}}\n\ndata: [DONE]\n\n",
			 c->prompt, c->sent, c->prompt + c->sent);
		chunk(c->fd, buf);
	}
	wr(c->fd, "0\r\n\r\n", 5);
	c->streaming = false;
	return true;
}

static void *run(void *arg)
{
	struct stubserver *s = arg;
	struct pollfd pf[STUB_MAX_CONN + 1];
	while (!atomic_load(&s->stop)) {
		int64_t now = now_ns(), next = now + 50000000;
		for (int i = 0; i < s->n; i++)
			if (s->conns[i]->streaming && s->conns[i]->next_ns < next)
				next = s->conns[i]->next_ns;
		pf[0].fd = s->lfd;
		pf[0].events = POLLIN;
		for (int i = 0; i < s->n; i++) {
			pf[i + 1].fd = s->conns[i]->fd;
			pf[i + 1].events = POLLIN;
		}
		int ms = next > now ? (int)((next - now + 999999) / 1000000) : 0;
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
			if (!c->streaming)
				take_request(s, c);
		}
		now = now_ns();
		for (int i = s->n - 1; i >= 0; i--) {
			struct conn *c = s->conns[i];
			while (c->streaming && c->next_ns <= now)
				if (!step(s, c)) {
					close_conn(s, i);
					break;
				}
			if (i < s->n && s->conns[i] == c && !c->streaming &&
			    c->in_len)
				take_request(s, c);
		}
	}
	while (s->n)
		close_conn(s, s->n - 1);
	return NULL;
}

struct stubserver *stub_start(long token_gap_us)
{
	struct stubserver *s = calloc(1, sizeof *s);
	s->gap_us = token_gap_us;
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

int stub_port(const struct stubserver *s) { return s->port; }
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
