/*
 * chunkstore — the text chunks a RAG server fetches after its vector search, on
 * disk as a real one keeps them: variable-length records back to back in
 * chunks.dat, and an offsets table chunks.idx that says where each one is.
 *
 *   chunks.dat   the chunks' bytes, nothing else (so a record is exactly one extent)
 *   chunks.idx   header { "RBCHUNK1", uint64 count, uint64 dat_bytes, uint64 0 }
 *                then count records { uint64 offset; uint32 len; uint32 xxh32;
 *                uint32 first_doc; uint32 n_docs } (little-endian, 24 bytes)
 *
 * xxh32 is XXH32 of the chunk's bytes (seed 0): a reader checks that what it
 * fetched is exactly what was stored. first_doc/n_docs are the per-chunk
 * metadata: which paragraphs of the corpus (in corpus order) the chunk holds.
 *
 * The chunker cuts a stream of paragraphs into chunks of at most target bytes:
 * whole paragraphs are packed greedily (joined by '\n'); a paragraph longer than
 * target is cut after a sentence end (". ", "; ", "? ", "! "), else at a space,
 * else anywhere.
 */
#ifndef RB_CHUNKSTORE_H
#define RB_CHUNKSTORE_H

#include <stddef.h>
#include <stdint.h>

#define CHUNKSTORE_MAGIC "RBCHUNK1"
#define CHUNKSTORE_HEADER_BYTES 32

struct chunk_rec {
	uint64_t offset;
	uint32_t len;
	uint32_t xxh32;
	uint32_t first_doc;
	uint32_t n_docs;
};

_Static_assert(sizeof(struct chunk_rec) == 24, "chunks.idx records are 24 bytes");

/* ---- writing ---- */

struct chunkstore_writer;

/* Start dat_path and idx_path (really "<path>.tmp-<pid>" until commit). */
int chunkstore__create(struct chunkstore_writer **out, const char *dat_path, const char *idx_path,
		       char *err, size_t errlen);
int chunkstore__append(struct chunkstore_writer *w, const char *text, size_t len,
		       uint32_t first_doc, uint32_t n_docs, char *err, size_t errlen);
uint64_t chunkstore__written(const struct chunkstore_writer *w);
/* fsync both, rename them into place; frees w in all cases. */
int chunkstore__commit(struct chunkstore_writer *w, char *err, size_t errlen);
void chunkstore__abort(struct chunkstore_writer *w);

/* ---- reading ---- */

struct chunkstore {
	struct chunk_rec *recs;   /* count records, in chunk id order */
	uint64_t count;
	uint64_t dat_bytes;
};

/*
 * Load idx_path and check it against dat_path: magic, sizes, every record
 * inside chunks.dat, records in order and not overlapping.
 */
int chunkstore__open(struct chunkstore *cs, const char *dat_path, const char *idx_path, char *err,
		     size_t errlen);
void chunkstore__close(struct chunkstore *cs);

/* 0 when buf (the fetched bytes of chunk id) is what was stored, else -EBADMSG. */
int chunkstore__verify(const struct chunkstore *cs, uint64_t id, const void *buf, size_t len);

/* ---- chunking ---- */

/* Called for every finished chunk. */
typedef int (*chunk_emit_fn)(void *arg, const char *text, size_t len, uint32_t first_doc,
			     uint32_t n_docs);

struct chunker {
	size_t target;
	char *buf;                /* the chunk being packed */
	size_t len;
	uint32_t first_doc, n_docs;
	chunk_emit_fn emit;
	void *arg;
};

int chunker__init(struct chunker *c, size_t target, chunk_emit_fn emit, void *arg);
/* Add paragraph doc (its text, no trailing newline); emits every chunk it completes. */
int chunker__add(struct chunker *c, const char *text, size_t len, uint32_t doc);
/* Emit the last, partly filled chunk. */
int chunker__finish(struct chunker *c);
void chunker__free(struct chunker *c);

#endif
