/* Launch plans as bash: a function that starts the processes of one node
 * (used by run.sh and by the Slurm job script alike) and the run.sh that
 * wraps it. Placeholders become shell variables: $MODEL, $BIND_HOST,
 * $((PORT + N)), ${HOSTS_ARR[N]}, $GEN_DIR and ${NAME:-DEFAULT}. */
#ifndef SC_GEN_SHELL_H
#define SC_GEN_SHELL_H
#include "gen/gen.h"
#include "util/textbuf.h"

/* Appends arg as one shell word, placeholders expanded by the shell. */
void gen_shell_word(struct textbuf *b, const char *arg);

/* Appends `NAME() { ... }`: given a node index it starts that node's
 * processes in the background (config files marked runtime are written
 * first, with the run's values), stops them all when it exits, and
 * returns when the first of them ends. Expects MODEL, PORT, BIND_HOST,
 * HOSTS_ARR and GEN_DIR to be set. */
void gen_shell_node_fn(struct textbuf *b, const struct gen_plan *p,
		       const char *name);

/* Appends the variable defaults every script sets before calling the
 * node function (MODEL, PORT, BIND_HOST, HOSTS_ARR from $HOSTS). */
void gen_shell_defaults(struct textbuf *b, const struct gen_plan *p);

/* Appends the comment block that says what the plan is: deployment,
 * backend and version, the configuration's numbers, the documentation,
 * and what the engine does without a flag. Each line starts with "# ". */
void gen_shell_about(struct textbuf *b, const struct gen_plan *p);

/* Appends a complete run.sh: `./run.sh [NODE]`. */
void gen_shell_script(struct textbuf *b, const struct gen_plan *p);

#endif
