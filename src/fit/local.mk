# src/fit: calibration of the model parameters (GSL lives here only).
libservecal_a_SOURCES += \
	src/fit/obs.c src/fit/obs.h \
	src/fit/nlls.c src/fit/nlls.h \
	src/fit/calib.c src/fit/calib.h

check_PROGRAMS += tests/unit/test_fit
TESTS += tests/unit/test_fit tests/integration/fit.sh
dist_noinst_SCRIPTS += tests/integration/fit.sh
EXTRA_DIST += tests/fixtures/results

# Speed benchmark (not a test): `make bench-fit`.
noinst_PROGRAMS += bench/perf/fit_bench
bench_perf_fit_bench_SOURCES = bench/perf/fit_bench.c
bench_perf_fit_bench_LDADD = $(SC_LIBS)

bench-fit: bench/perf/fit_bench$(EXEEXT)
	bench/perf/fit_bench$(EXEEXT) $(abs_top_srcdir)
.PHONY: bench-fit

check_PROGRAMS += tests/unit/test_fit_match
TESTS += tests/unit/test_fit_match

# The priors against published measurements: bench/perf/published.sh.
noinst_PROGRAMS += bench/perf/published_proj
bench_perf_published_proj_SOURCES = bench/perf/published_proj.c
bench_perf_published_proj_LDADD = $(SC_LIBS)
