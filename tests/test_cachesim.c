/*
 * test_cachesim — the optimal-cache bounds (lib/cachesim.c) against slow
 * reference simulations written here independently: MIN by scanning the future
 * of every resident page at each eviction, LRU by timestamps, distinct pages by
 * sorting. Hand-worked traces, hundreds of random ones (uniform, Zipf-like,
 * looping, sequential runs, back-to-back repeats, hot sets; keys small, in the
 * file/page layout or anywhere in uint64 including 0 and UINT64_MAX) at every
 * capacity or a spread of them, the extent-to-pages trace builder, and a
 * million-access trace.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cachesim.h"

/* ---- slow references ---- */

/* Belady's MIN: on a miss with a full cache, evict the page used again farthest away. */
static uint64_t ref_opt(const uint64_t *t, size_t n, size_t cap)
{
	uint64_t *res = calloc(cap + 1, sizeof(*res)), misses = 0;
	size_t held = 0, i, j, k, far, victim;

	assert_non_null(res);
	for (i = 0; i < n; i++) {
		for (j = 0; j < held && res[j] != t[i]; j++)
			;
		if (j < held)
			continue;
		misses++;
		if (held < cap) {
			res[held++] = t[i];
			continue;
		}
		victim = 0;
		far = 0;
		for (j = 0; j < held; j++) {
			for (k = i + 1; k < n && t[k] != res[j]; k++)
				;	/* k == n: never used again */
			if (k > far) {
				far = k;
				victim = j;
			}
		}
		res[victim] = t[i];
	}
	free(res);
	return misses;
}

/* LRU: each resident page stamped with its last access; evict the oldest stamp. */
static uint64_t ref_lru(const uint64_t *t, size_t n, size_t cap)
{
	uint64_t *res = calloc(cap + 1, sizeof(*res)), misses = 0;
	size_t *stamp = calloc(cap + 1, sizeof(*stamp)), held = 0, i, j, old;

	assert_non_null(res);
	assert_non_null(stamp);
	for (i = 0; i < n; i++) {
		for (j = 0; j < held && res[j] != t[i]; j++)
			;
		if (j == held) {
			misses++;
			if (held < cap) {
				held++;
			} else {
				for (old = 0, j = 1; j < held; j++)
					if (stamp[j] < stamp[old])
						old = j;
				j = old;
			}
			res[j] = t[i];
		}
		stamp[j] = i;
	}
	free(res);
	free(stamp);
	return misses;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

static uint64_t ref_unique(const uint64_t *t, size_t n)
{
	uint64_t *s, u = 0;
	size_t i;

	if (n == 0)
		return 0;
	s = malloc(n * sizeof(*s));
	assert_non_null(s);
	memcpy(s, t, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_u64);
	for (i = 0; i < n; i++)
		u += i == 0 || s[i] != s[i - 1];
	free(s);
	return u;
}

/* cachesim__run at cap agrees with the references; returns its result. */
static struct cachesim_result check(const uint64_t *t, size_t n, uint64_t cap, uint64_t unique,
				    const char *what)
{
	struct cachesim_result r;
	uint64_t opt, lru;
	size_t c;

	assert_int_equal(cachesim__run(t, n, cap, &r), 0);
	c = cap == 0 || cap > n ? n + 1 : (size_t)cap;	/* unlimited: room for every page */
	opt = ref_opt(t, n, c);
	lru = ref_lru(t, n, c);
	if (r.accesses != n || r.unique != unique || r.opt_misses != opt || r.lru_misses != lru)
		print_message("%s: n %zu cap %llu: got unique %llu opt %llu lru %llu, want %llu %llu %llu\n",
			      what, n, (unsigned long long)cap, (unsigned long long)r.unique,
			      (unsigned long long)r.opt_misses, (unsigned long long)r.lru_misses,
			      (unsigned long long)unique, (unsigned long long)opt,
			      (unsigned long long)lru);
	assert_int_equal(r.accesses, n);
	assert_int_equal(r.unique, unique);
	assert_int_equal(r.opt_misses, opt);
	assert_int_equal(r.lru_misses, lru);
	return r;
}

/* ---- random traces ---- */

static uint64_t rng_state;

static uint64_t rnd(void)	/* xorshift64 */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

enum pattern { UNIFORM, ZIPF, LOOP, RUNS, REPEATS, HOTSET, NPATTERNS };

static const char *const pattern_name[] = { "uniform", "zipf", "loop", "runs", "repeats", "hotset" };

/* Zipf-like (weight 1/(r+1)): the first r whose cumulative weight reaches u. */
static size_t zipf(const double *cdf, size_t alpha)
{
	double u = (double)(rnd() >> 11) / (double)(1ULL << 53) * cdf[alpha - 1];
	size_t lo = 0, hi = alpha - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* n accesses over symbols 0..alpha-1 in pattern p, each symbol mapped to keys[symbol]. */
static void gen(uint64_t *t, size_t n, size_t alpha, enum pattern p, const uint64_t *keys)
{
	static double cdf[512];
	size_t i = 0, k, run, at = 0, hot = alpha / 10 + 1;

	for (k = 0; k < alpha; k++)
		cdf[k] = (k ? cdf[k - 1] : 0) + 1.0 / (double)(k + 1);
	while (i < n) {
		switch (p) {
		case UNIFORM:
			t[i++] = keys[below(alpha)];
			break;
		case ZIPF:
			t[i++] = keys[zipf(cdf, alpha)];
			break;
		case LOOP:	/* a cyclic scan, one access in ten elsewhere */
			t[i++] = keys[below(10) ? at++ % alpha : below(alpha)];
			break;
		case RUNS:	/* sequential runs from random places, like reads of extents */
			at = below(alpha);
			for (run = 1 + below(32); run > 0 && i < n; run--)
				t[i++] = keys[at++ % alpha];
			break;
		case REPEATS:	/* the same page back to back */
			k = below(alpha);
			for (run = 1 + below(4); run > 0 && i < n; run--)
				t[i++] = keys[k];
			break;
		default:	/* HOTSET: four in five accesses go to a tenth of the pages */
			t[i++] = keys[below(5) ? below(hot) : below(alpha)];
			break;
		}
	}
}

/* Keys for the symbols: small integers, file/page keys, or anywhere in uint64. */
static void make_keys(uint64_t *keys, size_t alpha, int style)
{
	size_t k;

	for (k = 0; k < alpha; k++) {
		switch (style) {
		case 0:
			keys[k] = k;
			break;
		case 1:	/* same page index in several files: differ only in the top bits */
			keys[k] = CACHESIM_KEY(k % 3, k / 3);
			break;
		default:
			keys[k] = rnd();
			break;
		}
	}
	if (style == 2 && alpha >= 2) {
		keys[0] = 0;
		keys[1] = UINT64_MAX;
	}
}

/* Random traces against the references, every capacity 0..unique+1 or a spread of them. */
static void test_random_vs_reference(void **state)
{
	static uint64_t t[2000], keys[300];
	size_t trial, n, alpha, cap, caps[48], ncaps, i, checks = 0;
	uint64_t unique, prev_opt, prev_lru;
	struct cachesim_result r;
	enum pattern p;
	char what[64];

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ULL;
	for (trial = 0; trial < 240; trial++) {
		p = (enum pattern)(trial % NPATTERNS);
		n = trial % 9 == 0 ? below(40) : below(2001);
		alpha = 1 + (trial % 4 == 0 ? below(300) : below(60));
		make_keys(keys, alpha, (int)(trial / NPATTERNS % 3));
		gen(t, n, alpha, p, keys);
		unique = ref_unique(t, n);
		ncaps = 0;
		if (unique <= 40) {
			for (cap = 0; cap <= unique + 1; cap++)
				caps[ncaps++] = cap;
		} else {
			caps[ncaps++] = 0;
			for (cap = 1; cap <= 4; cap++)
				caps[ncaps++] = cap;
			for (i = 0; i < 8; i++)
				caps[ncaps++] = 5 + below(unique - 7);
			for (cap = unique - 2; cap <= unique + 1; cap++)
				caps[ncaps++] = cap;
			/* ascending, for the monotony check below */
			qsort(caps, ncaps, sizeof(caps[0]), cmp_size);
		}
		snprintf(what, sizeof(what), "trial %zu (%s, alphabet %zu)", trial, pattern_name[p], alpha);
		prev_opt = prev_lru = UINT64_MAX;
		for (i = 0; i < ncaps; i++) {
			r = check(t, n, caps[i], unique, what);
			assert_true(r.unique <= r.opt_misses);
			assert_true(r.opt_misses <= r.lru_misses);
			assert_true(r.lru_misses <= n);
			if (caps[i] >= 1) {	/* more room never costs reads, for MIN and LRU */
				assert_true(r.opt_misses <= prev_opt);
				assert_true(r.lru_misses <= prev_lru);
				prev_opt = r.opt_misses;
				prev_lru = r.lru_misses;
			}
			checks++;
		}
	}
	print_message("%zu trace/capacity pairs checked\n", checks);
	assert_true(checks > 2000);
}

/* ---- hand-worked traces ---- */

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
	assert_int_equal(cachesim__run(t, 12, 4, &r), 0);
	assert_int_equal(r.opt_misses, 6);
	assert_int_equal(r.lru_misses, 8);
	assert_int_equal(cachesim__run(t, 12, 1, &r), 0);	/* no repeats back to back */
	assert_int_equal(r.opt_misses, 12);
	assert_int_equal(r.lru_misses, 12);
	assert_int_equal(cachesim__run(t, 12, 5, &r), 0);
	assert_int_equal(r.opt_misses, 5);
	assert_int_equal(r.lru_misses, 5);
}

/*
 * A cyclic scan of m = C+1 pages through C pages of cache: LRU always evicts the
 * page needed next, so every access misses. MIN evicts the page just used before,
 * the one needed last: after the m cold misses it misses once every C accesses.
 */
static void test_loop(void **state)
{
	static uint64_t t[101 * 30];
	const size_t sizes[] = { 1, 2, 3, 7, 100 };
	struct cachesim_result r;
	size_t s, c, m, n, i;

	(void)state;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		c = sizes[s];
		m = c + 1;
		n = m * 30;
		for (i = 0; i < n; i++)
			t[i] = CACHESIM_KEY(3, 1000 + i % m);
		assert_int_equal(cachesim__run(t, n, c, &r), 0);
		assert_int_equal(r.unique, m);
		assert_int_equal(r.lru_misses, n);
		assert_int_equal(r.opt_misses, m + (n - m) / c);
		assert_int_equal(r.opt_misses, ref_opt(t, n, c));
		/* one page more and both only take the cold misses */
		assert_int_equal(cachesim__run(t, n, m, &r), 0);
		assert_int_equal(r.lru_misses, m);
		assert_int_equal(r.opt_misses, m);
	}
}

static void test_empty_and_errors(void **state)
{
	const uint64_t one = 42;
	struct cachesim_result r;
	uint64_t cap;

	(void)state;
	for (cap = 0; cap < 3; cap++) {
		memset(&r, 0xff, sizeof(r));
		assert_int_equal(cachesim__run(NULL, 0, cap, &r), 0);
		assert_int_equal(r.accesses, 0);
		assert_int_equal(r.unique, 0);
		assert_int_equal(r.opt_misses, 0);
		assert_int_equal(r.lru_misses, 0);
	}
	assert_int_equal(cachesim__run(&one, 1, 1, NULL), -EINVAL);
	memset(&r, 0xab, sizeof(r));
	assert_int_equal(cachesim__run(NULL, 1, 1, &r), -EINVAL);
	assert_int_equal(r.accesses, 0xababababababababULL);	/* untouched on error */
	assert_int_equal(cachesim__run(&one, 1, 1, &r), 0);
	assert_int_equal(r.accesses, 1);
	assert_int_equal(r.unique, 1);
	assert_int_equal(r.opt_misses, 1);
	assert_int_equal(r.lru_misses, 1);
}

/* Capacity 0 (unlimited) and any capacity >= unique: every page read once. */
static void test_unlimited(void **state)
{
	static uint64_t t[1500], keys[200];
	uint64_t caps[6];
	struct cachesim_result r;
	size_t trial, i;
	uint64_t unique;

	(void)state;
	rng_state = 12345;
	for (trial = 0; trial < 30; trial++) {
		make_keys(keys, 200, (int)(trial % 3));
		gen(t, 1500, 1 + below(200), (enum pattern)(trial % NPATTERNS), keys);
		unique = ref_unique(t, 1500);
		caps[0] = 0;
		caps[1] = unique;
		caps[2] = unique + 1;
		caps[3] = UINT32_MAX;
		caps[4] = (uint64_t)UINT32_MAX + 1;
		caps[5] = UINT64_MAX;
		for (i = 0; i < 6; i++) {
			assert_int_equal(cachesim__run(t, 1500, caps[i], &r), 0);
			assert_int_equal(r.unique, unique);
			assert_int_equal(r.opt_misses, unique);
			assert_int_equal(r.lru_misses, unique);
		}
	}
}

/* Keys 0 and UINT64_MAX are pages like any other; back-to-back repeats are hits. */
static void test_repeats_and_odd_keys(void **state)
{
	const uint64_t t[] = { 0, 0, 0, UINT64_MAX, UINT64_MAX, 0, 7, 7, 0, UINT64_MAX };
	static uint64_t same[1000];
	struct cachesim_result r;
	size_t i;

	(void)state;
	/* capacity 1: a miss at every change of page, 0 Max 0 7 0 Max */
	assert_int_equal(cachesim__run(t, 10, 1, &r), 0);
	assert_int_equal(r.unique, 3);
	assert_int_equal(r.opt_misses, 6);
	assert_int_equal(r.lru_misses, 6);
	/* capacity 2: MIN 0 Max 7 (evicts Max, next used at 9, after 0 at 8) Max: 4;
	 * LRU 0 Max 7 (evicts Max, untouched since 4) Max (evicts 7, untouched since 7): 4 */
	assert_int_equal(cachesim__run(t, 10, 2, &r), 0);
	assert_int_equal(r.opt_misses, 4);
	assert_int_equal(r.lru_misses, ref_lru(t, 10, 2));
	assert_int_equal(r.lru_misses, 4);
	for (i = 0; i < 1000; i++)
		same[i] = 0;
	assert_int_equal(cachesim__run(same, 1000, 1, &r), 0);
	assert_int_equal(r.unique, 1);
	assert_int_equal(r.opt_misses, 1);
	assert_int_equal(r.lru_misses, 1);
}

/* Many distinct keys that differ only in high bits or form arithmetic runs: the hash keeps them apart. */
static void test_many_keys(void **state)
{
	const size_t n = 300000;
	uint64_t *t = malloc(n * sizeof(*t));
	struct cachesim_result r;
	size_t i;

	(void)state;
	assert_non_null(t);
	for (i = 0; i < n; i++) {
		switch (i % 3) {
		case 0:
			t[i] = (uint64_t)(i % 40000) << 40;	/* file ids only */
			break;
		case 1:
			t[i] = (uint64_t)(i % 50000) << 12;	/* multiples of 4096 */
			break;
		default:
			t[i] = UINT64_MAX - i % 30000;
			break;
		}
	}
	assert_int_equal(cachesim__run(t, n, 1000, &r), 0);
	assert_int_equal(r.unique, ref_unique(t, n));
	assert_true(r.unique <= r.opt_misses && r.opt_misses <= r.lru_misses && r.lru_misses <= n);
	free(t);
}

/* A million accesses: finishes; distinct pages agree with sorting; the loop's known counts hold. */
static void test_million(void **state)
{
	const size_t n = 1000000, m = 50001;
	uint64_t *t = malloc(n * sizeof(*t));
	struct cachesim_result r;
	size_t i;

	(void)state;
	assert_non_null(t);
	rng_state = 777;
	for (i = 0; i < n; i++)	/* random pages of 8 files, ~200k pages each */
		t[i] = CACHESIM_KEY(below(8), below(200000));
	assert_int_equal(cachesim__run(t, n, 100000, &r), 0);
	assert_int_equal(r.accesses, n);
	assert_int_equal(r.unique, ref_unique(t, n));
	assert_true(r.unique <= r.opt_misses && r.opt_misses <= r.lru_misses && r.lru_misses <= n);
	/* the cyclic scan of test_loop at scale */
	for (i = 0; i < n; i++)
		t[i] = CACHESIM_KEY(1, i % m);
	assert_int_equal(cachesim__run(t, n, m - 1, &r), 0);
	assert_int_equal(r.unique, m);
	assert_int_equal(r.lru_misses, n);
	assert_int_equal(r.opt_misses, m + (n - m) / (m - 1));
	free(t);
}

/* ---- extents to pages ---- */

static void test_extent_pages(void **state)
{
	struct cachesim_trace t = { 0 };

	(void)state;
	assert_int_equal(cachesim_trace__add_extent(&t, 2, 0, 4096), 0);	/* page 0 exactly */
	assert_int_equal(t.n, 1);
	assert_int_equal(t.pages[0], CACHESIM_KEY(2, 0));
	assert_int_equal(cachesim_trace__add_extent(&t, 2, 4095, 2), 0);	/* crosses: pages 0, 1 */
	assert_int_equal(t.n, 3);
	assert_int_equal(t.pages[1], CACHESIM_KEY(2, 0));
	assert_int_equal(t.pages[2], CACHESIM_KEY(2, 1));
	assert_int_equal(cachesim_trace__add_extent(&t, 2, 8191, 0), 0);	/* len 0: nothing */
	assert_int_equal(t.n, 3);
	assert_int_equal(cachesim_trace__add_extent(&t, 2, 8192, 1), 0);	/* one byte: page 2 */
	assert_int_equal(cachesim_trace__add_extent(&t, 9, 4096 * 5 + 100, 4096 * 3), 0);	/* 5..8 */
	assert_int_equal(t.n, 8);
	assert_int_equal(t.pages[3], CACHESIM_KEY(2, 2));
	assert_int_equal(t.pages[4], ((uint64_t)9 << 40) | 5);
	assert_int_equal(t.pages[7], ((uint64_t)9 << 40) | 8);
	assert_int_equal(t.pages[7] >> 40, 9);	/* file id in the top bits */
	assert_int_equal(t.pages[7] & ((1ULL << 40) - 1), 8);
	/* the largest file id and page index still fit */
	assert_int_equal(cachesim_trace__add_extent(&t, (uint32_t)CACHESIM_MAX_FILE,
						     CACHESIM_MAX_PAGE << 12, 4096), 0);
	assert_int_equal(t.pages[8], UINT64_MAX);
	cachesim_trace__free(&t);
	assert_null(t.pages);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.cap, 0);
	cachesim_trace__free(&t);	/* twice is harmless */
}

static void test_extent_errors(void **state)
{
	struct cachesim_trace t = { 0 };

	(void)state;
	assert_int_equal(cachesim_trace__add_extent(&t, (uint32_t)CACHESIM_MAX_FILE + 1, 0, 1), -EINVAL);
	assert_int_equal(cachesim_trace__add_extent(&t, 0, UINT64_MAX, 2), -EINVAL);	/* wraps */
	assert_int_equal(cachesim_trace__add_extent(&t, 0, (CACHESIM_MAX_PAGE + 1) << 12, 1), -EINVAL);
	assert_int_equal(cachesim_trace__add_extent(&t, 0, (CACHESIM_MAX_PAGE << 12) + 4095, 2), -EINVAL);
	assert_int_equal(t.n, 0);
	assert_null(t.pages);
	assert_int_equal(cachesim_trace__add_extent(&t, 0, UINT64_MAX, 0), 0);	/* empty is fine anywhere */
	assert_int_equal(t.n, 0);
}

/* Growing over many appends keeps every page in order; the trace feeds cachesim__run. */
static void test_extent_growth(void **state)
{
	struct cachesim_trace t = { 0 };
	struct cachesim_result r;
	size_t i;

	(void)state;
	for (i = 0; i < 5000; i++)	/* 3 pages each (byte 100 of page i to byte 99 of page i+2) */
		assert_int_equal(cachesim_trace__add_extent(&t, (uint32_t)(i % 4), 4096 * i + 100, 8192), 0);
	assert_int_equal(cachesim_trace__add_extent(&t, 1, 0, 4096 * 70000), 0);	/* one big extent */
	assert_int_equal(t.n, 15000 + 70000);
	assert_true(t.cap >= t.n);
	for (i = 0; i < 5000; i++) {
		assert_int_equal(t.pages[3 * i], CACHESIM_KEY(i % 4, i));
		assert_int_equal(t.pages[3 * i + 2], CACHESIM_KEY(i % 4, i + 2));
	}
	assert_int_equal(t.pages[t.n - 1], CACHESIM_KEY(1, 69999));
	assert_int_equal(cachesim__run(t.pages, t.n, 0, &r), 0);
	assert_int_equal(r.unique, ref_unique(t.pages, t.n));
	cachesim_trace__free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classic),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_empty_and_errors),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_repeats_and_odd_keys),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_extent_pages),
		cmocka_unit_test(test_extent_errors),
		cmocka_unit_test(test_extent_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
