# src/net: SSE parser, OpenAI stream decoding, the libcurl driver.
libservecal_a_SOURCES += \
	src/net/sse.c src/net/sse.h \
	src/net/decode.c src/net/decode.h \
	src/net/decscan.c src/net/decscan.h \
	src/net/stream.c src/net/stream.h

check_PROGRAMS += tests/unit/test_sse tests/unit/test_decode \
	tests/unit/test_decode_fast
TESTS += tests/unit/test_sse tests/unit/test_decode \
	tests/unit/test_decode_fast

EXTRA_DIST += \
	tests/fixtures/streams/vllm_chat.sse \
	tests/fixtures/streams/vllm_error.sse \
	tests/fixtures/streams/vllm_completions.sse \
	tests/fixtures/streams/vllm_truncated.sse \
	tests/fixtures/streams/sglang_chat.sse \
	tests/fixtures/streams/trtllm_completions.sse \
	tests/fixtures/streams/llamacpp_chat.sse \
	tests/fixtures/streams/dynamo_chat.sse \
	tests/fixtures/streams/malformed_completions.sse \
	tests/fixtures/streams/llamacpp_completions.sse \
	tests/fixtures/streams/llamacpp_error_oov.sse \
	tests/fixtures/streams/llamacpp_http500.json \
	tests/fixtures/streams/llamacpp_http400.json

libservecal_a_SOURCES += src/net/http.c src/net/http.h

# The loopback stub server that driver and load-loop tests talk to.
noinst_LIBRARIES += libscstub.a
libscstub_a_SOURCES = tests/unit/stubserver.c tests/unit/stubserver.h

check_PROGRAMS += tests/unit/test_http
TESTS += tests/unit/test_http
tests_unit_test_http_LDADD = libscstub.a $(LDADD) -lpthread

check_PROGRAMS += tests/unit/test_stub_server
tests_unit_test_stub_server_LDADD = libscstub.a -lpthread

# `make fuzz` builds the libFuzzer harness for the SSE parser and stream
# decoder (needs clang); `make fuzz-run FUZZ_RUNS=N` runs it on the recorded
# streams as seed corpus.
FUZZ_CC = clang
FUZZ_RUNS = 10000000
FUZZ_SRCS = $(srcdir)/tests/fuzz/fuzz_stream.c $(srcdir)/src/net/sse.c \
	$(srcdir)/src/net/decode.c $(srcdir)/src/net/decscan.c \
	$(srcdir)/src/net/stream.c \
	$(srcdir)/src/util/xalloc.c
EXTRA_DIST += tests/fuzz/fuzz_stream.c
CLEANFILES += tests/fuzz/fuzz_stream
.PHONY: fuzz fuzz-run
fuzz:
	@if command -v $(FUZZ_CC) >/dev/null 2>&1; then \
		$(MAKE) $(AM_MAKEFLAGS) tests/fuzz/fuzz_stream; \
	else echo "make fuzz: $(FUZZ_CC) not found; skipping (install clang)"; fi
tests/fuzz/fuzz_stream: $(FUZZ_SRCS)
	@mkdir -p tests/fuzz
	$(FUZZ_CC) -g -O1 -std=c11 -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -I$(srcdir)/src -I. \
		$(CJSON_CFLAGS) -o $@ $(FUZZ_SRCS) $(CJSON_LIBS)
fuzz-run: fuzz
	@test -x tests/fuzz/fuzz_stream || { echo "fuzz-run: no harness (needs clang)"; exit 1; }
	@mkdir -p tests/fuzz/corpus
	tests/fuzz/fuzz_stream -runs=$(FUZZ_RUNS) -max_len=8192 \
		-print_final_stats=1 tests/fuzz/corpus \
		$(srcdir)/tests/fixtures/streams
