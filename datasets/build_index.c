/*
 * build_index — the index folder: a FAISS IVF index trained and filled chunk by
 * chunk with its lists merged into an on-disk .ivfdata whose recorded path is the
 * final one (see dataset.c), or an hnswlib graph (hnsw_bridge.cpp); reused when
 * its manifest matches.
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

/* ---- index build --------------------------------------------------------------- */

/*
 * nt rows spread evenly over the file: imported and corpus data come in an
 * order (a corpus is topical) whose first rows are no sample of the whole.
 */
static int read_stride(struct vecio_reader *base, int64_t nt, float *x, char *err, size_t errlen)
{
	int64_t i, n = vecio__count(base), dim = vecio__dim(base);
	int ret = 0;

	if (nt >= n)
		return vecio__read(base, 0, n, x, err, errlen);
	for (i = 0; i < nt && !ret; i++)
		ret = vecio__read(base, i * n / nt, 1, x + i * dim, err, errlen);
	return ret;
}

static int index_train(FaissIndex *idx, struct vecio_reader *base, const struct rb_dataset_spec *spec,
		       char *err, size_t errlen)
{
	int64_t nt = ds_train_size(spec, vecio__count(base));
	float *x = malloc(sizeof(float) * nt * vecio__dim(base));
	double t0 = clock__now_s();
	int ret = -ENOMEM;

	if (!x)
		return ret;
	/* Synthetic base vectors are i.i.d. draws, so the first nt are already a random sample. */
	if (ds_is_synthetic(spec))
		ret = vecio__read(base, 0, nt, x, err, errlen);
	else
		ret = read_stride(base, nt, x, err, errlen);
	if (ret)
		goto cleanup;
	fprintf(stderr, "rabench: training %s on %lld vectors ...\n", spec->index_factory, (long long)nt);
	if (faiss_Index_train(idx, nt, x)) {
		snprintf(err, errlen, "index.factory %s: training failed: %s", spec->index_factory,
			 faiss_get_last_error());
		ret = -EINVAL;
		goto cleanup;
	}
	fprintf(stderr, "rabench: training done (%.1f s)\n", clock__now_s() - t0);
cleanup:
	free(x);
	return ret;
}

static int index_add(FaissIndex *idx, struct vecio_reader *base, const struct rb_dataset_spec *spec,
		     char *err, size_t errlen)
{
	int64_t first, n = vecio__count(base);
	float *x = malloc(sizeof(float) * DS_CHUNK * vecio__dim(base));
	char what[RB_NAME_MAX + 64];
	struct progress p = { what, n, 10 };
	int ret = 0;

	if (!x)
		return -ENOMEM;
	snprintf(what, sizeof(what), "adding %lld vectors to %s", (long long)n, spec->index_factory);
	for (first = 0; first < n; first += DS_CHUNK) {
		int64_t c = n - first < DS_CHUNK ? n - first : DS_CHUNK;

		if ((ret = ds_interrupted(err, errlen)) || (ret = vecio__read(base, first, c, x, err, errlen)))
			break;
		if (faiss_Index_add(idx, c, x)) {
			snprintf(err, errlen, "%s: adding vectors failed: %s", spec->index_factory,
				 faiss_get_last_error());
			ret = -EIO;
			break;
		}
		ds_progress__update(&p, first + c);
	}
	free(x);
	return ret;
}

static int index_manifest(const struct rb_dataset_spec *spec, const struct rb_dataset *ds, const char *tmp,
			  const char *key, const char *canonical, int64_t nlist, int64_t ntotal, char *err,
			  size_t errlen)
{
	struct json_object *m = manifest__new("rabench-index", key, canonical);
	char dkey[32];
	int ret;

	snprintf(dkey, sizeof(dkey), "%s-%016llx", ds_dataset_prefix(spec),
		 (unsigned long long)ds->dataset_key);
	json_object_object_add(m, "dataset", json_object_new_string(dkey));
	json_object_object_add(m, "factory", json_object_new_string(spec->index_factory));
	manifest__int(m, "train_size", ds_train_size(spec, ds->n));
	manifest__int(m, "seed", spec->dataset_seed);
	manifest__int(m, "nlist", nlist);
	manifest__int(m, "ntotal", ntotal);
	json_object_object_add(m, "ivfdata", json_object_new_string(ds->ivfdata_path));
	if (!(ret = manifest__add_file(m, tmp, "ivf.index", err, errlen)) &&
	    !(ret = manifest__add_file(m, tmp, "ivf.ivfdata", err, errlen)))
		ret = manifest__write(m, tmp, err, errlen);
	json_object_put(m);
	return ret;
}

/* Train, add, move the lists to tmp/ivf.ivfdata, write tmp/ivf.index naming the final path. */
static int index_build(const struct rb_dataset_spec *spec, struct rb_dataset *ds, const char *tmp,
		       const char *key, const char *canonical, char *err, size_t errlen)
{
	char idx_tmp[RB_PATH_MAX], data_tmp[RB_PATH_MAX];
	struct vecio_reader *base = NULL;
	FaissIndex *idx = NULL;
	int64_t nlist = -1;
	int ret;

	if ((ret = fsutil__join(idx_tmp, sizeof(idx_tmp), tmp, "ivf.index")) ||
	    (ret = fsutil__join(data_tmp, sizeof(data_tmp), tmp, "ivf.ivfdata")) ||
	    (ret = vecio__open(&base, ds->base_path, VECIO_FVECS, err, errlen)))
		goto cleanup;
	if (faiss_index_factory(&idx, (int)vecio__dim(base), spec->index_factory, METRIC_L2) ||
	    (nlist = rbf_ivf_nlist(idx)) < 0) {
		snprintf(err, errlen, "index.factory \"%s\": %s", spec->index_factory,
			 idx ? "not an IVF index" : faiss_get_last_error());
		ret = -EINVAL;
		goto cleanup;
	}
	if ((ret = index_train(idx, base, spec, err, errlen)) || (ret = ds_interrupted(err, errlen)) ||
	    (ret = index_add(idx, base, spec, err, errlen)))
		goto cleanup;
	fprintf(stderr, "rabench: writing on-disk inverted lists %s ...\n", ds->ivfdata_path);
	if (rbf_ivf_to_ondisk(idx, data_tmp) || rbf_ivf_set_ondisk_filename(idx, ds->ivfdata_path)) {
		snprintf(err, errlen, "%s: %s", data_tmp, rbf_last_error());
		ret = -EIO;
		goto cleanup;
	}
	if (faiss_write_index_fname(idx, idx_tmp)) {
		snprintf(err, errlen, "%s: cannot write index: %s", idx_tmp, faiss_get_last_error());
		ret = -EIO;
		goto cleanup;
	}
	/* Unmap the lists before fsync so every page FAISS dirtied is written. */
	faiss_Index_free(idx);
	idx = NULL;
	if ((ret = ds_fsync_path(data_tmp, err, errlen)) || (ret = ds_fsync_path(idx_tmp, err, errlen)))
		goto cleanup;
	ret = index_manifest(spec, ds, tmp, key, canonical, nlist, vecio__count(base), err, errlen);
cleanup:
	faiss_Index_free(idx);
	vecio__close(base);
	return ret;
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

static int index_paths(const struct rb_dataset_spec *spec, struct rb_dataset *ds, const char *key)
{
	if (fsutil__join(ds->index_dir, sizeof(ds->index_dir), ds->dir, key))
		return -ENAMETOOLONG;
	if (ds_is_hnsw(spec))
		return fsutil__join(ds->hnsw_path, sizeof(ds->hnsw_path), ds->index_dir, "hnsw.bin");
	if (fsutil__join(ds->index_path, sizeof(ds->index_path), ds->index_dir, "ivf.index") ||
	    fsutil__join(ds->ivfdata_path, sizeof(ds->ivfdata_path), ds->index_dir, "ivf.ivfdata"))
		return -ENAMETOOLONG;
	return 0;
}

int ds_index_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	char canonical[1024], key[32], tmp[RB_PATH_MAX];
	const char *data;
	double t0 = clock__now_s();
	int ret;

	ds_index_canonical(spec, ds, canonical, sizeof(canonical));
	ds->index_key = ds_key_of(canonical);
	snprintf(key, sizeof(key), "%s-%016llx", ds_is_hnsw(spec) ? "hnsw" : "index",
		 (unsigned long long)ds->index_key);
	if (index_paths(spec, ds, key) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", ds->index_dir, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", ds->dir);
		return -ENAMETOOLONG;
	}
	/* The manifest records the absolute data path (.ivfdata): a moved cache rebuilds. */
	data = ds_is_hnsw(spec) ? ds->hnsw_path : ds->ivfdata_path;
	if (manifest__matches(ds->index_dir, "rabench-index", canonical, data)) {
		ds->reused_index = 1;
		return 0;
	}
	ds_remove_stale_tmp(ds->dir, key);
	if ((ret = ds_check_space(ds->dir, ds_index_bytes(spec, ds), "the index", err, errlen)) ||
	    (ret = ds_fresh_dir(tmp, err, errlen)))
		return ret;
	ret = ds_is_hnsw(spec) ? hnsw_build(spec, ds, tmp, key, canonical, err, errlen) :
			      index_build(spec, ds, tmp, key, canonical, err, errlen);
	if (!ret)
		ret = manifest__commit_dir(tmp, ds->index_dir, "rabench-index", canonical, data, err,
				 errlen);
	if (ret) {
		fsutil__rm_rf(tmp);
		return ret;
	}
	fsutil__fsync_path(ds->dir);
	fprintf(stderr, "rabench: index %s ready (%.1f s)\n", ds->index_dir, clock__now_s() - t0);
	return 0;
}

