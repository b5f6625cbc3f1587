/* What a running campaign tells: lines to runner_opts.note, and the plan
 * with the time left in the manifest for `campaign status`. */
#ifndef SC_RUNNER_NOTE_H
#define SC_RUNNER_NOTE_H
#include "camp/runner_state.h"

/* One line of kind to r->o->note (nothing when it is NULL). */
void runner_note_line(const struct runner *r, enum runner_note kind,
		      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A progress line: the text, the campaign's elapsed time and the
 * estimate of what is left. */
void runner_note_progress(const struct runner *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The plan as the measurements so far scale it, and the time left, into
 * the manifest; a manifest that cannot be saved is a warning line. */
void runner_note_save(struct runner *r);

#endif
