/*
 * test_vecio — .fvecs/.ivecs round trips, the atomic write (no file until
 * commit, nothing after abort) and the reader's errors on malformed files.
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
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/vecio.h"

struct fixture {
	char dir[64];
	char path[128];
	char err[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/rb-vecio-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/v.fvecs", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Raw records: n headers of `d` and n*d float payloads i + 0.5. */
static void write_raw(const char *path, int32_t d, int n)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (int i = 0; i < n; i++) {
		assert_int_equal(fwrite(&d, 4, 1, fp), 1);
		for (int k = 0; k < d; k++) {
			float v = (float)i + 0.5f;

			assert_int_equal(fwrite(&v, 4, 1, fp), 1);
		}
	}
	assert_int_equal(fclose(fp), 0);
}

static void test_fvecs_round_trip(void **state)
{
	struct fixture *f = *state;
	int64_t n = 3001, dim = 7, rn, rd, i;
	float *x = malloc(sizeof(float) * n * dim), *y = NULL, part[10 * 7];
	struct vecio_writer *w;
	struct vecio_reader *r;

	assert_non_null(x);
	for (i = 0; i < n * dim; i++)
		x[i] = (float)i * 0.25f - 3.0f;
	assert_int_equal(vecio__create(&w, f->path, VECIO_FVECS, dim, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__append(w, x, 1000, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__append(w, x + 1000 * dim, n - 1000, f->err, sizeof(f->err)), 0);
	assert_int_equal(access(f->path, F_OK), -1); /* nothing under the final name yet */
	assert_int_equal(vecio__commit(w, f->err, sizeof(f->err)), 0);

	assert_int_equal(vecio__load(f->path, VECIO_FVECS, (void **)&y, &rn, &rd, f->err, sizeof(f->err)), 0);
	assert_int_equal(rn, n);
	assert_int_equal(rd, dim);
	assert_memory_equal(x, y, sizeof(float) * n * dim);

	assert_int_equal(vecio__open(&r, f->path, VECIO_FVECS, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__read(r, 1500, 10, part, f->err, sizeof(f->err)), 0);
	assert_memory_equal(part, x + 1500 * dim, sizeof(part));
	assert_int_equal(vecio__read(r, n - 5, 10, part, f->err, sizeof(f->err)), -ERANGE);
	vecio__close(r);
	free(x);
	free(y);
}

static void test_ivecs_round_trip(void **state)
{
	struct fixture *f = *state;
	int32_t x[5 * 100], *y = NULL;
	struct vecio_writer *w;
	int64_t rn, rd;

	for (int i = 0; i < 500; i++)
		x[i] = i * 3 - 7;
	snprintf(f->path, sizeof(f->path), "%s/gt.ivecs", f->dir);
	assert_int_equal(vecio__create(&w, f->path, VECIO_IVECS, 100, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__append(w, x, 5, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__commit(w, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__load(f->path, VECIO_IVECS, (void **)&y, &rn, &rd, f->err, sizeof(f->err)), 0);
	assert_int_equal(rn, 5);
	assert_int_equal(rd, 100);
	assert_memory_equal(x, y, sizeof(x));
	free(y);
}

/* vecio__save: the whole file in one call; a bad folder leaves nothing behind. */
static void test_save(void **state)
{
	struct fixture *f = *state;
	int32_t x[3 * 2] = { 1, 2, 3, 4, 5, 6 }, *y = NULL;
	int64_t rn, rd;

	snprintf(f->path, sizeof(f->path), "%s/saved.ivecs", f->dir);
	assert_int_equal(vecio__save(f->path, VECIO_IVECS, x, 3, 2, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__load(f->path, VECIO_IVECS, (void **)&y, &rn, &rd, f->err, sizeof(f->err)), 0);
	assert_int_equal(rn, 3);
	assert_int_equal(rd, 2);
	assert_memory_equal(x, y, sizeof(x));
	free(y);
	snprintf(f->path, sizeof(f->path), "%s/no-such-folder/saved.ivecs", f->dir);
	f->err[0] = '\0';
	assert_int_not_equal(vecio__save(f->path, VECIO_IVECS, x, 3, 2, f->err, sizeof(f->err)), 0);
	assert_non_null(strstr(f->err, "no-such-folder"));
}

static void test_abort_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct vecio_writer *w;
	char tmp[160];
	float x[4] = { 1, 2, 3, 4 };

	assert_int_equal(vecio__create(&w, f->path, VECIO_FVECS, 4, f->err, sizeof(f->err)), 0);
	assert_int_equal(vecio__append(w, x, 1, f->err, sizeof(f->err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", f->path, (int)getpid());
	assert_int_equal(access(tmp, F_OK), 0);
	vecio__abort(w);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(access(f->path, F_OK), -1);
	vecio__abort(NULL);
}

static int load_err(struct fixture *f)
{
	int64_t n, d;
	void *x = (void *)1;
	int ret;

	f->err[0] = '\0';
	ret = vecio__load(f->path, VECIO_FVECS, &x, &n, &d, f->err, sizeof(f->err));
	assert_null(x);
	assert_non_null(strstr(f->err, f->path)); /* every message names the file */
	return ret;
}

static void test_truncated_file(void **state)
{
	struct fixture *f = *state;

	write_raw(f->path, 8, 10);
	assert_int_equal(truncate(f->path, 10 * 36 - 3), 0);
	assert_int_equal(load_err(f), -EINVAL);
	assert_non_null(strstr(f->err, "not a multiple of the record size 36"));
}

static void test_zero_length_file(void **state)
{
	struct fixture *f = *state;

	write_raw(f->path, 8, 0);
	assert_int_equal(load_err(f), -EINVAL);
	assert_non_null(strstr(f->err, "empty file"));
}

static void test_short_header(void **state)
{
	struct fixture *f = *state;

	write_raw(f->path, 8, 1);
	assert_int_equal(truncate(f->path, 2), 0);
	assert_int_equal(load_err(f), -EINVAL);
	assert_non_null(strstr(f->err, "truncated"));
}

/* Record 1 claims d=5 while the others have d=4; the size is still a multiple. */
static void test_inconsistent_dimension(void **state)
{
	struct fixture *f = *state;
	int32_t bad = 5;
	FILE *fp;

	write_raw(f->path, 4, 3);
	fp = fopen(f->path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 20, SEEK_SET), 0);
	assert_int_equal(fwrite(&bad, 4, 1, fp), 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(load_err(f), -EINVAL);
	assert_non_null(strstr(f->err, "inconsistent dimension: record 1 has d=5"));

	/* The last record's header is checked at open already. */
	write_raw(f->path, 4, 3);
	fp = fopen(f->path, "r+");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 40, SEEK_SET), 0);
	assert_int_equal(fwrite(&bad, 4, 1, fp), 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(load_err(f), -EINVAL);
	assert_non_null(strstr(f->err, "record 2 has d=5"));
}

static void test_bad_first_dimension(void **state)
{
	struct fixture *f = *state;

	write_raw(f->path, -3, 1);
	assert_int_equal(load_err(f), -EINVAL);
	assert_non_null(strstr(f->err, "bad dimension d=-3"));
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;

	snprintf(f->path, sizeof(f->path), "%s/nope.fvecs", f->dir);
	assert_int_equal(load_err(f), -ENOENT);
	assert_non_null(strstr(f->err, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fvecs_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ivecs_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_length_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inconsistent_dimension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_first_dimension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
