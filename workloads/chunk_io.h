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
 * dataset.chunk_store picks the store (datasets/stores/: file, lmdb, sqlite,
 * one ops table each): the same chunks out of chunks.dat or a real database,
 * checked against chunks.idx all the same. A store whose library opens the
 * file (RB_STORE_LIB_FILE) has its descriptor and map found in /proc/self, so
 * strategies advise what the library reads through; a store with a handle per
 * client (RB_STORE_PER_CLIENT: LMDB's read transaction, SQLite's connection)
 * gets one per client, and a client's own descriptor joins the workload's file.
 * Extents come from the store's extent op.
 */
#ifndef RB_CHUNK_IO_H
#define RB_CHUNK_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"
#include "datasets/chunkstore.h"
#include "datasets/stores/store.h"

struct rb_workload_params;
struct rb_dataset;

struct chunk_io {
	struct chunkstore cs;
	struct rb_store store;     /* the open store (dataset.chunk_store) */
	int file;                  /* slot of the store's file in w->files */
	int64_t k;
	uint32_t max_len;          /* the longest chunk */
};

/* What one client's fetches write. */
struct chunk_buf {
	char *buf;                 /* k * max_len: the fetched chunks of one query */
	struct rb_store_client client; /* RB_STORE_PER_CLIENT: the client's handle */
	bool has_client;
	int db_fd;                 /* the client's own descriptor of the store's file (-1: none) */
	struct rb_extent *extents; /* k extents of the last chunk_io__extents call */
};

/* Load chunks.idx, open the store; its file, descriptor and map into w->files[file]. */
int chunk_io__open(struct chunk_io *c, struct rb_workload *w, int file,
		   const struct rb_workload_params *wp, const struct rb_dataset *ds, int64_t k, char *err,
		   size_t errlen);
void chunk_io__close(struct chunk_io *c, struct rb_workload *w);

/*
 * A client's buffers for fetches of up to c->k chunks, and its store handle
 * (SQLite: its own connection, whose descriptor joins w's file for the
 * strategies). 0 or -errno.
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
