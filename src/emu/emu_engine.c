/* Per-worker schedulers of the emulated engine, the router and the disagg
 * handoff. One libevent timer per worker ends its iterations; one per
 * request covers the frontend delay and the KV transfer. */
#include "emu/emu_engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/memory.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* Lateness histogram: 1 us buckets up to 50 ms, the last one open. */
#define LAT_BUCKET_NS 1000
#define LAT_BUCKETS   50000
/* Tokens handed to the server per emission callback before the loop gets
 * a chance to run due timers. */
#define EMU_EMIT_SLICE 32
/* Callbacks below timer priority run between two looks at the timers. */
#define EMU_MAX_CALLBACKS 8
/* Priority of engine timers (0 = first). */
#define EMU_PRIO_TIMER 0

/* Lateness up to which iterations chain from the deadline, ns: enough to
 * absorb a scheduler delay on a busy machine without losing emulated time,
 * small enough that a stalled process does not burst to catch up. */
#define EMU_RESYNC_NS 50000000

struct emu_list {
	struct emu_req *head, *tail;
	long n;
};

struct emu_worker {
	struct emu_engine *eng;
	const struct worker_spec *spec;
	int index; /* within its role */
	double kv_cap, kv_used;
	struct emu_list waiting, running;
	struct emu_req **batch;
	long n_batch;
	struct event *timer;
	bool busy;
	int64_t start_ns, deadline_ns;
	int64_t link_free_ns; /* decode worker: KV link busy until */
	long incoming;	      /* decode worker: transfers under way */
	struct rng rng;
	uint64_t steps, tokens, prefill_tokens;
	double busy_s;
	/* Produced tokens not yet delivered, FIFO; NULL = cancelled. */
	struct emu_req **pend;
	size_t pend_head, pend_tail, pend_cap;
	struct event *emit_ev;
	bool emit_blocked; /* next iteration waits for delivery to catch up */
};

struct emu_engine {
	const struct deploy_spec *d;
	const struct emu_truth *t;
	struct event_base *base;
	struct emu_engine_cbs cbs;
	void *user;
	struct model_ctx ctx;
	struct emu_worker
	    *w; /* agg: [0, n_first); disagg: prefill then decode */
	size_t n_first, n_second;
	struct rng rng;
	long active;
	uint64_t *lat_hist;
	uint64_t lat_n;
};

static void list_push(struct emu_list *l, struct emu_req *r)
{
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->n++;
}

static void list_remove(struct emu_list *l, struct emu_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->prev = r->next = NULL;
	l->n--;
}

static bool is_decode_worker(const struct emu_worker *w)
{
	return w->spec->role == ROLE_DECODE;
}

static void iteration_start(struct emu_worker *w, int64_t start_ns);

static void set_timer_ns(struct event *ev, int64_t delay_ns)
{
	if (delay_ns < 0)
		delay_ns = 0;
	struct timeval tv = {.tv_sec = delay_ns / 1000000000,
			     .tv_usec = (delay_ns % 1000000000) / 1000};
	evtimer_add(ev, &tv);
}

static void worker_kick(struct emu_worker *w)
{
	if (!w->busy)
		iteration_start(w, clock_mono_ns());
}

/* Kicks w for an event that was due at due_ns (a timer that may have fired
 * late): an idle worker starts as of then, so a late timer does not add
 * to the emulated time, unless it is later than EMU_RESYNC_NS. */
static void worker_kick_at(struct emu_worker *w, int64_t due_ns)
{
	if (w->busy)
		return;
	int64_t now = clock_mono_ns();
	int64_t start = now - due_ns <= EMU_RESYNC_NS ? due_ns : now;
	if (start < w->deadline_ns) /* not before its last iteration ended */
		start = w->deadline_ns;
	if (start > now)
		start = now;
	iteration_start(w, start);
}

/* Drops the engine's hold on r: KV, timer, counters. r is off all lists. */
static void req_release(struct emu_engine *eng, struct emu_req *r)
{
	if (r->kv_prefill && r->prefill_worker >= 0) {
		eng->w[r->prefill_worker].kv_used -= (double)r->kv_prefill;
		r->kv_prefill = 0;
	}
	if (r->kv_decode && r->decode_worker >= 0) {
		eng->w[r->decode_worker].kv_used -= (double)r->kv_decode;
		r->kv_decode = 0;
	}
	if (r->timer) {
		event_free(r->timer);
		r->timer = NULL;
	}
	r->w = NULL;
	r->phase = EMU_PH_DONE;
	eng->active--;
}

static void admit(struct emu_worker *w, int64_t now_ns)
{
	bool dec = is_decode_worker(w);
	while (w->waiting.head && w->running.n < w->spec->max_batch) {
		struct emu_req *r = w->waiting.head;
		long need = r->prompt_tokens;
		if (w->spec->role != ROLE_PREFILL)
			need += r->target_tokens;
		if (w->kv_used + (double)need > w->kv_cap)
			break; /* first come, first served: no overtaking */
		list_remove(&w->waiting, r);
		list_push(&w->running, r);
		w->kv_used += (double)need;
		if (dec) {
			r->kv_decode = need;
			r->phase = EMU_PH_DECODE;
		} else {
			r->kv_prefill = need;
			r->phase = EMU_PH_PREFILL;
			r->t_queue_exit_ns = now_ns;
		}
	}
}

static void batch_add(struct emu_worker *w, struct emu_req *r)
{
	r->batch_idx = w->n_batch;
	w->batch[w->n_batch++] = r;
}

static void iteration_start(struct emu_worker *w, int64_t start_ns)
{
	struct emu_engine *eng = w->eng;
	admit(w, start_ns);
	w->n_batch = 0;
	struct step_load l = {0};
	double pf_ctx_weighted = 0;
	for (struct emu_req *r = w->running.head; r; r = r->next) {
		if (r->phase != EMU_PH_DECODE)
			continue;
		r->chunk = 0;
		batch_add(w, r);
		l.decode_seqs += 1;
		l.decode_ctx_sum += (double)(r->prompt_tokens + r->out_tokens);
	}
	long budget = w->spec->max_num_tokens > 0
			  ? w->spec->max_num_tokens - (long)l.decode_seqs
			  : (long)1 << 40;
	/* Prompts fill what the decoding requests leave of the budget, in
	 * admission order. Without chunked prefill (sched.whole_prompts,
	 * TensorRT-LLM's default) a prompt is never split: one that does
	 * not fit waits for a later iteration and stops the prompts behind
	 * it, unless no prompt is in this iteration yet (it would never run
	 * otherwise). TensorRT-LLM's tuning guide ("Tuning Max Batch Size and
	 * Max Num Tokens", scheduler visualization): the first two 5-token
	 * prompts leave 2 of 12 tokens and the third prompt is not
	 * scheduled. */
	bool whole = w->spec->sched.whole_prompts;
	for (struct emu_req *r = w->running.head; r && budget > 0;
	     r = r->next) {
		if (r->phase != EMU_PH_PREFILL)
			continue;
		long c = r->prompt_tokens - r->prefill_done;
		if (c > budget && whole && l.prefill_seqs > 0)
			break;
		if (c > budget && !whole)
			c = budget;
		r->chunk = c;
		budget -= c;
		if (r->prefill_done == 0)
			r->t_prefill_start_ns = start_ns;
		batch_add(w, r);
		l.prefill_tokens += (double)c;
		l.prefill_seqs += 1;
		pf_ctx_weighted += (double)c * (double)r->prefill_done;
	}
	if (w->n_batch == 0) {
		w->busy = false;
		return;
	}
	if (l.prefill_tokens > 0)
		l.prefill_ctx = pf_ctx_weighted / l.prefill_tokens;
	double dt =
	    emu_truth_step_s(eng->t, &eng->ctx, &w->spec->shape, &l, &w->rng);
	int64_t dt_ns = (int64_t)llround(dt * 1e9);
	w->busy = true;
	w->steps++;
	w->start_ns = start_ns;
	w->deadline_ns = start_ns + dt_ns;
	set_timer_ns(w->timer, w->deadline_ns - clock_mono_ns());
}

static void start_handoff(struct emu_engine *eng, struct emu_worker *pw,
			  struct emu_req *r, int64_t now_ns);

static void pend_push(struct emu_worker *w, struct emu_req *r)
{
	if (w->pend_tail == w->pend_cap && w->pend_head > 0) {
		memmove(w->pend, w->pend + w->pend_head,
			(w->pend_tail - w->pend_head) * sizeof *w->pend);
		w->pend_tail -= w->pend_head;
		w->pend_head = 0;
	}
	if (w->pend_tail == w->pend_cap)
		w->pend = xgrow(w->pend, &w->pend_cap, w->pend_tail + 1,
				sizeof *w->pend);
	w->pend[w->pend_tail++] = r;
	r->emit_w = w;
	r->n_pend++;
	if (!event_pending(w->emit_ev, EV_TIMEOUT, NULL))
		event_active(w->emit_ev, EV_TIMEOUT, 0);
}

/* Records one produced token of r; at the last one r leaves the engine's
 * lists and KV (delivery follows in emit_cb). */
static void produce_token(struct emu_engine *eng, struct emu_worker *w,
			  struct emu_req *r)
{
	r->out_tokens++;
	w->tokens++;
	pend_push(w, r);
	if (r->out_tokens >= r->target_tokens) {
		list_remove(&w->running, r);
		req_release(eng, r);
	}
}

/* Delivers produced tokens to the server, a slice at a time. */
static void emit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_worker *w = arg;
	struct emu_engine *eng = w->eng;
	int n = 0;
	while (w->pend_head < w->pend_tail && n < EMU_EMIT_SLICE) {
		struct emu_req *r = w->pend[w->pend_head++];
		if (!r)
			continue; /* cancelled */
		n++;
		r->n_pend--;
		r->emitted++;
		if (eng->cbs.on_tokens(eng->user, r, clock_mono_ns()))
			continue; /* cancelled (and maybe freed) by the callback
				   */
		if (r->emitted >= r->target_tokens)
			eng->cbs.on_done(eng->user, r, clock_mono_ns());
	}
	if (w->pend_head < w->pend_tail) {
		/* A zero timeout, not event_active: libevent runs events made
		 * active during a callback in the same pass, which would not
		 * let due timers in between slices. */
		static const struct timeval zero = {0, 0};
		evtimer_add(w->emit_ev, &zero);
	} else {
		w->pend_head = w->pend_tail = 0;
		if (w->emit_blocked) {
			int64_t now = clock_mono_ns();
			w->emit_blocked = false;
			w->busy = false;
			iteration_start(w, now - w->deadline_ns <= EMU_RESYNC_NS
					       ? w->deadline_ns
					       : now);
		}
	}
}

static void iteration_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_worker *w = arg;
	struct emu_engine *eng = w->eng;
	int64_t now = clock_mono_ns();
	int64_t late = now - w->deadline_ns;
	size_t b = late <= 0 ? 0 : (size_t)(late / LAT_BUCKET_NS);
	eng->lat_hist[b < LAT_BUCKETS ? b : LAT_BUCKETS]++;
	eng->lat_n++;
	w->busy_s += (double)(w->deadline_ns - w->start_ns) / 1e9;
	size_t backlog = w->pend_tail - w->pend_head;
	/* Engine time of this iteration's end (tokens still go out now). */
	int64_t at = late <= EMU_RESYNC_NS ? w->deadline_ns : now;
	for (long i = 0; i < w->n_batch; i++) {
		struct emu_req *r = w->batch[i];
		if (!r)
			continue;
		w->batch[i] = NULL;
		r->batch_idx = -1;
		if (r->phase == EMU_PH_PREFILL) {
			r->prefill_done += r->chunk;
			w->prefill_tokens += (uint64_t)r->chunk;
			r->chunk = 0;
			if (r->prefill_done < r->prompt_tokens)
				continue;
			r->t_prefill_end_ns = at;
			if (w->spec->role == ROLE_PREFILL) {
				list_remove(&w->running, r);
				start_handoff(eng, w, r, at);
				continue;
			}
			r->phase = EMU_PH_DECODE;
		}
		produce_token(eng, w, r);
	}
	w->n_batch = 0;
	if (backlog > 0) {
		/* The previous iteration's tokens are still being written: the
		 * output path is the bottleneck, so the engine waits for it
		 * (emit_cb restarts it) instead of queueing without bound. */
		w->emit_blocked = true;
		return;
	}
	w->busy = false;
	/* Chain from the deadline so small timer lateness does not slow the
	 * emulated clock (a late timer shortens the next wait). Past
	 * EMU_RESYNC_NS the process has lost time (overloaded or descheduled):
	 * restart from now rather than emit a burst of catch-up iterations
	 * faster than the truth allows. */
	iteration_start(w, at);
}

static struct emu_worker *least_loaded(struct emu_engine *eng, size_t from,
				       size_t n)
{
	struct emu_worker *best = NULL;
	long best_load = 0;
	/* Rotate the start so ties spread over workers. */
	size_t off = (size_t)(rng_u64(&eng->rng) % n);
	for (size_t k = 0; k < n; k++) {
		struct emu_worker *w = &eng->w[from + (k + off) % n];
		long load = w->running.n + w->waiting.n + w->incoming;
		if (!best || load < best_load) {
			best = w;
			best_load = load;
		}
	}
	return best;
}

static int worker_id(const struct emu_engine *eng, const struct emu_worker *w)
{
	return (int)(w - eng->w);
}

static void start_handoff(struct emu_engine *eng, struct emu_worker *pw,
			  struct emu_req *r, int64_t now_ns)
{
	struct emu_worker *dw = least_loaded(eng, eng->n_first, eng->n_second);
	dw->incoming++;
	r->decode_worker = worker_id(eng, dw);
	r->phase = EMU_PH_XFER;
	r->w = NULL;
	r->t_handoff_start_ns = now_ns;
	double x =
	    step_kv_transfer_s(&eng->ctx, &eng->d->link, &pw->spec->shape,
			       &dw->spec->shape, (double)r->prompt_tokens) *
	    eng->t->time_scale;
	int64_t x_ns = (int64_t)llround(x * 1e9);
	int64_t end = now_ns + x_ns;
	if (eng->t->kv_contention) {
		int64_t start =
		    dw->link_free_ns > now_ns ? dw->link_free_ns : now_ns;
		end = start + x_ns;
		dw->link_free_ns = end;
	}
	r->due_ns = end;
	set_timer_ns(r->timer, end - clock_mono_ns());
}

static void req_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct emu_req *r = arg;
	struct emu_engine *eng = r->eng;
	int64_t now = clock_mono_ns();
	int64_t due = now - r->due_ns <= EMU_RESYNC_NS ? r->due_ns : now;
	if (r->phase == EMU_PH_FRONTEND) {
		struct emu_worker *w = least_loaded(eng, 0, eng->n_first);
		r->prefill_worker = worker_id(eng, w);
		r->w = w;
		r->phase = EMU_PH_WAITING;
		list_push(&w->waiting, r);
		worker_kick_at(w, due);
	} else if (r->phase == EMU_PH_XFER) {
		struct emu_worker *pw = &eng->w[r->prefill_worker];
		struct emu_worker *dw = &eng->w[r->decode_worker];
		pw->kv_used -= (double)r->kv_prefill;
		r->kv_prefill = 0;
		dw->incoming--;
		r->t_handoff_end_ns = due;
		r->phase = EMU_PH_DWAIT;
		r->w = dw;
		list_push(&dw->waiting, r);
		worker_kick_at(pw,
			       due); /* freed KV may admit a waiting prompt */
		worker_kick_at(dw, due);
	}
}

static int worker_init(struct emu_engine *eng, struct emu_worker *w,
		       const struct worker_spec *spec, int index,
		       struct sc_err *e)
{
	w->eng = eng;
	w->spec = spec;
	w->index = index;
	struct mem_plan mp;
	mem_plan_worker(&eng->ctx, &spec->shape, (double)spec->max_num_tokens,
			1.0, &mp);
	if (mp.oom || !(mp.kv_capacity_tokens >= 1))
		return sc_err_set(e, SC_EINPUT,
				  "%s worker (tp %ld, pp %ld) does not fit in "
				  "GPU memory (KV left %.2f GiB per GPU)",
				  worker_role_name(spec->role), spec->shape.tp,
				  spec->shape.pp, mp.kv_gib);
	w->kv_cap = floor(mp.kv_capacity_tokens);
	long cap = spec->max_batch > 0 ? spec->max_batch : 1;
	w->batch = xcalloc((size_t)cap, sizeof *w->batch);
	w->timer = evtimer_new(eng->base, iteration_end_cb, w);
	w->emit_ev = event_new(eng->base, -1, 0, emit_cb, w);
	if (!w->timer || !w->emit_ev)
		return sc_err_set(e, SC_ERUNTIME, "libevent: event_new failed");
	event_priority_set(w->timer, EMU_PRIO_TIMER);
	rng_seed(&w->rng, eng->t->seed * 1000003u + (uint64_t)index * 7919u +
			      (uint64_t)spec->role);
	return SC_OK;
}

struct event_base *emu_event_base_new(void)
{
	struct event_config *ec = event_config_new();
	if (!ec)
		return NULL;
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	/* Look for due timers after every few callbacks below timer
	 * priority, not only after a whole pass over the active events. */
	event_config_set_max_dispatch_interval(ec, NULL, EMU_MAX_CALLBACKS,
					       EMU_PRIO_TIMER + 1);
	struct event_base *b = event_base_new_with_config(ec);
	event_config_free(ec);
	if (b && event_base_priority_init(b, EMU_PRIORITIES) != 0) {
		event_base_free(b);
		return NULL;
	}
	return b;
}

struct emu_engine *emu_engine_new(const struct deploy_spec *d,
				  const struct emu_truth *t,
				  struct event_base *base,
				  const struct emu_engine_cbs *cbs, void *user,
				  struct sc_err *e)
{
	struct emu_engine *eng = xcalloc(1, sizeof *eng);
	eng->d = d;
	eng->t = t;
	eng->base = base;
	eng->cbs = *cbs;
	eng->user = user;
	eng->ctx = (struct model_ctx){.m = &d->model,
				      .g = &d->gpu,
				      .wdtype = d->wdtype,
				      .kvdtype = d->kvdtype,
				      .p = &t->p};
	eng->lat_hist = xcalloc(LAT_BUCKETS + 1, sizeof *eng->lat_hist);
	rng_seed(&eng->rng, t->seed ^ 0x5eedf00dULL);
	const struct worker_spec *first, *second = NULL;
	if (d->mode == DEPLOY_DISAGG) {
		first = deploy_group(d, ROLE_PREFILL);
		second = deploy_group(d, ROLE_DECODE);
		if (!first || !second) {
			sc_err_set(e, SC_EINPUT,
				   "disagg deployment needs a prefill and a "
				   "decode group");
			goto fail;
		}
	} else {
		first = deploy_group(d, ROLE_AGG);
		if (!first) {
			sc_err_set(e, SC_EINPUT,
				   "agg deployment needs an agg group");
			goto fail;
		}
	}
	eng->n_first = (size_t)first->count;
	eng->n_second = second ? (size_t)second->count : 0;
	if (eng->n_first < 1 || (second && eng->n_second < 1)) {
		sc_err_set(e, SC_EINPUT, "every worker group needs count >= 1");
		goto fail;
	}
	eng->w = xcalloc(eng->n_first + eng->n_second, sizeof *eng->w);
	const struct worker_spec *grp[2] = {first, second};
	for (int g = 0; g < 2 && grp[g]; g++) {
		if (model_ctx_check(&eng->ctx, &grp[g]->shape, e))
			goto fail;
		if (grp[g]->max_batch < 1) {
			sc_err_set(e, SC_EINPUT,
				   "%s group: max_batch must be >= 1",
				   worker_role_name(grp[g]->role));
			goto fail;
		}
	}
	for (size_t i = 0; i < eng->n_first + eng->n_second; i++) {
		bool one = i < eng->n_first;
		if (worker_init(eng, &eng->w[i], one ? first : second,
				(int)(one ? i : i - eng->n_first), e))
			goto fail;
	}
	return eng;
fail:
	emu_engine_free(eng);
	return NULL;
}

static void drop_list(struct emu_engine *eng, struct emu_list *l)
{
	while (l->head) {
		struct emu_req *r = l->head;
		list_remove(l, r);
		req_release(eng, r);
	}
}

void emu_engine_free(struct emu_engine *eng)
{
	if (!eng)
		return;
	if (eng->w) {
		for (size_t i = 0; i < eng->n_first + eng->n_second; i++) {
			struct emu_worker *w = &eng->w[i];
			if (!w->eng)
				continue;
			drop_list(eng, &w->waiting);
			drop_list(eng, &w->running);
			if (w->timer)
				event_free(w->timer);
			if (w->emit_ev)
				event_free(w->emit_ev);
			for (size_t k = w->pend_head; k < w->pend_tail; k++)
				if (w->pend[k])
					w->pend[k]->n_pend = 0;
			free(w->pend);
			free(w->batch);
		}
		free(eng->w);
	}
	free(eng->lat_hist);
	free(eng);
}

double emu_engine_kv_limit(const struct emu_engine *eng)
{
	double lim = INFINITY;
	for (size_t i = 0; i < eng->n_first + eng->n_second; i++)
		if (eng->w[i].kv_cap < lim)
			lim = eng->w[i].kv_cap;
	return lim;
}

int emu_engine_submit(struct emu_engine *eng, struct emu_req *r,
		      struct sc_err *e)
{
	if (r->prompt_tokens < 1 || r->target_tokens < 1)
		return sc_err_set(
		    e, SC_EINVAL,
		    "a request needs >= 1 prompt and output token");
	double need = (double)(r->prompt_tokens + r->target_tokens);
	double lim = emu_engine_kv_limit(eng);
	if (need > lim)
		return sc_err_set(
		    e, SC_EINVAL,
		    "request needs %.0f KV tokens; a worker holds %.0f", need,
		    lim);
	r->eng = eng;
	r->phase = EMU_PH_FRONTEND;
	r->prefill_done = r->out_tokens = 0;
	r->prefill_worker = r->decode_worker = -1;
	r->t_arrival_ns = clock_mono_ns();
	r->t_queue_exit_ns = r->t_prefill_start_ns = r->t_prefill_end_ns = 0;
	r->t_handoff_start_ns = r->t_handoff_end_ns = 0;
	r->prev = r->next = NULL;
	r->w = NULL;
	r->kv_prefill = r->kv_decode = 0;
	r->chunk = 0;
	r->batch_idx = -1;
	r->timer = evtimer_new(eng->base, req_timer_cb, r);
	if (!r->timer)
		return sc_err_set(e, SC_ERUNTIME,
				  "libevent: evtimer_new failed");
	event_priority_set(r->timer, EMU_PRIO_TIMER);
	r->emitted = 0;
	r->emit_w = NULL;
	r->n_pend = 0;
	eng->active++;
	double fe = emu_truth_frontend_s(eng->t, &eng->rng);
	r->due_ns = r->t_arrival_ns + (int64_t)llround(fe * 1e9);
	set_timer_ns(r->timer, r->due_ns - clock_mono_ns());
	return SC_OK;
}

void emu_engine_cancel(struct emu_engine *eng, struct emu_req *r)
{
	struct emu_worker *kick[2] = {NULL, NULL};
	if (r->n_pend > 0) { /* drop its undelivered tokens */
		struct emu_worker *w = r->emit_w;
		for (size_t k = w->pend_head; k < w->pend_tail; k++)
			if (w->pend[k] == r)
				w->pend[k] = NULL;
		r->n_pend = 0;
	}
	switch (r->phase) {
	case EMU_PH_NEW:
	case EMU_PH_DONE:
		return;
	case EMU_PH_FRONTEND:
		break;
	case EMU_PH_WAITING:
	case EMU_PH_DWAIT:
		list_remove(&r->w->waiting, r);
		break;
	case EMU_PH_PREFILL:
	case EMU_PH_DECODE:
		if (r->batch_idx >= 0)
			r->w->batch[r->batch_idx] = NULL;
		list_remove(&r->w->running, r);
		break;
	case EMU_PH_XFER:
		eng->w[r->decode_worker].incoming--;
		break;
	}
	if (r->prefill_worker >= 0)
		kick[0] = &eng->w[r->prefill_worker];
	if (r->decode_worker >= 0)
		kick[1] = &eng->w[r->decode_worker];
	req_release(eng, r); /* deletes a pending timer too */
	/* Freed slot and KV may let a waiting request in now. */
	for (int i = 0; i < 2; i++)
		if (kick[i] && kick[i]->waiting.head)
			worker_kick(kick[i]);
}

size_t emu_engine_n_workers(const struct emu_engine *eng)
{
	return eng->n_first + eng->n_second;
}

void emu_engine_worker_stats(const struct emu_engine *eng, size_t i,
			     struct emu_worker_stats *out)
{
	const struct emu_worker *w = &eng->w[i];
	out->role = w->spec->role;
	out->index = w->index;
	out->running = w->running.n;
	out->waiting = w->waiting.n;
	out->kv_used_tokens = w->kv_used;
	out->kv_capacity_tokens = w->kv_cap;
	out->steps = w->steps;
	out->tokens = w->tokens;
	out->prefill_tokens = w->prefill_tokens;
	out->busy_s = w->busy_s;
}

long emu_engine_active(const struct emu_engine *eng)
{
	return eng->active;
}

uint64_t emu_engine_lateness_count(const struct emu_engine *eng)
{
	return eng->lat_n;
}

double emu_engine_lateness_ns(const struct emu_engine *eng, double q)
{
	if (eng->lat_n == 0)
		return 0;
	uint64_t want = (uint64_t)ceil(q * (double)eng->lat_n);
	if (want < 1)
		want = 1;
	uint64_t acc = 0;
	for (size_t b = 0; b <= LAT_BUCKETS; b++) {
		acc += eng->lat_hist[b];
		if (acc >= want)
			return (double)(b + 1) * LAT_BUCKET_NS; /* upper edge */
	}
	return (double)(LAT_BUCKETS + 1) * LAT_BUCKET_NS;
}

uint64_t emu_engine_lateness_le(const struct emu_engine *eng, int64_t le_ns)
{
	/* Bucket b holds lateness in [b, b+1) us, so b < le/1us is <= le. */
	int64_t nb = le_ns / LAT_BUCKET_NS;
	if (nb > LAT_BUCKETS)
		nb = LAT_BUCKETS + 1;
	uint64_t acc = 0;
	for (int64_t b = 0; b < nb; b++)
		acc += eng->lat_hist[b];
	return acc;
}

void emu_engine_lateness_reset(struct emu_engine *eng)
{
	memset(eng->lat_hist, 0, (LAT_BUCKETS + 1) * sizeof *eng->lat_hist);
	eng->lat_n = 0;
}

const struct model_ctx *emu_engine_model(const struct emu_engine *eng)
{
	return &eng->ctx;
}
