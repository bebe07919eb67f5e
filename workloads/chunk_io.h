/*
 * chunk_io — fetching chunks from the chunk store (datasets/chunkstore.h), shared
 * by chunk-fetch and rag. The offsets table (chunks.idx) is loaded at open, as a
 * server keeps it in memory; every fetch reads the chunk's bytes from chunks.dat
 * (workload.chunk_io: pread on our fd, or a copy out of our mmap of the file,
 * which faults the pages in) into a buffer that holds the k chunks of a query,
 * as the context a RAG server hands on, and checks each one's XXH32 against the
 * table: a mismatch fails the query with -EBADMSG, never counts as a result.
 * The store and the file are shared by every client; the buffer each fetch
 * writes is the client's own (struct chunk_buf).
 *
 * dataset.chunk_store lmdb or sqlite: the same chunks come out of a real
 * database (datasets/chunkdb.h) — LMDB's mdb_get in a read transaction per
 * client (the value copied out of LMDB's map: its page faults), or SQLite's
 * SELECT by rowid on a read-only connection per client (pread by default, its
 * own mmap with workload.chunk_io mmap). Checked against chunks.idx all the same. The
 * database file is the workload's file: LMDB's map and descriptor, SQLite's
 * descriptor (and map), found in /proc/self, so strategies advise what the
 * library reads through. Extents come from the store's extent file.
 */
#ifndef RB_CHUNK_IO_H
#define RB_CHUNK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"
#include "datasets/chunkstore.h"

struct rb_workload_params;
struct rb_dataset;

struct MDB_env;
struct sqlite3;

struct chunk_io {
	struct chunkstore cs;
	int kind;                  /* -1: chunks.dat; else enum chunkdb_kind */
	uint64_t *db_offsets;      /* lmdb, sqlite: each chunk's offset in the database file */
	struct MDB_env *env;       /* lmdb */
	unsigned int dbi;
	struct sqlite3 *db;        /* sqlite */
	int file;                  /* slot of chunks.dat in w->files */
	struct rb_file *f;         /* that slot, once this opened it (NULL before) */
	bool use_mmap;
	int64_t k;
	uint32_t max_len;          /* the longest chunk */
};

/* What one client's fetches write. */
struct chunk_buf {
	char *buf;                 /* k * max_len: the fetched chunks of one query */
	void *txn;                 /* lmdb: a read transaction, reset between fetches */
	void *stmt;                /* sqlite: SELECT text FROM chunks WHERE id = ? */
	struct sqlite3 *db;        /* sqlite: the client's own read-only connection */
	int db_fd;                 /* its descriptor of the database (-1: none) */
	struct rb_extent *extents; /* k extents of the last chunk_io__extents call */
};

/* Load chunks.idx, open (or map) chunks.dat into w->files[file]. */
int chunk_io__open(struct chunk_io *c, struct rb_workload *w, int file,
		   const struct rb_workload_params *wp, const struct rb_dataset *ds, int64_t k, char *err,
		   size_t errlen);
void chunk_io__close(struct chunk_io *c);

/*
 * A client's buffers for fetches of up to c->k chunks, and for SQLite its own
 * connection (a server opens one per worker: no serialised shared connection),
 * whose descriptor joins w's file for the strategies. 0 or -errno.
 */
int chunk_buf__init(struct chunk_buf *b, const struct chunk_io *c, struct rb_workload *w);
void chunk_buf__free(struct chunk_buf *b, struct rb_workload *w, const struct chunk_io *c);

/* Fetch and verify chunks ids[0..n) (n <= k; ids < 0 are skipped) into b->buf. */
int chunk_io__fetch(const struct chunk_io *c, const struct rb_workload *w, struct chunk_buf *b,
		    const int64_t *ids, int64_t n);

/* The extents of chunks ids[0..n) into b->extents; how many. */
size_t chunk_io__extents(const struct chunk_io *c, struct chunk_buf *b, const int64_t *ids,
			 int64_t n);

/* The extent of chunk id (extent_map); -ENOENT past the last chunk. */
int chunk_io__extent_of(const struct chunk_io *c, int64_t id, struct rb_extent *out, size_t max);

#endif
