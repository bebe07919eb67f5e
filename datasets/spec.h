/*
 * spec — what datasets/ is asked to prepare: a plain description of the dataset,
 * its index and its chunk store, filled by the harness from the config
 * (harness/dataset_spec.c). datasets/ reads this and nothing of the harness.
 */
#ifndef RB_DATASET_SPEC_H
#define RB_DATASET_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#define RB_NAME_MAX 64
#define RB_PATH_MAX 512

struct rb_dataset_spec {
	char source[RB_PATH_MAX];            /* the config file (relative paths start there), or "" */
	char cache_dir[RB_PATH_MAX];         /* where datasets and indexes are kept */

	char dataset_generator[RB_NAME_MAX]; /* synthetic, import, fashion-mnist, corpus */
	int64_t dataset_n, dataset_dim, dataset_clusters, dataset_queries, dataset_seed;
	bool dataset_normalize;
	double dataset_spread;
	char dataset_base[RB_PATH_MAX];
	char dataset_queries_file[RB_PATH_MAX];
	char dataset_groundtruth[RB_PATH_MAX];
	char dataset_corpus[RB_PATH_MAX];
	int64_t dataset_chunk_size;
	char dataset_chunk_store[16];        /* file, lmdb, sqlite */

	char index_kind[16];                 /* "" = no index needed; ivf or hnsw */
	char index_factory[RB_NAME_MAX];     /* ivf */
	int64_t index_train_size;            /* ivf */
	int64_t index_hnsw_m, index_hnsw_ef_construction; /* hnsw */

	/* what the run will ask of the files (checked against an imported dataset) */
	int64_t workload_queries, workload_k;
};

#endif
