/*
 * workload_params — copy the keys a workload reads out of the config, once.
 */
#include <stdio.h>
#include <string.h>
#include "workload_params.h"

#define COPY_STR(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

void workload_params__from_config(const struct rb_config *cfg, struct rb_workload_params *wp)
{
	memset(wp, 0, sizeof(*wp));
	COPY_STR(wp->type, cfg->workload_type);
	wp->client_argv = cfg->client_argv;
	wp->k = cfg->workload_k;
	wp->nprobe = cfg->workload_nprobe;
	wp->ef_search = cfg->workload_ef_search;
	wp->batch = cfg->workload_batch;
	wp->client_timeout = cfg->workload_client_timeout;
	COPY_STR(wp->chunk_io, cfg->workload_chunk_io);
	COPY_STR(wp->chunk_ids, cfg->workload_chunk_ids);
	wp->prefetch_threads = cfg->index_prefetch_threads;
	wp->seed = cfg->dataset_seed;
	COPY_STR(wp->chunk_store, cfg->dataset_chunk_store);
}

const struct workload_ops *workload__of_config(const struct rb_config *cfg,
					       struct rb_workload_params *wp)
{
	workload_params__from_config(cfg, wp);
	return workload__for(wp);
}
