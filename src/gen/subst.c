/* Placeholder scanning: a table of the known names, everything else is
 * kept as text so JSON arguments pass through untouched. */
#include "gen/subst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses the placeholder starting at s ('{'); returns its length, or 0
 * when s does not start a known placeholder. */
static size_t parse(const char *s, struct gen_ph_token *t)
{
	const char *end = strchr(s, '}');
	if (!end)
		return 0;
	size_t len = (size_t)(end - s) + 1;
	char body[400];
	if (len - 2 >= sizeof body)
		return 0;
	memcpy(body, s + 1, len - 2);
	body[len - 2] = '\0';
	memset(t, 0, sizeof *t);
	char *rest;
	if (!strcmp(body, "MODEL"))
		t->kind = GEN_PH_MODEL;
	else if (!strcmp(body, "BIND"))
		t->kind = GEN_PH_BIND;
	else if (!strcmp(body, "DIR"))
		t->kind = GEN_PH_DIR;
	else if (!strncmp(body, "PORT+", 5)) {
		t->kind = GEN_PH_PORT;
		t->n = strtol(body + 5, &rest, 10);
		if (rest == body + 5 || *rest)
			return 0;
	} else if (!strncmp(body, "HOST:", 5)) {
		t->kind = GEN_PH_HOST;
		t->n = strtol(body + 5, &rest, 10);
		if (rest == body + 5 || *rest)
			return 0;
	} else if (!strncmp(body, "VAR:", 4)) {
		char *colon = strchr(body + 4, ':');
		if (!colon || colon == body + 4 ||
		    (size_t)(colon - body - 4) >= sizeof t->name)
			return 0;
		t->kind = GEN_PH_VAR;
		memcpy(t->name, body + 4, (size_t)(colon - body - 4));
		snprintf(t->def, sizeof t->def, "%s", colon + 1);
	} else {
		return 0;
	}
	return len;
}

void gen_subst_walk(const char *s,
		    void (*text)(void *ud, const char *s, size_t n),
		    void (*ph)(void *ud, const struct gen_ph_token *t),
		    void *ud)
{
	const char *run = s;
	for (const char *p = s; *p;) {
		struct gen_ph_token t;
		size_t n = *p == '{' ? parse(p, &t) : 0;
		if (!n) {
			p++;
			continue;
		}
		if (p > run)
			text(ud, run, (size_t)(p - run));
		ph(ud, &t);
		p += n;
		run = p;
	}
	if (*run)
		text(ud, run, strlen(run));
}

static void count_text(void *ud, const char *s, size_t n)
{
}

static void count_ph(void *ud, const struct gen_ph_token *t)
{
	*(bool *)ud = true;
}

bool gen_subst_has(const char *s)
{
	bool has = false;
	gen_subst_walk(s, count_text, count_ph, &has);
	return has;
}

struct lit_ctx {
	struct textbuf *b;
	const struct gen_literal *v;
};

static void lit_text(void *ud, const char *s, size_t n)
{
	textbuf_putn(((struct lit_ctx *)ud)->b, s, n);
}

static void lit_ph(void *ud, const struct gen_ph_token *t)
{
	struct lit_ctx *c = ud;
	switch (t->kind) {
	case GEN_PH_MODEL:
		textbuf_puts(c->b, c->v->model);
		break;
	case GEN_PH_BIND:
		textbuf_puts(c->b, c->v->bind);
		break;
	case GEN_PH_DIR:
		textbuf_puts(c->b, c->v->dir);
		break;
	case GEN_PH_PORT:
		textbuf_printf(c->b, "%ld", c->v->port + t->n);
		break;
	case GEN_PH_HOST:
		textbuf_puts(c->b, c->v->host);
		break;
	case GEN_PH_VAR:
		textbuf_puts(c->b, t->def);
		break;
	}
}

void gen_subst_literal(struct textbuf *b, const char *s,
		       const struct gen_literal *v)
{
	struct lit_ctx c = {b, v};
	gen_subst_walk(s, lit_text, lit_ph, &c);
}
