/* Worker processes for one level: fork, share, pin, gather, merge.
 *
 * Each worker writes one message per finished record to its pipe (one
 * write(2) each, so a record is with the parent when its request ends) and
 * a done message last. A pipe that ends without the done message is a
 * worker that died: the level fails and the other workers are stopped.
 * Workers ignore SIGINT (a terminal's Ctrl-C reaches the whole process
 * group): the parent's stop flag decides, and it passes the stop on as
 * SIGTERM, whose handler the workers inherit from the command. */
#include "load/procs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "load/merge.h"
#include "load/share.h"
#include "load/wire.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* The workers start the level this long after the fork, together. */
#define PROCS_START_DELAY_NS 100000000LL
/* Pipe size asked for: a slow parent should not stall a worker's loop. */
#define PROCS_PIPE_BYTES (1 << 20)
/* Longest wait in poll: the stop flag is checked at least this often. */
#define PROCS_TICK_MS 100

int procs_available(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		int n = CPU_COUNT(&set);
		if (n > 0)
			return n;
	}
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* The k-th core of this process's affinity mask (wrapping), or -1. */
static int nth_core(unsigned k)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set))
		return -1;
	int n = CPU_COUNT(&set);
	if (n <= 0)
		return -1;
	int want = (int)(k % (unsigned)n);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set) && want-- == 0)
			return cpu;
	return -1;
}

/* write(2) all of buf; false when the pipe is gone. */
static bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t k = write(fd, p, len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return false;
		p += k;
		len -= (size_t)k;
	}
	return true;
}

struct child {
	int fd;
	unsigned char *buf; /* header + payload at offset 0 (aligned) */
	size_t cap;
	bool failed; /* the pipe is gone */
};

static void child_record(void *ud, const struct req_record *r)
{
	struct child *ch = ud;
	if (ch->failed)
		return;
	size_t len = wire_record_size(r);
	struct wire_hdr h = {WIRE_RECORD, (uint32_t)len};
	if (sizeof h + len > ch->cap)
		ch->buf = xgrow(ch->buf, &ch->cap, sizeof h + len, 1);
	memcpy(ch->buf, &h, sizeof h);
	wire_record_pack(r, ch->buf + sizeof h);
	if (!write_all(ch->fd, ch->buf, sizeof h + len))
		ch->failed = true;
}

/* Worker k of n: its share of c, then the done message; never returns. */
static void child_main(unsigned k, unsigned n, int fd, struct http_driver *d,
		       struct workload *wl, const struct loop_config *c)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_DFL);
#ifdef __linux__
	/* a parent killed outright takes its workers with it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	int cpu = nth_core(k);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof set, &set);
	}
	struct sc_err e = {0};
	struct child ch = {.fd = fd};
	struct loop_config wc;
	share_config(c, k, n, wl->n_items, &wc);
	wc.on_record = child_record;
	wc.on_progress = NULL;
	wc.ud = &ch;
	wl_share(wl, k, n);
	struct loop_result res = {0};
	int rc;
	/* The parent's driver is left alone: its connections are the
	 * parent's. */
	struct http_driver *wd = http_new_like(d, &e);
	if (!wd) {
		rc = e.status ? e.status : SC_ERUNTIME;
		summary_acc_init(&res.acc, c->sla);
	} else {
		rc = loop_run(wd, wl, &wc, &res, &e);
	}
	struct wire_done dn;
	wire_done_fill(&dn, rc, &e, &res);
	struct wire_hdr h = {WIRE_DONE, sizeof dn};
	int code = write_all(fd, &h, sizeof h) && write_all(fd, &dn, sizeof dn)
		       ? 0
		       : 1;
	http_free(wd);
	_exit(code);
}

struct worker {
	pid_t pid;
	int fd;	      /* -1 once closed */
	bool done;    /* its done message arrived */
	bool stopped; /* asked to stop */
	bool reaped;  /* waited for */
	unsigned char *buf;
	size_t len, cap;
};

/* "worker 2 of 4 (pid 123) was killed by signal 9" into buf. */
static void describe_end(const struct worker *w, unsigned k, unsigned n,
			 int status, char *buf, size_t cap)
{
	if (WIFSIGNALED(status))
		snprintf(
		    buf, cap,
		    "worker %u of %u (pid %ld) was killed by signal %d (%s)",
		    k + 1, n, (long)w->pid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, cap,
			 "worker %u of %u (pid %ld) exited with status %d",
			 k + 1, n, (long)w->pid, WEXITSTATUS(status));
	else
		snprintf(buf, cap, "worker %u of %u (pid %ld) ended", k + 1, n,
			 (long)w->pid);
}

/* Handles the complete messages in w's buffer; payloads are copied to
 * *scratch (malloc'd, so aligned for the record's arrays). */
static int consume(struct merge *m, struct worker *w, unsigned char **scratch,
		   size_t *scap, struct sc_err *e)
{
	size_t off = 0;
	int rc = SC_OK;
	while (!rc && w->len - off >= sizeof(struct wire_hdr)) {
		struct wire_hdr h;
		memcpy(&h, w->buf + off, sizeof h);
		if (h.len > WIRE_MAX_PAYLOAD ||
		    (h.type != WIRE_RECORD && h.type != WIRE_DONE)) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"a worker sent a malformed message "
					"(type %u, %u bytes)",
					h.type, h.len);
			break;
		}
		if (w->len - off - sizeof h < h.len)
			break;
		if (h.len > *scap)
			*scratch = xgrow(*scratch, scap, h.len, 1);
		unsigned char *pl = *scratch;
		memcpy(pl, w->buf + off + sizeof h, h.len);
		if (h.type == WIRE_RECORD) {
			struct req_record r;
			rc = wire_record_unpack(pl, h.len, &r, e);
			if (!rc)
				rc = merge_record(m, &r, e);
		} else if (h.len != sizeof(struct wire_done)) {
			rc = sc_err_set(
			    e, SC_ERUNTIME,
			    "a worker sent a done message of %u bytes", h.len);
		} else {
			struct wire_done dn;
			memcpy(&dn, pl, sizeof dn);
			w->done = true;
			rc = merge_worker_done(m, &dn, e);
		}
		off += sizeof h + h.len;
	}
	memmove(w->buf, w->buf + off, w->len - off);
	w->len -= off;
	return rc;
}

/* Reads what w's pipe holds; false at its end (or on an error). */
static bool drain(struct worker *w)
{
	for (;;) {
		if (w->cap - w->len < 65536)
			w->buf = xgrow(w->buf, &w->cap, w->len + 65536, 1);
		ssize_t k = read(w->fd, w->buf + w->len, w->cap - w->len);
		if (k > 0) {
			w->len += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		return false;
	}
}

static void stop_all(struct worker *ws, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		if (ws[k].pid > 0 && ws[k].fd >= 0 && !ws[k].stopped) {
			kill(ws[k].pid, SIGTERM);
			ws[k].stopped = true;
		}
}

int procs_run(unsigned n, struct http_driver *d, struct workload *wl,
	      const struct loop_config *c, struct loop_result *out,
	      struct sc_err *e)
{
	n = share_workers(c, n, wl->n_items);
	struct loop_config lc = *c;
	lc.start_ns = clock_mono_ns() + PROCS_START_DELAY_NS;
	struct merge m;
	int rc = merge_init(&m, &lc, n, out, e);
	if (rc) {
		merge_release(&m);
		return rc;
	}
	struct worker *ws = xcalloc(n, sizeof *ws);
	struct pollfd *pf = xcalloc(n, sizeof *pf);
	unsigned started = 0;
	fflush(NULL); /* nothing buffered is written twice */
	for (unsigned k = 0; k < n; k++) {
		int p[2];
		if (pipe2(p, O_CLOEXEC)) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"a pipe for worker %u: %s", k + 1,
					strerror(errno));
			break;
		}
#ifdef F_SETPIPE_SZ
		fcntl(p[1], F_SETPIPE_SZ, PROCS_PIPE_BYTES);
#endif
		pid_t pid = fork();
		if (pid < 0) {
			rc = sc_err_set(e, SC_ERUNTIME,
					"starting worker %u of %u: %s", k + 1,
					n, strerror(errno));
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pid == 0) {
			close(p[0]);
			/* the pipes of earlier workers are the parent's */
			for (unsigned j = 0; j < k; j++)
				close(ws[j].fd);
			child_main(k, n, p[1], d, wl, &lc);
		}
		close(p[1]);
		fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
		ws[k].pid = pid;
		ws[k].fd = p[0];
		started++;
	}
	char died[256] = "";
	int64_t give_up_ns = 0; /* after a stop: kill what is left then */
	unsigned open_pipes = started;
	unsigned char *scratch = NULL;
	size_t scap = 0;
	if (rc)
		stop_all(ws, started);
	while (open_pipes) {
		if (c->stop && *c->stop)
			stop_all(ws, started);
		bool stopping = false;
		for (unsigned k = 0; k < started; k++)
			stopping |= ws[k].stopped;
		if (stopping && !give_up_ns)
			give_up_ns = clock_mono_ns() + PROCS_GRACE_NS;
		if (give_up_ns && clock_mono_ns() > give_up_ns) {
			for (unsigned k = 0; k < started; k++)
				if (ws[k].fd >= 0) {
					kill(ws[k].pid, SIGKILL);
					close(ws[k].fd);
					ws[k].fd = -1;
					open_pipes--;
				}
			break;
		}
		unsigned np = 0;
		for (unsigned k = 0; k < started; k++)
			if (ws[k].fd >= 0)
				pf[np++] = (struct pollfd){.fd = ws[k].fd,
							   .events = POLLIN};
		int pr = poll(pf, np, PROCS_TICK_MS);
		if (pr < 0 && errno != EINTR) {
			if (!rc)
				rc = sc_err_set(e, SC_ERUNTIME, "poll: %s",
						strerror(errno));
			stop_all(ws, started);
			continue;
		}
		for (unsigned k = 0; k < started; k++) {
			struct worker *w = &ws[k];
			if (w->fd < 0)
				continue;
			bool open = drain(w);
			struct sc_err we = {0};
			int wrc = consume(&m, w, &scratch, &scap, &we);
			if (wrc && !rc) {
				rc = wrc;
				sc_err_set(e, wrc, "worker %u of %u: %s", k + 1,
					   n, we.msg);
				stop_all(ws, started);
			}
			if (open)
				continue;
			close(w->fd);
			w->fd = -1;
			open_pipes--;
			if (!w->done && !died[0]) {
				int st = 0;
				waitpid(w->pid, &st, 0);
				w->reaped = true;
				describe_end(w, k, n, st, died, sizeof died);
				stop_all(ws, started);
			}
		}
	}
	for (unsigned k = 0; k < started; k++) {
		if (ws[k].pid > 0 && !ws[k].reaped)
			waitpid(ws[k].pid, NULL, 0);
		free(ws[k].buf);
	}
	if (died[0] && !rc)
		rc = sc_err_set(e, SC_ERUNTIME,
				"%s before the level ended; the level failed "
				"(%zu records kept)",
				died, out->n);
	if (!rc && m.done != started)
		rc = sc_err_set(
		    e, SC_ERUNTIME,
		    "%u of %u workers ended without reporting their end",
		    started - m.done, n);
	if (!rc)
		rc = merge_finish(&m, e);
	merge_release(&m);
	free(scratch);
	free(ws);
	free(pf);
	return rc;
}
