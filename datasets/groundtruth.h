/*
 * groundtruth — exact k nearest neighbours of every query by brute force, one
 * chunk of base vectors at a time (FAISS flat search + OpenBLAS nominates
 * candidates, exact distances decide), merged into a running top-k and written as
 * TEXMEX .ivecs. Ties resolve by id, so the result is the same on every run.
 */
#ifndef RB_GROUNDTRUTH_H
#define RB_GROUNDTRUTH_H

#include <stddef.h>
#include <stdint.h>

struct gt_acc {
	int64_t nq, k;
	float *dist;       /* nq * k, ascending per query */
	int64_t *ids;      /* nq * k, -1 = empty */
};

/* Empty top-k lists for nq queries. 0 or -ENOMEM. */
int groundtruth__init(struct gt_acc *a, int64_t nq, int64_t k);
/* Merge base vectors x[0..n) (ids first..first+n) into every query's top-k. */
int groundtruth__add_chunk(struct gt_acc *a, const float *queries, const float *x, int64_t n,
			   int64_t dim, int64_t first, char *err, size_t errlen);
/* Write the ids as .ivecs (k per query), atomically. */
int groundtruth__write(const struct gt_acc *a, const char *path, char *err, size_t errlen);
void groundtruth__free(struct gt_acc *a);

#endif
