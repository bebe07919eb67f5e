/*
 * hnsw — an hnswlib HNSW graph (datasets/hnsw_bridge.h) whose level 0 — every
 * node's links and vector, the bulk of the file — is searched straight from a
 * read-only map of the saved index, the upper levels' links in memory: the way
 * vector stores that keep their graph on disk walk it. A walk finds the pages
 * it reads as it walks, so a query's spans are known only after it ran (the
 * nodes it visited, kept per query); the bridge's neighbour fetch
 * (rbh_prefetch_nodes) is the function a uprobe watches for hints.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "index.h"
#include "datasets/dataset.h"
#include "datasets/dataset_int.h"
#include "datasets/hnsw_bridge.h"
#include "datasets/manifest.h"
#include "datasets/vecio.h"
#include "lib/fsutil.h"

#define HNSW_PAGE 4096ULL
#define HNSW_MAX_VISITED (1 << 18)

/* ---- the cache ---- */

static void hnsw_canonical(const struct rb_dataset_spec *spec, const struct rb_dataset *ds,
			   char *buf, size_t len)
{
	snprintf(buf, len, "rabench-hnsw v%d dataset=%s-%016llx M=%lld ef_construction=%lld",
		 DS_FORMAT_VERSION, ds_dataset_prefix(spec), (unsigned long long)ds->dataset_key,
		 (long long)spec->index_hnsw_m, (long long)spec->index_hnsw_ef_construction);
}

static int hnsw_paths(struct rb_dataset *ds)
{
	return fsutil__join(ds->hnsw_path, sizeof(ds->hnsw_path), ds->index_dir, "hnsw.bin");
}

static const char *hnsw_data_path(const struct rb_dataset *ds)
{
	return ds->hnsw_path;
}

/* Level 0: per node its vector, 2M links and their count, and its label. */
static uint64_t hnsw_bytes(const struct rb_dataset_spec *spec, const struct rb_dataset *ds)
{
	return (uint64_t)ds->n * ((uint64_t)ds->dim * sizeof(float) +
				  (2 * (uint64_t)spec->index_hnsw_m + 1) * 4 + 8);
}

static void hnsw_progress(int64_t done, int64_t total, void *ctx)
{
	struct progress *p = ctx;

	(void)total;
	ds_progress__update(p, done);
}

/* The graph of every base vector into tmp/hnsw.bin (hnswlib's format), and its manifest. */
static int hnsw_build(const struct rb_dataset_spec *spec, struct rb_dataset *ds, const char *tmp,
		      const char *key, const char *canonical, char *err, size_t errlen)
{
	char path[RB_PATH_MAX], what[128];
	struct progress p = { what, 0, 10 };
	struct json_object *m;
	int64_t n, dim;
	void *x = NULL;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int ret;

	if ((ret = fsutil__join(path, sizeof(path), tmp, "hnsw.bin")) ||
	    (ret = vecio__load(ds->base_path, VECIO_FVECS, &x, &n, &dim, err, errlen)))
		goto cleanup;
	p.total = n;
	snprintf(what, sizeof(what), "building HNSW (M %lld, ef_construction %lld) of %lld vectors",
		 (long long)spec->index_hnsw_m, (long long)spec->index_hnsw_ef_construction,
		 (long long)n);
	if (rbh_build(x, n, dim, (int)spec->index_hnsw_m, (int)spec->index_hnsw_ef_construction,
		      cpus > 0 ? (int)cpus : 1, path, ds_stop_flag, hnsw_progress, &p)) {
		ret = ds_stop_flag && *ds_stop_flag ? -EINTR : -EIO;
		snprintf(err, errlen, "%s: %s", path, rbh_last_error());
		goto cleanup;
	}
	if ((ret = ds_fsync_path(path, err, errlen)))
		goto cleanup;
	m = manifest__new("rabench-index", key, canonical);
	/* the absolute data path (the "ivfdata" field manifest__matches checks): a moved cache rebuilds */
	json_object_object_add(m, "ivfdata", json_object_new_string(ds->hnsw_path));
	manifest__int(m, "M", spec->index_hnsw_m);
	manifest__int(m, "ef_construction", spec->index_hnsw_ef_construction);
	manifest__int(m, "ntotal", n);
	if (!(ret = manifest__add_file(m, tmp, "hnsw.bin", err, errlen)))
		ret = manifest__write(m, tmp, err, errlen);
	json_object_put(m);
cleanup:
	free(x);
	return ret;
}

/* ---- queries ---- */

struct hnsw_index {
	struct rbh_index *h;
	uint64_t off0, node;            /* node i's level-0 bytes: off0 + i * node, node long */
	int32_t **visited;              /* by query: [0] how many nodes its last run read, then them */
};

struct hnsw_scratch {
	float *dist;
	int32_t *visited;
	uint64_t *pages;
};

static int hnsw_open(struct rb_index *ix, char *err, size_t errlen)
{
	const struct rb_dataset *ds = ix->ds;
	struct hnsw_index *g = calloc(1, sizeof(*g));

	if (!g)
		return -ENOMEM;
	ix->priv = g;
	g->visited = calloc((size_t)ds->nq, sizeof(*g->visited));
	if (!g->visited)
		return -ENOMEM;
	if (!ds->hnsw_path[0]) {
		snprintf(err, errlen, "the dataset has no HNSW graph (index.kind: hnsw builds one)");
		return -EINVAL;
	}
	if (rbh_open(ds->hnsw_path, ds->dim, 1, &g->h)) {
		snprintf(err, errlen, "%s: %s", ds->hnsw_path, rbh_last_error());
		return -EINVAL;
	}
	ix->keys = rbh_count(g->h);
	rbh_level0(g->h, &g->off0, &g->node);
	snprintf(ix->path, sizeof(ix->path), "%s", ds->hnsw_path);
	ix->map = rbh_mapping(g->h, &ix->map_len);
	ix->size = ix->map_len;
	return 0;
}

static void hnsw_close(struct rb_index *ix)
{
	struct hnsw_index *g = ix->priv;
	int64_t i;

	if (!g)
		return;
	rbh_close(g->h);
	for (i = 0; g->visited && i < ix->ds->nq; i++)
		free(g->visited[i]);
	free(g->visited);
	free(g);
	ix->priv = NULL;
	ix->map = NULL;
}

static void hnsw_scratch_free(struct rb_index_scratch *s)
{
	struct hnsw_scratch *v = s->priv;

	if (v) {
		free(v->dist);
		free(v->visited);
		free(v->pages);
	}
	free(v);
	free(s->ids);
	free(s->spans);
	memset(s, 0, sizeof(*s));
}

static int hnsw_scratch_init(const struct rb_index *ix, struct rb_index_scratch *s)
{
	struct hnsw_scratch *v = calloc(1, sizeof(*v));

	memset(s, 0, sizeof(*s));
	s->priv = v;
	s->ids = calloc((size_t)(ix->p.k * ix->p.batch), sizeof(*s->ids));
	if (v) {
		v->dist = calloc((size_t)ix->p.k, sizeof(*v->dist));
		v->visited = calloc(HNSW_MAX_VISITED, sizeof(*v->visited));
	}
	if (v && v->dist && v->visited && s->ids)
		return 0;
	hnsw_scratch_free(s);
	return -ENOMEM;
}

/*
 * Keep the nodes query qi read ([0] their count, then the ids), for the spans the
 * runner asks for after the phase. Swapped in atomically: no lock on the timed path,
 * and a query two clients ran (the same walk) keeps either copy.
 */
static int keep_visited(struct hnsw_index *g, int64_t qi, const int32_t *v, int64_t n)
{
	int32_t *copy;

	if (n > HNSW_MAX_VISITED)
		n = HNSW_MAX_VISITED;
	copy = malloc((size_t)(n + 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	copy[0] = (int32_t)n;
	memcpy(copy + 1, v, (size_t)n * sizeof(*copy));
	free(__atomic_exchange_n(&g->visited[qi], copy, __ATOMIC_ACQ_REL));
	return 0;
}

/* A graph has no batched search: one walk per query, its hits query-major in s->ids. */
static int hnsw_search(struct rb_index *ix, struct rb_index_scratch *s, const int64_t *qi, int n)
{
	struct hnsw_index *g = ix->priv;
	struct hnsw_scratch *v = s->priv;
	int64_t nv = 0;
	int i, rc;

	if (n < 1 || n > ix->p.batch)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (qi[i] < 0 || qi[i] >= ix->ds->nq)
			return -EINVAL;
		if (rbh_search(g->h, ix->ds->queries + qi[i] * ix->ds->dim, ix->p.k, ix->p.ef_search,
			       s->ids + (size_t)i * ix->p.k, v->dist, v->visited, HNSW_MAX_VISITED, &nv)) {
			fprintf(stderr, "rabench: HNSW search: %s\n", rbh_last_error());
			return -EIO;
		}
		if ((rc = keep_visited(g, qi[i], v->visited, nv)))
			return rc;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Room for n nodes' pages in s. */
static int reserve(const struct hnsw_index *g, struct rb_index_scratch *s, int64_t n)
{
	struct hnsw_scratch *v = s->priv;
	size_t want = (size_t)n * (g->node / HNSW_PAGE + 2) + 16;

	if (want <= s->cap)
		return 0;
	free(v->pages);
	free(s->spans);
	v->pages = malloc(want * sizeof(*v->pages));
	s->spans = malloc(want * sizeof(*s->spans));
	s->cap = v->pages && s->spans ? want : 0;
	return s->cap ? 0 : -ENOMEM;
}

/* The pages of the nodes qi's last walk read, merged into runs. */
static int hnsw_hints(struct rb_index *ix, struct rb_index_scratch *s, int64_t qi, size_t *n_out)
{
	struct hnsw_index *g = ix->priv;
	struct hnsw_scratch *v = s->priv;
	uint64_t first, last, p, start;
	size_t np = 0, ne = 0, i;
	struct rb_span *prev;
	int64_t n, j;
	const int32_t *vis = __atomic_load_n(&g->visited[qi], __ATOMIC_ACQUIRE);

	n = vis ? vis[0] : 0;
	if (reserve(g, s, n))
		return -ENOMEM;
	for (j = 0; j < n; j++) {
		start = g->off0 + (uint64_t)vis[1 + j] * g->node;
		first = start / HNSW_PAGE;
		last = (start + g->node - 1) / HNSW_PAGE;
		for (p = first; p <= last && np < s->cap; p++)
			v->pages[np++] = p;
	}
	qsort(v->pages, np, sizeof(*v->pages), cmp_u64);
	for (i = 0; i < np; i++) {
		prev = ne ? &s->spans[ne - 1] : NULL;
		if (prev && v->pages[i] * HNSW_PAGE < prev->offset + prev->len)
			continue;	/* the same page again */
		if (prev && v->pages[i] * HNSW_PAGE == prev->offset + prev->len) {
			prev->len += HNSW_PAGE;
			continue;
		}
		s->spans[ne++] = (struct rb_span){ v->pages[i] * HNSW_PAGE, HNSW_PAGE };
	}
	*n_out = ne;
	return 0;
}

/* Node key: its level-0 bytes. */
static int hnsw_key_spans(const struct rb_index *ix, int64_t key, struct rb_span *out, size_t max)
{
	const struct hnsw_index *g = ix->priv;

	if (key < 0 || key >= ix->keys)
		return -ENOENT;
	if (max < 1)
		return -ENOSPC;
	out[0] = (struct rb_span){ g->off0 + (uint64_t)key * g->node, g->node };
	return 1;
}

const struct rb_index_ops index_hnsw_ops = {
	.version = RB_INDEX_OPS_VERSION,
	.name = "hnsw",
	.folder = "hnsw",
	.flags = 0,
	.hint_symbol = RBH_PREFETCH_SYMBOL,
	.no_prior_hints = "a graph walk finds the pages it reads as it walks: an HNSW search "
			  "cannot name them before the query",
	.canonical = hnsw_canonical,
	.paths = hnsw_paths,
	.data_path = hnsw_data_path,
	.bytes = hnsw_bytes,
	.build = hnsw_build,
	.open = hnsw_open,
	.close = hnsw_close,
	.scratch_init = hnsw_scratch_init,
	.scratch_free = hnsw_scratch_free,
	.search = hnsw_search,
	.hints = hnsw_hints,
	.key_spans = hnsw_key_spans,
};
