/*
 * chunkdb — the chunk store (datasets/chunkstore.h) in the databases RAG servers
 * keep their text in: LMDB (key = chunk id as MDB_INTEGERKEY, value = the chunk's
 * bytes; many stores use it) and SQLite (a table chunks(id INTEGER PRIMARY KEY,
 * text BLOB); Chroma's way). Built from chunks.dat + chunks.idx, which stay the
 * reference: same bytes, same XXH32 per chunk.
 *
 * Beside each database, an extent file says where each chunk's bytes lie in the
 * database file (uint64 offset per chunk, little-endian; the length is the
 * chunk's): for LMDB the value's pointer into its map, for SQLite where the
 * row's text sits in its leaf page (found by searching the file for it, forward
 * in rowid order, and read back to check). What willneed, bpf-prefetch and
 * "bytes needed" use; the B-tree's interior pages a lookup passes through are
 * counted apart (chunkdb__interior_bytes, the report's dataset.store_interior_bytes).
 */
#ifndef RB_CHUNKDB_H
#define RB_CHUNKDB_H

#include <stddef.h>
#include <stdint.h>

#include "chunkstore.h"

enum chunkdb_kind { CHUNKDB_LMDB, CHUNKDB_SQLITE };

/* "lmdb" / "sqlite" -> kind; -1 for anything else ("file" included). */
int chunkdb__kind(const char *name);
/* The database's file name in its folder ("chunks.lmdb", "chunks.sqlite"). */
const char *chunkdb__file_name(enum chunkdb_kind kind);

/* Write db_path and ext_path (fsynced) holding every chunk of cs, read from dat_path. */
int chunkdb__build(enum chunkdb_kind kind, const struct chunkstore *cs, const char *dat_path,
		   const char *db_path, const char *ext_path, char *err, size_t errlen);

/* Load ext_path: count offsets into *offsets (malloc'd). A wrong size is refused. */
int chunkdb__load_extents(const char *ext_path, uint64_t count, uint64_t **offsets, char *err,
			  size_t errlen);

/* Where path is mapped in this process (its first mapping of the whole file): 0 or -ENOENT. */
int chunkdb__find_mapping(const char *path, void **addr, size_t *len);
/* A descriptor of this process open on path (not excluding), or -1. */
int chunkdb__find_fd(const char *path, int excluding);
/* The bytes of the store's interior B-tree pages (an upper bound of what lookups read beyond the chunks). */
int chunkdb__interior_bytes(enum chunkdb_kind kind, const char *path, uint64_t *bytes);

/* Every descriptor of this process open on path, up to max into fds; how many. */
int chunkdb__find_fds(const char *path, int *fds, int max);

#endif
