/*
 * test_cachesim — the bounds' cache simulation (lib/cachesim.c) against brute
 * force: MIN by scanning the future for every resident page at each eviction,
 * LRU by timestamps, on hand-worked traces and thousands of random ones
 * (uniform, skewed, looping scans), plus the extent-to-pages trace builder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/cachesim.h"

/* Belady's MIN, the slow way: evict the resident page used again farthest away. */
static uint64_t brute_min(const uint64_t *t, size_t n, size_t cap)
{
	uint64_t *res = calloc(cap + 1, sizeof(*res)), misses = 0;
	size_t held = 0, i, j, k, far_at, victim;

	for (i = 0; i < n; i++) {
		for (j = 0; j < held && res[j] != t[i]; j++)
			;
		if (j < held)
			continue;
		misses++;
		if (held == cap) {
			victim = 0, far_at = 0;
			for (j = 0; j < held; j++) {
				for (k = i + 1; k < n && t[k] != res[j]; k++)
					;
				if (k >= far_at) {
					far_at = k;
					victim = j;
				}
			}
			res[victim] = t[i];
		} else {
			res[held++] = t[i];
		}
	}
	free(res);
	return misses;
}

/* LRU, the slow way: timestamps. */
static uint64_t brute_lru(const uint64_t *t, size_t n, size_t cap)
{
	uint64_t *res = calloc(cap + 1, sizeof(*res)), misses = 0;
	size_t *when = calloc(cap + 1, sizeof(*when)), held = 0, i, j, old;

	for (i = 0; i < n; i++) {
		for (j = 0; j < held && res[j] != t[i]; j++)
			;
		if (j == held) {
			misses++;
			if (held == cap) {
				for (old = 0, j = 1; j < held; j++)
					if (when[j] < when[old])
						old = j;
				j = old;
			} else {
				j = held++;
			}
			res[j] = t[i];
		}
		when[j] = i + 1;
	}
	free(res);
	free(when);
	return misses;
}

static uint64_t brute_unique(const uint64_t *t, size_t n)
{
	return brute_lru(t, n, n + 1);
}

static void test_classic(void **state)
{
	const uint64_t t[] = { 1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5 };
	struct cachesim_result r;

	(void)state;
	assert_int_equal(cachesim__run(t, 12, 3, &r), 0);
	assert_int_equal(r.accesses, 12);
	assert_int_equal(r.unique, 5);
	assert_int_equal(r.opt_misses, 7);
	assert_int_equal(r.lru_misses, 10);
	assert_int_equal(cachesim__run(t, 12, 0, &r), 0);   /* unlimited */
	assert_int_equal(r.opt_misses, 5);
	assert_int_equal(r.lru_misses, 5);
	assert_int_equal(cachesim__run(t, 0, 3, &r), 0);
	assert_int_equal(r.unique + r.opt_misses + r.lru_misses, 0);
}

/* A scan of C+1 pages in a loop: LRU misses every access, MIN about one in C. */
static void test_loop(void **state)
{
	uint64_t t[101 * 20];
	struct cachesim_result r;
	size_t i;

	(void)state;
	for (i = 0; i < 101 * 20; i++)
		t[i] = CACHESIM_KEY(3, i % 101);
	assert_int_equal(cachesim__run(t, 101 * 20, 100, &r), 0);
	assert_int_equal(r.lru_misses, 101 * 20);
	assert_int_equal(r.opt_misses, brute_min(t, 101 * 20, 100));
	assert_true(r.opt_misses < 101 + 21);
}

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t pick(int kind, uint64_t alpha, size_t i)
{
	uint64_t a = next_rand() % alpha, b = next_rand() % alpha;

	switch (kind) {
	case 0:
		return a;                         /* uniform */
	case 1:
		return a < b ? a : b;             /* skewed toward small ids */
	case 2:
		return (a * b) % alpha < alpha / 4 ? a % 4 : a;   /* a hot set of 4 */
	default:
		return i % alpha;                 /* a looping scan */
	}
}

/* Many random traces, every capacity up to unique + 1: exact agreement. */
static void test_random_vs_brute(void **state)
{
	static uint64_t t[600];
	struct cachesim_result r;
	size_t n, i, cap, trials = 0;
	uint64_t alpha, unique;
	int kind;

	(void)state;
	for (kind = 0; kind < 4; kind++) {
		for (n = 0; n <= 600; n += 37) {
			alpha = 1 + next_rand() % 120;
			for (i = 0; i < n; i++)   /* keys 0 and huge ones both occur */
				t[i] = kind == 1 && i % 7 == 0 ? UINT64_MAX - pick(kind, alpha, i) :
							      pick(kind, alpha, i);
			unique = brute_unique(t, n);
			for (cap = 1; cap <= unique + 1; cap += 1 + cap / 8) {
				assert_int_equal(cachesim__run(t, n, cap, &r), 0);
				assert_int_equal(r.unique, unique);
				assert_int_equal(r.opt_misses, brute_min(t, n, cap));
				assert_int_equal(r.lru_misses, brute_lru(t, n, cap));
				assert_true(r.opt_misses <= r.lru_misses);
				trials++;
			}
		}
	}
	assert_true(trials > 300);
}

static void test_trace_extents(void **state)
{
	struct cachesim_trace t = { 0 };

	(void)state;
	assert_int_equal(cachesim_trace__add_extent(&t, 2, 4000, 200), 0);   /* pages 0 and 1 */
	assert_int_equal(cachesim_trace__add_extent(&t, 2, 8192, 0), 0);     /* nothing */
	assert_int_equal(cachesim_trace__add_extent(&t, 5, 8192, 4096), 0);  /* page 2 */
	assert_int_equal(t.n, 3);
	assert_true(t.pages[0] == CACHESIM_KEY(2, 0) && t.pages[1] == CACHESIM_KEY(2, 1));
	assert_true(t.pages[2] == CACHESIM_KEY(5, 2));
	assert_true(t.pages[2] >> 40 == 5);
	cachesim_trace__free(&t);
	assert_null(t.pages);
}

/* A million accesses go through; the counts stay consistent. */
static void test_large(void **state)
{
	size_t n = 1000000, i;
	uint64_t *t = malloc(n * sizeof(*t));
	struct cachesim_result r;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < n; i++)
		t[i] = pick(1, 50000, i);
	assert_int_equal(cachesim__run(t, n, 5000, &r), 0);
	assert_true(r.unique <= 50000 && r.unique > 40000);
	assert_true(r.unique <= r.opt_misses && r.opt_misses <= r.lru_misses && r.lru_misses <= n);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_random_vs_brute),
		cmocka_unit_test(test_trace_extents),
		cmocka_unit_test(test_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
