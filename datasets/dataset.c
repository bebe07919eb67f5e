/*
 * dataset — build or reuse the on-disk artifacts of a run (see dataset.h).
 *
 * <cache_dir>/synth-<XXH64 of the dataset params>/
 *     base.fvecs, queries.fvecs, groundtruth.ivecs, manifest.json
 *     index-<XXH64 of dataset key, factory, train size, seed>/
 *         ivf.index, ivf.ivfdata, manifest.json
 *
 * Other generators name their folder import-, fmnist- or corpus-<hash>; their
 * source builder (import.c, corpus.c) writes base.fvecs and queries.fvecs (a
 * corpus also its chunk store), the ground truth is computed here from
 * base.fvecs unless an import supplied one, and from there on every dataset
 * is handled alike.
 *
 * Each folder is built as "<name>.tmp-<pid>" beside its final name and renamed
 * into place with its manifest (written last, fsync'd) inside, so a folder under
 * its final name is complete; one whose manifest is missing or does not match
 * (params, file sizes and checksums: manifest.c) is removed and built again. The manifest is the only
 * thing trusted: the key hash just makes names distinct.
 *
 * The .ivfdata path recorded in ivf.index must be absolute and final, but the
 * index is built in the temporary folder. The lists are merged into the temporary
 * .ivfdata, then the recorded name is switched to <final folder>/ivf.ivfdata
 * (rbf_ivf_set_ondisk_filename) before ivf.index is written; the folder rename
 * then makes that name true. This keeps the one-rename commit that the dataset
 * folder uses, so concurrent builders never see or clobber each other's files.
 */
#define _GNU_SOURCE /* realpath */
#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>
#include <json-c/json.h>
#include <xxhash.h>

#include "corpus.h"
#include "dataset.h"
#include "groundtruth.h"
#include "chunkstore.h"
#include "faiss_bridge.h"
#include "hnsw_bridge.h"
#include "import.h"
#include "manifest.h"
#include "synth.h"
#include "vecio.h"
#include "lib/fsutil.h"
#include "lib/clock.h"


#include "dataset_int.h"

int ds_check_space(const char *dir, uint64_t need, const char *what, char *err, size_t errlen)
{
	struct statvfs sv;
	uint64_t avail;

	if (statvfs(dir, &sv) < 0)
		return 0;   /* no figure: let the writes tell */
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (need <= avail)
		return 0;
	snprintf(err, errlen, "%s: not enough free space for %s: needs at least %.1f MiB, %.1f MiB "
		 "free (run.cache_dir elsewhere, or smaller dataset.n / dataset.dim)", dir, what,
		 need / 1048576.0, avail / 1048576.0);
	return -ENOSPC;
}

/* The base vectors a synthetic build writes (fvecs: dim + 1 words per row); 0 for sources
 * whose size the files decide. */
static uint64_t dataset_bytes(const struct rb_dataset_spec *spec)
{
	if (!ds_is_synthetic(spec))
		return 0;
	return (uint64_t)spec->dataset_n * ((uint64_t)spec->dataset_dim + 1) * sizeof(float);
}

/*
 * The inverted lists' ids, plus float codes for a Flat index: a lower bound of
 * ivfdata; for HNSW, level 0: vector, 2M links, their count and the label.
 */
static int dataset_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	char canonical[DS_CANONICAL_MAX], key[32], final[RB_PATH_MAX], tmp[RB_PATH_MAX];
	double t0 = clock__now_s();
	int ret;

	if ((ret = ds_dataset_canonical(spec, canonical, sizeof(canonical), err, errlen)))
		return ret;
	ds->dataset_key = ds_key_of(canonical);
	snprintf(key, sizeof(key), "%s-%016llx", ds_dataset_prefix(spec),
		 (unsigned long long)ds->dataset_key);
	if ((ret = ds_mkdir_p(spec->cache_dir, err, errlen)))
		return ret;
	if (fsutil__join(final, sizeof(final), spec->cache_dir, key) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", final, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "run.cache_dir: path too long: %s", spec->cache_dir);
		return -ENAMETOOLONG;
	}
	if (manifest__matches(final, "rabench-dataset", canonical, NULL)) {
		ds->reused_dataset = 1;
	} else {
		ds_remove_stale_tmp(spec->cache_dir, key);
		if ((ret = ds_check_space(spec->cache_dir, dataset_bytes(spec), "the dataset", err, errlen)) ||
		    (ret = ds_fresh_dir(tmp, err, errlen)))
			return ret;
		if (ds_is_synthetic(spec))
			ret = ds_dataset_build(spec, tmp, key, canonical, err, errlen);
		else
			ret = ds_source_build(spec, tmp, key, canonical, err, errlen);
		if (!ret)
			ret = manifest__commit_dir(tmp, final, "rabench-dataset", canonical, NULL, err, errlen);
		if (ret) {
			fsutil__rm_rf(tmp);
			return ret;
		}
		fsutil__fsync_path(spec->cache_dir);
		fprintf(stderr, "rabench: dataset %s ready (%.1f s)\n", final, clock__now_s() - t0);
	}
	if (!realpath(final, ds->dir)) {
		ret = -errno;
		snprintf(err, errlen, "%s: realpath: %s", final, strerror(-ret));
		return ret;
	}
	return 0;
}

/* ---- load ------------------------------------------------------------------------ */

/* What the run asks of an imported dataset, whose sizes the files decided. */
static int check_sizes(const struct rb_dataset_spec *spec, const struct rb_dataset *ds, char *err,
		       size_t errlen)
{
	if (spec->workload_queries > ds->nq) {
		snprintf(err, errlen, "workload.queries: %lld, but %s has only %lld queries",
			 (long long)spec->workload_queries, ds->queries_path, (long long)ds->nq);
		return -EINVAL;
	}
	if (spec->workload_k > ds->gt_k) {
		snprintf(err, errlen, "workload.k: %lld, but the ground truth %s has only %lld "
			 "neighbours per query", (long long)spec->workload_k, ds->gt_path,
			 (long long)ds->gt_k);
		return -EINVAL;
	}
	return 0;
}

/* corpus: the chunk each query was made from (query_chunks.ivecs). */
static int load_query_chunks(struct rb_dataset *ds, char *err, size_t errlen)
{
	char path[RB_PATH_MAX];
	int32_t *src = NULL;
	int64_t n, d, i;
	int ret;

	if ((ret = fsutil__join(path, sizeof(path), ds->dir, "query_chunks.ivecs")) ||
	    (ret = vecio__load(path, VECIO_IVECS, (void **)&src, &n, &d, err, errlen)))
		return ret;
	if (n != ds->nq || d != 1) {
		snprintf(err, errlen, "%s: %lld rows of %lld, expected %lld of 1", path, (long long)n,
			 (long long)d, (long long)ds->nq);
		free(src);
		return -EINVAL;
	}
	ds->query_chunk = malloc(sizeof(int64_t) * (size_t)n);
	for (i = 0; ds->query_chunk && i < n; i++)
		ds->query_chunk[i] = src[i];
	free(src);
	return ds->query_chunk ? 0 : -ENOMEM;
}

/* n and dim of base.fvecs: what the index is built for. */
static int base_shape(struct rb_dataset *ds, char *err, size_t errlen)
{
	struct vecio_reader *base;
	int ret = vecio__open(&base, ds->base_path, VECIO_FVECS, err, errlen);

	if (ret)
		return ret;
	ds->n = vecio__count(base);
	ds->dim = vecio__dim(base);
	vecio__close(base);
	return 0;
}

/* Paths of the files in the dataset folder. */
static int dataset_paths(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err,
			 size_t errlen)
{
	bool corpus = !strcmp(spec->dataset_generator, "corpus");

	if (fsutil__join(ds->base_path, sizeof(ds->base_path), ds->dir, "base.fvecs") ||
	    fsutil__join(ds->queries_path, sizeof(ds->queries_path), ds->dir, "queries.fvecs") ||
	    fsutil__join(ds->gt_path, sizeof(ds->gt_path), ds->dir, "groundtruth.ivecs") ||
	    (corpus && fsutil__join(ds->chunks_path, sizeof(ds->chunks_path), ds->dir, "chunks.dat")) ||
	    (corpus && fsutil__join(ds->chunks_idx_path, sizeof(ds->chunks_idx_path), ds->dir, "chunks.idx"))) {
		snprintf(err, errlen, "%s: path too long", ds->dir);
		return -ENAMETOOLONG;
	}
	return 0;
}

static int dataset_load(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	struct vecio_reader *base;
	int32_t *gt32 = NULL;
	void *q = NULL;
	int64_t n, d, i;
	int ret;

	if ((ret = vecio__open(&base, ds->base_path, VECIO_FVECS, err, errlen)))
		return ret;
	ds->n = vecio__count(base);
	ds->dim = vecio__dim(base);
	vecio__close(base);
	if ((ret = vecio__load(ds->queries_path, VECIO_FVECS, &q, &ds->nq, &d, err, errlen)))
		return ret;
	ds->queries = q;
	if ((ret = vecio__load(ds->gt_path, VECIO_IVECS, (void **)&gt32, &n, &ds->gt_k, err, errlen)))
		return ret;
	if ((ds_is_synthetic(spec) ? ds->n != spec->dataset_n || ds->nq != spec->dataset_queries :
				 ds->n > spec->dataset_n || ds->nq > spec->dataset_queries) ||
	    d != ds->dim || n != ds->nq) {
		snprintf(err, errlen, "%s: files disagree with the manifest (n, dim or query count)", ds->dir);
		ret = -EINVAL;
		goto cleanup;
	}
	if ((ret = check_sizes(spec, ds, err, errlen)))
		goto cleanup;
	ds->gt = malloc(sizeof(int64_t) * n * ds->gt_k);
	if (!ds->gt) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < n * ds->gt_k; i++)
		ds->gt[i] = gt32[i];
	if (ds->chunks_path[0])
		ret = load_query_chunks(ds, err, errlen);
cleanup:
	free(gt32);
	return ret;
}

int dataset__prepare(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	int ret;

	memset(ds, 0, sizeof(*ds));
	ds->store_interior_bytes = -1;
	if ((ret = ds_config_check(spec, err, errlen)) || (ret = dataset_ensure(spec, ds, err, errlen)))
		goto cleanup;
	if ((ret = dataset_paths(spec, ds, err, errlen)) || (ret = base_shape(ds, err, errlen)) ||
	    (spec->index_kind[0] && (ret = ds_index_ensure(spec, ds, err, errlen))) ||
	    (ds->chunks_path[0] && (ret = ds_store_ensure(spec, ds, err, errlen))) ||
	    (ret = dataset_load(spec, ds, err, errlen)))
		goto cleanup;
	return 0;
cleanup:
	dataset__free(ds);
	return ret;
}

void dataset__free(struct rb_dataset *ds)
{
	if (!ds)
		return;
	free(ds->queries);
	free(ds->gt);
	free(ds->query_chunk);
	ds->queries = NULL;
	ds->gt = NULL;
	ds->query_chunk = NULL;
}

double dataset__recall_at_k(const int64_t *ids, const int64_t *gt, int64_t k)
{
	int64_t i, j, hits = 0;

	if (k <= 0)
		return 0.0;
	for (i = 0; i < k; i++) {
		int dup = 0;

		if (ids[i] < 0)
			continue;
		for (j = 0; j < i && !dup; j++)
			dup = ids[j] == ids[i];
		for (j = 0; j < k && !dup; j++) {
			if (gt[j] == ids[i]) {
				hits++;
				break;
			}
		}
	}
	return (double)hits / (double)k;
}
