/*
 * dataset_int — what the files of the dataset cache share (dataset.c,
 * dataset_cache.c, build_vectors.c, build_index.c, build_store.c and the index
 * kinds below, indexes/); no folder outside datasets/ includes it.
 */
#ifndef RB_DATASET_INT_H
#define RB_DATASET_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <signal.h>
#include <stddef.h>

#include "dataset.h"
#include "import.h"
#include "synth.h"

#define DS_FORMAT_VERSION 1
#define DS_CHUNK 65536            /* vectors per generate / ground-truth / add step */
#define DS_CANONICAL_MAX 4096     /* room for the source files' paths of an import */

struct progress {
	const char *what;
	int64_t total;
	int next_pct;
};


/* dataset.c */
int ds_check_space(const char *dir, uint64_t need, const char *what, char *err, size_t errlen);

/* dataset_cache.c; what SIGINT sets (dataset__set_stop), polled between chunks */
extern volatile sig_atomic_t *ds_stop_flag;
void ds_progress__update(struct progress *p, int64_t done);
int ds_mkdir_p(const char *path, char *err, size_t errlen);
int ds_interrupted(char *err, size_t errlen);
void ds_remove_stale_tmp(const char *dir, const char *name);
int ds_fsync_path(const char *path, char *err, size_t errlen);
int ds_fresh_dir(const char *path, char *err, size_t errlen);
bool ds_is_synthetic(const struct rb_dataset_spec *spec);
const char *ds_dataset_prefix(const struct rb_dataset_spec *spec);
int ds_dataset_canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err, size_t errlen);
int64_t ds_train_size(const struct rb_dataset_spec *spec, int64_t n);
uint64_t ds_key_of(const char *canonical);
int ds_config_check(const struct rb_dataset_spec *spec, char *err, size_t errlen);

/* build_vectors.c */
int ds_dataset_build(const struct rb_dataset_spec *spec, const char *tmp, const char *key, const char *canonical, char *err, size_t errlen);
int ds_source_build(const struct rb_dataset_spec *spec, const char *tmp, const char *key, const char *canonical, char *err, size_t errlen);

/* build_index.c */
int ds_index_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen);

/* build_store.c */
int ds_store_ensure(const struct rb_dataset_spec *spec, struct rb_dataset *ds, char *err, size_t errlen);

#endif
