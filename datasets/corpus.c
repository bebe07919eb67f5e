/*
 * corpus — read a text corpus, chunk it into a chunk store, embed the chunks and
 * make queries of known relevance (see corpus.h). Two passes over the chunks:
 * the first writes them and counts document frequencies, the second (over the
 * committed chunks.dat) embeds them with the final idf, so every chunk is
 * embedded with the same weights.
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunkstore.h"
#include "corpus.h"
#include "dataset.h"
#include "textembed.h"
#include "vecio.h"
#include "lib/fsutil.h"

#define CORPUS_VERSION 1
#define EMBED_BLOCK 4096          /* chunks embedded per base.fvecs append */
#define QUERY_MAX 1024            /* bytes of one query text */
#define QUERY_WINDOW 32           /* words of a long sentence a query keeps */
#define QUERY_MIN_WORDS 4

static const struct {
	const char *file, *pos;
} wordnet_files[] = {
	{ "data.noun", "noun" },
	{ "data.verb", "verb" },
	{ "data.adj", "adjective" },
	{ "data.adv", "adverb" },
};

#define N_WORDNET_FILES (sizeof(wordnet_files) / sizeof(wordnet_files[0]))

/* splitmix64: small, seedable, the same everywhere */
static uint64_t mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ---- WordNet ------------------------------------------------------------------ */

/* The next blank-separated field of *p (advanced past it); its length, 0 at the end. */
static size_t next_field(const char **p, const char **field)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ')
		s++;
	*field = s;
	while (s[n] && !is_space(s[n]))
		n++;
	*p = s + n;
	return n;
}

/* Append s (bounded: o never passes cap - 1). */
static size_t put_str(char *out, size_t o, size_t cap, const char *s)
{
	while (*s && o + 1 < cap)
		out[o++] = *s++;
	return o;
}

/* Append a lemma: '_' is a space, an adjective marker "(a)"/"(p)"/"(ip)" is dropped. */
static size_t put_word(char *out, size_t o, size_t cap, const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < n && w[i] != '(' && o + 1 < cap; i++)
		out[o++] = (char)(w[i] == '_' ? ' ' : w[i]);
	return o;
}

/*
 * One data.* line as a paragraph "lemma, lemma (pos): gloss"; 0 for the
 * license lines at the top (they start with spaces) and malformed lines.
 */
static size_t wordnet_para(const char *line, const char *pos, char *out, size_t cap)
{
	const char *p = line, *f, *gloss;
	size_t o = 0, n, i;
	long w_cnt;

	if (line[0] < '0' || line[0] > '9')
		return 0;
	for (i = 0; i < 3; i++)      /* synset_offset lex_filenum ss_type */
		if (!next_field(&p, &f))
			return 0;
	if (!next_field(&p, &f))
		return 0;
	w_cnt = strtol(f, NULL, 16);
	gloss = strstr(p, " | ");
	if (w_cnt <= 0 || !gloss)
		return 0;
	for (i = 0; i < (size_t)w_cnt; i++) {
		if (!(n = next_field(&p, &f)) || p > gloss)
			return 0;
		if (i)
			o = put_str(out, o, cap, ", ");
		o = put_word(out, o, cap, f, n);
		next_field(&p, &f);  /* lex_id */
	}
	o = put_str(out, o, cap, " (");
	o = put_str(out, o, cap, pos);
	o = put_str(out, o, cap, "): ");
	for (gloss += 3; *gloss && *gloss != '\n' && o + 1 < cap; gloss++)
		out[o++] = *gloss;
	while (o && is_space(out[o - 1]))
		o--;
	out[o] = '\0';
	return o;
}

static int wordnet_file(const char *path, const char *pos, corpus_para_fn fn, void *arg,
			char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *para = NULL;
	size_t cap = 0, n;
	ssize_t len;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "dataset.corpus: wordnet: %s: %s (install the Debian package "
			 "wordnet-base: scripts/install.sh)", path, strerror(-ret));
		return ret;
	}
	while (!ret && (len = getline(&line, &cap, f)) > 0) {
		char *np = realloc(para, (size_t)len + 64);

		if (!np) {
			ret = -ENOMEM;
			break;
		}
		para = np;
		n = wordnet_para(line, pos, para, (size_t)len + 64);
		if (n)
			ret = fn(arg, para, n);
	}
	free(line);
	free(para);
	fclose(f);
	return ret;
}

int corpus__read_wordnet(const char *dir, corpus_para_fn fn, void *arg, char *err, size_t errlen)
{
	char path[RB_PATH_MAX];
	size_t i;
	int ret = 0;

	for (i = 0; i < N_WORDNET_FILES && !ret; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, wordnet_files[i].file);
		ret = wordnet_file(path, wordnet_files[i].pos, fn, arg, err, errlen);
	}
	return ret < 0 ? ret : 0;
}

/* ---- plain text ------------------------------------------------------------------ */

struct para_buf {
	char *s;
	size_t len, cap;
};

static int para_add(struct para_buf *p, const char *line, size_t n)
{
	if (p->len + n + 2 > p->cap) {
		size_t cap = (p->len + n + 2) * 2;
		char *s = realloc(p->s, cap);

		if (!s)
			return -ENOMEM;
		p->s = s;
		p->cap = cap;
	}
	if (p->len)
		p->s[p->len++] = ' ';
	memcpy(p->s + p->len, line, n);
	p->len += n;
	return 0;
}

int corpus__read_text(const char *path, corpus_para_fn fn, void *arg, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct para_buf p = { 0 };
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t len;
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "dataset.corpus: %s: %s", path, strerror(-ret));
		return ret;
	}
	while (!ret && (len = getline(&line, &cap, f)) >= 0) {
		for (n = (size_t)len; n && is_space(line[n - 1]); n--)
			;
		if (n)
			ret = para_add(&p, line, n);
		else if (p.len)
			ret = fn(arg, p.s, p.len);
		if (!n)
			p.len = 0;
	}
	if (!ret && p.len)
		ret = fn(arg, p.s, p.len);
	free(line);
	free(p.s);
	fclose(f);
	return ret < 0 ? ret : 0;
}

/* ---- queries ------------------------------------------------------------------ */

static int sentence_end(const char *t, size_t i, size_t len)
{
	return t[i] == '\n' ||
	       (t[i] && strchr(".;?!:", t[i]) && (i + 1 == len || is_space(t[i + 1])));
}

static size_t count_words(const char *t, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += !is_space(t[i]) && (i == 0 || is_space(t[i - 1]));
	return n;
}

/*
 * The pick-th sentence of at least QUERY_MIN_WORDS words ([*s, *e)); returns how
 * many such sentences there are (pick < 0 just counts).
 */
static size_t find_sentence(const char *t, size_t len, int64_t pick, size_t *s, size_t *e)
{
	size_t i, start = 0, found = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && !sentence_end(t, i, len))
			continue;
		if (count_words(t + start, i - start) >= QUERY_MIN_WORDS) {
			if ((int64_t)found == pick) {
				*s = start;
				*e = i;
			}
			found++;
		}
		start = i + 1;
	}
	return found;
}

struct word {
	const char *s;
	size_t n;
};

/* Up to max words of t[0, len) into w; how many. */
static size_t split_words(const char *t, size_t len, struct word *w, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len && n < max) {
		while (i < len && is_space(t[i]))
			i++;
		if (i == len)
			break;
		w[n].s = t + i;
		while (i < len && !is_space(t[i]))
			i++;
		w[n].n = (size_t)(t + i - w[n].s);
		n++;
	}
	return n;
}

/* Drop about a fifth of the words (keeping at least 3) and swap a few neighbours. */
static size_t perturb(struct word *w, size_t n, uint64_t *rng)
{
	size_t i, k = 0, swaps;
	struct word t;

	for (i = 0; i < n; i++)
		if (mix64(rng) % 5 || n - i + k <= 3)
			w[k++] = w[i];
	for (swaps = k / 8 + 1; swaps && k >= 2; swaps--) {
		i = mix64(rng) % (k - 1);
		t = w[i];
		w[i] = w[i + 1];
		w[i + 1] = t;
	}
	return k;
}

size_t corpus__make_query(const char *chunk, size_t len, uint64_t seed, char *out, size_t outlen)
{
	struct word w[QUERY_WINDOW * 8];
	size_t s = 0, e = len, n, first, i, o = 0, total;
	uint64_t rng = seed;

	total = find_sentence(chunk, len, -1, &s, &e);
	if (total)
		find_sentence(chunk, len, (int64_t)(mix64(&rng) % total), &s, &e);
	n = split_words(chunk + s, e - s, w, sizeof(w) / sizeof(w[0]));
	first = n > QUERY_WINDOW ? mix64(&rng) % (n - QUERY_WINDOW + 1) : 0;
	n = perturb(w + first, n - first > QUERY_WINDOW ? QUERY_WINDOW : n - first, &rng);
	for (i = 0; i < n && o + w[first + i].n + 2 < outlen; i++) {
		if (i)
			out[o++] = ' ';
		memcpy(out + o, w[first + i].s, w[first + i].n);
		o += w[first + i].n;
	}
	if (outlen)
		out[o] = '\0';
	return o;
}

/* ---- cache key -------------------------------------------------------------------- */

static int corpus_is_wordnet(const struct rb_dataset_spec *spec)
{
	return !strcmp(spec->dataset_corpus, "wordnet");
}

int corpus__canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
		      size_t errlen)
{
	char path[RB_PATH_MAX], id[RB_PATH_MAX + 64], ids[4 * (RB_PATH_MAX + 64)] = "";
	size_t i;
	int ret;

	for (i = 0; i < (corpus_is_wordnet(spec) ? N_WORDNET_FILES : 1); i++) {
		if (corpus_is_wordnet(spec))
			snprintf(path, sizeof(path), "%s/%s", CORPUS_WORDNET_DIR, wordnet_files[i].file);
		else if (import__resolve(spec, spec->dataset_corpus, path, sizeof(path)))
			return -ENAMETOOLONG;
		ret = import__identity("dataset.corpus", path, id, sizeof(id), err, errlen);
		if (ret)
			return ret;
		snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%s", i ? "," : "", id);
	}
	snprintf(buf, len, "generator=corpus corpus=v%d textembed=%u/%d source=%s chunk_size=%lld "
		 "dim=%lld n=%lld queries=%lld seed=%lld gt_k=%d", CORPUS_VERSION, TEXTEMBED_BUCKETS,
		 TEXTEMBED_FANOUT, ids, (long long)spec->dataset_chunk_size,
		 (long long)spec->dataset_dim, (long long)spec->dataset_n,
		 (long long)spec->dataset_queries, (long long)spec->dataset_seed, RB_GT_K);
	return 0;
}

/* ---- build ------------------------------------------------------------------------- */

struct corpus_build {
	const struct rb_dataset_spec *spec;
	struct chunkstore_writer *w;
	struct textembed *te;
	struct chunker ch;
	uint32_t doc;
	char *err;
	size_t errlen;
};

/* A finished chunk: store it, count its features; 1 once dataset.n chunks exist. */
static int on_chunk(void *arg, const char *text, size_t len, uint32_t first_doc, uint32_t n_docs)
{
	struct corpus_build *b = arg;
	int ret = chunkstore__append(b->w, text, len, first_doc, n_docs, b->err, b->errlen);

	if (!ret)
		ret = textembed__count(b->te, text, len);
	if (!ret && chunkstore__written(b->w) >= (uint64_t)b->spec->dataset_n)
		return 1;
	return ret;
}

static int on_para(void *arg, const char *text, size_t len)
{
	struct corpus_build *b = arg;

	return chunker__add(&b->ch, text, len, b->doc++);
}

/* Pass 1: corpus -> chunks.dat + chunks.idx, and the document frequencies. */
static int write_chunks(struct corpus_build *b, const char *dat, const char *idx)
{
	const struct rb_dataset_spec *spec = b->spec;
	char path[RB_PATH_MAX];
	int ret;

	if ((ret = chunkstore__create(&b->w, dat, idx, b->err, b->errlen)))
		return ret;
	ret = chunker__init(&b->ch, (size_t)spec->dataset_chunk_size, on_chunk, b);
	if (!ret && corpus_is_wordnet(spec)) {
		ret = corpus__read_wordnet(CORPUS_WORDNET_DIR, on_para, b, b->err, b->errlen);
	} else if (!ret) {
		ret = import__resolve(spec, spec->dataset_corpus, path, sizeof(path));
		if (!ret)
			ret = corpus__read_text(path, on_para, b, b->err, b->errlen);
	}
	if (!ret && chunkstore__written(b->w) < (uint64_t)spec->dataset_n)
		ret = chunker__finish(&b->ch);
	chunker__free(&b->ch);
	if (ret < 0 || chunkstore__written(b->w) == 0) {
		if (!ret)
			snprintf(b->err, b->errlen, "dataset.corpus: %s: no text", spec->dataset_corpus);
		chunkstore__abort(b->w);
		return ret < 0 ? ret : -EINVAL;
	}
	return chunkstore__commit(b->w, b->err, b->errlen);
}

/* The committed chunks.dat, whole, for pass 2 and the queries. */
static int load_dat(const char *dat, const struct chunkstore *cs, char **out, char *err,
		    size_t errlen)
{
	FILE *f = fopen(dat, "r");
	char *buf = malloc(cs->dat_bytes + 1);
	int ret = 0;

	if (!f || !buf || fread(buf, 1, cs->dat_bytes, f) != cs->dat_bytes) {
		snprintf(err, errlen, "%s: cannot read back", dat);
		ret = -EIO;
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	*out = buf;
	return ret;
}

/* Pass 2: every chunk's embedding into base.fvecs. */
static int embed_chunks(struct corpus_build *b, const struct chunkstore *cs, const char *text,
			const char *path)
{
	int64_t dim = b->spec->dataset_dim;
	float *x = malloc(sizeof(float) * EMBED_BLOCK * dim);
	struct vecio_writer *w = NULL;
	uint64_t i, k = 0;
	int ret = -ENOMEM;

	if (!x || (ret = vecio__create(&w, path, VECIO_FVECS, dim, b->err, b->errlen)))
		goto cleanup;
	for (i = 0; i < cs->count && !ret; i++) {
		ret = textembed__embed(b->te, text + cs->recs[i].offset, cs->recs[i].len, x + k * dim);
		if (!ret && (++k == EMBED_BLOCK || i + 1 == cs->count)) {
			ret = vecio__append(w, x, (int64_t)k, b->err, b->errlen);
			k = 0;
		}
	}
	if (!ret)
		ret = vecio__commit(w, b->err, b->errlen);
	else
		vecio__abort(w);
cleanup:
	free(x);
	return ret;
}

struct query_set {
	float *x;          /* nq * dim */
	int32_t *src;      /* nq source chunk ids */
	FILE *txt;         /* queries.txt */
};

/* Query i: a uniformly picked chunk's perturbed sentence, seeded by (seed, i). */
static int make_queries(struct corpus_build *b, const struct chunkstore *cs, const char *text,
			struct query_set *qs)
{
	int64_t i, nq = b->spec->dataset_queries, dim = b->spec->dataset_dim;
	char q[QUERY_MAX];
	uint64_t rng;
	size_t n;
	int ret = 0;

	for (i = 0; i < nq && !ret; i++) {
		rng = (uint64_t)b->spec->dataset_seed * 0x100000001b3ULL + (uint64_t)i;
		qs->src[i] = (int32_t)(mix64(&rng) % cs->count);
		n = corpus__make_query(text + cs->recs[qs->src[i]].offset, cs->recs[qs->src[i]].len,
				       mix64(&rng), q, sizeof(q));
		ret = textembed__embed(b->te, q, n, qs->x + i * dim);
		if (!ret && fprintf(qs->txt, "%d\t%s\n", qs->src[i], q) < 0)
			ret = -EIO;
	}
	return ret;
}

/* queries.fvecs, query_chunks.ivecs, queries.txt */
static int write_queries(struct corpus_build *b, const struct chunkstore *cs, const char *text,
			 const char *dir)
{
	int64_t nq = b->spec->dataset_queries, dim = b->spec->dataset_dim;
	struct query_set qs = { 0 };
	char path[RB_PATH_MAX];
	int ret = -ENOMEM;

	qs.x = malloc(sizeof(float) * nq * dim);
	qs.src = malloc(sizeof(int32_t) * nq);
	if (!qs.x || !qs.src || (ret = fsutil__join(path, sizeof(path), dir, "queries.txt")))
		goto cleanup;
	qs.txt = fopen(path, "w");
	if (!qs.txt) {
		ret = -errno;
		snprintf(b->err, b->errlen, "%s: cannot create: %s", path, strerror(-ret));
		goto cleanup;
	}
	if ((ret = make_queries(b, cs, text, &qs)) ||
	    (ret = fsutil__join(path, sizeof(path), dir, "queries.fvecs")) ||
	    (ret = vecio__save(path, VECIO_FVECS, qs.x, nq, dim, b->err, b->errlen)) ||
	    (ret = fsutil__join(path, sizeof(path), dir, "query_chunks.ivecs")))
		goto cleanup;
	ret = vecio__save(path, VECIO_IVECS, qs.src, nq, 1, b->err, b->errlen);
cleanup:
	if (qs.txt && fclose(qs.txt) && !ret)
		ret = -EIO;
	free(qs.x);
	free(qs.src);
	return ret;
}

int corpus__build(const struct rb_dataset_spec *spec, const char *dir, struct import_info *info,
		  char *err, size_t errlen)
{
	struct corpus_build b = { .spec = spec, .err = err, .errlen = errlen };
	char dat[RB_PATH_MAX], idx[RB_PATH_MAX], base[RB_PATH_MAX];
	struct chunkstore cs = { 0 };
	char *text = NULL;
	int ret;

	memset(info, 0, sizeof(*info));
	if ((ret = fsutil__join(dat, sizeof(dat), dir, "chunks.dat")) ||
	    (ret = fsutil__join(idx, sizeof(idx), dir, "chunks.idx")) ||
	    (ret = fsutil__join(base, sizeof(base), dir, "base.fvecs")) ||
	    (ret = textembed__new(&b.te, spec->dataset_dim, (uint64_t)spec->dataset_seed)))
		return ret;
	if ((ret = write_chunks(&b, dat, idx)) ||
	    (ret = chunkstore__open(&cs, dat, idx, err, errlen)) ||
	    (ret = load_dat(dat, &cs, &text, err, errlen)) ||
	    (ret = embed_chunks(&b, &cs, text, base)) ||
	    (ret = write_queries(&b, &cs, text, dir)))
		goto cleanup;
	info->n = (int64_t)cs.count;
	info->nq = spec->dataset_queries;
	info->dim = spec->dataset_dim;
	fprintf(stderr, "rabench: corpus %s: %llu chunks, %llu bytes\n", spec->dataset_corpus,
		(unsigned long long)cs.count, (unsigned long long)cs.dat_bytes);
cleanup:
	free(text);
	chunkstore__close(&cs);
	textembed__free(b.te);
	return ret;
}
