/*
 * chunkdb — LMDB and SQLite chunk stores, built from chunks.dat (see chunkdb.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <lmdb.h>
#include <sqlite3.h>

#include "chunkdb.h"
#include "lib/fsutil.h"

int chunkdb__kind(const char *name)
{
	if (!strcmp(name, "lmdb"))
		return CHUNKDB_LMDB;
	if (!strcmp(name, "sqlite"))
		return CHUNKDB_SQLITE;
	return -1;
}

const char *chunkdb__file_name(enum chunkdb_kind kind)
{
	return kind == CHUNKDB_LMDB ? "chunks.lmdb" : "chunks.sqlite";
}

static int fail(int ret, char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s", path, what);
	return ret;
}

/* Chunk i of cs, read from chunks.dat into buf (at least its length). */
static int read_chunk(int fd, const struct chunkstore *cs, uint64_t i, char *buf)
{
	size_t done = 0, len = cs->recs[i].len;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, (off_t)(cs->recs[i].offset + done));
		if (n <= 0)
			return n ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static uint32_t longest(const struct chunkstore *cs)
{
	uint32_t m = 1;
	uint64_t i;

	for (i = 0; i < cs->count; i++)
		if (cs->recs[i].len > m)
			m = cs->recs[i].len;
	return m;
}

/* path holds exactly buf, on disk (fsync'd). */
static int write_file(const char *path, const void *buf, size_t len, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc;

	if (fd < 0)
		return fail(-errno, err, errlen, path, strerror(errno));
	rc = fsutil__write_all(fd, buf, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	return rc ? fail(rc, err, errlen, path, strerror(-rc)) : 0;
}

static int fsync_file(const char *path, char *err, size_t errlen)
{
	int rc = fsutil__fsync_path(path);

	return rc ? fail(rc, err, errlen, path, strerror(-rc)) : 0;
}

/* ---- LMDB ---- */

static int lmdb_fail(int rc, char *err, size_t errlen, const char *path)
{
	return fail(-EIO, err, errlen, path, mdb_strerror(rc));
}

static int lmdb_write(const struct chunkstore *cs, int dat, const char *path, char *err,
		      size_t errlen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	char *buf = malloc(longest(cs));
	size_t id;
	int rc;

	if (!buf)
		return -ENOMEM;
	if ((rc = mdb_env_create(&env)) ||
	    (rc = mdb_env_set_mapsize(env, (size_t)(cs->dat_bytes * 2 + (64u << 20)))) ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK, 0644)) ||
	    (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &dbi))) {
		rc = lmdb_fail(rc, err, errlen, path);
		goto out;
	}
	for (id = 0; id < cs->count; id++) {
		if ((rc = read_chunk(dat, cs, id, buf))) {
			rc = fail(rc, err, errlen, path, "cannot read chunks.dat");
			goto out;
		}
		k = (MDB_val){ sizeof(id), &id };
		v = (MDB_val){ cs->recs[id].len, buf };
		if ((rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND))) {
			rc = lmdb_fail(rc, err, errlen, path);
			goto out;
		}
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc || (rc = mdb_env_sync(env, 1)))
		rc = lmdb_fail(rc, err, errlen, path);
out:
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	free(buf);
	return rc;
}

/* Each value's place: its pointer into LMDB's read-only map, less the map's start. */
static int lmdb_offsets(const struct chunkstore *cs, const char *path, uint64_t *off, char *err,
			size_t errlen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	size_t id, len;
	void *map;
	int rc;

	if ((rc = mdb_env_create(&env)) ||
	    (rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0644)) ||
	    (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) || (rc = mdb_dbi_open(txn, NULL, 0, &dbi))) {
		rc = lmdb_fail(rc, err, errlen, path);
		goto out;
	}
	if (chunkdb__find_mapping(path, &map, &len)) {
		rc = fail(-EIO, err, errlen, path, "LMDB's mapping not found in /proc/self/maps");
		goto out;
	}
	for (id = 0; id < cs->count; id++) {
		k = (MDB_val){ sizeof(id), &id };
		if ((rc = mdb_get(txn, dbi, &k, &v))) {
			rc = lmdb_fail(rc, err, errlen, path);
			goto out;
		}
		if ((char *)v.mv_data < (char *)map || (char *)v.mv_data + v.mv_size > (char *)map + len ||
		    v.mv_size != cs->recs[id].len) {
			rc = fail(-EIO, err, errlen, path, "a value outside LMDB's map");
			goto out;
		}
		off[id] = (uint64_t)((char *)v.mv_data - (char *)map);
	}
out:
	if (txn)
		mdb_txn_abort(txn);
	if (env)
		mdb_env_close(env);
	return rc;
}

/* ---- SQLite ---- */

static int sql_fail(sqlite3 *db, char *err, size_t errlen, const char *path)
{
	return fail(-EIO, err, errlen, path, db ? sqlite3_errmsg(db) : "out of memory");
}

static int sqlite_write(const struct chunkstore *cs, int dat, const char *path, char *err,
			size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	char *buf = malloc(longest(cs));
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
		if ((rc = read_chunk(dat, cs, id, buf))) {
			rc = fail(rc, err, errlen, path, "cannot read chunks.dat");
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
	if (sqlite3_close(db) && !rc)
		rc = fail(-EIO, err, errlen, path, "cannot close");
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
	char *file = NULL, *buf = malloc(longest(cs)), *hit;
	uint64_t id, from = 0, len;
	size_t want;
	struct stat st;
	int rc = 0;

	if (fd < 0 || !buf || fstat(fd, &st)) {
		rc = fail(-EIO, err, errlen, path, "cannot read it back");
		goto out;
	}
	file = malloc((size_t)st.st_size + 1);
	if (!file || pread(fd, file, (size_t)st.st_size, 0) != st.st_size) {
		rc = fail(-EIO, err, errlen, path, "cannot read it back");
		goto out;
	}
	for (id = 0; id < cs->count; id++) {
		len = cs->recs[id].len;
		want = len < 480 ? (size_t)len : 480;
		if ((rc = read_chunk(dat, cs, id, buf)))
			goto out;
		hit = memmem(file + from, (size_t)st.st_size - from, buf, want);
		if (!hit)
			hit = memmem(file, (size_t)st.st_size, buf, want);
		if (!hit) {
			rc = fail(-EIO, err, errlen, path, "a row's text not found in the file");
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

int chunkdb__build(enum chunkdb_kind kind, const struct chunkstore *cs, const char *dat_path,
		   const char *db_path, const char *ext_path, char *err, size_t errlen)
{
	uint64_t *off = calloc(cs->count ? cs->count : 1, sizeof(*off));
	int dat = open(dat_path, O_RDONLY | O_CLOEXEC), rc;

	if (!off || dat < 0) {
		rc = dat < 0 ? fail(-errno, err, errlen, dat_path, strerror(errno)) : -ENOMEM;
		goto out;
	}
	rc = kind == CHUNKDB_LMDB ? lmdb_write(cs, dat, db_path, err, errlen) :
				    sqlite_write(cs, dat, db_path, err, errlen);
	if (!rc)
		rc = fsync_file(db_path, err, errlen);
	if (!rc)
		rc = kind == CHUNKDB_LMDB ? lmdb_offsets(cs, db_path, off, err, errlen) :
					    sqlite_offsets(cs, dat, db_path, off, err, errlen);
	if (!rc)
		rc = write_file(ext_path, off, cs->count * sizeof(*off), err, errlen);
out:
	if (dat >= 0)
		close(dat);
	free(off);
	return rc;
}

int chunkdb__load_extents(const char *ext_path, uint64_t count, uint64_t **offsets, char *err,
			  size_t errlen)
{
	int fd = open(ext_path, O_RDONLY | O_CLOEXEC);
	uint64_t *off = malloc((count ? count : 1) * sizeof(*off));
	struct stat st;
	int rc = 0;

	*offsets = NULL;
	if (fd < 0 || !off || fstat(fd, &st)) {
		rc = fail(-EIO, err, errlen, ext_path, fd < 0 ? strerror(errno) : "cannot read");
	} else if ((uint64_t)st.st_size != count * sizeof(*off)) {
		rc = fail(-EINVAL, err, errlen, ext_path, "not the extents of this chunk store (size)");
	} else if (count && pread(fd, off, (size_t)st.st_size, 0) != st.st_size) {
		rc = fail(-EIO, err, errlen, ext_path, "cannot read");
	}
	if (fd >= 0)
		close(fd);
	if (rc)
		free(off);
	else
		*offsets = off;
	return rc;
}

int chunkdb__find_mapping(const char *path, void **addr, size_t *len)
{
	unsigned long s, e, pgoff, ino;
	unsigned int maj, min;
	char line[1024], perms[8];
	struct stat st;
	FILE *f;
	int rc = -ENOENT;

	if (stat(path, &st))
		return -errno;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &s, &e, perms, &pgoff, &maj, &min,
			   &ino) != 7)
			continue;
		if (ino == st.st_ino && makedev(maj, min) == st.st_dev && pgoff == 0) {
			*addr = (void *)s;
			*len = e - s;
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

int chunkdb__find_fds(const char *path, int *fds, int max)
{
	struct stat want, st;
	struct dirent *de;
	int fd, n = 0;
	char *end;
	DIR *d;

	if (stat(path, &want) || !(d = opendir("/proc/self/fd")))
		return 0;
	while (n < max && (de = readdir(d))) {
		fd = (int)strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd == dirfd(d))
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino)
			fds[n++] = fd;
	}
	closedir(d);
	return n;
}

int chunkdb__find_fd(const char *path, int excluding)
{
	int fds[64], n = chunkdb__find_fds(path, fds, 64), i;

	for (i = 0; i < n; i++)
		if (fds[i] != excluding)
			return fds[i];
	return -1;
}

/*
 * The interior (branch) pages of the store's B-tree, in bytes: what a lookup
 * reads on its way from the root to the leaf that holds a chunk. LMDB: its
 * statistics (the meta pages only); SQLite: the dbstat table (it reads the file).
 */
int chunkdb__interior_bytes(enum chunkdb_kind kind, const char *path, uint64_t *bytes)
{
	sqlite3_stmt *st = NULL;
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_stat ms;
	sqlite3 *db = NULL;
	int rc = -EIO;

	*bytes = 0;
	if (kind == CHUNKDB_LMDB) {
		if (!mdb_env_create(&env) &&
		    !mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0) &&
		    !mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) &&
		    !mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &dbi) && !mdb_stat(txn, dbi, &ms)) {
			*bytes = (uint64_t)ms.ms_branch_pages * ms.ms_psize;
			rc = 0;
		}
		if (txn)
			mdb_txn_abort(txn);
		mdb_env_close(env);
		return rc;
	}
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
