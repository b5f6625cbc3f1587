# src/util: allocation, errors, clocks, JSON file access, random numbers.
libservecal_a_SOURCES += \
	src/util/xalloc.c src/util/xalloc.h \
	src/util/err.c src/util/err.h \
	src/util/clock.c src/util/clock.h \
	src/util/jsonio.c src/util/jsonio.h \
	src/util/rng.c src/util/rng.h \
	src/util/statsel.c src/util/statsel.h
libservecal_a_SOURCES += src/util/num.c src/util/num.h \
	src/util/infile.c src/util/infile.h

# Input hardening tests: range-checked numbers, regular input files, strict
# JSON, and the ranges of file fields across layers.
UTIL_TESTS = tests/unit/test_num tests/unit/test_infile tests/unit/test_jsonio \
	tests/unit/test_ranges
check_PROGRAMS += $(UTIL_TESTS)
TESTS += $(UTIL_TESTS)
tests_unit_test_num_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_num_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_infile_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_infile_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_jsonio_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_jsonio_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_ranges_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_ranges_LDADD = libsctest.a $(TEST_LIBS)
