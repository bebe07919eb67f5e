/*
 * ivf-search — k-NN queries through a FAISS IVF index whose inverted lists live in
 * an on-disk .ivfdata file that FAISS mmaps (OnDiskInvertedLists), as FAISS users
 * run indexes larger than memory. Each query is one faiss_Index_search call, so
 * the code path is exactly FAISS's. The lists a query scanned are the nprobe
 * lists the coarse quantizer picks; their codes and ids are the bytes it needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/index_io_c.h>
#include <faiss/c_api/error_c.h>

#include "workload.h"
#include "../datasets/dataset.h"
#include "../datasets/faiss_bridge.h"

struct ivf_search {
	FaissIndex *index;
	const struct rb_dataset *ds;
	int64_t k, nprobe;
	int configured_prefetch_threads;   /* index.prefetch_threads */
	float *distances;
	int64_t *ids;
	int64_t *lists;                 /* nprobe list numbers of the last extents() call */
	struct rb_extent *extents;      /* 2 per probed list: codes and ids */
};

static int ivf_search_list_files(const struct rb_config *cfg, const struct rb_dataset *ds,
				 char paths[][512], int max)
{
	(void)cfg;
	if (max < 2)
		return -ENOSPC;
	snprintf(paths[0], 512, "%s", ds->index_path);
	snprintf(paths[1], 512, "%s", ds->ivfdata_path);
	return 2;
}

static void ivf_search_close(struct rb_workload *w)
{
	struct ivf_search *s = w->priv;

	if (!s)
		return;
	if (s->index)
		faiss_Index_free(s->index);
	free(s->distances);
	free(s->ids);
	free(s->lists);
	free(s->extents);
	free(s);
	w->priv = NULL;
	w->n_files = 0;
}

static int ivf_search_setup(struct ivf_search *s, const struct rb_config *cfg, char *err,
			    size_t errlen)
{
	const char *what;

	if (rbf_ivf_set_prefetch_threads(s->index, (int)cfg->index_prefetch_threads) ||
	    rbf_ivf_set_nprobe(s->index, s->nprobe)) {
		what = rbf_last_error();
		snprintf(err, errlen, "%s: %s", s->ds->index_path, what);
		return -EINVAL;
	}
	s->distances = calloc(s->k, sizeof(*s->distances));
	s->ids = calloc(s->k, sizeof(*s->ids));
	s->lists = calloc(s->nprobe, sizeof(*s->lists));
	s->extents = calloc(2 * s->nprobe, sizeof(*s->extents));
	if (!s->distances || !s->ids || !s->lists || !s->extents)
		return -ENOMEM;
	return 0;
}

static int ivf_search_open(struct rb_workload *w, const struct rb_config *cfg,
			   const struct rb_dataset *ds, char *err, size_t errlen)
{
	struct ivf_search *s = calloc(1, sizeof(*s));
	struct rb_file *f = &w->files[0];
	struct stat st;
	int rc;

	if (!s)
		return -ENOMEM;
	w->priv = s;
	s->ds = ds;
	s->k = cfg->workload_k;
	s->nprobe = cfg->workload_nprobe;
	s->configured_prefetch_threads = (int)cfg->index_prefetch_threads;
	/* READ_ONLY: FAISS maps the lists PROT_READ, as a serving process would */
	if (faiss_read_index_fname(ds->index_path, RBF_IO_FLAG_READ_ONLY, &s->index)) {
		snprintf(err, errlen, "%s: FAISS cannot read the index: %s", ds->index_path,
			 faiss_get_last_error());
		rc = -EIO;
		goto fail;
	}
	rc = ivf_search_setup(s, cfg, err, errlen);
	if (rc)
		goto fail;
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", ds->ivfdata_path);
	f->fd = -1;
	if (rbf_ivf_mapping(s->index, &f->map, &f->map_len) || stat(f->path, &st) < 0) {
		snprintf(err, errlen, "%s: no mapping of the inverted lists: %s", f->path,
			 rbf_last_error());
		rc = -EIO;
		goto fail;
	}
	f->size = (uint64_t)st.st_size;
	w->n_files = 1;
	return 0;
fail:
	ivf_search_close(w);
	return rc;
}

static int ivf_search_run_query(struct rb_workload *w, int64_t qi, struct rb_query_result *res)
{
	struct ivf_search *s = w->priv;
	const float *q = s->ds->queries + qi * s->ds->dim;

	if (faiss_Index_search(s->index, 1, q, s->k, s->distances, s->ids))
		return -EIO;
	res->ids = s->ids;
	return 0;
}

static int ivf_search_extents(struct rb_workload *w, int64_t qi, struct rb_query_result *res)
{
	struct ivf_search *s = w->priv;
	const float *q = s->ds->queries + qi * s->ds->dim;
	uint64_t co, cl, io, il;
	size_t n = 0;
	int64_t i;

	if (rbf_ivf_assign(s->index, q, 1, s->nprobe, s->lists))
		return -EIO;
	for (i = 0; i < s->nprobe; i++) {
		if (s->lists[i] < 0)
			continue;   /* fewer non-empty lists than nprobe */
		if (rbf_ivf_list_extents(s->index, s->lists[i], &co, &cl, &io, &il))
			return -EIO;
		if (cl)
			s->extents[n++] = (struct rb_extent){ .file = 0, .offset = co, .len = cl };
		if (il)
			s->extents[n++] = (struct rb_extent){ .file = 0, .offset = io, .len = il };
	}
	res->extents = s->extents;
	res->n_extents = n;
	return 0;
}

static int ivf_search_set_library_prefetch(struct rb_workload *w, int nthreads)
{
	struct ivf_search *s = w->priv;

	if (nthreads < 0)
		nthreads = s->configured_prefetch_threads;
	return rbf_ivf_set_prefetch_threads(s->index, nthreads) ? -EINVAL : 0;
}

static int ivf_search_extent_map(struct rb_workload *w, int64_t key, struct rb_extent *out,
				 size_t max)
{
	struct ivf_search *s = w->priv;
	uint64_t co, cl, io, il;
	size_t n = 0;

	if (key < 0 || key >= rbf_ivf_nlist(s->index))
		return -ENOENT;
	if (rbf_ivf_list_extents(s->index, key, &co, &cl, &io, &il))
		return -EIO;
	if (cl && n < max)
		out[n++] = (struct rb_extent){ .file = 0, .offset = co, .len = cl };
	if (il && n < max)
		out[n++] = (struct rb_extent){ .file = 0, .offset = io, .len = il };
	return (int)n;
}

const struct workload_ops ivf_search_ops = {
	.name = "ivf-search",
	.version = RB_WORKLOAD_VERSION,
	.help = "k-NN search through a FAISS IVF index with mmapped on-disk inverted lists",
	.list_files = ivf_search_list_files,
	.open = ivf_search_open,
	.run_query = ivf_search_run_query,
	.extents = ivf_search_extents,
	.close = ivf_search_close,
	.set_library_prefetch = ivf_search_set_library_prefetch,
	.extent_map = ivf_search_extent_map,
};
