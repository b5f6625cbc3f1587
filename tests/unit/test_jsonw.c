/* jsonw against cJSON_PrintUnformatted: records are written by jsonw, and
 * their bytes must stay what cJSON printed (records are read back, diffed
 * and exported), so every number shape and string escape is printed by
 * both and compared. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/jsonw.h"
#include "util/rng.h"

/* Both printers on j; returns true when they agree (else says where). */
static bool agree(const cJSON *j)
{
	char *want = cJSON_PrintUnformatted(j);
	char *got = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&got, &len);
	bool ok = f && jsonw_write(f, j);
	if (f)
		fclose(f);
	ok = ok && want && got && !strcmp(want, got);
	if (!ok)
		fprintf(stderr, "cJSON: %s\njsonw: %s\n",
			want ? want : "(null)", got ? got : "(null)");
	free(want);
	free(got);
	return ok;
}

static bool agree_num(double d)
{
	cJSON *n = cJSON_CreateNumber(d);
	bool ok = agree(n);
	cJSON_Delete(n);
	return ok;
}

static void test_numbers_listed(void)
{
	static const double v[] = {
	    0,
	    -0.0,
	    1,
	    -1,
	    0.5,
	    2.25,
	    INT_MAX,
	    INT_MIN,
	    2147483648.0,
	    -2147483649.0,
	    1e15 - 1,
	    1e15,
	    1e15 + 2,
	    -1e15 + 1,
	    1e16,
	    1e300,
	    1e-4,
	    0.0001,
	    0.000099,
	    0.00009999,
	    1e-5,
	    1e-300,
	    5e-324,
	    DBL_MAX,
	    0.1,
	    0.2,
	    0.3,
	    1.0 / 3,
	    999999999.999999,
	    1e9,
	    1e9 + 0.5,
	    123456.789012,
	    17957014711981.0,
	    15.550149,
	    0.001796,
	    0.01098,
	    0.000001,
	    -0.001796,
	    NAN,
	    INFINITY,
	    -INFINITY,
	    2.5e-7,
	    1e22,
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		bool ok = agree_num(v[i]);
		if (!ok)
			fprintf(stderr, "number %zu: %.17g\n", i, v[i]);
		CU_ASSERT(ok);
	}
}

/* Many values of each shape records hold: milliseconds rounded to 1e-6 at
 * every magnitude, nanosecond stamps, counts, and arbitrary doubles. */
static void test_numbers_random(void)
{
	struct rng r;
	rng_seed(&r, 7);
	int bad = 0;
	for (int i = 0; i < 200000 && bad < 5; i++) {
		double u = rng_uniform(&r), d;
		switch (i % 5) {
		case 0: /* rounded ms, 1e-7 .. 1e10 */
			d = pow(10, -7 + 17 * u);
			d = round(d * 1e6) / 1e6;
			break;
		case 1: /* monotonic ns stamps */
			d = floor(u * 1e14);
			break;
		case 2: /* counts */
			d = floor(u * 1e6);
			break;
		case 3: /* any double over a wide range, either sign */
			d = (u < 0.5 ? -1 : 1) *
			    pow(10, -30 + 60 * rng_uniform(&r));
			break;
		default: /* few decimals, as summaries hold */
			d = round(u * 1e4) / 1e2;
			break;
		}
		if (!agree_num(d)) {
			fprintf(stderr, "value %.17g\n", d);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_tree(void)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "plain", "abc");
	cJSON_AddStringToObject(o, "esc", "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f end");
	cJSON_AddStringToObject(o, "utf8", "\xc3\xa9\xe2\x82\xac");
	cJSON_AddStringToObject(o, "", "");
	cJSON_AddStringToObject(o, "key \"quoted\"\n", "v");
	cJSON_AddNullToObject(o, "null");
	cJSON_AddBoolToObject(o, "t", 1);
	cJSON_AddBoolToObject(o, "f", 0);
	cJSON_AddArrayToObject(o, "empty_a");
	cJSON_AddObjectToObject(o, "empty_o");
	cJSON *a = cJSON_AddArrayToObject(o, "a");
	for (int i = 0; i < 5; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(i * 0.125));
	cJSON *in = cJSON_CreateObject();
	cJSON_AddItemToObject(in, "raw", cJSON_CreateRaw("[1, 2]"));
	cJSON_AddItemToArray(a, in);
	cJSON_AddItemToArray(a, cJSON_CreateArray());
	CU_ASSERT(agree(o));
	cJSON_Delete(o);
}

/* Streams j through the item-by-item writer (raw items are integers). */
static void stream(struct jsonw *w, const cJSON *j, const char *key)
{
	const cJSON *c;
	switch (j->type & 0xFF) {
	case cJSON_NULL:
		jsonw_null(w, key);
		break;
	case cJSON_False:
	case cJSON_True:
		jsonw_bool(w, key, cJSON_IsTrue(j));
		break;
	case cJSON_Number:
		jsonw_num(w, key, j->valuedouble);
		break;
	case cJSON_Raw:
		jsonw_i64(w, key, strtoll(j->valuestring, NULL, 10));
		break;
	case cJSON_String:
		jsonw_str(w, key, j->valuestring);
		break;
	default: {
		bool obj = cJSON_IsObject(j);
		if (obj)
			jsonw_obj(w, key);
		else
			jsonw_arr(w, key);
		cJSON_ArrayForEach(c, j) stream(w, c, obj ? c->string : NULL);
		jsonw_end(w, obj);
	}
	}
}

/* A random tree of depth at most d: every item kind, empty and nested
 * containers, integer raws (wall-clock ns) of either sign. */
static cJSON *random_tree(struct rng *r, int d)
{
	int kind = (int)(rng_uniform(r) * (d > 0 ? 8 : 6));
	char buf[32];
	switch (kind) {
	case 0:
		return cJSON_CreateNull();
	case 1:
		return cJSON_CreateBool(rng_uniform(r) < 0.5);
	case 2:
		return cJSON_CreateNumber(round(rng_uniform(r) * 1e12 - 5e11) /
					  1e6);
	case 3:
		return cJSON_CreateNumber(pow(10, 40 * rng_uniform(r) - 20));
	case 4:
		snprintf(buf, sizeof buf, "%lld",
			 (long long)((rng_uniform(r) - 0.5) * 9e18));
		return cJSON_CreateRaw(buf);
	case 5:
		return cJSON_CreateString(rng_uniform(r) < 0.5 ? "a\"b\n" : "");
	default: {
		bool obj = kind == 6;
		cJSON *c = obj ? cJSON_CreateObject() : cJSON_CreateArray();
		int n = (int)(rng_uniform(r) * 4);
		for (int i = 0; i < n; i++) {
			cJSON *v = random_tree(r, d - 1);
			if (obj) {
				snprintf(buf, sizeof buf, "k%d\t", i);
				cJSON_AddItemToObject(c, buf, v);
			} else {
				cJSON_AddItemToArray(c, v);
			}
		}
		return c;
	}
	}
}

/* The item-by-item writer gives cJSON's bytes for the tree its calls
 * describe: separators, keys, nesting and closing at every depth. A
 * failure means records written without a tree differ from the files
 * readers were built on. */
static void test_stream(void)
{
	struct rng r;
	rng_seed(&r, 11);
	int bad = 0;
	for (int i = 0; i < 3000 && bad < 3; i++) {
		cJSON *t = random_tree(&r, 4);
		char *want = cJSON_PrintUnformatted(t);
		char *got = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&got, &len);
		struct jsonw w;
		jsonw_init(&w, f);
		stream(&w, t, NULL);
		bool ok = jsonw_ok(&w) && w.depth == 0;
		fclose(f);
		if (!ok || strcmp(want, got)) {
			fprintf(stderr, "cJSON: %s\nstream: %s\n", want, got);
			bad++;
		}
		free(want);
		free(got);
		cJSON_Delete(t);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* jsonw_read_back is what cJSON parses from the printed number, for the
 * shapes that print exactly and for those that keep 15 digits only. A
 * failure means an export made from a live record differs from one made
 * from its line. */
static void test_read_back(void)
{
	struct rng r;
	rng_seed(&r, 5);
	int bad = 0, differ = 0;
	for (int i = 0; i < 100000 && bad < 5; i++) {
		double u = rng_uniform(&r);
		double d = i % 2 ? (u - 0.5) * pow(10, -30 + 60 * u)
				 : round(pow(10, -8 + 20 * u) * 1e6) / 1e6;
		char buf[64];
		buf[jsonw_double(d, buf, sizeof buf - 1)] = 0;
		cJSON *j = cJSON_Parse(buf);
		double want = j->valuedouble;
		cJSON_Delete(j);
		differ += want != d;
		if (want != jsonw_read_back(d)) {
			fprintf(stderr, "%.17g: cJSON reads %.17g\n", d, want);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(differ > 0); /* the inexact case was met */
}

static CU_TestInfo tests[] = {
    {"listed numbers print as cJSON prints them", test_numbers_listed},
    {"random numbers print as cJSON prints them", test_numbers_random},
    {"strings, escapes and nesting", test_tree},
    {"item by item as the tree prints", test_stream},
    {"numbers as cJSON reads them back", test_read_back},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("jsonw", tests)
