/*
 * dataset — prepare (or reuse) everything a run reads: base vectors, held-out
 * queries, exact ground truth and the index the workload searches (a FAISS IVF
 * index with on-disk lists, or an hnswlib HNSW graph); for a text corpus also its
 * chunk store (a file, LMDB or SQLite: datasets/chunkstore.h). The vectors are generated (synthetic), imported (import,
 * fashion-mnist: datasets/import.h) or embedded text (corpus: datasets/corpus.h);
 * from the dataset folder on, every generator is the same. Artifacts live in
 * <cache_dir>/<key>/ where key is a hash of exactly the parameters that shape
 * them, so a changed parameter builds a new artifact and an unchanged one is
 * reused. A folder is only used when its manifest (written last, atomically)
 * matches; half-built folders are built again.
 */
#ifndef RB_DATASET_H
#define RB_DATASET_H

#include <signal.h>
#include <stdint.h>
#include <stddef.h>
#include "spec.h"

#define RB_GT_K 100   /* ground-truth neighbours stored per query */

struct rb_index_ops;

struct rb_dataset {
	char dir[RB_PATH_MAX];           /* <cache_dir>/<dataset key>/ */
	char base_path[RB_PATH_MAX];     /* base.fvecs */
	char queries_path[RB_PATH_MAX];  /* queries.fvecs */
	char gt_path[RB_PATH_MAX];       /* groundtruth.ivecs (RB_GT_K ids per query) */
	char index_dir[RB_PATH_MAX];     /* <dir>/index-<index key>/ */
	char index_path[RB_PATH_MAX];    /* ivf.index (FAISS, OnDiskInvertedLists) */
	char ivfdata_path[RB_PATH_MAX];  /* ivf.ivfdata (the inverted lists) */
	const struct rb_index_ops *index_ops; /* its kind (datasets/indexes/), NULL: no index */
	char hnsw_path[RB_PATH_MAX];     /* index.kind hnsw: <dir>/hnsw-<key>/hnsw.bin, else "" */
	char chunks_path[RB_PATH_MAX];   /* chunks.dat (corpus only, else "") */
	char chunks_idx_path[RB_PATH_MAX]; /* chunks.idx (corpus only, else "") */
	char store_dir[RB_PATH_MAX];     /* dataset.chunk_store lmdb/sqlite: <dir>/store-<kind>-<key>/ */
	char store_path[RB_PATH_MAX];    /* ... its chunks.lmdb or chunks.sqlite, else "" */
	char store_ext_path[RB_PATH_MAX]; /* ... its extents.bin (datasets/stores/store.h) */
	int64_t store_interior_bytes;    /* ... its B-tree's interior pages in bytes (-1: no store) */
	uint64_t dataset_key, index_key; /* the hashes in the folder names */
	int64_t n, dim, nq, gt_k;
	float *queries;                  /* nq * dim, loaded in memory */
	int64_t *gt;                     /* nq * gt_k, loaded in memory */
	int64_t *query_chunk;            /* corpus: the chunk each query was made from, else NULL */
	int reused_dataset, reused_index; /* 1 when found ready in the cache */
};

/* Generate/build what is missing (progress on stderr) and load queries + gt. */
int dataset__prepare(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen);

/*
 * Make dataset__prepare poll *stop (set by SIGINT/SIGTERM) between the chunks of
 * its long loops (generation, ground truth, index add) and after training: it
 * then returns -EINTR with nothing committed (the folder being built is removed).
 * NULL: never stop. FAISS's own k-means is not interruptible.
 */
void dataset__set_stop(volatile sig_atomic_t *stop);
void dataset__free(struct rb_dataset *ds);

/* recall@k of one query: |ids[0..k) ∩ gt[0..k)| / k (ids < 0 never match). */
double dataset__recall_at_k(const int64_t *ids, const int64_t *gt, int64_t k);

#endif
