/* The fast path of stream chunk decoding: reads the common chunk shapes
 * (completions text, chat delta, usage, finish_reason, llama.cpp timings)
 * straight from the bytes, without building a cJSON tree. It declines
 * whatever it is not sure to read exactly as the cJSON path would (errors,
 * \u escapes, escaped keys or values it must copy, control characters,
 * loose JSON, deep nesting), and the caller then decodes with cJSON. */
#ifndef SC_DECSCAN_H
#define SC_DECSCAN_H
#include <stdbool.h>
#include <stddef.h>

#include "net/decode.h"

/* Decodes one chunk's data (len bytes, trimmed, not "[DONE]") into c.
 * Returns true with kind DEC_CHUNK and every field as dec_chunk_parse_tree
 * would set it; false when it declines, with c's contents then undefined. */
bool decscan_chunk(const char *data, size_t len, struct dec_chunk *c);

#endif
