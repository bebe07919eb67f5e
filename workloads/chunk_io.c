/*
 * chunk_io — chunk store reads for chunk-fetch and rag (see chunk_io.h): from
 * chunks.dat, LMDB or SQLite.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lmdb.h>
#include <sqlite3.h>

#include "chunk_io.h"
#include "datasets/chunkdb.h"
#include "datasets/dataset.h"
#include "lib/fsutil.h"

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

/* The library's own descriptor and mapping of path, as the workload's file (not ours to close). */
static void db_file(struct chunk_io *c, struct rb_workload *w, const char *path, int fd)
{
	struct rb_file *f = &w->files[c->file];
	struct stat st;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fd = fd;
	if (fd >= 0 && fstat(fd, &st) == 0)
		f->size = (uint64_t)st.st_size;
	if (chunkdb__find_mapping(path, &f->map, &f->map_len))
		f->map = NULL, f->map_len = 0;
	c->f = NULL;	/* chunk_io__close leaves the file to the library */
}

static int open_lmdb(struct chunk_io *c, struct rb_workload *w, const char *path, char *err,
		     size_t errlen)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	int fd = -1, rc;
	struct stat st;

	if (stat(path, &st)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	/* no MDB_NORDAHEAD: LMDB's default; strategy fadvise-random has its effect */
	if ((rc = mdb_env_create(&c->env)) ||
	    (rc = mdb_env_set_mapsize(c->env, (size_t)st.st_size)) ||
	    (rc = mdb_env_open(c->env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY | MDB_NOTLS,
			       0644)) ||
	    (rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn))) {
		snprintf(err, errlen, "%s: not an LMDB database: %s", path, mdb_strerror(rc));
		return -EINVAL;
	}
	rc = mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &dbi);
	mdb_txn_abort(txn);
	if (rc) {
		snprintf(err, errlen, "%s: no chunks in it: %s", path, mdb_strerror(rc));
		return -EINVAL;
	}
	c->dbi = dbi;
	mdb_env_get_fd(c->env, &fd);
	db_file(c, w, path, fd);
	return 0;
}

static int open_sqlite(struct chunk_io *c, struct rb_workload *w, const char *path, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char pragma[64];
	int fd;

	if (stat(path, &sb) ||
	    sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL)) {
		snprintf(err, errlen, "%s: %s", path, c->db ? sqlite3_errmsg(c->db) : strerror(errno));
		return -EINVAL;
	}
	snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size = %lld",
		 c->use_mmap ? (long long)sb.st_size : 0LL);
	/* reads the schema: a file that is not a database is refused here */
	if (sqlite3_exec(c->db, pragma, NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(c->db, "SELECT text FROM chunks WHERE id = ?", -1, &st, NULL)) {
		snprintf(err, errlen, "%s: not a chunk database: %s", path, sqlite3_errmsg(c->db));
		return -EINVAL;
	}
	sqlite3_finalize(st);
	fd = chunkdb__find_fd(path, -1);
	db_file(c, w, path, fd);
	return 0;
}

int chunk_io__open(struct chunk_io *c, struct rb_workload *w, int file,
		   const struct rb_workload_params *wp, const struct rb_dataset *ds, int64_t k, char *err,
		   size_t errlen)
{
	uint64_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->file = file;
	c->k = k;
	c->use_mmap = !strcmp(wp->chunk_io, "mmap");
	if (!ds->chunks_path[0]) {
		snprintf(err, errlen, "workload.type %s: the dataset has no chunk store "
			 "(dataset.generator: corpus makes one)", wp->type);
		return -EINVAL;
	}
	c->kind = chunkdb__kind(wp->chunk_store);
	rc = chunkstore__open(&c->cs, ds->chunks_path, ds->chunks_idx_path, err, errlen);
	if (rc)
		return rc;
	for (i = 0; i < c->cs.count; i++)
		if (c->cs.recs[i].len > c->max_len)
			c->max_len = c->cs.recs[i].len;
	if (c->kind < 0)
		return chunk_io_file(c, w, ds->chunks_path, err, errlen);
	rc = chunkdb__load_extents(ds->store_ext_path, c->cs.count, &c->db_offsets, err, errlen);
	if (rc)
		return rc;
	return c->kind == CHUNKDB_LMDB ? open_lmdb(c, w, ds->store_path, err, errlen) :
					 open_sqlite(c, w, ds->store_path, err, errlen);
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
	if (c->env)
		mdb_env_close(c->env);
	if (c->db)
		sqlite3_close(c->db);
	c->env = NULL;
	c->db = NULL;
	free(c->db_offsets);
	c->db_offsets = NULL;
	chunkstore__close(&c->cs);
}

/* A descriptor of path that w's file does not list yet: the one a new connection opened. */
static int new_fd_of(const struct rb_file *f, const char *path)
{
	int fds[RB_MAX_MORE_FDS + 8], n = chunkdb__find_fds(path, fds, RB_MAX_MORE_FDS + 8), i, j;
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

static int open_client_db(struct chunk_buf *b, const struct chunk_io *c, struct rb_workload *w)
{
	struct rb_file *f = &w->files[c->file];
	char pragma[64];
	int fd;

	if (sqlite3_open_v2(f->path, &b->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL))
		return -EIO;
	snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size = %lld",
		 c->use_mmap ? (long long)f->size : 0LL);
	if (sqlite3_exec(b->db, pragma, NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(b->db, "SELECT text FROM chunks WHERE id = ?", -1,
			       (sqlite3_stmt **)&b->stmt, NULL))
		return -EIO;
	fd = new_fd_of(f, f->path);
	if (fd >= 0 && f->n_more_fds < RB_MAX_MORE_FDS) {
		f->more_fds[f->n_more_fds++] = fd;
		b->db_fd = fd;
	}
	return 0;
}

int chunk_buf__init(struct chunk_buf *b, const struct chunk_io *c, struct rb_workload *w)
{
	MDB_txn *txn = NULL;
	int rc = -ENOMEM;

	memset(b, 0, sizeof(*b));
	b->db_fd = -1;
	b->buf = malloc((size_t)c->k * c->max_len + 1);
	b->extents = calloc((size_t)c->k, sizeof(*b->extents));
	if (c->env && !mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn)) {
		mdb_txn_reset(txn);
		b->txn = txn;
	}
	if (b->buf && b->extents && (!c->env || b->txn))
		rc = c->db ? open_client_db(b, c, w) : 0;
	if (!rc)
		return 0;
	chunk_buf__free(b, w, c);
	return rc;
}

void chunk_buf__free(struct chunk_buf *b, struct rb_workload *w, const struct chunk_io *c)
{
	struct rb_file *f = &w->files[c->file];
	int j;

	if (b->txn)
		mdb_txn_abort(b->txn);
	sqlite3_finalize(b->stmt);
	for (j = 0; b->db_fd >= 0 && j < f->n_more_fds; j++)
		if (f->more_fds[j] == b->db_fd) {
			f->more_fds[j] = f->more_fds[--f->n_more_fds];
			break;
		}
	sqlite3_close(b->db);
	b->db = NULL;
	b->db_fd = -1;
	b->txn = NULL;
	b->stmt = NULL;
	free(b->buf);
	free(b->extents);
	b->buf = NULL;
	b->extents = NULL;
}

/* Chunk id out of the database into dst (its length checked against chunks.idx). */
static int db_get(const struct chunk_io *c, struct chunk_buf *b, int64_t id, char *dst)
{
	uint32_t len = c->cs.recs[id].len;
	const void *p;
	int rc = -EIO;

	if (c->env) {
		size_t key = (size_t)id;
		MDB_val k = { sizeof(key), &key }, v;

		if (mdb_txn_renew(b->txn))
			return -EIO;
		if (!mdb_get(b->txn, c->dbi, &k, &v) && v.mv_size == len) {
			memcpy(dst, v.mv_data, len);
			rc = 0;
		} else {
			rc = -EBADMSG;
		}
		mdb_txn_reset(b->txn);
		return rc;
	}
	sqlite3_bind_int64(b->stmt, 1, (sqlite3_int64)id);
	if (sqlite3_step(b->stmt) == SQLITE_ROW) {
		p = sqlite3_column_blob(b->stmt, 0);
		if (p && (uint32_t)sqlite3_column_bytes(b->stmt, 0) == len) {
			memcpy(dst, p, len);
			rc = 0;
		} else {
			rc = -EBADMSG;
		}
	}
	sqlite3_reset(b->stmt);
	return rc;
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
		if (c->kind >= 0) {
			if ((rc = db_get(c, b, ids[i], dst)))
				return rc;
		} else if (f->map)
			memcpy(dst, (const char *)f->map + r->offset, r->len);
		else if ((rc = fsutil__pread_all(f->fd, dst, r->len, (off_t)r->offset)))
			return rc;
		if (chunkstore__verify(&c->cs, (uint64_t)ids[i], dst, r->len))
			return -EBADMSG;
	}
	return 0;
}

/* Where chunk id's bytes are in the file the workload reads (chunks.dat or the database). */
static uint64_t offset_of(const struct chunk_io *c, int64_t id)
{
	return c->db_offsets ? c->db_offsets[id] : c->cs.recs[id].offset;
}

size_t chunk_io__extents(const struct chunk_io *c, struct chunk_buf *b, const int64_t *ids,
			 int64_t n)
{
	size_t m = 0;
	int64_t i;

	for (i = 0; i < n && i < c->k; i++)
		if (ids[i] >= 0 && (uint64_t)ids[i] < c->cs.count)
			b->extents[m++] = (struct rb_extent){ c->file, offset_of(c, ids[i]),
							      c->cs.recs[ids[i]].len };
	return m;
}

int chunk_io__extent_of(const struct chunk_io *c, int64_t id, struct rb_extent *out, size_t max)
{
	if (id < 0 || (uint64_t)id >= c->cs.count)
		return -ENOENT;
	if (!max)
		return 0;
	*out = (struct rb_extent){ c->file, offset_of(c, id), c->cs.recs[id].len };
	return 1;
}
