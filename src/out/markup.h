/* Escaping for the report: HTML text and attributes, Markdown table cells,
 * and base64 for images embedded as data URIs. Every string that comes from
 * a campaign file passes through one of these before it reaches a report. */
#ifndef SC_MARKUP_H
#define SC_MARKUP_H
#include <stddef.h>

#include "util/textbuf.h"

/* Appends s with & < > " ' replaced by entities and control characters
 * (other than tab) dropped. */
void markup_html(struct textbuf *b, const char *s);
/* Appends s for a Markdown table cell or paragraph: \ ` * _ [ ] < > | are
 * backslash-escaped and newlines become spaces. */
void markup_md(struct textbuf *b, const char *s);
/* Appends the base64 encoding (RFC 4648, padded) of data[0..n). */
void markup_base64(struct textbuf *b, const unsigned char *data, size_t n);

#endif
