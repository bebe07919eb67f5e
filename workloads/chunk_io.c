/*
 * chunk_io — chunk store reads for chunk-fetch and rag (see chunk_io.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chunk_io.h"
#include "../datasets/dataset.h"

/* w->files[c->file]: an fd for pread, or a read-only shared mapping (no fd) for mmap. */
static int chunk_io_file(struct chunk_io *c, struct rb_workload *w, const char *path, char *err,
			 size_t errlen)
{
	struct rb_file *f = &w->files[c->file];
	int fd, rc = 0;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fd = -1;
	c->f = f;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open the chunk store: %s", path, strerror(-rc));
		return rc;
	}
	f->size = c->cs.dat_bytes;
	if (!c->use_mmap) {
		f->fd = fd;
		return 0;
	}
	f->map = mmap(NULL, f->size, PROT_READ, MAP_SHARED, fd, 0);
	if (f->map == MAP_FAILED) {
		rc = -errno;
		f->map = NULL;
		snprintf(err, errlen, "%s: cannot mmap the chunk store: %s", path, strerror(-rc));
	} else {
		f->map_len = f->size;
	}
	close(fd);   /* the mapping holds the file; only madvise reaches its faults */
	return rc;
}

int chunk_io__open(struct chunk_io *c, struct rb_workload *w, int file,
		   const struct rb_config *cfg, const struct rb_dataset *ds, int64_t k, char *err,
		   size_t errlen)
{
	uint64_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->file = file;
	c->k = k;
	c->use_mmap = !strcmp(cfg->workload_chunk_io, "mmap");
	if (!ds->chunks_path[0]) {
		snprintf(err, errlen, "workload.type %s: the dataset has no chunk store "
			 "(dataset.generator: corpus makes one)", cfg->workload_type);
		return -EINVAL;
	}
	rc = chunkstore__open(&c->cs, ds->chunks_path, ds->chunks_idx_path, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < c->cs.count; i++)
		if (c->cs.recs[i].len > c->max_len)
			c->max_len = c->cs.recs[i].len;
	return chunk_io_file(c, w, ds->chunks_path, err, errlen);
}

void chunk_io__close(struct chunk_io *c)
{
	struct rb_file *f = c->f;

	if (f && f->fd >= 0)
		close(f->fd);
	if (f && f->map)
		munmap(f->map, f->map_len);
	if (f) {
		f->fd = -1;
		f->map = NULL;
	}
	c->f = NULL;
	chunkstore__close(&c->cs);
}

int chunk_buf__init(struct chunk_buf *b, const struct chunk_io *c)
{
	b->buf = malloc((size_t)c->k * c->max_len + 1);
	b->extents = calloc((size_t)c->k, sizeof(*b->extents));
	if (b->buf && b->extents)
		return 0;
	chunk_buf__free(b);
	return -ENOMEM;
}

void chunk_buf__free(struct chunk_buf *b)
{
	free(b->buf);
	free(b->extents);
	b->buf = NULL;
	b->extents = NULL;
}

static int pread_all(int fd, char *p, size_t len, off_t off)
{
	while (len) {
		ssize_t k = pread(fd, p, len, off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;   /* chunks.dat shrank under us */
		p += k;
		len -= (size_t)k;
		off += k;
	}
	return 0;
}

int chunk_io__fetch(const struct chunk_io *c, const struct rb_workload *w, struct chunk_buf *b,
		    const int64_t *ids, int64_t n)
{
	const struct rb_file *f = &w->files[c->file];
	const struct chunk_rec *r;
	char *dst;
	int64_t i;
	int rc;

	for (i = 0; i < n && i < c->k; i++) {
		if (ids[i] < 0)
			continue;   /* the search found fewer than k */
		if ((uint64_t)ids[i] >= c->cs.count)
			return -ERANGE;
		r = &c->cs.recs[ids[i]];
		dst = b->buf + (size_t)i * c->max_len;
		if (f->map)
			memcpy(dst, (const char *)f->map + r->offset, r->len);
		else if ((rc = pread_all(f->fd, dst, r->len, (off_t)r->offset)))
			return rc;
		if (chunkstore__verify(&c->cs, (uint64_t)ids[i], dst, r->len))
			return -EBADMSG;
	}
	return 0;
}

size_t chunk_io__extents(const struct chunk_io *c, struct chunk_buf *b, const int64_t *ids,
			 int64_t n)
{
	size_t m = 0;
	int64_t i;

	for (i = 0; i < n && i < c->k; i++)
		if (ids[i] >= 0 && (uint64_t)ids[i] < c->cs.count)
			b->extents[m++] = (struct rb_extent){ c->file, c->cs.recs[ids[i]].offset,
							      c->cs.recs[ids[i]].len };
	return m;
}

int chunk_io__extent_of(const struct chunk_io *c, int64_t id, struct rb_extent *out, size_t max)
{
	if (id < 0 || (uint64_t)id >= c->cs.count)
		return -ENOENT;
	if (!max)
		return 0;
	*out = (struct rb_extent){ c->file, c->cs.recs[id].offset, c->cs.recs[id].len };
	return 1;
}
