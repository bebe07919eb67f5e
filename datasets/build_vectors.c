/*
 * build_vectors — a dataset folder's vectors: the synthetic generator's base,
 * queries and exact ground truth, chunk by chunk; or an imported, fashion-mnist or
 * corpus source (import.c, corpus.c) with the ground truth computed here unless the
 * import supplied one. Each with its manifest.
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

/* ---- dataset build ----------------------------------------------------------- */

static int write_queries(const struct synth_model *m, const struct rb_dataset_spec *spec, const char *path,
			 float *q, char *err, size_t errlen)
{
	synth__sample(m, SYNTH_STREAM_QUERIES, 0, spec->dataset_queries, q);
	return vecio__save(path, VECIO_FVECS, q, spec->dataset_queries, spec->dataset_dim, err,
			   errlen);
}

/* One pass over the base: generate a chunk, append it to base.fvecs, fold it into the gt. */
static int write_base_and_gt(const struct synth_model *m, const struct rb_dataset_spec *spec,
			     const char *dir, const float *queries, struct gt_acc *gt, char *err,
			     size_t errlen)
{
	int64_t first, n = spec->dataset_n, dim = spec->dataset_dim;
	char path[RB_PATH_MAX], what[128];
	struct vecio_writer *w = NULL;
	float *x = malloc(sizeof(float) * DS_CHUNK * dim);
	struct progress p = { what, n, 10 };
	int ret = -ENOMEM;

	snprintf(what, sizeof(what), "generating %lld x %lld vectors + ground truth", (long long)n,
		 (long long)dim);
	if (!x || (ret = fsutil__join(path, sizeof(path), dir, "base.fvecs")) ||
	    (ret = vecio__create(&w, path, VECIO_FVECS, dim, err, errlen)))
		goto cleanup;
	for (first = 0; first < n; first += DS_CHUNK) {
		int64_t c = n - first < DS_CHUNK ? n - first : DS_CHUNK;

		synth__sample(m, SYNTH_STREAM_BASE, first, c, x);
		if ((ret = ds_interrupted(err, errlen)) || (ret = vecio__append(w, x, c, err, errlen)) ||
		    (ret = groundtruth__add_chunk(gt, queries, x, c, dim, first, err, errlen)))
			goto cleanup;
		ds_progress__update(&p, first + c);
	}
	ret = vecio__commit(w, err, errlen);
	w = NULL;
cleanup:
	vecio__abort(w);
	free(x);
	return ret;
}

static int dataset_manifest(const struct rb_dataset_spec *spec, const char *dir, const char *key,
			    const char *canonical, int64_t gt_k, char *err, size_t errlen)
{
	struct json_object *m = manifest__new("rabench-dataset", key, canonical);
	int ret;

	json_object_object_add(m, "generator", json_object_new_string("synthetic"));
	manifest__int(m, "n", spec->dataset_n);
	manifest__int(m, "dim", spec->dataset_dim);
	manifest__int(m, "clusters", spec->dataset_clusters);
	manifest__int(m, "queries", spec->dataset_queries);
	manifest__int(m, "seed", spec->dataset_seed);
	json_object_object_add(m, "normalize", json_object_new_boolean(spec->dataset_normalize));
	json_object_object_add(m, "spread", json_object_new_double(spec->dataset_spread));
	manifest__int(m, "gt_k", gt_k);
	if (!(ret = manifest__add_file(m, dir, "base.fvecs", err, errlen)) &&
	    !(ret = manifest__add_file(m, dir, "queries.fvecs", err, errlen)) &&
	    !(ret = manifest__add_file(m, dir, "groundtruth.ivecs", err, errlen)))
		ret = manifest__write(m, dir, err, errlen);
	json_object_put(m);
	return ret;
}

/* Fill tmp (an empty folder) with the three vector files and the manifest. */
int ds_dataset_build(const struct rb_dataset_spec *spec, const char *tmp, const char *key,
			 const char *canonical, char *err, size_t errlen)
{
	struct synth_params sp = {
		.n = spec->dataset_n, .dim = spec->dataset_dim, .clusters = spec->dataset_clusters,
		.seed = (uint64_t)spec->dataset_seed, .normalize = spec->dataset_normalize,
		.spread = spec->dataset_spread,
	};
	int64_t nq = spec->dataset_queries, k = spec->dataset_n < RB_GT_K ? spec->dataset_n : RB_GT_K;
	struct gt_acc gt = { 0 };
	struct synth_model *m = NULL;
	float *queries = malloc(sizeof(float) * nq * spec->dataset_dim);
	char path[RB_PATH_MAX];
	int ret;

	if (!queries || groundtruth__init(&gt, nq, k)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	if ((ret = synth__new(&sp, &m))) {
		snprintf(err, errlen, "dataset: invalid generator parameters");
		goto cleanup;
	}
	if ((ret = fsutil__join(path, sizeof(path), tmp, "queries.fvecs")) ||
	    (ret = write_queries(m, spec, path, queries, err, errlen)) ||
	    (ret = write_base_and_gt(m, spec, tmp, queries, &gt, err, errlen)) ||
	    (ret = fsutil__join(path, sizeof(path), tmp, "groundtruth.ivecs")) ||
	    (ret = groundtruth__write(&gt, path, err, errlen)))
		goto cleanup;
	ret = dataset_manifest(spec, tmp, key, canonical, k, err, errlen);
cleanup:
	synth__free(m);
	free(queries);
	groundtruth__free(&gt);
	return ret;
}

/* ---- imported / embedded datasets ------------------------------------------------ */

/* Exact ground truth of the queries over tmp/base.fvecs, read back in chunks. */
static int gt_from_base(const char *dir, const float *queries, struct gt_acc *gt, char *err,
			size_t errlen)
{
	struct vecio_reader *base = NULL;
	int64_t first, n, dim;
	char path[RB_PATH_MAX];
	float *x = NULL;
	int ret;

	if ((ret = fsutil__join(path, sizeof(path), dir, "base.fvecs")) ||
	    (ret = vecio__open(&base, path, VECIO_FVECS, err, errlen)))
		return ret;
	n = vecio__count(base);
	dim = vecio__dim(base);
	x = malloc(sizeof(float) * DS_CHUNK * dim);
	ret = x ? 0 : -ENOMEM;
	for (first = 0; !ret && first < n; first += DS_CHUNK) {
		int64_t c = n - first < DS_CHUNK ? n - first : DS_CHUNK;

		ret = ds_interrupted(err, errlen);
		if (!ret)
			ret = vecio__read(base, first, c, x, err, errlen);
		if (!ret)
			ret = groundtruth__add_chunk(gt, queries, x, c, dim, first, err, errlen);
	}
	free(x);
	vecio__close(base);
	return ret;
}

/* Compute tmp/groundtruth.ivecs for a source that did not bring one. */
static int source_gt(const struct import_info *info, const char *dir, int64_t *gt_k, char *err,
		     size_t errlen)
{
	struct gt_acc gt = { 0 };
	char path[RB_PATH_MAX];
	float *q = NULL;
	int64_t nq, d;
	int ret;

	fprintf(stderr, "rabench: exact ground truth of %lld queries over %lld vectors ...\n",
		(long long)info->nq, (long long)info->n);
	if ((ret = fsutil__join(path, sizeof(path), dir, "queries.fvecs")) ||
	    (ret = vecio__load(path, VECIO_FVECS, (void **)&q, &nq, &d, err, errlen)))
		return ret;
	ret = groundtruth__init(&gt, info->nq, info->n < RB_GT_K ? info->n : RB_GT_K);
	if (!ret)
		ret = gt_from_base(dir, q, &gt, err, errlen);
	if (!ret && !(ret = fsutil__join(path, sizeof(path), dir, "groundtruth.ivecs")))
		ret = groundtruth__write(&gt, path, err, errlen);
	*gt_k = gt.k;
	free(q);
	groundtruth__free(&gt);
	return ret;
}

static int source_manifest(const struct rb_dataset_spec *spec, const struct import_info *info,
			   const char *dir, const char *key, const char *canonical, char *err,
			   size_t errlen)
{
	static const char *const corpus_files[] = {
		"chunks.dat", "chunks.idx", "query_chunks.ivecs", "queries.txt", NULL,
	};
	struct json_object *m = manifest__new("rabench-dataset", key, canonical);
	const char *const *f;
	int ret;

	json_object_object_add(m, "generator", json_object_new_string(spec->dataset_generator));
	manifest__int(m, "n", info->n);
	manifest__int(m, "dim", info->dim);
	manifest__int(m, "queries", info->nq);
	manifest__int(m, "gt_k", info->gt_k);
	if (!(ret = manifest__add_file(m, dir, "base.fvecs", err, errlen)) &&
	    !(ret = manifest__add_file(m, dir, "queries.fvecs", err, errlen)))
		ret = manifest__add_file(m, dir, "groundtruth.ivecs", err, errlen);
	for (f = corpus_files; !ret && *f && !strcmp(spec->dataset_generator, "corpus"); f++)
		ret = manifest__add_file(m, dir, *f, err, errlen);
	if (!ret)
		ret = manifest__write(m, dir, err, errlen);
	json_object_put(m);
	return ret;
}

/* Fill tmp from an import or a corpus, then the ground truth if the source had none. */
int ds_source_build(const struct rb_dataset_spec *spec, const char *tmp, const char *key,
			const char *canonical, char *err, size_t errlen)
{
	struct import_info info;
	int ret;

	if (!strcmp(spec->dataset_generator, "corpus"))
		ret = corpus__build(spec, tmp, &info, err, errlen);
	else
		ret = import__build(spec, tmp, &info, err, errlen);
	if (ret)
		return ret;
	if (!info.gt_k && (ret = source_gt(&info, tmp, &info.gt_k, err, errlen)))
		return ret;
	return source_manifest(spec, &info, tmp, key, canonical, err, errlen);
}

/* Make <cache_dir>/<key> valid (reusing it when its manifest matches); realpath into ds->dir. */
/*
 * Refuse up front what cannot fit: need is a lower bound of the bytes a build
 * writes into dir, so a refusal is never wrong; a build that still runs out of
 * space fails with the write's own ENOSPC and removes what it wrote.
 */
