/* A growing argv for child commands, built one printf-formatted argument
 * at a time; always NULL-terminated so it can go to execve as is. */
#ifndef SC_ARGBUF_H
#define SC_ARGBUF_H
#include <stddef.h>

struct argbuf {
	char **v; /* NULL-terminated; owned */
	size_t n, cap;
};

/* Appends one argument (a fresh copy; aborts when out of memory). */
void argbuf_add(struct argbuf *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends the pairs flag, value (a convenience for "--isl", "256"). */
void argbuf_opt(struct argbuf *a, const char *flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Frees the arguments; a is empty and reusable afterwards. */
void argbuf_release(struct argbuf *a);

#endif
