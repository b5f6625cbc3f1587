/* A small OpenAI-style streaming server on 127.0.0.1 for tests: a thread
 * with a poll loop, HTTP/1.1 keep-alive, chunked SSE responses. The path
 * picks the behaviour so tests can ask for each failure kind. */
#ifndef SC_STUBSERVER_H
#define SC_STUBSERVER_H
#include <stdint.h>

/* Paths: /v1/completions streams max_tokens tokens (from the body) then a
 * usage chunk (prompt_tokens = ids in "prompt":[...]) and [DONE];
 * /http429 answers 429 with an OpenAI error body; /errchunk sends two tokens
 * then an error chunk and [DONE]; /drop sends two tokens and closes;
 * /stall sends one token and never more; /malformed sends a broken chunk;
 * /oversize sends a 2 MiB data line; /nodone ends the body without [DONE]
 * or finish_reason. */
struct stubserver;

/* Starts the server; token_gap_us is the pause between tokens. */
struct stubserver *stub_start(long token_gap_us);
int stub_port(const struct stubserver *s);
/* Largest number of requests being served at the same time so far. */
long stub_max_inflight(const struct stubserver *s);
long stub_requests(const struct stubserver *s);
long stub_connections(const struct stubserver *s);
void stub_stop(struct stubserver *s);
/* A loopback port with nothing listening (bound then closed). */
int stub_port_closed(void);

#endif
