# src/emu: the emulated serving engine (libevent lives only here).
libservecal_a_SOURCES += \
	src/emu/emu_faults.c src/emu/emu_faults.h \
	src/emu/emu_truth.c src/emu/emu_truth.h \
	src/emu/emu_engine.c src/emu/emu_engine.h \
	src/emu/emu_api.c src/emu/emu_api.h \
	src/emu/emu_trace.c src/emu/emu_trace.h \
	src/emu/emu_reqparse.c src/emu/emu_reqparse.h \
	src/emu/emu_accept.c src/emu/emu_accept.h \
	src/emu/emu_http.c src/emu/emu_http.h \
	src/emu/emu_metrics.c src/emu/emu_metrics.h \
	src/emu/emu_server.c src/emu/emu_server.h

# Tests: unit tests per module; test_emu_engine runs the engine on a real
# event loop (physics); test_emu_reqparse feeds the HTTP parser split at
# every offset; test_emu_http (end to end) forks `servecal emulate`
# (protocol, faults, disconnects, hostile clients, graceful stop, trace).
EMU_TESTS = tests/unit/test_emu_engine tests/unit/test_emu_api \
	tests/unit/test_emu_truth tests/unit/test_emu_reqparse \
	tests/unit/test_emu_http
check_PROGRAMS += $(EMU_TESTS)
TESTS += $(EMU_TESTS)
EXTRA_DIST += bench/emu-agg-tiny.json bench/emu-disagg-tiny.json \
	bench/emu-agg-fast.json

# Benchmark (not a test): `make bench-emulator` runs it.
noinst_PROGRAMS += bench/perf/emulator_bench
bench_perf_emulator_bench_SOURCES = bench/perf/emulator_bench.c
bench_perf_emulator_bench_LDADD = $(SC_LIBS)
EXTRA_DIST += bench/emu-bench.json
bench-emulator: bench/perf/emulator_bench servecal
	./bench/perf/emulator_bench
.PHONY: bench-emulator
