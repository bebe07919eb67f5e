/*
 * rag — what a RAG server does per query: search the on-disk IVF index (the
 * FAISS path of ivf-search, workloads/ivf_common.c) for the k nearest chunk
 * embeddings, then fetch those k chunks from the chunk store (chunk_io.c:
 * pread or mmap, checksum-verified). Two reads of different shape: multi-page
 * IVF list extents, then small records at random places.
 *
 * Phases: "search" and "fetch", timed inside run_query (res->phase_us); the
 * query's latency is their sum plus whatever a strategy's hint costs.
 * Recall is 1 when the chunk the query was made from is among the k hits.
 *
 * Files during queries: w->files[0] the .ivfdata (FAISS's mapping), [1]
 * chunks.dat (fd or our mapping). ivf.index and chunks.idx are read at open
 * only; list_files names them too, so the cache is cold for all four.
 * Extents of query qi: its probed lists, plus the chunks of its hits once it has
 * been searched (the runner asks after run_query; willneed asks before, when
 * the hits are not known yet, so its hint covers the lists only). Extent map:
 * keys [0, nlist) are the lists, key nlist + c is chunk c.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chunk_io.h"
#include "ivf_common.h"
#include "workload.h"
#include "../datasets/dataset.h"

enum { RAG_FILE_IVF, RAG_FILE_CHUNKS };

static const char *const rag_phases[] = { "search", "fetch", NULL };

struct rag {
	struct ivf_common ivf;
	struct chunk_io io;
	const struct rb_dataset *ds;
	int64_t searched;          /* query whose hits ivf.ids holds, -1 none */
	struct rb_extent *extents; /* lists + chunks of one query */
};

static int rag_list_files(const struct rb_config *cfg, const struct rb_dataset *ds,
			  char paths[][512], int max)
{
	(void)cfg;
	if (max < 4)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->index_path);
	snprintf(paths[1], 512, "%s", ds->ivfdata_path);
	snprintf(paths[2], 512, "%s", ds->chunks_path);
	snprintf(paths[3], 512, "%s", ds->chunks_idx_path);
	return 4;
}

static void rag_close(struct rb_workload *w)
{
	struct rag *s = w->priv;

	if (!s)
		return;
	chunk_io__close(&s->io);
	ivf_common__close(&s->ivf);
	free(s->extents);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int rag_open(struct rb_workload *w, const struct rb_config *cfg,
		    const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct rag *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	w->n_files = 2;
	s->ds = ds;
	s->searched = -1;
	rc = ivf_common__open(&s->ivf, w, RAG_FILE_IVF, cfg, ds, err, errlen);
	if (!rc)
		rc = chunk_io__open(&s->io, w, RAG_FILE_CHUNKS, cfg, ds, cfg->workload_k, err,
				    errlen);
	if (!rc) {
		s->extents = calloc((size_t)(2 * s->ivf.nprobe + cfg->workload_k),
				    sizeof(*s->extents));
		rc = s->extents ? 0 : -ENOMEM;
	}
	if (rc)
		rag_close(w);
	return rc;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static double source_hit(const struct rag *s, int64_t qi)
{
	int64_t i;

	if (!s->ds->query_chunk)
		return NAN;
	for (i = 0; i < s->ivf.k; i++)
		if (s->ivf.ids[i] == s->ds->query_chunk[qi])
			return 1.0;
	return 0.0;
}

static int rag_run_query(struct rb_workload *w, int64_t qi, struct rb_query_result *res)
{
	struct rag *s = w->priv;
	double t0 = now_us(), t1;
	int rc;

	s->searched = -1;
	rc = ivf_common__search(&s->ivf, qi);
	t1 = now_us();
	if (rc)
		return rc;
	s->searched = qi;
	rc = chunk_io__fetch(&s->io, w, s->ivf.ids, s->ivf.k);
	res->phase_us[0] = t1 - t0;
	res->phase_us[1] = now_us() - t1;
	res->ids = s->ivf.ids;
	res->has_recall = true;
	res->recall = source_hit(s, qi);
	return rc;
}

static int rag_extents(struct rb_workload *w, int64_t qi, struct rb_query_result *res)
{
	struct rag *s = w->priv;
	size_t n, m = 0;
	int rc;

	rc = ivf_common__extents(&s->ivf, qi, &n);
	if (rc)
		return rc;
	memcpy(s->extents, s->ivf.extents, n * sizeof(*s->extents));
	if (s->searched == qi)
		m = chunk_io__extents(&s->io, s->ivf.ids, s->ivf.k);
	memcpy(s->extents + n, s->io.extents, m * sizeof(*s->extents));
	res->extents = s->extents;
	res->n_extents = n + m;
	return 0;
}

static int rag_set_library_prefetch(struct rb_workload *w, int nthreads)
{
	struct rag *s = w->priv;

	return ivf_common__set_prefetch(&s->ivf, nthreads);
}

static int rag_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out, size_t max)
{
	struct rag *s = w->priv;

	if (key < s->ivf.nlist)
		return ivf_common__list_extents(&s->ivf, key, out, max);
	return chunk_io__extent_of(&s->io, key - s->ivf.nlist, out, max);
}

const struct workload_ops rag_ops = {
	.name = "rag",
	.version = RB_WORKLOAD_VERSION,
	.help = "IVF search of the on-disk index, then fetch the k hits' chunks from the chunk "
		"store (per-phase times: search, fetch)",
	.list_files = rag_list_files,
	.open = rag_open,
	.run_query = rag_run_query,
	.extents = rag_extents,
	.close = rag_close,
	.set_library_prefetch = rag_set_library_prefetch,
	.extent_map = rag_extent_map,
	.phase_names = rag_phases,
};
