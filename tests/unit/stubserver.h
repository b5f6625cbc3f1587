/* A small OpenAI-style streaming server on 127.0.0.1 for tests: a thread
 * with a poll loop, HTTP/1.1 keep-alive, chunked SSE responses. The path
 * picks the behaviour so tests can ask for each failure kind. */
#ifndef SC_STUBSERVER_H
#define SC_STUBSERVER_H
#include <stdbool.h>
#include <stdint.h>

/* Paths: /v1/completions streams max_tokens tokens (from the body) then a
 * usage chunk (prompt_tokens = ids in "prompt":[...]) and [DONE];
 * /http429 answers 429 with an OpenAI error body; /errchunk sends two tokens
 * then an error chunk and [DONE]; /drop sends two tokens and closes;
 * /stall sends one token and never more; /malformed sends a broken chunk;
 * /oversize sends a 2 MiB data line; /nodone ends the body without [DONE]
 * or finish_reason; /errfield sends llama.cpp's in-stream error, an SSE
 * "error:" line, then [DONE]; /noout finishes ("stop", usage 0 tokens,
 * [DONE]) without an output token; /timings is /v1/completions with
 * llama.cpp's "timings" (prompt_ms 1.25, predicted_ms 2.5) on the usage
 * chunk; /http500text answers 500 with a plain-text body; /http500long
 * with a 4 KiB JSON error body (longer than the load loop keeps); /hangup
 * reads the request and closes the connection without an answer. */
struct stubserver;

/* How the server ends kept-alive connections, like real ones do. */
struct stub_opts {
	long token_gap_us;  /* pause between tokens; 0: as fast as the client
			       reads, in bursts (long streams) */
	long max_requests;  /* > 0: requests one connection serves (cpp-httplib
			       serves 100) */
	long idle_close_ms; /* > 0: a connection idle this long is closed
			       (cpp-httplib and uvicorn: 5 s) */
	/* false: the last response says "Connection: close" and the server
	 * closes after it; idle connections are closed when idle_close_ms is
	 * reached. true, the worst case: nothing is announced and the close
	 * crosses the client's next request: a request that arrives on a
	 * connection past max_requests or idle_close_ms is read and the
	 * connection closed without an answer. */
	bool unannounced;
};

/* Starts the server; token_gap_us is the pause between tokens. */
struct stubserver *stub_start(long token_gap_us);
/* Starts the server with o (see struct stub_opts). */
struct stubserver *stub_start_opts(const struct stub_opts *o);
/* Requests dropped unanswered by an unannounced close so far. */
long stub_dropped(const struct stubserver *s);
int stub_port(const struct stubserver *s);
/* Largest number of requests being served at the same time so far. */
long stub_max_inflight(const struct stubserver *s);
long stub_requests(const struct stubserver *s);
long stub_connections(const struct stubserver *s);
void stub_stop(struct stubserver *s);
/* A loopback port with nothing listening (bound then closed). */
int stub_port_closed(void);

#endif
