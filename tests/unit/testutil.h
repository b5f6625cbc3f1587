/* Helpers shared by the CUnit test programs: a main that runs one suite,
 * paths to fixtures, temporary directories. */
#ifndef SC_TESTUTIL_H
#define SC_TESTUTIL_H
#include <stddef.h>

#include <CUnit/CUnit.h>

/* Runs the tests of one suite named name; returns the process exit status
 * (0 when all pass). Use from each test program's main. */
int testutil_run(const char *name, CU_TestInfo *tests);
/* Path under the source tree (fixtures, calib): "$SC_SRCDIR/rel". */
const char *testutil_src(const char *rel);
/* Fresh empty directory under $TMPDIR; removed by testutil_rmtree. */
char *testutil_tmpdir(void);
void testutil_rmtree(const char *dir);
/* Writes text to dir/name; returns the full path (heap). */
char *testutil_write(const char *dir, const char *name, const char *text);
/* A writable copy of the fixture tree rel (the source tree may be
 * read-only) in a fresh directory; returns it (heap, testutil_rmtree). */
char *testutil_fixture_copy(const char *rel);

/* Relative-tolerance assertion with a message naming the quantity. */
#define ASSERT_REL(got, want, rel)                                             \
	CU_ASSERT_DOUBLE_EQUAL((got), (want), fabs((double)(want)) * (rel))

#define TEST_MAIN(suite_name, table)                                           \
	int main(void)                                                         \
	{                                                                      \
		return testutil_run(suite_name, table);                        \
	}

/* The recorded server streams under tests/fixtures/streams (one name per
 * file, every engine's .sse there): the stream tests each run all of them. */
extern const char *const testutil_stream_fixtures[];
extern const size_t testutil_n_stream_fixtures;

#endif
