/*
 * hnsw-search — k-NN queries over an HNSW graph (hnswlib) whose level 0 — every
 * node's links and vector, the bulk of the file — is searched straight from a
 * read-only mmap of the saved index (datasets/hnsw_bridge.h), the upper levels'
 * links in memory: the way vector stores that keep their graph on disk (Qdrant,
 * Lucene, usearch's view) walk it. Every hop reads a node's links and then its
 * unvisited neighbours' vectors: scattered small reads, one page or two each.
 *
 * Bytes needed: the pages of the nodes whose level-0 data a search read (the
 * bridge records them; a query's nodes are kept until the runner asks, after
 * the query phase). The extent map: node i -> its bytes in the file, for
 * bpf-prefetch, whose hints come from a uprobe on the bridge's neighbour fetch
 * (rbh_prefetch_nodes: the neighbours about to be read). No application hint:
 * a graph walk cannot name its pages before it walks, so willneed is refused
 * with that reason.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"
#include "../datasets/dataset.h"
#include "../datasets/hnsw_bridge.h"
#include "../harness/config.h"

#define HNSW_PAGE 4096ULL
#define HNSW_MAX_VISITED (1 << 18)

struct hnsw_wl {
	struct rbh_index *h;
	const struct rb_dataset *ds;
	int64_t k, ef, n;
	uint64_t off0, node;
	pthread_mutex_t lock;		/* the per-query records below */
	int32_t **visited;		/* by query: the nodes its last run read */
	int64_t *n_visited;
};

struct hnsw_client {
	int64_t *ids;
	float *dist;
	int32_t *visited;		/* HNSW_MAX_VISITED */
	uint64_t *pages;
	struct rb_extent *extents;
	size_t cap;			/* of pages and extents */
};

static int hnsw_list_files(const struct rb_config *cfg, const struct rb_dataset *ds,
			   char paths[][512], int max)
{
	(void)cfg;
	if (max < 1)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->hnsw_path);
	return 1;
}

static void hnsw_close(struct rb_workload *w)
{
	struct hnsw_wl *s = w->priv;
	int64_t i;

	if (!s)
		return;
	rbh_close(s->h);
	for (i = 0; s->visited && i < s->ds->nq; i++)
		free(s->visited[i]);
	free(s->visited);
	free(s->n_visited);
	pthread_mutex_destroy(&s->lock);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int hnsw_open(struct rb_workload *w, const struct rb_config *cfg,
		     const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct hnsw_wl *s = calloc(1, sizeof(*s));
	size_t len;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	w->priv = s;
	s->ds = ds;
	s->k = cfg->workload_k;
	s->ef = cfg->workload_ef_search;
	s->visited = calloc((size_t)ds->nq, sizeof(*s->visited));
	s->n_visited = calloc((size_t)ds->nq, sizeof(*s->n_visited));
	if (!s->visited || !s->n_visited) {
		hnsw_close(w);
		return -ENOMEM;
	}
	if (rbh_open(ds->hnsw_path, ds->dim, 1, &s->h)) {
		snprintf(err, errlen, "%s: %s", ds->hnsw_path, rbh_last_error());
		hnsw_close(w);
		return -EINVAL;
	}
	s->n = rbh_count(s->h);
	rbh_level0(s->h, &s->off0, &s->node);
	snprintf(w->files[0].path, sizeof(w->files[0].path), "%s", ds->hnsw_path);
	w->files[0].fd = -1;
	w->files[0].map = rbh_mapping(s->h, &len);
	w->files[0].map_len = len;
	w->files[0].size = len;
	w->n_files = 1;
	w->hint_symbol = RBH_PREFETCH_SYMBOL;
	w->no_prior_extents = "a graph walk finds the pages it reads as it walks: hnsw-search "
			      "cannot name them before the query";
	return 0;
}

static void hnsw_client_close(struct rb_client *c)
{
	struct hnsw_client *hc = c->priv;

	if (!hc)
		return;
	free(hc->ids);
	free(hc->dist);
	free(hc->visited);
	free(hc->pages);
	free(hc->extents);
	free(hc);
	c->priv = NULL;
}

static int hnsw_client_open(struct rb_client *c)
{
	const struct hnsw_wl *s = c->w->priv;
	struct hnsw_client *hc = calloc(1, sizeof(*hc));

	if (!hc)
		return -ENOMEM;
	c->priv = hc;
	hc->ids = calloc((size_t)s->k, sizeof(*hc->ids));
	hc->dist = calloc((size_t)s->k, sizeof(*hc->dist));
	hc->visited = calloc(HNSW_MAX_VISITED, sizeof(*hc->visited));
	if (!hc->ids || !hc->dist || !hc->visited) {
		hnsw_client_close(c);
		return -ENOMEM;
	}
	return 0;
}

/* Keep the nodes query qi read, for the extents the runner asks for later. */
static int keep_visited(struct hnsw_wl *s, int64_t qi, const int32_t *v, int64_t n)
{
	int32_t *copy;

	if (n > HNSW_MAX_VISITED)
		n = HNSW_MAX_VISITED;
	copy = malloc((size_t)(n ? n : 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, v, (size_t)n * sizeof(*copy));
	pthread_mutex_lock(&s->lock);
	free(s->visited[qi]);
	s->visited[qi] = copy;
	s->n_visited[qi] = n;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int hnsw_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct hnsw_wl *s = c->w->priv;
	struct hnsw_client *hc = c->priv;
	int64_t n = 0;

	if (qi < 0 || qi >= s->ds->nq)
		return -EINVAL;
	if (rbh_search(s->h, s->ds->queries + qi * s->ds->dim, s->k, s->ef, hc->ids, hc->dist,
		       hc->visited, HNSW_MAX_VISITED, &n)) {
		fprintf(stderr, "rabench: hnsw-search: %s\n", rbh_last_error());
		return -EIO;
	}
	res->ids = hc->ids;
	return keep_visited(s, qi, hc->visited, n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The pages of the nodes query qi read, merged into runs of pages. */
static int hnsw_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct hnsw_wl *s = c->w->priv;
	struct hnsw_client *hc = c->priv;
	uint64_t first, last, p;
	size_t np = 0, ne = 0, i;
	int64_t n, j;

	if (!res->ids)
		return -ENOTSUP;	/* before the query: see no_prior_extents */
	pthread_mutex_lock(&s->lock);
	n = s->n_visited[qi];
	if ((size_t)n * (s->node / HNSW_PAGE + 2) > hc->cap) {
		hc->cap = (size_t)n * (s->node / HNSW_PAGE + 2) + 16;
		free(hc->pages);
		free(hc->extents);
		hc->pages = malloc(hc->cap * sizeof(*hc->pages));
		hc->extents = malloc(hc->cap * sizeof(*hc->extents));
		if (!hc->pages || !hc->extents) {
			hc->cap = 0;
			pthread_mutex_unlock(&s->lock);
			return -ENOMEM;
		}
	}
	for (j = 0; j < n; j++) {
		first = (s->off0 + (uint64_t)s->visited[qi][j] * s->node) / HNSW_PAGE;
		last = (s->off0 + ((uint64_t)s->visited[qi][j] + 1) * s->node - 1) / HNSW_PAGE;
		for (p = first; p <= last && np < hc->cap; p++)
			hc->pages[np++] = p;
	}
	pthread_mutex_unlock(&s->lock);
	qsort(hc->pages, np, sizeof(*hc->pages), cmp_u64);
	for (i = 0; i < np; i++) {
		if (ne && hc->pages[i] * HNSW_PAGE <= hc->extents[ne - 1].offset +
						       hc->extents[ne - 1].len) {
			if (hc->pages[i] * HNSW_PAGE == hc->extents[ne - 1].offset +
							hc->extents[ne - 1].len)
				hc->extents[ne - 1].len += HNSW_PAGE;
			continue;
		}
		hc->extents[ne++] = (struct rb_extent){ 0, hc->pages[i] * HNSW_PAGE, HNSW_PAGE };
	}
	res->extents = hc->extents;
	res->n_extents = ne;
	return 0;
}

/* Node key's level-0 bytes: what the neighbour-fetch hint names. */
static int hnsw_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out, size_t max)
{
	const struct hnsw_wl *s = w->priv;

	if (key < 0 || key >= s->n)
		return -ENOENT;
	if (max < 1)
		return -ENOSPC;
	out[0] = (struct rb_extent){ 0, s->off0 + (uint64_t)key * s->node, s->node };
	return 1;
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
