/*
 * rag — what a RAG server does per query: search the index for the k nearest
 * chunk embeddings in the dataset's index, whatever its kind (index_io.c: the
 * on-disk IVF index on FAISS's path, or the HNSW graph on mmap) — then fetch those k chunks from the
 * chunk store (chunk_io.c: chunks.dat with pread or mmap, LMDB or SQLite;
 * checksum-verified). Two reads of different shape: multi-page IVF list extents
 * (or a graph walk's scattered pages), then small records at random places.
 *
 * Phases: "search" and "fetch", timed inside run_query (res->phase_us, with
 * each phase's I/O wait and major faults: workloads/phase.c); the
 * query's latency is their sum plus whatever a strategy's hint costs. A batch
 * (workload.batch) is one FAISS search of its queries, then every hit's fetch;
 * each query of it gets the batch's times, as each waited for the whole batch.
 * Recall is 1 when the chunk the query was made from is among the k hits.
 *
 * Files during queries: w->files[0] the .ivfdata (FAISS's mapping), [1]
 * chunks.dat (fd or our mapping). ivf.index and chunks.idx are read at open
 * only; list_files names them too, so the cache is cold for all four.
 * Extents of query qi: its probed lists, plus the chunks of its hits when they
 * are known (the runner asks with the query's result in res->ids; willneed asks
 * before the query, when they are not, so its hint covers the lists only; over
 * HNSW it has none: willneed is refused). Extent map: keys [0, nlist) are the
 * lists (over HNSW [0, n) the nodes), key nlist (n) + c is chunk c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_io.h"
#include "index_io.h"
#include "workload.h"
#include "datasets/dataset.h"

enum { RAG_FILE_IVF, RAG_FILE_CHUNKS };

static const char *const rag_phases[] = { "search", "fetch", NULL };

struct rag {
	struct index_io ix;
	struct chunk_io io;
	const struct rb_dataset *ds;
	int64_t k, batch;          /* workload.k, workload.batch */
	int64_t keys;              /* keys of the index in the extent map: nlist or nodes */
};

/* What one client writes. */
struct rag_client {
	struct index_buf ib;
	struct chunk_buf buf;
	struct rb_extent *extents; /* lists (or pages) + chunks of one query */
	size_t cap;
};

static int rag_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
			  char paths[][512], int max)
{
	(void)wp;
	if (max < 4)
		return -ENOSPC;
	if (ds->hnsw_path[0]) {
		snprintf(paths[0], 512, "%s", ds->hnsw_path);
		snprintf(paths[1], 512, "%s", ds->store_path[0] ? ds->store_path : ds->chunks_path);
		snprintf(paths[2], 512, "%s", ds->chunks_idx_path);
		return 3;
	}
	snprintf(paths[0], 512, "%s", ds->index_path);
	snprintf(paths[1], 512, "%s", ds->ivfdata_path);
	/* the file the chunks are read from: chunks.dat, or the LMDB / SQLite database */
	snprintf(paths[2], 512, "%s", ds->store_path[0] ? ds->store_path : ds->chunks_path);
	snprintf(paths[3], 512, "%s", ds->chunks_idx_path);
	return 4;
}

static void rag_close(struct rb_workload *w)
{
	struct rag *s = w->priv;

	if (!s)
		return;
	chunk_io__close(&s->io, w);
	index_io__close(&s->ix, w);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int rag_open(struct rb_workload *w, const struct rb_workload_params *wp,
		    const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct rag *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	w->n_files = 2;
	s->ds = ds;
	s->k = wp->k;
	s->batch = wp->batch;
	rc = index_io__open(&s->ix, w, RAG_FILE_IVF, wp, ds, err, errlen);
	s->keys = index_io__keys(&s->ix);
	/* the hits a search returns are the chunks fetched next: keys keys + id */
	if (!rc && s->ix.ix.ops->result_symbol) {
		w->result_symbol = s->ix.ix.ops->result_symbol;
		w->result_key_base = s->keys;
	}
	if (!rc)
		rc = chunk_io__open(&s->io, w, RAG_FILE_CHUNKS, wp, ds, wp->k, err,
				    errlen);
	if (rc)
		rag_close(w);
	return rc;
}

static void rag_client_close(struct rb_client *c)
{
	struct rag_client *rc = c->priv;

	if (!rc)
		return;
	index_buf__free(&rc->ib, &((const struct rag *)c->w->priv)->ix);
	chunk_buf__free(&rc->buf, c->w, &((const struct rag *)c->w->priv)->io);
	free(rc->extents);
	free(rc);
	c->priv = NULL;
}

static int rag_client_open(struct rb_client *c)
{
	const struct rag *s = c->w->priv;
	struct rag_client *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return -ENOMEM;
	c->priv = rc;
	if (index_buf__init(&rc->ib, &s->ix) || chunk_buf__init(&rc->buf, &s->io, c->w)) {
		rag_client_close(c);
		return -ENOMEM;
	}
	return 0;
}

static double source_hit(const struct rag *s, const int64_t *hits, int64_t qi)
{
	int64_t i;

	if (!s->ds->query_chunk)
		return NAN;
	for (i = 0; i < s->k; i++)
		if (hits[i] == s->ds->query_chunk[qi])
			return 1.0;
	return 0.0;
}

static int rag_run_batch(struct rb_client *c, const int64_t *qi, int n,
			 struct rb_query_result *res)
{
	const struct rag *s = c->w->priv;
	struct rag_client *rc = c->priv;
	struct rb_phase_mark m0, m1, m2;
	const int64_t *hits;
	int ret, i;

	workload__phase_mark(c, &m0);
	ret = index_io__search((struct index_io *)&s->ix, &rc->ib, qi, n);
	workload__phase_mark(c, &m1);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		hits = rc->ib.s.ids + (size_t)i * s->k;
		ret = chunk_io__fetch(&s->io, c->w, &rc->buf, hits, s->k);
		if (ret)
			return ret;
		res[i].ids = hits;
		res[i].has_recall = true;
		res[i].recall = source_hit(s, hits, qi[i]);
	}
	workload__phase_mark(c, &m2);
	/* every query of a batch waited for the whole batch: each gets its figures */
	for (i = 0; i < n; i++) {
		workload__phase_set(c, &res[i], 0, n, &m0, &m1);
		workload__phase_set(c, &res[i], 1, n, &m1, &m2);
	}
	return 0;
}

static int rag_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	return rag_run_batch(c, &qi, 1, res);
}

static int rag_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	const struct rag *s = c->w->priv;
	struct rag_client *rc = c->priv;
	size_t n, m = 0;
	int ret;

	ret = index_io__extents((struct index_io *)&s->ix, &rc->ib, qi, res->ids != NULL, &n);
	if (ret)
		return ret;
	if (n + (size_t)s->k > rc->cap) {
		free(rc->extents);
		rc->cap = n + (size_t)s->k;
		rc->extents = calloc(rc->cap, sizeof(*rc->extents));
		if (!rc->extents) {
			rc->cap = 0;
			return -ENOMEM;
		}
	}
	memcpy(rc->extents, rc->ib.extents, n * sizeof(*rc->extents));
	if (res->ids)
		m = chunk_io__extents(&s->io, &rc->buf, res->ids, s->k);
	memcpy(rc->extents + n, rc->buf.extents, m * sizeof(*rc->extents));
	res->extents = rc->extents;
	res->n_extents = n + m;
	return 0;
}

static int rag_set_library_prefetch(struct rb_workload *w, int nthreads)
{
	struct rag *s = w->priv;

	return index_io__set_prefetch(&s->ix, nthreads);
}

static int rag_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out, size_t max)
{
	struct rag *s = w->priv;

	if (key < s->keys)
		return index_io__extent_of(&s->ix, key, out, max);
	return chunk_io__extent_of(&s->io, key - s->keys, out, max);
}

const struct workload_ops rag_ops = {
	.name = "rag",
	.version = RB_WORKLOAD_VERSION,
	.flags = RB_WL_BATCH | RB_WL_CORPUS | RB_WL_IVF | RB_WL_HNSW | RB_WL_EXTENT_MAP |
		 RB_WL_DB_STORES,
	.help = "search the on-disk index (IVF or HNSW), then fetch the k hits' chunks from the "
		"chunk store (per-phase times: search, fetch)",
	.list_files = rag_list_files,
	.open = rag_open,
	.client_open = rag_client_open,
	.client_close = rag_client_close,
	.run_query = rag_run_query,
	.extents = rag_extents,
	.close = rag_close,
	.run_batch = rag_run_batch,
	.set_library_prefetch = rag_set_library_prefetch,
	.extent_map = rag_extent_map,
	.phase_names = rag_phases,
};
