/*
 * strategy faiss-prefetch — FAISS's own answer, as its users run it today:
 * OnDiskInvertedLists with prefetch_nthread threads (FAISS's default, 32) that
 * touch every probed list as soon as IndexIVF::search has picked them. Nothing in
 * the kernel changes. The baseline a FAISS user would pick instead of rabench's
 * strategies, so it belongs in every table.
 */
#include <errno.h>
#include <stdio.h>

#include "strategy.h"

#define FAISS_DEFAULT_PREFETCH_THREADS 32

static int faiss_prefetch_apply(struct rb_workload *w, char *err, size_t errlen)
{
	int rc;

	if (!w->ops->set_library_prefetch) {
		snprintf(err, errlen, "faiss-prefetch: workload %s has no FAISS prefetcher",
			 w->ops->name);
		return -EOPNOTSUPP;
	}
	rc = w->ops->set_library_prefetch(w, FAISS_DEFAULT_PREFETCH_THREADS);
	if (rc)
		snprintf(err, errlen, "faiss-prefetch: cannot set prefetch_nthread");
	return rc;
}

static int faiss_prefetch_reset(struct rb_workload *w)
{
	if (!w->ops->set_library_prefetch)
		return 0;
	return w->ops->set_library_prefetch(w, -1);
}

const struct ra_strategy_ops strategy_faiss_prefetch_ops = {
	.name = "faiss-prefetch",
	.flags = RB_STRATEGY_RACES,	/* FAISS's prefetch threads race the scan */
	.version = RB_STRATEGY_VERSION,
	.help = "FAISS's OnDiskInvertedLists prefetcher: 32 threads touch the probed lists",
	.apply = faiss_prefetch_apply,
	.reset = faiss_prefetch_reset,
};
