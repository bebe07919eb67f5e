/*
 * ivf-search — k-NN queries through a FAISS IVF index whose inverted lists live in
 * an on-disk .ivfdata file that FAISS mmaps (OnDiskInvertedLists), as FAISS users
 * run indexes larger than memory. Each query (or batch of workload.batch queries)
 * is one faiss_Index_search call, so the code path is exactly FAISS's. The lists a query scanned are the nprobe
 * lists the coarse quantizer picks; their codes and ids are the bytes it needed.
 * The FAISS side is workloads/ivf_common.c, which rag shares.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ivf_common.h"
#include "workload.h"
#include "datasets/dataset.h"

static int ivf_search_list_files(const struct rb_workload_params *wp, const struct rb_dataset *ds,
				 char paths[][512], int max)
{
	(void)wp;
	if (max < 2)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->index_path);
	snprintf(paths[1], 512, "%s", ds->ivfdata_path);
	return 2;
}

static void ivf_search_close(struct rb_workload *w)
{
	struct ivf_common *s = w->priv;

	if (!s)
		return;
	ivf_common__close(s);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int ivf_search_open(struct rb_workload *w, const struct rb_workload_params *wp,
			   const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct ivf_common *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	rc = ivf_common__open(s, w, 0, wp, ds, err, errlen);
	if (rc) {
		ivf_search_close(w);
		return rc;
	}
	w->n_files = 1;
	return 0;
}

static int ivf_search_client_open(struct rb_client *c)
{
	struct ivf_scratch *s = calloc(1, sizeof(*s));
	int rc;

	if (!s)
		return -ENOMEM;
	rc = ivf_scratch__init(s, c->w->priv);
	if (rc) {
		free(s);
		return rc;
	}
	c->priv = s;
	return 0;
}

static void ivf_search_client_close(struct rb_client *c)
{
	if (!c->priv)
		return;
	ivf_scratch__free(c->priv);
	free(c->priv);
	c->priv = NULL;
}

static int ivf_search_run_batch(struct rb_client *c, const int64_t *qi, int n,
				struct rb_query_result *res)
{
	const struct ivf_common *ivf = c->w->priv;
	struct ivf_scratch *s = c->priv;
	int rc = ivf_common__search(ivf, s, qi, n), i;

	for (i = 0; i < n; i++)
		res[i].ids = s->ids + (size_t)i * ivf->k;
	return rc;
}

static int ivf_search_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	return ivf_search_run_batch(c, &qi, 1, res);
}

static int ivf_search_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct ivf_scratch *s = c->priv;
	int rc = ivf_common__extents(c->w->priv, s, qi, &res->n_extents);

	res->extents = s->extents;
	return rc;
}

static int ivf_search_set_library_prefetch(struct rb_workload *w, int nthreads)
{
	return ivf_common__set_prefetch(w->priv, nthreads);
}

static int ivf_search_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out,
				 size_t max)
{
	return ivf_common__list_extents(w->priv, key, out, max);
}

const struct workload_ops ivf_search_ops = {
	.name = "ivf-search",
	.version = RB_WORKLOAD_VERSION,
	.flags = RB_WL_BATCH | RB_WL_IVF | RB_WL_EXTENT_MAP,
	.help = "k-NN search through a FAISS IVF index with mmapped on-disk inverted lists",
	.list_files = ivf_search_list_files,
	.open = ivf_search_open,
	.client_open = ivf_search_client_open,
	.client_close = ivf_search_client_close,
	.run_query = ivf_search_run_query,
	.extents = ivf_search_extents,
	.close = ivf_search_close,
	.run_batch = ivf_search_run_batch,
	.set_library_prefetch = ivf_search_set_library_prefetch,
	.extent_map = ivf_search_extent_map,
};
