/*
 * test_synth — the generator is deterministic per (seed, stream, index), whatever
 * the chunking, and its output really is clustered, uneven and normalised.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "datasets/synth.h"

#define DIM 32

static const struct synth_params base_params = {
	.n = 20000, .dim = DIM, .clusters = 16, .seed = 7, .normalize = false, .spread = 0.1,
};

static float *sample(const struct synth_params *p, int stream, int64_t first, int64_t count)
{
	struct synth_model *m;
	float *x = malloc(sizeof(float) * count * p->dim);

	assert_non_null(x);
	assert_int_equal(synth__new(p, &m), 0);
	assert_int_equal(synth__sample(m, stream, first, count, x), 0);
	synth__free(m);
	return x;
}

static void test_same_params_identical(void **state)
{
	float *a = sample(&base_params, SYNTH_STREAM_BASE, 0, 5000);
	float *b = sample(&base_params, SYNTH_STREAM_BASE, 0, 5000);

	(void)state;
	assert_memory_equal(a, b, sizeof(float) * 5000 * DIM);
	free(a);
	free(b);
}

static void test_chunked_equals_one_shot(void **state)
{
	static const int64_t chunks[] = { 1, 7, 993, 4096, 5000, 9903 };
	int64_t n = 20000, first = 0;
	float *whole = sample(&base_params, SYNTH_STREAM_BASE, 0, n);
	float *parts = malloc(sizeof(float) * n * DIM);
	struct synth_model *m;
	size_t c = 0;

	(void)state;
	assert_non_null(parts);
	assert_int_equal(synth__new(&base_params, &m), 0);
	while (first < n) {
		int64_t k = chunks[c++ % 6];

		k = k < n - first ? k : n - first;
		assert_int_equal(synth__sample(m, SYNTH_STREAM_BASE, first, k, parts + first * DIM), 0);
		first += k;
	}
	assert_memory_equal(whole, parts, sizeof(float) * n * DIM);
	synth__free(m);
	free(whole);
	free(parts);
}

static void test_seed_and_stream_change_output(void **state)
{
	struct synth_params p = base_params;
	float *a = sample(&base_params, SYNTH_STREAM_BASE, 0, 100);
	float *q = sample(&base_params, SYNTH_STREAM_QUERIES, 0, 100);
	float *b;

	(void)state;
	p.seed = 8;
	b = sample(&p, SYNTH_STREAM_BASE, 0, 100);
	assert_memory_not_equal(a, b, sizeof(float) * 100 * DIM);
	assert_memory_not_equal(a, q, sizeof(float) * 100 * DIM);
	free(a);
	free(b);
	free(q);
}

static void test_normalized_unit_norm(void **state)
{
	struct synth_params p = base_params;
	int64_t i, d, n = 3000;
	float *x;

	(void)state;
	p.normalize = true;
	x = sample(&p, SYNTH_STREAM_BASE, 0, n);
	for (i = 0; i < n; i++) {
		double s = 0;

		for (d = 0; d < DIM; d++)
			s += (double)x[i * DIM + d] * x[i * DIM + d];
		assert_true(fabs(sqrt(s) - 1.0) < 1e-5);
	}
	free(x);
}

static double dist_to(const float *x, const double *c)
{
	double s = 0;

	for (int d = 0; d < DIM; d++)
		s += (x[d] - c[d]) * (x[d] - c[d]);
	return sqrt(s);
}

/* Each vector sits near its own centre: much nearer than to any other centre. */
static void test_vectors_are_clustered(void **state)
{
	int64_t i, j, n = 5000, nearest_own = 0;
	double own = 0, other = 0;
	struct synth_model *m;
	float *x = sample(&base_params, SYNTH_STREAM_BASE, 0, n);

	(void)state;
	assert_int_equal(synth__new(&base_params, &m), 0);
	for (i = 0; i < n; i++) {
		int64_t c = synth__cluster_of(m, SYNTH_STREAM_BASE, i), best = 0;
		double dbest = INFINITY;

		assert_in_range(c, 0, base_params.clusters - 1);
		own += dist_to(x + i * DIM, synth__centre(m, c));
		other += dist_to(x + i * DIM, synth__centre(m, (c + 1 + i % 15) % 16));
		for (j = 0; j < base_params.clusters; j++) {
			double dj = dist_to(x + i * DIM, synth__centre(m, j));

			if (dj < dbest) {
				dbest = dj;
				best = j;
			}
		}
		nearest_own += best == c;
	}
	assert_true(own / n < 0.25 * (other / n));
	assert_true(nearest_own >= n * 99 / 100);
	synth__free(m);
	free(x);
}

static void test_cluster_sizes_uneven(void **state)
{
	int64_t count[16] = { 0 }, i, lo = INT64_MAX, hi = 0;
	struct synth_model *m;

	(void)state;
	assert_int_equal(synth__new(&base_params, &m), 0);
	for (i = 0; i < 100000; i++)
		count[synth__cluster_of(m, SYNTH_STREAM_BASE, i)]++;
	for (i = 0; i < 16; i++) {
		lo = count[i] < lo ? count[i] : lo;
		hi = count[i] > hi ? count[i] : hi;
	}
	assert_true(lo > 0);
	assert_true(hi > 3 * lo / 2);
	synth__free(m);
}

static void test_bad_params(void **state)
{
	struct synth_params p = base_params;
	struct synth_model *m = (void *)1;

	(void)state;
	p.dim = 0;
	assert_int_equal(synth__new(&p, &m), -EINVAL);
	assert_null(m);
	p = base_params;
	p.clusters = 0;
	assert_int_equal(synth__new(&p, &m), -EINVAL);
	p = base_params;
	p.spread = -1;
	assert_int_equal(synth__new(&p, &m), -EINVAL);
	synth__free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_params_identical),
		cmocka_unit_test(test_chunked_equals_one_shot),
		cmocka_unit_test(test_seed_and_stream_change_output),
		cmocka_unit_test(test_normalized_unit_norm),
		cmocka_unit_test(test_vectors_are_clustered),
		cmocka_unit_test(test_cluster_sizes_uneven),
		cmocka_unit_test(test_bad_params),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
