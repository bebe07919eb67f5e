/*
 * test_stream — query streams: sequential is the identity, the Zipf sampler's
 * frequencies match 1/r^s, streams are deterministic, replay files are read with
 * errors that name file and line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/stream.h"

static struct rb_config stream_cfg(const char *kind, int64_t queries, double s)
{
	struct rb_config cfg;

	config__defaults(&cfg);
	snprintf(cfg.workload_stream, sizeof(cfg.workload_stream), "%s", kind);
	cfg.workload_queries = queries;
	cfg.workload_zipf_s = s;
	return cfg;
}

static void test_sequential_is_identity(void **state)
{
	struct rb_config cfg = stream_cfg("sequential", 50, 1);
	int64_t *ids, i;
	char err[256];

	(void)state;
	assert_int_equal(stream__build(&cfg, 200, &ids, err, sizeof(err)), 0);
	for (i = 0; i < 50; i++)
		assert_int_equal(ids[i], i);
	free(ids);
}

static void test_zipf_frequencies(void **state)
{
	const int64_t nq = 100, n = 200000;
	struct rb_config cfg = stream_cfg("zipf", n, 1.0);
	double h = 0, f0, f1, f9;
	int64_t *ids, *count = calloc(nq, sizeof(*count)), i;
	char err[256];

	(void)state;
	for (i = 1; i <= nq; i++)
		h += 1.0 / i;
	assert_int_equal(stream__build(&cfg, nq, &ids, err, sizeof(err)), 0);
	for (i = 0; i < n; i++) {
		assert_true(ids[i] >= 0 && ids[i] < nq);
		count[ids[i]]++;
	}
	f0 = (double)count[0] / n;
	f1 = (double)count[1] / n;
	f9 = (double)count[9] / n;
	/* expected 1/(r*H): 0.193, 0.096, 0.019; binomial sd at n=200000 < 0.001 */
	assert_true(fabs(f0 - 1.0 / h) < 0.005);
	assert_true(fabs(f1 - 0.5 / h) < 0.005);
	assert_true(fabs(f9 - 0.1 / h) < 0.003);
	free(ids);

	cfg.workload_zipf_s = 0;   /* s = 0: uniform over the ranks */
	memset(count, 0, nq * sizeof(*count));
	assert_int_equal(stream__build(&cfg, nq, &ids, err, sizeof(err)), 0);
	for (i = 0; i < n; i++)
		count[ids[i]]++;
	for (i = 0; i < nq; i++)
		assert_true(fabs((double)count[i] / n - 0.01) < 0.002);
	free(ids);
	free(count);
}

static void test_streams_are_deterministic(void **state)
{
	struct rb_config cfg = stream_cfg("zipf", 1000, 1.2);
	int64_t *a, *b;
	char err[256];

	(void)state;
	assert_int_equal(stream__build(&cfg, 500, &a, err, sizeof(err)), 0);
	assert_int_equal(stream__build(&cfg, 500, &b, err, sizeof(err)), 0);
	assert_memory_equal(a, b, 1000 * sizeof(*a));
	free(b);
	cfg.dataset_seed++;
	assert_int_equal(stream__build(&cfg, 500, &b, err, sizeof(err)), 0);
	assert_true(memcmp(a, b, 1000 * sizeof(*a)) != 0);
	free(a);
	free(b);
	snprintf(cfg.workload_stream, sizeof(cfg.workload_stream), "uniform");
	assert_int_equal(stream__build(&cfg, 7, &a, err, sizeof(err)), 0);
	for (int i = 0; i < 1000; i++)
		assert_true(a[i] >= 0 && a[i] < 7);
	free(a);
}

static char replay[64];

static void write_replay(const char *text)
{
	FILE *f;

	mkdir("build", 0755);
	snprintf(replay, sizeof(replay), "build/test_stream.%d.txt", getpid());
	f = fopen(replay, "w");
	fputs(text, f);
	fclose(f);
}

static void test_replay(void **state)
{
	struct rb_config cfg = stream_cfg("replay", 3, 1);
	int64_t *ids = NULL;
	char err[256] = "";

	(void)state;
	write_replay("# hot first\n5\n\n5   # again\n2\n9\n");
	snprintf(cfg.workload_replay_file, sizeof(cfg.workload_replay_file), "%s", replay);
	assert_int_equal(stream__build(&cfg, 10, &ids, err, sizeof(err)), 0);
	assert_int_equal(ids[0], 5);
	assert_int_equal(ids[1], 5);
	assert_int_equal(ids[2], 2);
	free(ids);

	cfg.workload_queries = 4;   /* the 9 on line 6 is out of range for nq = 8 */
	assert_int_equal(stream__build(&cfg, 8, &ids, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, ":6: query id 9 out of range"));
	assert_non_null(strstr(err, replay));

	cfg.workload_queries = 10;  /* more than the file holds */
	assert_int_equal(stream__build(&cfg, 10, &ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "4 query ids"));

	write_replay("1\nabc\n");
	cfg.workload_queries = 2;
	assert_int_equal(stream__build(&cfg, 10, &ids, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: 'abc' is not a query id"));
	unlink(replay);

	assert_true(stream__build(&cfg, 10, &ids, err, sizeof(err)) < 0);   /* file gone */
	assert_non_null(strstr(err, "workload.replay_file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sequential_is_identity),
		cmocka_unit_test(test_zipf_frequencies),
		cmocka_unit_test(test_streams_are_deterministic),
		cmocka_unit_test(test_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
