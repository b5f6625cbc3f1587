/* Clocks: monotonic nanoseconds for durations, wall clock for metadata. */
#ifndef SC_CLOCK_H
#define SC_CLOCK_H
#include <stdint.h>
#include <stddef.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t clock_mono_ns(void);
/* CLOCK_REALTIME in nanoseconds since the epoch. */
int64_t clock_wall_ns(void);
/* Writes the wall time as ISO-8601 UTC ("2026-11-26T21:54:59Z") into buf. */
void clock_wall_iso(char *buf, size_t len);

#endif
