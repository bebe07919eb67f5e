/*
 * lmdb — the chunk store in LMDB: key = chunk id (MDB_INTEGERKEY), value = the
 * chunk's bytes, as many RAG stores keep text. A fetch is mdb_get in the
 * client's read transaction and a copy of the value out of LMDB's map (its
 * page faults). The map and descriptor are LMDB's own, found in /proc/self so
 * strategies advise what the library reads through. No MDB_NORDAHEAD: LMDB's
 * default, so that fadvise-random has its effect. Extents: each value's
 * pointer into the read-only map, less the map's start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include <lmdb.h>

#include "store.h"

struct lmdb_store {
	MDB_env *env;
	MDB_dbi dbi;
};

static int lmdb_fail(int rc, char *err, size_t errlen, const char *path)
{
	snprintf(err, errlen, "%s: %s", path, mdb_strerror(rc));
	return -EIO;
}

static int lmdb_write(const struct chunkstore *cs, int dat, const char *path, char *err,
		      size_t errlen)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_val k, v;
	char *buf = malloc(store__longest(cs));
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
		if ((rc = store__read_chunk(dat, cs, id, buf))) {
			snprintf(err, errlen, "%s: cannot read chunks.dat", path);
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
	if (store__find_mapping(path, &map, &len)) {
		snprintf(err, errlen, "%s: LMDB's mapping not found in /proc/self/maps", path);
		rc = -EIO;
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
			snprintf(err, errlen, "%s: a value outside LMDB's map", path);
			rc = -EIO;
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

static int lmdb_build(const struct chunkstore *cs, const char *dat_path, const char *db_path,
		      uint64_t *off, char *err, size_t errlen)
{
	int dat = open(dat_path, O_RDONLY | O_CLOEXEC), rc;

	if (dat < 0) {
		snprintf(err, errlen, "%s: %s", dat_path, strerror(errno));
		return -errno;
	}
	rc = lmdb_write(cs, dat, db_path, err, errlen);
	close(dat);
	if (!rc && (rc = fsutil__fsync_path(db_path)))
		snprintf(err, errlen, "%s: %s", db_path, strerror(-rc));
	return rc ? rc : lmdb_offsets(cs, db_path, off, err, errlen);
}

/* The branch pages of its B-tree, from LMDB's statistics. */
static int lmdb_interior_bytes(const char *path, uint64_t *bytes)
{
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi dbi;
	MDB_stat ms;
	int rc = -EIO;

	*bytes = 0;
	if (!mdb_env_create(&env) && !mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY, 0) &&
	    !mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) && !mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &dbi) &&
	    !mdb_stat(txn, dbi, &ms)) {
		*bytes = (uint64_t)ms.ms_branch_pages * ms.ms_psize;
		rc = 0;
	}
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

static int lmdb_open(struct rb_store *s, char *err, size_t errlen)
{
	struct lmdb_store *l = calloc(1, sizeof(*l));
	MDB_txn *txn;
	struct stat st;
	int fd = -1, rc;

	if (!l)
		return -ENOMEM;
	s->priv = l;
	if (stat(s->path, &st)) {
		snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
		return -errno;
	}
	if ((rc = mdb_env_create(&l->env)) || (rc = mdb_env_set_mapsize(l->env, (size_t)st.st_size)) ||
	    (rc = mdb_env_open(l->env, s->path, MDB_NOSUBDIR | MDB_NOLOCK | MDB_RDONLY | MDB_NOTLS,
			       0644)) ||
	    (rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn))) {
		snprintf(err, errlen, "%s: not an LMDB database: %s", s->path, mdb_strerror(rc));
		return -EINVAL;
	}
	rc = mdb_dbi_open(txn, NULL, MDB_INTEGERKEY, &l->dbi);
	mdb_txn_abort(txn);
	if (rc) {
		snprintf(err, errlen, "%s: no chunks in it: %s", s->path, mdb_strerror(rc));
		return -EINVAL;
	}
	mdb_env_get_fd(l->env, &fd);
	s->fd = fd;
	s->size = (uint64_t)st.st_size;
	if (store__find_mapping(s->path, &s->map, &s->map_len))
		s->map = NULL, s->map_len = 0;
	return 0;
}

static int lmdb_client_open(const struct rb_store *s, struct rb_store_client *c)
{
	const struct lmdb_store *l = s->priv;
	MDB_txn *txn = NULL;

	if (mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn))
		return -EIO;
	mdb_txn_reset(txn);
	c->priv = txn;
	return 0;
}

static int lmdb_get(const struct rb_store *s, struct rb_store_client *c, int64_t id, char *dst,
		    uint32_t len)
{
	const struct lmdb_store *l = s->priv;
	size_t key = (size_t)id;
	MDB_val k = { sizeof(key), &key }, v;
	int rc = -EBADMSG;

	if (mdb_txn_renew(c->priv))
		return -EIO;
	if (!mdb_get(c->priv, l->dbi, &k, &v) && v.mv_size == len) {
		memcpy(dst, v.mv_data, len);
		rc = 0;
	}
	mdb_txn_reset(c->priv);
	return rc;
}

static uint64_t lmdb_extent(const struct rb_store *s, int64_t id)
{
	return s->offsets[id];
}

static void lmdb_client_close(const struct rb_store *s, struct rb_store_client *c)
{
	(void)s;
	if (c->priv)
		mdb_txn_abort(c->priv);
	c->priv = NULL;
}

static void lmdb_close(struct rb_store *s)
{
	struct lmdb_store *l = s->priv;

	if (l && l->env)
		mdb_env_close(l->env);   /* its descriptor and map are LMDB's */
	free(l);
	s->priv = NULL;
	s->fd = -1;
	s->map = NULL;
}

const struct rb_store_ops store_lmdb_ops = {
	.version = RB_STORE_OPS_VERSION,
	.name = "lmdb",
	.file_name = "chunks.lmdb",
	.flags = RB_STORE_BUILT | RB_STORE_PER_CLIENT | RB_STORE_LIB_FILE | RB_STORE_INTERIOR,
	.build = lmdb_build,
	.interior_bytes = lmdb_interior_bytes,
	.open = lmdb_open,
	.client_open = lmdb_client_open,
	.get = lmdb_get,
	.extent = lmdb_extent,
	.client_close = lmdb_client_close,
	.close = lmdb_close,
};
