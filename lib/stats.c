/*
 * stats — nearest-rank percentiles, latency summaries and the median/min/max
 * spread of a figure across repeats. Nearest rank (rank = ceil(p/100 * n)) is
 * used instead of interpolation so every reported percentile is a latency that
 * was actually observed, and p100 is exactly the max.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A sorted heap copy of values, so callers' arrays are never reordered. */
static double *sorted_copy(const double *values, size_t n)
{
	double *s = malloc(n * sizeof(*s));

	if (!s)
		return NULL;
	memcpy(s, values, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

double stats__percentile_sorted(const double *sorted, size_t n, double p)
{
	double x;
	size_t rank;

	if (!sorted || n == 0 || !(p > 0))
		return NAN;
	if (p >= 100)
		return sorted[n - 1];
	/*
	 * 99.9 has no exact binary form: 99.9 / 100 * 1000 comes out a hair above
	 * 999 and a plain ceil() would pick rank 1000. Shave a relative epsilon
	 * far below one rank so exact products round to themselves.
	 */
	x = p / 100.0 * (double)n;
	x = ceil(x - 1e-9 * (x > 1 ? x : 1));
	rank = x < 1 ? 1 : (size_t)x;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

size_t stats__min_samples(double pct)
{
	if (!(pct > 0) || pct >= 100)
		return pct >= 100 ? 1 : SIZE_MAX;
	/* nearest rank ceil(pct/100 * n) <= n - 1  <=>  n >= 100 / (100 - pct) */
	return (size_t)ceil(100.0 / (100.0 - pct) - 1e-9);
}

/* The percentile, or NAN when n is too small for it to be more than the max. */
static double pct_or_nan(const double *sorted, size_t n, double pct)
{
	return n >= stats__min_samples(pct) ? stats__percentile_sorted(sorted, n, pct) : NAN;
}

int stats__summarize(const double *samples, size_t n, struct rb_latency_summary *out)
{
	double *s, sum = 0;
	size_t i;

	if (!samples || n == 0 || !out)
		return -EINVAL;
	s = sorted_copy(samples, n);
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		sum += s[i];
	out->count = n;
	out->mean = sum / (double)n;
	out->p50 = stats__percentile_sorted(s, n, 50);
	out->p90 = pct_or_nan(s, n, 90);
	out->p99 = pct_or_nan(s, n, 99);
	out->p999 = pct_or_nan(s, n, 99.9);
	out->min = s[0];
	out->max = s[n - 1];
	free(s);
	return 0;
}

int stats__spread(const double *values, size_t n, struct rb_spread *out)
{
	double *s;

	if (!values || n == 0 || !out)
		return -EINVAL;
	s = sorted_copy(values, n);
	if (!s)
		return -ENOMEM;
	if (n % 2)
		out->median = s[n / 2];
	else
		out->median = (s[n / 2 - 1] + s[n / 2]) / 2.0;
	out->min = s[0];
	out->max = s[n - 1];
	free(s);
	return 0;
}
