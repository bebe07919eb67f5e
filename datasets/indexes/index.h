/*
 * index — the index kinds a query searches, one ops table each (fio's
 * ioengine_ops): `ivf` (a FAISS IVF index whose inverted lists live on disk in
 * an .ivfdata FAISS maps) and `hnsw` (an hnswlib graph whose level 0 is searched
 * from a read-only map of its file). A table says how its folder is built and
 * keyed in the dataset cache (canonical, paths, bytes, build), how a query
 * searches it (open, search, close), and where its hints come from: the spans
 * of the data file a query reads (hints; before the query when
 * RB_INDEX_PRIOR_HINTS, else only after it ran), a key's spans for the extent
 * map (IVF: list -> codes and ids; HNSW: node -> its level-0 bytes), and a
 * function of this process a uprobe can watch (hint_symbol).
 *
 * Spans are offsets into the data file only: workloads/index_io.c turns them
 * into the workload's extents (datasets never see the workload's types).
 * Adding a kind: one file with a `const struct rb_index_ops` at its bottom and
 * one line in index.c's table (docs/datasets.md has a worked example).
 */
#ifndef RB_INDEX_H
#define RB_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "datasets/spec.h"

struct rb_dataset;

#define RB_INDEX_OPS_VERSION 1

enum rb_index_flags {
	RB_INDEX_BATCH        = 1u << 0, /* one search call answers several queries */
	RB_INDEX_PRIOR_HINTS  = 1u << 1, /* a query's spans are known before it runs */
	RB_INDEX_LIB_PREFETCH = 1u << 2, /* the library prefetches on its own: set_prefetch */
};

/* Bytes of the index's data file. */
struct rb_span {
	uint64_t offset, len;
};

/* What a search is asked for (workload.*). */
struct rb_index_params {
	int64_t k, nprobe, ef_search;
	int64_t batch;                 /* queries per search call, at most */
	int64_t prefetch_threads;      /* index.prefetch_threads */
};

/* An open index. */
struct rb_index {
	const struct rb_index_ops *ops;
	const struct rb_dataset *ds;
	struct rb_index_params p;
	char path[RB_PATH_MAX];        /* the data file queries read */
	uint64_t size;
	void *map;                     /* the library's map of it */
	size_t map_len;
	int64_t keys;                  /* extent-map keys: lists or nodes */
	void *priv;
};

/* What one client's searches write. */
struct rb_index_scratch {
	int64_t *ids;                  /* batch * k ids of the last search, query-major */
	struct rb_span *spans;         /* of the last hints call */
	size_t cap;                    /* room in spans */
	void *priv;
};

struct rb_index_ops {
	int version;                   /* RB_INDEX_OPS_VERSION */
	const char *name;              /* index.kind */
	const char *folder;            /* its cache folder is <folder>-<key> */
	unsigned int flags;            /* enum rb_index_flags */
	const char *hint_symbol;       /* a function here a uprobe may watch for hints, or NULL */
	const char *no_prior_hints;    /* without RB_INDEX_PRIOR_HINTS: why, for willneed */
	/*
	 * A function every search runs through, called as (self, n, x, k, distances,
	 * labels) with labels holding the n x k ids when it returns (FAISS's
	 * IndexIVF::search), which a uprobe/uretprobe pair may read; or NULL.
	 */
	const char *result_symbol;

	/* the cache: the folder's key text, its file paths (ds->index_dir set), their size */
	void (*canonical)(const struct rb_dataset_spec *spec, const struct rb_dataset *ds, char *buf,
			  size_t len);
	int (*paths)(struct rb_dataset *ds);
	const char *(*data_path)(const struct rb_dataset *ds);
	uint64_t (*bytes)(const struct rb_dataset_spec *spec, const struct rb_dataset *ds);
	/* build into tmp (its manifest included); key and canonical name the folder */
	int (*build)(const struct rb_dataset_spec *spec, struct rb_dataset *ds, const char *tmp,
		     const char *key, const char *canonical, char *err, size_t errlen);

	/* queries: open ix (ds, p set): path, size, map, keys, priv */
	int (*open)(struct rb_index *ix, char *err, size_t errlen);
	void (*close)(struct rb_index *ix);
	int (*scratch_init)(const struct rb_index *ix, struct rb_index_scratch *s);
	void (*scratch_free)(struct rb_index_scratch *s);
	/* queries qi[0..n) (n <= p.batch) into s->ids */
	int (*search)(struct rb_index *ix, struct rb_index_scratch *s, const int64_t *qi, int n);
	/* the spans query qi reads into s->spans, *n of them */
	int (*hints)(struct rb_index *ix, struct rb_index_scratch *s, int64_t qi, size_t *n);
	/* key's spans (up to max into out): how many, or -ENOENT past the last key */
	int (*key_spans)(const struct rb_index *ix, int64_t key, struct rb_span *out, size_t max);
	/* RB_INDEX_LIB_PREFETCH: the library's prefetch threads (< 0: as configured) */
	int (*set_prefetch)(struct rb_index *ix, int nthreads);
};

/* The kind named name (index.kind) when its table checks out, or NULL. */
const struct rb_index_ops *index__find(const char *name);
/* "ivf|hnsw": index.kind's allowed values. */
const char *index__names(void);
/* A table of the current version with what its flags promise: 0, or -EINVAL with why. */
int index__check_ops(const struct rb_index_ops *o, char *err, size_t errlen);

/* Open ds's index (its kind is ds->index_ops) for queries with p; 0 or -errno with err. */
int index__open(struct rb_index *ix, const struct rb_dataset *ds, const struct rb_index_params *p,
		char *err, size_t errlen);
void index__close(struct rb_index *ix);

extern const struct rb_index_ops index_ivf_ops, index_hnsw_ops;

#endif
