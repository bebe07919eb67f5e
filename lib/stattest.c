/*
 * stattest — Mann-Whitney U and a bootstrap interval of a percentile ratio
 * (see stattest.h for why these two).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "stattest.h"

struct tagged {
	double v;
	int from_new;
};

static int cmp_tagged(const void *a, const void *b)
{
	double x = ((const struct tagged *)a)->v, y = ((const struct tagged *)b)->v;

	return (x > y) - (x < y);
}

double stattest__mann_whitney_greater(const double *base, size_t nb, const double *new_,
				      size_t nn)
{
	size_t n = nb + nn, i, j;
	struct tagged *all;
	double rank_new = 0, ties = 0, u, mean, var, z;

	if (nb < 2 || nn < 2)
		return NAN;
	all = malloc(n * sizeof(*all));
	if (!all)
		return NAN;
	for (i = 0; i < nb; i++)
		all[i] = (struct tagged){ base[i], 0 };
	for (i = 0; i < nn; i++)
		all[nb + i] = (struct tagged){ new_[i], 1 };
	qsort(all, n, sizeof(*all), cmp_tagged);
	/* average ranks (1-based) over runs of equal values */
	for (i = 0; i < n; i = j) {
		double avg, t;

		for (j = i + 1; j < n && all[j].v == all[i].v; j++)
			;
		avg = (double)(i + 1 + j) / 2.0;
		t = (double)(j - i);
		ties += t * t * t - t;
		for (size_t k = i; k < j; k++)
			if (all[k].from_new)
				rank_new += avg;
	}
	free(all);
	u = rank_new - (double)nn * (double)(nn + 1) / 2.0;
	mean = (double)nb * (double)nn / 2.0;
	var = (double)nb * (double)nn / 12.0 *
	      ((double)(n + 1) - ties / ((double)n * (double)(n - 1)));
	if (!(var > 0))
		return 0.5;	/* every value equal: no evidence either way */
	z = (u - mean - 0.5) / sqrt(var);	/* continuity correction */
	return 0.5 * erfc(z / sqrt(2.0));
}

/* xorshift64*: a small seeded generator, the same stream on every machine */
static uint64_t next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The k-th smallest of v[0..n) (0-based), reordering v: Hoare's quickselect. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2], t;
		size_t i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

/*
 * Nearest-rank percentile pct of a resample of src (n values) drawn into buf:
 * the same rank as stats__percentile_sorted, found in O(n) rather than sorting
 * (2000 resamples of tens of thousands of queries).
 */
static double resample_pct(const double *src, size_t n, double *buf, double pct, uint64_t *s)
{
	double x = pct / 100.0 * (double)n;
	size_t i, rank;

	for (i = 0; i < n; i++)
		buf[i] = src[next(s) % n];
	x = ceil(x - 1e-9 * (x > 1 ? x : 1));
	rank = x < 1 ? 1 : x > (double)n ? n : (size_t)x;
	return select_kth(buf, n, rank - 1);
}

int stattest__bootstrap_ratio(const double *base, size_t nb, const double *new_, size_t nn,
			      double pct, double level, int iters, uint64_t seed, double *lo,
			      double *hi)
{
	double *buf, *ratios, pb;
	uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ULL;
	int i, rc = 0;

	if (!nb || !nn || iters < 10 || !(level > 0 && level < 1))
		return -EINVAL;
	buf = malloc((nb > nn ? nb : nn) * sizeof(*buf));
	ratios = malloc((size_t)iters * sizeof(*ratios));
	if (!buf || !ratios) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < iters; i++) {
		pb = resample_pct(base, nb, buf, pct, &s);
		if (!(pb > 0)) {
			rc = -EINVAL;
			goto cleanup;
		}
		ratios[i] = resample_pct(new_, nn, buf, pct, &s) / pb;
	}
	qsort(ratios, (size_t)iters, sizeof(*ratios), cmp_double);
	*lo = stats__percentile_sorted(ratios, (size_t)iters, 100.0 * (1 - level) / 2);
	*hi = stats__percentile_sorted(ratios, (size_t)iters, 100.0 * (1 + level) / 2);
cleanup:
	free(buf);
	free(ratios);
	return rc;
}
