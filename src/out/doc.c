/* The report's twin Markdown and HTML document (doc.h). */
#include "out/doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/markup.h"
#include "util/jsonio.h"
#include "util/xalloc.h"

void doc_init(struct doc *d)
{
	memset(d, 0, sizeof *d);
	textbuf_init(&d->md);
	textbuf_init(&d->html);
	textbuf_init(&d->toc);
}

void doc_release(struct doc *d)
{
	textbuf_release(&d->md);
	textbuf_release(&d->html);
	textbuf_release(&d->toc);
}

void doc_h(struct doc *d, int level, const char *text)
{
	for (int i = 0; i < level; i++)
		textbuf_puts(&d->md, "#");
	textbuf_puts(&d->md, " ");
	markup_md(&d->md, text);
	textbuf_puts(&d->md, "\n\n");
	if (level == 2) {
		/* Numbered anchors: headings come from files and are not
		 * safe as ids. */
		d->n_sections++;
		textbuf_printf(&d->html, "<h2 id=\"s%d\">", d->n_sections);
		textbuf_printf(&d->toc, "<li><a href=\"#s%d\">", d->n_sections);
		markup_html(&d->toc, text);
		textbuf_puts(&d->toc, "</a></li>\n");
	} else {
		textbuf_printf(&d->html, "<h%d>", level);
	}
	markup_html(&d->html, text);
	textbuf_printf(&d->html, "</h%d>\n", level);
}

/* A paragraph; cls is "warn", "fail", "ok" or NULL, label may be NULL. */
void doc_p(struct doc *d, const char *cls, const char *label, const char *fmt,
	   ...)
{
	char buf[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (cls && strcmp(cls, "ok"))
		textbuf_puts(&d->md, "> ");
	if (label) {
		textbuf_puts(&d->md, "**");
		markup_md(&d->md, label);
		textbuf_puts(&d->md, "** ");
	}
	markup_md(&d->md, buf);
	textbuf_puts(&d->md, "\n\n");
	textbuf_printf(&d->html, "<p%s%s%s>", cls ? " class=\"" : "",
		       cls ? cls : "", cls ? "\"" : "");
	if (label) {
		textbuf_puts(&d->html, "<b>");
		markup_html(&d->html, label);
		textbuf_puts(&d->html, "</b> ");
	}
	markup_html(&d->html, buf);
	textbuf_puts(&d->html, "</p>\n");
}

void doc_list(struct doc *d, bool open)
{
	textbuf_puts(&d->html, open ? "<ul>\n" : "</ul>\n");
	if (!open)
		textbuf_puts(&d->md, "\n");
}

void doc_li(struct doc *d, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	textbuf_puts(&d->md, "- ");
	markup_md(&d->md, buf);
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "<li>");
	markup_html(&d->html, buf);
	textbuf_puts(&d->html, "</li>\n");
}

/* Opens a table; align holds 'l' or 'r' per column (NULL: text in the
 * first column, numbers in the others). */
void doc_table(struct doc *d, const char *const *cols, size_t n,
	       const char *align)
{
	d->n_cols = n;
	for (size_t i = 0; i < n && i < sizeof d->align; i++)
		d->align[i] = align ? align[i] : (i ? 'r' : 'l');
	textbuf_puts(&d->html, "<table>\n<thead><tr>");
	textbuf_puts(&d->md, "|");
	for (size_t i = 0; i < n; i++) {
		textbuf_puts(&d->md, " ");
		markup_md(&d->md, cols[i]);
		textbuf_puts(&d->md, " |");
		textbuf_puts(&d->html,
			     d->align[i] == 'l' ? "<th class=\"l\">" : "<th>");
		markup_html(&d->html, cols[i]);
		textbuf_puts(&d->html, "</th>");
	}
	textbuf_puts(&d->md, "\n|");
	for (size_t i = 0; i < n; i++)
		textbuf_puts(&d->md, d->align[i] == 'l' ? "---|" : "---:|");
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "</tr></thead>\n<tbody>\n");
}

/* A row of d->n_cols cells; a cell starting with "!" is flagged (shown in
 * bold / highlighted) and the "!" is not printed. */
void doc_row(struct doc *d, const char *const *cells)
{
	textbuf_puts(&d->md, "|");
	textbuf_puts(&d->html, "<tr>");
	for (size_t i = 0; i < d->n_cols; i++) {
		const char *c = cells[i] ? cells[i] : "";
		bool flag = c[0] == '!';
		if (flag)
			c++;
		textbuf_puts(&d->md, flag ? " **" : " ");
		markup_md(&d->md, c);
		textbuf_puts(&d->md, flag ? "** |" : " |");
		textbuf_printf(&d->html, "<td%s%s%s>",
			       flag || d->align[i] == 'l' ? " class=\"" : "",
			       flag ? (d->align[i] == 'l' ? "flag l" : "flag")
				    : (d->align[i] == 'l' ? "l" : ""),
			       flag || d->align[i] == 'l' ? "\"" : "");
		markup_html(&d->html, c);
		textbuf_puts(&d->html, "</td>");
	}
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "</tr>\n");
}

void doc_table_end(struct doc *d)
{
	textbuf_puts(&d->md, "\n");
	textbuf_puts(&d->html, "</tbody>\n</table>\n");
	d->n_cols = 0;
}

static const char *mime_of(enum plot_format f)
{
	switch (f) {
	case PLOT_SVG:
		return "image/svg+xml";
	case PLOT_PDF:
		return "application/pdf";
	default:
		return "image/png";
	}
}

/* A chart: embedded in the HTML as a data URI, linked from the Markdown
 * (plots/NAME.EXT next to report.md). */
void doc_figure(struct doc *d, const struct plot_set *ps,
		const struct plot_chart *ch)
{
	const char *ext = plot_format_ext(ps->format);
	char rel[300];
	snprintf(rel, sizeof rel, "plots/%s.%s", ch->name, ext);
	if (!ch->rendered) {
		doc_p(d, "warn", "Plot missing:",
		      "%s (%s.gp and %s.dat are in plots/): %s", ch->title,
		      ch->name, ch->name,
		      ch->error[0] ? ch->error : "not rendered");
		return;
	}
	textbuf_puts(&d->md, "![");
	markup_md(&d->md, ch->title);
	textbuf_printf(&d->md, "](%s)\n\n", rel);

	char *path = xasprintf("%s/%s.%s", ps->dir, ch->name, ext);
	struct sc_err e = {0};
	size_t len = 0;
	char *img = ps->format == PLOT_PDF
			? NULL
			: jsonio_read_text(path, DOC_MAX_IMAGE_BYTES, &len, &e);
	textbuf_puts(&d->html, "<figure>");
	if (img) {
		textbuf_printf(&d->html, "<img src=\"data:%s;base64,",
			       mime_of(ps->format));
		markup_base64(&d->html, (const unsigned char *)img, len);
		textbuf_puts(&d->html, "\" alt=\"");
		markup_html(&d->html, ch->title);
		textbuf_puts(&d->html, "\">");
	} else {
		textbuf_puts(&d->html, "<a href=\"");
		markup_html(&d->html, rel);
		textbuf_puts(&d->html, "\">");
		markup_html(&d->html, rel);
		textbuf_puts(&d->html, "</a>");
	}
	textbuf_puts(&d->html, "<figcaption>");
	markup_html(&d->html, ch->title);
	textbuf_puts(&d->html, "</figcaption></figure>\n");
	free(img);
	free(path);
}

void doc_details(struct doc *d, const char *summary)
{
	/* GitHub and most Markdown renderers show <details> as HTML; the
	 * blank line lets Markdown inside it render. */
	textbuf_puts(&d->md, "<details><summary>");
	markup_html(&d->md, summary);
	textbuf_puts(&d->md, "</summary>\n\n");
	textbuf_puts(&d->html, "<details><summary>");
	markup_html(&d->html, summary);
	textbuf_puts(&d->html, "</summary>\n");
}

void doc_details_end(struct doc *d)
{
	textbuf_puts(&d->md, "</details>\n\n");
	textbuf_puts(&d->html, "</details>\n");
}
