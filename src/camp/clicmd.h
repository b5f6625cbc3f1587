/* Cluster command-line tools (sbatch, squeue, scancel, kubectl) run for a
 * campaign deployment: looked up in $PATH, started without a shell, and
 * each call logged with its arguments, output and exit status in the
 * deployment's log, so the scheduler's own words are kept. */
#ifndef SC_CLICMD_H
#define SC_CLICMD_H
#include <signal.h>
#include <stddef.h>

#include "util/err.h"

#define CLICMD_MAX_ARGS 64

struct clicmd {
	const char *log;     /* appended: "$ cmd args", output, "(exit N)" */
	const char *scratch; /* prefix of the per-call output files */
	double timeout_s;    /* per call; 0: none */
	volatile sig_atomic_t *stop; /* may be NULL */
};

/* Runs argv (argv[0] a program name looked up in $PATH, or a path).
 * Returns its exit status (0-255, 128+N when killed) with the start of
 * its stdout in out and its last stderr line (else stdout's) in err, or
 * a negative SC_E* (not found, cannot start) with e set. out and err may
 * be NULL. */
int clicmd_run(const struct clicmd *c, char *const argv[], char *out,
	       size_t out_len, char *err, size_t err_len,
	       struct sc_err *e) SC_MUST_CHECK;

/* The path of program in $PATH (or program itself when it has a '/'),
 * into buf; -1 when there is no executable file. */
int clicmd_which(const char *program, char *buf, size_t len) SC_MUST_CHECK;

#endif
