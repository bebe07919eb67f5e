/*
 * drift — the least-squares change and the Mann-Kendall test over a series of run
 * medians (drift.h says why both). Pure arithmetic: unit-tested in tests/test_db.c.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"

/* the least-squares line through (i, v[i]): its value at the first and last i */
static void fit(const double *v, size_t n, double *first, double *last)
{
	double mx = (double)(n - 1) / 2, my = 0, sxy = 0, sxx = 0, b;
	size_t i;

	for (i = 0; i < n; i++)
		my += v[i] / (double)n;
	for (i = 0; i < n; i++) {
		sxy += ((double)i - mx) * (v[i] - my);
		sxx += ((double)i - mx) * ((double)i - mx);
	}
	b = sxx > 0 ? sxy / sxx : 0;
	*first = my - b * mx;
	*last = my + b * mx;
}

/* one-sided p of "later values are larger" (normal approximation, continuity corrected) */
static double mann_kendall(const double *v, size_t n)
{
	double s = 0, var, z;
	size_t i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			s += (v[j] > v[i]) - (v[j] < v[i]);
	var = (double)n * (double)(n - 1) * (double)(2 * n + 5) / 18;
	if (s <= 0 || var <= 0)
		return 1;
	z = (s - 1) / sqrt(var);
	return 0.5 * erfc(z / sqrt(2));
}

int drift__check(const double *v, size_t n, double tol, double alpha, struct rb_drift *out)
{
	double *x = malloc((n ? n : 1) * sizeof(*x)), first, last;
	size_t i, m = 0;

	memset(out, 0, sizeof(*out));
	out->mk_p = 1;
	if (!x)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (isfinite(v[i]))
			x[m++] = v[i];
	out->n = m;
	if (m < RB_DRIFT_MIN_RUNS) {
		free(x);
		return -EINVAL;
	}
	fit(x, m, &first, &last);
	out->change = first > 0 ? (last - first) / first : 0;
	out->mk_p = mann_kendall(x, m);
	out->flagged = out->change > tol && out->mk_p < alpha;
	free(x);
	return 0;
}
