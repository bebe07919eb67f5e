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
#include "chunkdb.h"
#include "chunkstore.h"
#include "faiss_bridge.h"
#include "hnsw_bridge.h"
#include "import.h"
#include "manifest.h"
#include "synth.h"
#include "vecio.h"
#include "lib/fsutil.h"
#include "lib/clock.h"

#define DS_FORMAT_VERSION 1
#define DS_CHUNK 65536            /* vectors per generate / ground-truth / add step */
#define DS_CANONICAL_MAX 4096     /* room for the source files' paths of an import */

struct progress {
	const char *what;
	int64_t total;
	int next_pct;
};

/* ---- small helpers ---------------------------------------------------- */

static void progress__update(struct progress *p, int64_t done)
{
	int pct = p->total > 0 ? (int)(done * 100 / p->total) : 100;

	if (pct < p->next_pct)
		return;
	fprintf(stderr, "rabench: %s ... %d%%\n", p->what, pct);
	p->next_pct = (pct / 10 + 1) * 10;
}

static int mkdir_p(const char *path, char *err, size_t errlen)
{
	int rc = path[0] ? fsutil__mkdir_p(path, 0755, 0) : -EINVAL;

	if (rc)
		snprintf(err, errlen, "run.cache_dir: %s: cannot create folder: %s", path,
			 strerror(-rc));
	return rc;
}

static volatile sig_atomic_t *stop_flag;

void dataset__set_stop(volatile sig_atomic_t *stop)
{
	stop_flag = stop;
}

/* -EINTR (with the message) once a stop was asked for, else 0: polled between chunks. */
static int interrupted(char *err, size_t errlen)
{
	if (!stop_flag || !*stop_flag)
		return 0;
	snprintf(err, errlen, "interrupted");
	return -EINTR;
}

/* Remove "<name>.tmp-<pid>" folders in dir left by builders that died. */
static void remove_stale_tmp(const char *dir, const char *name)
{
	char prefix[RB_NAME_MAX + 8], path[RB_PATH_MAX];
	struct dirent *e;
	DIR *d = opendir(dir);
	size_t plen;

	if (!d)
		return;
	snprintf(prefix, sizeof(prefix), "%s.tmp-", name);
	plen = strlen(prefix);
	while ((e = readdir(d))) {
		long pid;
		char *end;

		if (strncmp(e->d_name, prefix, plen))
			continue;
		pid = strtol(e->d_name + plen, &end, 10);
		if (*end || pid <= 0 || pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (!fsutil__join(path, sizeof(path), dir, e->d_name))
			fsutil__rm_rf(path);
	}
	closedir(d);
}

static int fsync_path(const char *path, char *err, size_t errlen)
{
	int rc = fsutil__fsync_path(path);

	if (rc)
		snprintf(err, errlen, "%s: cannot fsync: %s", path, strerror(-rc));
	return rc;
}

static int fresh_dir(const char *path, char *err, size_t errlen)
{
	fsutil__rm_rf(path);
	if (mkdir(path, 0755) < 0) {
		int e = errno;

		snprintf(err, errlen, "%s: cannot create folder: %s", path, strerror(e));
		return -e;
	}
	return 0;
}

/* ---- keys ---------------------------------------------------------------- */

static bool is_synthetic(const struct rb_dataset_spec *spec)
{
	return !strcmp(spec->dataset_generator, "synthetic");
}

/* The dataset folder's name prefix: which generator made it. */
static const char *dataset_prefix(const struct rb_dataset_spec *spec)
{
	if (!strcmp(spec->dataset_generator, "import"))
		return "import";
	if (!strcmp(spec->dataset_generator, "fashion-mnist"))
		return "fmnist";
	if (!strcmp(spec->dataset_generator, "corpus"))
		return "corpus";
	return "synth";
}

/* A source's parameters, including the identity (path, size, mtime) of its files. */
static int source_canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
			    size_t errlen)
{
	int n = snprintf(buf, len, "rabench-dataset v%d ", DS_FORMAT_VERSION);

	if (!strcmp(spec->dataset_generator, "corpus"))
		return corpus__canonical(spec, buf + n, len - (size_t)n, err, errlen);
	return import__canonical(spec, buf + n, len - (size_t)n, err, errlen);
}

static int dataset_canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
			     size_t errlen)
{
	if (!is_synthetic(spec))
		return source_canonical(spec, buf, len, err, errlen);
	snprintf(buf, len,
		 "rabench-dataset v%d generator=synthetic synth=v%d n=%lld dim=%lld clusters=%lld "
		 "queries=%lld seed=%lld normalize=%d spread=%.17g gt_k=%d",
		 DS_FORMAT_VERSION, SYNTH_VERSION, (long long)spec->dataset_n, (long long)spec->dataset_dim,
		 (long long)spec->dataset_clusters, (long long)spec->dataset_queries,
		 (long long)spec->dataset_seed, spec->dataset_normalize ? 1 : 0, spec->dataset_spread, RB_GT_K);
	return 0;
}

/* n: the dataset's base vectors (dataset.n for synthetic data, what was imported else). */
static int64_t train_size(const struct rb_dataset_spec *spec, int64_t n)
{
	return spec->index_train_size < n ? spec->index_train_size : n;
}

static bool is_hnsw(const struct rb_dataset_spec *spec)
{
	return !strcmp(spec->index_kind, "hnsw");
}

static void index_canonical(const struct rb_dataset_spec *spec, const struct rb_dataset *ds, char *buf,
			    size_t len)
{
	if (is_hnsw(spec)) {
		snprintf(buf, len, "rabench-hnsw v%d dataset=%s-%016llx M=%lld ef_construction=%lld",
			 DS_FORMAT_VERSION, dataset_prefix(spec), (unsigned long long)ds->dataset_key,
			 (long long)spec->index_hnsw_m, (long long)spec->index_hnsw_ef_construction);
		return;
	}
	snprintf(buf, len, "rabench-index v%d dataset=%s-%016llx factory=%s train_size=%lld seed=%lld%s",
		 DS_FORMAT_VERSION, dataset_prefix(spec), (unsigned long long)ds->dataset_key,
		 spec->index_factory, (long long)train_size(spec, ds->n), (long long)spec->dataset_seed,
		 is_synthetic(spec) ? "" : " sample=stride");
}

static uint64_t key_of(const char *canonical)
{
	return (uint64_t)XXH64(canonical, strlen(canonical), 0);
}

static int config_check(const struct rb_dataset_spec *spec, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (!is_synthetic(spec) && strcmp(spec->dataset_generator, "import") &&
	    strcmp(spec->dataset_generator, "fashion-mnist") && strcmp(spec->dataset_generator, "corpus"))
		bad = "dataset.generator: unknown generator";
	else if (spec->dataset_n <= 0 || spec->dataset_n > INT32_MAX)
		bad = "dataset.n: must be in [1, 2^31-1] (ids are stored as int32)";
	else if (spec->dataset_dim <= 0 || spec->dataset_dim > VECIO_MAX_DIM)
		bad = "dataset.dim: out of range";
	else if (is_synthetic(spec) && spec->dataset_clusters <= 0)
		bad = "dataset.clusters: must be positive";
	else if (spec->dataset_queries <= 0)
		bad = "dataset.queries: must be positive";
	else if (is_synthetic(spec) && !(spec->dataset_spread >= 0))
		bad = "dataset.spread: must be >= 0";
	else if (!spec->index_factory[0] || strchr(spec->index_factory, '\n'))
		bad = "index.factory: empty or invalid";
	else if (spec->index_train_size <= 0)
		bad = "index.train_size: must be positive";
	else if (!spec->cache_dir[0])
		bad = "run.cache_dir: empty";
	if (!bad)
		return 0;
	snprintf(err, errlen, "%s", bad);
	return -EINVAL;
}

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
		if ((ret = interrupted(err, errlen)) || (ret = vecio__append(w, x, c, err, errlen)) ||
		    (ret = groundtruth__add_chunk(gt, queries, x, c, dim, first, err, errlen)))
			goto cleanup;
		progress__update(&p, first + c);
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
static int dataset_build(const struct rb_dataset_spec *spec, const char *tmp, const char *key,
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

		ret = interrupted(err, errlen);
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
static int source_build(const struct rb_dataset_spec *spec, const char *tmp, const char *key,
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
static int check_space(const char *dir, uint64_t need, const char *what, char *err, size_t errlen)
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
	if (!is_synthetic(spec))
		return 0;
	return (uint64_t)spec->dataset_n * ((uint64_t)spec->dataset_dim + 1) * sizeof(float);
}

/*
 * The inverted lists' ids, plus float codes for a Flat index: a lower bound of
 * ivfdata; for HNSW, level 0: vector, 2M links, their count and the label.
 */
static uint64_t index_bytes(const struct rb_dataset_spec *spec, const struct rb_dataset *ds)
{
	uint64_t row = sizeof(int64_t);
	const char *flat = strstr(spec->index_factory, "Flat");

	if (is_hnsw(spec))
		return (uint64_t)ds->n * ((uint64_t)ds->dim * sizeof(float) +
					  (2 * (uint64_t)spec->index_hnsw_m + 1) * 4 + 8);

	if (flat && flat[4] == '\0')
		row += (uint64_t)ds->dim * sizeof(float);
	return (uint64_t)ds->n * row;
}

static int dataset_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	char canonical[DS_CANONICAL_MAX], key[32], final[RB_PATH_MAX], tmp[RB_PATH_MAX];
	double t0 = clock__now_s();
	int ret;

	if ((ret = dataset_canonical(spec, canonical, sizeof(canonical), err, errlen)))
		return ret;
	ds->dataset_key = key_of(canonical);
	snprintf(key, sizeof(key), "%s-%016llx", dataset_prefix(spec),
		 (unsigned long long)ds->dataset_key);
	if ((ret = mkdir_p(spec->cache_dir, err, errlen)))
		return ret;
	if (fsutil__join(final, sizeof(final), spec->cache_dir, key) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", final, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "run.cache_dir: path too long: %s", spec->cache_dir);
		return -ENAMETOOLONG;
	}
	if (manifest__matches(final, "rabench-dataset", canonical, NULL)) {
		ds->reused_dataset = 1;
	} else {
		remove_stale_tmp(spec->cache_dir, key);
		if ((ret = check_space(spec->cache_dir, dataset_bytes(spec), "the dataset", err, errlen)) ||
		    (ret = fresh_dir(tmp, err, errlen)))
			return ret;
		if (is_synthetic(spec))
			ret = dataset_build(spec, tmp, key, canonical, err, errlen);
		else
			ret = source_build(spec, tmp, key, canonical, err, errlen);
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
	int64_t nt = train_size(spec, vecio__count(base));
	float *x = malloc(sizeof(float) * nt * vecio__dim(base));
	double t0 = clock__now_s();
	int ret = -ENOMEM;

	if (!x)
		return ret;
	/* Synthetic base vectors are i.i.d. draws, so the first nt are already a random sample. */
	if (is_synthetic(spec))
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

		if ((ret = interrupted(err, errlen)) || (ret = vecio__read(base, first, c, x, err, errlen)))
			break;
		if (faiss_Index_add(idx, c, x)) {
			snprintf(err, errlen, "%s: adding vectors failed: %s", spec->index_factory,
				 faiss_get_last_error());
			ret = -EIO;
			break;
		}
		progress__update(&p, first + c);
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

	snprintf(dkey, sizeof(dkey), "%s-%016llx", dataset_prefix(spec),
		 (unsigned long long)ds->dataset_key);
	json_object_object_add(m, "dataset", json_object_new_string(dkey));
	json_object_object_add(m, "factory", json_object_new_string(spec->index_factory));
	manifest__int(m, "train_size", train_size(spec, ds->n));
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
	if ((ret = index_train(idx, base, spec, err, errlen)) || (ret = interrupted(err, errlen)) ||
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
	if ((ret = fsync_path(data_tmp, err, errlen)) || (ret = fsync_path(idx_tmp, err, errlen)))
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
	progress__update(p, done);
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
		      cpus > 0 ? (int)cpus : 1, path, stop_flag, hnsw_progress, &p)) {
		ret = stop_flag && *stop_flag ? -EINTR : -EIO;
		snprintf(err, errlen, "%s: %s", path, rbh_last_error());
		goto cleanup;
	}
	if ((ret = fsync_path(path, err, errlen)))
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
	if (is_hnsw(spec))
		return fsutil__join(ds->hnsw_path, sizeof(ds->hnsw_path), ds->index_dir, "hnsw.bin");
	if (fsutil__join(ds->index_path, sizeof(ds->index_path), ds->index_dir, "ivf.index") ||
	    fsutil__join(ds->ivfdata_path, sizeof(ds->ivfdata_path), ds->index_dir, "ivf.ivfdata"))
		return -ENAMETOOLONG;
	return 0;
}

static int index_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	char canonical[1024], key[32], tmp[RB_PATH_MAX];
	const char *data;
	double t0 = clock__now_s();
	int ret;

	index_canonical(spec, ds, canonical, sizeof(canonical));
	ds->index_key = key_of(canonical);
	snprintf(key, sizeof(key), "%s-%016llx", is_hnsw(spec) ? "hnsw" : "index",
		 (unsigned long long)ds->index_key);
	if (index_paths(spec, ds, key) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", ds->index_dir, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", ds->dir);
		return -ENAMETOOLONG;
	}
	/* The manifest records the absolute data path (.ivfdata): a moved cache rebuilds. */
	data = is_hnsw(spec) ? ds->hnsw_path : ds->ivfdata_path;
	if (manifest__matches(ds->index_dir, "rabench-index", canonical, data)) {
		ds->reused_index = 1;
		return 0;
	}
	remove_stale_tmp(ds->dir, key);
	if ((ret = check_space(ds->dir, index_bytes(spec, ds), "the index", err, errlen)) ||
	    (ret = fresh_dir(tmp, err, errlen)))
		return ret;
	ret = is_hnsw(spec) ? hnsw_build(spec, ds, tmp, key, canonical, err, errlen) :
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

/* ---- chunk store in a database (dataset.chunk_store lmdb, sqlite) ---------------- */

/* store-<kind>-<key>/ beside the index folders: the database and its extent file. */
/* The store's interior B-tree bytes, for the report (counted apart from needed bytes). */
static int store_interior(struct rb_dataset *ds, int kind)
{
	uint64_t b;

	ds->store_interior_bytes = chunkdb__interior_bytes(kind, ds->store_path, &b) ? -1 : (int64_t)b;
	return 0;
}

static int store_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err,
			size_t errlen)
{
	int kind = chunkdb__kind(spec->dataset_chunk_store);
	char canonical[512], key[64], tmp[RB_PATH_MAX], db[RB_PATH_MAX], ext[RB_PATH_MAX];
	struct chunkstore cs;
	struct json_object *m;
	int ret;

	if (kind < 0)
		return 0;
	snprintf(canonical, sizeof(canonical), "rabench-chunkdb v%d dataset=%s-%016llx store=%s",
		 DS_FORMAT_VERSION, dataset_prefix(spec), (unsigned long long)ds->dataset_key,
		 spec->dataset_chunk_store);
	snprintf(key, sizeof(key), "store-%s-%016llx", spec->dataset_chunk_store,
		 (unsigned long long)key_of(canonical));
	if (fsutil__join(ds->store_dir, sizeof(ds->store_dir), ds->dir, key) ||
	    fsutil__join(ds->store_path, sizeof(ds->store_path), ds->store_dir, chunkdb__file_name(kind)) ||
	    fsutil__join(ds->store_ext_path, sizeof(ds->store_ext_path), ds->store_dir, "extents.bin") ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", ds->store_dir, (int)getpid()) >= (int)sizeof(tmp) ||
	    fsutil__join(db, sizeof(db), tmp, chunkdb__file_name(kind)) || fsutil__join(ext, sizeof(ext), tmp, "extents.bin")) {
		snprintf(err, errlen, "%s: path too long", ds->dir);
		return -ENAMETOOLONG;
	}
	if (manifest__matches(ds->store_dir, "rabench-chunkdb", canonical, ds->store_path))
		return store_interior(ds, kind);
	remove_stale_tmp(ds->dir, key);
	if ((ret = chunkstore__open(&cs, ds->chunks_path, ds->chunks_idx_path, err, errlen)))
		return ret;
	if ((ret = check_space(ds->dir, cs.dat_bytes * 2, "the chunk database", err, errlen)) ||
	    (ret = fresh_dir(tmp, err, errlen))) {
		chunkstore__close(&cs);
		return ret;
	}
	fprintf(stderr, "rabench: writing %llu chunks into %s ...\n", (unsigned long long)cs.count,
		ds->store_path);
	ret = chunkdb__build(kind, &cs, ds->chunks_path, db, ext, err, errlen);
	chunkstore__close(&cs);
	if (!ret) {
		m = manifest__new("rabench-chunkdb", key, canonical);
		json_object_object_add(m, "ivfdata", json_object_new_string(ds->store_path));
		if (!(ret = manifest__add_file(m, tmp, chunkdb__file_name(kind), err, errlen)) &&
		    !(ret = manifest__add_file(m, tmp, "extents.bin", err, errlen)))
			ret = manifest__write(m, tmp, err, errlen);
		json_object_put(m);
	}
	if (!ret)
		ret = manifest__commit_dir(tmp, ds->store_dir, "rabench-chunkdb", canonical,
					   ds->store_path, err, errlen);
	if (ret) {
		fsutil__rm_rf(tmp);
		return ret;
	}
	fsutil__fsync_path(ds->dir);
	return store_interior(ds, kind);
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
	if ((is_synthetic(spec) ? ds->n != spec->dataset_n || ds->nq != spec->dataset_queries :
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
	if ((ret = config_check(spec, err, errlen)) || (ret = dataset_ensure(spec, ds, err, errlen)))
		goto cleanup;
	if ((ret = dataset_paths(spec, ds, err, errlen)) || (ret = base_shape(ds, err, errlen)) ||
	    (spec->index_kind[0] && (ret = index_ensure(spec, ds, err, errlen))) ||
	    (ds->chunks_path[0] && (ret = store_ensure(spec, ds, err, errlen))) ||
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
