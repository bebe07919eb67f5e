/*
 * test_stores — the chunk stores (datasets/stores/: file, LMDB, SQLite) read
 * through chunk_io, the path chunk-fetch and rag take: every chunk comes back
 * byte for byte as chunks.dat holds it, its extent (from the store's extent
 * file) holds exactly those bytes in the database file, a changed byte in the
 * database is refused (-EBADMSG, the XXH32 of chunks.idx), and a file that is
 * not such a database is refused at open, naming it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datasets/stores/store.h"
#include "datasets/chunkstore.h"
#include "datasets/dataset.h"
#include "config/config.h"
#include "workloads/chunk_io.h"
#include "harness/workload_params.h"

#define N_CHUNKS 300

struct fixture {
	char dir[64];
	char dat[128], idx[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct chunkstore_writer *w;
	char err[256], text[700];
	int i, len;

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/rb-stores-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->dat, sizeof(f->dat), "%s/chunks.dat", f->dir);
	snprintf(f->idx, sizeof(f->idx), "%s/chunks.idx", f->dir);
	if (chunkstore__create(&w, f->dat, f->idx, err, sizeof(err)))
		return -1;
	for (i = 0; i < N_CHUNKS; i++) {
		/* lengths from 20 to ~650 bytes; some over LMDB's inline limit would need 2 KiB+ */
		len = snprintf(text, sizeof(text), "chunk %d: ", i);
		while (len < 20 + (i * 37) % 630)
			len += snprintf(text + len, sizeof(text) - (size_t)len, "w%d ", (i * 7 + len) % 1000);
		if (chunkstore__append(w, text, (size_t)len, (uint32_t)i, 1, err, sizeof(err)))
			return -1;
	}
	if (chunkstore__commit(w, err, sizeof(err)))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

/* Build the store of kind into the fixture's folder; ds and cfg as chunk-fetch sees them. */
static void build(struct fixture *f, const char *kind, struct rb_dataset *ds, struct rb_config *cfg)
{
	const struct rb_store_ops *ops = store__find(kind);
	struct chunkstore cs;
	char err[512] = "";

	memset(ds, 0, sizeof(*ds));
	config__defaults(cfg);
	snprintf(cfg->dataset_chunk_store, sizeof(cfg->dataset_chunk_store), "%s", kind);
	snprintf(ds->chunks_path, sizeof(ds->chunks_path), "%s", f->dat);
	snprintf(ds->chunks_idx_path, sizeof(ds->chunks_idx_path), "%s", f->idx);
	assert_non_null(ops);
	snprintf(ds->store_path, sizeof(ds->store_path), "%s/%s", f->dir,
		 ops->file_name ? ops->file_name : "none");
	snprintf(ds->store_ext_path, sizeof(ds->store_ext_path), "%s/%s.ext", f->dir, kind);
	unlink(ds->store_path);
	assert_int_equal(chunkstore__open(&cs, f->dat, f->idx, err, sizeof(err)), 0);
	if ((ops->flags & RB_STORE_BUILT) &&
	    store__build(ops, &cs, f->dat, ds->store_path, ds->store_ext_path, err, sizeof(err)))
		fail_msg("build %s: %s", kind, err);
	chunkstore__close(&cs);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void check_store(void **state, const char *kind)
{
	struct fixture *f = *state;
	struct rb_workload w = { 0 };
	struct rb_dataset ds;
	struct rb_config cfg;
	struct rb_workload_params wp;
	struct chunk_io io;
	struct chunk_buf b;
	struct rb_extent e;
	char err[512] = "", *dat, *db;
	size_t dat_len, db_len;
	int64_t id;

	build(f, kind, &ds, &cfg);
	workload_params__from_config(&cfg, &wp);
	assert_int_equal(chunk_io__open(&io, &w, 0, &wp, &ds, 1, err, sizeof(err)), 0);
	assert_int_equal(chunk_buf__init(&b, &io, &w), 0);
	/* the library's own descriptor of the database, found for the strategies */
	assert_true(w.files[0].fd >= 0);
	assert_string_equal(w.files[0].path, ds.store_path);
	if (!strcmp(kind, "sqlite")) {
		/* a connection per client, each descriptor listed for the strategies */
		struct chunk_buf b2;

		assert_int_equal(chunk_buf__init(&b2, &io, &w), 0);
		assert_non_null(b.client.priv);
		assert_non_null(b2.client.priv);
		assert_ptr_not_equal(b.client.priv, b2.client.priv);
		assert_int_equal(w.files[0].n_more_fds, 2);
		assert_true(b.db_fd >= 0 && b2.db_fd >= 0 && b.db_fd != b2.db_fd &&
			    b.db_fd != w.files[0].fd && b2.db_fd != w.files[0].fd);
		id = 3;
		assert_int_equal(chunk_io__fetch(&io, &w, &b2, &id, 1), 0);
		chunk_buf__free(&b2, &w, &io);
		assert_int_equal(w.files[0].n_more_fds, 1);
		assert_int_equal(w.files[0].more_fds[0], b.db_fd);
	}
	dat = slurp(f->dat, &dat_len);
	db = slurp(ds.store_path, &db_len);
	for (id = 0; id < N_CHUNKS; id++) {
		const struct chunk_rec *r = &io.cs.recs[id];

		assert_int_equal(chunk_io__fetch(&io, &w, &b, &id, 1), 0);
		assert_memory_equal(b.buf, dat + r->offset, r->len);
		/* the extent names the chunk's bytes inside the database file */
		assert_int_equal(chunk_io__extent_of(&io, id, &e, 1), 1);
		assert_int_equal(e.len, r->len);
		assert_true(e.offset + e.len <= db_len);
		assert_memory_equal(db + e.offset, dat + r->offset, r->len);
	}
	chunk_buf__free(&b, &w, &io);
	chunk_io__close(&io, &w);
	/* one byte of chunk 7 changed in the database: refused */
	assert_int_equal(chunk_io__open(&io, &w, 0, &wp, &ds, 1, err, sizeof(err)), 0);
	assert_int_equal(chunk_io__extent_of(&io, 7, &e, 1), 1);
	chunk_io__close(&io, &w);
	db[e.offset + 3] ^= 0x20;
	{
		int fd = open(ds.store_path, O_WRONLY);

		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, db + e.offset + 3, 1, (off_t)(e.offset + 3)), 1);
		close(fd);
	}
	assert_int_equal(chunk_io__open(&io, &w, 0, &wp, &ds, 1, err, sizeof(err)), 0);
	assert_int_equal(chunk_buf__init(&b, &io, &w), 0);
	id = 6;
	assert_int_equal(chunk_io__fetch(&io, &w, &b, &id, 1), 0);
	id = 7;
	assert_int_equal(chunk_io__fetch(&io, &w, &b, &id, 1), -EBADMSG);
	chunk_buf__free(&b, &w, &io);
	chunk_io__close(&io, &w);
	free(dat);
	free(db);
}

static void test_lmdb_store(void **state)
{
	check_store(state, "lmdb");
}

static void test_sqlite_store(void **state)
{
	check_store(state, "sqlite");
}

static void test_not_a_database(void **state)
{
	struct fixture *f = *state;
	struct rb_workload w = { 0 };
	struct rb_dataset ds;
	struct rb_config cfg;
	struct rb_workload_params wp;
	struct chunk_io io;
	char err[512] = "";
	const char *kinds[] = { "lmdb", "sqlite" };
	int i, fd;

	for (i = 0; i < 2; i++) {
		build(f, kinds[i], &ds, &cfg);
	workload_params__from_config(&cfg, &wp);
		fd = open(ds.store_path, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "RBCHUNK1 but not a database, not at all", 39), 39);
		close(fd);
		err[0] = '\0';
		assert_int_equal(chunk_io__open(&io, &w, 0, &wp, &ds, 1, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, ds.store_path));
		chunk_io__close(&io, &w);
	}
	/* a store's extent file of another size: refused too */
	build(f, "lmdb", &ds, &cfg);
	workload_params__from_config(&cfg, &wp);
	fd = open(ds.store_ext_path, O_WRONLY | O_TRUNC);
	close(fd);
	assert_int_equal(chunk_io__open(&io, &w, 0, &wp, &ds, 1, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not the extents of this chunk store"));
	chunk_io__close(&io, &w);
}

/* The file store: chunks.dat itself, by pread and out of a map, through the same ops. */
static void test_file_store(void **state)
{
	struct fixture *f = *state;
	const struct rb_store_ops *ops = store__find("file");
	struct rb_store_client cl = { 0 };
	struct chunkstore cs;
	struct rb_store s;
	char err[512] = "", *dat, *buf;
	size_t dat_len;
	uint64_t id;
	int mode;

	assert_non_null(ops);
	assert_false(ops->flags & RB_STORE_BUILT);
	assert_int_equal(chunkstore__open(&cs, f->dat, f->idx, err, sizeof(err)), 0);
	dat = slurp(f->dat, &dat_len);
	buf = malloc(store__longest(&cs));
	assert_non_null(buf);
	for (mode = 0; mode < 2; mode++) {
		assert_int_equal(store__open(&s, ops, &cs, f->dat, NULL, mode == 1, err, sizeof(err)), 0);
		assert_true(mode ? s.map != NULL && s.fd < 0 : s.fd >= 0 && s.map == NULL);
		assert_int_equal(s.size, dat_len);
		for (id = 0; id < cs.count; id++) {
			assert_int_equal(ops->extent(&s, (int64_t)id), cs.recs[id].offset);
			assert_int_equal(ops->get(&s, &cl, (int64_t)id, buf, cs.recs[id].len), 0);
			assert_memory_equal(buf, dat + cs.recs[id].offset, cs.recs[id].len);
		}
		/* a length other than chunks.idx's: not this chunk */
		assert_int_equal(ops->get(&s, &cl, 0, buf, cs.recs[0].len + 1), -EBADMSG);
		store__close(&s);
	}
	free(buf);
	free(dat);
	chunkstore__close(&cs);
}

static int no_open(struct rb_store *s, char *err, size_t errlen)
{
	(void)s, (void)err, (void)errlen;
	return -ENOSYS;
}

/* Tables that do not keep their flags' promises are refused, naming why. */
static void test_store_ops_checked(void **state)
{
	struct rb_store_ops o = store_lmdb_ops;
	char err[256];

	(void)state;
	assert_int_equal(store__check_ops(&store_file_ops, err, sizeof(err)), 0);
	assert_int_equal(store__check_ops(&store_lmdb_ops, err, sizeof(err)), 0);
	assert_int_equal(store__check_ops(&store_sqlite_ops, err, sizeof(err)), 0);
	o.version = RB_STORE_OPS_VERSION + 1;
	assert_int_equal(store__check_ops(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version"));
	o = store_lmdb_ops;
	o.build = NULL;
	assert_int_equal(store__check_ops(&o, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "RB_STORE_BUILT"));
	o = store_sqlite_ops;
	o.client_open = NULL;
	assert_int_equal(store__check_ops(&o, err, sizeof(err)), -EINVAL);
	o = store_file_ops;
	o.open = no_open;
	o.get = NULL;
	assert_int_equal(store__check_ops(&o, err, sizeof(err)), -EINVAL);
	assert_null(store__find("lmdbx"));
	assert_string_equal(store__names(), "file|lmdb|sqlite");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lmdb_store),
		cmocka_unit_test(test_sqlite_store),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_file_store),
		cmocka_unit_test(test_store_ops_checked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
