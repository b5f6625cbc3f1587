/* Range-checked parsing of flag values and checks of file values. The
 * range is tested on the double before any conversion, so no cast or
 * multiplication downstream sees a value it cannot hold. */
#include "util/num.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A quoted value is cut to this many bytes in messages. */
#define NUM_QUOTE_MAX 80
/* Longest list entry ("100000.000001" and the like). */
#define NUM_ENTRY_MAX 64

static int bad(struct sc_err *e, const char *name, const char *want,
	       const char *s)
{
	return sc_err_set(e, SC_EINVAL, "%s: must be %s, got '%.*s%s'", name,
			  want, NUM_QUOTE_MAX, s,
			  strlen(s) > NUM_QUOTE_MAX ? "..." : "");
}

/* strtod over all of s: no leading blank, something parsed, and *rest
 * left at the first unparsed byte. */
static bool scan_real(const char *s, double *v, const char **rest)
{
	if (!*s || isspace((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	double x = strtod(s, &end);
	if (end == s)
		return false;
	*v = x;
	*rest = end;
	return true;
}

int num_parse_count(const char *name, const char *s, long lo, long hi,
		    long *out, struct sc_err *e)
{
	char want[96];
	snprintf(want, sizeof want, "a whole number in [%ld, %ld]", lo, hi);
	if (!*s || isspace((unsigned char)*s))
		return bad(e, name, want, s);
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return bad(e, name, want, s);
	*out = v;
	return SC_OK;
}

int num_parse_real(const char *name, const char *s, double lo, double hi,
		   double *out, struct sc_err *e)
{
	char want[96];
	snprintf(want, sizeof want, "a number in [%.10g, %.10g]", lo, hi);
	double v;
	const char *rest;
	if (!scan_real(s, &v, &rest) || *rest || !(v >= lo && v <= hi))
		return bad(e, name, want, s);
	*out = v;
	return SC_OK;
}

int num_parse_duration_s(const char *name, const char *s, double lo, double hi,
			 double *out, struct sc_err *e)
{
	static const struct {
		const char *suffix;
		double scale_s;
	} units[] = {{"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}, {"", 1}};
	char want[128];
	snprintf(want, sizeof want,
		 "a duration in [%.10g, %.10g] s such as 60s, 500ms, 2m or 1h",
		 lo, hi);
	double v;
	const char *rest;
	if (!scan_real(s, &v, &rest))
		return bad(e, name, want, s);
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(rest, units[i].suffix))
			continue;
		double x = v * units[i].scale_s;
		if (!(x >= lo && x <= hi)) /* NaN and inf fail here too */
			break;
		*out = x;
		return SC_OK;
	}
	return bad(e, name, want, s);
}

int num_parse_rate(const char *name, const char *s, double *out,
		   struct sc_err *e)
{
	char want[96];
	snprintf(want, sizeof want, "a rate in [%.10g, %.10g] requests/s",
		 NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S);
	double v;
	if (num_parse_real(name, s, NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S, &v,
			   NULL))
		return bad(e, name, want, s);
	*out = v;
	return SC_OK;
}

/* Calls one(entry) for each comma-separated entry of s; an empty entry,
 * an entry too long or one that one() rejects fails the list. */
static bool each_entry(const char *s, size_t max, size_t *n,
		       bool (*one)(const char *entry, size_t i, void *ud),
		       void *ud)
{
	*n = 0;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char entry[NUM_ENTRY_MAX];
		if (len == 0 || len >= sizeof entry || *n >= max)
			return false;
		memcpy(entry, p, len);
		entry[len] = '\0';
		if (!one(entry, *n, ud))
			return false;
		(*n)++;
		if (!comma)
			return true;
		p = comma + 1;
	}
}

struct rate_list {
	double *out;
};

static bool one_rate(const char *entry, size_t i, void *ud)
{
	struct rate_list *l = ud;
	return num_parse_rate("", entry, &l->out[i], NULL) == SC_OK;
}

int num_parse_rate_list(const char *name, const char *s, double *out,
			size_t max, size_t *n, struct sc_err *e)
{
	char want[160];
	snprintf(want, sizeof want,
		 "up to %zu comma-separated rates in [%.10g, %.10g] requests/s",
		 max, NUM_RATE_MIN_PER_S, NUM_RATE_MAX_PER_S);
	struct rate_list l = {out};
	if (!each_entry(s, max, n, one_rate, &l))
		return bad(e, name, want, s);
	return SC_OK;
}

struct count_list {
	long *out;
	long lo, hi;
};

static bool one_count(const char *entry, size_t i, void *ud)
{
	struct count_list *l = ud;
	return num_parse_count("", entry, l->lo, l->hi, &l->out[i], NULL) ==
	       SC_OK;
}

int num_parse_count_list(const char *name, const char *s, long lo, long hi,
			 long *out, size_t max, size_t *n, struct sc_err *e)
{
	char want[160];
	snprintf(want, sizeof want,
		 "up to %zu comma-separated whole numbers in [%ld, %ld]", max,
		 lo, hi);
	struct count_list l = {out, lo, hi};
	if (!each_entry(s, max, n, one_count, &l))
		return bad(e, name, want, s);
	return SC_OK;
}

int num_check(const char *name, double v, double lo, double hi,
	      struct sc_err *e)
{
	if (v >= lo && v <= hi)
		return SC_OK;
	return sc_err_set(e, SC_EINVAL,
			  "%s: must be in [%.10g, %.10g], got %.10g", name, lo,
			  hi, v);
}

int num_check_whole(const char *name, double v, long lo, long hi, long *out,
		    struct sc_err *e)
{
	if (!isfinite(v) || v != floor(v))
		return sc_err_set(e, SC_EINVAL,
				  "%s: must be a whole number, got %.10g", name,
				  v);
	/* 2^63 does not fit a long: test the double before the cast. */
	if (!(v >= -0x1p63 && v < 0x1p63) || (long)v < lo || (long)v > hi)
		return sc_err_set(e, SC_EINVAL,
				  "%s: must be in [%ld, %ld], got %.10g", name,
				  lo, hi, v);
	*out = (long)v;
	return SC_OK;
}
