# src/plan: configuration search: worker enumeration, agg search, disagg rate
# matching, Pareto front, and their CSV/JSON output.
libservecal_a_SOURCES += \
	src/plan/pareto.c src/plan/pareto.h \
	src/plan/ratematch.c src/plan/ratematch.h \
	src/plan/plan.c src/plan/plan.h src/plan/plan_internal.h \
	src/plan/ask.c src/plan/ask.h \
	src/plan/plan_space.c src/plan/plan_space.h \
	src/plan/plan_agg.c src/plan/plan_agg.h \
	src/plan/plan_disagg.c src/plan/plan_disagg.h \
	src/plan/plan_out.c src/plan/plan_out.h \
	src/plan/search.c src/plan/search.h

PLAN_TESTS = tests/unit/test_pareto tests/unit/test_plan_ratematch \
	tests/unit/test_plan_ask \
	tests/unit/test_plan_space tests/unit/test_plan_search \
	tests/unit/test_plan_out tests/unit/test_plan_behaviour
check_PROGRAMS += $(PLAN_TESTS)
TESTS += $(PLAN_TESTS) tests/integration/match.sh
dist_noinst_SCRIPTS += tests/integration/match.sh

# Speed of the search (bench/perf/match; `make bench-match` runs it).
noinst_PROGRAMS += bench/perf/match
bench_perf_match_SOURCES = bench/perf/match.c
bench_perf_match_LDADD = $(SC_LIBS)
bench-match: bench/perf/match
	./bench/perf/match
.PHONY: bench-match
