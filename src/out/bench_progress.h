/* bench's progress lines: on a terminal one line per level rewritten in
 * place, elsewhere one line per level as it ends (no carriage returns).
 * Pure: formats a struct bench_progress. */
#ifndef SC_BENCH_PROGRESS_H
#define SC_BENCH_PROGRESS_H
#include <stdbool.h>
#include <stdio.h>

#include "load/bench.h"

/* Writes p to f: for a terminal (tty) the in-place line of a running
 * level, or the erasure of it when p->final; otherwise only when
 * p->final, one line ending in a newline. Times as "12.3 s", "4 min 05 s"
 * or "1 h 02 min", "?" when unknown. */
void bench_progress_write(FILE *f, const struct bench_progress *p, bool tty);

#endif
