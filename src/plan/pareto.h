/* Exact Pareto front of points that maximise two objectives (tokens/s/user
 * and tokens/s/gpu). A point is on the front when no other point is at least
 * as good in both objectives and strictly better in one; points with equal
 * coordinates do not dominate each other, so duplicates on the front are all
 * kept. */
#ifndef SC_PARETO_H
#define SC_PARETO_H
#include <stddef.h>

/* Writes into out_idx (capacity n) the indices of the points of (a[i], b[i])
 * that are on the front, ordered by a ascending (then by index), and returns
 * how many there are. Non-finite coordinates never enter the front.
 * a, b and out_idx are caller-owned; nothing is kept. */
size_t pareto_front(const double *a, const double *b, size_t n,
		    size_t *out_idx);

/* Strict dominance: (a1,b1) >= (a2,b2) in both and > in one. */
int pareto_dominates(double a1, double b1, double a2, double b2);

#endif
