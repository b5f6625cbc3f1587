# tests: CUnit unit tests (one program per module) and integration scripts.
noinst_LIBRARIES += libsctest.a
libsctest_a_SOURCES = tests/unit/testutil.c tests/unit/testutil.h
libsctest_a_CFLAGS = $(TEST_CFLAGS)
