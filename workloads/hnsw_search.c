/*
 * hnsw-search — k-NN queries over an HNSW graph (hnswlib) whose level 0 — every
 * node's links and vector, the bulk of the file — is searched straight from a
 * read-only mmap of the saved index (datasets/hnsw_bridge.h), the upper levels'
 * links in memory: the way vector stores that keep their graph on disk (Qdrant,
 * Lucene, usearch's view) walk it. Every hop reads a node's links and then its
 * unvisited neighbours' vectors: scattered small reads, one page or two each.
 *
 * Bytes needed: the pages of the nodes whose level-0 data a search read (kept
 * per query until the runner asks, after the query phase). The extent map: node
 * i -> its bytes in the file, for bpf-prefetch, whose hints come from a uprobe
 * on the bridge's neighbour fetch (rbh_prefetch_nodes: the neighbours about to
 * be read). No application hint: a graph walk cannot name its pages before it
 * walks, so willneed is refused with that reason. The search itself is
 * workloads/hnsw_common.c, which rag shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "hnsw_common.h"
#include "workload.h"
#include "datasets/dataset.h"

static int hnsw_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
			   char paths[][512], int max)
{
	(void)wp;
	if (max < 1)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->hnsw_path);
	return 1;
}

static void hnsw_close(struct rb_workload *w)
{
	struct hnsw_common *s = w->priv;

	if (!s)
		return;
	hnsw_common__close(s);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int hnsw_open(struct rb_workload *w, const struct rb_workload_params *wp,
		     const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct hnsw_common *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	rc = hnsw_common__open(s, w, 0, wp, ds, err, errlen);
	if (rc) {
		hnsw_close(w);
		return rc;
	}
	w->n_files = 1;
	return 0;
}

static void hnsw_client_close(struct rb_client *c)
{
	if (!c->priv)
		return;
	hnsw_scratch__free(c->priv);
	free(c->priv);
	c->priv = NULL;
}

static int hnsw_client_open(struct rb_client *c)
{
	struct hnsw_scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	if (hnsw_scratch__init(s, c->w->priv)) {
		free(s);
		return -ENOMEM;
	}
	c->priv = s;
	return 0;
}

static int hnsw_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct hnsw_scratch *s = c->priv;
	int rc = hnsw_common__search(c->w->priv, s, qi);

	res->ids = s->ids;
	return rc;
}

static int hnsw_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct hnsw_scratch *s = c->priv;
	int rc;

	if (!res->ids)
		return -ENOTSUP;	/* before the query: see w->no_prior_extents */
	rc = hnsw_common__extents(c->w->priv, s, qi, &res->n_extents);
	res->extents = s->extents;
	return rc;
}

static int hnsw_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out, size_t max)
{
	return hnsw_common__node_extent(w->priv, key, out, max);
}

const struct workload_ops hnsw_search_ops = {
	.name = "hnsw-search",
	.version = RB_WORKLOAD_VERSION,
	.flags = RB_WL_HNSW | RB_WL_EXTENT_MAP,
	.help = "k-NN search of an hnswlib HNSW graph whose level 0 (links and vectors) is read "
		"from an mmap of its file, the upper levels in memory",
	.list_files = hnsw_list_files,
	.open = hnsw_open,
	.client_open = hnsw_client_open,
	.client_close = hnsw_client_close,
	.run_query = hnsw_run_query,
	.extents = hnsw_extents,
	.close = hnsw_close,
	.extent_map = hnsw_extent_map,
};
