/*
 * ivf — a FAISS IVF index whose inverted lists live on disk: trained and
 * filled chunk by chunk, its lists merged into an on-disk .ivfdata whose
 * recorded path is the final one, then searched with faiss_Index_search (so the
 * code path is exactly FAISS's) on FAISS's PROT_READ map of the lists. A
 * query's spans are the codes and ids of the nprobe lists the coarse quantizer
 * picks, known before it runs; FAISS's own prefetch threads are the
 * library's prefetch.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>
#include <json-c/json.h>

#include "index.h"
#include "datasets/dataset.h"
#include "datasets/dataset_int.h"
#include "datasets/faiss_bridge.h"
#include "datasets/manifest.h"
#include "datasets/vecio.h"
#include "lib/clock.h"
#include "lib/fsutil.h"

/* ---- the cache ---- */

static void ivf_canonical(const struct rb_dataset_spec *spec, const struct rb_dataset *ds, char *buf,
			  size_t len)
{
	snprintf(buf, len, "rabench-index v%d dataset=%s-%016llx factory=%s train_size=%lld seed=%lld%s",
		 DS_FORMAT_VERSION, ds_dataset_prefix(spec), (unsigned long long)ds->dataset_key,
		 spec->index_factory, (long long)ds_train_size(spec, ds->n), (long long)spec->dataset_seed,
		 ds_is_synthetic(spec) ? "" : " sample=stride");
}

static int ivf_paths(struct rb_dataset *ds)
{
	if (fsutil__join(ds->index_path, sizeof(ds->index_path), ds->index_dir, "ivf.index") ||
	    fsutil__join(ds->ivfdata_path, sizeof(ds->ivfdata_path), ds->index_dir, "ivf.ivfdata"))
		return -ENAMETOOLONG;
	return 0;
}

static const char *ivf_data_path(const struct rb_dataset *ds)
{
	return ds->ivfdata_path;
}

/* The lists: an id per vector, and the vector itself for IVF*,Flat. */
static uint64_t ivf_bytes(const struct rb_dataset_spec *spec, const struct rb_dataset *ds)
{
	const char *flat = strstr(spec->index_factory, "Flat");
	uint64_t row = sizeof(int64_t);

	if (flat && flat[4] == '\0')
		row += (uint64_t)ds->dim * sizeof(float);
	return (uint64_t)ds->n * row;
}

/*
 * nt rows spread evenly over the file: imported and corpus data come in an
 * order (a corpus is topical) whose first rows are no sample of the whole.
 */
static int read_stride(struct vecio_reader *base, int64_t nt, float *x, char *err, size_t errlen)
{
	int64_t i, n = vecio__count(base), dim = vecio__dim(base);
	int ret = 0;

	if (nt >= n)
		return vecio__read(base, 0, n, x, err, errlen);
	for (i = 0; i < nt && !ret; i++)
		ret = vecio__read(base, i * n / nt, 1, x + i * dim, err, errlen);
	return ret;
}

static int index_train(FaissIndex *idx, struct vecio_reader *base, const struct rb_dataset_spec *spec,
		       char *err, size_t errlen)
{
	int64_t nt = ds_train_size(spec, vecio__count(base));
	float *x = malloc(sizeof(float) * nt * vecio__dim(base));
	double t0 = clock__now_s();
	int ret = -ENOMEM;

	if (!x)
		return ret;
	/* Synthetic base vectors are i.i.d. draws, so the first nt are already a random sample. */
	if (ds_is_synthetic(spec))
		ret = vecio__read(base, 0, nt, x, err, errlen);
	else
		ret = read_stride(base, nt, x, err, errlen);
	if (ret)
		goto cleanup;
	fprintf(stderr, "rabench: training %s on %lld vectors ...\n", spec->index_factory, (long long)nt);
	if (faiss_Index_train(idx, nt, x)) {
		snprintf(err, errlen, "index.factory %s: training failed: %s", spec->index_factory,
			 faiss_get_last_error());
		ret = -EINVAL;
		goto cleanup;
	}
	fprintf(stderr, "rabench: training done (%.1f s)\n", clock__now_s() - t0);
cleanup:
	free(x);
	return ret;
}

static int index_add(FaissIndex *idx, struct vecio_reader *base, const struct rb_dataset_spec *spec,
		     char *err, size_t errlen)
{
	int64_t first, n = vecio__count(base);
	float *x = malloc(sizeof(float) * DS_CHUNK * vecio__dim(base));
	char what[RB_NAME_MAX + 64];
	struct progress p = { what, n, 10 };
	int ret = 0;

	if (!x)
		return -ENOMEM;
	snprintf(what, sizeof(what), "adding %lld vectors to %s", (long long)n, spec->index_factory);
	for (first = 0; first < n; first += DS_CHUNK) {
		int64_t c = n - first < DS_CHUNK ? n - first : DS_CHUNK;

		if ((ret = ds_interrupted(err, errlen)) || (ret = vecio__read(base, first, c, x, err, errlen)))
			break;
		if (faiss_Index_add(idx, c, x)) {
			snprintf(err, errlen, "%s: adding vectors failed: %s", spec->index_factory,
				 faiss_get_last_error());
			ret = -EIO;
			break;
		}
		ds_progress__update(&p, first + c);
	}
	free(x);
	return ret;
}

static int index_manifest(const struct rb_dataset_spec *spec, const struct rb_dataset *ds, const char *tmp,
			  const char *key, const char *canonical, int64_t nlist, int64_t ntotal, char *err,
			  size_t errlen)
{
	struct json_object *m = manifest__new("rabench-index", key, canonical);
	char dkey[32];
	int ret;

	snprintf(dkey, sizeof(dkey), "%s-%016llx", ds_dataset_prefix(spec),
		 (unsigned long long)ds->dataset_key);
	json_object_object_add(m, "dataset", json_object_new_string(dkey));
	json_object_object_add(m, "factory", json_object_new_string(spec->index_factory));
	manifest__int(m, "train_size", ds_train_size(spec, ds->n));
	manifest__int(m, "seed", spec->dataset_seed);
	manifest__int(m, "nlist", nlist);
	manifest__int(m, "ntotal", ntotal);
	json_object_object_add(m, "ivfdata", json_object_new_string(ds->ivfdata_path));
	if (!(ret = manifest__add_file(m, tmp, "ivf.index", err, errlen)) &&
	    !(ret = manifest__add_file(m, tmp, "ivf.ivfdata", err, errlen)))
		ret = manifest__write(m, tmp, err, errlen);
	json_object_put(m);
	return ret;
}

/* Train, add, move the lists to tmp/ivf.ivfdata, write tmp/ivf.index naming the final path. */
static int ivf_build(const struct rb_dataset_spec *spec, struct rb_dataset *ds, const char *tmp,
		       const char *key, const char *canonical, char *err, size_t errlen)
{
	char idx_tmp[RB_PATH_MAX], data_tmp[RB_PATH_MAX];
	struct vecio_reader *base = NULL;
	FaissIndex *idx = NULL;
	int64_t nlist = -1;
	int ret;

	if ((ret = fsutil__join(idx_tmp, sizeof(idx_tmp), tmp, "ivf.index")) ||
	    (ret = fsutil__join(data_tmp, sizeof(data_tmp), tmp, "ivf.ivfdata")) ||
	    (ret = vecio__open(&base, ds->base_path, VECIO_FVECS, err, errlen)))
		goto cleanup;
	if (faiss_index_factory(&idx, (int)vecio__dim(base), spec->index_factory, METRIC_L2) ||
	    (nlist = rbf_ivf_nlist(idx)) < 0) {
		snprintf(err, errlen, "index.factory \"%s\": %s", spec->index_factory,
			 idx ? "not an IVF index" : faiss_get_last_error());
		ret = -EINVAL;
		goto cleanup;
	}
	if ((ret = index_train(idx, base, spec, err, errlen)) || (ret = ds_interrupted(err, errlen)) ||
	    (ret = index_add(idx, base, spec, err, errlen)))
		goto cleanup;
	fprintf(stderr, "rabench: writing on-disk inverted lists %s ...\n", ds->ivfdata_path);
	if (rbf_ivf_to_ondisk(idx, data_tmp) || rbf_ivf_set_ondisk_filename(idx, ds->ivfdata_path)) {
		snprintf(err, errlen, "%s: %s", data_tmp, rbf_last_error());
		ret = -EIO;
		goto cleanup;
	}
	if (faiss_write_index_fname(idx, idx_tmp)) {
		snprintf(err, errlen, "%s: cannot write index: %s", idx_tmp, faiss_get_last_error());
		ret = -EIO;
		goto cleanup;
	}
	/* Unmap the lists before fsync so every page FAISS dirtied is written. */
	faiss_Index_free(idx);
	idx = NULL;
	if ((ret = ds_fsync_path(data_tmp, err, errlen)) || (ret = ds_fsync_path(idx_tmp, err, errlen)))
		goto cleanup;
	ret = index_manifest(spec, ds, tmp, key, canonical, nlist, vecio__count(base), err, errlen);
cleanup:
	faiss_Index_free(idx);
	vecio__close(base);
	return ret;
}


/* ---- queries ---- */

struct ivf_scratch {
	float *x;                        /* batch query vectors, contiguous for FAISS */
	float *distances;                /* batch * k */
	int64_t *lists;                  /* nprobe list numbers of the last hints call */
};

static FaissIndex *faiss_of(const struct rb_index *ix)
{
	return ix->priv;
}

static int ivf_open(struct rb_index *ix, char *err, size_t errlen)
{
	const struct rb_dataset *ds = ix->ds;
	FaissIndex *idx = NULL;
	struct stat st;

	/* READ_ONLY: FAISS maps the lists PROT_READ, as a serving process would */
	if (faiss_read_index_fname(ds->index_path, RBF_IO_FLAG_READ_ONLY, &idx)) {
		snprintf(err, errlen, "%s: FAISS cannot read the index: %s", ds->index_path,
			 faiss_get_last_error());
		return -EIO;
	}
	ix->priv = idx;
	if (rbf_ivf_set_prefetch_threads(idx, (int)ix->p.prefetch_threads) ||
	    rbf_ivf_set_nprobe(idx, ix->p.nprobe) || (ix->keys = rbf_ivf_nlist(idx)) < 0) {
		snprintf(err, errlen, "%s: %s", ds->index_path, rbf_last_error());
		return -EINVAL;
	}
	/* FAISS's mapping of the lists (no fd: FAISS closed its own) */
	snprintf(ix->path, sizeof(ix->path), "%s", ds->ivfdata_path);
	if (rbf_ivf_mapping(idx, &ix->map, &ix->map_len) || stat(ix->path, &st) < 0) {
		snprintf(err, errlen, "%s: no mapping of the inverted lists: %s", ix->path,
			 rbf_last_error());
		return -EIO;
	}
	ix->size = (uint64_t)st.st_size;
	return 0;
}

static void ivf_close(struct rb_index *ix)
{
	if (ix->priv)
		faiss_Index_free(ix->priv);
	ix->priv = NULL;
	ix->map = NULL;
}

static void ivf_scratch_free(struct rb_index_scratch *s)
{
	struct ivf_scratch *v = s->priv;

	if (v) {
		free(v->x);
		free(v->distances);
		free(v->lists);
	}
	free(v);
	free(s->ids);
	free(s->spans);
	memset(s, 0, sizeof(*s));
}

static int ivf_scratch_init(const struct rb_index *ix, struct rb_index_scratch *s)
{
	const struct rb_index_params *p = &ix->p;
	struct ivf_scratch *v = calloc(1, sizeof(*v));

	memset(s, 0, sizeof(*s));
	s->priv = v;
	s->cap = 2 * (size_t)p->nprobe;
	s->ids = calloc((size_t)(p->batch * p->k), sizeof(*s->ids));
	s->spans = calloc(s->cap, sizeof(*s->spans));
	if (v) {
		v->x = calloc((size_t)(p->batch * ix->ds->dim), sizeof(*v->x));
		v->distances = calloc((size_t)(p->batch * p->k), sizeof(*v->distances));
		v->lists = calloc((size_t)p->nprobe, sizeof(*v->lists));
	}
	if (v && v->x && v->distances && v->lists && s->ids && s->spans)
		return 0;
	ivf_scratch_free(s);
	return -ENOMEM;
}

static int ivf_search(struct rb_index *ix, struct rb_index_scratch *s, const int64_t *qi, int n)
{
	const struct rb_dataset *ds = ix->ds;
	struct ivf_scratch *v = s->priv;
	size_t row = (size_t)ds->dim * sizeof(float);
	const float *x = ds->queries + qi[0] * ds->dim;
	int i;

	if (n < 1 || n > ix->p.batch)
		return -EINVAL;
	/* a batch of stream picks is gathered into one matrix, as a server batches requests */
	if (n > 1) {
		for (i = 0; i < n; i++)
			memcpy(v->x + (size_t)i * ds->dim, ds->queries + qi[i] * ds->dim, row);
		x = v->x;
	}
	return faiss_Index_search(faiss_of(ix), n, x, ix->p.k, v->distances, s->ids) ? -EIO : 0;
}

static int ivf_hints(struct rb_index *ix, struct rb_index_scratch *s, int64_t qi, size_t *n)
{
	const float *q = ix->ds->queries + qi * ix->ds->dim;
	struct ivf_scratch *v = s->priv;
	uint64_t co, cl, io, il;
	int64_t i;

	*n = 0;
	if (rbf_ivf_assign(faiss_of(ix), q, 1, ix->p.nprobe, v->lists))
		return -EIO;
	for (i = 0; i < ix->p.nprobe; i++) {
		if (v->lists[i] < 0)
			continue;   /* fewer non-empty lists than nprobe */
		if (rbf_ivf_list_extents(faiss_of(ix), v->lists[i], &co, &cl, &io, &il))
			return -EIO;
		if (cl)
			s->spans[(*n)++] = (struct rb_span){ co, cl };
		if (il)
			s->spans[(*n)++] = (struct rb_span){ io, il };
	}
	return 0;
}

/* List key: its codes and its ids. */
static int ivf_key_spans(const struct rb_index *ix, int64_t key, struct rb_span *out, size_t max)
{
	uint64_t co, cl, io, il;
	size_t n = 0;

	if (key < 0 || key >= ix->keys)
		return -ENOENT;
	if (rbf_ivf_list_extents(faiss_of(ix), key, &co, &cl, &io, &il))
		return -EIO;
	if (cl && n < max)
		out[n++] = (struct rb_span){ co, cl };
	if (il && n < max)
		out[n++] = (struct rb_span){ io, il };
	return (int)n;
}

static int ivf_set_prefetch(struct rb_index *ix, int nthreads)
{
	if (nthreads < 0)
		nthreads = (int)ix->p.prefetch_threads;
	return rbf_ivf_set_prefetch_threads(faiss_of(ix), nthreads) ? -EINVAL : 0;
}

const struct rb_index_ops index_ivf_ops = {
	.version = RB_INDEX_OPS_VERSION,
	.name = "ivf",
	.folder = "index",   /* the name caches of earlier versions have */
	.flags = RB_INDEX_BATCH | RB_INDEX_PRIOR_HINTS | RB_INDEX_LIB_PREFETCH,
	.canonical = ivf_canonical,
	.paths = ivf_paths,
	.data_path = ivf_data_path,
	.bytes = ivf_bytes,
	.build = ivf_build,
	.open = ivf_open,
	.close = ivf_close,
	.scratch_init = ivf_scratch_init,
	.scratch_free = ivf_scratch_free,
	/* faiss::IndexIVF::search(n, x, k, distances, labels, params) const: faiss_Index_search's */
	.result_symbol = "_ZNK5faiss8IndexIVF6searchElPKflPfPlPKNS_16SearchParametersE",
	.search = ivf_search,
	.hints = ivf_hints,
	.key_spans = ivf_key_spans,
	.set_prefetch = ivf_set_prefetch,
};
