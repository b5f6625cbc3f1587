/* The emulated engine: per-worker continuous-batching schedulers driven by
 * real-time libevent timers, a router, and for disagg the prefill pool ->
 * KV transfer -> decode pool handoff.
 *
 * Agg worker iteration: admit waiting requests while running < max_batch and
 * the KV reservation (prompt + output tokens) fits; every decoding sequence
 * adds one token; the rest of the max_num_tokens budget goes to prefill
 * chunks in admission order. A request's first token is emitted at the end
 * of the iteration that finishes its last prefill chunk; each later
 * iteration emits one more.
 * Disagg: a prefill worker computes prompts (chunked by its budget); at the
 * end of the prefill the KV transfer to the least loaded decode worker runs
 * (the prefill KV stays reserved until it is done); the request then waits
 * for that decode worker's next iteration, whose end emits its first token.
 * Iteration times come from emu_truth. Times are CLOCK_MONOTONIC ns.
 *
 * Timers run at the event loop's top priority; the tokens an iteration
 * produced are handed to the server afterwards, in slices, at normal
 * priority, so writing thousands of tokens never delays another worker's
 * iteration end. Per request, tokens are delivered in order. */
#ifndef SC_EMU_ENGINE_H
#define SC_EMU_ENGINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "emu/emu_truth.h"
#include "model/deploy.h"
#include "util/err.h"

enum emu_phase {
	EMU_PH_NEW,	 /* not submitted */
	EMU_PH_FRONTEND, /* frontend delay */
	EMU_PH_WAITING,	 /* in a worker's waiting queue */
	EMU_PH_PREFILL,	 /* admitted, prompt not done (agg or prefill worker) */
	EMU_PH_XFER,	 /* disagg KV transfer */
	EMU_PH_DWAIT,	 /* disagg: waiting in a decode worker's queue */
	EMU_PH_DECODE,	 /* producing tokens */
	EMU_PH_DONE,	 /* finished or cancelled; engine holds no reference */
};

/* One request inside the engine. The caller allocates it, sets the first
 * block, submits it and keeps it alive until on_done or emu_engine_cancel. */
struct emu_req {
	long prompt_tokens; /* > 0 */
	long target_tokens; /* output tokens to produce, > 0 */
	void *user;
	/* Engine state (read-only for the caller). */
	enum emu_phase phase;
	long prefill_done, out_tokens; /* engine progress */
	long emitted; /* tokens delivered through on_tokens so far */
	int prefill_worker, decode_worker; /* -1 until assigned */
	int64_t t_arrival_ns, t_queue_exit_ns, t_prefill_start_ns,
	    t_prefill_end_ns, t_handoff_start_ns, t_handoff_end_ns;
	/* Private. */
	struct emu_req *prev, *next; /* in a waiting or running list */
	struct emu_worker *w;	     /* worker whose list holds it */
	long kv_prefill, kv_decode;  /* tokens reserved on each side */
	long chunk;		     /* prefill tokens in this iteration */
	long batch_idx;		     /* slot in the iteration batch or -1 */
	struct emu_worker *emit_w;   /* worker holding its undelivered tokens */
	long n_pend;		     /* tokens produced, not yet delivered */
	struct event *timer;
	int64_t due_ns; /* when its timer is due */
	struct emu_engine *eng;
};

/* Callbacks into the server. on_tokens: token number r->emitted (from 1)
 * is delivered now; return true when the callback called
 * emu_engine_cancel(r) (r may be freed then; the engine does not touch it
 * again). on_done: the last of target_tokens was delivered; the engine has
 * dropped r. Callbacks may cancel other requests. */
struct emu_engine_cbs {
	bool (*on_tokens)(void *user, struct emu_req *r, int64_t now_ns);
	void (*on_done)(void *user, struct emu_req *r, int64_t now_ns);
};

struct emu_worker_stats {
	enum worker_role role;
	int index; /* within its role */
	long running, waiting;
	double kv_used_tokens, kv_capacity_tokens;
	uint64_t steps, tokens, prefill_tokens;
	double busy_s;
};

struct emu_engine;

/* An event base with precise (timerfd, CLOCK_MONOTONIC) timers, since
 * iteration ends need sub-millisecond resolution, and EMU_PRIORITIES
 * priority levels (engine timers at 0, everything else at the default 1).
 * NULL on failure. */
#define EMU_PRIORITIES 3
struct event_base *emu_event_base_new(void);

/* Builds the workers of deployment d with ground truth t on base. Fails
 * with SC_EINPUT when a worker shape is impossible or out of memory. The
 * engine borrows d, t and base. */
struct emu_engine *emu_engine_new(const struct deploy_spec *d,
				  const struct emu_truth *t,
				  struct event_base *base,
				  const struct emu_engine_cbs *cbs, void *user,
				  struct sc_err *e);
/* Frees the engine; requests still inside are dropped without callbacks
 * (their timers are freed; phase becomes EMU_PH_DONE). NULL does nothing. */
void emu_engine_free(struct emu_engine *eng);
/* Starts r: frontend delay, then routing. SC_EINVAL (message in e) when r
 * can never fit one worker's KV cache. */
int emu_engine_submit(struct emu_engine *eng, struct emu_req *r,
		      struct sc_err *e) SC_MUST_CHECK;
/* Removes r wherever it is and frees its slot and KV reservation now; no
 * callback follows. Safe on a request that is already done. */
void emu_engine_cancel(struct emu_engine *eng, struct emu_req *r);
/* Smallest KV capacity (tokens) of the workers a request must pass. */
double emu_engine_kv_limit(const struct emu_engine *eng);
size_t emu_engine_n_workers(const struct emu_engine *eng);
void emu_engine_worker_stats(const struct emu_engine *eng, size_t i,
			     struct emu_worker_stats *out);
/* Requests inside the engine (frontend to last token). */
long emu_engine_active(const struct emu_engine *eng);
/* Iteration timer lateness (fire time minus deadline): count of samples
 * and the q-quantile in ns (q in [0,1]); 0 with no samples. */
uint64_t emu_engine_lateness_count(const struct emu_engine *eng);
double emu_engine_lateness_ns(const struct emu_engine *eng, double q);
void emu_engine_lateness_reset(struct emu_engine *eng);
/* Samples no later than le_ns (cumulative, for histogram buckets). */
uint64_t emu_engine_lateness_le(const struct emu_engine *eng, int64_t le_ns);
/* The model context of the truth (for tests comparing with the model). */
const struct model_ctx *emu_engine_model(const struct emu_engine *eng);

#endif
