/*
 * synth — deterministic synthetic "embeddings": a Gaussian mixture that looks
 * enough like real embedding sets (clustered, uneven cluster sizes, anisotropic
 * clusters) for an IVF index to behave as it does on real data.
 *
 * Model (all drawn from params.seed):
 *   - `clusters` centres c_j ~ N(0, I_dim);
 *   - cluster weights w_j = exp(0.5 * N(0,1)), normalised (log-normal: a few
 *     clusters are several times bigger than the median, none is empty-ish);
 *   - per cluster and dimension a std-dev s_jd = spread * exp(0.5 * N(0,1)), so
 *     clusters are axis-anisotropic (no extra dominant directions);
 *   - vector = c_j + s_j * N(0, I), j drawn by weight; L2-normalised if asked.
 *
 * Vector i of stream s (SYNTH_STREAM_BASE, SYNTH_STREAM_QUERIES) depends only on
 * (seed, s, i): each vector seeds its own xoshiro256** from a splitmix64 hash of
 * the triple, so any chunking or thread split yields bit-identical output (on one
 * libm: Box-Muller uses log/cos/sin).
 */
#ifndef RB_SYNTH_H
#define RB_SYNTH_H

#include <stdint.h>
#include <stdbool.h>

#define SYNTH_STREAM_BASE 0
#define SYNTH_STREAM_QUERIES 1
/* Bumped whenever the model or the PRNG changes: it is part of the cache key. */
#define SYNTH_VERSION 1

struct synth_params {
	int64_t n;          /* informative only: sampling any index is allowed */
	int64_t dim;
	int64_t clusters;
	uint64_t seed;
	bool normalize;     /* L2-normalise every vector */
	double spread;      /* within-cluster std-dev scale (centres have std-dev 1) */
};

struct synth_model;

/* Build the mixture (centres, weights, per-dimension std-devs). -EINVAL, -ENOMEM. */
int synth__new(const struct synth_params *p, struct synth_model **out);

/* Write vectors [first, first+count) of `stream` to out[count * dim]. */
int synth__sample(const struct synth_model *m, int stream, int64_t first, int64_t count, float *out);

/* The cluster vector i of `stream` was drawn from (for tests and diagnostics). */
int64_t synth__cluster_of(const struct synth_model *m, int stream, int64_t i);

/* Centre j (dim floats, before normalisation); NULL when j is out of range. */
const double *synth__centre(const struct synth_model *m, int64_t j);

void synth__free(struct synth_model *m);

#endif
