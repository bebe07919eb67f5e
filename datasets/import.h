/*
 * import — vectors no one here wrote, converted into a dataset folder so the rest
 * of the pipeline (ground truth, index build, workloads) is the same as for
 * synthetic data:
 *
 *   dataset.generator: import         dataset.base / .queries_file / .groundtruth:
 *                                     TEXMEX .fvecs/.bvecs/.ivecs or big-ann-benchmarks
 *                                     .fbin/.u8bin/.ibin (by extension)
 *   dataset.generator: fashion-mnist  the IDX files of Debian's dataset-fashion-mnist
 *                                     (train = base, t10k = queries; 784-d uint8 -> float)
 *
 * Every source file is checked (empty, truncated, header vs size, per-record d,
 * dimensions that disagree) and the message names the file and the fault. The
 * dataset's cache key covers each source file's real path, size and mtime, so an
 * edited or replaced file is imported again.
 */
#ifndef RB_IMPORT_H
#define RB_IMPORT_H

#include <stddef.h>
#include <stdint.h>
#include "spec.h"

#define IMPORT_FMNIST_DIR "/usr/share/datasets/fashion-mnist"

/* What a source builder wrote into the dataset folder. */
struct import_info {
	int64_t n, nq, dim;
	int64_t gt_k;          /* columns of a ground truth it wrote; 0: compute it */
};

/*
 * A config path as a file path: absolute as given, relative ones from the
 * folder of the config file (spec->source), or the current folder without one.
 */
int import__resolve(const struct rb_dataset_spec *spec, const char *value, char *out, size_t len);

/* "<realpath>:<size>:<mtime ns>" of path, the identity the cache key covers. */
int import__identity(const char *key, const char *path, char *out, size_t len, char *err,
		     size_t errlen);

/* The canonical parameter text of an import or fashion-mnist dataset (its cache key). */
int import__canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
		      size_t errlen);

/*
 * Write dir/base.fvecs and dir/queries.fvecs (and dir/groundtruth.ivecs when
 * dataset.groundtruth is given) from the configured sources.
 */
int import__build(const struct rb_dataset_spec *spec, const char *dir, struct import_info *info,
		  char *err, size_t errlen);

/*
 * An IDX file (gzip-compressed or not) of unsigned bytes, n x d1 x d2 ... as
 * n rows of d = d1 * d2 * ... bytes; *pixels is malloc'd.
 */
int import__load_idx(const char *path, uint8_t **pixels, int64_t *n, int64_t *dim, char *err,
		     size_t errlen);

/* The first max_n rows of any vecio format, converted to float; *rows is malloc'd. */
int import__load_vectors(const char *path, int64_t max_n, float **rows, int64_t *n,
			 int64_t *dim, char *err, size_t errlen);

#endif
