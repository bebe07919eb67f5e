/*
 * groundtruth — brute-force exact neighbours (see groundtruth.h).
 */
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>

#include <faiss/c_api/IndexFlat_c.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>

#include "groundtruth.h"
#include "vecio.h"

int groundtruth__init(struct gt_acc *a, int64_t nq, int64_t k)
{
	int64_t i;

	a->nq = nq;
	a->k = k;
	a->dist = malloc(sizeof(float) * nq * k);
	a->ids = malloc(sizeof(int64_t) * nq * k);
	if (!a->dist || !a->ids) {
		groundtruth__free(a);
		return -ENOMEM;
	}
	for (i = 0; i < nq * k; i++) {
		a->dist[i] = FLT_MAX;
		a->ids[i] = -1;
	}
	return 0;
}

void groundtruth__free(struct gt_acc *a)
{
	free(a->dist);
	free(a->ids);
	a->dist = NULL;
	a->ids = NULL;
}

struct gt_pair {
	float d;
	int64_t id;
};

/* Ascending distance, then ascending id, so ties resolve the same on every run. */
static int gt_pair_cmp(const void *a, const void *b)
{
	const struct gt_pair *x = a, *y = b;

	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Merge a chunk's top-kc (ids local to the chunk) into query q's running top-k. */
static void gt_merge_one(struct gt_acc *a, int64_t q, const float *d, const int64_t *ids, int64_t kc,
			 int64_t first, struct gt_pair *tmp)
{
	int64_t i, m = 0;

	for (i = 0; i < a->k; i++)
		if (a->ids[q * a->k + i] >= 0)
			tmp[m++] = (struct gt_pair){ a->dist[q * a->k + i], a->ids[q * a->k + i] };
	for (i = 0; i < kc; i++)
		if (ids[q * kc + i] >= 0)
			tmp[m++] = (struct gt_pair){ d[q * kc + i], ids[q * kc + i] + first };
	qsort(tmp, (size_t)m, sizeof(*tmp), gt_pair_cmp);
	for (i = 0; i < a->k; i++) {
		a->dist[q * a->k + i] = i < m ? tmp[i].d : FLT_MAX;
		a->ids[q * a->k + i] = i < m ? tmp[i].id : -1;
	}
}

static int gt_merge(struct gt_acc *a, const float *d, const int64_t *ids, int64_t kc, int64_t first)
{
	int64_t q;
	int ret = 0;

#pragma omp parallel
	{
		struct gt_pair *tmp = malloc(sizeof(*tmp) * (size_t)(a->k + kc));

		if (!tmp) {
#pragma omp atomic write
			ret = -ENOMEM;
		}
#pragma omp for
		for (q = 0; q < a->nq; q++)
			if (tmp)
				gt_merge_one(a, q, d, ids, kc, first, tmp);
		free(tmp);
	}
	return ret;
}

/*
 * Exact neighbours of every query within one chunk of base vectors. FAISS's
 * BLAS search (||x||^2 + ||y||^2 - 2xy) is fast but loses low bits to
 * cancellation, so it only nominates 2k candidates; their distances are then
 * recomputed as sum (x-y)^2 (compute_distance_subset: fvec_L2sqr, the arithmetic
 * IVFFlat uses), so an exhaustive IVF search reproduces the ground truth. A true
 * top-k neighbour would have to fall behind k others by more than the rounding
 * error to be missed: far beyond float error on continuous data.
 */
int groundtruth__add_chunk(struct gt_acc *a, const float *queries, const float *x, int64_t n, int64_t dim,
		    int64_t first, char *err, size_t errlen)
{
	int64_t kc = n < 2 * a->k ? n : 2 * a->k;
	FaissIndexFlatL2 *flat = NULL;
	float *d = malloc(sizeof(float) * a->nq * kc);
	int64_t *ids = malloc(sizeof(int64_t) * a->nq * kc);
	int ret = -ENOMEM;

	if (!d || !ids)
		goto cleanup;
	if (faiss_IndexFlatL2_new_with(&flat, dim) ||
	    faiss_Index_add((FaissIndex *)flat, n, x) ||
	    faiss_Index_search((FaissIndex *)flat, a->nq, queries, kc, d, ids) ||
	    faiss_IndexFlat_compute_distance_subset((FaissIndex *)flat, a->nq, queries, kc, d, ids)) {
		snprintf(err, errlen, "ground truth: FAISS flat search failed: %s", faiss_get_last_error());
		ret = -EIO;
		goto cleanup;
	}
	ret = gt_merge(a, d, ids, kc, first);
cleanup:
	faiss_Index_free((FaissIndex *)flat);
	free(d);
	free(ids);
	return ret;
}

int groundtruth__write(const struct gt_acc *a, const char *path, char *err, size_t errlen)
{
	struct vecio_writer *w;
	int32_t *row = malloc(sizeof(int32_t) * a->k);
	int64_t q, i;
	int ret = -ENOMEM;

	if (!row)
		return ret;
	ret = vecio__create(&w, path, VECIO_IVECS, a->k, err, errlen);
	for (q = 0; !ret && q < a->nq; q++) {
		for (i = 0; i < a->k; i++)
			row[i] = (int32_t)a->ids[q * a->k + i]; /* NOLINT(clang-analyzer-core.uninitialized.Assign): all nq * k ids are set before */
		ret = vecio__append(w, row, 1, err, errlen);
	}
	if (!ret)
		ret = vecio__commit(w, err, errlen);
	else
		vecio__abort(w);
	free(row);
	return ret;
}

