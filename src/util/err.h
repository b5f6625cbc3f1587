/* Error detail that core modules fill and the command layer prints. A core
 * function returns a status (SC_OK or a negative SC_E*) and, when given a
 * non-NULL struct sc_err, writes one line saying what and where. */
#ifndef SC_ERR_H
#define SC_ERR_H

/* Status codes. The command layer maps them to exit codes (cli_exit_of in
 * cli/cli.h). */
enum sc_status {
	SC_OK = 0,
	SC_EINVAL = -1, /* bad argument or flag value (usage) */
	SC_EINPUT = -2, /* bad input file: missing, malformed, invalid field */
	SC_ERUNTIME = -3, /* I/O, network, library failure */
	SC_ENOFIT = -4,	  /* no configuration meets the constraints */
};

#define SC_ERR_MSG_MAX 512

/* Marks a function whose returned status must not be dropped: the compiler
 * warns at a call that ignores it. */
#define SC_MUST_CHECK __attribute__((warn_unused_result))

/* sys_errno: the errno of the system call that failed (ENOENT for a missing
 * file, ...), 0 when the error did not come from one; callers that treat a
 * missing file differently test it instead of the message's words.
 * cause_at: where in msg the first message set begins, past the context
 * that sc_err_prefix put before it (0 when none); sc_err_cause gives it. */
struct sc_err {
	int status;
	int sys_errno;
	unsigned cause_at;
	char msg[SC_ERR_MSG_MAX];
};

/* Records status and a printf-style message in e (if non-NULL) with
 * sys_errno 0; returns status so callers can write
 * `return sc_err_set(e, SC_EINPUT, ...)`. */
int sc_err_set(struct sc_err *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* sc_err_set that also records sys_errno (the errno of the failed call). */
int sc_err_sys(struct sc_err *e, int status, int sys_errno, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
/* Prefixes the message already in e with "prefix: " (e.g. a file name). */
void sc_err_prefix(struct sc_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sc_err_clear(struct sc_err *e);
/* The message as first set, without the prefixes added since ("GET URL:
 * Couldn't connect" -> "Couldn't connect"); "" for NULL. */
const char *sc_err_cause(const struct sc_err *e);

#endif
