/* cJSON's number printing, for reference: NaN and infinities are "null";
 * anything else is "%1.15g", or "%1.17g" when that does not read back
 * within DBL_EPSILON (integers print as such, -0 as "-0").
 * The shortcuts below give the same text: an integral value under 1e15 in
 * magnitude has at most 15 digits, which %1.15g prints in full without an
 * exponent; a value that is exactly the nearest double to k / 1e6 with
 * 1e-4 <= |value| < 1e9 has at most 15 significant digits, which %1.15g
 * prints (trailing zeros dropped, no exponent) and which read back as the
 * same double. */
#include "util/jsonw.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes the digits of v (< 1e15) at the end of buf; returns the start. */
static char *digits_back(char *end, unsigned long long v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static size_t put_uint(char *buf, bool neg, unsigned long long v)
{
	char tmp[24];
	char *s = digits_back(tmp + sizeof tmp, v);
	size_t n = (size_t)(tmp + sizeof tmp - s), k = 0;
	if (neg)
		buf[k++] = '-';
	memcpy(buf + k, s, n);
	return k + n;
}

static size_t slow_number(double d, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%1.15g", d);
	double test = strtod(buf, NULL);
	double max = fabs(test) > fabs(d) ? fabs(test) : fabs(d);
	if (!(fabs(test - d) <= max * DBL_EPSILON))
		n = snprintf(buf, cap, "%1.17g", d);
	return (size_t)n;
}

size_t jsonw_number(const cJSON *j, char *buf, size_t cap)
{
	return jsonw_double(j->valuedouble, buf, cap);
}

/* True when jsonw_double prints d exactly (no %g): d reads back as d. */
static bool exact(double a)
{
	if (a < 1e15 && a == floor(a))
		return true;
	return a >= 1e-4 && a < 1e9 && nearbyint(a * 1e6) / 1e6 == a;
}

double jsonw_read_back(double d)
{
	if (!isfinite(d) || d == 0 || exact(fabs(d)))
		return d;
	char buf[64];
	slow_number(d, buf, sizeof buf);
	return strtod(buf, NULL);
}

size_t jsonw_double(double d, char *buf, size_t cap)
{
	if (isnan(d) || isinf(d))
		return (size_t)snprintf(buf, cap, "null");
	if (d == 0) /* "-0" keeps its sign */
		return (size_t)snprintf(buf, cap, "%1.15g", d);
	double a = fabs(d);
	if (a < 1e15 && a == floor(a))
		return put_uint(buf, d < 0, (unsigned long long)a);
	if (a >= 1e-4 && a < 1e9) {
		double k = nearbyint(a * 1e6);
		if (k / 1e6 == a) {
			unsigned long long u = (unsigned long long)k;
			size_t n = put_uint(buf, d < 0, u / 1000000);
			unsigned long long frac = u % 1000000;
			char f[6];
			for (int i = 5; i >= 0; i--, frac /= 10)
				f[i] = (char)('0' + frac % 10);
			int m = 6;
			while (m && f[m - 1] == '0')
				m--;
			buf[n++] = '.';
			memcpy(buf + n, f, (size_t)m);
			n += (size_t)m;
			buf[n] = 0;
			return n;
		}
	}
	return slow_number(d, buf, cap);
}

static bool write_string(FILE *f, const char *s)
{
	if (!s)
		return fputs("\"\"", f) >= 0;
	putc('"', f);
	const char *run = s;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 32 && ch != '"' && ch != '\\')
			continue;
		fwrite(run, 1, (size_t)(s - run), f);
		run = s + 1;
		static const char simple[] = "\"\"\\\\\bb\ff\nn\rr\tt";
		const char *e = memchr(simple, ch, sizeof simple - 1);
		/* pairs: the character, then its escape letter */
		if (e && (e - simple) % 2 == 0)
			fprintf(f, "\\%c", e[1]);
		else
			fprintf(f, "\\u%04x", ch);
	}
	fwrite(run, 1, (size_t)(s - run), f);
	return putc('"', f) != EOF;
}

bool jsonw_write(FILE *f, const cJSON *j)
{
	char num[64];
	const cJSON *c;
	bool first = true;
	if (!j)
		return false;
	switch (j->type & 0xFF) {
	case cJSON_NULL:
		return fputs("null", f) >= 0;
	case cJSON_False:
		return fputs("false", f) >= 0;
	case cJSON_True:
		return fputs("true", f) >= 0;
	case cJSON_Number: {
		size_t n = jsonw_number(j, num, sizeof num);
		return fwrite(num, 1, n, f) == n;
	}
	case cJSON_Raw:
		return j->valuestring && fputs(j->valuestring, f) >= 0;
	case cJSON_String:
		return write_string(f, j->valuestring);
	case cJSON_Array:
		putc('[', f);
		for (c = j->child; c; c = c->next, first = false)
			if ((!first && putc(',', f) == EOF) ||
			    !jsonw_write(f, c))
				return false;
		return putc(']', f) != EOF;
	case cJSON_Object:
		putc('{', f);
		for (c = j->child; c; c = c->next, first = false) {
			if (!first)
				putc(',', f);
			if (!write_string(f, c->string) ||
			    putc(':', f) == EOF || !jsonw_write(f, c))
				return false;
		}
		return putc('}', f) != EOF;
	default:
		return false;
	}
}

void jsonw_init(struct jsonw *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->more = 0;
}

/* The separator and key before an item at the current level. */
static void item(struct jsonw *w, const char *key)
{
	uint64_t bit = 1ull << w->depth;
	if (w->more & bit)
		putc(',', w->f);
	w->more |= bit;
	if (key) {
		write_string(w->f, key);
		putc(':', w->f);
	}
}

static void open_level(struct jsonw *w, const char *key, char ch)
{
	item(w, key);
	putc(ch, w->f);
	if (++w->depth > JSONW_DEPTH)
		abort();
	w->more &= ~(1ull << w->depth);
}

void jsonw_obj(struct jsonw *w, const char *key)
{
	open_level(w, key, '{');
}

void jsonw_arr(struct jsonw *w, const char *key)
{
	open_level(w, key, '[');
}

void jsonw_end(struct jsonw *w, bool is_obj)
{
	if (w->depth <= 0)
		abort();
	w->depth--;
	putc(is_obj ? '}' : ']', w->f);
}

void jsonw_num(struct jsonw *w, const char *key, double v)
{
	char num[64];
	item(w, key);
	size_t n = jsonw_double(v, num, sizeof num);
	fwrite(num, 1, n, w->f);
}

void jsonw_i64(struct jsonw *w, const char *key, long long v)
{
	char num[24];
	item(w, key);
	unsigned long long u =
	    v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	size_t n = put_uint(num, v < 0, u);
	fwrite(num, 1, n, w->f);
}

void jsonw_str(struct jsonw *w, const char *key, const char *s)
{
	item(w, key);
	write_string(w->f, s);
}

void jsonw_null(struct jsonw *w, const char *key)
{
	item(w, key);
	fputs("null", w->f);
}

void jsonw_bool(struct jsonw *w, const char *key, bool v)
{
	item(w, key);
	fputs(v ? "true" : "false", w->f);
}

bool jsonw_ok(const struct jsonw *w)
{
	return !ferror(w->f);
}
