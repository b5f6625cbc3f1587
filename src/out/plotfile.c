/* Chart file pieces: data blocks, plot series, quoting, template filling. */
#include "out/plotfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out/gnuplot.h"
#include "util/xalloc.h"

char *plotfile_expand(const char *tmpl, const char *const *keys,
		      const char *const *vals, size_t n)
{
	struct textbuf b;
	textbuf_init(&b);
	const char *p = tmpl;
	while (*p) {
		const char *at = strchr(p, '@');
		if (!at) {
			textbuf_puts(&b, p);
			break;
		}
		textbuf_putn(&b, p, (size_t)(at - p));
		size_t i;
		for (i = 0; i < n; i++) {
			size_t kl = strlen(keys[i]);
			if (!strncmp(at + 1, keys[i], kl) && at[1 + kl] == '@')
				break;
		}
		if (i < n) {
			textbuf_puts(&b, vals[i]);
			p = at + strlen(keys[i]) + 2;
		} else {
			textbuf_putn(&b, at, 1);
			p = at + 1;
		}
	}
	return b.s;
}

/* A gnuplot single-quoted string literal: quotes doubled, control
 * characters dropped. */
void plotfile_gpstr(struct textbuf *b, const char *s)
{
	textbuf_puts(b, "'");
	for (; *s; s++) {
		if (*s == '\'')
			textbuf_puts(b, "''");
		else if ((unsigned char)*s >= 0x20)
			textbuf_putn(b, s, 1);
	}
	textbuf_puts(b, "'");
}

/* A string column of a data file: double-quoted, with double quotes and
 * control characters replaced since data files cannot escape them. */
void plotfile_str(struct textbuf *b, const char *s)
{
	textbuf_puts(b, "\"");
	for (; *s; s++) {
		char ch = *s;
		if (ch == '"')
			ch = '\'';
		else if ((unsigned char)ch < 0x20)
			ch = ' ';
		textbuf_putn(b, &ch, 1);
	}
	textbuf_puts(b, "\"");
}

void plotfile_num(struct textbuf *b, double v)
{
	if (isfinite(v))
		textbuf_printf(b, " %.6g", v);
	else
		textbuf_puts(b, " NaN");
}

/* File stem characters: others become '_'. */
void plotfile_stem(char *dst, size_t n, const char *prefix, const char *s)
{
	int k = snprintf(dst, n, "%s", prefix);
	for (; *s && (size_t)k + 1 < n; s++, k++) {
		char ch = *s;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
			 ch == '.';
		dst[k] = ok ? ch : '_';
	}
	dst[k] = '\0';
}

int plotfile_block(struct plotfile_blocks *bl, const char *what,
		   const char *cols)
{
	if (bl->n)
		textbuf_puts(&bl->dat, "\n\n");
	textbuf_printf(&bl->dat, "# index %d: %s\n# %s\n", bl->n, what, cols);
	return bl->n++;
}

void plotfile_series(struct plotfile_script *s, const char *text)
{
	textbuf_puts(&s->plot, s->n_series ? ", \\\n     " : "plot ");
	textbuf_puts(&s->plot, text);
	s->n_series++;
}

void plotfile_titled(struct plotfile_script *s, const char *spec,
		     const char *title)
{
	struct textbuf t;
	textbuf_init(&t);
	textbuf_printf(&t, "%s title ", spec);
	plotfile_gpstr(&t, title);
	plotfile_series(s, t.s);
	textbuf_release(&t);
}

/* A series from block idx of NAME.dat; title NULL leaves it out of the
 * key. */
void plotfile_data(struct plotfile_script *s, const char *name, int idx,
		   const char *spec, const char *title)
{
	struct textbuf t;
	textbuf_init(&t);
	textbuf_printf(&t, "'%s.dat' index %d %s ", name, idx, spec);
	if (title)
		textbuf_puts(&t, "title "), plotfile_gpstr(&t, title);
	else
		textbuf_puts(&t, "notitle");
	plotfile_series(s, t.s);
	textbuf_release(&t);
}

/* Fills the template and saves NAME.dat and NAME.gp. */
int plotfile_save(const char *outdir, const char *tmpl_name,
		  const struct plot_chart *ch, enum plot_format f,
		  const struct plotfile_blocks *bl,
		  const struct plotfile_script *s, struct sc_err *e)
{
	int rc = SC_OK;
	char *tmpl = gnuplot_template_load(tmpl_name, e);
	char *out = NULL, *path = NULL;
	struct textbuf title, output, plot;
	textbuf_init(&title);
	textbuf_init(&output);
	textbuf_init(&plot);
	if (!tmpl)
		return SC_EINPUT;
	for (const char *p = ch->title; *p; p++)
		if (*p == '\'')
			textbuf_puts(&title, "''");
		else if ((unsigned char)*p >= 0x20)
			textbuf_putn(&title, p, 1);
	textbuf_printf(&output, "%s.%s", ch->name, plot_format_ext(f));
	textbuf_puts(&plot, s->plot.s);
	textbuf_puts(&plot, "\n");
	const char *keys[] = {"TERMINAL", "OUTPUT", "TITLE", "SETTINGS",
			      "PLOT"};
	const char *vals[] = {plot_format_terminal(f), output.s, title.s,
			      s->settings.s, plot.s};
	out = plotfile_expand(tmpl, keys, vals, 5);
	struct textbuf gp = {out, strlen(out), strlen(out) + 1};
	path = xasprintf("%s/%s.gp", outdir, ch->name);
	if ((rc = textbuf_save(&gp, path, e)))
		goto done;
	free(path);
	path = xasprintf("%s/%s.dat", outdir, ch->name);
	rc = textbuf_save(&bl->dat, path, e);
done:
	free(path);
	free(out);
	free(tmpl);
	textbuf_release(&title);
	textbuf_release(&output);
	textbuf_release(&plot);
	return rc;
}

void plotfile_script_init(struct plotfile_script *s)
{
	textbuf_init(&s->settings);
	textbuf_init(&s->plot);
	s->n_series = 0;
}

void plotfile_script_release(struct plotfile_script *s)
{
	textbuf_release(&s->settings);
	textbuf_release(&s->plot);
}

/* ---- Pareto ---- */
