/* Argument vectors for child commands. */
#include "camp/argbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/xalloc.h"

static void push(struct argbuf *a, char *s)
{
	if (a->n + 2 > a->cap)
		a->v = xgrow(a->v, &a->cap, a->n + 2, sizeof *a->v);
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort(); /* out of memory, as xmalloc does */
	return s;
}

void argbuf_add(struct argbuf *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	push(a, vformat(fmt, ap));
	va_end(ap);
}

void argbuf_opt(struct argbuf *a, const char *flag, const char *fmt, ...)
{
	push(a, xstrdup(flag));
	va_list ap;
	va_start(ap, fmt);
	push(a, vformat(fmt, ap));
	va_end(ap);
}

void argbuf_release(struct argbuf *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}
