/*
 * hnsw_common — the HNSW graph search hnsw-search and rag share: open the graph
 * with level 0 on mmap (datasets/hnsw_bridge.h), search one query into a
 * client's scratch, keep the nodes each query read for the accounting after the
 * query phase, turn them into page extents, and map node keys to their bytes.
 * The graph becomes one rb_file of the workload (its mapping, no fd) at the slot
 * the caller picks; it is shared by every client (the search is const).
 */
#ifndef RB_HNSW_COMMON_H
#define RB_HNSW_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "workload.h"

struct rb_workload_params;
struct rb_dataset;
struct rbh_index;

struct hnsw_common {
	struct rbh_index *h;
	const struct rb_dataset *ds;
	int file;			/* slot of hnsw.bin in w->files */
	int64_t k, ef, n;
	uint64_t off0, node;		/* node i's level-0 bytes: off0 + i * node, node long */
	int32_t **visited;		/* by query: [0] how many nodes its last run read, then them */
};

struct hnsw_scratch {
	int64_t *ids;			/* k results of the last search */
	float *dist;
	int32_t *visited;
	uint64_t *pages;
	struct rb_extent *extents;	/* of the last hnsw_common__extents */
	size_t cap;
};

/* Open ds's graph into w->files[file]; sets w->hint_symbol and w->no_prior_extents. */
int hnsw_common__open(struct hnsw_common *c, struct rb_workload *w, int file,
		      const struct rb_workload_params *wp, const struct rb_dataset *ds, char *err,
		      size_t errlen);
void hnsw_common__close(struct hnsw_common *c);

int hnsw_scratch__init(struct hnsw_scratch *s, const struct hnsw_common *c);
void hnsw_scratch__free(struct hnsw_scratch *s);

/* k nearest of query qi into s->ids; the nodes it read are kept for qi. */
int hnsw_common__search(struct hnsw_common *c, struct hnsw_scratch *s, int64_t qi);

/* The pages of the nodes query qi read, as extents in s->extents; *n of them. */
int hnsw_common__extents(struct hnsw_common *c, struct hnsw_scratch *s, int64_t qi, size_t *n);

/* Node key's bytes (extent_map); -ENOENT past the last node. */
int hnsw_common__node_extent(const struct hnsw_common *c, int64_t key, struct rb_extent *out,
			     size_t max);

#endif
