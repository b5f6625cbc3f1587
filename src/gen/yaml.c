/* The YAML writer. Plain scalars only where YAML 1.1 and 1.2 readers
 * agree they are strings; everything else is double-quoted with JSON's
 * escapes, which YAML's double-quoted style shares. */
#include "gen/yaml.h"

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Words a YAML reader turns into booleans or null. */
static const char *const reserved[] = {
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", NULL};

static bool looks_numeric(const char *s)
{
	char *end;
	strtod(s, &end);
	return *s && !*end;
}

static bool plain_ok(const char *s)
{
	if (!*s || looks_numeric(s))
		return false;
	for (size_t i = 0; reserved[i]; i++)
		if (!strcasecmp(s, reserved[i]))
			return false;
	if (!(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == '/'))
		return false;
	for (const char *p = s; *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr("_-./", *p)))
			return false;
	return true;
}

static void quoted(struct textbuf *b, const char *s)
{
	textbuf_puts(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			textbuf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			textbuf_puts(b, "\\n");
		else if (*p == '\t')
			textbuf_puts(b, "\\t");
		else if (*p < 0x20)
			textbuf_printf(b, "\\u%04x", *p);
		else
			textbuf_putn(b, (const char *)p, 1);
	}
	textbuf_puts(b, "\"");
}

static void indent(struct textbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		textbuf_puts(b, " ");
}

/* A multi-line string as a literal block at indent n. */
static void block(struct textbuf *b, const char *s, int n)
{
	size_t len = strlen(s);
	textbuf_puts(b, len && s[len - 1] == '\n' ? "|\n" : "|-\n");
	for (const char *p = s; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l)
			indent(b, n);
		textbuf_putn(b, p, l);
		textbuf_puts(b, "\n");
		p += l + (nl ? 1 : 0);
	}
}

static void scalar(struct textbuf *b, const cJSON *v, int n)
{
	if (cJSON_IsRaw(v))
		textbuf_puts(b, v->valuestring);
	else if (cJSON_IsString(v) && strchr(v->valuestring, '\n')) {
		block(b, v->valuestring, n);
		return;
	} else if (cJSON_IsString(v) && plain_ok(v->valuestring))
		textbuf_puts(b, v->valuestring);
	else if (cJSON_IsString(v))
		quoted(b, v->valuestring);
	else if (cJSON_IsBool(v))
		textbuf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;
		if (d == floor(d) && fabs(d) < 1e15)
			textbuf_printf(b, "%.0f", d);
		else
			textbuf_printf(b, "%.17g", d);
	} else
		textbuf_puts(b, "null");
	textbuf_puts(b, "\n");
}

static bool is_container(const cJSON *v)
{
	return cJSON_IsObject(v) || cJSON_IsArray(v);
}

static void node(struct textbuf *b, const cJSON *v, int n);

static void key(struct textbuf *b, const char *k)
{
	if (plain_ok(k))
		textbuf_puts(b, k);
	else
		quoted(b, k);
	textbuf_puts(b, ":");
}

/* The value after "key:" or "- " at indent n (its children at n). */
static void value(struct textbuf *b, const cJSON *v, int n)
{
	if (is_container(v) && v->child) {
		textbuf_puts(b, "\n");
		node(b, v, n);
	} else if (is_container(v)) {
		textbuf_puts(b, cJSON_IsObject(v) ? " {}\n" : " []\n");
	} else {
		textbuf_puts(b, " ");
		scalar(b, v, n);
	}
}

static void node(struct textbuf *b, const cJSON *v, int n)
{
	const cJSON *it;
	if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(it, v)
		{
			indent(b, n);
			key(b, it->string);
			value(b, it, n + 2);
		}
		return;
	}
	cJSON_ArrayForEach(it, v)
	{
		indent(b, n);
		if (cJSON_IsObject(it) && it->child) {
			/* "- first: x" then the other keys under it */
			textbuf_puts(b, "- ");
			const cJSON *k;
			bool first = true;
			cJSON_ArrayForEach(k, it)
			{
				if (!first)
					indent(b, n + 2);
				first = false;
				key(b, k->string);
				value(b, k, n + 4);
			}
		} else {
			textbuf_puts(b, "-");
			value(b, it, n + 2);
		}
	}
}

void gen_yaml_append(struct textbuf *b, const cJSON *doc)
{
	if (is_container(doc) && doc->child)
		node(b, doc, 0);
	else
		textbuf_puts(b, cJSON_IsArray(doc) ? "[]\n" : "{}\n");
}

void gen_yaml_append_docs(struct textbuf *b, const cJSON *docs)
{
	const cJSON *it;
	bool first = true;
	cJSON_ArrayForEach(it, docs)
	{
		if (!first)
			textbuf_puts(b, "---\n");
		first = false;
		gen_yaml_append(b, it);
	}
}
