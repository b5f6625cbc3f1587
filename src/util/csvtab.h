/* A small CSV table reader for the matching output (agg.csv, pareto.csv):
 * a header row, RFC 4180 quoting, columns looked up by header name so extra
 * or reordered columns are tolerated. */
#ifndef SC_CSVTAB_H
#define SC_CSVTAB_H
#include <stddef.h>

#include "util/err.h"

/* Largest CSV file read (a search may list many configurations). */
#define CSVTAB_MAX_FILE_BYTES (64u * 1024u * 1024u)

struct csvtab {
	size_t n_cols, n_rows;
	char **head; /* n_cols column names */
	char *
	    *cells; /* n_rows * n_cols, row-major; short rows padded with "" */
};

/* Reads path into t (initialised here). Returns SC_OK, or SC_EINPUT naming
 * the file and line (missing file, unterminated quote, empty header). The
 * caller releases t with csvtab_release even on failure. */
int csvtab_load(const char *path, struct csvtab *t, struct sc_err *e);
/* Parses text (NUL-terminated); `what` names it in errors. */
int csvtab_parse(const char *text, const char *what, struct csvtab *t,
		 struct sc_err *e);
void csvtab_release(struct csvtab *t);
/* Index of the column named name, or -1. */
int csvtab_col(const struct csvtab *t, const char *name);
/* Cell text ("" when col < 0). */
const char *csvtab_cell(const struct csvtab *t, size_t row, int col);
/* Cell as a number: NAN when col < 0, the cell is empty or not a number. */
double csvtab_num(const struct csvtab *t, size_t row, int col);

#endif
