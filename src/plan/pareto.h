/* Exact Pareto front of points that maximise two objectives (tokens/s/user
 * and tokens/s/gpu). A point is on the front when no other point is at least
 * as good in both objectives and strictly better in one, and no other point
 * with a lower index has the same coordinates: of equal points the first
 * (in a list ranked best first, the best ranked) stands for all of them, so
 * the front holds no point that another weakly dominates. */
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
