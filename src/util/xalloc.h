/* Allocation wrappers: out of memory is not recoverable here, so these abort
 * with a message instead of returning NULL. Data from the network must still
 * be capped by its caller (see STYLE.md). */
#ifndef SC_XALLOC_H
#define SC_XALLOC_H
#include <stddef.h>

/* Each returns non-NULL or aborts the process. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows *p (holding *cap elements of size elem) to at least want elements,
 * doubling; returns the new pointer. */
void *xgrow(void *p, size_t *cap, size_t want, size_t elem);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh heap string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
