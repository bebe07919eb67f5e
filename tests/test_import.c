/*
 * test_import — the importers on files written byte by byte here, as someone
 * else's tools would: TEXMEX .fvecs/.bvecs/.ivecs, big-ann-benchmarks
 * .fbin/.u8bin/.ibin and IDX (gzip or not), good and malformed (zero-length,
 * truncated, header vs size, bad and inconsistent dimensions, unknown format);
 * every error names the file. Then whole imports through dataset__prepare:
 * computed and given ground truth, relative paths, fashion-mnist from tiny IDX
 * files, and the cross-file checks (query dimension, ground-truth ids, caps).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "datasets/dataset.h"
#include "harness/dataset_spec.h"
#include "datasets/import.h"
#include "datasets/vecio.h"

struct fixture {
	char dir[64];
	char path[160];
	char err[RB_ERR_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	mkdir("build", 0755);
	strcpy(f->dir, "build/test-import-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
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

/* ---- writing files by hand ---- */

struct fmt {
	const char *ext;
	enum vecio_format id;
	int elem;        /* bytes: 1 or 4 */
	int is_float;
	int bin;         /* one n, d header instead of one d per row */
};

static const struct fmt fmts[] = {
	{ "fvecs", VECIO_FVECS, 4, 1, 0 }, { "bvecs", VECIO_BVECS, 1, 0, 0 },
	{ "ivecs", VECIO_IVECS, 4, 0, 0 }, { "fbin", VECIO_FBIN, 4, 1, 1 },
	{ "u8bin", VECIO_U8BIN, 1, 0, 1 }, { "ibin", VECIO_IBIN, 4, 0, 1 },
};

static void put_elem(FILE *fp, const struct fmt *t, int v)
{
	float fv = (float)v + 0.5f * t->is_float;
	int32_t iv = v;
	uint8_t bv = (uint8_t)v;

	if (t->elem == 1)
		assert_int_equal(fwrite(&bv, 1, 1, fp), 1);
	else if (t->is_float)
		assert_int_equal(fwrite(&fv, 4, 1, fp), 1);
	else
		assert_int_equal(fwrite(&iv, 4, 1, fp), 1);
}

/* n rows of d elements, value row * d + col (+0.5 for floats); hdr_d in each header. */
static void write_vectors(const char *path, const struct fmt *t, uint32_t n, uint32_t d,
			  int32_t bad_row, int32_t bad_d)
{
	FILE *fp = fopen(path, "w");
	uint32_t i, j;

	assert_non_null(fp);
	if (t->bin) {
		assert_int_equal(fwrite(&n, 4, 1, fp), 1);
		assert_int_equal(fwrite(&d, 4, 1, fp), 1);
	}
	for (i = 0; i < n; i++) {
		int32_t hd = (int32_t)i == bad_row ? bad_d : (int32_t)d;

		if (!t->bin)
			assert_int_equal(fwrite(&hd, 4, 1, fp), 1);
		for (j = 0; j < d; j++)
			put_elem(fp, t, (int)(i * d + j));
	}
	assert_int_equal(fclose(fp), 0);
}

static void expect_load_error(struct fixture *f, const char *needle)
{
	float *x = NULL;
	int64_t n, d;

	assert_int_not_equal(import__load_vectors(f->path, 100, &x, &n, &d, f->err,
						  sizeof(f->err)), 0);
	assert_null(x);
	if (!strstr(f->err, f->path) || !strstr(f->err, needle))
		fail_msg("error '%s' lacks the file or '%s'", f->err, needle);
}

static void test_formats_good(void **state)
{
	struct fixture *f = *state;
	size_t k;
	float *x;
	int64_t n, d, i;

	for (k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		snprintf(f->path, sizeof(f->path), "%s/v.%s", f->dir, fmts[k].ext);
		write_vectors(f->path, &fmts[k], 5, 3, -1, 0);
		assert_int_equal(vecio__format_of(f->path), (int)fmts[k].id);
		assert_int_equal(import__load_vectors(f->path, 100, &x, &n, &d, f->err,
						      sizeof(f->err)), 0);
		assert_int_equal(n, 5);
		assert_int_equal(d, 3);
		for (i = 0; i < n * d; i++)
			assert_true(x[i] == (float)i + 0.5f * fmts[k].is_float);
		free(x);
		/* the first max_n rows only */
		assert_int_equal(import__load_vectors(f->path, 2, &x, &n, &d, f->err,
						      sizeof(f->err)), 0);
		assert_int_equal(n, 2);
		assert_true(x[5] == 5.0f + 0.5f * fmts[k].is_float);
		free(x);
	}
}

static void test_formats_malformed(void **state)
{
	struct fixture *f = *state;
	const struct fmt *t;
	size_t k;

	for (k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		t = &fmts[k];
		snprintf(f->path, sizeof(f->path), "%s/bad.%s", f->dir, t->ext);
		fclose(fopen(f->path, "w"));
		expect_load_error(f, "zero-length");
		write_vectors(f->path, t, 4, 3, -1, 0);
		assert_int_equal(truncate(f->path, t->bin ? 8 + 3 * 3 * t->elem + 1 : 4 + 3 * t->elem + 2), 0);
		expect_load_error(f, t->bin ? "truncated" : "not a multiple");
		if (t->bin) {
			/* the header promises 4 rows, 5 follow */
			write_vectors(f->path, t, 5, 3, -1, 0);
			FILE *fp = fopen(f->path, "r+");
			uint32_t four = 4;

			assert_int_equal(fwrite(&four, 4, 1, fp), 1);
			fclose(fp);
			expect_load_error(f, "trailing bytes");
			write_vectors(f->path, t, 4, 0, -1, 0);
			expect_load_error(f, "bad dimension d=0");
			assert_int_equal(truncate(f->path, 5), 0);
			expect_load_error(f, "shorter than the 8-byte header");
			continue;
		}
		/* a first record of dimension 0, then one that disagrees with record 0 */
		write_vectors(f->path, t, 3, 3, 0, 0);
		expect_load_error(f, "bad dimension d=0");
		write_vectors(f->path, t, 3, 3, 1, 4);
		expect_load_error(f, "inconsistent dimension: record 1");
		write_vectors(f->path, t, 3, 3, 2, 7);
		expect_load_error(f, "inconsistent dimension: record 2");
		assert_int_equal(truncate(f->path, 2), 0);
		expect_load_error(f, "truncated");
	}
	snprintf(f->path, sizeof(f->path), "%s/v.csv", f->dir);
	expect_load_error(f, "unknown format");
	snprintf(f->path, sizeof(f->path), "%s/missing.fvecs", f->dir);
	expect_load_error(f, "cannot open");
}

/* ---- IDX ---- */

/* An IDX file: magic 0 0 type nd, nd big-endian dims, then the bytes; gz or plain. */
static void write_idx(const char *path, int gz, uint8_t type, uint32_t n, uint32_t r, uint32_t c,
		      int64_t payload)
{
	uint8_t hdr[16] = { 0, 0, type, 3 };
	uint32_t dims[3] = { n, r, c };
	gzFile g = gzopen(path, gz ? "wb" : "wbT");
	int64_t i;
	int k;

	assert_non_null(g);
	for (k = 0; k < 3; k++) {
		hdr[4 + 4 * k] = (uint8_t)(dims[k] >> 24);
		hdr[5 + 4 * k] = (uint8_t)(dims[k] >> 16);
		hdr[6 + 4 * k] = (uint8_t)(dims[k] >> 8);
		hdr[7 + 4 * k] = (uint8_t)dims[k];
	}
	assert_int_equal(gzwrite(g, hdr, 16), 16);
	for (i = 0; i < payload; i++) {
		uint8_t b = (uint8_t)(i * 7 + 3);

		assert_int_equal(gzwrite(g, &b, 1), 1);
	}
	assert_int_equal(gzclose(g), Z_OK);
}

static void expect_idx_error(struct fixture *f, const char *needle)
{
	uint8_t *px = NULL;
	int64_t n, d;

	assert_int_not_equal(import__load_idx(f->path, &px, &n, &d, f->err, sizeof(f->err)), 0);
	assert_null(px);
	if (!strstr(f->err, f->path) || !strstr(f->err, needle))
		fail_msg("error '%s' lacks the file or '%s'", f->err, needle);
}

static void test_idx(void **state)
{
	struct fixture *f = *state;
	uint8_t *px;
	int64_t n, d, i;
	int gz;
	FILE *fp;

	for (gz = 0; gz < 2; gz++) {
		snprintf(f->path, sizeof(f->path), "%s/img-%d.idx", f->dir, gz);
		write_idx(f->path, gz, 0x08, 4, 2, 3, 24);
		assert_int_equal(import__load_idx(f->path, &px, &n, &d, f->err, sizeof(f->err)), 0);
		assert_int_equal(n, 4);
		assert_int_equal(d, 6);
		for (i = 0; i < 24; i++)
			assert_int_equal(px[i], (uint8_t)(i * 7 + 3));
		free(px);
		write_idx(f->path, gz, 0x08, 5, 2, 3, 24);
		expect_idx_error(f, "truncated");
		write_idx(f->path, gz, 0x08, 4, 2, 3, 25);
		expect_idx_error(f, "trailing bytes");
		write_idx(f->path, gz, 0x0D, 4, 2, 3, 96);
		expect_idx_error(f, "element type 0x0d");
		write_idx(f->path, gz, 0x08, 0, 2, 3, 0);
		expect_idx_error(f, "bad IDX shape");
	}
	fp = fopen(f->path, "w");
	fputs("P5 28 28 255\n", fp);
	fclose(fp);
	expect_idx_error(f, "not an IDX file");
	fclose(fopen(f->path, "w"));
	expect_idx_error(f, "zero-length");
	/* a gzip header, then garbage */
	fp = fopen(f->path, "w");
	fwrite("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage-garbage", 1, 33, fp);
	fclose(fp);
	expect_idx_error(f, f->path);
}

/* ---- whole imports ---- */

static void import_config(struct rb_config *c, struct fixture *f)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->dataset_generator, "import");
	snprintf(c->source, sizeof(c->source), "%s/cfg.yaml", f->dir);   /* paths relative to it */
	strcpy(c->dataset_base, "base.u8bin");
	strcpy(c->dataset_queries_file, "queries.bvecs");
	c->dataset_n = 1000000;
	c->dataset_queries = 1000;
	c->dataset_dim = 128;            /* ignored: the files decide */
	c->dataset_seed = 1;
	strcpy(c->index_factory, "IVF8,Flat");
	strcpy(c->index_kind, "ivf");
	strcpy(c->workload_type, "ivf-search");
	c->index_train_size = 2000;
	c->workload_k = 10;
	c->workload_queries = 30;
	snprintf(c->cache_dir, sizeof(c->cache_dir), "%s/cache", f->dir);
}

/* Random uint8 rows: n x d into path (u8bin or bvecs). */
static void write_random_u8(const char *path, int bin, uint32_t n, uint32_t d, uint64_t seed)
{
	FILE *fp = fopen(path, "w");
	uint32_t i, j;

	assert_non_null(fp);
	if (bin) {
		fwrite(&n, 4, 1, fp);
		fwrite(&d, 4, 1, fp);
	}
	for (i = 0; i < n; i++) {
		if (!bin)
			fwrite(&d, 4, 1, fp);
		for (j = 0; j < d; j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			fputc((int)(seed >> 56), fp);
		}
	}
	assert_int_equal(fclose(fp), 0);
}

static void expect_prepare_error(struct fixture *f, struct rb_config *c, const char *a,
				 const char *b)
{
	struct rb_dataset ds;

	assert_int_not_equal(dataset_spec__prepare(c, &ds, f->err, sizeof(f->err)), 0);
	if (!strstr(f->err, a) || !strstr(f->err, b))
		fail_msg("error '%s' lacks '%s' or '%s'", f->err, a, b);
}

/* ds.gt row 0 against a scan (ties: the smaller id first, as the ground truth orders them). */
static void check_first_neighbours(struct rb_dataset *ds, struct fixture *f)
{
	int64_t n, d, i, j, best[10];
	double bd[10];
	float *base;

	assert_int_equal(vecio__load(ds->base_path, VECIO_FVECS, (void **)&base, &n, &d, f->err,
				     sizeof(f->err)), 0);
	for (j = 0; j < 10; j++)
		bd[j] = INFINITY;
	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < d; j++)
			s += (base[i * d + j] - ds->queries[j]) * (base[i * d + j] - ds->queries[j]);
		for (j = 9; j >= 0 && s < bd[j]; j--) {
			if (j < 9) {
				bd[j + 1] = bd[j];
				best[j + 1] = best[j];
			}
			bd[j] = s;
			best[j] = i;
		}
	}
	for (j = 0; j < 10; j++)
		assert_int_equal(ds->gt[j], best[j]);
	free(base);
}

static void test_import_dataset(void **state)
{
	struct fixture *f = *state;
	struct rb_config c;
	struct rb_dataset ds;
	char p[200];
	int32_t row[11];
	FILE *fp;
	int q;

	import_config(&c, f);
	snprintf(p, sizeof(p), "%s/base.u8bin", f->dir);
	write_random_u8(p, 1, 3000, 8, 1);
	snprintf(p, sizeof(p), "%s/queries.bvecs", f->dir);
	write_random_u8(p, 0, 40, 8, 2);
	/* normalised: the ground truth is computed on what was imported */
	c.dataset_normalize = true;
	if (dataset_spec__prepare(&c, &ds, f->err, sizeof(f->err)))
		fail_msg("prepare: %s", f->err);
	assert_int_equal(ds.n, 3000);
	assert_int_equal(ds.dim, 8);
	assert_int_equal(ds.nq, 40);
	assert_int_equal(ds.gt_k, 100);
	assert_null(ds.query_chunk);
	assert_non_null(strstr(ds.dir, "/import-"));
	assert_true(fabs(ds.queries[0] * ds.queries[0] + ds.queries[1] * ds.queries[1] +
			 ds.queries[2] * ds.queries[2] + ds.queries[3] * ds.queries[3] +
			 ds.queries[4] * ds.queries[4] + ds.queries[5] * ds.queries[5] +
			 ds.queries[6] * ds.queries[6] + ds.queries[7] * ds.queries[7] - 1) < 1e-5);
	check_first_neighbours(&ds, f);
	dataset__free(&ds);

	/* caps: the first 2500 base vectors and 35 queries */
	c.dataset_n = 2500;
	c.dataset_queries = 35;
	assert_int_equal(dataset_spec__prepare(&c, &ds, f->err, sizeof(f->err)), 0);
	assert_int_equal(ds.n, 2500);
	assert_int_equal(ds.nq, 35);
	dataset__free(&ds);
	c.workload_queries = 36;
	expect_prepare_error(f, &c, "workload.queries", "only 35 queries");
	c.workload_queries = 30;

	/* a given ground truth is used as it is (ids 11 per row: i, i+1, ...) */
	snprintf(p, sizeof(p), "%s/gt.ivecs", f->dir);
	fp = fopen(p, "w");
	for (q = 0; q < 40; q++) {
		row[0] = 10;
		for (int j = 1; j <= 10; j++)
			row[j] = q + j;
		fwrite(row, 4, 11, fp);
	}
	fclose(fp);
	strcpy(c.dataset_groundtruth, "gt.ivecs");
	expect_prepare_error(f, &c, "dataset.groundtruth", "dataset.normalize: false");
	c.dataset_normalize = false;
	expect_prepare_error(f, &c, "dataset.groundtruth", "raise dataset.n");
	c.dataset_n = 3000;
	assert_int_equal(dataset_spec__prepare(&c, &ds, f->err, sizeof(f->err)), 0);
	assert_int_equal(ds.gt_k, 10);
	assert_int_equal(ds.gt[5 * 10 + 2], 5 + 3);
	dataset__free(&ds);
	c.workload_k = 11;
	expect_prepare_error(f, &c, "workload.k", "only 10 neighbours");
	c.workload_k = 10;
	/* an id outside the base */
	fp = fopen(p, "r+");
	fseek(fp, 4, SEEK_SET);
	row[0] = 3000;
	fwrite(row, 4, 1, fp);
	fclose(fp);
	expect_prepare_error(f, &c, "gt.ivecs", "row 0 has id 3000");
	c.dataset_groundtruth[0] = '\0';

	/* queries of another dimension */
	snprintf(p, sizeof(p), "%s/queries.bvecs", f->dir);
	write_random_u8(p, 0, 40, 9, 2);
	expect_prepare_error(f, &c, "dataset.queries_file", "wrong dimension: d=9");
	/* a missing source names its key */
	strcpy(c.dataset_queries_file, "nope.fbin");
	expect_prepare_error(f, &c, "dataset.queries_file", "nope.fbin");
}

static void test_fashion_mnist_tiny(void **state)
{
	struct fixture *f = *state;
	struct rb_config c;
	struct rb_dataset ds;
	char p[200];

	import_config(&c, f);
	strcpy(c.dataset_generator, "fashion-mnist");
	strcpy(c.dataset_base, ".");   /* the IDX folder: the config's own */
	c.dataset_queries = 20;
	c.workload_queries = 20;
	snprintf(p, sizeof(p), "%s/train-images-idx3-ubyte.gz", f->dir);
	write_idx(p, 1, 0x08, 1200, 4, 4, 1200 * 16);
	snprintf(p, sizeof(p), "%s/t10k-images-idx3-ubyte.gz", f->dir);
	write_idx(p, 1, 0x08, 25, 4, 4, 25 * 16);
	if (dataset_spec__prepare(&c, &ds, f->err, sizeof(f->err)))
		fail_msg("prepare: %s", f->err);
	assert_int_equal(ds.n, 1200);
	assert_int_equal(ds.dim, 16);
	assert_int_equal(ds.nq, 20);
	assert_non_null(strstr(ds.dir, "/fmnist-"));
	assert_true(ds.queries[1] == (float)(uint8_t)(1 * 7 + 3));   /* raw pixels */
	dataset__free(&ds);
	write_idx(p, 1, 0x08, 25, 5, 5, 25 * 25);
	expect_prepare_error(f, &c, "t10k-images", "wrong dimension");
	strcpy(c.dataset_base, "none");
	expect_prepare_error(f, &c, "fashion-mnist", "none/train-images-idx3-ubyte");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_formats_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_formats_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_dataset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fashion_mnist_tiny, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
