/* Input files that cannot hang or flood the process: a reader takes only a
 * regular file (or "-" for stdin where the caller allows it), opened
 * without blocking so a FIFO is refused instead of waited on, and checks
 * the size cap before reading and the line cap before a buffer grows. */
#ifndef SC_INFILE_H
#define SC_INFILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/err.h"

/* Opens path for reading. "-" is stdin when allow_stdin (else a file named
 * "-"). Anything else must be a regular file of at most max_bytes; a FIFO,
 * device, socket or directory is refused. Returns a stream the caller
 * closes with infile_close, or NULL with SC_EINPUT ("PATH: not a regular
 * file", "PATH: N bytes, more than the cap of M", "PATH: cannot open: ..."). */
FILE *infile_open(const char *path, size_t max_bytes, bool allow_stdin,
		  struct sc_err *e);
/* Closes f unless it is stdin. */
void infile_close(FILE *f);

/* Reads all of path (rules of infile_open) into a NUL-terminated heap
 * buffer; *len (if non-NULL) gets the length. NULL with SC_EINPUT in e,
 * also when stdin delivers more than max_bytes. */
char *infile_read_all(const char *path, size_t max_bytes, bool allow_stdin,
		      size_t *len, struct sc_err *e);

/* Line reader with a cap: the buffer never holds more than max_line bytes
 * plus the terminator, whatever the file holds. */
struct infile_lines {
	FILE *f;
	const char *path; /* names the file in messages */
	size_t max_line;
	char *buf; /* the current line */
	size_t cap;
	char *rbuf; /* bytes read ahead */
	size_t rpos, rlen;
	bool eof;
	long lineno;
};

void infile_lines_init(struct infile_lines *r, FILE *f, const char *path,
		       size_t max_line);
/* Next line, its newline (and a CR before it, which counts against the cap)
 * removed, NUL-terminated in *line (valid until the next call). Returns 1,
 * 0 at the end, or SC_EINPUT "PATH:LINE: longer than N bytes" / "PATH: read
 * error". */
int infile_next_line(struct infile_lines *r, char **line, size_t *len,
		     struct sc_err *e) SC_MUST_CHECK;
void infile_lines_release(struct infile_lines *r);

#endif
