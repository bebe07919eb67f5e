/*
 * registry — every workload rabench knows, in a fixed order. Adding one: write
 * workloads/<name>.c filling a struct workload_ops (its RB_WL_* flags say what
 * it reads and can do), declare it here and add it to the table: workload.type,
 * the config checks and `rabench list workloads` take it from here.
 */
#include <errno.h>
#include <string.h>

#include "workload.h"

extern const struct workload_ops ivf_search_ops;
extern const struct workload_ops hnsw_search_ops;
extern const struct workload_ops flat_scan_ops;
extern const struct workload_ops chunk_fetch_ops;
extern const struct workload_ops rag_ops;
extern const struct workload_ops ivf_client_ops;

static const struct workload_ops *const workloads[] = {
	&ivf_search_ops,
	&hnsw_search_ops,
	&flat_scan_ops,
	&chunk_fetch_ops,
	&rag_ops,
	NULL,
};

/* The built-in search of the config, or the external client that replaces it. */
const struct workload_ops *workload__for(const struct rb_workload_params *wp)
{
	return wp->client_argv ? &ivf_client_ops : workload__find(wp->type);
}

const struct workload_ops *const *workload__all(void)
{
	return workloads;
}

int workload__check_ops(const struct workload_ops *ops)
{
	int n;

	if (!ops || !ops->name || !ops->help || ops->version != RB_WORKLOAD_VERSION)
		return -EINVAL;
	if (!ops->list_files || !ops->open || !ops->client_open || !ops->client_close ||
	    !ops->run_query || !ops->extents || !ops->close)
		return -EINVAL;
	/* a flag and its hook go together */
	if (!(ops->flags & RB_WL_BATCH) != !ops->run_batch ||
	    !(ops->flags & RB_WL_EXTENT_MAP) != !ops->extent_map)
		return -EINVAL;
	for (n = 0; ops->phase_names && ops->phase_names[n]; n++)
		if (n == RB_MAX_PHASES)
			return -EINVAL;
	return 0;
}

const struct workload_ops *workload__find(const char *name)
{
	const struct workload_ops *const *w;

	for (w = workloads; *w; w++)
		if (strcmp((*w)->name, name) == 0)
			return workload__check_ops(*w) == 0 ? *w : NULL;
	return NULL;
}
