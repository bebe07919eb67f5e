/*
 * config_workload — the config checks that depend on the workload, answered by
 * its flags (workloads/workload.h RB_WL_*) rather than by lists of names, so a
 * new workload or store is one file and one registry line: workload.type is a
 * registered name; the index it reads (index.kind, and that kind's keys) fits;
 * a chunk workload has a corpus and a store it can read; workload.batch > 1 only
 * with a batched search. Run after config__validate (generic checks).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "workloads/workload.h"

/* "a, b, c": the registered workloads, for a message. */
static void names(char *buf, size_t len)
{
	const struct workload_ops *const *w;
	size_t o = 0;

	buf[0] = '\0';
	for (w = workload__all(); *w && o < len; w++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", (*w)->name);
}

static int check_ivf(const struct rb_config *cfg, char *err, size_t errlen)
{
	int64_t nlist = config__factory_nlist(cfg->index_factory);

	if (!nlist)
		return config__errf(-EINVAL, cfg, "index.factory", err, errlen,
				    "needs an IVF index (got '%s'; expected IVF<nlist> at the start or "
				    "after a comma, e.g. 'IVF1024,Flat')", cfg->index_factory);
	if (cfg->workload_nprobe > nlist)
		return config__errf(-EINVAL, cfg, "workload.nprobe", err, errlen,
				    "more than the index has lists (got %" PRId64 "; expected at most %"
				    PRId64 ", the nlist of index.factory '%s')", cfg->workload_nprobe,
				    nlist, cfg->index_factory);
	/* FAISS's k-means refuses fewer training points than centroids */
	if (cfg->index_train_size < nlist)
		return config__errf(-EINVAL, cfg, "index.train_size", err, errlen,
				    "fewer training vectors than IVF lists (got %" PRId64 "; expected at "
				    "least %" PRId64 ", the nlist of index.factory '%s')",
				    cfg->index_train_size, nlist, cfg->index_factory);
	if (cfg->index_train_size > cfg->dataset_n)
		return config__errf(-EINVAL, cfg, "index.train_size", err, errlen,
				    "larger than dataset.n (got %" PRId64 "; expected at most %" PRId64 ")",
				    cfg->index_train_size, cfg->dataset_n);
	return 0;
}

static int check_hnsw(const struct rb_config *cfg, char *err, size_t errlen)
{
	if (cfg->workload_ef_search < cfg->workload_k)
		return config__errf(-EINVAL, cfg, "workload.ef_search", err, errlen,
				    "fewer candidates than results (got %" PRId64 "; expected at least "
				    "workload.k, %" PRId64 ")", cfg->workload_ef_search, cfg->workload_k);
	if (cfg->index_hnsw_ef_construction < cfg->index_hnsw_m)
		return config__errf(-EINVAL, cfg, "index.hnsw_ef_construction", err, errlen,
				    "below index.hnsw_m (got %" PRId64 "; expected at least %" PRId64 ")",
				    cfg->index_hnsw_ef_construction, cfg->index_hnsw_m);
	return 0;
}

/* The index the workload searches: index.kind must be one it reads. */
static int check_index(const struct rb_config *cfg, const struct workload_ops *ops, char *err,
		       size_t errlen)
{
	bool hnsw = !strcmp(cfg->index_kind, "hnsw");
	unsigned want = hnsw ? RB_WL_HNSW : RB_WL_IVF;

	if (!(ops->flags & RB_WL_INDEX))
		return 0;	/* index.* unused */
	if (!(ops->flags & want))
		return config__errf(-EINVAL, cfg, "index.kind", err, errlen,
				    "workload.type %s does not read it (got '%s'; expected %s)",
				    ops->name, cfg->index_kind, hnsw ? "ivf" : "hnsw");
	return hnsw ? check_hnsw(cfg, err, errlen) : check_ivf(cfg, err, errlen);
}

static int check_store(const struct rb_config *cfg, const struct workload_ops *ops, char *err,
		       size_t errlen)
{
	bool db = strcmp(cfg->dataset_chunk_store, "file") != 0;

	if ((ops->flags & RB_WL_CORPUS) && strcmp(cfg->dataset_generator, "corpus"))
		return config__errf(-EINVAL, cfg, "workload.type", err, errlen,
				    "needs a chunk store (got '%s' with dataset.generator '%s'; "
				    "expected dataset.generator: corpus)", ops->name,
				    cfg->dataset_generator);
	if (db && !(ops->flags & RB_WL_CORPUS))
		return config__errf(-EINVAL, cfg, "dataset.chunk_store", err, errlen,
				    "workload.type %s reads no chunks (got '%s'; expected file, or a "
				    "chunk workload: chunk-fetch, rag)", ops->name,
				    cfg->dataset_chunk_store);
	if (db && !(ops->flags & RB_WL_DB_STORES))
		return config__errf(-EINVAL, cfg, "dataset.chunk_store", err, errlen,
				    "workload.type %s cannot read it (got '%s'; expected file)",
				    ops->name, cfg->dataset_chunk_store);
	return 0;
}

int config__validate_workload(const struct rb_config *cfg, char *err, size_t errlen)
{
	const struct workload_ops *ops = workload__find(cfg->workload_type);
	char known[256];
	int ret;

	if (!ops) {
		names(known, sizeof(known));
		return config__errf(-EINVAL, cfg, "workload.type", err, errlen,
				    "unknown workload (got '%s'; expected one of %s)",
				    cfg->workload_type, known);
	}
	if ((ret = check_index(cfg, ops, err, errlen)) || (ret = check_store(cfg, ops, err, errlen)))
		return ret;
	if (cfg->workload_batch > 1 && !(ops->flags & RB_WL_BATCH))
		return config__errf(-EINVAL, cfg, "workload.batch", err, errlen,
				    "workload.type %s has no batched search (got %" PRId64
				    "; expected 1)", ops->name, cfg->workload_batch);
	return 0;
}
