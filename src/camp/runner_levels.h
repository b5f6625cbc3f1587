/* Progress lines and the estimate's pieces as a running bench's
 * concurrency levels begin and end. */
#ifndef SC_RUNNER_LEVELS_H
#define SC_RUNNER_LEVELS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "camp/runner_state.h"

/* A running bench seen from its level directories (load/results.h names
 * them): a level has begun when its directory exists and is over when
 * its summary.json does. Piece 0 of a bench step is the target's start,
 * piece 1 + k its level k. */
struct runner_levels {
	struct runner *r;
	const struct campaign_deploy *d;
	const char *dir; /* DIR/NAME */
	bool quiet;	 /* the bench's own table is on our stdout */
	size_t next;	 /* the first level not over */
	bool begun;	 /* level next has its directory */
	int64_t polled_ns;
	bool (*gone)(void *); /* what the bench watches besides */
	void *gone_ud;
};

/* Whether level k's directory (file NULL) or file in it exists; name gets
 * the level's directory name. */
bool runner_levels_file(const struct runner_levels *w, size_t k,
			const char *file, char *name, size_t len);
/* Lines and estimate pieces for the levels that began or ended since the
 * last look. */
void runner_levels_watch(struct runner_levels *w);
/* The watch a bench step runs under (ud: struct runner_levels): looks at
 * the levels every so often; true when what the bench watches besides
 * (gone) has ended. */
bool runner_levels_poll(void *ud);

#endif
