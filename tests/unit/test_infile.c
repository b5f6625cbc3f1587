/* Input files (util/infile): only regular files (or "-" for stdin where
 * allowed), refused before any read when special or too large, and lines
 * capped before the buffer grows. A failure means a FIFO given as input
 * hangs the program again, or /dev/zero or a huge line eats its memory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/infile.h"
#include "testutil.h"

/* alarm() ends the run (a failure) instead of letting a blocked open hang
 * the suite. */
static void test_special_files(void)
{
	char *dir = testutil_tmpdir();
	char fifo[1100];
	snprintf(fifo, sizeof fifo, "%s/in.fifo", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	static const char *const kinds[] = {"(a FIFO)", "(a character device)",
					    "(a directory)"};
	const char *paths[] = {fifo, "/dev/zero", dir};
	alarm(10);
	for (size_t i = 0; i < 3; i++) {
		struct sc_err e = {0};
		CU_ASSERT_PTR_NULL(infile_open(paths[i], 1 << 20, true, &e));
		CU_ASSERT_EQUAL(e.status, SC_EINPUT);
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "not a regular file"));
		CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, kinds[i]));
		size_t len = 99;
		CU_ASSERT_PTR_NULL(
		    infile_read_all(paths[i], 1 << 20, false, &len, &e));
		CU_ASSERT_EQUAL(len, 99);
	}
	alarm(0);
	testutil_rmtree(dir);
	free(dir);
}

static void test_size_cap(void)
{
	char *dir = testutil_tmpdir();
	char *p = testutil_write(dir, "f.json", "0123456789");
	struct sc_err e = {0};
	size_t len = 0;
	char *t = infile_read_all(p, 10, false, &len, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(len, 10);
	CU_ASSERT_STRING_EQUAL(t, "0123456789");
	free(t);
	CU_ASSERT_PTR_NULL(infile_read_all(p, 9, false, &len, &e));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "f.json: 10 bytes, more than the cap of 9"));
	/* "-" is a file name unless stdin is allowed */
	CU_ASSERT_PTR_NULL(infile_open("-", 10, false, &e));
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "-: cannot open"));
	CU_ASSERT_PTR_NULL(infile_open("/nonexistent/x", 10, false, &e));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "/nonexistent/x: cannot open: No such file"));
	CU_ASSERT_EQUAL(e.sys_errno,
			ENOENT); /* what callers test, not the words */
	CU_ASSERT_EQUAL(sc_err_set(&e, SC_EINPUT, "other"), SC_EINPUT);
	CU_ASSERT_EQUAL(e.sys_errno, 0);
	free(p);
	testutil_rmtree(dir);
	free(dir);
}

/* Runs infile_read_all("-") with stdin fed text through a pipe. */
static char *read_stdin(const char *text, size_t cap, struct sc_err *e)
{
	int fds[2], saved = dup(0);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	CU_ASSERT_EQUAL((size_t)write(fds[1], text, strlen(text)),
			strlen(text));
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	clearerr(stdin);
	char *t = infile_read_all("-", cap, true, NULL, e);
	dup2(saved, 0);
	close(saved);
	clearerr(stdin);
	return t;
}

/* stdin has no size to check first: its cap counts bytes as they come. */
static void test_stdin(void)
{
	struct sc_err e = {0};
	char *t = read_stdin("{\"a\": 1}\n", 64, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_STRING_EQUAL(t, "{\"a\": 1}\n");
	free(t);
	CU_ASSERT_PTR_NULL(read_stdin("0123456789", 9, &e));
	CU_ASSERT_PTR_NOT_NULL(
	    strstr(e.msg, "-: more than the cap of 9 bytes"));
}

/* A line longer than the cap is an error naming the line, and the buffer
 * never grows past cap + 1 whatever the file holds; CRLF, a missing last
 * newline and NUL bytes inside a line are kept exactly. */
static void test_lines(void)
{
	char *dir = testutil_tmpdir();
	char path[1100];
	snprintf(path, sizeof path, "%s/l.jsonl", dir);
	FILE *w = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	fwrite("1234567\r\n\nab\0cd\n", 1, 16, w);
	for (int i = 0; i < 200000; i++)
		fputc('x', w);
	fputs("\nlast", w);
	fclose(w);
	struct sc_err e = {0};
	FILE *f = infile_open(path, 1 << 20, false, &e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	struct infile_lines r;
	infile_lines_init(&r, f, path, 8);
	char *line;
	size_t len;
	CU_ASSERT_EQUAL(infile_next_line(&r, &line, &len, &e), 1);
	CU_ASSERT_EQUAL(len, 7); /* the CR counts against the cap */
	CU_ASSERT_STRING_EQUAL(line, "1234567");
	CU_ASSERT_EQUAL(infile_next_line(&r, &line, &len, &e), 1);
	CU_ASSERT_EQUAL(len, 0);
	CU_ASSERT_EQUAL(infile_next_line(&r, &line, &len, &e), 1);
	CU_ASSERT_EQUAL(len, 5);
	CU_ASSERT_EQUAL(memcmp(line, "ab\0cd", 5), 0);
	CU_ASSERT_EQUAL(infile_next_line(&r, &line, &len, &e), SC_EINPUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "l.jsonl:4: longer than 8 bytes"));
	CU_ASSERT(r.cap <= 9);
	infile_lines_release(&r);
	infile_close(f);
	/* the same file with room for the long line: then "last" */
	f = infile_open(path, 1 << 20, false, &e);
	infile_lines_init(&r, f, path, 300000);
	int rc, n = 0;
	while ((rc = infile_next_line(&r, &line, &len, &e)) == 1)
		n++;
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_STRING_EQUAL(line, "last");
	CU_ASSERT_EQUAL(r.lineno, 5);
	infile_lines_release(&r);
	infile_close(f);
	testutil_rmtree(dir);
	free(dir);
}

static CU_TestInfo tests[] = {
    {"FIFO, device and directory refused at once", test_special_files},
    {"size cap checked before reading", test_size_cap},
    {"stdin with a cap", test_stdin},
    {"lines capped before the buffer grows", test_lines},
    CU_TEST_INFO_NULL,
};

TEST_MAIN("infile", tests)
