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

#include "harness/stats.h"

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
	assert_true(s.p99 == 10);
	assert_true(s.p999 == 10);
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
		cmocka_unit_test(test_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
