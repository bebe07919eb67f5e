/*
 * store — the chunk stores a RAG server keeps its text in, one ops table each
 * (fio's ioengine_ops): `file` (chunks.dat itself, read by pread or out of a
 * map), `lmdb` (LMDB, key = chunk id as MDB_INTEGERKEY, its map faulted by
 * mdb_get) and `sqlite` (SQLite, chunks(id INTEGER PRIMARY KEY, text BLOB),
 * Chroma's way). chunks.dat + chunks.idx (datasets/chunkstore.h) stay the
 * reference: every store holds the same bytes, checked by the same XXH32.
 *
 * A store built from chunks.dat (RB_STORE_BUILT) lives in its own folder with
 * an extent file (uint64 offset per chunk, little-endian; the length is the
 * chunk's): where each chunk's bytes lie in the store's file, what willneed,
 * bpf-prefetch and "bytes needed" use. The B-tree's interior pages a lookup
 * passes through are counted apart (interior_bytes).
 *
 * Adding a store: one file with a `const struct rb_store_ops` at its bottom and
 * one line in store.c's table (docs/stores.md has a worked example).
 */
#ifndef RB_STORE_H
#define RB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datasets/chunkstore.h"
#include "datasets/spec.h"
#include "lib/fsutil.h"

#define RB_STORE_OPS_VERSION 1

enum rb_store_flags {
	RB_STORE_BUILT      = 1u << 0, /* built from chunks.dat into file_name, with extents.bin */
	RB_STORE_PER_CLIENT = 1u << 1, /* each client opens its own handle (client_open) */
	RB_STORE_LIB_FILE   = 1u << 2, /* the library opens/maps the file: found in /proc/self */
	RB_STORE_INTERIOR   = 1u << 3, /* interior pages beside the chunks (interior_bytes) */
};

/* An open store: what its reader sees. */
struct rb_store {
	const struct rb_store_ops *ops;
	const struct chunkstore *cs;     /* the reference: ids, lengths, checksums */
	char path[RB_PATH_MAX];          /* the file the store reads */
	uint64_t size;                   /* its size */
	int fd;                          /* its descriptor in this process (-1: none) */
	void *map;                       /* its map in this process (NULL: none) */
	size_t map_len;
	uint64_t *offsets;               /* RB_STORE_BUILT: each chunk's offset in path */
	bool use_mmap;                   /* workload.chunk_io mmap */
	void *priv;                      /* the store's own handle */
};

/* One client's handle (a transaction, a connection). */
struct rb_store_client {
	void *priv;
	void *priv2;
};

struct rb_store_ops {
	int version;                     /* RB_STORE_OPS_VERSION */
	const char *name;                /* dataset.chunk_store */
	const char *file_name;           /* RB_STORE_BUILT: its file in the store folder */
	unsigned int flags;              /* enum rb_store_flags */
	/* RB_STORE_BUILT: write db_path from chunks.dat (fsynced), each chunk's offset into off */
	int (*build)(const struct chunkstore *cs, const char *dat_path, const char *db_path,
		     uint64_t *off, char *err, size_t errlen);
	/* RB_STORE_INTERIOR: the bytes of the interior pages of the file at path */
	int (*interior_bytes)(const char *path, uint64_t *bytes);
	/* open s->path (s->cs, use_mmap set): fd, map, size, priv */
	int (*open)(struct rb_store *s, char *err, size_t errlen);
	/* RB_STORE_PER_CLIENT: a client's handle; 0 or -errno */
	int (*client_open)(const struct rb_store *s, struct rb_store_client *c);
	/* chunk id (its length len) into dst; -EBADMSG when the store holds other bytes */
	int (*get)(const struct rb_store *s, struct rb_store_client *c, int64_t id, char *dst,
		   uint32_t len);
	/* where chunk id's bytes start in s->path */
	uint64_t (*extent)(const struct rb_store *s, int64_t id);
	void (*client_close)(const struct rb_store *s, struct rb_store_client *c);
	void (*close)(struct rb_store *s);
};

/* The store named name (dataset.chunk_store) when its table checks out, or NULL. */
const struct rb_store_ops *store__find(const char *name);
/* The names, "file|lmdb|sqlite": dataset.chunk_store's allowed values. */
const char *store__names(void);
/* A table of the current version with what its flags promise: 0, or -EINVAL with why in err. */
int store__check_ops(const struct rb_store_ops *o, char *err, size_t errlen);

/* Build a RB_STORE_BUILT store: db_path and ext_path (both fsynced). */
int store__build(const struct rb_store_ops *ops, const struct chunkstore *cs, const char *dat_path,
		 const char *db_path, const char *ext_path, char *err, size_t errlen);

/* Open: path is chunks.dat for `file`, the store's file otherwise (ext_path its extents). */
int store__open(struct rb_store *s, const struct rb_store_ops *ops, const struct chunkstore *cs,
		const char *path, const char *ext_path, bool use_mmap, char *err, size_t errlen);
void store__close(struct rb_store *s);

/* Load ext_path: count offsets into *offsets (malloc'd). A wrong size is refused. */
int store__load_extents(const char *ext_path, uint64_t count, uint64_t **offsets, char *err,
			size_t errlen);

/* Where path is mapped in this process (its first mapping of the whole file): 0 or -ENOENT. */
int store__find_mapping(const char *path, void **addr, size_t *len);
/* Every descriptor of this process open on path, up to max into fds; how many. */
int store__find_fds(const char *path, int *fds, int max);
/* A descriptor of this process open on path (not excluding), or -1. */
int store__find_fd(const char *path, int excluding);

/* Chunk i of cs, read from chunks.dat (fd) into buf (at least its length). For builders. */
int store__read_chunk(int fd, const struct chunkstore *cs, uint64_t i, char *buf);
/* The longest chunk of cs (at least 1). */
uint32_t store__longest(const struct chunkstore *cs);

extern const struct rb_store_ops store_file_ops, store_lmdb_ops, store_sqlite_ops;

#endif
