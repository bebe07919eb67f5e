/*
 * ivf_common — the FAISS IVF search the ivf-search and rag workloads share: open
 * the on-disk index read-only (FAISS mmaps its .ivfdata), search one query or a
 * batch (one faiss_Index_search call either way), name the extents (codes and ids of each probed list) a query needs, the
 * per-list extent map and FAISS's own prefetch threads. The .ivfdata becomes
 * one rb_file of the workload (its mapping, no fd), at the slot the caller picks.
 * The index is shared by every client (FAISS's search is const); each client
 * searches into an ivf_scratch of its own.
 */
#ifndef RB_IVF_COMMON_H
#define RB_IVF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <faiss/c_api/Index_c.h>

#include "workload.h"

struct rb_workload_params;
struct rb_dataset;

struct ivf_common {
	FaissIndex *index;
	const struct rb_dataset *ds;
	int file;                        /* slot of the .ivfdata in w->files */
	int64_t k, nprobe, nlist;
	int64_t batch;                   /* workload.batch: queries per search call, at most */
	int configured_prefetch_threads; /* index.prefetch_threads */
};

/* What one client's searches write. */
struct ivf_scratch {
	float *x;                        /* batch query vectors, contiguous for FAISS */
	float *distances;                /* batch * k */
	int64_t *ids;                    /* batch * k ids of the last search, query-major */
	int64_t *lists;                  /* nprobe list numbers of the last extents call */
	struct rb_extent *extents;       /* 2 per probed list: codes and ids */
};

/* Open ds's index and fill w->files[file] with FAISS's mapping of the .ivfdata. */
int ivf_common__open(struct ivf_common *c, struct rb_workload *w, int file,
		     const struct rb_workload_params *wp, const struct rb_dataset *ds, char *err,
		     size_t errlen);
void ivf_common__close(struct ivf_common *c);

/* A client's scratch for searches of up to c->batch queries. 0 or -ENOMEM. */
int ivf_scratch__init(struct ivf_scratch *s, const struct ivf_common *c);
void ivf_scratch__free(struct ivf_scratch *s);

/* k nearest of queries qi[0..n) (n <= c->batch) into s->ids, query-major. */
int ivf_common__search(const struct ivf_common *c, struct ivf_scratch *s, const int64_t *qi,
		       int n);

/* The extents of the lists query qi probes into s->extents; *n of them. */
int ivf_common__extents(const struct ivf_common *c, struct ivf_scratch *s, int64_t qi,
			size_t *n);

/* The extents of list key (extent_map); -ENOENT past the last list. */
int ivf_common__list_extents(const struct ivf_common *c, int64_t key, struct rb_extent *out,
			     size_t max);

/* FAISS's own prefetch threads; nthreads < 0 restores index.prefetch_threads. */
int ivf_common__set_prefetch(struct ivf_common *c, int nthreads);

#endif
