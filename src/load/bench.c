/* The bench run: probe, then the levels, each streamed to disk. */
#include "load/bench.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load/procs.h"
#include "load/ranks.h"
#include "load/results.h"
#include "metrics/level.h"
#include "util/clock.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

/* Default measured requests per level: ten rounds closed, 100 open. */
#define BENCH_ROUNDS_CLOSED 10
#define BENCH_REQUESTS_OPEN 100
/* Output tokens the probe asks for: enough to see tokens stream. */
#define BENCH_PROBE_OSL 4
/* Level ids are spaced so records of different levels never share one. */
#define BENCH_ID_STRIDE	  100000000ull
#define BENCH_PROGRESS_NS 250000000LL

void bench_level_name(const struct bench_plan *p, size_t i, char *buf,
		      size_t cap)
{
	if (p->replay)
		snprintf(buf, cap, "replay");
	else
		level_name(p->open_loop, p->levels[i], buf, cap);
}

cJSON *bench_level_summary(const struct bench_plan *p, size_t i, char *name,
			   size_t cap)
{
	char sp[1200];
	bench_level_name(p, i, name, cap);
	snprintf(sp, sizeof sp, "%s/%s/summary.json", p->out_dir, name);
	return jsonio_load_file(sp, NULL);
}

struct one_capture {
	struct req_record rec;
	size_t n;
};

static void capture_one(void *ud, const struct req_record *r)
{
	struct one_capture *oc = ud;
	if (oc->n++)
		return;
	oc->rec = *r;
	/* the arrays belong to the loop */
	oc->rec.itl_ms = NULL;
	oc->rec.tok_ns = NULL;
	oc->rec.tok_n = NULL;
	oc->rec.n_itl = oc->rec.n_tok = 0;
}

/* One request through the load loop; its record (without arrays) is
 * copied to *rec. */
static int one_request(struct http_driver *d, struct workload *w,
		       const char *ep, double timeout_s, uint64_t id,
		       struct req_record *rec, struct sc_err *e)
{
	struct one_capture oc = {.n = 0};
	struct loop_config c = {
	    .url = ep,
	    .concurrency = 1,
	    .requests = 1,
	    .warmup = 0,
	    .timeout_ms = (long)(timeout_s * 1000),
	    .max_error_rate = 1.0,
	    .first_id = id,
	    .level = 0,
	    .on_record = capture_one,
	    .ud = &oc,
	};
	struct loop_result r;
	int rc = loop_run(d, w, &c, &r, e);
	if (rc == SC_OK && oc.n != 1)
		rc = sc_err_set(e, SC_ERUNTIME, "probe: no answer recorded");
	if (rc == SC_OK)
		*rec = oc.rec;
	loop_result_release(&r);
	return rc;
}

static int probe_failed(const struct req_record *r, struct sc_err *e)
{
	char buf[32];
	const char *why = req_reason_name(r, buf, sizeof buf);
	return sc_err_set(e, SC_ERUNTIME,
			  "probe request failed (%s): %s; nothing was measured",
			  why ? why : "?",
			  r->error[0] ? r->error : "no message");
}

int bench_probe(struct http_driver *d, struct workload *w, const char *ep,
		double timeout_s, bool *checked, struct sc_err *e)
{
	struct req_record r;
	/* Probe ids lie above every level's. */
	uint64_t id = BENCH_ID_STRIDE * BENCH_MAX_LEVELS;
	long cap = w->osl_cap;
	w->osl_cap = BENCH_PROBE_OSL;
	int rc = one_request(d, w, ep, timeout_s, id, &r, e);
	w->osl_cap = cap;
	if (rc)
		return rc;
	if (!r.ok)
		return probe_failed(&r, e);
	*checked = r.prompt_tokens >= 0;
	if (!*checked || r.input_tokens < 0)
		return SC_OK;
	if (w->prompt == WL_PROMPT_TEXT && r.prompt_tokens != r.input_tokens) {
		/* Learn what the server adds (BOS, chat template) and check
		 * once more with the corrected word count. */
		w->text_overhead =
		    r.prompt_tokens - (r.input_tokens - w->text_overhead);
		long words = r.input_tokens - w->text_overhead;
		if (words < 1)
			return sc_err_set(
			    e, SC_ERUNTIME,
			    "probe: the server adds %ld tokens to a text "
			    "prompt, more than the input length %ld",
			    w->text_overhead, r.input_tokens);
		w->osl_cap = BENCH_PROBE_OSL;
		rc = one_request(d, w, ep, timeout_s, id + 1, &r, e);
		w->osl_cap = cap;
		if (rc)
			return rc;
		if (!r.ok)
			return probe_failed(&r, e);
	}
	if (r.prompt_tokens != r.input_tokens)
		return sc_err_set(
		    e, SC_ERUNTIME,
		    "probe: the server counted %ld prompt tokens "
		    "(usage.prompt_tokens) for a %s prompt of %ld; the input "
		    "length would be wrong%s",
		    r.prompt_tokens,
		    w->prompt == WL_PROMPT_TEXT ? "text" : "token-id",
		    r.input_tokens,
		    w->prompt == WL_PROMPT_TEXT
			? " (its tokenizer splits the words differently: use "
			  "token-id prompts or --no-probe)"
			: " (does the server add a BOS token to id prompts?)");
	return SC_OK;
}

/* Warm-up and measured requests of level i (reqs 0: a timed level). */
static void level_counts(const struct bench_plan *p, size_t i, long *warm,
			 long *reqs)
{
	double level = p->replay ? 0 : p->levels[i];
	bool open = p->open_loop || p->replay;
	*warm = p->warmup >= 0 ? p->warmup : open ? 0 : (long)level;
	*reqs = p->requests;
	if (!*reqs && p->duration_s <= 0 && !p->replay)
		*reqs = open ? BENCH_REQUESTS_OPEN
			     : BENCH_ROUNDS_CLOSED * (long)level;
}

void bench_eta(const struct bench_plan *p, size_t i, double elapsed_s,
	       size_t done, long planned, double *level_left_s,
	       double *run_left_s)
{
	double left = NAN, per_round = NAN;
	double conc = p->open_loop || p->replay ? 0 : p->levels[i];
	if (conc > 0 && done > 0)
		per_round = elapsed_s / ((double)done / conc);
	if (planned >= 0 && done > 0) {
		left = elapsed_s *
		       (double)((size_t)planned > done ? (size_t)planned - done
						       : 0) /
		       (double)done;
	} else if (planned < 0 && p->duration_s > 0) {
		left =
		    elapsed_s < p->duration_s ? p->duration_s - elapsed_s : 0;
	}
	*level_left_s = left;
	double run = left;
	size_t n = p->replay ? 1 : p->n_levels;
	for (size_t j = i + 1; j < n && isfinite(run); j++) {
		long warm, reqs;
		level_counts(p, j, &warm, &reqs);
		double total = (double)(warm + reqs);
		if (p->open_loop)
			run += reqs > 0 ? total / p->levels[j]
					: p->duration_s +
					      (double)warm / p->levels[j];
		else if (reqs <= 0)
			run += p->duration_s + per_round;
		else
			run += total / p->levels[j] * per_round;
	}
	*run_left_s = run;
}

struct level_run {
	const struct bench_plan *p;
	const struct bench_hooks *h;
	const char *name;
	size_t index;
	int64_t level_t0, run_t0;
	struct results_writer w;
	struct sc_err werr;
	int write_failed;
	unsigned json_flags;
	char first_failure[REQ_ERROR_MAX + 32]; /* "reason: message" */
};

static void on_record(void *ud, const struct req_record *r)
{
	struct level_run *lr = ud;
	if (!lr->write_failed &&
	    results_append(&lr->w, r, lr->json_flags, &lr->werr))
		lr->write_failed = 1;
	if (!r->ok && !lr->first_failure[0]) {
		char rb[32];
		const char *why = req_reason_name(r, rb, sizeof rb);
		snprintf(lr->first_failure, sizeof lr->first_failure, "%s: %s",
			 why ? why : "?", r->error);
	}
}

/* The hook's view of level lr after `done` records at time now. */
static void progress_of(const struct level_run *lr, int64_t now, size_t done,
			size_t failed, long planned, struct bench_progress *bp)
{
	const struct bench_plan *p = lr->p;
	*bp = (struct bench_progress){
	    .level = lr->name,
	    .index = lr->index,
	    .n_levels = p->replay ? 1 : p->n_levels,
	    .done = done,
	    .failed = failed,
	    .planned = planned,
	    .level_elapsed_s = (double)(now - lr->level_t0) / 1e9,
	    .run_elapsed_s = (double)(now - lr->run_t0) / 1e9,
	};
	bench_eta(p, lr->index, bp->level_elapsed_s, done, planned,
		  &bp->level_left_s, &bp->run_left_s);
}

static void on_progress(void *ud, const struct loop_progress *pr)
{
	struct level_run *lr = ud;
	struct bench_progress bp;
	progress_of(lr, clock_mono_ns(), pr->done, pr->failed, pr->planned,
		    &bp);
	bp.ttft_p50_ms = pr->ttft_p50_ms;
	bp.tpot_p50_ms = pr->tpot_p50_ms;
	lr->h->progress(lr->h->ud, &bp);
}

static void note(const struct bench_hooks *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note(const struct bench_hooks *h, const char *fmt, ...)
{
	if (!h->note)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	h->note(h->ud, msg);
}

static int run_level(const struct bench_plan *p, size_t i,
		     struct http_driver *d, struct workload *w,
		     const struct bench_hooks *h, char **names, size_t n_names,
		     int64_t run_t0, struct bench_outcome *out,
		     struct sc_err *e)
{
	const char *name = names[n_names - 1];
	double level = p->replay ? 0 : p->levels[i];
	bool open = p->open_loop || p->replay;
	struct level_run lr = {.p = p,
			       .h = h,
			       .name = name,
			       .index = i,
			       .level_t0 = clock_mono_ns(),
			       .run_t0 = run_t0,
			       .json_flags =
				   REQ_JSON_ITL |
				   (p->token_times ? REQ_JSON_TOKENS : 0)};
	int rc = results_level_begin(&lr.w, p->out_dir, name, e);
	if (rc)
		return rc;
	struct arrival arr;
	arrival_init(&arr, p->arrival, open && !p->replay ? level : 1,
		     p->arrival_shape, (uint64_t)p->seed * 7919 + i);
	long warm, reqs;
	level_counts(p, i, &warm, &reqs);
	if (open && !p->replay) {
		/* n sends use n - 1 gaps: plan them as one block so the
		 * level delivers exactly the requested rate (arrival_plan
		 * caps the block; the guard keeps the cast defined). */
		double n =
		    (double)warm +
		    (reqs > 0 ? (double)reqs : ceil(level * p->duration_s));
		arrival_plan(&arr, n < ARRIVAL_MAX_BLOCK ? (long)n - 1
							 : ARRIVAL_MAX_BLOCK);
	}
	struct loop_config lc = {
	    .url = p->ep,
	    .open_loop = open,
	    .concurrency = open ? 0 : (long)level,
	    .arrival = &arr,
	    .replay = p->replay,
	    .max_concurrency = p->max_concurrency,
	    .requests = reqs,
	    .duration_s = p->duration_s,
	    .warmup = warm,
	    .timeout_ms = (long)(p->timeout_s * 1000),
	    .max_error_rate = p->max_error_rate,
	    .keep_itl = true,
	    .sla = &p->sla,
	    .stop = p->stop,
	    .first_id = (uint64_t)i * BENCH_ID_STRIDE,
	    .level = level,
	    .on_record = on_record,
	    .on_progress = h->progress ? on_progress : NULL,
	    .progress_ns = BENCH_PROGRESS_NS,
	    .ud = &lr,
	};
	struct loop_result res;
	rc = p->procs > 1 ? procs_run(p->procs, d, w, &lc, &res, e)
	     : p->ranks	  ? ranks_run(p->ranks, d, w, &lc, &res, e)
			  : loop_run(d, w, &lc, &res, e);
	arrival_release(&arr);
	results_level_end(&lr.w);
	if (rc)
		goto out;
	if (lr.write_failed) {
		*e = lr.werr;
		rc = lr.werr.status;
		goto out;
	}
	struct level_info info = {
	    .open_loop = open,
	    .concurrency = open ? 0 : (long)level,
	    .rate_per_s = level,
	    .achieved_rate_per_s = res.achieved_rate_per_s,
	    .send_lateness_p99_ms = res.send_lateness_p99_ms,
	    .isl = p->isl,
	    .osl = p->osl,
	    .gpus = p->gpus,
	    .window_start_ns = res.window_start_ns,
	    .window_end_ns = res.window_end_ns,
	    .sla = p->sla,
	    .complete = !res.interrupted && !res.too_many_errors,
	};
	struct level_summary s;
	summary_acc_finish(&res.acc, &info, &s);
	/* A level with no successful request measured nothing: it is not
	 * complete, whatever its size, so a resume runs it again. */
	bool none_ok = s.ok == 0 && !res.interrupted;
	if (none_ok)
		info.complete = false;
	if (!isfinite(s.window_s) && info.complete)
		note(h,
		     "%s: no steady window (every client went idle before "
		     "warm-up ended); throughput is null: raise "
		     "--requests-per-level",
		     name);
	cJSON *sj = summary_to_json(&s, &info);
	if (res.interrupted)
		cJSON_AddBoolToObject(sj, "interrupted", true);
	if (res.too_many_errors)
		cJSON_AddBoolToObject(sj, "too_many_errors", true);
	rc = results_write_summary(p->out_dir, name, sj, e);
	if (!rc)
		rc = results_write_aiperf(&lr.w, p->out_dir, name, &s, &info,
					  p->model, e);
	if (!rc)
		rc = results_write_csv(p->out_dir, names, n_names, e);
	if (!rc && h->progress) {
		struct bench_progress bp;
		progress_of(&lr, clock_mono_ns(), s.total, s.failed,
			    (long)s.total, &bp);
		bp.ttft_p50_ms = s.ttft_ms.p50;
		bp.tpot_p50_ms = s.tpot_ms.p50;
		bp.final = true;
		h->progress(h->ud, &bp);
	}
	if (!rc && h->level_done)
		h->level_done(h->ud, name, &s, &info, sj);
	cJSON_Delete(sj);
	out->levels_run++;
	if (none_ok) {
		out->levels_failed++;
		if (!out->first_failure[0])
			snprintf(out->first_failure, sizeof out->first_failure,
				 "%s: %s", name,
				 lr.first_failure[0] ? lr.first_failure
						     : "no request finished");
	}
	if (res.too_many_errors) {
		out->too_many_errors = true;
		if (!out->first_failure[0])
			snprintf(out->first_failure, sizeof out->first_failure,
				 "%s: %s", name,
				 lr.first_failure[0] ? lr.first_failure
						     : "no request finished");
	}
	if (res.interrupted)
		out->interrupted = true;
out:
	results_level_release(&lr.w);
	loop_result_release(&res);
	return rc;
}

int bench_run(const struct bench_plan *p, struct http_driver *d,
	      struct workload *w, const struct bench_hooks *h,
	      struct bench_outcome *out, struct sc_err *e)
{
	memset(out, 0, sizeof *out);
	size_t n = p->replay ? 1 : p->n_levels;
	char **names = xcalloc(n ? n : 1, sizeof *names);
	size_t n_names = 0;
	int rc = SC_OK;
	int64_t t0 = clock_mono_ns();
	for (size_t i = 0; i < n; i++) {
		if (p->stop && *p->stop) {
			out->interrupted = true;
			break;
		}
		char name[64];
		bench_level_name(p, i, name, sizeof name);
		names[n_names++] = xstrdup(name);
		if (p->resume && results_level_verified(p->out_dir, name)) {
			if (h->level_skipped)
				h->level_skipped(h->ud, name);
			continue;
		}
		rc = run_level(p, i, d, w, h, names, n_names, t0, out, e);
		if (rc || out->too_many_errors || out->interrupted)
			break;
	}
	if (!rc)
		rc = results_write_csv(p->out_dir, names, n_names, e);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	return rc;
}

cJSON *bench_summaries_json(const struct bench_plan *p)
{
	cJSON *all = cJSON_CreateArray();
	size_t n = p->replay ? 1 : p->n_levels;
	for (size_t i = 0; i < n; i++) {
		char name[64];
		cJSON *sj = bench_level_summary(p, i, name, sizeof name);
		if (sj) {
			cJSON_AddStringToObject(sj, "level", name);
			cJSON_AddItemToArray(all, sj);
		}
	}
	return all;
}
