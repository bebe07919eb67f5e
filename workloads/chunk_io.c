/*
 * chunk_io — chunk store reads for chunk-fetch and rag (see chunk_io.h), through
 * the store's ops (datasets/stores/).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_io.h"
#include "params.h"
#include "datasets/dataset.h"
#include "lib/fsutil.h"

/* The store's file, descriptor and map as the workload's file (the store's to close). */
static void store_file(struct chunk_io *c, struct rb_workload *w)
{
	struct rb_file *f = &w->files[c->file];

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", c->store.path);
	f->fd = c->store.fd;
	f->size = c->store.size;
	f->map = c->store.map;
	f->map_len = c->store.map_len;
}

int chunk_io__open(struct chunk_io *c, struct rb_workload *w, int file,
		   const struct rb_workload_params *wp, const struct rb_dataset *ds, int64_t k, char *err,
		   size_t errlen)
{
	const struct rb_store_ops *ops = store__find(wp->chunk_store);
	uint64_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->file = file;
	c->k = k;
	c->store.fd = -1;
	if (!ds->chunks_path[0]) {
		snprintf(err, errlen, "workload.type %s: the dataset has no chunk store "
			 "(dataset.generator: corpus makes one)", wp->type);
		return -EINVAL;
	}
	if (!ops) {
		snprintf(err, errlen, "dataset.chunk_store: no store named '%s'", wp->chunk_store);
		return -EINVAL;
	}
	rc = chunkstore__open(&c->cs, ds->chunks_path, ds->chunks_idx_path, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < c->cs.count; i++)
		if (c->cs.recs[i].len > c->max_len)
			c->max_len = c->cs.recs[i].len;
	rc = store__open(&c->store, ops, &c->cs,
			 (ops->flags & RB_STORE_BUILT) ? ds->store_path : ds->chunks_path,
			 ds->store_ext_path, !strcmp(wp->chunk_io, "mmap"), err, errlen);
	if (rc)
		return rc;
	store_file(c, w);
	return 0;
}

void chunk_io__close(struct chunk_io *c, struct rb_workload *w)
{
	struct rb_file *f = &w->files[c->file];

	if (c->store.ops) {   /* the file is the store's: gone with it */
		store__close(&c->store);
		f->fd = -1;
		f->map = NULL;
		f->map_len = 0;
	}
	chunkstore__close(&c->cs);
}

/* A descriptor of path that w's file does not list yet: the one a new connection opened. */
static int new_fd_of(const struct rb_file *f, const char *path)
{
	int fds[RB_MAX_MORE_FDS + 8], n = store__find_fds(path, fds, RB_MAX_MORE_FDS + 8), i, j;
	bool known;

	for (i = 0; i < n; i++) {
		known = fds[i] == f->fd;
		for (j = 0; !known && j < f->n_more_fds; j++)
			known = fds[i] == f->more_fds[j];
		if (!known)
			return fds[i];
	}
	return -1;
}

static int open_client(struct chunk_buf *b, const struct chunk_io *c, struct rb_workload *w)
{
	struct rb_file *f = &w->files[c->file];
	int fd, rc = c->store.ops->client_open(&c->store, &b->client);

	b->has_client = true;
	if (rc)
		return rc;
	fd = new_fd_of(f, f->path);
	if (fd >= 0 && f->n_more_fds < RB_MAX_MORE_FDS) {
		f->more_fds[f->n_more_fds++] = fd;
		b->db_fd = fd;
	}
	return 0;
}

int chunk_buf__init(struct chunk_buf *b, const struct chunk_io *c, struct rb_workload *w)
{
	int rc = -ENOMEM;

	memset(b, 0, sizeof(*b));
	b->db_fd = -1;
	b->buf = malloc((size_t)c->k * c->max_len + 1);
	b->extents = calloc((size_t)c->k, sizeof(*b->extents));
	if (b->buf && b->extents)
		rc = (c->store.ops->flags & RB_STORE_PER_CLIENT) ? open_client(b, c, w) : 0;
	if (!rc)
		return 0;
	chunk_buf__free(b, w, c);
	return rc;
}

void chunk_buf__free(struct chunk_buf *b, struct rb_workload *w, const struct chunk_io *c)
{
	struct rb_file *f = &w->files[c->file];
	int j;

	for (j = 0; b->db_fd >= 0 && j < f->n_more_fds; j++)
		if (f->more_fds[j] == b->db_fd) {
			f->more_fds[j] = f->more_fds[--f->n_more_fds];
			break;
		}
	if (b->has_client)
		c->store.ops->client_close(&c->store, &b->client);
	b->has_client = false;
	b->db_fd = -1;
	free(b->buf);
	free(b->extents);
	b->buf = NULL;
	b->extents = NULL;
}

int chunk_io__fetch(const struct chunk_io *c, const struct rb_workload *w, struct chunk_buf *b,
		    const int64_t *ids, int64_t n)
{
	const struct chunk_rec *r;
	char *dst;
	int64_t i;
	int rc;

	(void)w;
	for (i = 0; i < n && i < c->k; i++) {
		if (ids[i] < 0)
			continue;   /* the search found fewer than k */
		if ((uint64_t)ids[i] >= c->cs.count)
			return -ERANGE;
		r = &c->cs.recs[ids[i]];
		dst = b->buf + (size_t)i * c->max_len;
		if ((rc = c->store.ops->get(&c->store, &b->client, ids[i], dst, r->len)))
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
			b->extents[m++] = (struct rb_extent){
				c->file, c->store.ops->extent(&c->store, ids[i]), c->cs.recs[ids[i]].len };
	return m;
}

int chunk_io__extent_of(const struct chunk_io *c, int64_t id, struct rb_extent *out, size_t max)
{
	if (id < 0 || (uint64_t)id >= c->cs.count)
		return -ENOENT;
	if (!max)
		return 0;
	*out = (struct rb_extent){ c->file, c->store.ops->extent(&c->store, id), c->cs.recs[id].len };
	return 1;
}
