/*
 * strategy willneed — application-hinted prefetch, the upper bound of what
 * knowing the extents buys. Before each query the workload names the extents it
 * is about to read (for IVF: the codes and ids of the lists the coarse quantizer
 * picks) and we issue POSIX_FADV_WILLNEED for every one of them at once, so all of
 * their reads are in flight together before the first page is touched.
 * Speculative readahead is switched off for the files (as fadvise-random) so the
 * kernel reads only what was asked for.
 *
 * WILLNEED goes through our own descriptor of each file: the page cache belongs to
 * the inode, so pages we bring in serve FAISS's mapping, and our descriptor's
 * readahead state is nobody else's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strategy.h"

struct willneed {
	int fds[RB_MAX_FILES];
};

static int willneed_reset(struct rb_workload *w)
{
	struct willneed *s = w->strategy_priv;
	int i, rc = strategy__advise_normal(w);

	if (!s)
		return rc;
	for (i = 0; i < RB_MAX_FILES; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	free(s);
	w->strategy_priv = NULL;
	return rc;
}

static int willneed_apply(struct rb_workload *w, char *err, size_t errlen)
{
	struct willneed *s;
	int i, rc;

	/* nothing to hint with: say why, and the strategy is skipped */
	if (w->no_prior_extents) {
		snprintf(err, errlen, "willneed: %s", w->no_prior_extents);
		return -ENOTSUP;
	}
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < RB_MAX_FILES; i++)
		s->fds[i] = -1;
	w->strategy_priv = s;
	for (i = 0; i < w->n_files; i++) {
		s->fds[i] = open(w->files[i].path, O_RDONLY | O_CLOEXEC);
		if (s->fds[i] < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: cannot open for prefetching: %s", w->files[i].path,
				 strerror(-rc));
			return rc;
		}
	}
	return strategy__advise_random(w, err, errlen);
}

static int willneed_before_query(struct rb_client *c, int64_t qi)
{
	const struct rb_workload *w = c->w;
	const struct willneed *s = w->strategy_priv;
	struct rb_query_result res = { 0 };
	const struct rb_extent *e;
	size_t i;
	int rc;

	rc = w->ops->extents(c, qi, &res);
	if (rc)
		return rc;
	for (i = 0; i < res.n_extents; i++) {
		e = &res.extents[i];
		if (e->file < 0 || e->file >= w->n_files)
			return -EINVAL;
		rc = posix_fadvise(s->fds[e->file], (off_t)e->offset, (off_t)e->len,
				   POSIX_FADV_WILLNEED);
		if (rc)
			return -rc;
	}
	return 0;
}

const struct ra_strategy_ops strategy_willneed_ops = {
	.name = "willneed",
	.version = RB_STRATEGY_VERSION,
	/* WILLNEED fills the page cache, which is the inode's: it serves an external client too */
	.flags = RB_STRATEGY_OUTSIDE,
	.help = "before each query, POSIX_FADV_WILLNEED on every extent the workload will read "
		"(all in flight at once); MADV_RANDOM/FADV_RANDOM otherwise",
	.apply = willneed_apply,
	.reset = willneed_reset,
	.before_query = willneed_before_query,
};
