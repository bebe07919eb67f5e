/*
 * drift — a slow trend over a series of runs that no single step shows: five runs
 * each 2 % slower pass a per-pull-request A/B gate one by one, yet together are
 * 8 % slower. Judged on the series of run medians (oldest first) by two tests that
 * must agree: the least-squares line's change over the window beyond a tolerance
 * (the size), and a one-sided Mann-Kendall trend test (the evidence: rank-based,
 * so one outlier run neither makes nor hides a trend).
 */
#ifndef RB_DRIFT_H
#define RB_DRIFT_H

#include <stddef.h>

#define RB_DRIFT_MIN_RUNS 4

struct rb_drift {
	size_t n;		/* runs in the series */
	double change;		/* fitted (last - first) / first over the window: 0.08 = +8 % */
	double mk_p;		/* one-sided Mann-Kendall p-value of an upward trend */
	int flagged;		/* change > tol and mk_p < alpha */
};

/*
 * Judge v[0..n) (oldest first; NaNs left out). 0, or -EINVAL with fewer than
 * RB_DRIFT_MIN_RUNS values (out->n says how many), never flagged then.
 */
int drift__check(const double *v, size_t n, double tol, double alpha, struct rb_drift *out);

#endif
