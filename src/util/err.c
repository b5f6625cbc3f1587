/* Error detail: a status and one line of text, filled by core modules. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int set(struct sc_err *e, int status, int sys_errno, const char *fmt,
	       va_list ap)
{
	if (e) {
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		e->status = status;
		e->sys_errno = sys_errno;
		e->cause_at = 0;
	}
	return status;
}

int sc_err_set(struct sc_err *e, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(e, status, 0, fmt, ap);
	va_end(ap);
	return status;
}

int sc_err_sys(struct sc_err *e, int status, int sys_errno, const char *fmt,
	       ...)
{
	va_list ap;
	va_start(ap, fmt);
	set(e, status, sys_errno, fmt, ap);
	va_end(ap);
	return status;
}

void sc_err_prefix(struct sc_err *e, const char *fmt, ...)
{
	if (!e)
		return;
	char pre[SC_ERR_MSG_MAX], old[SC_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t n = strnlen(pre, sizeof pre - 1);
	if (n > sizeof e->msg - 3)
		n = sizeof e->msg - 3;
	memcpy(e->msg, pre, n);
	memcpy(e->msg + n, ": ", 2);
	size_t rest = sizeof e->msg - n - 2;
	size_t m = strnlen(old, rest - 1);
	memcpy(e->msg + n + 2, old, m);
	e->msg[n + 2 + m] = '\0';
	/* The cause moves right by what was put before it; what is cut off
	 * at the end leaves it at the end at most. */
	size_t at = e->cause_at + n + 2;
	e->cause_at = (unsigned)(at < n + 2 + m ? at : n + 2 + m);
}

void sc_err_clear(struct sc_err *e)
{
	if (e) {
		e->status = SC_OK;
		e->sys_errno = 0;
		e->cause_at = 0;
		e->msg[0] = '\0';
	}
}

const char *sc_err_cause(const struct sc_err *e)
{
	if (!e)
		return "";
	/* msg written over by hand: the cause is unknown, all of it shown. */
	return e->cause_at <= strnlen(e->msg, sizeof e->msg)
		   ? e->msg + e->cause_at
		   : e->msg;
}
