/*
 * flat-scan — exact k-NN by scanning the dataset's base vectors on disk, as users
 * do for exact search, re-ranking and re-indexing: every query reads the whole
 * base.fvecs front to back with pread in fixed blocks (no mmap), so the file's
 * readahead state, and the advice strategies give its fd, decide how the reads
 * reach the device. Sequential by nature: the case where random advice loses.
 *
 * Distances: OpenBLAS (sgemv) gives <x, q> for a whole block, and
 * ||x||^2 - 2<x, q> (+ ||q||^2) nominates candidates; a candidate's distance is
 * then recomputed as sum (x - q)^2, the arithmetic the ground truth's final
 * ranking uses (datasets/dataset.c), so the top-k is exact and recall is 1.0 up
 * to ties. The k best are kept in a max-heap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cblas.h>

#include "workload.h"
#include "datasets/dataset.h"

/* Bytes per pread: a common scan buffer, small next to the 8 MiB readahead window. */
#define FLAT_BLOCK_BYTES (1 << 20)
/*
 * The BLAS form loses low bits to cancellation; a row is re-checked exactly when
 * its estimate is within this fraction of ||x||^2 + ||q||^2 of the k-th best,
 * far more than float rounding can move it.
 */
#define FLAT_SLACK 1e-4f

struct neighbour {
	float dist;
	int64_t id;
};

struct flat_scan {
	const struct rb_dataset *ds;
	int64_t k, dim, n;
	size_t row_floats;          /* dim + 1: the int32 header, then dim float32 */
	int64_t block_rows;
	struct rb_extent extent;    /* the whole file */
};

/* What one client's scans write. */
struct flat_scan_client {
	const struct flat_scan *s;
	float *block;               /* block_rows * row_floats */
	float *ip;                  /* block_rows inner products */
	struct neighbour *heap;     /* max-heap of the k best so far */
	int64_t n_heap;
	int64_t *ids;               /* the result, nearest first */
};

static int flat_scan_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
				char paths[][512], int max)
{
	(void)wp;
	if (max < 1)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->base_path);
	return 1;
}

static void flat_scan_close(struct rb_workload *w)
{
	struct flat_scan *s = w->priv;

	if (w->n_files && w->files[0].fd >= 0)
		close(w->files[0].fd);
	w->n_files = 0;
	free(s);
	w->priv = NULL;
}

static void flat_scan_client_close(struct rb_client *c)
{
	struct flat_scan_client *fc = c->priv;

	if (!fc)
		return;
	free(fc->block);
	free(fc->ip);
	free(fc->heap);
	free(fc->ids);
	free(fc);
	c->priv = NULL;
}

static int flat_scan_client_open(struct rb_client *c)
{
	const struct flat_scan *s = c->w->priv;
	struct flat_scan_client *fc = calloc(1, sizeof(*fc));

	if (!fc)
		return -ENOMEM;
	c->priv = fc;
	fc->s = s;
	fc->block = malloc(s->block_rows * s->row_floats * sizeof(float));
	fc->ip = malloc(s->block_rows * sizeof(float));
	fc->heap = malloc(s->k * sizeof(*fc->heap));
	fc->ids = malloc(s->k * sizeof(*fc->ids));
	if (fc->block && fc->ip && fc->heap && fc->ids)
		return 0;
	flat_scan_client_close(c);
	return -ENOMEM;
}

/* Open base.fvecs and check it holds exactly n rows of dim floats. */
static int flat_scan_open_file(struct rb_workload *w, const struct flat_scan *s, char *err,
			       size_t errlen)
{
	struct rb_file *f = &w->files[0];
	uint64_t want = (uint64_t)s->n * s->row_floats * sizeof(float);
	struct stat st;
	int rc;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", s->ds->base_path);
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open the base vectors: %s", f->path,
			 strerror(-rc));
		return rc;
	}
	w->n_files = 1;
	if (fstat(f->fd, &st) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", f->path, strerror(-rc));
		return rc;
	}
	f->size = (uint64_t)st.st_size;
	if (f->size != want) {
		snprintf(err, errlen, "%s: %llu bytes, expected %llu (%lld vectors of dim %lld)",
			 f->path, (unsigned long long)f->size, (unsigned long long)want,
			 (long long)s->n, (long long)s->dim);
		return -EINVAL;
	}
	return 0;
}

static int flat_scan_open(struct rb_workload *w, const struct rb_workload_params *wp,
			  const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct flat_scan *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	s->ds = ds;
	s->k = wp->k;
	s->dim = ds->dim;
	s->n = ds->n;
	s->row_floats = (size_t)s->dim + 1;
	s->block_rows = FLAT_BLOCK_BYTES / (s->row_floats * sizeof(float));
	if (s->block_rows < 1)
		s->block_rows = 1;
	rc = flat_scan_open_file(w, s, err, errlen);
	if (rc) {
		flat_scan_close(w);
		return rc;
	}
	s->extent = (struct rb_extent){ .file = 0, .offset = 0, .len = w->files[0].size };
	return 0;
}

/* a ranks after b: farther, or as far with a larger id (a fixed order for ties). */
static int worse(const struct neighbour *a, const struct neighbour *b)
{
	return a->dist > b->dist || (a->dist == b->dist && a->id > b->id);
}

static void heap_sift_down(struct neighbour *h, int64_t n, int64_t i)
{
	for (;;) {
		int64_t l = 2 * i + 1, r = l + 1, m = i;
		struct neighbour t;

		if (l < n && worse(&h[l], &h[m]))
			m = l;
		if (r < n && worse(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_push(struct flat_scan_client *fc, float dist, int64_t id)
{
	struct neighbour c = { dist, id }, *h = fc->heap;
	int64_t i, p;

	if (fc->n_heap == fc->s->k) {
		if (!worse(&h[0], &c))
			return;
		h[0] = c;
		heap_sift_down(h, fc->n_heap, 0);
		return;
	}
	/* sift up: the worst of the k stays on top */
	for (i = fc->n_heap++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!worse(&c, &h[p]))
			break;
		h[i] = h[p];
	}
	h[i] = c;
}

/* sum (x - q)^2 in double: the exact distance a candidate is ranked by. */
static float l2sqr(const float *x, const float *q, int64_t dim)
{
	double sum = 0;
	int64_t i;

	for (i = 0; i < dim; i++) {
		double d = (double)x[i] - q[i];

		sum += d * d;
	}
	return (float)sum;
}

/* Fill the block with rows [first, first + rows): pread until done. */
static int read_block(struct flat_scan_client *fc, int fd, int64_t first, int64_t rows)
{
	size_t row_bytes = fc->s->row_floats * sizeof(float), want = rows * row_bytes, got = 0;
	off_t off = (off_t)(first * row_bytes);
	ssize_t n;

	while (got < want) {
		n = pread(fd, (char *)fc->block + got, want - got, off + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;   /* the file shrank under us */
		got += (size_t)n;
	}
	return 0;
}

/* Score one block against q and offer its candidates to the heap. */
static int scan_block(struct flat_scan_client *fc, const float *q, float qnorm, int64_t first,
		      int64_t rows)
{
	const struct flat_scan *s = fc->s;
	const float *x0 = fc->block + 1;
	int64_t i, dim = s->dim;
	int32_t hdr;

	cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)rows, (int)dim, 1.0f, x0,
		    (int)s->row_floats, q, 1, 0.0f, fc->ip, 1);
	for (i = 0; i < rows; i++) {
		const float *x = x0 + i * s->row_floats;
		float xnorm, est;

		memcpy(&hdr, x - 1, sizeof(hdr));
		if (hdr != dim)
			return -EIO;   /* not the rows we checked at open */
		if (fc->n_heap == s->k) {
			xnorm = cblas_sdot((int)dim, x, 1, x, 1);
			est = xnorm + qnorm - 2 * fc->ip[i];
			if (est > fc->heap[0].dist + FLAT_SLACK * (xnorm + qnorm))
				continue;
		}
		heap_push(fc, l2sqr(x, q, dim), first + i);
	}
	return 0;
}

static int cmp_neighbour(const void *a, const void *b)
{
	return worse(a, b) ? 1 : worse(b, a) ? -1 : 0;
}

static int flat_scan_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	const struct flat_scan *s = c->w->priv;
	struct flat_scan_client *fc = c->priv;
	const float *q = s->ds->queries + qi * s->dim;
	float qnorm = cblas_sdot((int)s->dim, q, 1, q, 1);
	int64_t first, rows, i;
	int rc;

	fc->n_heap = 0;
	for (first = 0; first < s->n; first += rows) {
		rows = s->n - first < s->block_rows ? s->n - first : s->block_rows;
		rc = read_block(fc, c->w->files[0].fd, first, rows);
		if (!rc)
			rc = scan_block(fc, q, qnorm, first, rows);
		if (rc)
			return rc;
	}
	qsort(fc->heap, fc->n_heap, sizeof(*fc->heap), cmp_neighbour);
	for (i = 0; i < s->k; i++)
		fc->ids[i] = i < fc->n_heap ? fc->heap[i].id : -1;
	res->ids = fc->ids;
	return 0;
}

/* Every query reads the whole file: that is what it needs. */
static int flat_scan_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	const struct flat_scan *s = c->w->priv;

	(void)qi;
	res->extents = &s->extent;
	res->n_extents = 1;
	return 0;
}

const struct workload_ops flat_scan_ops = {
	.name = "flat-scan",
	.version = RB_WORKLOAD_VERSION,
	.flags = 0,
	.help = "exact k-NN by reading base.fvecs front to back with pread in 1 MiB blocks "
		"(OpenBLAS distances, top-k heap)",
	.list_files = flat_scan_list_files,
	.open = flat_scan_open,
	.client_open = flat_scan_client_open,
	.client_close = flat_scan_client_close,
	.run_query = flat_scan_run_query,
	.extents = flat_scan_extents,
	.close = flat_scan_close,
};
