/* What a worker sends back while it runs its share of a level: each record
 * as it finishes, then one "done" message with what its loop saw. Bytes
 * for a pipe or an MPI message between processes of the same servecal
 * build (same layout on every node: the build is the format's version).
 * A message is a header (type, payload length) and the payload. */
#ifndef SC_WIRE_H
#define SC_WIRE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "load/loop.h"
#include "metrics/request.h"
#include "util/err.h"

enum wire_type { WIRE_RECORD = 1, WIRE_DONE = 2 };

/* Largest payload accepted: a record with its per-chunk arrays. */
#define WIRE_MAX_PAYLOAD (256u << 20)

struct wire_hdr {
	uint32_t type; /* enum wire_type */
	uint32_t len;  /* payload bytes that follow */
};

/* The end of a worker's share: its loop's status and result. */
struct wire_done {
	int32_t status; /* SC_OK or the loop's failure */
	uint8_t interrupted, too_many_errors;
	uint64_t n, queue_full, next_id;
	int64_t sent;
	int64_t window_start_ns, window_end_ns, first_send_ns, last_send_ns;
	double send_lateness_p50_ms, send_lateness_p99_ms;
	char msg[SC_ERR_MSG_MAX]; /* the failure's message */
};

/* Bytes of r's record payload (fixed part and arrays). */
size_t wire_record_size(const struct req_record *r);
/* Writes r's payload into buf (wire_record_size bytes); pointers are not
 * sent, the arrays follow the fixed part. */
void wire_record_pack(const struct req_record *r, unsigned char *buf);
/* Reads a payload of len bytes into *r, whose arrays then point into buf
 * (valid while buf is; never free them). SC_ERUNTIME when len does not
 * match what the record says it holds. */
int wire_record_unpack(unsigned char *buf, size_t len, struct req_record *r,
		       struct sc_err *e) SC_MUST_CHECK;
/* The done message of a loop that returned status rc with result res. */
void wire_done_fill(struct wire_done *d, int rc, const struct sc_err *e,
		    const struct loop_result *res);

#endif
