/*
 * vecio — TEXMEX .fvecs/.ivecs writers and checked readers (see vecio.h).
 * Records are copied through a ~1 MiB buffer with write()/pread(), so neither
 * side holds a whole file and short reads/writes are handled in one place.
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

#define VECIO_BUF_BYTES (1 << 20)

struct vecio_format_desc {
	const char *name;
	size_t elem_size;
};

static const struct vecio_format_desc vecio_formats[] = {
	[VECIO_FVECS] = { "fvecs", 4 },
	[VECIO_IVECS] = { "ivecs", 4 },
};

struct vecio_writer {
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	int fd;
	int64_t dim;
	size_t row_bytes;     /* dim * elem_size */
	uint8_t *buf;
	size_t used, cap;
};

struct vecio_reader {
	char path[PATH_MAX];
	int fd;
	const struct vecio_format_desc *fmt;
	int64_t dim, count;
	size_t rec_bytes;     /* 4 + dim * elem_size */
	uint8_t *buf;
	size_t cap;
};

static int format_ok(enum vecio_format fmt)
{
	return (unsigned)fmt < sizeof(vecio_formats) / sizeof(vecio_formats[0]);
}

static int write_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len) {
		ssize_t k = write(fd, b, len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		b += k;
		len -= (size_t)k;
	}
	return 0;
}

/* pread exactly len bytes; -EIO when the file ends early (it was checked at open). */
static int pread_all(int fd, void *p, size_t len, off_t off)
{
	uint8_t *b = p;

	while (len) {
		ssize_t k = pread(fd, b, len, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		b += k;
		len -= (size_t)k;
		off += k;
	}
	return 0;
}

int vecio__fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
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
	w->row_bytes = (size_t)dim * vecio_formats[fmt].elem_size;
	w->cap = VECIO_BUF_BYTES > 4 + w->row_bytes ? VECIO_BUF_BYTES : 4 + w->row_bytes;
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
	*out = w;
	return 0;
cleanup:
	free(w->buf);
	free(w);
	return ret;
}

static int writer_flush(struct vecio_writer *w, char *err, size_t errlen)
{
	int ret = write_all(w->fd, w->buf, w->used);

	if (ret)
		snprintf(err, errlen, "%s: write failed: %s", w->tmp, strerror(-ret));
	w->used = 0;
	return ret;
}

int vecio__append(struct vecio_writer *w, const void *rows, int64_t n, char *err, size_t errlen)
{
	const uint8_t *src = rows;
	int32_t d = (int32_t)w->dim;
	int64_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (w->used + 4 + w->row_bytes > w->cap && (ret = writer_flush(w, err, errlen)))
			return ret;
		memcpy(w->buf + w->used, &d, 4);
		memcpy(w->buf + w->used + 4, src + i * w->row_bytes, w->row_bytes);
		w->used += 4 + w->row_bytes;
	}
	return 0;
}

int vecio__commit(struct vecio_writer *w, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int ret;

	ret = writer_flush(w, err, errlen);
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
		vecio__fsync_dir(dir); /* best effort: the data itself is already on disk */
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

/* Header of record i; its value must be r->dim. */
static int check_header(struct vecio_reader *r, int64_t i, int32_t d, char *err, size_t errlen)
{
	if (d == r->dim)
		return 0;
	snprintf(err, errlen, "%s: inconsistent dimension: record %lld has d=%d, record 0 has d=%lld",
		 r->path, (long long)i, (int)d, (long long)r->dim);
	return -EINVAL;
}

static int reader_shape(struct vecio_reader *r, off_t size, char *err, size_t errlen)
{
	int32_t d;
	int ret;

	if (size == 0) {
		snprintf(err, errlen, "%s: empty file (no vectors)", r->path);
		return -EINVAL;
	}
	if (size < 4 || (ret = pread_all(r->fd, &d, 4, 0)) != 0) {
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
	r->rec_bytes = 4 + (size_t)d * r->fmt->elem_size;
	if ((uint64_t)size % r->rec_bytes) {
		snprintf(err, errlen,
			 "%s: truncated or corrupt: size %lld is not a multiple of the record size %zu "
			 "(4 + %zu * d, d=%d)",
			 r->path, (long long)size, r->rec_bytes, r->fmt->elem_size, (int)d);
		return -EINVAL;
	}
	r->count = (int64_t)((uint64_t)size / r->rec_bytes);
	if (pread_all(r->fd, &d, 4, (off_t)((r->count - 1) * r->rec_bytes)))
		return -EIO;
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
	size_t row = r->rec_bytes - 4;
	int64_t k;
	int32_t d;
	int ret;

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
			 (long long)first, (long long)(first + count), (long long)r->count);
		return -ERANGE;
	}
	while (done < count) {
		int64_t nrec = count - done < per ? count - done : per;

		ret = pread_all(r->fd, r->buf, (size_t)nrec * r->rec_bytes,
				(off_t)((first + done) * (int64_t)r->rec_bytes));
		if (ret) {
			snprintf(err, errlen, "%s: read failed: %s", r->path, strerror(-ret));
			return ret;
		}
		ret = unpack(r, first + done, nrec, dst + done * (int64_t)(r->rec_bytes - 4), err, errlen);
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
	x = malloc((size_t)r->count * (r->rec_bytes - 4));
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
