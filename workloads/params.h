/*
 * params — the part of the config a workload reads, filled once by the harness
 * (harness/workload_params.c) so that workloads/ knows nothing of the config's
 * layout: workloads sit below config/ and never include it.
 */
#ifndef RB_WORKLOAD_PARAMS_H
#define RB_WORKLOAD_PARAMS_H

#include <stdint.h>

struct rb_workload_params {
	char type[64];                 /* workload.type */
	char *const *client_argv;      /* `-- CMD ARGS`: an external client (NULL: none) */
	int64_t k;                     /* workload.k: results per query */
	int64_t nprobe;                /* workload.nprobe (IVF) */
	int64_t ef_search;             /* workload.ef_search (HNSW) */
	int64_t batch;                 /* workload.batch: queries per search call */
	double client_timeout;         /* workload.client_timeout: seconds per query */
	char chunk_io[16];             /* workload.chunk_io: "pread" | "mmap" */
	char chunk_ids[16];            /* workload.chunk_ids: "groundtruth" | "uniform" */
	int64_t prefetch_threads;      /* index.prefetch_threads: FAISS's own, 0 = off */
	int64_t seed;                  /* dataset.seed (the uniform chunk-id stream) */
	char chunk_store[16];          /* dataset.chunk_store: file | lmdb | sqlite */
};

#endif
