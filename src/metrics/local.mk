# src/metrics: per-request metrics, percentile statistics, level summaries.
libservecal_a_SOURCES += \
	src/metrics/stats.c src/metrics/stats.h \
	src/metrics/request.c src/metrics/request.h \
	src/metrics/summary.c src/metrics/summary.h

check_PROGRAMS += tests/unit/test_stats tests/unit/test_summary
TESTS += tests/unit/test_stats tests/unit/test_summary
tests_unit_test_stats_SOURCES = tests/unit/test_stats.c
tests_unit_test_stats_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_stats_LDADD = libsctest.a $(TEST_LIBS)
tests_unit_test_summary_SOURCES = tests/unit/test_summary.c
tests_unit_test_summary_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_summary_LDADD = libsctest.a $(TEST_LIBS)
