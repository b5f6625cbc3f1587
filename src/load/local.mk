# src/load: workloads, arrival processes, the load loop, results files.
# MPI (optional, ./configure --with-mpi) is used by src/load/ranks.c only.
AM_CFLAGS += $(MPI_CFLAGS)
SC_LIBS += $(MPI_LIBS)
libservecal_a_SOURCES += \
	src/load/arrival.c src/load/arrival.h \
	src/load/wl.c src/load/wl.h \
	src/load/loop.c src/load/loop.h \
	src/load/endpoint.c src/load/endpoint.h \
	src/load/bench.c src/load/bench.h \
	src/load/session.c src/load/session.h \
	src/load/share.c src/load/share.h \
	src/load/wire.c src/load/wire.h \
	src/load/merge.c src/load/merge.h \
	src/load/procs.c src/load/procs.h \
	src/load/ranks.c src/load/ranks.h \
	src/load/results.c src/load/results.h

check_PROGRAMS += tests/unit/test_loop
TESTS += tests/unit/test_loop
tests_unit_test_loop_LDADD = libscstub.a $(LDADD) -lpthread

check_PROGRAMS += tests/unit/test_share
TESTS += tests/unit/test_share

check_PROGRAMS += tests/unit/test_workload
TESTS += tests/unit/test_workload
EXTRA_DIST += tests/fixtures/datasets/prompts.jsonl \
	tests/fixtures/datasets/mooncake_trace.jsonl

TESTS += tests/integration/bench.sh tests/integration/real_engine.sh tests/integration/bench_out_real.sh
dist_noinst_SCRIPTS += tests/integration/bench.sh tests/integration/real_engine.sh tests/integration/bench_out_real.sh
# kill -9 of a campaign mid-level, then --resume: records agree with summaries
TESTS += tests/integration/crash.sh
dist_noinst_SCRIPTS += tests/integration/crash.sh

# bench/perf/loadgen: timing accuracy, CPU per token, streams per process and
# open-loop rate accuracy (`make bench-loadgen`; figures in README.md).
noinst_PROGRAMS += bench/perf/loadgen_bench
bench_perf_loadgen_bench_SOURCES = bench/perf/loadgen_bench.c
bench_perf_loadgen_bench_LDADD = $(SC_LIBS)
.PHONY: bench-loadgen
bench-loadgen: bench/perf/loadgen_bench
	bench/perf/loadgen_bench
TESTS += tests/integration/bench_emu.sh tests/integration/bench_out.sh
dist_noinst_SCRIPTS += tests/integration/bench_emu.sh tests/integration/bench_out.sh
# --procs: merged levels, the dealt schedule, a killed worker, resume
TESTS += tests/integration/bench_procs.sh
dist_noinst_SCRIPTS += tests/integration/bench_procs.sh
EXTRA_DIST += tests/integration/merged.sh
# mpirun -np 2: the same checks over MPI ranks (skipped, and says so, when
# servecal was built without MPI)
TESTS += tests/integration/bench_mpi.sh
dist_noinst_SCRIPTS += tests/integration/bench_mpi.sh
EXTRA_DIST += bench/perf/loadgen.sh bench/perf/emu-loadgen.json
bench-loadgen-emu: servecal
	$(srcdir)/bench/perf/loadgen.sh $(abs_top_builddir)
.PHONY: bench-loadgen-emu

check_PROGRAMS += tests/unit/test_results
TESTS += tests/unit/test_results
# bench's time-left estimates
check_PROGRAMS += tests/unit/test_bench_eta
TESTS += tests/unit/test_bench_eta
