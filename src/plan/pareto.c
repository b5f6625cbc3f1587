/* Exact two-objective Pareto front by one sort and one sweep: visiting points
 * by the first objective descending, a point survives when its second
 * objective is the best of its group of equal first objective and beats
 * everything seen with a strictly larger first objective. Of equal points
 * only the first (lowest index) survives: the others are weakly dominated
 * by it and would repeat it on the front. */
#include "plan/pareto.h"

#include <math.h>
#include <stdlib.h>

#include "util/xalloc.h"

struct pt {
	double a, b;
	size_t i;
};

/* a descending, then b descending, then index ascending (stable output). */
static int cmp_desc(const void *x, const void *y)
{
	const struct pt *p = x, *q = y;
	if (p->a != q->a)
		return p->a > q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b > q->b ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

static int cmp_idx_asc_a(const void *x, const void *y)
{
	const struct pt *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	return p->i < q->i ? -1 : p->i > q->i;
}

int pareto_dominates(double a1, double b1, double a2, double b2)
{
	return a1 >= a2 && b1 >= b2 && (a1 > a2 || b1 > b2);
}

size_t pareto_front(const double *a, const double *b, size_t n, size_t *out_idx)
{
	if (n == 0)
		return 0;
	struct pt *v = xmalloc(n * sizeof *v);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(a[i]) && isfinite(b[i]))
			v[m++] = (struct pt){a[i], b[i], i};
	qsort(v, m, sizeof *v, cmp_desc);

	size_t k = 0;
	double best_b = -INFINITY; /* best b among strictly larger a */
	int have_best = 0;
	for (size_t g = 0; g < m;) {
		size_t h = g;
		while (h < m && v[h].a == v[g].a)
			h++;
		/* The group is sorted by b descending, then by index: its
		 * first point is the one kept. */
		double top = v[g].b;
		if (!have_best || top > best_b) {
			v[k++] = v[g];
			best_b = top;
		}
		have_best = 1;
		g = h;
	}
	qsort(v, k, sizeof *v, cmp_idx_asc_a);
	for (size_t j = 0; j < k; j++)
		out_idx[j] = v[j].i;
	free(v);
	return k;
}
