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
#include "datasets/dataset.h"

struct chunk_fetch {
	struct chunk_io io;
	const struct rb_dataset *ds;
	int64_t k;
	bool uniform;
	uint64_t seed;
};

/* A client's picks and fetch buffers. */
struct chunk_fetch_client {
	int64_t *ids;
	struct chunk_buf buf;
};

static int chunk_fetch_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
				  char paths[][512], int max)
{
	(void)wp;
	if (max < 2)
		return -ENOSPC;
	/* the file the chunks are read from: chunks.dat, or the LMDB / SQLite database */
	snprintf(paths[0], 512, "%s", ds->store_path[0] ? ds->store_path : ds->chunks_path);
	snprintf(paths[1], 512, "%s", ds->chunks_idx_path);
	return 2;
}

static void chunk_fetch_close(struct rb_workload *w)
{
	struct chunk_fetch *s = w->priv;

	if (!s)
		return;
	chunk_io__close(&s->io, w);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int chunk_fetch_open(struct rb_workload *w, const struct rb_workload_params *wp,
			    const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct chunk_fetch *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	w->n_files = 1;
	s->ds = ds;
	s->k = wp->k;
	s->uniform = !strcmp(wp->chunk_ids, "uniform");
	s->seed = (uint64_t)wp->seed;
	rc = chunk_io__open(&s->io, w, 0, wp, ds, s->k, err, errlen);
	if (rc)
		chunk_fetch_close(w);
	return rc;
}

static void chunk_fetch_client_close(struct rb_client *c)
{
	struct chunk_fetch_client *cc = c->priv;

	if (!cc)
		return;
	chunk_buf__free(&cc->buf, c->w, &((const struct chunk_fetch *)c->w->priv)->io);
	free(cc->ids);
	free(cc);
	c->priv = NULL;
}

static int chunk_fetch_client_open(struct rb_client *c)
{
	const struct chunk_fetch *s = c->w->priv;
	struct chunk_fetch_client *cc = calloc(1, sizeof(*cc));

	if (!cc)
		return -ENOMEM;
	c->priv = cc;
	cc->ids = calloc((size_t)s->k, sizeof(*cc->ids));
	if (!cc->ids || chunk_buf__init(&cc->buf, &s->io, c->w)) {
		chunk_fetch_client_close(c);
		return -ENOMEM;
	}
	return 0;
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
static void chunk_fetch_pick(const struct chunk_fetch *s, int64_t *ids, int64_t qi)
{
	uint64_t rng = s->seed ^ ((uint64_t)qi * 0xd1342543de82ef95ULL);
	int64_t i;

	for (i = 0; i < s->k; i++)
		ids[i] = s->uniform ? (int64_t)(mix64(&rng) % s->io.cs.count) :
					 s->ds->gt[qi * s->ds->gt_k + i];
}

/* 1 when the query's source chunk is among the k fetched; NaN when unknowable. */
static double source_hit(const struct chunk_fetch *s, const int64_t *ids, int64_t qi)
{
	int64_t i;

	if (s->uniform || !s->ds->query_chunk)
		return NAN;
	for (i = 0; i < s->k; i++)
		if (ids[i] == s->ds->query_chunk[qi])
			return 1.0;
	return 0.0;
}

static int chunk_fetch_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	const struct chunk_fetch *s = c->w->priv;
	struct chunk_fetch_client *cc = c->priv;

	chunk_fetch_pick(s, cc->ids, qi);
	res->ids = cc->ids;
	res->has_recall = true;
	res->recall = source_hit(s, cc->ids, qi);
	return chunk_io__fetch(&s->io, c->w, &cc->buf, cc->ids, s->k);
}

static int chunk_fetch_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	const struct chunk_fetch *s = c->w->priv;
	struct chunk_fetch_client *cc = c->priv;

	chunk_fetch_pick(s, cc->ids, qi);
	res->n_extents = chunk_io__extents(&s->io, &cc->buf, cc->ids, s->k);
	res->extents = cc->buf.extents;
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
	.flags = RB_WL_CORPUS | RB_WL_EXTENT_MAP | RB_WL_DB_STORES,
	.help = "fetch k chunks of the chunk store by id (pread or mmap), checksum-verified",
	.list_files = chunk_fetch_list_files,
	.open = chunk_fetch_open,
	.client_open = chunk_fetch_client_open,
	.client_close = chunk_fetch_client_close,
	.run_query = chunk_fetch_run_query,
	.extents = chunk_fetch_extents,
	.close = chunk_fetch_close,
	.extent_map = chunk_fetch_extent_map,
};
