/*
 * vecio — TEXMEX .fvecs/.bvecs/.ivecs and big-ann-benchmarks .fbin/.u8bin/.ibin
 * writers and checked readers (see vecio.h). Records are copied through a
 * ~1 MiB buffer with write()/pread(), so neither side holds a whole file and
 * short reads/writes are handled in one place. The two layouts differ only in
 * where d is stored: rec_hdr is 4 (a d before every record) or 0 (one n, d
 * header of data_off = 8 bytes at the start of the file).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vecio.h"
#include "lib/fsutil.h"

#define VECIO_BUF_BYTES (1 << 20)
#define VECIO_BIN_HEADER 8   /* uint32 n, uint32 d */

struct vecio_format_desc {
	const char *name;
	size_t elem_size;
	int file_header;      /* 1: one n, d header; 0: d before every record */
};

static const struct vecio_format_desc vecio_formats[] = {
	[VECIO_FVECS] = { "fvecs", 4, 0 },
	[VECIO_IVECS] = { "ivecs", 4, 0 },
	[VECIO_BVECS] = { "bvecs", 1, 0 },
	[VECIO_FBIN] = { "fbin", 4, 1 },
	[VECIO_U8BIN] = { "u8bin", 1, 1 },
	[VECIO_IBIN] = { "ibin", 4, 1 },
};

#define N_FORMATS (sizeof(vecio_formats) / sizeof(vecio_formats[0]))

struct vecio_writer {
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;
	int64_t dim, count;
	int file_header;      /* write n, d at commit (the .bin layout) */
	size_t row_bytes;     /* dim * elem_size */
	uint8_t *buf;
	size_t used, cap;
};

struct vecio_reader {
	char path[PATH_MAX];
	int fd;
	const struct vecio_format_desc *fmt;
	int64_t dim, count;
	size_t rec_hdr;       /* 4 (TEXMEX) or 0 (.bin) */
	size_t rec_bytes;     /* rec_hdr + dim * elem_size */
	off_t data_off;       /* 0 (TEXMEX) or the 8-byte .bin header */
	uint8_t *buf;
	size_t cap;
};

static int format_ok(enum vecio_format fmt)
{
	return (unsigned)fmt < N_FORMATS;
}

int vecio__format_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	size_t i;

	if (!dot || strchr(dot, '/'))
		return -1;
	for (i = 0; i < N_FORMATS; i++)
		if (!strcmp(dot + 1, vecio_formats[i].name))
			return (int)i;
	return -1;
}

size_t vecio__elem_size(enum vecio_format fmt)
{
	return format_ok(fmt) ? vecio_formats[fmt].elem_size : 0;
}

static int parent_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return snprintf(dir, len, ".") >= (int)len ? -ENAMETOOLONG : 0;
	if (slash == path)
		return snprintf(dir, len, "/") >= (int)len ? -ENAMETOOLONG : 0;
	if ((size_t)(slash - path) >= len)
		return -ENAMETOOLONG;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return 0;
}

int vecio__create(struct vecio_writer **out, const char *path, enum vecio_format fmt, int64_t dim,
		  char *err, size_t errlen)
{
	struct vecio_writer *w;
	int ret;

	*out = NULL;
	if (!format_ok(fmt) || dim <= 0 || dim > VECIO_MAX_DIM) {
		snprintf(err, errlen, "%s: cannot write vectors of dimension %lld", path, (long long)dim);
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = -1;
	w->dim = dim;
	w->file_header = vecio_formats[fmt].file_header;
	w->row_bytes = (size_t)dim * vecio_formats[fmt].elem_size;
	w->cap = VECIO_BUF_BYTES > 8 + w->row_bytes ? VECIO_BUF_BYTES : 8 + w->row_bytes;
	if (snprintf(w->path, sizeof(w->path), "%s", path) >= (int)sizeof(w->path) ||
	    snprintf(w->tmp, sizeof(w->tmp), "%s.tmp-%d", path, (int)getpid()) >= (int)sizeof(w->tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		ret = -ENAMETOOLONG;
		goto cleanup;
	}
	w->buf = malloc(w->cap);
	if (!w->buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", w->tmp, strerror(errno));
		goto cleanup;
	}
	/* room for the .bin header, written at commit when n is known */
	if (w->file_header)
		w->used = VECIO_BIN_HEADER;
	memset(w->buf, 0, w->used);
	*out = w;
	return 0;
cleanup:
	free(w->buf);
	free(w);
	return ret;
}

static int writer_flush(struct vecio_writer *w, char *err, size_t errlen)
{
	int ret = fsutil__write_all(w->fd, w->buf, w->used);

	if (ret)
		snprintf(err, errlen, "%s: write failed: %s", w->tmp, strerror(-ret));
	w->used = 0;
	return ret;
}

int vecio__append(struct vecio_writer *w, const void *rows, int64_t n, char *err, size_t errlen)
{
	const uint8_t *src = rows;
	int32_t d = (int32_t)w->dim;
	size_t hdr = w->file_header ? 0 : 4;
	int64_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (w->used + hdr + w->row_bytes > w->cap && (ret = writer_flush(w, err, errlen)))
			return ret;
		memcpy(w->buf + w->used, &d, hdr);
		memcpy(w->buf + w->used + hdr, src + i * w->row_bytes, w->row_bytes);
		w->used += hdr + w->row_bytes;
	}
	w->count += n;
	return 0;
}

/* The .bin header: uint32 n, uint32 d, little-endian like the data. */
static int write_bin_header(struct vecio_writer *w, char *err, size_t errlen)
{
	uint32_t h[2] = { (uint32_t)w->count, (uint32_t)w->dim };

	if (w->count > UINT32_MAX) {
		snprintf(err, errlen, "%s: %lld vectors do not fit a uint32 header", w->tmp,
			 (long long)w->count);
		return -EOVERFLOW;
	}
	if (pwrite(w->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		snprintf(err, errlen, "%s: cannot write the header: %s", w->tmp, strerror(errno));
		return -EIO;
	}
	return 0;
}

int vecio__commit(struct vecio_writer *w, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int ret;

	ret = writer_flush(w, err, errlen);
	if (!ret && w->file_header)
		ret = write_bin_header(w, err, errlen);
	if (ret)
		goto cleanup;
	if (fsync(w->fd) < 0 || close(w->fd) < 0) {
		ret = -errno;
		w->fd = -1;
		snprintf(err, errlen, "%s: fsync/close failed: %s", w->tmp, strerror(-ret));
		goto cleanup;
	}
	w->fd = -1;
	if (rename(w->tmp, w->path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot rename onto %s: %s", w->tmp, w->path, strerror(-ret));
		goto cleanup;
	}
	if (parent_dir(w->path, dir, sizeof(dir)) == 0)
		fsutil__fsync_path(dir); /* best effort: the data itself is already on disk */
	free(w->buf);
	free(w);
	return 0;
cleanup:
	vecio__abort(w);
	return ret;
}

void vecio__abort(struct vecio_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	unlink(w->tmp);
	free(w->buf);
	free(w);
}

int vecio__save(const char *path, enum vecio_format fmt, const void *rows, int64_t n, int64_t dim,
		char *err, size_t errlen)
{
	struct vecio_writer *w = NULL;
	int ret = vecio__create(&w, path, fmt, dim, err, errlen);

	if (ret || !w)
		return ret ? ret : -EIO;
	ret = vecio__append(w, rows, n, err, errlen);
	if (ret) {
		vecio__abort(w);
		return ret;
	}
	return vecio__commit(w, err, errlen);
}

/* Header of record i; its value must be r->dim. */
static int check_header(struct vecio_reader *r, int64_t i, int32_t d, char *err, size_t errlen)
{
	if (d == r->dim)
		return 0;
	snprintf(err, errlen, "%s: inconsistent dimension: record %lld has d=%d, record 0 has d=%lld",
		 r->path, (long long)i, (int)d, (long long)r->dim);
	return -EINVAL;
}

/* .bin: the header's n * d elements must be exactly what follows it. */
static int reader_shape_bin(struct vecio_reader *r, off_t size, char *err, size_t errlen)
{
	uint32_t h[2];
	uint64_t want;

	if (size < VECIO_BIN_HEADER || fsutil__pread_all(r->fd, h, sizeof(h), 0)) {
		snprintf(err, errlen, "%s: truncated: %lld bytes, shorter than the 8-byte header "
			 "(uint32 n, uint32 d)", r->path, (long long)size);
		return -EINVAL;
	}
	if (h[0] == 0) {
		snprintf(err, errlen, "%s: header says n=0 (no vectors)", r->path);
		return -EINVAL;
	}
	if (h[1] == 0 || h[1] > VECIO_MAX_DIM) {
		snprintf(err, errlen, "%s: bad dimension d=%u in the header (not a .%s file?)",
			 r->path, h[1], r->fmt->name);
		return -EINVAL;
	}
	want = VECIO_BIN_HEADER + (uint64_t)h[0] * h[1] * r->fmt->elem_size;
	if ((uint64_t)size != want) {
		snprintf(err, errlen, "%s: %s: header says n=%u d=%u, so 8 + n*d*%zu = %llu bytes, "
			 "but the file has %lld bytes", r->path,
			 (uint64_t)size < want ? "truncated" : "trailing bytes", h[0], h[1],
			 r->fmt->elem_size, (unsigned long long)want, (long long)size);
		return -EINVAL;
	}
	r->dim = h[1];
	r->count = h[0];
	r->rec_hdr = 0;
	r->rec_bytes = (size_t)h[1] * r->fmt->elem_size;
	r->data_off = VECIO_BIN_HEADER;
	return 0;
}

static int reader_shape(struct vecio_reader *r, off_t size, char *err, size_t errlen)
{
	int32_t d;

	if (size == 0) {
		snprintf(err, errlen, "%s: empty file (zero-length, no vectors)", r->path);
		return -EINVAL;
	}
	if (r->fmt->file_header)
		return reader_shape_bin(r, size, err, errlen);
	if (size < 4 || fsutil__pread_all(r->fd, &d, 4, 0) != 0) {
		snprintf(err, errlen, "%s: truncated: %lld bytes, shorter than one record header",
			 r->path, (long long)size);
		return -EINVAL;
	}
	if (d <= 0 || d > VECIO_MAX_DIM) {
		snprintf(err, errlen, "%s: bad dimension d=%d in the first record (not a .%s file?)",
			 r->path, (int)d, r->fmt->name);
		return -EINVAL;
	}
	r->dim = d;
	r->rec_hdr = 4;
	r->rec_bytes = 4 + (size_t)d * r->fmt->elem_size;
	if ((uint64_t)size % r->rec_bytes) {
		snprintf(err, errlen,
			 "%s: truncated or corrupt: size %lld is not a multiple of the record size %zu "
			 "(4 + %zu * d, d=%d)",
			 r->path, (long long)size, r->rec_bytes, r->fmt->elem_size, (int)d);
		return -EINVAL;
	}
	r->count = (int64_t)((uint64_t)size / r->rec_bytes);
	if (fsutil__pread_all(r->fd, &d, 4, (off_t)((r->count - 1) * r->rec_bytes))) {
		snprintf(err, errlen, "%s: cannot read the last record header", r->path);
		return -EIO;
	}
	return check_header(r, r->count - 1, d, err, errlen);
}

int vecio__open(struct vecio_reader **out, const char *path, enum vecio_format fmt, char *err,
		size_t errlen)
{
	struct vecio_reader *r;
	struct stat st;
	int ret;

	*out = NULL;
	if (!format_ok(fmt))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fmt = &vecio_formats[fmt];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &st) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		goto cleanup;
	}
	ret = reader_shape(r, st.st_size, err, errlen);
	if (ret)
		goto cleanup;
	r->cap = VECIO_BUF_BYTES > r->rec_bytes ? VECIO_BUF_BYTES : r->rec_bytes;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		ret = -ENOMEM;
		goto cleanup;
	}
	*out = r;
	return 0;
cleanup:
	vecio__close(r);
	return ret;
}

int64_t vecio__count(const struct vecio_reader *r)
{
	return r->count;
}

int64_t vecio__dim(const struct vecio_reader *r)
{
	return r->dim;
}

/* Strip the headers of the nrec records in r->buf into out. */
static int unpack(struct vecio_reader *r, int64_t first, int64_t nrec, uint8_t *out, char *err,
		  size_t errlen)
{
	size_t row = r->rec_bytes - r->rec_hdr;
	int64_t k;
	int32_t d;
	int ret;

	if (!r->rec_hdr) {
		memcpy(out, r->buf, (size_t)nrec * row);
		return 0;
	}
	for (k = 0; k < nrec; k++) {
		memcpy(&d, r->buf + k * r->rec_bytes, 4);
		if ((ret = check_header(r, first + k, d, err, errlen)))
			return ret;
		memcpy(out + k * row, r->buf + k * r->rec_bytes + 4, row);
	}
	return 0;
}

int vecio__read(struct vecio_reader *r, int64_t first, int64_t count, void *out, char *err,
		size_t errlen)
{
	int64_t per = (int64_t)(r->cap / r->rec_bytes), done = 0;
	uint8_t *dst = out;
	int ret;

	if (first < 0 || count < 0 || first + count > r->count) {
		snprintf(err, errlen, "%s: records [%lld, %lld) out of range (%lld records)", r->path,
			 (long long)first, (long long)first + count, (long long)r->count);
		return -ERANGE;
	}
	while (done < count) {
		int64_t nrec = count - done < per ? count - done : per;

		ret = fsutil__pread_all(r->fd, r->buf, (size_t)nrec * r->rec_bytes,
				r->data_off + (off_t)((first + done) * (int64_t)r->rec_bytes));
		if (ret) {
			snprintf(err, errlen, "%s: read failed: %s", r->path, strerror(-ret));
			return ret;
		}
		ret = unpack(r, first + done, nrec, dst + done * (int64_t)(r->rec_bytes - r->rec_hdr),
			     err, errlen);
		if (ret)
			return ret;
		done += nrec;
	}
	return 0;
}

void vecio__close(struct vecio_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->buf);
	free(r);
}

int vecio__load(const char *path, enum vecio_format fmt, void **rows, int64_t *n, int64_t *dim,
		char *err, size_t errlen)
{
	struct vecio_reader *r;
	void *x = NULL;
	int ret;

	*rows = NULL;
	ret = vecio__open(&r, path, fmt, err, errlen);
	if (ret)
		return ret;
	x = malloc((size_t)r->count * (r->rec_bytes - r->rec_hdr)); /* NOLINT(clang-analyzer-core.NullDereference): r is set when open returns 0 */
	if (!x) {
		snprintf(err, errlen, "%s: out of memory for %lld vectors", path, (long long)r->count);
		ret = -ENOMEM;
		goto cleanup;
	}
	ret = vecio__read(r, 0, r->count, x, err, errlen);
	if (ret)
		goto cleanup;
	*rows = x;
	*n = r->count;
	*dim = r->dim;
	x = NULL;
cleanup:
	free(x);
	vecio__close(r);
	return ret;
}
