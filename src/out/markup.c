/* HTML, Markdown and base64 escaping. */
#include "out/markup.h"

#include <string.h>

void markup_html(struct textbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': textbuf_puts(b, "&amp;"); break;
		case '<': textbuf_puts(b, "&lt;"); break;
		case '>': textbuf_puts(b, "&gt;"); break;
		case '"': textbuf_puts(b, "&quot;"); break;
		case '\'': textbuf_puts(b, "&#39;"); break;
		default:
			if ((unsigned char)*s >= 0x20 || *s == '\t')
				textbuf_putn(b, s, 1);
			else if (*s == '\n')
				textbuf_puts(b, " ");
		}
	}
}

void markup_md(struct textbuf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|", *s)) {
			textbuf_putn(b, "\\", 1);
			textbuf_putn(b, s, 1);
		} else if (*s == '\n' || *s == '\r') {
			textbuf_puts(b, " ");
		} else if ((unsigned char)*s >= 0x20 || *s == '\t') {
			textbuf_putn(b, s, 1);
		}
	}
}

void markup_base64(struct textbuf *b, const unsigned char *d, size_t n)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)d[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		out[0] = tab[(v >> 18) & 63];
		out[1] = tab[(v >> 12) & 63];
		out[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[3] = i + 2 < n ? tab[v & 63] : '=';
		textbuf_putn(b, out, 4);
	}
}
