/*
 * hnsw_common — the HNSW search hnsw-search and rag share (see hnsw_common.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hnsw_common.h"
#include "datasets/dataset.h"
#include "datasets/hnsw_bridge.h"

#define HNSW_PAGE 4096ULL
#define HNSW_MAX_VISITED (1 << 18)

int hnsw_common__open(struct hnsw_common *c, struct rb_workload *w, int file,
		      const struct rb_workload_params *wp, const struct rb_dataset *ds, char *err,
		      size_t errlen)
{
	struct rb_file *f = &w->files[file];
	size_t len;

	memset(c, 0, sizeof(*c));
	c->ds = ds;
	c->file = file;
	c->k = wp->k;
	c->ef = wp->ef_search;
	c->visited = calloc((size_t)ds->nq, sizeof(*c->visited));
	if (!c->visited)
		return -ENOMEM;
	if (!ds->hnsw_path[0]) {
		snprintf(err, errlen, "workload.type %s: the dataset has no HNSW graph (index.kind: hnsw "
			 "builds one)", wp->type);
		return -EINVAL;
	}
	if (rbh_open(ds->hnsw_path, ds->dim, 1, &c->h)) {
		snprintf(err, errlen, "%s: %s", ds->hnsw_path, rbh_last_error());
		return -EINVAL;
	}
	c->n = rbh_count(c->h);
	rbh_level0(c->h, &c->off0, &c->node);
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", ds->hnsw_path);
	f->fd = -1;
	f->map = rbh_mapping(c->h, &len);
	f->map_len = len;
	f->size = len;
	w->hint_symbol = RBH_PREFETCH_SYMBOL;
	w->no_prior_extents = "a graph walk finds the pages it reads as it walks: an HNSW search "
			      "cannot name them before the query";
	return 0;
}

void hnsw_common__close(struct hnsw_common *c)
{
	int64_t i;

	rbh_close(c->h);
	c->h = NULL;
	for (i = 0; c->visited && c->ds && i < c->ds->nq; i++)
		free(c->visited[i]);
	free(c->visited);
	c->visited = NULL;
}

int hnsw_scratch__init(struct hnsw_scratch *s, const struct hnsw_common *c)
{
	memset(s, 0, sizeof(*s));
	s->ids = calloc((size_t)c->k, sizeof(*s->ids));
	s->dist = calloc((size_t)c->k, sizeof(*s->dist));
	s->visited = calloc(HNSW_MAX_VISITED, sizeof(*s->visited));
	if (s->ids && s->dist && s->visited)
		return 0;
	hnsw_scratch__free(s);
	return -ENOMEM;
}

void hnsw_scratch__free(struct hnsw_scratch *s)
{
	free(s->ids);
	free(s->dist);
	free(s->visited);
	free(s->pages);
	free(s->extents);
	memset(s, 0, sizeof(*s));
}

/*
 * Keep the nodes query qi read ([0] their count, then the ids), for the extents the
 * runner asks for after the phase. Swapped in atomically: no lock on the timed path,
 * and a query two clients ran (the same walk) keeps either copy.
 */
static int keep_visited(struct hnsw_common *c, int64_t qi, const int32_t *v, int64_t n)
{
	int32_t *copy;

	if (n > HNSW_MAX_VISITED)
		n = HNSW_MAX_VISITED;
	copy = malloc((size_t)(n + 1) * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	copy[0] = (int32_t)n;
	memcpy(copy + 1, v, (size_t)n * sizeof(*copy));
	free(__atomic_exchange_n(&c->visited[qi], copy, __ATOMIC_ACQ_REL));
	return 0;
}

int hnsw_common__search(struct hnsw_common *c, struct hnsw_scratch *s, int64_t qi)
{
	int64_t n = 0;

	if (qi < 0 || qi >= c->ds->nq)
		return -EINVAL;
	if (rbh_search(c->h, c->ds->queries + qi * c->ds->dim, c->k, c->ef, s->ids, s->dist,
		       s->visited, HNSW_MAX_VISITED, &n)) {
		fprintf(stderr, "rabench: HNSW search: %s\n", rbh_last_error());
		return -EIO;
	}
	return keep_visited(c, qi, s->visited, n);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Room for n nodes' pages in s. */
static int reserve(const struct hnsw_common *c, struct hnsw_scratch *s, int64_t n)
{
	size_t want = (size_t)n * (c->node / HNSW_PAGE + 2) + 16;

	if (want <= s->cap)
		return 0;
	free(s->pages);
	free(s->extents);
	s->pages = malloc(want * sizeof(*s->pages));
	s->extents = malloc(want * sizeof(*s->extents));
	s->cap = s->pages && s->extents ? want : 0;
	return s->cap ? 0 : -ENOMEM;
}

int hnsw_common__extents(struct hnsw_common *c, struct hnsw_scratch *s, int64_t qi, size_t *n_out)
{
	uint64_t first, last, p, start;
	size_t np = 0, ne = 0, i;
	struct rb_extent *prev;
	int64_t n, j;

	const int32_t *v = __atomic_load_n(&c->visited[qi], __ATOMIC_ACQUIRE);

	n = v ? v[0] : 0;
	if (reserve(c, s, n))
		return -ENOMEM;
	for (j = 0; j < n; j++) {
		start = c->off0 + (uint64_t)v[1 + j] * c->node;
		first = start / HNSW_PAGE;
		last = (start + c->node - 1) / HNSW_PAGE;
		for (p = first; p <= last && np < s->cap; p++)
			s->pages[np++] = p;
	}
	qsort(s->pages, np, sizeof(*s->pages), cmp_u64);
	for (i = 0; i < np; i++) {
		prev = ne ? &s->extents[ne - 1] : NULL;
		if (prev && s->pages[i] * HNSW_PAGE < prev->offset + prev->len)
			continue;	/* the same page again */
		if (prev && s->pages[i] * HNSW_PAGE == prev->offset + prev->len) {
			prev->len += HNSW_PAGE;
			continue;
		}
		s->extents[ne++] = (struct rb_extent){ c->file, s->pages[i] * HNSW_PAGE, HNSW_PAGE };
	}
	*n_out = ne;
	return 0;
}

int hnsw_common__node_extent(const struct hnsw_common *c, int64_t key, struct rb_extent *out,
			     size_t max)
{
	if (key < 0 || key >= c->n)
		return -ENOENT;
	if (max < 1)
		return -ENOSPC;
	out[0] = (struct rb_extent){ c->file, c->off0 + (uint64_t)key * c->node, c->node };
	return 1;
}
