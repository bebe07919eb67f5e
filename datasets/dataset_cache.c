/*
 * dataset_cache — how the cache names and builds its folders: the keys (a hash of
 * the parameters that decide a folder's bytes), temporary "<name>.tmp-<pid>"
 * folders and the stale ones of builders that died, the stop flag polled between
 * chunks, progress lines.
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

/* ---- small helpers ---------------------------------------------------- */

void ds_progress__update(struct progress *p, int64_t done)
{
	int pct = p->total > 0 ? (int)(done * 100 / p->total) : 100;

	if (pct < p->next_pct)
		return;
	fprintf(stderr, "rabench: %s ... %d%%\n", p->what, pct);
	p->next_pct = (pct / 10 + 1) * 10;
}

int ds_mkdir_p(const char *path, char *err, size_t errlen)
{
	int rc = path[0] ? fsutil__mkdir_p(path, 0755, 0) : -EINVAL;

	if (rc)
		snprintf(err, errlen, "run.cache_dir: %s: cannot create folder: %s", path,
			 strerror(-rc));
	return rc;
}

volatile sig_atomic_t *ds_stop_flag;	/* dataset__set_stop */

void dataset__set_stop(volatile sig_atomic_t *stop)
{
	ds_stop_flag = stop;
}

/* -EINTR (with the message) once a stop was asked for, else 0: polled between chunks. */
int ds_interrupted(char *err, size_t errlen)
{
	if (!ds_stop_flag || !*ds_stop_flag)
		return 0;
	snprintf(err, errlen, "interrupted");
	return -EINTR;
}

/* Remove "<name>.tmp-<pid>" folders in dir left by builders that died. */
void ds_remove_stale_tmp(const char *dir, const char *name)
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

int ds_fsync_path(const char *path, char *err, size_t errlen)
{
	int rc = fsutil__fsync_path(path);

	if (rc)
		snprintf(err, errlen, "%s: cannot fsync: %s", path, strerror(-rc));
	return rc;
}

int ds_fresh_dir(const char *path, char *err, size_t errlen)
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

bool ds_is_synthetic(const struct rb_dataset_spec *spec)
{
	return !strcmp(spec->dataset_generator, "synthetic");
}

/* The dataset folder's name prefix: which generator made it. */
const char *ds_dataset_prefix(const struct rb_dataset_spec *spec)
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

int ds_dataset_canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
			     size_t errlen)
{
	if (!ds_is_synthetic(spec))
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
int64_t ds_train_size(const struct rb_dataset_spec *spec, int64_t n)
{
	return spec->index_train_size < n ? spec->index_train_size : n;
}

uint64_t ds_key_of(const char *canonical)
{
	return (uint64_t)XXH64(canonical, strlen(canonical), 0);
}

int ds_config_check(const struct rb_dataset_spec *spec, char *err, size_t errlen)
{
	const char *bad = NULL;

	if (!ds_is_synthetic(spec) && strcmp(spec->dataset_generator, "import") &&
	    strcmp(spec->dataset_generator, "fashion-mnist") && strcmp(spec->dataset_generator, "corpus"))
		bad = "dataset.generator: unknown generator";
	else if (spec->dataset_n <= 0 || spec->dataset_n > INT32_MAX)
		bad = "dataset.n: must be in [1, 2^31-1] (ids are stored as int32)";
	else if (spec->dataset_dim <= 0 || spec->dataset_dim > VECIO_MAX_DIM)
		bad = "dataset.dim: out of range";
	else if (ds_is_synthetic(spec) && spec->dataset_clusters <= 0)
		bad = "dataset.clusters: must be positive";
	else if (spec->dataset_queries <= 0)
		bad = "dataset.queries: must be positive";
	else if (ds_is_synthetic(spec) && !(spec->dataset_spread >= 0))
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

