/*
 * chunk-fetch — the second read of a RAG retrieval alone: each query fetches k
 * chunks of the chunk store by id (small variable-length records at random
 * places in chunks.dat) with pread, or by copying them out of an mmap of the
 * file (workload.chunk_io), and checks each against its checksum.
 *
 * Which chunks (workload.chunk_ids, chunk_fetch_pick): the query's exact k
 * nearest chunks (the dataset's ground truth, what a perfect search would hand
 * on), or k chunks picked uniformly at random, seeded by dataset.seed and the
 * query number. Recall is 1 when the chunk the query was made from is among
 * the k fetched (groundtruth: how often the embedding ranks it in the top k),
 * null for uniform picks. The extents are the k chunks' byte ranges, known
 * before the query, so willneed can prefetch all of them at once; the extent
 * map is chunk id -> its extent.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_io.h"
#include "workload.h"
#include "../datasets/dataset.h"

struct chunk_fetch {
	struct chunk_io io;
	const struct rb_dataset *ds;
	int64_t k;
	bool uniform;
	uint64_t seed;
	int64_t *ids;
};

static int chunk_fetch_list_files(const struct rb_config *cfg, const struct rb_dataset *ds,
				  char paths[][512], int max)
{
	(void)cfg;
	if (max < 2)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->chunks_path);
	snprintf(paths[1], 512, "%s", ds->chunks_idx_path);
	return 2;
}

static void chunk_fetch_close(struct rb_workload *w)
{
	struct chunk_fetch *s = w->priv;

	if (!s)
		return;
	chunk_io__close(&s->io);
	free(s->ids);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int chunk_fetch_open(struct rb_workload *w, const struct rb_config *cfg,
			    const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct chunk_fetch *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	w->n_files = 1;
	s->ds = ds;
	s->k = cfg->workload_k;
	s->uniform = !strcmp(cfg->workload_chunk_ids, "uniform");
	s->seed = (uint64_t)cfg->dataset_seed;
	s->ids = calloc((size_t)s->k, sizeof(*s->ids));
	rc = s->ids ? chunk_io__open(&s->io, w, 0, cfg, ds, s->k, err, errlen) : -ENOMEM;
	if (rc)
		chunk_fetch_close(w);
	return rc;
}

/* splitmix64 */
static uint64_t mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * The k chunk ids query qi fetches: the one place that decides (a query
 * stream, e.g. a skewed one, would replace the uniform pick here).
 */
static void chunk_fetch_pick(struct chunk_fetch *s, int64_t qi)
{
	uint64_t rng = s->seed ^ ((uint64_t)qi * 0xd1342543de82ef95ULL);
	int64_t i;

	for (i = 0; i < s->k; i++)
		s->ids[i] = s->uniform ? (int64_t)(mix64(&rng) % s->io.cs.count) :
					 s->ds->gt[qi * s->ds->gt_k + i];
}

/* 1 when the query's source chunk is among the k fetched; NaN when unknowable. */
static double source_hit(const struct chunk_fetch *s, int64_t qi)
{
	int64_t i;

	if (s->uniform || !s->ds->query_chunk)
		return NAN;
	for (i = 0; i < s->k; i++)
		if (s->ids[i] == s->ds->query_chunk[qi])
			return 1.0;
	return 0.0;
}

static int chunk_fetch_run_query(struct rb_workload *w, int64_t qi, struct rb_query_result *res)
{
	struct chunk_fetch *s = w->priv;

	chunk_fetch_pick(s, qi);
	res->ids = s->ids;
	res->has_recall = true;
	res->recall = source_hit(s, qi);
	return chunk_io__fetch(&s->io, w, s->ids, s->k);
}

static int chunk_fetch_extents(struct rb_workload *w, int64_t qi, struct rb_query_result *res)
{
	struct chunk_fetch *s = w->priv;

	chunk_fetch_pick(s, qi);
	res->n_extents = chunk_io__extents(&s->io, s->ids, s->k);
	res->extents = s->io.extents;
	return 0;
}

static int chunk_fetch_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out,
				  size_t max)
{
	struct chunk_fetch *s = w->priv;

	return chunk_io__extent_of(&s->io, key, out, max);
}

const struct workload_ops chunk_fetch_ops = {
	.name = "chunk-fetch",
	.version = RB_WORKLOAD_VERSION,
	.help = "fetch k chunks of the chunk store by id (pread or mmap), checksum-verified",
	.list_files = chunk_fetch_list_files,
	.open = chunk_fetch_open,
	.run_query = chunk_fetch_run_query,
	.extents = chunk_fetch_extents,
	.close = chunk_fetch_close,
	.extent_map = chunk_fetch_extent_map,
};
