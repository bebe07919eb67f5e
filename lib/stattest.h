/*
 * stattest — the statistics the CI gate judges times with. Per-query latencies
 * of two runs are two samples; a time regresses only when the difference is
 * both significant (unlikely under "the same distribution") and large enough to
 * matter (a minimum effect size), never on the overlap of 2-3 repeats' ranges.
 *
 *  - the median: a one-sided Mann-Whitney U test (rank-based: no assumption on
 *    the latency distribution, which is skewed and multi-modal), normal
 *    approximation with the tie correction;
 *  - a tail percentile (p99): a percentile bootstrap confidence interval of the
 *    ratio new/base, resampling each run with replacement (seeded: the same
 *    inputs give the same interval).
 */
#ifndef RB_STATTEST_H
#define RB_STATTEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * One-sided p-value of "new is stochastically larger than base" (slower);
 * NAN when a side has fewer than 2 samples. 1 - p is the other side's.
 */
double stattest__mann_whitney_greater(const double *base, size_t nb, const double *new_,
				      size_t nn);

/*
 * Bootstrap interval [lo, hi] (level, e.g. 0.95) of percentile(new, pct) /
 * percentile(base, pct) over iters resamples. 0, or -EINVAL (empty side, a
 * base percentile of 0) / -ENOMEM.
 */
int stattest__bootstrap_ratio(const double *base, size_t nb, const double *new_, size_t nn,
			      double pct, double level, int iters, uint64_t seed, double *lo,
			      double *hi);

#endif
