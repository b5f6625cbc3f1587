/* Error detail: a status and one line of text, filled by core modules. */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sc_err_set(struct sc_err *e, int status, const char *fmt, ...)
{
	if (e) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
		e->status = status;
	}
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
}

void sc_err_clear(struct sc_err *e)
{
	if (e) {
		e->status = SC_OK;
		e->msg[0] = '\0';
	}
}
