/*
 * build_store — the chunk store in a database (dataset.chunk_store lmdb or sqlite,
 * datasets/stores/) beside the dataset, with its extent file and manifest; reused when the
 * manifest matches.
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
#include "stores/store.h"
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

/* The store's interior B-tree bytes, for the report (counted apart from needed bytes). */
static int store_interior(struct rb_dataset *ds, const struct rb_store_ops *ops)
{
	uint64_t b;

	ds->store_interior_bytes = -1;
	if ((ops->flags & RB_STORE_INTERIOR) && !ops->interior_bytes(ds->store_path, &b))
		ds->store_interior_bytes = (int64_t)b;
	return 0;
}

/* store-<name>-<key>/ beside the index folders: the store's file and its extent file. */

int ds_store_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err,
			size_t errlen)
{
	const struct rb_store_ops *ops = store__find(spec->dataset_chunk_store);
	char canonical[512], key[64], tmp[RB_PATH_MAX], db[RB_PATH_MAX], ext[RB_PATH_MAX];
	struct chunkstore cs;
	struct json_object *m;
	int ret;

	if (!ops || !(ops->flags & RB_STORE_BUILT))
		return 0;   /* `file`: chunks.dat itself */
	snprintf(canonical, sizeof(canonical), "rabench-chunkdb v%d dataset=%s-%016llx store=%s",
		 DS_FORMAT_VERSION, ds_dataset_prefix(spec), (unsigned long long)ds->dataset_key,
		 spec->dataset_chunk_store);
	snprintf(key, sizeof(key), "store-%s-%016llx", spec->dataset_chunk_store,
		 (unsigned long long)ds_key_of(canonical));
	if (fsutil__join(ds->store_dir, sizeof(ds->store_dir), ds->dir, key) ||
	    fsutil__join(ds->store_path, sizeof(ds->store_path), ds->store_dir, ops->file_name) ||
	    fsutil__join(ds->store_ext_path, sizeof(ds->store_ext_path), ds->store_dir, "extents.bin") ||
	    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", ds->store_dir, (int)getpid()) >= (int)sizeof(tmp) ||
	    fsutil__join(db, sizeof(db), tmp, ops->file_name) || fsutil__join(ext, sizeof(ext), tmp, "extents.bin")) {
		snprintf(err, errlen, "%s: path too long", ds->dir);
		return -ENAMETOOLONG;
	}
	if (manifest__matches(ds->store_dir, "rabench-chunkdb", canonical, ds->store_path))
		return store_interior(ds, ops);
	ds_remove_stale_tmp(ds->dir, key);
	if ((ret = chunkstore__open(&cs, ds->chunks_path, ds->chunks_idx_path, err, errlen)))
		return ret;
	if ((ret = ds_check_space(ds->dir, cs.dat_bytes * 2, "the chunk database", err, errlen)) ||
	    (ret = ds_fresh_dir(tmp, err, errlen))) {
		chunkstore__close(&cs);
		return ret;
	}
	fprintf(stderr, "rabench: writing %llu chunks into %s ...\n", (unsigned long long)cs.count,
		ds->store_path);
	ret = store__build(ops, &cs, ds->chunks_path, db, ext, err, errlen);
	chunkstore__close(&cs);
	if (!ret) {
		m = manifest__new("rabench-chunkdb", key, canonical);
		json_object_object_add(m, "ivfdata", json_object_new_string(ds->store_path));
		if (!(ret = manifest__add_file(m, tmp, ops->file_name, err, errlen)) &&
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
	return store_interior(ds, ops);
}

