/*
 * file — the chunk store as chunks.dat itself: a fetch is a pread of the
 * chunk's bytes on our descriptor, or (workload.chunk_io mmap) a copy out of a
 * read-only shared map of the file, which faults its pages in. Nothing to build:
 * the extents are chunks.idx's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store.h"

static int file_open(struct rb_store *s, char *err, size_t errlen)
{
	int fd = open(s->path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open the chunk store: %s", s->path, strerror(-rc));
		return rc;
	}
	s->size = s->cs->dat_bytes;
	if (!s->use_mmap) {
		s->fd = fd;
		return 0;
	}
	s->map = s->size ? mmap(NULL, s->size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
	if (s->map == MAP_FAILED) {
		rc = s->size ? -errno : -EINVAL;
		s->map = NULL;
		snprintf(err, errlen, "%s: cannot mmap the chunk store: %s", s->path, strerror(-rc));
	} else {
		s->map_len = s->size;
	}
	close(fd);   /* the mapping holds the file; only madvise reaches its faults */
	return rc;
}

static int file_get(const struct rb_store *s, struct rb_store_client *c, int64_t id, char *dst,
		    uint32_t len)
{
	const struct chunk_rec *r = &s->cs->recs[id];

	(void)c;
	if (r->len != len)
		return -EBADMSG;
	if (s->map) {
		memcpy(dst, (const char *)s->map + r->offset, len);
		return 0;
	}
	return fsutil__pread_all(s->fd, dst, len, (off_t)r->offset);
}

static uint64_t file_extent(const struct rb_store *s, int64_t id)
{
	return s->cs->recs[id].offset;
}

static void file_close(struct rb_store *s)
{
	if (s->fd >= 0)
		close(s->fd);
	if (s->map)
		munmap(s->map, s->map_len);
	s->fd = -1;
	s->map = NULL;
}

const struct rb_store_ops store_file_ops = {
	.version = RB_STORE_OPS_VERSION,
	.name = "file",
	.flags = 0,
	.open = file_open,
	.get = file_get,
	.extent = file_extent,
	.close = file_close,
};
