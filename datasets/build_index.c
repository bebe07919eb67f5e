/*
 * build_index — the index folder of the dataset cache, whatever its kind
 * (datasets/indexes/: the kind builds and names its files): keyed by the hash of
 * the kind's canonical text, built into a temporary folder and renamed into
 * place, reused when its manifest matches.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "manifest.h"
#include "indexes/index.h"
#include "lib/clock.h"
#include "lib/fsutil.h"

#include "dataset_int.h"

int ds_index_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen)
{
	const struct rb_index_ops *ops = index__find(spec->index_kind);
	char canonical[1024], key[32], tmp[RB_PATH_MAX];
	const char *data;
	double t0 = clock__now_s();
	int ret;

	if (!ops) {
		snprintf(err, errlen, "index.kind: no kind named '%s' (expected %s)", spec->index_kind,
			 index__names());
		return -EINVAL;
	}
	ds->index_ops = ops;
	ops->canonical(spec, ds, canonical, sizeof(canonical));
	ds->index_key = ds_key_of(canonical);
	snprintf(key, sizeof(key), "%s-%016llx", ops->folder, (unsigned long long)ds->index_key);
	if (fsutil__join(ds->index_dir, sizeof(ds->index_dir), ds->dir, key) || ops->paths(ds) ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", ds->index_dir, (int)getpid()) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", ds->dir);
		return -ENAMETOOLONG;
	}
	/* The manifest records the absolute data path: a moved cache rebuilds. */
	data = ops->data_path(ds);
	if (manifest__matches(ds->index_dir, "rabench-index", canonical, data)) {
		ds->reused_index = 1;
		return 0;
	}
	ds_remove_stale_tmp(ds->dir, key);
	if ((ret = ds_check_space(ds->dir, ops->bytes(spec, ds), "the index", err, errlen)) ||
	    (ret = ds_fresh_dir(tmp, err, errlen)))
		return ret;
	ret = ops->build(spec, ds, tmp, key, canonical, err, errlen);
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
