/* Placeholders in generated command lines and config values, filled in
 * differently by each writer (a shell script, a literal command, a
 * Kubernetes manifest):
 *   {MODEL}             the checkpoint the engine loads
 *   {BIND}              the address servers listen on
 *   {PORT+N}            the deployment's base port plus N
 *   {HOST:N}            the host name of node N
 *   {DIR}               the directory of the generated files
 *   {VAR:NAME:DEFAULT}  an environment variable with a default
 * Anything else in braces (JSON, say) is text. */
#ifndef SC_GEN_SUBST_H
#define SC_GEN_SUBST_H
#include <stdbool.h>

#include "util/textbuf.h"

enum gen_ph {
	GEN_PH_MODEL,
	GEN_PH_BIND,
	GEN_PH_PORT,
	GEN_PH_HOST,
	GEN_PH_DIR,
	GEN_PH_VAR
};

struct gen_ph_token {
	enum gen_ph kind;
	long n;	       /* PORT: offset; HOST: node */
	char name[64]; /* VAR */
	char def[256]; /* VAR */
};

/* Calls text(ud, s, n) for each run of text and ph(ud, tok) for each
 * placeholder of s, in order. */
void gen_subst_walk(const char *s,
		    void (*text)(void *ud, const char *s, size_t n),
		    void (*ph)(void *ud, const struct gen_ph_token *t),
		    void *ud);

/* Whether s holds a placeholder. */
bool gen_subst_has(const char *s);

/* Literal values for gen_subst_literal. */
struct gen_literal {
	const char *model, *bind, *dir;
	int port;
	const char *host; /* every node's host name */
};

/* s with every placeholder replaced by its value in v (VAR by its
 * default), appended to b. */
void gen_subst_literal(struct textbuf *b, const char *s,
		       const struct gen_literal *v);

#endif
