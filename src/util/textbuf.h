/* A growable text buffer for files built in memory before they are saved
 * (scripts, data, YAML, Markdown, HTML). */
#ifndef SC_TEXTBUF_H
#define SC_TEXTBUF_H
#include <stddef.h>

#include "util/err.h"

struct textbuf {
	char *s; /* NUL-terminated, never NULL after textbuf_init */
	size_t len, cap;
};

void textbuf_init(struct textbuf *b);
void textbuf_release(struct textbuf *b);
void textbuf_puts(struct textbuf *b, const char *s);
void textbuf_putn(struct textbuf *b, const char *s, size_t n);
void textbuf_printf(struct textbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Writes the buffer to path (temporary file + rename). Returns SC_OK or
 * SC_ERUNTIME naming the path. */
int textbuf_save(const struct textbuf *b, const char *path, struct sc_err *e);

#endif
