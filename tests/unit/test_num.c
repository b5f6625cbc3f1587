/* Range-checked numbers (util/num): each parser accepts exactly the
 * documented range and quotes the value it refuses. A failure here means a
 * flag such as --timeout 1e308h or --isl 0.4 reaches the program again (the
 * first overflowed a nanosecond conversion, the second sent 1-token
 * prompts). */
#include <math.h>
#include <string.h>

#include "util/num.h"
#include "testutil.h"

enum kind { COUNT, REAL, DURATION, RATE, RATES, COUNTS };

static const struct {
	enum kind kind;
	const char *s;
	bool ok;
	double want; /* value (first entry of a list), or the count of a list */
	const char *msg;
} cases[] = {
    /* counts: --isl, --requests-per-level (here in [1, 10000000]) */
    {COUNT, "4000", true, 4000, NULL},
    {COUNT, "10000000", true, 1e7, NULL},
    {COUNT, "0.4", false, 0,
     "--x: must be a whole number in [1, 10000000], got '0.4'"},
    {COUNT, "1e308", false, 0, "got '1e308'"},
    {COUNT, "0", false, 0, "got '0'"},
    {COUNT, "10000001", false, 0, "got '10000001'"},
    {COUNT, "99999999999999999999", false, 0, "got '99999999999999999999'"},
    {COUNT, " 5", false, 0, "got ' 5'"},
    {COUNT, "5 ", false, 0, "got '5 '"},
    {COUNT, "", false, 0, "got ''"},
    {COUNT, "two", false, 0, "got 'two'"},
    /* reals in [0, 1] (--max-error-rate) */
    {REAL, "0.5", true, 0.5, NULL},
    {REAL, "0", true, 0, NULL},
    {REAL, "1", true, 1, NULL},
    {REAL, "1.0000001", false, 0,
     "--x: must be a number in [0, 1], got '1.0000001'"},
    {REAL, "nan", false, 0, "got 'nan'"},
    {REAL, "inf", false, 0, "got 'inf'"},
    {REAL, "-0.1", false, 0, "got '-0.1'"},
    {REAL, "0.5x", false, 0, "got '0.5x'"},
    /* durations in [1 ms, 7 d] */
    {DURATION, "60s", true, 60, NULL},
    {DURATION, "500ms", true, 0.5, NULL},
    {DURATION, "2m", true, 120, NULL},
    {DURATION, "1h", true, 3600, NULL},
    {DURATION, "30", true, 30, NULL},
    {DURATION, "168h", true, 604800, NULL},
    {DURATION, "1ms", true, 0.001, NULL},
    {DURATION, "1e308h", false, 0,
     "--x: must be a duration in [0.001, 604800] s such as 60s, 500ms, 2m or "
     "1h, got '1e308h'"},
    {DURATION, "1e12s", false, 0, "got '1e12s'"},
    {DURATION, "169h", false, 0, "got '169h'"},
    {DURATION, "0.5ms", false, 0, "got '0.5ms'"},
    {DURATION, "0s", false, 0, "got '0s'"},
    {DURATION, "-5s", false, 0, "got '-5s'"},
    {DURATION, "5d", false, 0, "got '5d'"},
    {DURATION, "ms", false, 0, "got 'ms'"},
    {DURATION, "infs", false, 0, "got 'infs'"},
    /* rates in [0.001, 100000] requests/s */
    {RATE, "2.5", true, 2.5, NULL},
    {RATE, "100000", true, 1e5, NULL},
    {RATE, "1e10", false, 0,
     "--x: must be a rate in [0.001, 100000] requests/s, got '1e10'"},
    {RATE, "1e300", false, 0, "got '1e300'"},
    {RATE, "1e-300", false, 0, "got '1e-300'"},
    {RATE, "0", false, 0, "got '0'"},
    /* lists: no empty entry, each in range */
    {RATES, "1,2.5,4", true, 3, NULL},
    {RATES, "1,", false, 0,
     "--x: must be up to 4 comma-separated rates in [0.001, 100000] "
     "requests/s, got '1,'"},
    {RATES, ",1", false, 0, "got ',1'"},
    {RATES, "1,,2", false, 0, "got '1,,2'"},
    {RATES, "1,2,3,4,5", false, 0, "got '1,2,3,4,5'"},
    {RATES, "1,1e10", false, 0, "got '1,1e10'"},
    {COUNTS, "1,2,4", true, 3, NULL},
    {COUNTS, "8", true, 1, NULL},
    {COUNTS, "1,", false, 0,
     "--x: must be up to 4 comma-separated whole numbers in [1, 10000000], got "
     "'1,'"},
    {COUNTS, "", false, 0, "got ''"},
    {COUNTS, "1,0.5", false, 0, "got '1,0.5'"},
};

static void test_parsers(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sc_err e = {0};
		double v = -12345;
		long l = -12345, list_l[4];
		double list_d[4];
		size_t n = 0;
		int rc = SC_EINVAL;
		switch (cases[i].kind) {
		case COUNT:
			rc = num_parse_count("--x", cases[i].s, 1,
					     NUM_TOKENS_MAX, &l, &e);
			v = (double)l;
			break;
		case REAL:
			rc = num_parse_real("--x", cases[i].s, 0, 1, &v, &e);
			break;
		case DURATION:
			rc = num_parse_duration_s("--x", cases[i].s,
						  NUM_DURATION_MIN_S,
						  NUM_DURATION_MAX_S, &v, &e);
			break;
		case RATE:
			rc = num_parse_rate("--x", cases[i].s, &v, &e);
			break;
		case RATES:
			rc = num_parse_rate_list("--x", cases[i].s, list_d, 4,
						 &n, &e);
			v = (double)n;
			break;
		case COUNTS:
			rc = num_parse_count_list("--x", cases[i].s, 1,
						  NUM_TOKENS_MAX, list_l, 4, &n,
						  &e);
			v = (double)n;
			break;
		}
		bool good =
		    cases[i].ok
			? rc == SC_OK && fabs(v - cases[i].want) <=
					     1e-12 * fabs(cases[i].want)
			: rc == SC_EINVAL && strstr(e.msg, cases[i].msg);
		if (!good)
			fprintf(stderr,
				"case %zu '%s': rc %d, value %g, msg '%s'\n", i,
				cases[i].s, rc, v, e.msg);
		CU_ASSERT(good);
	}
}

/* A refused value leaves the output alone (callers keep their default). */
static void test_untouched_on_error(void)
{
	double d = 7;
	long l = 7;
	CU_ASSERT_EQUAL(num_parse_real("--x", "9", 0, 1, &d, NULL), SC_EINVAL);
	CU_ASSERT_EQUAL(num_parse_count("--x", "9", 0, 1, &l, NULL), SC_EINVAL);
	CU_ASSERT_EQUAL(num_parse_duration_s("--x", "9h", 0, 1, &d, NULL),
			SC_EINVAL);
	CU_ASSERT_EQUAL(d, 7);
	CU_ASSERT_EQUAL(l, 7);
}

/* File values: whole numbers near 2^63 are refused before the cast to
 * long (UB), fractions and non-finite values too. */
static void test_checks(void)
{
	struct sc_err e = {0};
	long l = 0;
	CU_ASSERT_EQUAL(num_check_whole("f", 9223372036854775807.0, 0,
					0x7fffffffffffffffL, &l, &e),
			SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(
	    e.msg,
	    "f: must be in [0, 9223372036854775807], got 9.223372037e+18"));
	CU_ASSERT_EQUAL(num_check_whole("f", -1e300, 0, 10, &l, &e), SC_EINVAL);
	CU_ASSERT_EQUAL(num_check_whole("f", 2.5, 0, 10, &l, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "f: must be a whole number, got 2.5"));
	CU_ASSERT_EQUAL(num_check_whole("f", NAN, 0, 10, &l, &e), SC_EINVAL);
	CU_ASSERT_EQUAL(
	    num_check_whole("f", 1.8e19, 0, 0x7fffffffffffffffL, &l, &e),
	    SC_EINVAL);
	CU_ASSERT_EQUAL(
	    num_check_whole("f", 9e18, 0, 0x7fffffffffffffffL, &l, &e), SC_OK);
	CU_ASSERT_EQUAL(l, 9000000000000000000L);
	CU_ASSERT_EQUAL(num_check("f", 1e308, 0, 1e6, &e), SC_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "f: must be in [0, 1000000], got 1e+308"));
	CU_ASSERT_EQUAL(num_check("f", NAN, 0, 1, &e), SC_EINVAL);
	CU_ASSERT_EQUAL(num_check("f", 1, 0, 1, &e), SC_OK);
}

/* The largest duration, rate and timestamp stay far inside int64
 * nanoseconds, and the largest level (rate x duration) inside a long. */
static void test_ranges_fit(void)
{
	CU_ASSERT(NUM_DURATION_MAX_S * 1e9 < 0x1p62);
	CU_ASSERT(NUM_MS_MAX * 1e6 < 0x1p62);
	CU_ASSERT(NUM_NS_MAX < 0x1p62);
	CU_ASSERT(1e9 / NUM_RATE_MIN_PER_S < 0x1p62);
	CU_ASSERT(NUM_RATE_MAX_PER_S * NUM_DURATION_MAX_S < 0x1p62);
}

static CU_TestInfo tests[] = {
    {"parsers accept the range and quote what they refuse", test_parsers},
    {"a refused value leaves the output alone", test_untouched_on_error},
    {"checks of file values", test_checks},
    {"ranges fit the nanosecond clock", test_ranges_fit},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("num", tests)
