/* Input files: regular files only, size and line caps checked before any
 * buffer grows. open(2) with O_NONBLOCK returns at once for a FIFO with no
 * writer, so fstat can refuse it; the flag is cleared again for reading. */
#include "util/infile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

/* Read-ahead of the line reader. */
#define INFILE_BLOCK 65536

static const char *kind_of(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a plain file";
}

static bool is_stdin(const char *path, bool allow_stdin)
{
	return allow_stdin && !strcmp(path, "-");
}

FILE *infile_open(const char *path, size_t max_bytes, bool allow_stdin,
		  struct sc_err *e)
{
	if (is_stdin(path, allow_stdin))
		return stdin;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		sc_err_sys(e, SC_EINPUT, errno, "%s: cannot open: %s", path,
			   strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0) {
		sc_err_set(e, SC_EINPUT, "%s: cannot stat: %s", path,
			   strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		sc_err_set(e, SC_EINPUT, "%s: not a regular file (%s)", path,
			   kind_of(st.st_mode));
		goto fail;
	}
	if ((uintmax_t)st.st_size > (uintmax_t)max_bytes) {
		sc_err_set(e, SC_EINPUT,
			   "%s: %jd bytes, more than the cap of %zu", path,
			   (intmax_t)st.st_size, max_bytes);
		goto fail;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		sc_err_set(e, SC_EINPUT, "%s: cannot read: %s", path,
			   strerror(errno));
		goto fail;
	}
	FILE *f = fdopen(fd, "r");
	if (f)
		return f;
	sc_err_set(e, SC_EINPUT, "%s: cannot read: %s", path, strerror(errno));
fail:
	close(fd);
	return NULL;
}

void infile_close(FILE *f)
{
	if (f && f != stdin)
		fclose(f);
}

char *infile_read_all(const char *path, size_t max_bytes, bool allow_stdin,
		      size_t *len, struct sc_err *e)
{
	FILE *f = infile_open(path, max_bytes, allow_stdin, e);
	if (!f)
		return NULL;
	/* A regular file says its size; stdin grows the buffer, never past
	 * the cap plus the byte that shows the cap was passed. */
	struct stat st;
	size_t cap = 4096;
	if (f != stdin && fstat(fileno(f), &st) == 0)
		cap = (size_t)st.st_size + 2;
	if (cap > max_bytes + 2)
		cap = max_bytes + 2;
	char *buf = xmalloc(cap);
	size_t n = 0;
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max_bytes + 2)
				break;
			cap = cap * 2 < max_bytes + 2 ? cap * 2 : max_bytes + 2;
			buf = xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int rerr = ferror(f);
	infile_close(f);
	if (rerr || n > max_bytes) {
		if (rerr)
			sc_err_set(e, SC_EINPUT, "%s: read error", path);
		else
			sc_err_set(e, SC_EINPUT,
				   "%s: more than the cap of %zu bytes", path,
				   max_bytes);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

void infile_lines_init(struct infile_lines *r, FILE *f, const char *path,
		       size_t max_line)
{
	memset(r, 0, sizeof *r);
	r->f = f;
	r->path = path;
	r->max_line = max_line;
	r->rbuf = xmalloc(INFILE_BLOCK);
}

/* Appends n bytes to the line, refusing to pass the cap. */
static bool put(struct infile_lines *r, size_t *used, const char *p, size_t n)
{
	if (n > r->max_line - *used)
		return false;
	if (*used + n + 1 > r->cap) {
		size_t want = *used + n + 1;
		size_t c = r->cap ? r->cap : 256;
		while (c < want)
			c *= 2;
		if (c > r->max_line + 1)
			c = r->max_line + 1;
		r->buf = xrealloc(r->buf, c);
		r->cap = c;
	}
	memcpy(r->buf + *used, p, n);
	*used += n;
	return true;
}

int infile_next_line(struct infile_lines *r, char **line, size_t *len,
		     struct sc_err *e)
{
	size_t used = 0;
	bool any = false;
	for (;;) {
		if (r->rpos == r->rlen) {
			if (r->eof)
				break;
			r->rlen = fread(r->rbuf, 1, INFILE_BLOCK, r->f);
			r->rpos = 0;
			if (r->rlen == 0) {
				r->eof = true;
				if (ferror(r->f))
					return sc_err_set(e, SC_EINPUT,
							  "%s: read error",
							  r->path);
				break;
			}
		}
		any = true;
		const char *p = r->rbuf + r->rpos;
		size_t avail = r->rlen - r->rpos;
		const char *nl = memchr(p, '\n', avail);
		size_t take = nl ? (size_t)(nl - p) : avail;
		if (!put(r, &used, p, take))
			return sc_err_set(e, SC_EINPUT,
					  "%s:%ld: longer than %zu bytes",
					  r->path, r->lineno + 1, r->max_line);
		r->rpos += take + (nl ? 1 : 0);
		if (nl)
			break;
	}
	if (!any)
		return 0;
	r->lineno++;
	if (used && r->buf[used - 1] == '\r')
		used--;
	if (!r->buf) /* an empty first line: nothing was allocated */
		put(r, &used, "", 0);
	r->buf[used] = '\0';
	*line = r->buf;
	*len = used;
	return 1;
}

void infile_lines_release(struct infile_lines *r)
{
	free(r->buf);
	free(r->rbuf);
	r->buf = r->rbuf = NULL;
	r->cap = 0;
}
