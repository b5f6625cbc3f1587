/* Discrete-event simulation of continuous batching. Cost is kept to a few
 * events per request: a run of identical decode-only iterations is taken
 * as one stretch (its step time at the stretch's middle context), ended
 * early when any other event could change the batch. */
#include "model/sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/rng.h"
#include "util/xalloc.h"

/* Closed loop: requests "sent at once" reach the engine this far apart
 * on average (exponential spacings): the client sends them in turn, each
 * on a new connection when the server closes connections after a response
 * (llama-server does), and the server reads them in turn. Measured
 * against llama-server on loopback: two requests sent together started
 * 0.3 to 1.2 ms apart. Whether they share a prefill iteration depends on
 * it. */
#define SIM_DEFAULT_GAP_S 0.5e-3
/* Jitter (see sim.h). Frontend: log-normal sigma of a request's frontend
 * time around t0. Iterations: a factor 1 + sigma * g(t), g a standard
 * normal value at every multiple of the period, linear in between. */
#define SIM_FRONTEND_SIGMA 0.25
#define SIM_STEP_SIGMA	   0.03
#define SIM_NOISE_PERIOD_S 0.05
/* Noise nodes a worker keeps (step_factor); the nodes per worker kept in
 * shared draws (sim_draws: 1000 s of simulated time) and the workers
 * they are kept for, which bound those draws to 40 MB a seed. */
#define SIM_NOISE_CACHE		 8
#define SIM_NOISE_SHARED	 20000L
#define SIM_NOISE_SHARED_WORKERS 256L
/* Measured requests when the load does not say. */
#define SIM_CLOSED_ROUNDS 8
#define SIM_CLOSED_MIN	  64
#define SIM_OPEN_DEFAULT  400
/* Open loop: the run is unstable when, at the last arrival, more than
 * this share of all requests (and at least SIM_UNSTABLE_MIN) still wait
 * for a slot. */
#define SIM_UNSTABLE_SHARE 0.1
#define SIM_UNSTABLE_MIN   8

enum ev_kind { EV_ARRIVE, EV_ITER_END, EV_KV_ARRIVE };

struct event {
	double t;
	unsigned long seq; /* ties: first scheduled first */
	enum ev_kind kind;
	long id;	   /* request, or worker for EV_ITER_END */
	unsigned long gen; /* EV_ITER_END: the worker's stretch it ends */
};

struct sreq {
	double arrive, admit, prompt_done, first, finish;
	double enter;	    /* arrivals_first: when the engine took it in */
	double frontend;    /* this request's frontend time */
	double prompt_left; /* tokens of the prompt not computed yet */
	double chunk;	    /* prompt tokens in the current iteration */
	double gen;	    /* output tokens emitted (prefill side) */
	double base;	    /* decoding: its tokens are epoch - base */
	long user;	    /* closed loop: its user, else -1 */
	long idx;	    /* send order */
	int pool;
	bool measured, done;
};

/* A ring of request ids; its capacity is a power of two. */
struct ring {
	long *v;
	long head, len, cap;
};

static void ring_push(struct ring *r, long id)
{
	if (r->len == r->cap) {
		long cap = r->cap ? 2 * r->cap : 16;
		long *v = xmalloc((size_t)cap * sizeof *v);
		for (long i = 0; i < r->len; i++)
			v[i] = r->v[(r->head + i) & (r->cap - 1)];
		free(r->v);
		r->v = v;
		r->cap = cap;
		r->head = 0;
	}
	r->v[(r->head + r->len) & (r->cap - 1)] = id;
	r->len++;
}

static long ring_at(const struct ring *r, long i)
{
	return r->v[(r->head + i) & (r->cap - 1)];
}

static long ring_pop(struct ring *r)
{
	long id = r->v[r->head];
	r->head = (r->head + 1) & (r->cap - 1);
	r->len--;
	return id;
}

/* A worker's requests: waiting for a slot, prefilling (admission order),
 * decoding (in the order they began; every decode iteration gives each
 * one token, so a request's tokens are epoch - base and the head is the
 * first to finish). Per-iteration work is then proportional to the
 * prompts touched, not to the batch. */
struct worker {
	int pool;
	struct ring queue, pre, dec;
	struct ring fresh; /* arrivals_first: arrived since the last
			      iteration boundary, not yet seen */
	struct ring hold;  /* engine_wait: waiting in front of the engine */
	long released;	   /* requests that left at this boundary */
	double pre_left;   /* sum of prompt_left over pre */
	double epoch;	   /* decode iterations run */
	double base_sum;   /* sum of base over dec */
	long pre_touched;  /* prompts given tokens in the iteration in flight */
	long slots_used;   /* slots that have held a request: an idle one
			      keeps its last request's cells (unified KV) */
	bool busy;
	/* the iteration (or stretch of k identical iterations) in flight */
	double it_start, it_step;
	long it_k;
	long it_dec;	      /* decoding requests in it */
	unsigned long it_gen; /* bumped when a stretch is cut short */
	double noise_node[SIM_NOISE_CACHE]; /* noise_node's cache: nodes */
	double noise_g[SIM_NOISE_CACHE];    /* and their values */
	const double *noise_row;  /* its shared nodes (sim_draws), or NULL */
	long noise_row_n;	  /* how many */
	struct step_load it_load; /* the stretch's first iteration */
};

static long active_of(const struct worker *w)
{
	return w->pre.len + w->dec.len;
}

struct sim {
	const struct sim_config *cfg;
	struct sim_draw_set *draws; /* cfg's shared draws, or NULL */
	struct step_consts k[2];    /* per pool: the step model's constants */
	struct sreq *r;		    /* max_sends of them */
	long n_req;
	struct worker *w;
	long n_w, first_w[2], count_w[2], rr[2];
	struct event *heap;
	size_t n_heap, cap_heap;
	unsigned long seq;
	/* load */
	long sends, max_sends, warmup, warm_done, measured_done, to_measure;
	double w_start, w_end;
	double tokens_total; /* emitted, applied at iteration ends */
	double tok_at_start, tok_at_end;
	double dec_iters, dec_seqs, iterations;
	double gap_s;
	double last_arrival;
	long waiting_at_last; /* open loop: queued at the last arrival */
};

/* A uniform value in (0, 1) that is a pure function of (seed, i). */
static double hash_uniform(uint64_t seed, uint64_t i)
{
	uint64_t x = seed + 0x9e3779b97f4a7c15ull * (i + 1);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

/* A standard normal value that is a pure function of (seed, i). */
static double hash_normal(uint64_t seed, uint64_t i)
{
	uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);
	uint64_t a = z, b = z ^ 0xd1b54a32d192ed03ull;
	for (int k = 0; k < 2; k++) { /* splitmix64 finalizer, twice */
		uint64_t *x = k ? &b : &a;
		*x = (*x ^ (*x >> 30)) * 0xbf58476d1ce4e5b9ull;
		*x = (*x ^ (*x >> 27)) * 0x94d049bb133111ebull;
		*x ^= *x >> 31;
	}
	double u1 = ((double)(a >> 11) + 0.5) / 9007199254740992.0;
	double u2 = (double)(b >> 11) / 9007199254740992.0;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void heap_push_gen(struct sim *s, double t, enum ev_kind k, long id,
			  unsigned long gen)
{
	if (s->n_heap == s->cap_heap)
		s->heap = xgrow(s->heap, &s->cap_heap, s->n_heap + 1,
				sizeof *s->heap);
	struct event ev = {t, s->seq++, k, id, gen};
	size_t i = s->n_heap++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		const struct event *q = &s->heap[p];
		if (q->t < ev.t || (q->t == ev.t && q->seq < ev.seq))
			break;
		s->heap[i] = *q;
		i = p;
	}
	s->heap[i] = ev;
}

static void heap_push(struct sim *s, double t, enum ev_kind k, long id)
{
	heap_push_gen(s, t, k, id, 0);
}

static bool ev_less(const struct event *a, const struct event *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static struct event heap_pop(struct sim *s)
{
	struct event top = s->heap[0];
	struct event last = s->heap[--s->n_heap];
	size_t i = 0, n = s->n_heap;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct event *best = &last;
		if (l < n && ev_less(&s->heap[l], best)) {
			m = l;
			best = &s->heap[l];
		}
		if (r < n && ev_less(&s->heap[r], best))
			m = r;
		if (m == i)
			break;
		s->heap[i] = s->heap[m];
		i = m;
	}
	if (n)
		s->heap[i] = last;
	return top;
}

/* The factor on t0_s of request number idx's frontend time. */
static double frontend_factor(uint64_t seed, long idx)
{
	double z = hash_normal(seed ^ 0xf20e7e9dull, (uint64_t)idx);
	return exp(SIM_FRONTEND_SIGMA * z -
		   0.5 * SIM_FRONTEND_SIGMA * SIM_FRONTEND_SIGMA);
}

/* -log(u) of the exponential spacing after request number idx. */
static double spacing_draw(uint64_t seed, long idx)
{
	return log(hash_uniform(seed ^ 0x6a9ull, (uint64_t)idx));
}

void sim_draws_init(struct sim_draws *d)
{
	memset(d, 0, sizeof *d);
}

void sim_draws_release(struct sim_draws *d)
{
	if (!d)
		return;
	for (int i = 0; i < SIM_DRAW_SEEDS; i++) {
		struct sim_draw_set *t = &d->set[i];
		free(t->frontend);
		free(t->spacing);
		for (long w = 0; w < t->noise_workers; w++)
			free(t->noise[w]);
		free(t->noise);
		free(t->noise_n);
	}
	memset(d, 0, sizeof *d);
}

/* The draw set of cfg's seed holding at least n requests, or NULL when
 * there is none to share (no draws given, or every set holds another
 * seed). */
static struct sim_draw_set *draws_for(const struct sim_config *c, long n)
{
	if (!c->draws || c->exact)
		return NULL;
	struct sim_draw_set *d = NULL;
	for (int i = 0; i < SIM_DRAW_SEEDS && !d; i++) {
		struct sim_draw_set *t = &c->draws->set[i];
		if (!t->used) {
			t->used = true;
			t->seed = c->seed;
		}
		if (t->seed == c->seed)
			d = t;
	}
	if (d && d->n < n) {
		d->frontend =
		    xrealloc(d->frontend, (size_t)n * sizeof *d->frontend);
		d->spacing =
		    xrealloc(d->spacing, (size_t)n * sizeof *d->spacing);
		for (long i = d->n; i < n; i++) {
			d->frontend[i] = frontend_factor(c->seed, i);
			d->spacing[i] = spacing_draw(c->seed, i);
		}
		d->n = n;
	}
	return d;
}

/* Frontend time of request number idx. */
static double frontend_of(const struct sim *s, long idx)
{
	const struct sim_config *c = s->cfg;
	if (c->exact)
		return c->t0_s;
	if (s->draws)
		return c->t0_s * s->draws->frontend[idx];
	return c->t0_s * frontend_factor(c->seed, idx);
}

/* A new request: `at` is when its client sends it (closed loop: when the
 * user saw its previous answer end); it reaches the engine after its
 * frontend time. Open-loop and burst arrival times are engine times. */
static long new_request(struct sim *s, double at, long user)
{
	/* Every request of the run was allocated up front (max_sends): a
	 * pointer into s->r stays valid while requests are created. */
	long id = s->n_req++;
	struct sreq *q = &s->r[id];
	memset(q, 0, sizeof *q);
	q->admit = q->prompt_done = q->first = q->finish = NAN;
	q->prompt_left = s->cfg->isl;
	q->user = user;
	q->idx = s->sends++;
	q->frontend = frontend_of(s, q->idx);
	q->arrive = user >= 0 ? at + q->frontend : at;
	q->measured = q->idx >= s->warmup && q->idx < s->warmup + s->to_measure;
	heap_push(s, q->arrive, EV_ARRIVE, id);
	return id;
}

/* Join the shortest queue (active plus waiting); ties go round robin. */
static long route(struct sim *s, int pool)
{
	long n = s->count_w[pool], base = s->first_w[pool];
	long best = -1, best_load = 0;
	for (long k = 0; k < n; k++) {
		long i = base + (s->rr[pool] + k) % n;
		long load = active_of(&s->w[i]) + s->w[i].queue.len +
			    s->w[i].fresh.len + s->w[i].hold.len;
		if (best < 0 || load < best_load) {
			best = i;
			best_load = load;
		}
	}
	s->rr[pool] = (best - base + 1) % n;
	return best;
}

/* The noise of worker wi at grid node k (a pure function of seed, wi and
 * k), through the worker's small cache of nodes: a stretch's middle and
 * the next iteration's start alternate between nodes far apart. */
static double noise_draw(const struct sim *s, long wi, double k)
{
	uint64_t seed =
	    s->cfg->seed ^ (0x57e9ull + (uint64_t)wi * 0x100000001b3ull);
	return hash_normal(seed, (uint64_t)k);
}

/* Worker wi's node k from the shared draws, drawing the nodes up to it
 * (up to SIM_NOISE_SHARED of them per worker). */
static bool noise_shared(struct sim *s, long wi, double k, double *out)
{
	struct sim_draw_set *d = s->draws;
	if (!d || k >= (double)SIM_NOISE_SHARED ||
	    wi >= SIM_NOISE_SHARED_WORKERS)
		return false;
	if (wi >= d->noise_workers) {
		long n = wi + 1;
		d->noise = xrealloc(d->noise, (size_t)n * sizeof *d->noise);
		d->noise_n =
		    xrealloc(d->noise_n, (size_t)n * sizeof *d->noise_n);
		for (long w = d->noise_workers; w < n; w++) {
			d->noise[w] = NULL;
			d->noise_n[w] = 0;
		}
		d->noise_workers = n;
	}
	long ki = (long)k;
	if (ki >= d->noise_n[wi]) {
		long n = 2 * ki + 64 < SIM_NOISE_SHARED ? 2 * ki + 64
							: SIM_NOISE_SHARED;
		d->noise[wi] =
		    xrealloc(d->noise[wi], (size_t)n * sizeof *d->noise[wi]);
		for (long j = d->noise_n[wi]; j < n; j++)
			d->noise[wi][j] = noise_draw(s, wi, (double)j);
		d->noise_n[wi] = n;
	}
	*out = d->noise[wi][ki];
	s->w[wi].noise_row = d->noise[wi];
	s->w[wi].noise_row_n = d->noise_n[wi];
	return true;
}

static double noise_node(struct sim *s, long wi, double k)
{
	const struct worker *wr = &s->w[wi];
	if (k < (double)wr->noise_row_n)
		return wr->noise_row[(long)k];
	double v;
	if (noise_shared(s, wi, k, &v))
		return v;
	struct worker *w = &s->w[wi];
	unsigned slot = (unsigned)((uint64_t)k % SIM_NOISE_CACHE); /* k >= 0 */
	if (w->noise_node[slot] != k) {
		w->noise_g[slot] = noise_draw(s, wi, k);
		w->noise_node[slot] = k;
	}
	return w->noise_g[slot];
}

/* The slowly wandering factor of worker wi's iteration times at t. */
static double step_factor(struct sim *s, long wi, double t)
{
	if (s->cfg->exact || !(t >= 0))
		return 1.0;
	double x = t / SIM_NOISE_PERIOD_S, k = floor(x), f = x - k;
	double g0 = noise_node(s, wi, k), g1 = noise_node(s, wi, k + 1);
	double g = (1 - f) * g0 + f * g1;
	double v = 1.0 + SIM_STEP_SIGMA * g;
	return v > 0.5 ? v : 0.5;
}

/* One iteration of worker wi with load l before its jitter
 * (step_factor). */
static double step_base(const struct sim *s, long wi, const struct step_load *l)
{
	return step_time_of(&s->k[s->w[wi].pool], l);
}

/* Output tokens a request must emit on this worker. */
static double target_tokens(const struct sim *s)
{
	return s->cfg->osl;
}

/* Occupied cells of a unified KV cache during an iteration: the active
 * requests' contexts with this iteration's tokens, and the whole context
 * of the last request of every idle slot that has served one. llama-server
 * frees a slot's cells only when the slot takes its next prompt, and gives
 * a distinct prompt the least recently used idle slot, so fewer users
 * than slots rotate through all of them (measured with 2 users on 8 slots,
 * ISL 256 / OSL 64: TPOT 4.2-7.7 ms for the first four requests, 5.8-13.5
 * ms once every slot had served one). */
static double unified_cells(const struct sim *s, const struct worker *w,
			    const struct step_load *l)
{
	double pre =
	    (double)w->pre.len * s->cfg->isl - w->pre_left + l->prefill_tokens;
	long idle = w->slots_used - active_of(w);
	double stale =
	    idle > 0 ? (double)idle * (s->cfg->isl + s->cfg->osl) : 0.0;
	return pre + l->decode_ctx_sum + l->decode_seqs + stale;
}

/* The load of the middle iteration of a stretch of k decode iterations. */
static struct step_load mid_load(const struct step_load *l, long k)
{
	struct step_load m = *l;
	double grow = 0.5 * (double)(k - 1) * l->decode_seqs;
	m.decode_ctx_sum += grow;
	if (m.attn_cells > 0)
		m.attn_cells += grow;
	return m;
}

/* Moves a request that has no prompt left into the decode FIFO with
 * `gen` tokens already emitted. */
static void to_decode(struct worker *w, struct sreq *q, long id, double gen)
{
	q->base = w->epoch - gen;
	w->base_sum += q->base;
	ring_push(&w->dec, id);
}

/* Gives request id a slot of worker w at time t. */
static void admit(struct sim *s, struct worker *w, long id, double t)
{
	struct sreq *q = &s->r[id];
	if (isnan(q->admit))
		q->admit = t;
	/* The least recently used idle slot: a fresh one while any is. */
	if (w->slots_used < s->cfg->pool[w->pool].slots)
		w->slots_used++;
	if (q->prompt_left > 0) {
		ring_push(&w->pre, id);
		w->pre_left += q->prompt_left;
	} else {
		to_decode(w, q, id, 0); /* disagg: after the handoff */
	}
}

/* arrivals_first: a request that reaches the engine within SIM_ROUND_S
 * of an iteration boundary races the engine's processing of that
 * boundary's tasks; in SIM_ROUND_CAUGHT of the cases it is processed
 * with them, behind the waiting ones moved there, and waits in turn.
 * The share is chosen, not measured: in llama-server's trace (-v, the
 * client's requests joined to tasks by the server's prompt times) 8 of
 * 24 closed-loop requests at 6 users on 4 slots and 0 of 32 at 8 users
 * were processed in the round of the release before them (sent 2.5-3.9
 * ms after it at the median); of 0, 1/3 and 1/2, 1/2 gave the lowest
 * worst held-out TTFT p90 over the nine stored real-engine sweeps (14.1%
 * against 16.7 and 16.2%). */
#define SIM_ROUND_S	 5e-3
#define SIM_ROUND_CAUGHT 0.5
static bool round_caught(const struct sim *s, long id)
{
	return hash_uniform(s->cfg->seed ^ 0x70c4dull, (uint64_t)s->r[id].idx) <
	       SIM_ROUND_CAUGHT;
}

static bool caught_by_round(const struct sim *s, const struct worker *w,
			    long id, double t)
{
	return t - w->it_start <= SIM_ROUND_S && round_caught(s, id);
}

/* llama.cpp's order at an iteration boundary (arrivals_first): the
 * engine's loop sees the tasks that arrived during the iteration, then
 * one waiting (deferred) task per request that finished in it, each
 * moved to the back of the task queue at its release; every one that
 * finds no free slot goes to the back of the wait. Requests that arrived
 * during earlier iterations of a stretch were already deferred at those
 * iterations' ends, in arrival order. */
static void admit_arrivals_first(struct sim *s, struct worker *w, double t,
				 long slots)
{
	double last_start = w->it_k >= 1 ? t - w->it_step : -INFINITY;
	long n_fresh = w->fresh.len;
	for (long i = 0; i < n_fresh; i++) {
		long id = ring_pop(&w->fresh);
		if (s->r[id].enter < last_start)
			ring_push(&w->queue, id);
		else
			ring_push(&w->fresh, id);
	}
	long released = w->released;
	long popped = released < w->queue.len ? released : w->queue.len;
	w->released = 0;
	for (long i = 0; i < popped; i++)
		ring_push(&w->fresh, ring_pop(&w->queue));
	while (w->fresh.len) {
		long id = ring_pop(&w->fresh);
		if (active_of(w) < slots)
			admit(s, w, id, t);
		else
			ring_push(&w->queue, id);
	}
	/* Each request that ended freed its place in the engine: the
	 * oldest one waiting in front of it enters, racing this round. */
	for (long i = 0; i < released && w->hold.len; i++) {
		long id = ring_pop(&w->hold);
		s->r[id].enter = t;
		if (!round_caught(s, id))
			ring_push(&w->fresh, id);
		else if (active_of(w) < slots)
			admit(s, w, id, t);
		else
			ring_push(&w->queue, id);
	}
}

static void start_iteration(struct sim *s, long wi, double t)
{
	struct worker *w = &s->w[wi];
	const struct sim_pool *p = &s->cfg->pool[w->pool];
	const double isl = s->cfg->isl;
	/* Admission at the iteration boundary. */
	if (p->sched.arrivals_first)
		admit_arrivals_first(s, w, t, p->slots);
	while (active_of(w) < p->slots && w->queue.len)
		admit(s, w, ring_pop(&w->queue), t);
	if (!active_of(w)) {
		w->busy = false;
		return;
	}
	struct step_load l = {0};
	bool prefill_only = p->sched.policy == SCHED_SEPARATE && w->pre.len;
	double room = p->budget;
	double n_dec = (double)w->dec.len;
	if (!prefill_only && w->dec.len) {
		l.decode_seqs = n_dec;
		l.decode_ctx_sum = n_dec * (isl + w->epoch) - w->base_sum;
		room -= n_dec;
	}
	double ctx_weighted = 0;
	w->pre_touched = 0;
	for (long i = 0; i < w->pre.len && room > 0; i++) {
		struct sreq *q = &s->r[ring_at(&w->pre, i)];
		double c = q->prompt_left;
		if (c > room) {
			/* Whole prompts only: one that does not fit waits,
			 * unless nothing else is prefilling (it could never
			 * run otherwise). */
			if (p->sched.whole_prompts && l.prefill_seqs > 0)
				break;
			c = p->sched.whole_prompts ? c : room;
		}
		q->chunk = c;
		ctx_weighted += c * (isl - q->prompt_left);
		l.prefill_tokens += c;
		l.prefill_seqs += 1;
		room -= c;
		w->pre_touched++;
	}
	if (l.prefill_tokens > 0)
		l.prefill_ctx = ctx_weighted / l.prefill_tokens;
	if (p->sched.unified_kv)
		l.attn_cells = unified_cells(s, w, &l);
	long k = 1;
	double step;
	w->it_load = l;
	if (l.prefill_tokens == 0 && l.decode_seqs > 0) {
		/* A stretch of identical decode iterations until the first
		 * request finishes; a request that joins a free slot cuts it
		 * short (cut_stretch). A request's first token (disagg) is
		 * timed by its own iteration, not by a stretch's average. */
		const struct sreq *head = &s->r[ring_at(&w->dec, 0)];
		const struct sreq *tail =
		    &s->r[ring_at(&w->dec, w->dec.len - 1)];
		double left = target_tokens(s) - (w->epoch - head->base);
		if (tail->base >= w->epoch)
			left = 1;
		k = left >= 1 ? (long)left : 1;
		struct step_load mid = mid_load(&l, k);
		double base = step_base(s, wi, &mid);
		step = base * step_factor(s, wi, t);
		/* The noise at the stretch's middle, not its start. */
		if (k > 1)
			step = base *
			       step_factor(s, wi, t + 0.5 * (double)k * step);
	} else {
		step = step_base(s, wi, &l) * step_factor(s, wi, t);
	}
	w->busy = true;
	w->it_start = t;
	w->it_step = step;
	w->it_k = k;
	w->it_dec = (long)l.decode_seqs;
	s->iterations += (double)k;
	if (l.decode_seqs > 0) {
		s->dec_iters += (double)k;
		s->dec_seqs += (double)k * l.decode_seqs;
	}
	heap_push_gen(s, t + (double)k * step, EV_ITER_END, wi, ++w->it_gen);
}

/* A request joined busy worker wi at time t and a slot is free: the
 * decode stretch in flight ends at the first iteration boundary at or
 * after t (the later iterations are replanned with it). */
static void cut_stretch(struct sim *s, long wi, double t)
{
	struct worker *w = &s->w[wi];
	if (!w->busy || w->it_k < 2)
		return;
	long k = (long)ceil((t - w->it_start) / w->it_step);
	if (k < 1)
		k = 1;
	if (k >= w->it_k)
		return;
	for (;;) {
		struct step_load mid = mid_load(&w->it_load, k);
		double base = step_base(s, wi, &mid);
		double step = base * step_factor(s, wi, w->it_start);
		step = base *
		       step_factor(s, wi, w->it_start + 0.5 * (double)k * step);
		if (w->it_start + (double)k * step >= t || k >= w->it_k) {
			s->iterations -= (double)(w->it_k - k);
			s->dec_iters -= (double)(w->it_k - k);
			s->dec_seqs -= (double)(w->it_k - k) * mid.decode_seqs;
			w->it_k = k;
			w->it_step = step;
			break;
		}
		k++;
	}
	heap_push_gen(s, w->it_start + (double)w->it_k * w->it_step,
		      EV_ITER_END, wi, ++w->it_gen);
}

/* Tokens emitted by time t, counting the part of every stretch in flight
 * that has already passed (stretches are applied at their end). */
static double emitted_until(const struct sim *s, double t)
{
	double n = s->tokens_total;
	for (long i = 0; i < s->n_w; i++) {
		const struct worker *w = &s->w[i];
		if (!w->busy || w->it_k < 2 || t <= w->it_start)
			continue;
		double done = floor((t - w->it_start) / w->it_step);
		if (done > (double)w->it_k)
			done = (double)w->it_k;
		n += done * (double)w->it_dec;
	}
	return n;
}

/* The spacing after request idx among requests sent at once: gap_s,
 * exponentially distributed unless exact. */
static double spacing(const struct sim *s, long idx)
{
	if (s->cfg->exact)
		return s->gap_s;
	if (s->draws)
		return -s->gap_s * s->draws->spacing[idx];
	return -s->gap_s * spacing_draw(s->cfg->seed, idx);
}

/* Closed loop: the users whose requests ended at the same moment send
 * their next ones in turn, client_s after the end; *offset is how long
 * after that the previous of them went out, and grows by an exponential spacing
 * of mean gap_s (drawn from the request number, so it is the same in every
 * run). */
static void closed_next_send(struct sim *s, long user, double t, double *offset)
{
	if (s->sends >= s->max_sends) {
		if (isnan(s->w_end)) {
			s->w_end = t;
			s->tok_at_end = emitted_until(s, t);
		}
		return;
	}
	long id = new_request(s, t + s->cfg->client_s + *offset, user);
	*offset += spacing(s, s->r[id].idx);
}

static void finish_request(struct sim *s, long id, double t, double *offset)
{
	struct sreq *q = &s->r[id];
	q->finish = t;
	q->done = true;
	if (q->measured)
		s->measured_done++;
	if (q->idx < s->warmup && ++s->warm_done == s->warmup) {
		s->w_start = t;
		s->tok_at_start = emitted_until(s, t);
	}
	if (q->user >= 0)
		closed_next_send(s, q->user, t, offset);
}

static void end_iteration(struct sim *s, long wi, double t)
{
	struct worker *w = &s->w[wi];
	const struct sim_config *cfg = s->cfg;
	double offset = 0;
	double k = (double)w->it_k;
	long active_before = active_of(w);
	/* The stretch is over: its tokens are counted below, not as
	 * in flight. */
	w->busy = false;
	if (w->it_dec > 0) {
		double before = w->epoch;
		w->epoch += k;
		s->tokens_total += k * (double)w->it_dec;
		/* Requests that began this iteration (disagg handoffs) emit
		 * their first token at the end of its first step. */
		for (long i = w->dec.len - 1; i >= 0; i--) {
			struct sreq *q = &s->r[ring_at(&w->dec, i)];
			if (q->base < before)
				break;
			q->first = w->it_start + w->it_step;
		}
		while (w->dec.len) {
			long id = ring_at(&w->dec, 0);
			struct sreq *q = &s->r[id];
			if (w->epoch - q->base < target_tokens(s))
				break;
			ring_pop(&w->dec);
			w->base_sum -= q->base;
			finish_request(s, id, t, &offset);
		}
	}
	/* Prompts given tokens are a prefix of the prefill FIFO. */
	long touched = w->pre_touched, kept = 0;
	w->pre_touched = 0;
	for (long i = 0; i < touched; i++) {
		long id = ring_pop(&w->pre);
		struct sreq *q = &s->r[id];
		q->prompt_left -= q->chunk;
		w->pre_left -= q->chunk;
		q->chunk = 0;
		if (q->prompt_left > 1e-9) {
			/* A chunk of it is left: it keeps its place. */
			ring_push(&w->pre, id);
			kept++;
			continue;
		}
		q->prompt_left = 0;
		q->prompt_done = t;
		if (cfg->disagg) {
			heap_push(s, t + cfg->kv_s, EV_KV_ARRIVE, id);
			continue;
		}
		q->first = t;
		s->tokens_total += 1;
		if (target_tokens(s) <= 1)
			finish_request(s, id, t, &offset);
		else
			to_decode(w, q, id, 1);
	}
	/* Unfinished prompts go back in front of the untouched ones. */
	for (long i = 0; i < w->pre.len - kept; i++)
		ring_push(&w->pre, ring_pop(&w->pre));
	if (w->pre.len == 0)
		w->pre_left = 0; /* no drift from rounding */
	/* finished, or handed off (disagg prefill) */
	w->released = active_before - active_of(w);
	start_iteration(s, wi, t);
}

static void on_arrive(struct sim *s, long id, double t, int pool)
{
	long wi = route(s, pool);
	struct worker *w = &s->w[wi];
	double lag = s->cfg->pool[pool].sched.start_lag_s;
	s->r[id].pool = pool;
	const struct sched_spec *sc = &s->cfg->pool[pool].sched;
	if (sc->arrivals_first && sc->engine_wait > 0 &&
	    (w->hold.len || active_of(w) + w->queue.len + w->fresh.len >=
				s->cfg->pool[pool].slots + sc->engine_wait)) {
		ring_push(&w->hold, id);
		return;
	}
	s->r[id].enter = t;
	if (w->busy && sc->arrivals_first && !caught_by_round(s, w, id, t))
		ring_push(&w->fresh, id);
	else
		ring_push(&w->queue, id);
	if (!w->busy && lag > 0) {
		/* Waking up: an empty "iteration" until the start lag ends,
		 * which the requests arriving meanwhile join. */
		w->busy = true;
		w->it_start = t;
		w->it_step = lag;
		w->it_k = 0;
		w->it_dec = 0;
		heap_push_gen(s, t + lag, EV_ITER_END, wi, ++w->it_gen);
	} else if (!w->busy) {
		start_iteration(s, wi, t);
	} else if (active_of(w) < s->cfg->pool[w->pool].slots) {
		cut_stretch(s, wi, t);
	}
}

static int check(const struct sim_config *c, struct sc_err *e)
{
	int pools = c->disagg ? 2 : 1;
	for (int i = 0; i < pools; i++) {
		const struct sim_pool *p = &c->pool[i];
		if (p->workers < 1 || p->workers > SIM_MAX_WORKERS ||
		    p->slots < 1 || !(p->budget >= 1) || !p->shape)
			return sc_err_set(
			    e, SC_EINVAL,
			    "simulation: pool %d needs 1-%ld workers (got "
			    "%ld), slots >= 1 (got %ld) and a token budget >= "
			    "1 (got %g)",
			    i, SIM_MAX_WORKERS, p->workers, p->slots,
			    p->budget);
	}
	if (!(c->isl >= 1 && c->isl <= 1e7) || !(c->osl >= 1 && c->osl <= 1e7))
		return sc_err_set(
		    e, SC_EINVAL,
		    "simulation: isl and osl must be in [1, 1e7] (got %g, %g)",
		    c->isl, c->osl);
	if (!(c->t0_s >= 0 && c->t0_s < 1e4) ||
	    !(c->kv_s >= 0 && c->kv_s < 1e4) ||
	    !(c->client_s >= 0 && c->client_s < 1e4))
		return sc_err_set(
		    e, SC_EINVAL,
		    "simulation: frontend, handoff and client "
		    "times must be in [0, 1e4) s (got %g, %g, %g)",
		    c->t0_s, c->kv_s, c->client_s);
	const struct sim_load *l = &c->load;
	if (l->requests < 0 || l->requests > SIM_MAX_REQUESTS)
		return sc_err_set(
		    e, SC_EINVAL,
		    "simulation: requests must be in [0, %ld] (got %ld)",
		    SIM_MAX_REQUESTS, l->requests);
	if (l->rounds < 0 || l->rounds > SIM_MAX_ROUNDS)
		return sc_err_set(
		    e, SC_EINVAL,
		    "simulation: rounds must be in [0, %ld] (got %ld)",
		    SIM_MAX_ROUNDS, l->rounds);
	if (l->kind == LOAD_CLOSED &&
	    (l->users < 1 || l->users > SIM_MAX_USERS))
		return sc_err_set(
		    e, SC_EINVAL,
		    "simulation: users must be in [1, %ld] (got %ld)",
		    SIM_MAX_USERS, l->users);
	if (l->kind == LOAD_OPEN && !(l->rate_per_s > 0 && l->rate_per_s < 1e9))
		return sc_err_set(e, SC_EINVAL,
				  "simulation: request rate must be in (0, "
				  "1e9) per s (got %g)",
				  l->rate_per_s);
	return SC_OK;
}

static void fill_stats(const struct sim *s, struct sim_result *o)
{
	size_t n = 0;
	double *tt = xmalloc((size_t)(s->n_req + 1) * sizeof *tt);
	double *tp = xmalloc((size_t)(s->n_req + 1) * sizeof *tp);
	double *ee = xmalloc((size_t)(s->n_req + 1) * sizeof *ee);
	size_t n_tp = 0;
	double wait = 0, pre = 0, fe = 0;
	const struct sim_config *c = s->cfg;
	for (long i = 0; i < s->n_req; i++) {
		const struct sreq *q = &s->r[i];
		if (!q->measured || !q->done)
			continue;
		tt[n] = q->first - q->arrive + q->frontend;
		ee[n] = q->finish - q->arrive + q->frontend;
		if (c->osl > 1)
			tp[n_tp++] = (q->finish - q->first) / (c->osl - 1.0);
		wait += q->admit - q->arrive;
		fe += q->frontend;
		pre += q->prompt_done - q->admit;
		n++;
	}
	o->measured = n;
	stats_compute(tt, n, &o->ttft_s);
	stats_compute(tp, n_tp, &o->tpot_s);
	stats_compute(ee, n, &o->e2e_s);
	o->wait_s = n ? wait / (double)n : NAN;
	o->prefill_s = n ? pre / (double)n : NAN;
	o->outside_s = n ? (wait + fe) / (double)n : NAN;
	free(tt);
	free(tp);
	free(ee);
}

/* Open loop: requests still waiting for a slot when the last one
 * arrived. A stable deployment keeps a few; one that cannot keep up
 * holds a share of the whole run that grows with its length. */
static long waiting_now(const struct sim *s)
{
	long n = 0;
	for (long i = s->first_w[0]; i < s->first_w[0] + s->count_w[0]; i++)
		n += s->w[i].queue.len + s->w[i].fresh.len + s->w[i].hold.len;
	return n;
}

int sim_run(const struct sim_config *cfg, struct sim_result *out,
	    struct sc_err *e)
{
	memset(out, 0, sizeof *out);
	int rc = check(cfg, e);
	if (rc)
		return rc;
	struct sim s = {.cfg = cfg};
	s.w_start = s.w_end = NAN;
	s.gap_s =
	    cfg->arrival_gap_s > 0 ? cfg->arrival_gap_s : SIM_DEFAULT_GAP_S;
	const struct sim_load *l = &cfg->load;
	int pools = cfg->disagg ? 2 : 1;
	for (int p = 0; p < pools; p++) {
		step_prep(cfg->c, cfg->pool[p].shape, &s.k[p]);
		s.first_w[p] = s.n_w;
		s.count_w[p] = cfg->pool[p].workers;
		s.n_w += cfg->pool[p].workers;
	}
	s.w = xcalloc((size_t)s.n_w, sizeof *s.w);
	for (int p = 0; p < pools; p++)
		for (long i = 0; i < s.count_w[p]; i++) {
			struct worker *w = &s.w[s.first_w[p] + i];
			w->pool = p;
			for (int j = 0; j < SIM_NOISE_CACHE; j++)
				w->noise_node[j] = -1; /* nodes are >= 0 */
		}
	if (l->kind == LOAD_CLOSED) {
		long rounds = l->rounds ? l->rounds : SIM_CLOSED_ROUNDS;
		long m = l->requests ? l->requests : rounds * l->users;
		if (!l->requests && m < SIM_CLOSED_MIN)
			m = SIM_CLOSED_MIN;
		s.warmup = l->warmup >= 0 ? l->warmup : l->users;
		s.to_measure = m;
		s.max_sends = s.warmup + m;
		/* new_request zeroes each request it creates */
		s.r = xmalloc((size_t)s.max_sends * sizeof *s.r);
		s.draws = draws_for(cfg, s.max_sends);
		long first = l->users < s.max_sends ? l->users : s.max_sends;
		double off = 0;
		for (long u = 0; u < first; u++) {
			long id = new_request(&s, off, u);
			off += spacing(&s, s.r[id].idx);
		}
		if (s.warmup == 0) {
			s.w_start = 0;
			s.tok_at_start = 0;
		}
	} else {
		long m = l->requests ? l->requests : SIM_OPEN_DEFAULT;
		s.to_measure = s.max_sends = m;
		s.r = xmalloc((size_t)m * sizeof *s.r);
		s.draws = draws_for(cfg, m);
		struct rng rg;
		rng_seed(&rg, cfg->seed ? cfg->seed : 1);
		double t = 0;
		for (long i = 0; i < m; i++) {
			if (l->kind == LOAD_OPEN && i > 0)
				t += rng_exp(&rg, l->rate_per_s);
			new_request(
			    &s, l->kind == LOAD_OPEN ? t : (double)i * s.gap_s,
			    -1);
		}
		s.w_start = 0;
		s.w_end = l->kind == LOAD_OPEN ? t : NAN;
		s.last_arrival = t;
	}
	while (s.n_heap) {
		struct event ev = heap_pop(&s);
		switch (ev.kind) {
		case EV_ARRIVE:
			on_arrive(&s, ev.id, ev.t, 0);
			if (ev.t >= s.last_arrival && l->kind == LOAD_OPEN)
				s.waiting_at_last = waiting_now(&s);
			break;
		case EV_KV_ARRIVE:
			on_arrive(&s, ev.id, ev.t, 1);
			break;
		case EV_ITER_END:
			if (ev.gen == s.w[ev.id].it_gen)
				end_iteration(&s, ev.id, ev.t);
			break;
		}
	}
	double last_finish = 0;
	for (long i = 0; i < s.n_req; i++)
		if (s.r[i].done && s.r[i].finish > last_finish)
			last_finish = s.r[i].finish;
	if (isnan(s.w_end)) {
		s.w_end = last_finish;
		s.tok_at_end = s.tokens_total;
	} else if (l->kind == LOAD_OPEN) {
		/* Tokens emitted between the first and the last arrival. */
		s.tok_at_end = NAN;
	}
	fill_stats(&s, out);
	if (l->kind == LOAD_OPEN) {
		/* Offered load over the arrival window; what was served
		 * over the whole run. */
		out->window_s = last_finish;
		out->tokens_per_s = s.tokens_total / last_finish;
		out->req_per_s = (double)s.n_req / last_finish;
		long lim = (long)(SIM_UNSTABLE_SHARE * (double)s.n_req);
		out->unstable =
		    s.waiting_at_last >
		    (lim > SIM_UNSTABLE_MIN ? lim : SIM_UNSTABLE_MIN);
	} else {
		out->window_s = s.w_end - s.w_start;
		double tok = s.tok_at_end - s.tok_at_start;
		out->tokens_per_s =
		    out->window_s > 0 ? tok / out->window_s : NAN;
		out->req_per_s = out->tokens_per_s / cfg->osl;
	}
	out->decode_batch = s.dec_iters > 0 ? s.dec_seqs / s.dec_iters : 0;
	out->iterations = s.iterations;
	for (long i = 0; i < s.n_w; i++) {
		free(s.w[i].queue.v);
		free(s.w[i].fresh.v);
		free(s.w[i].hold.v);
		free(s.w[i].pre.v);
		free(s.w[i].dec.v);
	}
	free(s.w);
	free(s.r);
	free(s.heap);
	return SC_OK;
}
