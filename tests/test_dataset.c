/*
 * test_dataset — recall@k arithmetic, and a real (tiny) prepare into a temporary
 * cache: the files, the on-disk IVF index FAISS can read back, exact ground
 * truth, reuse without rewriting, and rebuilds when params or manifests change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/index_io_c.h>

#include "datasets/dataset.h"
#include "harness/dataset_spec.h"
#include "datasets/faiss_bridge.h"
#include "datasets/manifest.h"
#include "datasets/vecio.h"
#include "tests/flip.h"

struct fixture {
	char dir[64];
	struct rb_config cfg;
	struct rb_dataset ds;
	char err[RB_ERR_MAX];
};

/* Every field prepare reads, set by hand so the test does not need config.c. */
static void tiny_config(struct rb_config *c, const char *cache_dir)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->dataset_generator, "synthetic");
	c->dataset_n = 5000;
	c->dataset_dim = 16;
	c->dataset_clusters = 8;
	c->dataset_queries = 50;
	c->dataset_seed = 42;
	c->dataset_normalize = true;
	c->dataset_spread = 0.3;
	strcpy(c->index_factory, "IVF32,Flat");
	strcpy(c->index_kind, "ivf");
	strcpy(c->workload_type, "ivf-search");
	c->index_train_size = 2000;
	snprintf(c->cache_dir, sizeof(c->cache_dir), "%s/cache", cache_dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/rb-dataset-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	tiny_config(&f->cfg, f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	dataset__free(&f->ds);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void prepare_ok(struct fixture *f)
{
	int ret;

	dataset__free(&f->ds);
	ret = dataset_spec__prepare(&f->cfg, &f->ds, f->err, sizeof(f->err));
	if (ret)
		fail_msg("prepare: %d %s", ret, f->err);
}

static void test_recall_at_k(void **state)
{
	const int64_t gt[] = { 1, 2, 3, 4 };
	const int64_t half[] = { 4, 3, 9, 8 };
	const int64_t missing[] = { -1, -1, 1, 2 };
	const int64_t dups[] = { 1, 1, 1, 1 };
	const int64_t beyond_k[] = { 9, 8, 7, 1 };

	(void)state;
	assert_true(dataset__recall_at_k(gt, gt, 4) == 1.0);
	assert_true(dataset__recall_at_k(half, gt, 4) == 0.5);
	assert_true(dataset__recall_at_k(missing, gt, 4) == 0.5);
	assert_true(dataset__recall_at_k(dups, gt, 4) == 0.25);
	assert_true(dataset__recall_at_k(beyond_k, gt, 2) == 0.0); /* only gt[0..k) counts */
	assert_true(dataset__recall_at_k(half, gt, 0) == 0.0);
	assert_true(dataset__recall_at_k(missing, missing, 2) == 0.0); /* -1 never matches */
}

static int64_t size_of(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : (int64_t)st.st_size;
}

struct extent {
	uint64_t off, len;
};

static int extent_cmp(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;

	return (x->off > y->off) - (x->off < y->off);
}

/* The lists' codes and ids tile the .ivfdata: sorted, no overlap, no gap, to the end. */
static void check_extents(FaissIndex *idx, int64_t file_len)
{
	int64_t nlist = rbf_ivf_nlist(idx), l, n = 0;
	struct extent *e = calloc((size_t)nlist * 2, sizeof(*e));
	uint64_t end = 0, total = 0;

	assert_int_equal(nlist, 32);
	for (l = 0; l < nlist; l++) {
		struct extent c, i;

		assert_int_equal(rbf_ivf_list_extents(idx, l, &c.off, &c.len, &i.off, &i.len), 0);
		assert_int_equal(c.len, i.len / 8 * 16 * 4); /* size * code_size vs size * 8 */
		if (c.len)
			e[n++] = c;
		if (i.len)
			e[n++] = i;
		total += i.len / 8;
	}
	assert_int_equal(total, 5000);
	qsort(e, (size_t)n, sizeof(*e), extent_cmp);
	for (l = 0; l < n; l++) {
		assert_int_equal(e[l].off, end);
		end = e[l].off + e[l].len;
	}
	assert_int_equal(end, (uint64_t)file_len);
	assert_int_not_equal(rbf_ivf_list_extents(idx, nlist, &end, &end, &end, &end), 0);
	free(e);
}

/* Ground truth of query 0 against a brute-force scan of base.fvecs. */
static void check_gt_first_query(struct fixture *f)
{
	int64_t n, d, i, j, best[10];
	float *base = NULL;
	double bd[10];

	assert_int_equal(vecio__load(f->ds.base_path, VECIO_FVECS, (void **)&base, &n, &d, f->err,
				     sizeof(f->err)), 0);
	for (j = 0; j < 10; j++) {
		bd[j] = INFINITY;
		best[j] = -1;
	}
	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < d; j++)
			s += (base[i * d + j] - f->ds.queries[j]) * (base[i * d + j] - f->ds.queries[j]);
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
		assert_int_equal(f->ds.gt[j], best[j]);
	free(base);
}

static void check_search_recall(struct fixture *f, FaissIndex *idx)
{
	int64_t nq = f->ds.nq, q, *labels = malloc(sizeof(int64_t) * nq * 10);
	float *dist = malloc(sizeof(float) * nq * 10);

	assert_int_equal(rbf_ivf_set_nprobe(idx, 32), 0);
	assert_int_equal(faiss_Index_search(idx, nq, f->ds.queries, 10, dist, labels), 0);
	for (q = 0; q < nq; q++)
		assert_true(dataset__recall_at_k(labels + q * 10, f->ds.gt + q * f->ds.gt_k, 10) == 1.0);
	free(labels);
	free(dist);
}

static void test_prepare_builds_everything(void **state)
{
	struct fixture *f = *state;
	struct rb_dataset *ds = &f->ds;
	char name[RB_PATH_MAX];
	FaissIndex *idx = NULL;
	int64_t ivf_len;

	prepare_ok(f);
	assert_false(ds->reused_dataset);
	assert_false(ds->reused_index);
	assert_int_equal(ds->n, 5000);
	assert_int_equal(ds->dim, 16);
	assert_int_equal(ds->nq, 50);
	assert_int_equal(ds->gt_k, RB_GT_K);
	assert_int_equal(ds->ivfdata_path[0], '/');
	assert_int_equal(size_of(ds->base_path), 5000 * (4 + 16 * 4));
	assert_int_equal(size_of(ds->queries_path), 50 * (4 + 16 * 4));
	assert_int_equal(size_of(ds->gt_path), 50 * (4 + RB_GT_K * 4));
	assert_true(size_of(ds->index_path) > 0);
	ivf_len = size_of(ds->ivfdata_path);
	assert_int_equal(ivf_len, 5000 * (16 * 4 + 8));

	/* flags 0: the OnDisk lists mmap the .ivfdata by the absolute name they recorded. */
	assert_int_equal(faiss_read_index_fname(ds->index_path, 0, &idx), 0);
	assert_int_equal(faiss_Index_ntotal(idx), 5000);
	assert_int_equal(rbf_ivf_ondisk_filename(idx, name, sizeof(name)), 0);
	assert_string_equal(name, ds->ivfdata_path);
	check_extents(idx, ivf_len);
	check_search_recall(f, idx);
	check_gt_first_query(f);
	faiss_Index_free(idx);
}

struct file_id {
	ino_t ino;
	struct timespec mtime;
};

static struct file_id id_of(const char *path)
{
	struct stat st;
	struct file_id id = { 0 };

	assert_int_equal(stat(path, &st), 0);
	id.ino = st.st_ino;
	id.mtime = st.st_mtim;
	return id;
}

static int same_file(struct file_id a, struct file_id b)
{
	return a.ino == b.ino && a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec;
}

static void test_second_prepare_reuses(void **state)
{
	struct fixture *f = *state;
	struct file_id base, index, ivf;
	char dir[RB_PATH_MAX];

	prepare_ok(f);
	base = id_of(f->ds.base_path);
	index = id_of(f->ds.index_path);
	ivf = id_of(f->ds.ivfdata_path);
	strcpy(dir, f->ds.dir);
	prepare_ok(f);
	assert_true(f->ds.reused_dataset);
	assert_true(f->ds.reused_index);
	assert_string_equal(f->ds.dir, dir);
	assert_true(same_file(base, id_of(f->ds.base_path)));
	assert_true(same_file(index, id_of(f->ds.index_path)));
	assert_true(same_file(ivf, id_of(f->ds.ivfdata_path)));
	assert_int_equal(f->ds.nq, 50);
	assert_non_null(f->ds.gt);
}

static int count_entries(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_changed_params_new_folders(void **state)
{
	struct fixture *f = *state;
	char dir[RB_PATH_MAX], index_dir[RB_PATH_MAX];

	prepare_ok(f);
	strcpy(dir, f->ds.dir);
	strcpy(index_dir, f->ds.index_dir);
	f->cfg.dataset_n = 6000;
	prepare_ok(f);
	assert_false(f->ds.reused_dataset);
	assert_string_not_equal(f->ds.dir, dir);
	assert_int_equal(f->ds.n, 6000);
	assert_int_equal(count_entries(f->cfg.cache_dir), 2);

	/* A different factory is a second index beside the first, same dataset. */
	strcpy(f->cfg.index_factory, "IVF16,Flat");
	prepare_ok(f);
	assert_true(f->ds.reused_dataset);
	assert_false(f->ds.reused_index);
	assert_int_equal(count_entries(f->ds.dir), 6); /* 3 vector files, manifest, 2 indexes */
	assert_int_equal(access(index_dir, F_OK), 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[RB_PATH_MAX + 32];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void test_bad_manifest_rebuilds(void **state)
{
	struct fixture *f = *state;
	struct file_id base, index;
	char path[RB_PATH_MAX + 32];

	prepare_ok(f);
	base = id_of(f->ds.base_path);
	write_file(f->ds.dir, "manifest.json", "{ \"format\": \"rabench-dataset\", ");
	prepare_ok(f);
	assert_false(f->ds.reused_dataset);
	assert_false(f->ds.reused_index);
	assert_false(same_file(base, id_of(f->ds.base_path)));

	/* Missing index manifest: only the index is built again. */
	base = id_of(f->ds.base_path);
	index = id_of(f->ds.index_path);
	snprintf(path, sizeof(path), "%s/manifest.json", f->ds.index_dir);
	assert_int_equal(unlink(path), 0);
	prepare_ok(f);
	assert_true(f->ds.reused_dataset);
	assert_false(f->ds.reused_index);
	assert_true(same_file(base, id_of(f->ds.base_path)));
	assert_false(same_file(index, id_of(f->ds.index_path)));

	/* A file that changed size behind the manifest's back is not trusted either. */
	assert_int_equal(truncate(f->ds.gt_path, 100), 0);
	prepare_ok(f);
	assert_false(f->ds.reused_dataset);
	assert_int_equal(size_of(f->ds.gt_path), 50 * (4 + RB_GT_K * 4));
}

/* flat-scan and chunk-fetch read no index: none is built for them. */
static void test_no_index_without_ivf_workload(void **state)
{
	struct fixture *f = *state;
	DIR *d;
	struct dirent *e;
	int indexes = 0;

	snprintf(f->cfg.workload_type, sizeof(f->cfg.workload_type), "flat-scan");
	prepare_ok(f);
	assert_string_equal(f->ds.index_dir, "");
	assert_string_equal(f->ds.ivfdata_path, "");
	d = opendir(f->ds.dir);
	assert_non_null(d);
	while ((e = readdir(d)))
		indexes += !strncmp(e->d_name, "index-", 6);
	closedir(d);
	assert_int_equal(indexes, 0);
	assert_true(f->ds.queries != NULL && f->ds.gt != NULL);
}

/* Same size, other bytes: the checksums in the manifests catch it. */
static void test_corrupt_files_rebuild(void **state)
{
	struct fixture *f = *state;
	struct file_id base, index;

	prepare_ok(f);
	base = id_of(f->ds.base_path);
	index = id_of(f->ds.index_path);
	flip_byte(f->ds.queries_path, size_of(f->ds.queries_path) / 2);
	prepare_ok(f);
	assert_false(f->ds.reused_dataset);
	assert_false(same_file(base, id_of(f->ds.base_path)));

	/* one byte of the lists: only the index is built again */
	base = id_of(f->ds.base_path);
	index = id_of(f->ds.index_path);
	flip_byte(f->ds.ivfdata_path, 0);
	prepare_ok(f);
	assert_true(f->ds.reused_dataset);
	assert_false(f->ds.reused_index);
	assert_true(same_file(base, id_of(f->ds.base_path)));
	assert_false(same_file(index, id_of(f->ds.index_path)));
	prepare_ok(f);
	assert_true(f->ds.reused_index);
}

/* What the checksum covers: all of a small file, 16 evenly spaced 64 KiB samples of a big one. */
static void test_manifest_digest(void **state)
{
	struct fixture *f = *state;
	char path[RB_PATH_MAX + 32];
	uint64_t a, b, size = 9u << 20;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/big", f->cfg.cache_dir);
	assert_int_equal(mkdir(f->cfg.cache_dir, 0755) == 0 || errno == EEXIST, 1);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (uint64_t i = 0; i < size; i++)
		fputc((int)(i * 7 % 251), fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(manifest__file_digest(path, size, &a), 0);
	flip_byte(path, (long)(size - 1));          /* the last sample ends at the last byte */
	assert_int_equal(manifest__file_digest(path, size, &b), 0);
	assert_true(a != b);
	flip_byte(path, (long)(size - 1));
	assert_int_equal(manifest__file_digest(path, size, &b), 0);
	assert_true(a == b);
	flip_byte(path, 100 << 10);                 /* between the first two samples: not seen */
	assert_int_equal(manifest__file_digest(path, size, &b), 0);
	assert_true(a == b);
	assert_int_equal(truncate(path, (off_t)(size / 2)), 0);
	assert_int_not_equal(manifest__file_digest(path, size, &b), 0);   /* shrank under us */
	unlink(path);
}

static void test_bad_config_errors(void **state)
{
	struct fixture *f = *state;

	strcpy(f->cfg.dataset_generator, "text");
	assert_int_equal(dataset_spec__prepare(&f->cfg, &f->ds, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "dataset.generator"));

	tiny_config(&f->cfg, f->dir);
	strcpy(f->cfg.index_factory, "Flat");
	assert_int_equal(dataset_spec__prepare(&f->cfg, &f->ds, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "not an IVF index"));
	assert_null(f->ds.queries);
	/* The dataset was built and kept; the failed index left no folder behind. */
	assert_int_equal(count_entries(f->cfg.cache_dir), 1);
	assert_int_equal(count_entries(f->ds.dir), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recall_at_k),
		cmocka_unit_test_setup_teardown(test_prepare_builds_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_prepare_reuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_params_new_folders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_manifest_rebuilds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_files_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_index_without_ivf_workload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifest_digest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_config_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
