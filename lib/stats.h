/*
 * stats — percentiles and summaries over samples: the maths behind every latency
 * figure and every "median (min..max)" across repeats. Percentiles use the
 * nearest-rank definition on a sorted copy, so p100 is the max and a reported
 * figure is always a value that was really observed.
 */
#ifndef RB_STATS_H
#define RB_STATS_H

#include <stddef.h>

struct rb_latency_summary {
	size_t count;
	double mean, p50, p90, p99, p999, max, min;
};

/* Nearest-rank percentile (0 < p <= 100) of n samples; sorted must be ascending. */
double stats__percentile_sorted(const double *sorted, size_t n, double p);

/*
 * The fewest samples for which the nearest-rank percentile pct is not just the
 * maximum (p99: 100, p99.9: 1000). Below it the percentile is not reported.
 */
size_t stats__min_samples(double pct);

/*
 * Summarise n samples (not modified); p90, p99 and p999 are NAN (null in
 * reports) below their stats__min_samples. Returns 0 or -ENOMEM / -EINVAL (n == 0).
 */
int stats__summarize(const double *samples, size_t n, struct rb_latency_summary *out);

/* Spread of one figure across repeats: the median, min and max. */
struct rb_spread {
	double median, min, max;
};

/* Median (mean of the two middle values for even n), min and max of n values. */
int stats__spread(const double *values, size_t n, struct rb_spread *out);

#endif
