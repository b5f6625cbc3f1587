/* CSV reading for matching output: quoted fields, header lookup. */
#include "util/csvtab.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonio.h"
#include "util/xalloc.h"

struct growbuf {
	char **v;
	size_t n, cap;
};

static void push(struct growbuf *g, char *s)
{
	g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof *g->v);
	g->v[g->n++] = s;
}

/* Reads one field starting at *p; advances *p past it and its separator.
 * Sets *eol when the field ended the record. Returns NULL on an unterminated
 * quote. */
static char *field(const char **p, int *eol)
{
	const char *s = *p;
	char *out;
	*eol = 0;
	if (*s == '"') {
		/* The field ends at a quote not followed by another quote. */
		const char *q = s + 1;
		while (*q && !(q[0] == '"' && q[1] != '"'))
			q += q[0] == '"' ? 2 : 1;
		size_t k = 0;
		out = xmalloc((size_t)(q - s) + 1);
		s++;
		for (;;) {
			if (!*s) {
				free(out);
				return NULL;
			}
			if (*s == '"') {
				if (s[1] == '"') {
					out[k++] = '"';
					s += 2;
					continue;
				}
				s++;
				break;
			}
			out[k++] = *s++;
		}
		out[k] = '\0';
		/* Anything between the closing quote and the separator is kept
		 * out: a lenient reading of slightly malformed files. */
		while (*s && *s != ',' && *s != '\n' && *s != '\r')
			s++;
	} else {
		size_t n = strcspn(s, ",\r\n");
		out = xstrndup(s, n);
		s += n;
	}
	if (*s == ',') {
		s++;
	} else {
		*eol = 1;
		if (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
	}
	*p = s;
	return out;
}

static int record(const char **p, struct growbuf *row)
{
	int eol = 0;
	while (!eol) {
		char *f = field(p, &eol);
		if (!f)
			return -1;
		push(row, f);
	}
	return 0;
}

static int blank_line(const char *p)
{
	return *p == '\n' || (*p == '\r' && p[1] == '\n');
}

int csvtab_parse(const char *text, const char *what, struct csvtab *t,
		 struct sc_err *e)
{
	memset(t, 0, sizeof *t);
	const char *p = text;
	long line = 1;
	struct growbuf head = {0}, cells = {0};
	int rc = SC_OK;
	if (!*p || blank_line(p)) {
		rc = sc_err_set(e, SC_EINPUT, "%s: no header row", what);
		goto out;
	}
	if (record(&p, &head)) {
		rc = sc_err_set(e, SC_EINPUT, "%s: line 1: unterminated quote",
				what);
		goto out;
	}
	t->n_cols = head.n;
	while (*p) {
		line++;
		if (blank_line(p)) {
			p += *p == '\r' ? 2 : 1;
			continue;
		}
		struct growbuf row = {0};
		if (record(&p, &row)) {
			for (size_t i = 0; i < row.n; i++)
				free(row.v[i]);
			free(row.v);
			rc = sc_err_set(e, SC_EINPUT,
					"%s: line %ld: unterminated quote",
					what, line);
			goto out;
		}
		for (size_t i = 0; i < t->n_cols; i++)
			push(&cells, i < row.n ? row.v[i] : xstrdup(""));
		for (size_t i = t->n_cols; i < row.n; i++)
			free(row.v[i]);
		free(row.v);
		t->n_rows++;
	}
out:
	t->head = head.v;
	t->cells = cells.v;
	if (rc) {
		t->n_cols = head.n;
		t->n_rows = t->n_cols ? cells.n / t->n_cols : 0;
	}
	return rc;
}

int csvtab_load(const char *path, struct csvtab *t, struct sc_err *e)
{
	memset(t, 0, sizeof *t);
	size_t len;
	char *text = jsonio_read_text(path, CSVTAB_MAX_FILE_BYTES, &len, e);
	if (!text)
		return SC_EINPUT;
	int rc = csvtab_parse(text, path, t, e);
	free(text);
	return rc;
}

void csvtab_release(struct csvtab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_cols; i++)
		free(t->head ? t->head[i] : NULL);
	for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
		free(t->cells ? t->cells[i] : NULL);
	free(t->head);
	free(t->cells);
	memset(t, 0, sizeof *t);
}

int csvtab_col(const struct csvtab *t, const char *name)
{
	for (size_t i = 0; i < t->n_cols; i++)
		if (!strcmp(t->head[i], name))
			return (int)i;
	return -1;
}

const char *csvtab_cell(const struct csvtab *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->n_cols || row >= t->n_rows)
		return "";
	return t->cells[row * t->n_cols + (size_t)col];
}

double csvtab_num(const struct csvtab *t, size_t row, int col)
{
	const char *s = csvtab_cell(t, row, col);
	char *end;
	while (*s == ' ')
		s++;
	if (!*s)
		return NAN;
	double v = strtod(s, &end);
	while (*end == ' ')
		end++;
	return *end ? NAN : v;
}
