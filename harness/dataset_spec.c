/*
 * dataset_spec — the config, told to datasets/ as a plain description
 * (datasets/spec.h): the dataset, the index the workload searches (by its
 * RB_WL_* flags: none for flat-scan and chunk-fetch) and the chunk store. The
 * only place that turns one into the other, so datasets/ never sees the config.
 */
#include <stdio.h>
#include <string.h>

#include "dataset_spec.h"
#include "harness/workload_params.h"

#define COPY(field) snprintf(spec->field, sizeof(spec->field), "%s", cfg->field)

void dataset_spec__from_config(const struct rb_config *cfg, struct rb_dataset_spec *spec)
{
	struct rb_workload_params wp;
	const struct workload_ops *ops = workload__of_config(cfg, &wp);

	memset(spec, 0, sizeof(*spec));
	COPY(source);
	COPY(cache_dir);
	COPY(dataset_generator);
	spec->dataset_n = cfg->dataset_n;
	spec->dataset_dim = cfg->dataset_dim;
	spec->dataset_clusters = cfg->dataset_clusters;
	spec->dataset_queries = cfg->dataset_queries;
	spec->dataset_seed = cfg->dataset_seed;
	spec->dataset_normalize = cfg->dataset_normalize;
	spec->dataset_spread = cfg->dataset_spread;
	COPY(dataset_base);
	COPY(dataset_queries_file);
	COPY(dataset_groundtruth);
	COPY(dataset_corpus);
	spec->dataset_chunk_size = cfg->dataset_chunk_size;
	COPY(dataset_chunk_store);
	/* an index only for a workload that searches one (unknown workloads: the IVF) */
	if (!ops || (ops->flags & RB_WL_INDEX))
		COPY(index_kind);
	COPY(index_factory);
	spec->index_train_size = cfg->index_train_size;
	spec->index_hnsw_m = cfg->index_hnsw_m;
	spec->index_hnsw_ef_construction = cfg->index_hnsw_ef_construction;
	spec->workload_queries = cfg->workload_queries;
	spec->workload_k = cfg->workload_k;
}

int dataset_spec__prepare(const struct rb_config *cfg, struct rb_dataset *ds, char *err,
			  size_t errlen)
{
	struct rb_dataset_spec spec;

	dataset_spec__from_config(cfg, &spec);
	return dataset__prepare(&spec, ds, err, errlen);
}
