/* MPI ranks for bench: the level plan by broadcast, a barrier before each
 * level, records gathered by rank 0.
 *
 * Other ranks keep their records in a spill file while the level runs and
 * send them when their share ends (a dead rank loses its share's records;
 * the level fails anyway). Rank 0 moves their times onto its own clock by
 * the difference of the level starts (each rank starts a fixed delay after
 * the barrier on its own monotonic clock): latencies stay differences of
 * one clock, and only the steady window's edges assume the barrier left
 * the ranks together (to its skew, micro- to milliseconds). */
#include "config.h"

#include "load/ranks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/merge.h"
#include "load/share.h"
#include "load/wire.h"
#include "util/clock.h"
#include "util/xalloc.h"

#ifdef HAVE_MPI
#include <mpi.h>
#include <unistd.h>
#endif

/* Launchers' variables that say how many ranks were started. */
static long launcher_size(void)
{
	static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
					   "PMIX_SIZE", "MPI_LOCALNRANKS"};
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strtol(v, NULL, 10);
	}
	/* srun --mpi=pmix sets PMIX_RANK but not always a size */
	return getenv("PMIX_RANK") ? 2 : 0;
}

bool ranks_built(void)
{
#ifdef HAVE_MPI
	return true;
#else
	return false;
#endif
}

#ifndef HAVE_MPI

int ranks_init(int *argc, char ***argv, struct ranks **out, struct sc_err *e)
{
	(void)argc;
	(void)argv;
	*out = NULL;
	if (launcher_size() > 1)
		return sc_err_set(
		    e, SC_ERUNTIME,
		    "started as one of %ld MPI ranks, but this servecal was "
		    "built without MPI (./configure --with-mpi with "
		    "libopenmpi-dev installed); one process can use --procs N",
		    launcher_size());
	return SC_OK;
}
int ranks_rank(const struct ranks *rk)
{
	(void)rk;
	return 0;
}
int ranks_size(const struct ranks *rk)
{
	(void)rk;
	return 1;
}
int ranks_setup(struct ranks *rk, struct ranks_setup *s, struct sc_err *e)
{
	(void)rk;
	(void)s;
	return sc_err_set(e, SC_ERUNTIME, "built without MPI");
}
int ranks_run(struct ranks *rk, struct http_driver *d, struct workload *wl,
	      const struct loop_config *c, struct loop_result *out,
	      struct sc_err *e)
{
	(void)rk;
	return loop_run(d, wl, c, out, e);
}
int ranks_serve(struct ranks *rk, struct http_driver *d, struct workload *wl,
		const char *url, volatile sig_atomic_t *stop, struct sc_err *e)
{
	(void)rk, (void)d, (void)wl, (void)url, (void)stop;
	return sc_err_set(e, SC_ERUNTIME, "built without MPI");
}
void ranks_free(struct ranks *rk)
{
	(void)rk;
}

#else

enum { TAG_DONE = 11, TAG_RECS = 12, TAG_STOP = 13 };
enum { LEVEL_RUN = 1, LEVEL_END = 2 };
/* Each rank starts a level this long after the barrier. */
#define RANKS_START_DELAY_NS 100000000LL
/* Record bytes per message to rank 0. */
#define RANKS_CHUNK	     (4u << 20)
/* Time given to ranks, once stopped, to send what they finished: short,
 * since mpirun (Open MPI 4.1) kills the job's ranks about 1 s after its
 * SIGTERM when one of them died, and rank 0 should have said which level
 * failed and why before that. */
#define RANKS_GRACE_NS	     500000000LL
/* How often a rank's loop looks for rank 0's stop. */
#define RANKS_POLL_NS	     50000000LL
/* Waiting for the others, rank 0 sleeps this long between checks. */
#define RANKS_WAIT_US	     1000

struct ranks {
	int rank, size;
	bool setup_done;
	volatile sig_atomic_t stop;	 /* a share's stop: rank 0 said so */
	volatile sig_atomic_t *sig_stop; /* the command's signal flag */
};

/* One level as rank 0 sends it: the loop's numbers and the arrival
 * process's state, so every rank draws the same schedule. */
struct ranks_level {
	int32_t cmd;
	uint32_t workers;
	uint8_t open_loop, replay, keep_itl, has_sla;
	int64_t concurrency, max_concurrency, queue_max, requests, warmup,
	    timeout_ms;
	double duration_s, max_error_rate, level;
	uint64_t max_event_bytes, max_chunks, first_id, id_step;
	struct sla sla;
	int32_t arr_kind;
	double arr_rate, arr_shape;
	struct rng arr_rng;
	uint64_t arr_block;
};

/* A rank's end of its share as it sends it to rank 0. */
struct ranks_done {
	struct wire_done d;
	int64_t start_ns;   /* its level start, on its clock */
	uint64_t rec_bytes; /* record bytes that follow in TAG_RECS messages */
};

static int mpi_fail(struct sc_err *e, const char *what, int rc)
{
	char s[MPI_MAX_ERROR_STRING];
	int len = 0;
	if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS)
		snprintf(s, sizeof s, "error %d", rc);
	return sc_err_set(e, SC_ERUNTIME, "MPI: %s: %s", what, s);
}

int ranks_init(int *argc, char ***argv, struct ranks **out, struct sc_err *e)
{
	*out = NULL;
	if (launcher_size() <= 1)
		return SC_OK;
	int rc = MPI_Init(argc, argv);
	if (rc != MPI_SUCCESS)
		return mpi_fail(e, "MPI_Init", rc);
	/* a rank that dies must be an error to handle, not an abort */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	struct ranks *rk = xcalloc(1, sizeof *rk);
	MPI_Comm_rank(MPI_COMM_WORLD, &rk->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &rk->size);
	if (rk->size <= 1) {
		MPI_Finalize();
		free(rk);
		return SC_OK;
	}
	*out = rk;
	return SC_OK;
}

int ranks_rank(const struct ranks *rk)
{
	return rk ? rk->rank : 0;
}
int ranks_size(const struct ranks *rk)
{
	return rk ? rk->size : 1;
}

int ranks_setup(struct ranks *rk, struct ranks_setup *s, struct sc_err *e)
{
	rk->setup_done = true;
	int rc = MPI_Bcast(s, sizeof *s, MPI_BYTE, 0, MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return mpi_fail(e, "sending the run's setup", rc);
	s->model[sizeof s->model - 1] = 0;
	return SC_OK;
}

static void shift(int64_t *t, int64_t by)
{
	if (*t && *t != SUMMARY_WINDOW_OPEN)
		*t += by;
}

/* Moves r's times by `by` ns (another rank's clock onto rank 0's). */
static void shift_record(struct req_record *r, int64_t by)
{
	shift(&r->sched_ns, by);
	shift(&r->start_ns, by);
	shift(&r->first_byte_ns, by);
	shift(&r->first_token_ns, by);
	shift(&r->last_token_ns, by);
	shift(&r->end_ns, by);
	for (size_t i = 0; i < r->n_tok; i++)
		shift(&r->tok_ns[i], by);
}

/* ---- other ranks --------------------------------------------------- */

struct share_run {
	struct ranks *rk;
	FILE *spill;
	uint64_t bytes;
	bool write_failed;
};

static void spill_record(void *ud, const struct req_record *r)
{
	struct share_run *sr = ud;
	uint64_t len = wire_record_size(r);
	unsigned char *buf = xmalloc(len);
	wire_record_pack(r, buf);
	if (fwrite(&len, sizeof len, 1, sr->spill) != 1 ||
	    fwrite(buf, len, 1, sr->spill) != 1)
		sr->write_failed = true;
	sr->bytes += sizeof len + len;
	free(buf);
}

/* Rank 0's stop, or this rank's signal: the share stops. */
static void check_stop(void *ud, const struct loop_progress *p)
{
	(void)p;
	struct share_run *sr = ud;
	int flag = 0;
	MPI_Iprobe(0, TAG_STOP, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
	if (flag || (sr->rk->sig_stop && *sr->rk->sig_stop))
		sr->rk->stop = 1;
}

/* Receives stop messages left from an earlier level. */
static void drain_stops(void)
{
	for (;;) {
		int flag = 0;
		MPI_Iprobe(0, TAG_STOP, MPI_COMM_WORLD, &flag,
			   MPI_STATUS_IGNORE);
		if (!flag)
			return;
		char b;
		MPI_Recv(&b, 1, MPI_BYTE, 0, TAG_STOP, MPI_COMM_WORLD,
			 MPI_STATUS_IGNORE);
	}
}

/* The loop config of level lv (url, arrival and sla are the caller's). */
static void level_config(const struct ranks_level *lv, const char *url,
			 struct arrival *arr, struct sla *sla,
			 struct loop_config *c)
{
	memset(c, 0, sizeof *c);
	arrival_init(arr, (enum arrival_kind)lv->arr_kind, lv->arr_rate,
		     lv->arr_shape, 0);
	arr->rng = lv->arr_rng;
	arrival_plan(arr, (long)lv->arr_block);
	*sla = lv->sla;
	c->url = url;
	c->open_loop = lv->open_loop;
	c->replay = lv->replay;
	c->keep_itl = lv->keep_itl;
	c->concurrency = lv->concurrency;
	c->max_concurrency = lv->max_concurrency;
	c->queue_max = lv->queue_max;
	c->requests = lv->requests;
	c->warmup = lv->warmup;
	c->timeout_ms = lv->timeout_ms;
	c->duration_s = lv->duration_s;
	c->max_error_rate = lv->max_error_rate;
	c->level = lv->level;
	c->max_event_bytes = lv->max_event_bytes;
	c->max_chunks = lv->max_chunks;
	c->first_id = lv->first_id;
	c->id_step = lv->id_step;
	c->arrival = arr;
	c->sla = lv->has_sla ? sla : NULL;
}

static int send_share(struct share_run *sr, const struct ranks_done *dn,
		      struct sc_err *e)
{
	int rc =
	    MPI_Send(dn, sizeof *dn, MPI_BYTE, 0, TAG_DONE, MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return mpi_fail(e, "sending a share's end to rank 0", rc);
	if (fflush(sr->spill) || fseek(sr->spill, 0, SEEK_SET))
		return sc_err_set(e, SC_ERUNTIME, "reading the spill back: %s",
				  strerror(errno));
	unsigned char *buf = xmalloc(RANKS_CHUNK);
	uint64_t left = dn->rec_bytes;
	int st = SC_OK;
	while (left && !st) {
		size_t k = left < RANKS_CHUNK ? (size_t)left : RANKS_CHUNK;
		if (fread(buf, 1, k, sr->spill) != k) {
			st = sc_err_set(e, SC_ERUNTIME,
					"the spill file is short");
			break;
		}
		rc = MPI_Send(buf, (int)k, MPI_BYTE, 0, TAG_RECS,
			      MPI_COMM_WORLD);
		if (rc != MPI_SUCCESS)
			st = mpi_fail(e, "sending records to rank 0", rc);
		left -= k;
	}
	free(buf);
	return st;
}

static int serve_level(struct ranks *rk, struct http_driver *d,
		       struct workload *wl, const char *url,
		       const struct ranks_level *lv, struct sc_err *e)
{
	unsigned n = lv->workers, k = (unsigned)rk->rank;
	drain_stops();
	rk->stop = 0;
	int rc = MPI_Barrier(MPI_COMM_WORLD);
	if (rc != MPI_SUCCESS)
		return mpi_fail(e, "the level's barrier", rc);
	if (k >= n)
		return SC_OK; /* the level is too small for this rank */
	struct arrival arr;
	struct sla sla;
	struct loop_config c, wc;
	level_config(lv, url, &arr, &sla, &c);
	share_config(&c, k, n, wl->n_items, &wc);
	wl_share(wl, k, n);
	struct share_run sr = {.rk = rk, .spill = tmpfile()};
	struct ranks_done dn = {0};
	struct loop_result res = {0};
	if (!sr.spill) {
		rc = sc_err_set(e, SC_ERUNTIME, "rank %d: a spill file: %s",
				rk->rank, strerror(errno));
		summary_acc_init(&res.acc, NULL);
	} else {
		wc.start_ns = dn.start_ns =
		    clock_mono_ns() + RANKS_START_DELAY_NS;
		wc.on_record = spill_record;
		wc.on_progress = check_stop;
		wc.progress_ns = RANKS_POLL_NS;
		wc.ud = &sr;
		wc.stop = &rk->stop;
		rc = loop_run(d, wl, &wc, &res, e);
		if (!rc && sr.write_failed)
			rc = sc_err_set(
			    e, SC_ERUNTIME,
			    "rank %d: writing its spill file failed", rk->rank);
	}
	wire_done_fill(&dn.d, rc, e, &res);
	if (rc)
		snprintf(dn.d.msg, sizeof dn.d.msg, "rank %d: %.480s", rk->rank,
			 e->msg);
	dn.rec_bytes = rc ? 0 : sr.bytes;
	struct sc_err se = {0};
	int src = send_share(&sr, &dn, &se);
	loop_result_release(&res);
	arrival_release(&arr);
	if (sr.spill)
		fclose(sr.spill);
	if (!rc && src) {
		*e = se;
		rc = src;
	}
	return rc;
}

int ranks_serve(struct ranks *rk, struct http_driver *d, struct workload *wl,
		const char *url, volatile sig_atomic_t *stop, struct sc_err *e)
{
	rk->sig_stop = stop;
	for (;;) {
		struct ranks_level lv;
		int rc = MPI_Bcast(&lv, sizeof lv, MPI_BYTE, 0, MPI_COMM_WORLD);
		if (rc != MPI_SUCCESS)
			return mpi_fail(e, "waiting for rank 0's next level",
					rc);
		if (lv.cmd != LEVEL_RUN)
			return SC_OK;
		/* a failed share was reported to rank 0, which ends the run */
		serve_level(rk, d, wl, url, &lv, e);
	}
}

/* ---- rank 0 -------------------------------------------------------- */

struct gather {
	struct merge *m;
	int rc;
	struct sc_err *e;
};

static void own_record(void *ud, const struct req_record *r)
{
	struct gather *g = ud;
	if (!g->rc)
		g->rc = merge_record(g->m, r, g->e);
}

static void send_stops(const struct ranks *rk, unsigned n, bool *sent)
{
	if (*sent)
		return;
	*sent = true;
	static const char b = 1;
	for (unsigned k = 1; k < n; k++) {
		MPI_Request q;
		if (MPI_Isend(&b, 1, MPI_BYTE, (int)k, TAG_STOP, MPI_COMM_WORLD,
			      &q) == MPI_SUCCESS)
			MPI_Request_free(&q);
	}
	(void)rk;
}

/* Receives rank k's records (after its done message) into the merge. */
static int take_records(struct merge *m, int k, const struct ranks_done *dn,
			int64_t start0, struct sc_err *e)
{
	int64_t by = start0 - dn->start_ns;
	uint64_t left = dn->rec_bytes;
	unsigned char *chunk = xmalloc(RANKS_CHUNK);
	unsigned char *pend = NULL; /* bytes of a record cut by a chunk */
	size_t plen = 0, pcap = 0;
	int rc = SC_OK;
	while (left && !rc) {
		size_t want = left < RANKS_CHUNK ? (size_t)left : RANKS_CHUNK;
		int mrc = MPI_Recv(chunk, (int)want, MPI_BYTE, k, TAG_RECS,
				   MPI_COMM_WORLD, MPI_STATUS_IGNORE);
		if (mrc != MPI_SUCCESS) {
			rc = mpi_fail(e, "receiving records", mrc);
			break;
		}
		left -= want;
		if (plen + want > pcap)
			pend = xgrow(pend, &pcap, plen + want, 1);
		memcpy(pend + plen, chunk, want);
		plen += want;
		size_t off = 0;
		unsigned char *rec = NULL;
		size_t rcap = 0;
		while (!rc && plen - off >= sizeof(uint64_t)) {
			uint64_t len;
			memcpy(&len, pend + off, sizeof len);
			if (len > WIRE_MAX_PAYLOAD) {
				rc = sc_err_set(e, SC_ERUNTIME,
						"a record of %llu bytes",
						(unsigned long long)len);
				break;
			}
			if (plen - off - sizeof len < len)
				break;
			if (len > rcap)
				rec = xgrow(rec, &rcap, len, 1);
			memcpy(rec, pend + off + sizeof len, len);
			struct req_record r;
			rc = wire_record_unpack(rec, len, &r, e);
			if (!rc) {
				shift_record(&r, by);
				rc = merge_record(m, &r, e);
			}
			off += sizeof len + len;
		}
		free(rec);
		memmove(pend, pend + off, plen - off);
		plen -= off;
	}
	if (!rc && plen)
		rc = sc_err_set(e, SC_ERUNTIME,
				"%zu bytes of a record are missing", plen);
	free(pend);
	free(chunk);
	if (rc)
		sc_err_prefix(e, "rank %d", k);
	return rc;
}

int ranks_run(struct ranks *rk, struct http_driver *d, struct workload *wl,
	      const struct loop_config *c, struct loop_result *out,
	      struct sc_err *e)
{
	unsigned n = share_workers(c, (unsigned)rk->size, wl->n_items);
	struct ranks_level lv = {
	    .cmd = LEVEL_RUN,
	    .workers = n,
	    .open_loop = c->open_loop,
	    .replay = c->replay,
	    .keep_itl = c->keep_itl,
	    .has_sla = c->sla != NULL,
	    .concurrency = c->concurrency,
	    .max_concurrency = c->max_concurrency,
	    .queue_max = c->queue_max,
	    .requests = c->requests,
	    .warmup = c->warmup,
	    .timeout_ms = c->timeout_ms,
	    .duration_s = c->duration_s,
	    .max_error_rate = c->max_error_rate,
	    .level = c->level,
	    .max_event_bytes = c->max_event_bytes,
	    .max_chunks = c->max_chunks,
	    .first_id = c->first_id,
	    .id_step = c->id_step,
	};
	if (c->sla)
		lv.sla = *c->sla;
	if (c->arrival) {
		lv.arr_kind = (int32_t)c->arrival->kind;
		lv.arr_rate = c->arrival->rate_per_s;
		lv.arr_shape = c->arrival->shape;
		lv.arr_rng = c->arrival->rng;
		lv.arr_block = c->arrival->block;
	}
	struct merge m;
	int rc = merge_init(&m, c, n, out, e);
	if (rc)
		goto out;
	int mrc = MPI_Bcast(&lv, sizeof lv, MPI_BYTE, 0, MPI_COMM_WORLD);
	if (mrc == MPI_SUCCESS)
		mrc = MPI_Barrier(MPI_COMM_WORLD);
	if (mrc != MPI_SUCCESS) {
		rc = mpi_fail(e, "starting the level on every rank", mrc);
		goto out;
	}
	int64_t start0 = clock_mono_ns() + RANKS_START_DELAY_NS;
	/* the others' end messages, posted before rank 0's own share */
	struct ranks_done *dn = xcalloc(n, sizeof *dn);
	MPI_Request *q = xcalloc(n, sizeof *q);
	bool *got = xcalloc(n, sizeof *got);
	for (unsigned k = 1; k < n; k++)
		MPI_Irecv(&dn[k], sizeof dn[k], MPI_BYTE, (int)k, TAG_DONE,
			  MPI_COMM_WORLD, &q[k]);
	struct loop_config wc;
	share_config(c, 0, n, wl->n_items, &wc);
	wl_share(wl, 0, n);
	struct gather g = {.m = &m, .e = e};
	wc.start_ns = start0;
	wc.on_record = own_record;
	wc.on_progress = NULL;
	wc.ud = &g;
	struct loop_result own;
	struct sc_err oe = {0};
	int orc = loop_run(d, wl, &wc, &own, &oe);
	struct wire_done od;
	wire_done_fill(&od, orc, &oe, &own);
	loop_result_release(&own);
	bool stops_sent = false;
	if (orc || g.rc || od.interrupted || od.too_many_errors)
		send_stops(rk, n, &stops_sent);
	rc = g.rc;
	struct sc_err we = {0};
	int wrc = merge_worker_done(&m, &od, &we);
	if (!rc && wrc) {
		*e = we;
		rc = wrc;
	}
	/* Wait for the others: a rank that stopped or failed has its records
	 * sent within the grace time; one that died never sends, and the
	 * request timeout (or the grace after a stop) bounds the wait. */
	int64_t give_up =
	    clock_mono_ns() +
	    (c->timeout_ms > 0 ? c->timeout_ms * 1000000LL : RANKS_GRACE_NS) +
	    RANKS_GRACE_NS;
	unsigned left = n - 1;
	struct sc_err lost = {0}; /* what MPI said of a rank gone */
	bool stop_seen = false;
	while (left) {
		if (c->stop && *c->stop)
			send_stops(rk, n, &stops_sent);
		if (stops_sent && !stop_seen) {
			/* stopped: what the ranks finished comes at once */
			stop_seen = true;
			int64_t g2 = clock_mono_ns() + RANKS_GRACE_NS;
			if (g2 < give_up)
				give_up = g2;
		}
		bool any = false;
		for (unsigned k = 1; k < n; k++) {
			if (got[k])
				continue;
			int flag = 0;
			int trc0 = MPI_Test(&q[k], &flag, MPI_STATUS_IGNORE);
			if (trc0 != MPI_SUCCESS) {
				/* the rank is gone: its records with it */
				mpi_fail(&lost, "waiting for a rank", trc0);
				send_stops(rk, n, &stops_sent);
				give_up = 0;
				continue;
			}
			if (!flag)
				continue;
			got[k] = true;
			left--;
			any = true;
			struct sc_err re = {0};
			int trc = take_records(&m, (int)k, &dn[k], start0, &re);
			struct wire_done sd = dn[k].d;
			int64_t by = start0 - dn[k].start_ns;
			shift(&sd.window_start_ns, by);
			shift(&sd.window_end_ns, by);
			shift(&sd.first_send_ns, by);
			shift(&sd.last_send_ns, by);
			if (!trc)
				trc = merge_worker_done(&m, &sd, &re);
			if (trc && !rc) {
				*e = re;
				rc = trc;
			}
			if (trc || sd.interrupted || sd.too_many_errors)
				send_stops(rk, n, &stops_sent);
		}
		if (!left)
			break;
		if (clock_mono_ns() > give_up)
			break;
		if (!any)
			usleep(RANKS_WAIT_US);
	}
	if (left) {
		char who[256] = "";
		size_t w = 0;
		for (unsigned k = 1; k < n && w < sizeof who - 16; k++)
			if (!got[k]) {
				w += (size_t)snprintf(who + w, sizeof who - w,
						      "%s%u", w ? ", " : "", k);
				MPI_Cancel(&q[k]);
				MPI_Request_free(&q[k]);
			}
		if (!rc)
			rc = sc_err_set(e, SC_ERUNTIME,
					"rank(s) %s of %u sent no records "
					"(ended, killed or stuck; mpirun or "
					"srun names the cause%s%.300s); the "
					"level failed (%zu records kept)",
					who, n, lost.msg[0] ? "; " : "",
					lost.msg, out->n);
	}
	if (!rc)
		rc = merge_finish(&m, e);
	free(dn);
	free(q);
	free(got);
out:
	merge_release(&m);
	return rc;
}

void ranks_free(struct ranks *rk)
{
	if (!rk)
		return;
	if (rk->rank == 0) {
		if (!rk->setup_done) {
			/* Releases the other ranks, which wait for a setup,
			 * with an empty one; a failed broadcast has no one
			 * left to tell, and MPI_Finalize follows either way. */
			struct ranks_setup s = {0};
			int rc = ranks_setup(rk, &s, NULL);
			(void)rc;
		} else {
			struct ranks_level lv = {.cmd = LEVEL_END};
			MPI_Bcast(&lv, sizeof lv, MPI_BYTE, 0, MPI_COMM_WORLD);
		}
	}
	MPI_Finalize();
	free(rk);
}

#endif
