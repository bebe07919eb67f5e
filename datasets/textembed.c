/*
 * textembed — hashed TF-IDF + sparse random projection (see textembed.h). A
 * text becomes a sorted list of feature buckets; equal neighbours are one
 * feature with its term frequency. The projection is recomputed from the
 * bucket number and the seed every time, so nothing but the document
 * frequencies (1 MiB) is stored.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "textembed.h"

#define TOKEN_MAX 64   /* longer tokens are hashed on their first 64 bytes */

struct textembed {
	int64_t dim;
	uint64_t seed;
	uint64_t n_docs;
	uint32_t *df;          /* TEXTEMBED_BUCKETS document frequencies */
	uint32_t *feat;        /* scratch: the features of one text */
	size_t feat_cap;
	double *acc;           /* scratch: dim sums */
};

int textembed__new(struct textembed **out, int64_t dim, uint64_t seed)
{
	struct textembed *te;

	*out = NULL;
	if (dim < 1)
		return -EINVAL;
	te = calloc(1, sizeof(*te));
	if (!te)
		return -ENOMEM;
	te->dim = dim;
	te->seed = seed;
	te->df = calloc(TEXTEMBED_BUCKETS, sizeof(*te->df));
	te->acc = calloc((size_t)dim, sizeof(*te->acc));
	if (!te->df || !te->acc) {
		textembed__free(te);
		return -ENOMEM;
	}
	*out = te;
	return 0;
}

void textembed__free(struct textembed *te)
{
	if (!te)
		return;
	free(te->df);
	free(te->feat);
	free(te->acc);
	free(te);
}

uint64_t textembed__docs(const struct textembed *te)
{
	return te->n_docs;
}

static int is_word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

static int push_feature(struct textembed *te, size_t *n, const char *s, size_t len)
{
	if (*n == te->feat_cap) {
		size_t cap = te->feat_cap ? 2 * te->feat_cap : 256;
		uint32_t *f = realloc(te->feat, cap * sizeof(*f));

		if (!f)
			return -ENOMEM;
		te->feat = f;
		te->feat_cap = cap;
	}
	te->feat[(*n)++] = (uint32_t)(XXH64(s, len, te->seed) & (TEXTEMBED_BUCKETS - 1));
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Every unigram and bigram bucket of text into te->feat, sorted; returns how many. */
static int64_t features(struct textembed *te, const char *text, size_t len)
{
	char prev[TOKEN_MAX], pair[2 * TOKEN_MAX + 1];
	size_t i = 0, n = 0, plen = 0, tlen;

	while (i < len) {
		char *tok = pair + plen + 1;

		while (i < len && !is_word_byte((unsigned char)text[i]))
			i++;
		if (i == len)
			break;
		for (tlen = 0; i < len && is_word_byte((unsigned char)text[i]); i++)
			if (tlen < TOKEN_MAX)
				tok[tlen++] = (char)(text[i] >= 'A' && text[i] <= 'Z' ?
						     text[i] - 'A' + 'a' : text[i]);
		/* pair = "prev tok": the bigram; tok alone is the unigram */
		memcpy(pair, prev, plen);
		pair[plen] = ' ';
		if (push_feature(te, &n, tok, tlen) ||
		    (plen && push_feature(te, &n, pair, plen + 1 + tlen)))
			return -ENOMEM;
		memcpy(prev, tok, tlen);
		plen = tlen;
	}
	qsort(te->feat, n, sizeof(*te->feat), cmp_u32);
	return (int64_t)n;
}

int textembed__count(struct textembed *te, const char *text, size_t len)
{
	int64_t n = features(te, text, len), i;

	if (n < 0)
		return (int)n;
	for (i = 0; i < n; i++)
		if (i == 0 || te->feat[i] != te->feat[i - 1])
			te->df[te->feat[i]]++;
	te->n_docs++;
	return 0;
}

/* Add w * (the bucket's sparse random +-1/2 column) to te->acc. */
static void project(struct textembed *te, uint32_t bucket, double w)
{
	uint64_t h;
	int j;

	for (j = 0; j < TEXTEMBED_FANOUT; j++) {
		h = XXH64(&bucket, sizeof(bucket), te->seed + 1 + (uint64_t)j);
		te->acc[h % (uint64_t)te->dim] += (h >> 63 ? -w : w) / sqrt(TEXTEMBED_FANOUT);
	}
}

int textembed__embed(struct textembed *te, const char *text, size_t len, float *out)
{
	int64_t n = features(te, text, len), i, j, d;
	double norm = 0, idf;

	if (n < 0)
		return (int)n;
	memset(te->acc, 0, sizeof(*te->acc) * (size_t)te->dim);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && te->feat[j] == te->feat[i]; j++)
			;
		idf = log((1.0 + (double)te->n_docs) / (1.0 + te->df[te->feat[i]])) + 1.0;
		project(te, te->feat[i], (1.0 + log((double)(j - i))) * idf);
	}
	for (d = 0; d < te->dim; d++)
		norm += te->acc[d] * te->acc[d];
	norm = sqrt(norm);
	for (d = 0; d < te->dim; d++)
		out[d] = norm > 0 ? (float)(te->acc[d] / norm) : (d == 0 ? 1.0f : 0.0f);
	return 0;
}
