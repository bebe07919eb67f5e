/*
 * ivf_common — the FAISS IVF search the ivf-search and rag workloads share: open
 * the on-disk index read-only (FAISS mmaps its .ivfdata), search one query,
 * name the extents (codes and ids of each probed list) a query needs, the
 * per-list extent map and FAISS's own prefetch threads. The .ivfdata becomes
 * one rb_file of the workload (its mapping, no fd), at the slot the caller picks.
 */
#ifndef RB_IVF_COMMON_H
#define RB_IVF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <faiss/c_api/Index_c.h>

#include "workload.h"

struct rb_config;
struct rb_dataset;

struct ivf_common {
	FaissIndex *index;
	const struct rb_dataset *ds;
	int file;                        /* slot of the .ivfdata in w->files */
	int64_t k, nprobe, nlist;
	int configured_prefetch_threads; /* index.prefetch_threads */
	float *distances;
	int64_t *ids;                    /* k ids of the last search */
	int64_t *lists;                  /* nprobe list numbers of the last extents call */
	struct rb_extent *extents;       /* 2 per probed list: codes and ids */
};

/* Open ds's index and fill w->files[file] with FAISS's mapping of the .ivfdata. */
int ivf_common__open(struct ivf_common *c, struct rb_workload *w, int file,
		     const struct rb_config *cfg, const struct rb_dataset *ds, char *err,
		     size_t errlen);
void ivf_common__close(struct ivf_common *c);

/* k nearest of query qi into c->ids. */
int ivf_common__search(struct ivf_common *c, int64_t qi);

/* The extents of the lists query qi probes into c->extents; *n of them. */
int ivf_common__extents(struct ivf_common *c, int64_t qi, size_t *n);

/* The extents of list key (extent_map); -ENOENT past the last list. */
int ivf_common__list_extents(struct ivf_common *c, int64_t key, struct rb_extent *out, size_t max);

/* FAISS's own prefetch threads; nthreads < 0 restores index.prefetch_threads. */
int ivf_common__set_prefetch(struct ivf_common *c, int nthreads);

#endif
