/* The report's document: every call writes the same content to a Markdown
 * and an HTML buffer side by side (headings, paragraphs, lists, tables,
 * collapsed blocks, figures), so report.md and report.html always say the
 * same thing. Strings pass through out/markup.h on the way in. */
#ifndef SC_DOC_H
#define SC_DOC_H
#include <stdbool.h>
#include <stddef.h>

#include "out/plot.h"
#include "util/textbuf.h"

/* Largest image embedded in the HTML; bigger ones are linked instead. */
#define DOC_MAX_IMAGE_BYTES (16u * 1024u * 1024u)

struct doc {
	struct textbuf md, html;
	struct textbuf toc; /* HTML list of the level-2 headings */
	int n_sections;
	size_t n_cols;	/* of the open table */
	char align[16]; /* 'l' or 'r' per column of the open table */
};

void doc_init(struct doc *d);
void doc_release(struct doc *d);
/* A heading; level 2 headings get numbered anchors ("s1", "s2", ...) and
 * an entry in d->toc. */
void doc_h(struct doc *d, int level, const char *text);
/* A paragraph; cls is "warn", "fail", "ok" or NULL (plain), label (shown
 * in bold first) may be NULL. */
void doc_p(struct doc *d, const char *cls, const char *label, const char *fmt,
	   ...) __attribute__((format(printf, 4, 5)));
/* Opens (open true) or closes a bulleted list; doc_li adds an item. */
void doc_list(struct doc *d, bool open);
void doc_li(struct doc *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Opens a table of n columns (at most 16); align holds 'l' or 'r' per
 * column (NULL: text in the first column, numbers in the others). */
void doc_table(struct doc *d, const char *const *cols, size_t n,
	       const char *align);
/* A row of the open table's width; a cell starting with "!" is flagged
 * (bold, highlighted) and the "!" is not shown. NULL cells are empty. */
void doc_row(struct doc *d, const char *const *cells);
void doc_table_end(struct doc *d);
/* A collapsed block (<details>, in Markdown too) whose summary line is
 * summary; close it with doc_details_end. */
void doc_details(struct doc *d, const char *summary);
void doc_details_end(struct doc *d);
/* Chart ch of ps: embedded in the HTML as a data URI of its image, linked
 * from the Markdown (plots/NAME.EXT); a chart that did not render is a
 * warning naming its .gp and .dat files and the error. */
void doc_figure(struct doc *d, const struct plot_set *ps,
		const struct plot_chart *ch);

#endif
