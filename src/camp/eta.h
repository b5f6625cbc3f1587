/* How long a campaign has left: the plan's expected time of each piece of
 * work (a target's start, a bench level, a fit, match, plot or report),
 * scaled per kind by how long the finished pieces of that kind really
 * took, so the estimate follows the machine once a piece has finished.
 * Pure arithmetic: the runner feeds it times and asks. */
#ifndef SC_ETA_H
#define SC_ETA_H
#include <stdbool.h>
#include <stddef.h>

/* The kinds of work that are scaled together. */
enum eta_kind {
	ETA_START,  /* bringing a bench target up (emulator, server, job) */
	ETA_LEVEL,  /* one concurrency level of a bench */
	ETA_FIT,    /* the fit */
	ETA_MATCH,  /* a match, the perf database */
	ETA_RENDER, /* plot, report */
	ETA_KIND_COUNT
};

struct eta_piece {
	enum eta_kind kind;
	double expected_s; /* from the plan, >= 0 */
	bool finished;	   /* measured, or skipped (done by an earlier run) */
};

struct eta_step {
	char name[160];	 /* the manifest's step name: "bench:agg", "fit" */
	size_t first, n; /* its pieces */
	bool finished;
};

struct eta {
	struct eta_step *steps;
	size_t n_steps;
	struct eta_piece *pieces;
	size_t n_pieces;
	/* Over measured pieces: plan and measured seconds, per kind. */
	double planned_s[ETA_KIND_COUNT], measured_s[ETA_KIND_COUNT];
};

void eta_init(struct eta *t);
void eta_release(struct eta *t);
/* Appends a step named name; returns its index. */
size_t eta_add_step(struct eta *t, const char *name);
/* Appends a piece of kind to the last step (expected_s < 0 counts as 0);
 * returns its index within that step. */
size_t eta_add_piece(struct eta *t, enum eta_kind kind, double expected_s);
/* Index of the step named name, or -1. */
long eta_find(const struct eta *t, const char *name);

/* Piece k of step s took took_s (a measurement that refines the scale of
 * its kind); with took_s < 0 it was skipped (done by an earlier run) and
 * teaches nothing. */
void eta_piece_done(struct eta *t, size_t s, size_t k, double took_s);
/* Step s is over (its unfinished pieces are dropped: failed, interrupted
 * or skipped). */
void eta_step_done(struct eta *t, size_t s);

/* Measured over planned seconds of kind, 1 before any was measured. */
double eta_scale(const struct eta *t, enum eta_kind kind);
/* Expected seconds of piece k of step s under the current scale. */
double eta_piece_s(const struct eta *t, size_t s, size_t k);
/* Expected seconds of the whole of step s under the current scale. */
double eta_step_s(const struct eta *t, size_t s);
/* Seconds left in the campaign: every unfinished piece at its scaled
 * expectation, less running_s already spent on piece (s, k) (the one in
 * progress; pass s = n_steps when none is), never below 0 for it. */
double eta_remaining_s(const struct eta *t, size_t s, size_t k,
		       double running_s);

/* Seconds as "42 s", "3:05" or "1:02:05" into buf; "?" when not finite
 * or negative. Returns buf. */
const char *eta_fmt(double s, char *buf, size_t len);

#endif
