/*
 * index_io — the dataset's index through its kind's ops (see index_io.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "index_io.h"
#include "params.h"
#include "datasets/dataset.h"

int index_io__open(struct index_io *x, struct rb_workload *w, int file,
		   const struct rb_workload_params *wp, const struct rb_dataset *ds, char *err,
		   size_t errlen)
{
	struct rb_index_params p = {
		.k = wp->k, .nprobe = wp->nprobe, .ef_search = wp->ef_search, .batch = wp->batch,
		.prefetch_threads = wp->prefetch_threads,
	};
	struct rb_file *f = &w->files[file];
	int rc;

	memset(x, 0, sizeof(*x));
	x->file = file;
	rc = index__open(&x->ix, ds, &p, err, errlen);
	if (rc)
		return rc;
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", x->ix.path);
	f->fd = -1;   /* the library's map only: no descriptor of ours */
	f->map = x->ix.map;
	f->map_len = x->ix.map_len;
	f->size = x->ix.size;
	f->prior_hints = (x->ix.ops->flags & RB_INDEX_PRIOR_HINTS) != 0;
	if (x->ix.ops->hint_symbol)
		w->hint_symbol = x->ix.ops->hint_symbol;
	if (!(x->ix.ops->flags & RB_INDEX_PRIOR_HINTS))
		w->no_prior_extents = x->ix.ops->no_prior_hints;
	return 0;
}

void index_io__close(struct index_io *x, struct rb_workload *w)
{
	struct rb_file *f = &w->files[x->file];

	if (!x->ix.ops)
		return;
	index__close(&x->ix);
	f->map = NULL;   /* gone with the library's index */
	f->map_len = 0;
}

int index_buf__init(struct index_buf *b, const struct index_io *x)
{
	memset(b, 0, sizeof(*b));
	return x->ix.ops->scratch_init(&x->ix, &b->s);
}

void index_buf__free(struct index_buf *b, const struct index_io *x)
{
	if (x->ix.ops && (b->s.ids || b->s.priv))
		x->ix.ops->scratch_free(&b->s);
	free(b->extents);
	memset(b, 0, sizeof(*b));
}

int index_io__search(struct index_io *x, struct index_buf *b, const int64_t *qi, int n)
{
	return x->ix.ops->search(&x->ix, &b->s, qi, n);
}

int index_io__extents(struct index_io *x, struct index_buf *b, int64_t qi, bool after, size_t *n)
{
	size_t i;
	int rc;

	*n = 0;
	if (!after && !(x->ix.ops->flags & RB_INDEX_PRIOR_HINTS))
		return -ENOTSUP;   /* see w->no_prior_extents */
	if ((rc = x->ix.ops->hints(&x->ix, &b->s, qi, n)))
		return rc;
	if (*n > b->cap) {
		free(b->extents);
		b->extents = malloc(*n * sizeof(*b->extents));
		b->cap = b->extents ? *n : 0;
		if (!b->extents)
			return -ENOMEM;
	}
	for (i = 0; i < *n; i++)
		b->extents[i] = (struct rb_extent){ x->file, b->s.spans[i].offset, b->s.spans[i].len };
	return 0;
}

int index_io__extent_of(const struct index_io *x, int64_t key, struct rb_extent *out, size_t max)
{
	struct rb_span spans[4];
	int n, i;

	n = x->ix.ops->key_spans(&x->ix, key, spans, max < 4 ? max : 4);
	for (i = 0; i < n; i++)
		out[i] = (struct rb_extent){ x->file, spans[i].offset, spans[i].len };
	return n;
}

int index_io__set_prefetch(struct index_io *x, int nthreads)
{
	if (!(x->ix.ops->flags & RB_INDEX_LIB_PREFETCH))
		return nthreads < 0 ? 0 : -EOPNOTSUPP;
	return x->ix.ops->set_prefetch(&x->ix, nthreads);
}
