# src/util: allocation, errors, clocks, JSON file access, random numbers.
libservecal_a_SOURCES += \
	src/util/xalloc.c src/util/xalloc.h \
	src/util/err.c src/util/err.h \
	src/util/clock.c src/util/clock.h \
	src/util/jsonio.c src/util/jsonio.h \
	src/util/rng.c src/util/rng.h \
	src/util/statsel.c src/util/statsel.h
libservecal_a_SOURCES += src/util/num.c src/util/num.h \
	src/util/infile.c src/util/infile.h \
	src/util/fs.c src/util/fs.h \
	src/util/jsonw.c src/util/jsonw.h
# Generic pieces every layer may use: a growable text buffer, a CSV table,
# sample statistics.
libservecal_a_SOURCES += src/util/textbuf.c src/util/textbuf.h \
	src/util/csvtab.c src/util/csvtab.h \
	src/util/stats.c src/util/stats.h \
	src/util/exitcode.h

# Input hardening tests: range-checked numbers, regular input files, strict
# JSON, and the ranges of file fields across layers.
UTIL_TESTS = tests/unit/test_num tests/unit/test_infile tests/unit/test_jsonio \
	tests/unit/test_ranges tests/unit/test_fs tests/unit/test_jsonw \
	tests/unit/test_stats tests/unit/test_csvtab
check_PROGRAMS += $(UTIL_TESTS)
TESTS += $(UTIL_TESTS)

# `make fuzz-specs` builds the libFuzzer harness for the input-file readers
# (specs, campaigns, datasets, params, emulator section, importers) from the
# library sources with clang; `make fuzz-specs-run FUZZ_RUNS=N` runs it on a
# seed corpus made from the shipped catalogs, benches and fixtures (the first
# byte of an input picks the reader, as in the harness).
FUZZ_SPECS_CC = clang
EXTRA_DIST += tests/fuzz/fuzz_specs.c
CLEANFILES += tests/fuzz/fuzz_specs tests/fuzz/libfuzzspecs.a tests/fuzz/specs-obj/*.o
.PHONY: fuzz-specs fuzz-specs-run
fuzz-specs:
	@if command -v $(FUZZ_SPECS_CC) >/dev/null 2>&1; then \
		$(MAKE) $(AM_MAKEFLAGS) tests/fuzz/fuzz_specs; \
	else echo "make fuzz-specs: $(FUZZ_SPECS_CC) not found; skipping (install clang)"; fi
FUZZ_SPECS_FLAGS = -g -O1 -std=c11 -D_GNU_SOURCE -I$(srcdir)/src -I. \
	-DSC_SRCDIR='"$(abs_top_srcdir)"' -DSC_BUILDDIR='"$(abs_top_builddir)"' \
	-DSC_PKGDATADIR='"$(pkgdatadir)"' -fno-sanitize-recover=undefined \
	$(CJSON_CFLAGS) $(CURL_CFLAGS) $(GSL_CFLAGS) $(LIBEVENT_CFLAGS)
# The library is compiled into an archive with coverage so the link takes
# only the modules the readers reach.
tests/fuzz/fuzz_specs: tests/fuzz/fuzz_specs.c $(libservecal_a_SOURCES)
	@mkdir -p tests/fuzz/specs-obj
	@set -e; rm -f tests/fuzz/specs-obj/*.o tests/fuzz/libfuzzspecs.a; \
	for f in $(libservecal_a_SOURCES); do case $$f in *.c) \
		o=tests/fuzz/specs-obj/$$(echo $$f | tr / _ | sed 's/\.c$$/.o/'); \
		echo "  FUZZCC   $$f"; \
		$(FUZZ_SPECS_CC) $(FUZZ_SPECS_FLAGS) \
			-fsanitize=fuzzer-no-link,address,undefined \
			-c $(srcdir)/$$f -o $$o;; esac; done; \
	ar rcs tests/fuzz/libfuzzspecs.a tests/fuzz/specs-obj/*.o
	$(FUZZ_SPECS_CC) $(FUZZ_SPECS_FLAGS) -fsanitize=fuzzer,address,undefined \
		-o $@ $(srcdir)/tests/fuzz/fuzz_specs.c tests/fuzz/libfuzzspecs.a \
		$(CJSON_LIBS) $(CURL_LIBS) $(GSL_LIBS) $(LIBEVENT_LIBS) -lm
fuzz-specs-run: fuzz-specs
	@test -x tests/fuzz/fuzz_specs || { echo "fuzz-specs-run: no harness (needs clang)"; exit 1; }
	@mkdir -p tests/fuzz/corpus_specs tests/fuzz/seeds_specs
	@set -e; s=$(srcdir); \
	seed() { for f in $$2; do [ -f "$$f" ] || continue; \
		{ printf "\\$$(printf %o $$1)"; cat "$$f"; } \
		>"tests/fuzz/seeds_specs/$$1-$$(basename $$f)"; done; }; \
	seed 0 "$$s/calib/models/*.json"; seed 1 "$$s/calib/gpus/*.json"; \
	seed 2 "$$s/bench/*-agg*.json $$s/bench/*-disagg*.json $$s/tests/fixtures/deploy/*.json"; \
	seed 3 "$$s/bench/demo.json $$s/tests/fixtures/e2e-campaign/*.json"; \
	seed 4 "$$s/tests/fixtures/datasets/*.jsonl"; \
	seed 5 "$$s/tests/fixtures/campaign/fit.json"; \
	seed 7 "$$s/tests/fixtures/import/profile_export*"; \
	seed 8 "$$s/tests/fixtures/import/vllm_*.json"
	tests/fuzz/fuzz_specs -runs=$(FUZZ_RUNS) -max_len=16384 \
		-print_final_stats=1 tests/fuzz/corpus_specs tests/fuzz/seeds_specs
