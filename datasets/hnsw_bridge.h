/*
 * hnsw_bridge — an HNSW graph (hnswlib, header-only, Debian's libhnswlib-dev)
 * behind a C header: build and save one, and search it the way vector stores
 * that keep their graph on disk do. hnswlib's own loadIndex reads the whole file
 * into memory; rbh_open(mapped = 1) instead points the level-0 storage (every
 * node's links and vector, the bulk of the file) at a read-only mmap of the saved
 * file and keeps only the upper levels' links in memory, so every hop of a cold
 * search is a page fault. The file is hnswlib's own format: python3-hnswlib reads
 * what rbh_build writes.
 *
 * rbh_search is hnswlib's searchKnn (no deletions) with two additions: it
 * reports the nodes whose level-0 data it read (for "bytes needed"), and before
 * it reads a node's unvisited neighbours it calls rbh_prefetch_nodes(self, ids,
 * n) — an empty, exported function: the neighbour fetch a uprobe can watch (a
 * stock hnswlib inlines get_linklist0, so it has no such symbol).
 *
 * Functions return 0 or -1 with the message in rbh_last_error() (per thread).
 */
#ifndef RB_HNSW_BRIDGE_H
#define RB_HNSW_BRIDGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RBH_PREFETCH_SYMBOL "rbh_prefetch_nodes"
#define RBH_HEADER_BYTES 96	/* hnswlib's header: offsetLevel0_ ... ef_construction_ */

struct rbh_index;

const char *rbh_last_error(void);

/*
 * Build an L2 graph of x[n * dim] (label i for row i) with M and ef_construction,
 * on threads threads, and save it to path. Polls *stop (NULL: never) between
 * blocks of points: -1 with "interrupted" when set. progress(done, ctx) is called
 * now and then (may be NULL).
 */
int rbh_build(const float *x, int64_t n, int64_t dim, int m, int ef_construction, int threads,
	      const char *path, volatile sig_atomic_t *stop,
	      void (*progress)(int64_t done, int64_t total, void *ctx), void *ctx);

/*
 * Open the graph at path for vectors of dim. mapped = 1: level 0 from an mmap of
 * the file (rbh_search); 0: hnswlib's loadIndex, all in memory (rbh_search_library).
 * A file that is not an hnswlib index of dim (short, wrong sizes) is refused.
 */
int rbh_open(const char *path, int64_t dim, int mapped, struct rbh_index **out);
void rbh_close(struct rbh_index *h);

int64_t rbh_count(const struct rbh_index *h);
int rbh_m(const struct rbh_index *h);
/* Where node i's level-0 data lies in the file: offset + i * node_bytes, node_bytes long. */
void rbh_level0(const struct rbh_index *h, uint64_t *offset, uint64_t *node_bytes);
/* The mapping (mapped only): start and length; NULL when not mapped. */
void *rbh_mapping(const struct rbh_index *h, size_t *len);

/*
 * k nearest of q with ef candidates (mapped index). ids[k] (labels, -1 padded),
 * dist[k] ascending; the internal ids of the nodes whose level-0 data was read go
 * to visited[max_visited] (their count to *n_visited, which may exceed
 * max_visited: the rest are not stored). Thread-safe.
 */
int rbh_search(const struct rbh_index *h, const float *q, int64_t k, int64_t ef, int64_t *ids,
	       float *dist, int32_t *visited, int64_t max_visited, int64_t *n_visited);

/* hnswlib's own searchKnn (either index): what rbh_search must agree with. */
int rbh_search_library(struct rbh_index *h, const float *q, int64_t k, int64_t ef, int64_t *ids,
		       float *dist);

/* The neighbour-fetch hint point (see above): does nothing. */
void rbh_prefetch_nodes(const void *self, const int64_t *ids, int n);

#ifdef __cplusplus
}
#endif
#endif
