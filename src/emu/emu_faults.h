/* Faults the emulated engine injects so the load generator's error handling
 * can be tested: each kind has a per-request rate; kinds are exclusive (one
 * uniform draw per request picks at most one). */
#ifndef SC_EMU_FAULTS_H
#define SC_EMU_FAULTS_H
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "util/rng.h"
#include "util/err.h"

enum emu_fault {
	EMU_FAULT_NONE = -1,
	EMU_FAULT_HTTP429 = 0, /* 429 before streaming */
	EMU_FAULT_HTTP500,     /* 500 before streaming */
	EMU_FAULT_HTTP503,     /* 503 before streaming */
	EMU_FAULT_ERROR_CHUNK, /* data: {"error":...} mid-stream, then [DONE] */
	EMU_FAULT_DROP,	       /* connection closed mid-stream */
	EMU_FAULT_STALL,       /* stream pauses for stall_ms mid-stream */
	EMU_FAULT_MALFORMED,   /* one chunk that is not valid JSON */
	EMU_FAULT_COUNT
};

struct emu_faults {
	double rate[EMU_FAULT_COUNT]; /* probability per request, sum <= 1 */
	double stall_s;		      /* length of a stall */
};

/* Name of a kind: "http_429", "error_chunk", ... (the JSON key and the
 * --fault-NAME flag, with '_' as '-'). NULL for an out-of-range kind. */
const char *emu_fault_name(enum emu_fault f);
/* Kind by name (accepts '-' or '_'); EMU_FAULT_NONE if unknown. */
enum emu_fault emu_fault_find(const char *name);
/* All rates 0, stall 2 s. */
void emu_faults_default(struct emu_faults *f);
/* Reads {"http_429": 0.01, ..., "stall_ms": 500} over f. Rates must be in
 * [0, 1] and sum to <= 1. SC_EINPUT naming the field otherwise. */
int emu_faults_from_json(const cJSON *j, const char *where,
			 struct emu_faults *f, struct sc_err *e) SC_MUST_CHECK;
/* SC_OK when rates are each in [0,1] and sum to <= 1, else SC_EINVAL. */
int emu_faults_check(const struct emu_faults *f,
		     struct sc_err *e) SC_MUST_CHECK;
/* Draws the fault of one request (EMU_FAULT_NONE most of the time). */
enum emu_fault emu_faults_draw(const struct emu_faults *f, struct rng *r);
/* True for the kinds that act before any byte of the stream is sent. */
bool emu_fault_is_http(enum emu_fault f);
/* HTTP status of an HTTP fault (429, 500, 503); 0 for other kinds. */
int emu_fault_http_status(enum emu_fault f);

#endif
