/*
 * search — k-NN queries against the dataset's index, two workloads over one
 * body (index_io.c; the kinds are datasets/indexes/):
 *
 * ivf-search: a FAISS IVF index whose inverted lists live in an on-disk
 * .ivfdata file that FAISS mmaps (OnDiskInvertedLists), as FAISS users run
 * indexes larger than memory. Each query (or batch of workload.batch queries)
 * is one faiss_Index_search call, so the code path is exactly FAISS's. The
 * lists a query scanned are the nprobe lists the coarse quantizer picks; their
 * codes and ids are the bytes it needed, known before it runs.
 *
 * hnsw-search: an hnswlib HNSW graph whose level 0 — every node's links and
 * vector, the bulk of the file — is searched straight from a read-only mmap of
 * the saved index, the upper levels' links in memory: the way vector stores that
 * keep their graph on disk (Qdrant, Lucene, usearch's view) walk it. Every hop
 * reads a node's links and then its unvisited neighbours' vectors: scattered
 * small reads. Bytes needed: the pages of the nodes a search read (kept per
 * query until the runner asks, after the query phase). The extent map: node i
 * -> its bytes, for bpf-prefetch, whose hints come from a uprobe on the
 * bridge's neighbour fetch. No application hint: willneed is refused with the
 * kind's reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "index_io.h"
#include "workload.h"
#include "datasets/dataset.h"

static int ivf_search_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
				 char paths[][512], int max)
{
	(void)wp;
	if (max < 2)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->index_path);
	snprintf(paths[1], 512, "%s", ds->ivfdata_path);
	return 2;
}

static int hnsw_search_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
				  char paths[][512], int max)
{
	(void)wp;
	if (max < 1)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->hnsw_path);
	return 1;
}

static void search_close(struct rb_workload *w)
{
	struct index_io *x = w->priv;

	if (!x)
		return;
	index_io__close(x, w);
	free(x);
	w->priv = NULL;
	w->n_files = 0;
}

static int search_open(struct rb_workload *w, const struct rb_workload_params *wp,
		       const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct index_io *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		return -ENOMEM;
	w->priv = x;
	rc = index_io__open(x, w, 0, wp, ds, err, errlen);
	if (rc) {
		search_close(w);
		return rc;
	}
	w->n_files = 1;
	return 0;
}

static void search_client_close(struct rb_client *c)
{
	if (!c->priv)
		return;
	index_buf__free(c->priv, c->w->priv);
	free(c->priv);
	c->priv = NULL;
}

static int search_client_open(struct rb_client *c)
{
	struct index_buf *b = calloc(1, sizeof(*b));
	int rc;

	if (!b)
		return -ENOMEM;
	rc = index_buf__init(b, c->w->priv);
	if (rc) {
		free(b);
		return rc;
	}
	c->priv = b;
	return 0;
}

static int search_run_batch(struct rb_client *c, const int64_t *qi, int n,
			    struct rb_query_result *res)
{
	struct index_io *x = c->w->priv;
	struct index_buf *b = c->priv;
	int rc = index_io__search(x, b, qi, n), i;

	for (i = 0; i < n; i++)
		res[i].ids = b->s.ids + (size_t)i * index_io__k(x);
	return rc;
}

static int search_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	return search_run_batch(c, &qi, 1, res);
}

static int search_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct index_buf *b = c->priv;
	int rc = index_io__extents(c->w->priv, b, qi, res->ids != NULL, &res->n_extents);

	res->extents = b->extents;
	return rc;
}

static int search_set_library_prefetch(struct rb_workload *w, int nthreads)
{
	return index_io__set_prefetch(w->priv, nthreads);
}

static int search_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out, size_t max)
{
	return index_io__extent_of(w->priv, key, out, max);
}

const struct workload_ops ivf_search_ops = {
	.name = "ivf-search",
	.version = RB_WORKLOAD_VERSION,
	.flags = RB_WL_BATCH | RB_WL_IVF | RB_WL_EXTENT_MAP,
	.help = "k-NN search through a FAISS IVF index with mmapped on-disk inverted lists",
	.list_files = ivf_search_list_files,
	.open = search_open,
	.client_open = search_client_open,
	.client_close = search_client_close,
	.run_query = search_run_query,
	.extents = search_extents,
	.close = search_close,
	.run_batch = search_run_batch,
	.set_library_prefetch = search_set_library_prefetch,
	.extent_map = search_extent_map,
};

const struct workload_ops hnsw_search_ops = {
	.name = "hnsw-search",
	.version = RB_WORKLOAD_VERSION,
	.flags = RB_WL_HNSW | RB_WL_EXTENT_MAP,
	.help = "k-NN search of an hnswlib HNSW graph whose level 0 (links and vectors) is read "
		"from an mmap of its file, the upper levels in memory",
	.list_files = hnsw_search_list_files,
	.open = search_open,
	.client_open = search_client_open,
	.client_close = search_client_close,
	.run_query = search_run_query,
	.extents = search_extents,
	.close = search_close,
	.extent_map = search_extent_map,
};
