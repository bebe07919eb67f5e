/*
 * sqlite — the chunk store in SQLite: chunks(id INTEGER PRIMARY KEY, text BLOB),
 * Chroma's way, 4 KiB pages. A fetch is SELECT text ... WHERE id = ? on the
 * client's own read-only connection (a server opens one per worker: no
 * serialised shared connection); SQLite reads by pread, or through its own map
 * with workload.chunk_io mmap (PRAGMA mmap_size). Extents: where each row's text
 * sits in its leaf page, found by searching the file and read back to check.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store.h"

static const char select_sql[] = "SELECT text FROM chunks WHERE id = ?";

static int sql_fail(sqlite3 *db, char *err, size_t errlen, const char *path)
{
	snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
	return -EIO;
}

static int sqlite_write(const struct chunkstore *cs, int dat, const char *path, char *err,
			size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	char *buf = malloc(store__longest(cs));
	uint64_t id;
	int rc;

	if (!buf)
		return -ENOMEM;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) ||
	    sqlite3_exec(db, "PRAGMA page_size = 4096; PRAGMA journal_mode = OFF; "
			 "PRAGMA synchronous = OFF; CREATE TABLE chunks(id INTEGER PRIMARY KEY, "
			 "text BLOB NOT NULL); BEGIN", NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(db, "INSERT INTO chunks(id, text) VALUES (?, ?)", -1, &ins, NULL)) {
		rc = sql_fail(db, err, errlen, path);
		goto out;
	}
	for (id = 0; id < cs->count; id++) {
		if ((rc = store__read_chunk(dat, cs, id, buf))) {
			snprintf(err, errlen, "%s: cannot read chunks.dat", path);
			goto out;
		}
		sqlite3_bind_int64(ins, 1, (sqlite3_int64)id);
		sqlite3_bind_blob(ins, 2, buf, (int)cs->recs[id].len, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			rc = sql_fail(db, err, errlen, path);
			goto out;
		}
		sqlite3_reset(ins);
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) ? sql_fail(db, err, errlen, path) : 0;
out:
	sqlite3_finalize(ins);
	if (sqlite3_close(db) && !rc) {
		snprintf(err, errlen, "%s: cannot close", path);
		rc = -EIO;
	}
	free(buf);
	return rc;
}

/*
 * A row's text lies whole in its leaf page up to ~4 KiB; a longer one keeps at
 * least its first 489 bytes there and spills the rest into overflow pages: its
 * first 480 bytes are what is searched (and its extent starts there). Rows were
 * inserted in id order, so each is searched from where the previous one was found.
 */
static int sqlite_offsets(const struct chunkstore *cs, int dat, const char *path, uint64_t *off,
			  char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *file = NULL, *buf = malloc(store__longest(cs)), *hit;
	uint64_t id, from = 0, len;
	size_t want;
	struct stat st;
	int rc = 0;

	if (fd < 0 || !buf || fstat(fd, &st) || !(file = malloc((size_t)st.st_size + 1)) ||
	    fsutil__pread_all(fd, file, (size_t)st.st_size, 0)) {
		snprintf(err, errlen, "%s: cannot read it back", path);
		rc = -EIO;
		goto out;
	}
	for (id = 0; id < cs->count; id++) {
		len = cs->recs[id].len;
		want = len < 480 ? (size_t)len : 480;
		if ((rc = store__read_chunk(dat, cs, id, buf)))
			goto out;
		hit = memmem(file + from, (size_t)st.st_size - from, buf, want);
		if (!hit)
			hit = memmem(file, (size_t)st.st_size, buf, want);
		if (!hit) {
			snprintf(err, errlen, "%s: a row's text not found in the file", path);
			rc = -EIO;
			goto out;
		}
		off[id] = (uint64_t)(hit - file);
		from = off[id] + want;
	}
out:
	if (fd >= 0)
		close(fd);
	free(file);
	free(buf);
	return rc;
}

static int sqlite_build(const struct chunkstore *cs, const char *dat_path, const char *db_path,
			uint64_t *off, char *err, size_t errlen)
{
	int dat = open(dat_path, O_RDONLY | O_CLOEXEC), rc;

	if (dat < 0) {
		snprintf(err, errlen, "%s: %s", dat_path, strerror(errno));
		return -errno;
	}
	rc = sqlite_write(cs, dat, db_path, err, errlen);
	if (!rc && (rc = fsutil__fsync_path(db_path)))
		snprintf(err, errlen, "%s: %s", db_path, strerror(-rc));
	if (!rc)
		rc = sqlite_offsets(cs, dat, db_path, off, err, errlen);
	close(dat);
	return rc;
}

/* The interior pages of table chunks, from the dbstat table (it reads the file). */
static int sqlite_interior_bytes(const char *path, uint64_t *bytes)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	int rc = -EIO;

	*bytes = 0;
	if (!sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) &&
	    !sqlite3_prepare_v2(db, "SELECT count(*) * (SELECT page_size FROM pragma_page_size) "
			       "FROM dbstat WHERE name = 'chunks' AND pagetype = 'internal'", -1, &st,
			       NULL) &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*bytes = (uint64_t)sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

/* A read-only connection on path with its mmap_size and the SELECT prepared. */
static int connect(const struct rb_store *s, sqlite3 **db, sqlite3_stmt **stmt)
{
	char pragma[64];

	if (sqlite3_open_v2(s->path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL))
		return -EIO;
	snprintf(pragma, sizeof(pragma), "PRAGMA mmap_size = %lld",
		 s->use_mmap ? (long long)s->size : 0LL);
	/* reads the schema: a file that is not a database is refused here */
	if (sqlite3_exec(*db, pragma, NULL, NULL, NULL) ||
	    sqlite3_prepare_v2(*db, select_sql, -1, stmt, NULL))
		return -EINVAL;
	return 0;
}

static int sqlite_open(struct rb_store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	struct stat sb;
	int rc;

	if (stat(s->path, &sb)) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		return -EINVAL;
	}
	s->size = (uint64_t)sb.st_size;
	rc = connect(s, &db, &st);
	s->priv = db;
	sqlite3_finalize(st);
	if (rc) {
		snprintf(err, errlen, "%s: not a chunk database: %s", s->path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		return -EINVAL;
	}
	s->fd = store__find_fd(s->path, -1);
	if (store__find_mapping(s->path, &s->map, &s->map_len))
		s->map = NULL, s->map_len = 0;
	return 0;
}

static int sqlite_client_open(const struct rb_store *s, struct rb_store_client *c)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = connect(s, &db, &st);

	c->priv = db;
	c->priv2 = st;
	return rc ? -EIO : 0;
}

static int sqlite_get(const struct rb_store *s, struct rb_store_client *c, int64_t id, char *dst,
		      uint32_t len)
{
	sqlite3_stmt *st = c->priv2;
	const void *p;
	int rc = -EIO;

	(void)s;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		p = sqlite3_column_blob(st, 0);
		rc = -EBADMSG;
		if (p && (uint32_t)sqlite3_column_bytes(st, 0) == len) {
			memcpy(dst, p, len);
			rc = 0;
		}
	}
	sqlite3_reset(st);
	return rc;
}

static uint64_t sqlite_extent(const struct rb_store *s, int64_t id)
{
	return s->offsets[id];
}

static void sqlite_client_close(const struct rb_store *s, struct rb_store_client *c)
{
	(void)s;
	sqlite3_finalize(c->priv2);
	sqlite3_close(c->priv);
	c->priv = c->priv2 = NULL;
}

static void sqlite_close(struct rb_store *s)
{
	sqlite3_close(s->priv);   /* its descriptor is SQLite's */
	s->priv = NULL;
	s->fd = -1;
	s->map = NULL;
}

const struct rb_store_ops store_sqlite_ops = {
	.version = RB_STORE_OPS_VERSION,
	.name = "sqlite",
	.file_name = "chunks.sqlite",
	.flags = RB_STORE_BUILT | RB_STORE_PER_CLIENT | RB_STORE_LIB_FILE | RB_STORE_INTERIOR,
	.build = sqlite_build,
	.interior_bytes = sqlite_interior_bytes,
	.open = sqlite_open,
	.client_open = sqlite_client_open,
	.get = sqlite_get,
	.extent = sqlite_extent,
	.client_close = sqlite_client_close,
	.close = sqlite_close,
};
