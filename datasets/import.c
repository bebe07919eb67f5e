/*
 * import — TEXMEX / big-ann-benchmarks / IDX sources into a dataset folder (see
 * import.h). Base vectors are streamed in blocks (a billion-scale .u8bin is
 * never held whole); queries and a given ground truth are small and loaded.
 * Elements of any type become float32, optionally L2-normalised
 * (dataset.normalize), and are written as .fvecs like synthetic data.
 */
#define _GNU_SOURCE /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "dataset.h"
#include "import.h"
#include "vecio.h"
#include "lib/fsutil.h"

#define IMPORT_BLOCK 65536          /* base vectors converted per step */
#define IDX_READ_STEP (1 << 20)     /* IDX payload grows this much per read */
#define IDX_UBYTE 0x08              /* IDX element type: unsigned byte */

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int import__resolve(const struct rb_dataset_spec *spec, const char *value, char *out, size_t len)
{
	const char *slash = strrchr(spec->source, '/');
	int n;

	if (value[0] == '/' || !slash)
		n = snprintf(out, len, "%s", value);
	else
		n = snprintf(out, len, "%.*s/%s", (int)(slash - spec->source), spec->source, value);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int import__identity(const char *key, const char *path, char *out, size_t len, char *err,
		     size_t errlen)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(path, real) || stat(real, &st) < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: %s: %s", key, path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s: not a regular file", key, path);
		return -EINVAL;
	}
	snprintf(out, len, "%s:%lld:%lld.%09ld", real, (long long)st.st_size,
		 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	return 0;
}

/* Resolve and identify one configured file; key names it in messages. */
static int source_file(const struct rb_dataset_spec *spec, const char *key, const char *value,
		       char *path, size_t plen, char *id, size_t idlen, char *err, size_t errlen)
{
	if (!value[0]) {
		snprintf(err, errlen, "%s: not set (dataset.generator import needs it)", key);
		return -EINVAL;
	}
	if (import__resolve(spec, value, path, plen)) {
		snprintf(err, errlen, "%s: path too long: %s", key, value);
		return -ENAMETOOLONG;
	}
	return import__identity(key, path, id, idlen, err, errlen);
}

/* The two IDX files of fashion-mnist: dataset.base names their folder, if set. */
static int fmnist_paths(const struct rb_dataset_spec *spec, char *train, char *t10k, size_t len)
{
	char dir[RB_PATH_MAX];
	struct stat st;
	int rc = 0;

	if (spec->dataset_base[0])
		rc = import__resolve(spec, spec->dataset_base, dir, sizeof(dir));
	else
		snprintf(dir, sizeof(dir), "%s", IMPORT_FMNIST_DIR);
	if (rc)
		return rc;
	snprintf(train, len, "%s/train-images-idx3-ubyte.gz", dir);
	snprintf(t10k, len, "%s/t10k-images-idx3-ubyte.gz", dir);
	/* the same files, uncompressed, as the upstream project also ships them */
	if (stat(train, &st) < 0) {
		snprintf(train, len, "%s/train-images-idx3-ubyte", dir);
		snprintf(t10k, len, "%s/t10k-images-idx3-ubyte", dir);
	}
	return 0;
}

static int canonical_fmnist(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
			    size_t errlen)
{
	char train[RB_PATH_MAX], t10k[RB_PATH_MAX], a[PATH_MAX + 64], b[PATH_MAX + 64];
	int rc;

	if (fmnist_paths(spec, train, t10k, sizeof(train))) {
		snprintf(err, errlen, "dataset.base: path too long: %s", spec->dataset_base);
		return -ENAMETOOLONG;
	}
	rc = import__identity("fashion-mnist (package dataset-fashion-mnist)", train, a, sizeof(a),
			      err, errlen);
	if (!rc)
		rc = import__identity("fashion-mnist (package dataset-fashion-mnist)", t10k, b,
				      sizeof(b), err, errlen);
	if (rc)
		return rc;
	snprintf(buf, len, "generator=fashion-mnist import=v1 train=%s t10k=%s n=%lld queries=%lld "
		 "normalize=%d gt_k=%d", a, b, (long long)spec->dataset_n,
		 (long long)spec->dataset_queries, spec->dataset_normalize ? 1 : 0, RB_GT_K);
	return 0;
}

int import__canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
		      size_t errlen)
{
	char path[RB_PATH_MAX], base[PATH_MAX + 64], q[PATH_MAX + 64], gt[PATH_MAX + 64] = "-";
	int rc;

	if (!strcmp(spec->dataset_generator, "fashion-mnist"))
		return canonical_fmnist(spec, buf, len, err, errlen);
	rc = source_file(spec, "dataset.base", spec->dataset_base, path, sizeof(path), base,
			 sizeof(base), err, errlen);
	if (!rc)
		rc = source_file(spec, "dataset.queries_file", spec->dataset_queries_file, path,
				 sizeof(path), q, sizeof(q), err, errlen);
	if (!rc && spec->dataset_groundtruth[0])
		rc = source_file(spec, "dataset.groundtruth", spec->dataset_groundtruth, path,
				 sizeof(path), gt, sizeof(gt), err, errlen);
	if (rc)
		return rc;
	snprintf(buf, len, "generator=import import=v1 base=%s queries_file=%s groundtruth=%s "
		 "n=%lld queries=%lld normalize=%d gt_k=%d", base, q, gt, (long long)spec->dataset_n,
		 (long long)spec->dataset_queries, spec->dataset_normalize ? 1 : 0, RB_GT_K);
	return 0;
}

/* ---- conversion ------------------------------------------------------------ */

static void to_float(enum vecio_format fmt, const void *raw, size_t count, float *out)
{
	const uint8_t *u8 = raw;
	const int32_t *i32 = raw;
	size_t i;

	switch (fmt) {
	case VECIO_BVECS:
	case VECIO_U8BIN:
		for (i = 0; i < count; i++)
			out[i] = u8[i];
		break;
	case VECIO_IVECS:
	case VECIO_IBIN:
		for (i = 0; i < count; i++)
			out[i] = (float)i32[i];
		break;
	default:
		memmove(out, raw, count * sizeof(float));
		break;
	}
}

/* Unit length (cosine = inner product = L2 ranking); an all-zero row stays zero. */
static void normalize_rows(float *x, int64_t n, int64_t dim)
{
	int64_t i, j;

	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < dim; j++)
			s += (double)x[i * dim + j] * x[i * dim + j]; /* NOLINT(clang-analyzer-core.UndefinedBinaryOperatorResult): callers fill n * dim */
		if (s <= 0)
			continue;
		s = 1.0 / sqrt(s);
		for (j = 0; j < dim; j++)
			x[i * dim + j] = (float)(x[i * dim + j] * s);
	}
}

static int format_of(const char *key, const char *path, char *err, size_t errlen)
{
	int fmt = vecio__format_of(path);

	if (fmt < 0)
		snprintf(err, errlen, "%s: %s: unknown format (expected a .fvecs, .bvecs, .ivecs, "
			 ".fbin, .u8bin or .ibin file)", key, path);
	return fmt < 0 ? -EINVAL : fmt;
}

int import__load_vectors(const char *path, int64_t max_n, float **rows, int64_t *n,
			 int64_t *dim, char *err, size_t errlen)
{
	struct vecio_reader *r = NULL;
	float *x = NULL;
	int fmt, ret;

	*rows = NULL;
	fmt = format_of("file", path, err, errlen);
	if (fmt < 0)
		return fmt;
	ret = vecio__open(&r, path, fmt, err, errlen);
	if (ret)
		return ret;
	*n = min64(vecio__count(r), max_n);
	*dim = vecio__dim(r);
	/* room for floats is room for the raw elements too (they are at most 4 bytes) */
	x = malloc(sizeof(float) * (size_t)(*n * *dim));
	if (!x) {
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = vecio__read(r, 0, *n, x, err, errlen);
	if (ret)
		goto cleanup;
	/* widen in place from the back so no element is overwritten before it is read */
	if (vecio__elem_size(fmt) == 1) {
		for (int64_t i = *n * *dim - 1; i >= 0; i--)
			x[i] = ((uint8_t *)x)[i];
	} else {
		to_float(fmt, x, (size_t)(*n * *dim), x);
	}
	*rows = x;
	x = NULL;
cleanup:
	free(x);
	vecio__close(r);
	return ret;
}

/* ---- dataset.generator: import ------------------------------------------------- */

static int copy_block(struct vecio_reader *r, struct vecio_writer *w, int fmt, int64_t first,
		      int64_t c, void *raw, float *x, bool normalize, char *err, size_t errlen)
{
	int64_t dim = vecio__dim(r);
	int ret = vecio__read(r, first, c, raw, err, errlen);

	if (ret)
		return ret;
	to_float(fmt, raw, (size_t)(c * dim), x);
	if (normalize)
		normalize_rows(x, c, dim);
	return vecio__append(w, x, c, err, errlen);
}

/* Stream the first dataset.n base vectors into dir/base.fvecs. */
static int import_base(const struct rb_dataset_spec *spec, const char *src, const char *dst,
		       struct import_info *info, int64_t *src_count, char *err, size_t errlen)
{
	struct vecio_reader *r = NULL;
	struct vecio_writer *w = NULL;
	int64_t first, c;
	void *raw = NULL;
	float *x = NULL;
	int fmt, ret;

	fmt = format_of("dataset.base", src, err, errlen);
	if (fmt < 0)
		return fmt;
	if ((ret = vecio__open(&r, src, fmt, err, errlen)))
		return ret;
	*src_count = vecio__count(r);
	info->n = min64(*src_count, spec->dataset_n);
	info->dim = vecio__dim(r);
	raw = malloc(vecio__elem_size(fmt) * IMPORT_BLOCK * info->dim);
	x = malloc(sizeof(float) * IMPORT_BLOCK * info->dim);
	if (!raw || !x) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if ((ret = vecio__create(&w, dst, VECIO_FVECS, info->dim, err, errlen)))
		goto cleanup;
	for (first = 0; first < info->n; first += c) {
		c = min64(info->n - first, IMPORT_BLOCK);
		ret = copy_block(r, w, fmt, first, c, raw, x, spec->dataset_normalize, err, errlen);
		if (ret)
			goto cleanup;
	}
	ret = vecio__commit(w, err, errlen);
	w = NULL;
cleanup:
	vecio__abort(w);
	vecio__close(r);
	free(raw);
	free(x);
	return ret;
}

static int import_queries(const struct rb_dataset_spec *spec, const char *src, const char *dst,
			  struct import_info *info, char *err, size_t errlen)
{
	int64_t dim;
	float *q;
	int ret;

	ret = import__load_vectors(src, spec->dataset_queries, &q, &info->nq, &dim, err, errlen);
	if (ret)
		return ret;
	if (dim != info->dim) {
		snprintf(err, errlen, "dataset.queries_file: %s: wrong dimension: d=%lld, but the base "
			 "vectors have d=%lld", src, (long long)dim, (long long)info->dim);
		ret = -EINVAL;
	}
	if (!ret && spec->dataset_normalize)
		normalize_rows(q, info->nq, dim);
	if (!ret)
		ret = vecio__save(dst, VECIO_FVECS, q, info->nq, dim, err, errlen);
	free(q);
	return ret;
}

/* Rows, ids and k of a given ground truth checked against what was imported. */
static int gt_check(const struct rb_dataset_spec *spec, const char *src, const int32_t *ids, int64_t rows,
		    int64_t k, const struct import_info *info, int64_t src_count, char *err,
		    size_t errlen)
{
	int64_t i;

	if (spec->dataset_normalize) {
		snprintf(err, errlen, "dataset.groundtruth: %s was computed on the raw vectors; set "
			 "dataset.normalize: false, or leave dataset.groundtruth out to compute it",
			 src);
		return -EINVAL;
	}
	if (info->n < src_count) {
		snprintf(err, errlen, "dataset.groundtruth: %s refers to all %lld base vectors, but "
			 "dataset.n keeps only %lld; raise dataset.n or leave the ground truth out",
			 src, (long long)src_count, (long long)info->n);
		return -EINVAL;
	}
	if (rows < info->nq) {
		snprintf(err, errlen, "dataset.groundtruth: %s has %lld rows, fewer than the %lld "
			 "queries", src, (long long)rows, (long long)info->nq);
		return -EINVAL;
	}
	for (i = 0; i < info->nq * k; i++) {
		if (ids[i] < -1 || ids[i] >= info->n) {
			snprintf(err, errlen, "dataset.groundtruth: %s: row %lld has id %d, outside the "
				 "%lld base vectors", src, (long long)(i / k), ids[i],
				 (long long)info->n);
			return -EINVAL;
		}
	}
	return 0;
}

static int import_gt(const struct rb_dataset_spec *spec, const char *src, const char *dst,
		     struct import_info *info, int64_t src_count, char *err, size_t errlen)
{
	struct vecio_reader *r = NULL;
	struct vecio_writer *w = NULL;
	int32_t *ids = NULL;
	int64_t rows, d, k, q;
	int fmt, ret;

	fmt = format_of("dataset.groundtruth", src, err, errlen);
	if (fmt >= 0 && fmt != VECIO_IVECS && fmt != VECIO_IBIN) {
		snprintf(err, errlen, "dataset.groundtruth: %s: neighbour ids must be int32 "
			 "(.ivecs or .ibin)", src);
		fmt = -EINVAL;
	}
	if (fmt < 0)
		return fmt;
	if ((ret = vecio__open(&r, src, fmt, err, errlen)))
		return ret;
	rows = vecio__count(r);
	d = vecio__dim(r);
	k = min64(d, RB_GT_K);
	ids = malloc(sizeof(int32_t) * (size_t)(min64(rows, info->nq) * d));
	if (!ids) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if ((ret = vecio__read(r, 0, min64(rows, info->nq), ids, err, errlen)) ||
	    (ret = gt_check(spec, src, ids, rows, d, info, src_count, err, errlen)) ||
	    (ret = vecio__create(&w, dst, VECIO_IVECS, k, err, errlen)))
		goto cleanup;
	for (q = 0; q < info->nq && !ret; q++)
		ret = vecio__append(w, ids + q * d, 1, err, errlen);
	if (!ret)
		ret = vecio__commit(w, err, errlen);
	else
		vecio__abort(w);
	w = NULL;
	info->gt_k = k;
cleanup:
	vecio__abort(w);
	vecio__close(r);
	free(ids);
	return ret;
}

static int build_import(const struct rb_dataset_spec *spec, const char *dir, struct import_info *info,
			char *err, size_t errlen)
{
	char src[RB_PATH_MAX], dst[RB_PATH_MAX];
	int64_t src_count = 0;
	int ret;

	if ((ret = import__resolve(spec, spec->dataset_base, src, sizeof(src))) ||
	    (ret = fsutil__join(dst, sizeof(dst), dir, "base.fvecs")) ||
	    (ret = import_base(spec, src, dst, info, &src_count, err, errlen)))
		return ret;
	if ((ret = import__resolve(spec, spec->dataset_queries_file, src, sizeof(src))) ||
	    (ret = fsutil__join(dst, sizeof(dst), dir, "queries.fvecs")) ||
	    (ret = import_queries(spec, src, dst, info, err, errlen)))
		return ret;
	if (!spec->dataset_groundtruth[0])
		return 0;
	if ((ret = import__resolve(spec, spec->dataset_groundtruth, src, sizeof(src))) ||
	    (ret = fsutil__join(dst, sizeof(dst), dir, "groundtruth.ivecs")))
		return ret;
	return import_gt(spec, src, dst, info, src_count, err, errlen);
}

/* ---- IDX (fashion-mnist) -------------------------------------------------------- */

/* Read up to len bytes; the count, or -1 on a corrupt stream. */
static int64_t gz_read(gzFile g, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		unsigned step = len - got > (1u << 30) ? 1u << 30 : (unsigned)(len - got);
		int k = gzread(g, (char *)buf + got, step);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (int64_t)got;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The magic and dimensions: n rows of *dim bytes. */
static int idx_header(gzFile g, const char *path, int64_t *n, int64_t *dim, char *err,
		      size_t errlen)
{
	uint8_t m[4], d[16];
	int i, nd;

	if (gz_read(g, m, 4) != 4) {
		snprintf(err, errlen, "%s: truncated: shorter than the 4-byte IDX magic", path);
		return -EINVAL;
	}
	if (m[0] || m[1] || m[3] < 1 || m[3] > 4) {
		snprintf(err, errlen, "%s: not an IDX file (magic %02x %02x %02x %02x)", path, m[0],
			 m[1], m[2], m[3]);
		return -EINVAL;
	}
	if (m[2] != IDX_UBYTE) {
		snprintf(err, errlen, "%s: IDX element type 0x%02x, expected 0x08 (unsigned byte)",
			 path, m[2]);
		return -EINVAL;
	}
	nd = m[3];
	if (gz_read(g, d, 4 * (size_t)nd) != 4 * (int64_t)nd) {
		snprintf(err, errlen, "%s: truncated: the header announces %d dimensions", path, nd);
		return -EINVAL;
	}
	*n = be32(d);
	for (*dim = 1, i = 1; i < nd && *dim <= VECIO_MAX_DIM; i++)
		*dim *= be32(d + 4 * (size_t)i);
	if (*n == 0 || *dim == 0 || *dim > VECIO_MAX_DIM) {
		snprintf(err, errlen, "%s: bad IDX shape: %lld rows of %lld bytes", path,
			 (long long)*n, (long long)*dim);
		return -EINVAL;
	}
	return 0;
}

/*
 * The payload, grown as it arrives: a header announcing more than the file holds
 * fails as truncated after allocating what is really there, never its claim.
 */
static int idx_payload(gzFile g, const char *path, uint64_t want, uint8_t **out, char *err,
		       size_t errlen)
{
	uint64_t got = 0;
	uint8_t *buf = NULL, extra;
	int64_t k = 1;

	while (got < want && k > 0) {
		uint64_t step = want - got < IDX_READ_STEP ? want - got : IDX_READ_STEP;
		uint8_t *nb = realloc(buf, got + step);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		k = gz_read(g, buf + got, step);
		got += k > 0 ? (uint64_t)k : 0;
	}
	if (k >= 0 && got == want)
		k = gz_read(g, &extra, 1);
	if (k < 0 || got < want || k > 0) {
		int e;
		const char *why = k < 0 ? gzerror(g, &e) : NULL;

		if (why)
			snprintf(err, errlen, "%s: corrupt gzip stream: %s", path, why);
		else
			snprintf(err, errlen, "%s: %s: the header announces %llu bytes of data, %s",
				 path, got < want ? "truncated" : "trailing bytes",
				 (unsigned long long)want,
				 got < want ? "fewer follow" : "more follow");
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	return 0;
}

int import__load_idx(const char *path, uint8_t **pixels, int64_t *n, int64_t *dim, char *err,
		     size_t errlen)
{
	struct stat st;
	gzFile g;
	int ret;

	*pixels = NULL;
	if (stat(path, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file (zero-length)", path);
		return -EINVAL;
	}
	g = gzopen(path, "rb");
	if (!g) {
		ret = errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(-ret));
		return ret;
	}
	ret = idx_header(g, path, n, dim, err, errlen);
	if (!ret)
		ret = idx_payload(g, path, (uint64_t)*n * (uint64_t)*dim, pixels, err, errlen);
	gzclose(g);
	return ret;
}

/* An IDX file's first max_n rows as float rows in dst (.fvecs). */
static int idx_to_fvecs(const char *src, const char *dst, int64_t max_n, bool normalize,
			int64_t *n, int64_t *dim, char *err, size_t errlen)
{
	uint8_t *px;
	float *x;
	int64_t rows;
	int ret;

	ret = import__load_idx(src, &px, &rows, dim, err, errlen);
	if (ret)
		return ret;
	*n = min64(rows, max_n); /* NOLINT(clang-analyzer-core.CallAndMessage): set when the load returns 0 */
	x = malloc(sizeof(float) * (size_t)(*n * *dim));
	if (!x) {
		free(px);
		return -ENOMEM;
	}
	to_float(VECIO_U8BIN, px, (size_t)(*n * *dim), x);
	free(px);
	if (normalize)
		normalize_rows(x, *n, *dim);
	ret = vecio__save(dst, VECIO_FVECS, x, *n, *dim, err, errlen);
	free(x);
	return ret;
}

static int build_fmnist(const struct rb_dataset_spec *spec, const char *dir, struct import_info *info,
			char *err, size_t errlen)
{
	char train[RB_PATH_MAX], t10k[RB_PATH_MAX], dst[RB_PATH_MAX];
	int64_t qdim;
	int ret;

	if ((ret = fmnist_paths(spec, train, t10k, sizeof(train))) ||
	    (ret = fsutil__join(dst, sizeof(dst), dir, "base.fvecs")) ||
	    (ret = idx_to_fvecs(train, dst, spec->dataset_n, spec->dataset_normalize, &info->n,
				&info->dim, err, errlen)) ||
	    (ret = fsutil__join(dst, sizeof(dst), dir, "queries.fvecs")) ||
	    (ret = idx_to_fvecs(t10k, dst, spec->dataset_queries, spec->dataset_normalize, &info->nq,
				&qdim, err, errlen)))
		return ret;
	if (qdim != info->dim) {
		snprintf(err, errlen, "%s: wrong dimension: rows of %lld bytes, but %s has %lld",
			 t10k, (long long)qdim, train, (long long)info->dim);
		return -EINVAL;
	}
	return 0;
}

int import__build(const struct rb_dataset_spec *spec, const char *dir, struct import_info *info,
		  char *err, size_t errlen)
{
	memset(info, 0, sizeof(*info));
	if (!strcmp(spec->dataset_generator, "fashion-mnist"))
		return build_fmnist(spec, dir, info, err, errlen);
	return build_import(spec, dir, info, err, errlen);
}
