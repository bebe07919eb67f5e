/*
 * ivf_common — FAISS IVF search on an on-disk index, shared by ivf-search and rag
 * (see ivf_common.h). Each search is one faiss_Index_search call, so the code
 * path is exactly FAISS's; the lists a query scanned are the nprobe lists the
 * coarse quantizer picks, and their codes and ids are the bytes it needed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <faiss/c_api/index_io_c.h>
#include <faiss/c_api/error_c.h>

#include "ivf_common.h"
#include "datasets/dataset.h"
#include "datasets/faiss_bridge.h"

static int ivf_common_setup(struct ivf_common *c, char *err, size_t errlen)
{
	if (rbf_ivf_set_prefetch_threads(c->index, c->configured_prefetch_threads) ||
	    rbf_ivf_set_nprobe(c->index, c->nprobe) || (c->nlist = rbf_ivf_nlist(c->index)) < 0) {
		snprintf(err, errlen, "%s: %s", c->ds->index_path, rbf_last_error());
		return -EINVAL;
	}
	return 0;
}

int ivf_scratch__init(struct ivf_scratch *s, const struct ivf_common *c)
{
	memset(s, 0, sizeof(*s));
	s->x = calloc((size_t)(c->batch * c->ds->dim), sizeof(*s->x));
	s->distances = calloc((size_t)(c->batch * c->k), sizeof(*s->distances));
	s->ids = calloc((size_t)(c->batch * c->k), sizeof(*s->ids));
	s->lists = calloc((size_t)c->nprobe, sizeof(*s->lists));
	s->extents = calloc(2 * (size_t)c->nprobe, sizeof(*s->extents));
	if (!s->x || !s->distances || !s->ids || !s->lists || !s->extents) {
		ivf_scratch__free(s);
		return -ENOMEM;
	}
	return 0;
}

void ivf_scratch__free(struct ivf_scratch *s)
{
	free(s->x);
	free(s->distances);
	free(s->ids);
	free(s->lists);
	free(s->extents);
	memset(s, 0, sizeof(*s));
}

/* w->files[c->file]: FAISS's mapping of the lists (no fd: FAISS closed its own). */
static int ivf_common_file(struct ivf_common *c, struct rb_workload *w, char *err, size_t errlen)
{
	struct rb_file *f = &w->files[c->file];
	struct stat st;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", c->ds->ivfdata_path);
	f->fd = -1;
	if (rbf_ivf_mapping(c->index, &f->map, &f->map_len) || stat(f->path, &st) < 0) {
		snprintf(err, errlen, "%s: no mapping of the inverted lists: %s", f->path,
			 rbf_last_error());
		return -EIO;
	}
	f->size = (uint64_t)st.st_size;
	return 0;
}

int ivf_common__open(struct ivf_common *c, struct rb_workload *w, int file,
		     const struct rb_workload_params *wp, const struct rb_dataset *ds, char *err,
		     size_t errlen)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->ds = ds;
	c->file = file;
	c->k = wp->k;
	c->nprobe = wp->nprobe;
	c->batch = wp->batch;
	c->configured_prefetch_threads = (int)wp->prefetch_threads;
	/* READ_ONLY: FAISS maps the lists PROT_READ, as a serving process would */
	if (faiss_read_index_fname(ds->index_path, RBF_IO_FLAG_READ_ONLY, &c->index)) {
		snprintf(err, errlen, "%s: FAISS cannot read the index: %s", ds->index_path,
			 faiss_get_last_error());
		return -EIO;
	}
	rc = ivf_common_setup(c, err, errlen);
	if (!rc)
		rc = ivf_common_file(c, w, err, errlen);
	return rc;
}

void ivf_common__close(struct ivf_common *c)
{
	if (c->index)
		faiss_Index_free(c->index);
	memset(c, 0, sizeof(*c));
}

int ivf_common__search(const struct ivf_common *c, struct ivf_scratch *s, const int64_t *qi,
		       int n)
{
	size_t row = (size_t)c->ds->dim * sizeof(float);
	const float *x = c->ds->queries + qi[0] * c->ds->dim;
	int i;

	if (n < 1 || n > c->batch)
		return -EINVAL;
	/* a batch of stream picks is gathered into one matrix, as a server batches requests */
	if (n > 1) {
		for (i = 0; i < n; i++)
			memcpy(s->x + (size_t)i * c->ds->dim, c->ds->queries + qi[i] * c->ds->dim, row);
		x = s->x;
	}
	return faiss_Index_search(c->index, n, x, c->k, s->distances, s->ids) ? -EIO : 0;
}

int ivf_common__extents(const struct ivf_common *c, struct ivf_scratch *s, int64_t qi,
			size_t *n)
{
	const float *q = c->ds->queries + qi * c->ds->dim;
	uint64_t co, cl, io, il;
	int64_t i;

	*n = 0;
	if (rbf_ivf_assign(c->index, q, 1, c->nprobe, s->lists))
		return -EIO;
	for (i = 0; i < c->nprobe; i++) {
		if (s->lists[i] < 0)
			continue;   /* fewer non-empty lists than nprobe */
		if (rbf_ivf_list_extents(c->index, s->lists[i], &co, &cl, &io, &il))
			return -EIO;
		if (cl)
			s->extents[(*n)++] = (struct rb_extent){ c->file, co, cl };
		if (il)
			s->extents[(*n)++] = (struct rb_extent){ c->file, io, il };
	}
	return 0;
}

int ivf_common__list_extents(const struct ivf_common *c, int64_t key, struct rb_extent *out, size_t max)
{
	uint64_t co, cl, io, il;
	size_t n = 0;

	if (key < 0 || key >= c->nlist)
		return -ENOENT;
	if (rbf_ivf_list_extents(c->index, key, &co, &cl, &io, &il))
		return -EIO;
	if (cl && n < max)
		out[n++] = (struct rb_extent){ c->file, co, cl };
	if (il && n < max)
		out[n++] = (struct rb_extent){ c->file, io, il };
	return (int)n;
}

int ivf_common__set_prefetch(struct ivf_common *c, int nthreads)
{
	if (nthreads < 0)
		nthreads = c->configured_prefetch_threads;
	return rbf_ivf_set_prefetch_threads(c->index, nthreads) ? -EINVAL : 0;
}
