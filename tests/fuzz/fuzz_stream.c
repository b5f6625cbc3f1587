/* libFuzzer harness for the SSE parser and the stream decoder. The first
 * input byte picks a split size; the rest is fed as a response body both
 * whole and in pieces, and the two results must agree (the parsers are
 * push parsers: any split gives the same events). The input is also
 * decoded as one chunk by the fast path and by the cJSON path, which must
 * agree whenever the fast path takes it. Crashes, sanitizer reports and
 * disagreements are findings. Build with `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/decscan.h"
#include "net/stream.h"

/* Small caps so the over-size paths are reached quickly. */
#define FUZZ_MAX_EVENT	4096
#define FUZZ_MAX_CHUNKS 256

static void run(const uint8_t *d, size_t n, size_t step, struct stream *s)
{
	stream_init(s, FUZZ_MAX_EVENT, FUZZ_MAX_CHUNKS);
	for (size_t i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		if (stream_feed(s, (const char *)d + i, k, (int64_t)i + 1))
			break;
	}
}

static bool same_num(double a, double b)
{
	return (a != a && b != b) || a == b;
}

/* The fast path must read a chunk exactly as the cJSON path does. */
static void differential(const char *d, size_t n)
{
	struct dec_chunk f, t;
	if (!decscan_chunk(d, n, &f))
		return;
	dec_chunk_parse_tree(d, n, &t);
	if (f.kind != t.kind || f.has_output != t.has_output ||
	    f.tokens != t.tokens || f.has_usage != t.has_usage ||
	    f.prompt_tokens != t.prompt_tokens ||
	    f.completion_tokens != t.completion_tokens ||
	    strcmp(f.finish_reason, t.finish_reason) || strcmp(f.id, t.id) ||
	    f.has_timings != t.has_timings ||
	    !same_num(f.server_prompt_ms, t.server_prompt_ms) ||
	    !same_num(f.server_predicted_ms, t.server_predicted_ms) ||
	    f.server_prompt_n != t.server_prompt_n ||
	    f.server_predicted_n != t.server_predicted_n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)(data[0] % 16) + 1;
	data++;
	size--;
	differential((const char *)data, size);
	struct stream a, b;
	run(data, size, size ? size : 1, &a);
	run(data, size, step, &b);
	bool ea, eb;
	long ta = stream_output_tokens(&a, &ea),
	     tb = stream_output_tokens(&b, &eb);
	if (a.out_chunks != b.out_chunks || ta != tb || ea != eb ||
	    a.done != b.done || a.fail != b.fail ||
	    a.usage_prompt != b.usage_prompt ||
	    a.has_timings != b.has_timings ||
	    a.server_prompt_n != b.server_prompt_n ||
	    strcmp(a.finish_reason, b.finish_reason) || strcmp(a.err, b.err))
		abort();
	double itl[FUZZ_MAX_CHUNKS];
	stream_itl_ms(&b, itl, FUZZ_MAX_CHUNKS);
	stream_release(&a);
	stream_release(&b);
	return 0;
}
