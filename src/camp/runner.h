/* The campaign runner: bench every deployment (a running URL, the built-in
 * emulator, or a server launched by command), fit, match with the fitted
 * and the prior parameters, plot, report, refresh the perf database. Each
 * step is a servecal process of its own (crash isolation, a log per step
 * in DIR/logs); manifest.json records finished steps so a rerun resumes. */
#ifndef SC_RUNNER_H
#define SC_RUNNER_H
#include <signal.h>
#include <stdbool.h>

#include "camp/campaign.h"
#include "util/err.h"

enum runner_note {
	RUNNER_PROGRESS, /* a step started, finished or failed */
	RUNNER_WARNING,	 /* something the user must know (manifest not saved) */
};

struct runner_opts {
	const char *dir;   /* campaign directory; created when missing */
	const char *exe;   /* the servecal executable the steps run */
	bool resume;	   /* continue a campaign already in dir */
	bool bench_stdout; /* bench steps write their table to our stdout */
	/* Version of the gnuplot program, recorded in env.json; NULL when it
	 * is not found. */
	const char *gnuplot;
	/* Set (by a signal handler) to stop: the running step is stopped
	 * cleanly and no further step starts. */
	volatile sig_atomic_t *stop;
	/* Receives one line per event (no newline); may be NULL. */
	void (*note)(void *ud, enum runner_note kind, const char *line);
	void *ud;
};

struct runner_result {
	int failed_steps;
	bool interrupted; /* *stop was set; rerun with resume */
	bool report_done; /* DIR/report.html exists for this campaign */
	double elapsed_s;
};

/* Runs campaign c into o->dir. A failed step is counted in
 * res->failed_steps and recorded in the manifest, and the campaign goes
 * on. Returns SC_OK when the campaign ran (even with failed steps), or
 * SC_ERUNTIME/SC_EINPUT when it could not start (directory, lock,
 * manifest of another campaign). */
int runner_run(const struct campaign *c, const struct runner_opts *o,
	       struct runner_result *res, struct sc_err *e) SC_MUST_CHECK;

/* Expected seconds to bench deployment d over c's sweep, from the model
 * with prior parameters (for --dry-run). */
double runner_expected_s(const struct campaign *c, const struct deploy_spec *d);
/* The same for level k of the sweep alone; 0 when the model cannot
 * project it. */
double runner_level_expected_s(const struct campaign *c,
			       const struct deploy_spec *d, size_t k);

#endif
