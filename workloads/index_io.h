/*
 * index_io — a workload's view of the dataset's index, whatever its kind
 * (datasets/indexes/: ivf, hnsw), shared by ivf-search, hnsw-search, ivf-client
 * and rag. Opens the index into one of the workload's file slots (the data file
 * queries read, with the library's map), and turns the kind's spans into the
 * workload's extents: a query's (before it runs only when the kind says
 * RB_INDEX_PRIOR_HINTS; otherwise the runner asks after the query, with its
 * result) and a key's for the extent map.
 */
#ifndef RB_INDEX_IO_H
#define RB_INDEX_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workload.h"
#include "datasets/indexes/index.h"

struct rb_workload_params;
struct rb_dataset;

struct index_io {
	struct rb_index ix;
	int file;                  /* slot of the index's data file in w->files */
};

/* What one client's searches write. */
struct index_buf {
	struct rb_index_scratch s; /* s.ids: the hits of the last search, query-major */
	struct rb_extent *extents; /* of the last index_io__extents */
	size_t cap;
};

int index_io__open(struct index_io *x, struct rb_workload *w, int file,
		   const struct rb_workload_params *wp, const struct rb_dataset *ds, char *err,
		   size_t errlen);
void index_io__close(struct index_io *x, struct rb_workload *w);

int index_buf__init(struct index_buf *b, const struct index_io *x);
void index_buf__free(struct index_buf *b, const struct index_io *x);

/* Search queries qi[0..n) (n <= the batch); the hits into b->s.ids. 0 or -errno. */
int index_io__search(struct index_io *x, struct index_buf *b, const int64_t *qi, int n);

/*
 * The extents query qi reads into b->extents (*n). after: the query has run
 * (res->ids known); before it, a kind without prior hints gives -ENOTSUP.
 */
int index_io__extents(struct index_io *x, struct index_buf *b, int64_t qi, bool after, size_t *n);

/* Key's extents (a list, a node) for the extent map: how many, or -ENOENT. */
int index_io__extent_of(const struct index_io *x, int64_t key, struct rb_extent *out, size_t max);

/* The library's own prefetch threads; -EOPNOTSUPP for a kind without (0 for nthreads < 0). */
int index_io__set_prefetch(struct index_io *x, int nthreads);

/* The index's keys in the extent map (lists or nodes). */
static inline int64_t index_io__keys(const struct index_io *x)
{
	return x->ix.keys;
}

static inline int64_t index_io__k(const struct index_io *x)
{
	return x->ix.p.k;
}

#endif
