/* A campaign's remaining time: planned pieces, scaled per kind by what the
 * finished ones measured. */
#include "camp/eta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void eta_init(struct eta *t)
{
	memset(t, 0, sizeof *t);
}

void eta_release(struct eta *t)
{
	free(t->steps);
	free(t->pieces);
	memset(t, 0, sizeof *t);
}

size_t eta_add_step(struct eta *t, const char *name)
{
	t->steps = xrealloc(t->steps, (t->n_steps + 1) * sizeof *t->steps);
	struct eta_step *s = &t->steps[t->n_steps];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->first = t->n_pieces;
	return t->n_steps++;
}

size_t eta_add_piece(struct eta *t, enum eta_kind kind, double expected_s)
{
	t->pieces = xrealloc(t->pieces, (t->n_pieces + 1) * sizeof *t->pieces);
	t->pieces[t->n_pieces++] = (struct eta_piece){
	    .kind = kind, .expected_s = expected_s > 0 ? expected_s : 0};
	return t->steps[t->n_steps - 1].n++;
}

long eta_find(const struct eta *t, const char *name)
{
	for (size_t i = 0; i < t->n_steps; i++)
		if (!strcmp(t->steps[i].name, name))
			return (long)i;
	return -1;
}

static struct eta_piece *piece(const struct eta *t, size_t s, size_t k)
{
	if (s >= t->n_steps || k >= t->steps[s].n)
		return NULL;
	return &t->pieces[t->steps[s].first + k];
}

void eta_piece_done(struct eta *t, size_t s, size_t k, double took_s)
{
	struct eta_piece *p = piece(t, s, k);
	if (!p || p->finished)
		return;
	p->finished = true;
	/* A piece planned at 0 s says nothing about the scale. */
	if (took_s >= 0 && p->expected_s > 0) {
		t->planned_s[p->kind] += p->expected_s;
		t->measured_s[p->kind] += took_s;
	}
}

void eta_step_done(struct eta *t, size_t s)
{
	if (s >= t->n_steps)
		return;
	t->steps[s].finished = true;
	for (size_t k = 0; k < t->steps[s].n; k++)
		piece(t, s, k)->finished = true;
}

double eta_scale(const struct eta *t, enum eta_kind kind)
{
	return t->planned_s[kind] > 0 ? t->measured_s[kind] / t->planned_s[kind]
				      : 1.0;
}

double eta_piece_s(const struct eta *t, size_t s, size_t k)
{
	const struct eta_piece *p = piece(t, s, k);
	return p ? p->expected_s * eta_scale(t, p->kind) : 0;
}

double eta_step_s(const struct eta *t, size_t s)
{
	double sum = 0;
	for (size_t k = 0; s < t->n_steps && k < t->steps[s].n; k++)
		sum += eta_piece_s(t, s, k);
	return sum;
}

double eta_remaining_s(const struct eta *t, size_t s, size_t k,
		       double running_s)
{
	double left = 0;
	for (size_t i = 0; i < t->n_steps; i++) {
		if (t->steps[i].finished)
			continue;
		for (size_t j = 0; j < t->steps[i].n; j++) {
			if (piece(t, i, j)->finished)
				continue;
			double x = eta_piece_s(t, i, j);
			if (i == s && j == k)
				x = x > running_s ? x - running_s : 0;
			left += x;
		}
	}
	return left;
}

const char *eta_fmt(double s, char *buf, size_t len)
{
	if (!isfinite(s) || s < 0) {
		snprintf(buf, len, "?");
		return buf;
	}
	long v = lround(s);
	if (v < 100)
		snprintf(buf, len, "%ld s", v);
	else if (v < 3600)
		snprintf(buf, len, "%ld:%02ld", v / 60, v % 60);
	else
		snprintf(buf, len, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60,
			 v % 60);
	return buf;
}
