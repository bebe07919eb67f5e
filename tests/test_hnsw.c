/*
 * test_hnsw — the HNSW bridge (datasets/hnsw_bridge.h) on a real graph built
 * with hnswlib and saved to disk: the search from the mmap returns exactly what
 * hnswlib's own searchKnn returns on the same file loaded into memory; recall
 * against brute force; the nodes it reports are the ones it read; a cold search
 * with readahead off (MADV_RANDOM on the mapping) takes one major fault per new
 * page it touches; files that are not an hnswlib index of this dimension are
 * refused with a message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/hnsw_bridge.h"

#define N 6000
#define DIM 24
#define NQ 40
#define K 10
#define EF 48
#define PAGE 4096ULL

struct fixture {
	char dir[64];
	char path[128];
	float *x, *q;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static float frand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) - 0.5f;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/rb-hnsw-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hnsw.bin", f->dir);
	f->x = malloc(sizeof(float) * N * DIM);
	f->q = malloc(sizeof(float) * NQ * DIM);
	if (!f->x || !f->q)
		return -1;
	for (i = 0; i < N * DIM; i++)
		f->x[i] = frand();
	for (i = 0; i < NQ * DIM; i++)
		f->q[i] = frand();
	if (rbh_build(f->x, N, DIM, 8, 60, 2, f->path, NULL, NULL, NULL)) {
		fprintf(stderr, "build: %s\n", rbh_last_error());
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f->x);
	free(f->q);
	free(f);
	return 0;
}

static float l2(const float *a, const float *b)
{
	float s = 0, d;
	int i;

	for (i = 0; i < DIM; i++) {
		d = a[i] - b[i];
		s += d * d;
	}
	return s;
}

/* The exact K nearest of q (ids), by brute force. */
static void exact(const struct fixture *f, const float *q, int64_t *ids)
{
	float best[K];
	int i, j, m;

	for (i = 0; i < K; i++) {
		best[i] = 1e30f;
		ids[i] = -1;
	}
	for (i = 0; i < N; i++) {
		float d = l2(q, f->x + (size_t)i * DIM);

		if (d >= best[K - 1])
			continue;
		for (m = K - 1; m > 0 && best[m - 1] > d; m--) {
			best[m] = best[m - 1];
			ids[m] = ids[m - 1];
		}
		best[m] = d;
		ids[m] = i;
	}
	(void)j;
}

static void test_mapped_search_is_hnswlibs(void **state)
{
	struct fixture *f = *state;
	struct rbh_index *mapped, *mem;
	int64_t a[K], b[K], truth[K], nv;
	float da[K], db[K];
	int32_t *vis = malloc(sizeof(int32_t) * N);
	char *seen = malloc(N);
	int qi, i, j, hits = 0;

	assert_non_null(vis);
	assert_non_null(seen);
	assert_int_equal(rbh_open(f->path, DIM, 1, &mapped), 0);
	assert_int_equal(rbh_open(f->path, DIM, 0, &mem), 0);
	assert_int_equal(rbh_count(mapped), N);
	assert_int_equal(rbh_m(mapped), 8);
	for (qi = 0; qi < NQ; qi++) {
		const float *q = f->q + (size_t)qi * DIM;

		assert_int_equal(rbh_search(mapped, q, K, EF, a, da, vis, N, &nv), 0);
		assert_int_equal(rbh_search_library(mem, q, K, EF, b, db), 0);
		for (i = 0; i < K; i++) {
			assert_int_equal(a[i], b[i]);
			assert_true(da[i] == db[i]);
		}
		/* hnswlib's own search on the mapped index agrees too */
		assert_int_equal(rbh_search_library(mapped, q, K, EF, b, db), 0);
		assert_memory_equal(a, b, sizeof(a));
		/* the nodes it read (the greedy upper levels may read one twice): in the graph */
		assert_true(nv >= K && nv <= N);
		memset(seen, 0, N);
		for (i = 0, j = 0; i < nv; i++) {
			assert_true(vis[i] >= 0 && vis[i] < N);
			j += !seen[vis[i]];
			seen[vis[i]] = 1;
		}
		assert_true(j >= K);
		exact(f, q, truth);
		for (i = 0; i < K; i++)
			for (j = 0; j < K; j++)
				hits += a[i] == truth[j];
	}
	/* a real graph: most true neighbours found at ef 48 on 6000 random points */
	assert_true(hits >= (int)(0.8 * NQ * K));
	rbh_close(mapped);
	rbh_close(mem);
	free(vis);
	free(seen);
}

static long majflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static long distinct(uint64_t *p, long n)
{
	long i, m = 0;

	qsort(p, (size_t)n, sizeof(*p), cmp_u64);
	for (i = 0; i < n; i++)
		m += !i || p[i] != p[i - 1];
	return m;
}

/*
 * Cold, readahead off: every page the search touches is one major fault. It
 * reads each visited node's vector (so at least those pages) and at most each
 * visited node's whole record (links, vector, label).
 */
static void test_cold_random_one_fault_per_page(void **state)
{
	struct fixture *f = *state;
	struct rbh_index *h;
	uint64_t off0, node, *lo, *hi, a, z;
	int64_t ids[K], nv;
	float d[K];
	int32_t *vis = malloc(sizeof(int32_t) * N);
	long nlo = 0, nhi = 0, before, faults;
	size_t len;
	void *map;
	int fd, i;

	assert_non_null(vis);
	lo = malloc(sizeof(*lo) * N * 4);
	hi = malloc(sizeof(*hi) * N * 4);
	assert_non_null(lo);
	assert_non_null(hi);
	assert_int_equal(rbh_open(f->path, DIM, 1, &h), 0);
	map = rbh_mapping(h, &len);
	assert_non_null(map);
	assert_int_equal(madvise(map, len, MADV_RANDOM), 0);
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	/* just written: clean the pages first, DONTNEED leaves dirty ones */
	assert_int_equal(fdatasync(fd), 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
	rbh_level0(h, &off0, &node);
	before = majflt();
	assert_int_equal(rbh_search(h, f->q, K, EF, ids, d, vis, N, &nv), 0);
	faults = majflt() - before;
	for (i = 0; i < nv; i++) {
		uint64_t start = off0 + (uint64_t)vis[i] * node;
		uint64_t vec = start + (node - 8 - DIM * 4);	/* links, then the vector, then the label */

		for (a = vec / PAGE, z = (vec + DIM * 4 - 1) / PAGE; a <= z; a++)
			lo[nlo++] = a;
		for (a = start / PAGE, z = (start + node - 1) / PAGE; a <= z; a++)
			hi[nhi++] = a;
	}
	nlo = distinct(lo, nlo);
	nhi = distinct(hi, nhi);
	print_message("# %ld nodes read, %ld..%ld pages, %ld major faults\n", (long)nv, nlo, nhi,
		      faults);
	assert_true(faults >= nlo && faults <= nhi);
	rbh_close(h);
	free(lo);
	free(hi);
	free(vis);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void test_not_an_index_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rbh_index *h = NULL;
	char bad[160], *buf;
	struct stat st;
	int fd;

	/* another dimension */
	assert_int_equal(rbh_open(f->path, DIM + 1, 1, &h), -1);
	assert_non_null(strstr(rbh_last_error(), "not an hnswlib L2 index of 25-dimensional"));
	assert_int_equal(rbh_open(f->path, DIM + 1, 0, &h), -1);
	/* short, and truncated in the middle */
	snprintf(bad, sizeof(bad), "%s/short.bin", f->dir);
	write_file(bad, "RBCHUNK1", 8);
	assert_int_equal(rbh_open(bad, DIM, 1, &h), -1);
	assert_non_null(strstr(rbh_last_error(), "shorter than its header"));
	assert_int_equal(stat(f->path, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	fd = open(f->path, O_RDONLY);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	snprintf(bad, sizeof(bad), "%s/cut.bin", f->dir);
	write_file(bad, buf, (size_t)st.st_size / 2);
	assert_int_equal(rbh_open(bad, DIM, 1, &h), -1);
	assert_non_null(strstr(rbh_last_error(), bad));
	/* a header that lies about its sizes */
	memset(buf + 24, 0xff, 8);
	snprintf(bad, sizeof(bad), "%s/lies.bin", f->dir);
	write_file(bad, buf, (size_t)st.st_size);
	assert_int_equal(rbh_open(bad, DIM, 1, &h), -1);
	assert_int_equal(rbh_open("/nonexistent/hnsw.bin", DIM, 1, &h), -1);
	assert_non_null(strstr(rbh_last_error(), "/nonexistent/hnsw.bin"));
	assert_null(h);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapped_search_is_hnswlibs),
		cmocka_unit_test(test_cold_random_one_fault_per_page),
		cmocka_unit_test(test_not_an_index_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
