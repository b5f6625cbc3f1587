/* Error detail that core modules fill and the command layer prints. A core
 * function returns a status (SC_OK or a negative SC_E*) and, when given a
 * non-NULL struct sc_err, writes one line saying what and where. */
#ifndef SC_ERR_H
#define SC_ERR_H

/* Status codes. The CLI maps them to exit codes (see cli/exitcode.h). */
enum sc_status {
	SC_OK = 0,
	SC_EINVAL = -1,   /* bad argument or flag value (usage) */
	SC_EINPUT = -2,   /* bad input file: missing, malformed, invalid field */
	SC_ERUNTIME = -3, /* I/O, network, library failure */
	SC_ENOFIT = -4,   /* no configuration meets the constraints */
};

#define SC_ERR_MSG_MAX 512

struct sc_err {
	int status;
	char msg[SC_ERR_MSG_MAX];
};

/* Records status and a printf-style message in e (if non-NULL); returns
 * status so callers can write `return sc_err_set(e, SC_EINPUT, ...)`. */
int sc_err_set(struct sc_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefixes the message already in e with "prefix: " (e.g. a file name). */
void sc_err_prefix(struct sc_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sc_err_clear(struct sc_err *e);

#endif
