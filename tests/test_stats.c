/*
 * test_stats — nearest-rank percentiles, summaries and spreads against values
 * computed by hand.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <string.h>

#include "lib/stats.h"
#include "lib/stattest.h"

static void test_percentile_small(void **state)
{
	/* n = 10: rank = ceil(p/100 * 10) */
	const double s[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };

	(void)state;
	assert_true(stats__percentile_sorted(s, 10, 50) == 5);     /* rank 5 */
	assert_true(stats__percentile_sorted(s, 10, 90) == 9);     /* rank 9 */
	assert_true(stats__percentile_sorted(s, 10, 99) == 10);    /* ceil(9.9) = 10 */
	assert_true(stats__percentile_sorted(s, 10, 10) == 1);
	assert_true(stats__percentile_sorted(s, 10, 11) == 2);     /* ceil(1.1) = 2 */
	assert_true(stats__percentile_sorted(s, 10, 100) == 10);
	assert_true(stats__percentile_sorted(s, 10, 0.001) == 1);
}

static void test_percentile_one(void **state)
{
	const double s[] = { 42.5 };

	(void)state;
	assert_true(stats__percentile_sorted(s, 1, 50) == 42.5);
	assert_true(stats__percentile_sorted(s, 1, 99.9) == 42.5);
	assert_true(stats__percentile_sorted(s, 1, 100) == 42.5);
	assert_true(isnan(stats__percentile_sorted(s, 0, 50)));
}

static void test_percentile_1000(void **state)
{
	static double s[2000];
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		s[i] = (double)(i + 1);
	/* p99.9 of 1..1000 is rank 999, not 1000 (99.9 is inexact in binary) */
	assert_true(stats__percentile_sorted(s, 1000, 99.9) == 999);
	assert_true(stats__percentile_sorted(s, 1000, 99) == 990);
	assert_true(stats__percentile_sorted(s, 1000, 90) == 900);
	assert_true(stats__percentile_sorted(s, 1000, 50) == 500);
	for (i = 0; i < 2000; i++)
		s[i] = (double)(i + 1);
	assert_true(stats__percentile_sorted(s, 2000, 99.9) == 1998);
	assert_true(stats__percentile_sorted(s, 2000, 99.95) == 1999);
}

static void test_summarize(void **state)
{
	/* unsorted on purpose; must come back unmodified */
	double v[] = { 7, 1, 9, 3, 5, 2, 10, 4, 8, 6 };
	double copy[10];
	struct rb_latency_summary s;

	(void)state;
	memcpy(copy, v, sizeof(v));
	assert_int_equal(stats__summarize(v, 10, &s), 0);
	assert_memory_equal(v, copy, sizeof(v));
	assert_int_equal(s.count, 10);
	assert_true(s.mean == 5.5);
	assert_true(s.p50 == 5);
	assert_true(s.p90 == 9);
	/* 10 samples: p99 and p99.9 would be the max, so they are not given */
	assert_true(isnan(s.p99));
	assert_true(isnan(s.p999));
	assert_true(s.min == 1);
	assert_true(s.max == 10);
}

static void test_summarize_1000(void **state)
{
	double v[1000];
	struct rb_latency_summary s;
	size_t i;

	(void)state;
	/* a permutation of 1..1000: 1 + (i * 7 mod 1000), 7 coprime with 1000 */
	for (i = 0; i < 1000; i++)
		v[i] = (double)(1 + (i * 7) % 1000);
	assert_int_equal(stats__summarize(v, 1000, &s), 0);
	assert_true(s.p999 == 999);
	assert_true(s.p99 == 990);
	assert_true(s.max == 1000);
	assert_true(s.min == 1);
	assert_true(s.mean == 500.5);
	assert_true(v[1] == 8);     /* untouched */
}

static void test_min_samples(void **state)
{
	(void)state;
	assert_int_equal(stats__min_samples(50), 2);
	assert_int_equal(stats__min_samples(90), 10);
	assert_int_equal(stats__min_samples(97), 34);   /* ceil(0.97 * 33) = 33 = n: not yet */
	assert_int_equal(stats__min_samples(99), 100);
	assert_int_equal(stats__min_samples(99.9), 1000);
	assert_int_equal(stats__min_samples(100), 1);
}

/* The U test: identical samples give p ~ 0.5; a shift one way gives ~0 / ~1. */
static void test_mann_whitney(void **state)
{
	double a[200], b[200], p;
	int i;

	(void)state;
	for (i = 0; i < 200; i++)
		a[i] = 1000 + (i * 37) % 200;
	for (i = 0; i < 200; i++)
		b[i] = a[(i * 7) % 200];          /* the same values, another order */
	p = stattest__mann_whitney_greater(a, 200, b, 200);
	assert_true(p > 0.4 && p < 0.6);
	for (i = 0; i < 200; i++)
		b[i] = a[i] * 1.3;
	assert_true(stattest__mann_whitney_greater(a, 200, b, 200) < 1e-6);
	assert_true(stattest__mann_whitney_greater(b, 200, a, 200) > 1 - 1e-6);
	/* all equal: no evidence either way */
	for (i = 0; i < 200; i++)
		a[i] = b[i] = 5;
	assert_true(stattest__mann_whitney_greater(a, 200, b, 200) == 0.5);
	assert_true(isnan(stattest__mann_whitney_greater(a, 1, b, 200)));
}

/* A hand-computed case: 5 vs 5 fully separated, normal approximation, no ties. */
static void test_mann_whitney_known_value(void **state)
{
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
	double p = stattest__mann_whitney_greater(a, 5, b, 5);

	(void)state;
	/* U = 25, mean 12.5, sd sqrt(25*11/12) = 4.787; z = (25 - 12.5 - 0.5)/4.787 = 2.507 */
	assert_true(fabs(p - 0.00609) < 0.0002);
}

static void test_bootstrap_ratio(void **state)
{
	double a[300], b[300], lo, hi, lo2, hi2;
	int i;

	(void)state;
	for (i = 0; i < 300; i++)
		a[i] = 1000 + (i * 131) % 300;
	for (i = 0; i < 300; i++)
		b[i] = a[(i * 11) % 300] * 2;
	
	assert_int_equal(stattest__bootstrap_ratio(a, 300, b, 300, 99, 0.95, 1000, 42, &lo, &hi), 0);
	assert_true(lo <= 2.0 && hi >= 2.0 && lo > 1.8 && hi < 2.2);
	/* seeded: the same interval again */
	assert_int_equal(stattest__bootstrap_ratio(a, 300, b, 300, 99, 0.95, 1000, 42, &lo2, &hi2), 0);
	assert_true(lo == lo2 && hi == hi2);
	assert_int_equal(stattest__bootstrap_ratio(a, 0, b, 300, 99, 0.95, 1000, 42, &lo, &hi), -EINVAL);
}

static void test_summarize_errors(void **state)
{
	struct rb_latency_summary s;
	double v = 1;

	(void)state;
	assert_int_equal(stats__summarize(&v, 0, &s), -EINVAL);
	assert_int_equal(stats__summarize(NULL, 3, &s), -EINVAL);
}

static void test_spread(void **state)
{
	double odd[] = { 5, 1, 3 };
	double even[] = { 4, 10, 1, 2 };
	double one[] = { 7 };
	struct rb_spread s;

	(void)state;
	assert_int_equal(stats__spread(odd, 3, &s), 0);
	assert_true(s.median == 3 && s.min == 1 && s.max == 5);
	assert_true(odd[0] == 5);
	/* even: mean of the middle two of 1 2 4 10 */
	assert_int_equal(stats__spread(even, 4, &s), 0);
	assert_true(s.median == 3 && s.min == 1 && s.max == 10);
	assert_true(even[0] == 4 && even[1] == 10);
	assert_int_equal(stats__spread(one, 1, &s), 0);
	assert_true(s.median == 7 && s.min == 7 && s.max == 7);
	assert_int_equal(stats__spread(one, 0, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_small),
		cmocka_unit_test(test_percentile_one),
		cmocka_unit_test(test_percentile_1000),
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_summarize_1000),
		cmocka_unit_test(test_summarize_errors),
		cmocka_unit_test(test_min_samples),
		cmocka_unit_test(test_mann_whitney),
		cmocka_unit_test(test_mann_whitney_known_value),
		cmocka_unit_test(test_bootstrap_ratio),
		cmocka_unit_test(test_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
