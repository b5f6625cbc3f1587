/* CSV tables of the matching output: quoting, header lookup, tolerance of
 * extra and missing columns, and errors that name the line. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "util/csvtab.h"

static void test_quoted_and_extra_columns(void)
{
	struct csvtab t;
	struct sc_err e = {0};
	const char *text = "config,mode,extra,ttft_ms\r\n"
			   "\"2P tp2, 1D tp4\",disagg,x,540\r\n"
			   "\"say \"\"hi\"\"\",agg,,\n"
			   "\n"
			   "short\n";
	CU_ASSERT_EQUAL_FATAL(csvtab_parse(text, "t.csv", &t, &e), SC_OK);
	CU_ASSERT_EQUAL(t.n_cols, 4);
	CU_ASSERT_EQUAL(t.n_rows, 3); /* the blank line is skipped */
	int cfg = csvtab_col(&t, "config"), tt = csvtab_col(&t, "ttft_ms");
	CU_ASSERT_EQUAL(cfg, 0);
	CU_ASSERT_EQUAL(tt, 3);
	CU_ASSERT_EQUAL(csvtab_col(&t, "nope"), -1);
	/* A quoted comma stays in the field; doubled quotes become one. */
	CU_ASSERT_STRING_EQUAL(csvtab_cell(&t, 0, cfg), "2P tp2, 1D tp4");
	CU_ASSERT_STRING_EQUAL(csvtab_cell(&t, 1, cfg), "say \"hi\"");
	CU_ASSERT_DOUBLE_EQUAL(csvtab_num(&t, 0, tt), 540.0, 1e-12);
	/* Empty, missing (short row) and absent columns read as NAN. */
	CU_ASSERT(isnan(csvtab_num(&t, 1, tt)));
	CU_ASSERT(isnan(csvtab_num(&t, 2, tt)));
	CU_ASSERT(isnan(csvtab_num(&t, 0, -1)));
	CU_ASSERT(isnan(csvtab_num(&t, 0, csvtab_col(&t, "mode"))));
	csvtab_release(&t);
}

static void test_errors_name_the_line(void)
{
	struct csvtab t;
	struct sc_err e = {0};
	CU_ASSERT_EQUAL(csvtab_parse("a,b\n1,2\n\"open,3\n", "m.csv", &t, &e),
			SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "m.csv: line 3: unterminated quote"));
	csvtab_release(&t);
	CU_ASSERT_EQUAL(csvtab_parse("", "empty.csv", &t, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no header"));
	csvtab_release(&t);
	CU_ASSERT_EQUAL(csvtab_load("/nonexistent/x.csv", &t, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/x.csv"));
	csvtab_release(&t);
}

static CU_TestInfo tests[] = {
    {"quoted fields and extra columns", test_quoted_and_extra_columns},
    {"errors name file and line", test_errors_name_the_line},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("csvtab", tests)
