/*
 * index — the table of index kinds (see index.h) and opening one for queries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "index.h"
#include "datasets/dataset.h"

/* One line per kind. */
static const struct rb_index_ops *const kinds[] = {
	&index_ivf_ops,
	&index_hnsw_ops,
};

#define N_KINDS (sizeof(kinds) / sizeof(kinds[0]))

int index__check_ops(const struct rb_index_ops *o, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!o || !o->name || !o->name[0])
		why = "no name";
	else if (o->version != RB_INDEX_OPS_VERSION)
		why = "ops version differs from RB_INDEX_OPS_VERSION";
	else if (!o->folder || !o->folder[0])
		why = "no cache folder name";
	else if (!o->canonical || !o->paths || !o->data_path || !o->bytes || !o->build)
		why = "canonical, paths, data_path, bytes and build are required";
	else if (!o->open || !o->close || !o->scratch_init || !o->scratch_free || !o->search ||
		 !o->hints || !o->key_spans)
		why = "open, close, scratch_init/free, search, hints and key_spans are required";
	else if ((o->flags & RB_INDEX_LIB_PREFETCH) && !o->set_prefetch)
		why = "RB_INDEX_LIB_PREFETCH without set_prefetch";
	else if (!(o->flags & RB_INDEX_PRIOR_HINTS) && !o->no_prior_hints)
		why = "no RB_INDEX_PRIOR_HINTS and no reason (no_prior_hints)";
	if (why)
		snprintf(err, errlen, "index kind %s: %s", o && o->name ? o->name : "?", why);
	return why ? -EINVAL : 0;
}

const struct rb_index_ops *index__find(const char *name)
{
	char err[160];
	size_t i;

	for (i = 0; name && i < N_KINDS; i++)
		if (!strcmp(kinds[i]->name, name))
			return index__check_ops(kinds[i], err, sizeof(err)) ? NULL : kinds[i];
	return NULL;
}

const char *index__names(void)
{
	static char names[128];
	size_t i, len = 0;

	if (!names[0])
		for (i = 0; i < N_KINDS; i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? "|" : "", kinds[i]->name);
	return names;
}

int index__open(struct rb_index *ix, const struct rb_dataset *ds, const struct rb_index_params *p,
		char *err, size_t errlen)
{
	int rc;

	memset(ix, 0, sizeof(*ix));
	if (!ds->index_ops) {
		snprintf(err, errlen, "the dataset has no index (index.kind: %s)", index__names());
		return -EINVAL;
	}
	ix->ds = ds;
	ix->p = *p;
	if (ix->p.batch < 1)
		ix->p.batch = 1;
	ix->ops = ds->index_ops;
	rc = ix->ops->open(ix, err, errlen);
	if (rc)
		index__close(ix);
	return rc;
}

void index__close(struct rb_index *ix)
{
	if (ix->ops)
		ix->ops->close(ix);
	ix->ops = NULL;
}
