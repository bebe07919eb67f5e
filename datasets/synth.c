/*
 * synth — the clustered Gaussian-mixture generator described in synth.h.
 * Everything random comes from rng_for(seed, stream, i): a per-item PRNG, so
 * the output never depends on how callers split the work.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

/* Internal stream for the mixture itself: item j = cluster j. */
#define SYNTH_STREAM_MODEL 2
/* log-normal sigma of the cluster weights and of the per-dimension std-devs */
#define SYNTH_WEIGHT_SIGMA 0.5
#define SYNTH_SD_SIGMA 0.5

struct synth_model {
	struct synth_params p;
	double *centres;   /* clusters * dim */
	double *sd;        /* clusters * dim: per-dimension std-dev */
	double *cdf;       /* clusters: cumulative weights, cdf[clusters-1] == 1 */
};

struct rng {
	uint64_t s[4];
	double spare;      /* second Box-Muller value */
	int has_spare;
};

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t xoshiro_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Hash (seed, stream, i) through chained splitmix64 steps, then expand to state. */
static void rng_for(struct rng *r, uint64_t seed, int stream, int64_t i)
{
	uint64_t x = seed;
	uint64_t h = splitmix64(&x);

	x = h ^ ((uint64_t)stream * 0xd1b54a32d192ed03ULL);
	h = splitmix64(&x);
	x = h ^ (uint64_t)i;
	h = splitmix64(&x);
	x = h;
	for (int k = 0; k < 4; k++)
		r->s[k] = splitmix64(&x);
	r->has_spare = 0;
}

/* Uniform in (0, 1]: never 0, so log() in Box-Muller is finite. */
static double rng_uniform(struct rng *r)
{
	return (double)((xoshiro_next(r) >> 11) + 1) * 0x1.0p-53;
}

static double rng_normal(struct rng *r)
{
	double u1, u2, rad;

	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	u1 = rng_uniform(r);
	u2 = rng_uniform(r);
	rad = sqrt(-2.0 * log(u1));
	r->spare = rad * sin(2.0 * M_PI * u2);
	r->has_spare = 1;
	return rad * cos(2.0 * M_PI * u2);
}

static void model_cluster(struct synth_model *m, int64_t j, double *weight)
{
	int64_t d, dim = m->p.dim;
	struct rng r;

	rng_for(&r, m->p.seed, SYNTH_STREAM_MODEL, j);
	for (d = 0; d < dim; d++)
		m->centres[j * dim + d] = rng_normal(&r);
	for (d = 0; d < dim; d++)
		m->sd[j * dim + d] = m->p.spread * exp(SYNTH_SD_SIGMA * rng_normal(&r));
	*weight = exp(SYNTH_WEIGHT_SIGMA * rng_normal(&r));
}

static int params_valid(const struct synth_params *p)
{
	return p->dim > 0 && p->dim <= 65536 && p->clusters > 0 && p->clusters <= (1 << 24) &&
	       p->n >= 0 && isfinite(p->spread) && p->spread >= 0;
}

int synth__new(const struct synth_params *p, struct synth_model **out)
{
	struct synth_model *m;
	double total = 0, w;
	int64_t j, k = p->clusters;

	*out = NULL;
	if (!params_valid(p))
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->p = *p;
	m->centres = malloc(sizeof(double) * k * p->dim);
	m->sd = malloc(sizeof(double) * k * p->dim);
	m->cdf = malloc(sizeof(double) * k);
	if (!m->centres || !m->sd || !m->cdf) {
		synth__free(m);
		return -ENOMEM;
	}
	for (j = 0; j < k; j++) {
		model_cluster(m, j, &w);
		total += w;
		m->cdf[j] = total;
	}
	for (j = 0; j < k; j++)
		m->cdf[j] /= total;
	m->cdf[k - 1] = 1.0;
	*out = m;
	return 0;
}

/* First cluster whose cumulative weight reaches u. */
static int64_t pick_cluster(const struct synth_model *m, double u)
{
	int64_t lo = 0, hi = m->p.clusters - 1;

	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (m->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Scale to unit length, measuring the float values actually stored. */
static void normalize(float *x, int64_t dim)
{
	double norm2 = 0, scale;
	int64_t d;

	for (d = 0; d < dim; d++)
		norm2 += (double)x[d] * x[d];
	if (norm2 <= 0)
		return;
	scale = 1.0 / sqrt(norm2);
	for (d = 0; d < dim; d++)
		x[d] = (float)(x[d] * scale);
}

static void sample_one(const struct synth_model *m, int stream, int64_t i, float *out)
{
	int64_t d, j, dim = m->p.dim;
	const double *c, *sd;
	struct rng r;

	rng_for(&r, m->p.seed, stream, i);
	j = pick_cluster(m, rng_uniform(&r));
	c = m->centres + j * dim;
	sd = m->sd + j * dim;
	for (d = 0; d < dim; d++)
		out[d] = (float)(c[d] + sd[d] * rng_normal(&r));
	if (m->p.normalize)
		normalize(out, dim);
}

int synth__sample(const struct synth_model *m, int stream, int64_t first, int64_t count, float *out)
{
	int64_t i;

	if (!m || stream < 0 || stream == SYNTH_STREAM_MODEL || first < 0 || count < 0)
		return -EINVAL;
	/* Vectors are independent, so threads cannot change the result. */
#pragma omp parallel for schedule(static) if (count >= 4096)
	for (i = 0; i < count; i++)
		sample_one(m, stream, first + i, out + i * m->p.dim);
	return 0;
}

int64_t synth__cluster_of(const struct synth_model *m, int stream, int64_t i)
{
	struct rng r;

	if (!m || stream < 0 || stream == SYNTH_STREAM_MODEL || i < 0)
		return -EINVAL;
	rng_for(&r, m->p.seed, stream, i);
	return pick_cluster(m, rng_uniform(&r));
}

const double *synth__centre(const struct synth_model *m, int64_t j)
{
	if (!m || j < 0 || j >= m->p.clusters)
		return NULL;
	return m->centres + j * m->p.dim;
}

void synth__free(struct synth_model *m)
{
	if (!m)
		return;
	free(m->centres);
	free(m->sd);
	free(m->cdf);
	free(m);
}
