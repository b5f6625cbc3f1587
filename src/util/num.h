/* Range-checked numbers from flags and files: durations, rates, counts,
 * token lengths and plain quantities. Every accepted value lies inside a
 * documented [lo, hi] (README.md, "Ranges of numbers"), so the conversions
 * done later (seconds to nanoseconds, rate x duration to a request count,
 * double to long) cannot overflow. Messages name the flag or field and
 * quote the value as given. */
#ifndef SC_NUM_H
#define SC_NUM_H
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* The ranges. A duration of 7 days is 6.0e14 ns, far inside int64. */
/* Any duration or timeout: 1 ms to 7 days; latencies, SLAs and
 * timestamps in ms up to the same 7 days. */
#define NUM_DURATION_MIN_S 0.001
#define NUM_DURATION_MAX_S 604800.0
#define NUM_MS_MAX	   604800000.0
/* Open-loop rate: one request per 1,000 s to a 10 us mean gap. */
#define NUM_RATE_MIN_PER_S 0.001
#define NUM_RATE_MAX_PER_S 100000.0
/* ISL, OSL, a prompt's tokens; requests per level, warm-up, dataset
 * items; concurrency and max batch. */
#define NUM_TOKENS_MAX 10000000L
#define NUM_COUNT_MAX  100000000L
#define NUM_CONC_MAX   1000000L
/* Absolute timestamps in ns: the year 2096 since 1970 (int64 ends at
 * 9.2e18). */
#define NUM_NS_MAX 4e18
/* Gamma arrival shape K. */
#define NUM_SHAPE_MIN 0.01
#define NUM_SHAPE_MAX 100.0
/* An SLA (TTFT or TPOT ms, or tokens/s per user) and the largest per-user
 * token rate. */
#define NUM_SLA_MIN	     0.001
#define NUM_TOKENS_PER_S_MAX 1e7
/* KV link: 1 MB/s to 1 PB/s, up to 10 s of latency per transfer. */
#define NUM_LINK_MIN_GBPS	0.001
#define NUM_LINK_MAX_GBPS	1e6
#define NUM_LINK_MAX_LATENCY_US 1e7

/* Each parser reads all of s (no leading blank, no trailing text) and
 * stores the value in *out only on success. On failure: SC_EINVAL with
 * "NAME: must be ..., got 'S'" in e (name is "--flag" or "field 'key'"). */

/* Whole number in [lo, hi] (decimal digits, optional sign). */
int num_parse_count(const char *name, const char *s, long lo, long hi,
		    long *out, struct sc_err *e) SC_MUST_CHECK;
/* Finite number in [lo, hi]. */
int num_parse_real(const char *name, const char *s, double lo, double hi,
		   double *out, struct sc_err *e) SC_MUST_CHECK;
/* Duration "60s", "500ms", "2m", "1h" or bare seconds; the value in
 * seconds must be in [lo, hi]. */
int num_parse_duration_s(const char *name, const char *s, double lo, double hi,
			 double *out, struct sc_err *e) SC_MUST_CHECK;
/* Requests per second in [NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S]. */
int num_parse_rate(const char *name, const char *s, double *out,
		   struct sc_err *e) SC_MUST_CHECK;
/* Comma list of rates (no empty entries), at most max; *n gets the count. */
int num_parse_rate_list(const char *name, const char *s, double *out,
			size_t max, size_t *n, struct sc_err *e) SC_MUST_CHECK;
/* Comma list of whole numbers in [lo, hi] (no empty entries), at most max. */
int num_parse_count_list(const char *name, const char *s, long lo, long hi,
			 long *out, size_t max, size_t *n,
			 struct sc_err *e) SC_MUST_CHECK;

/* Checks a number already read (a JSON value): SC_EINVAL "NAME: must be in
 * [lo, hi], got V" when v is not finite or outside the range. */
int num_check(const char *name, double v, double lo, double hi,
	      struct sc_err *e) SC_MUST_CHECK;
/* As num_check, and v must be whole; *out gets it as a long. */
int num_check_whole(const char *name, double v, long lo, long hi, long *out,
		    struct sc_err *e) SC_MUST_CHECK;

#endif
