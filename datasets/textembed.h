/*
 * textembed — a deterministic text embedding in plain C, so a real corpus can be
 * searched without a model: TF-IDF over hashed word unigrams and bigrams,
 * projected to a dense vector by a fixed seeded random projection, L2-normalised.
 *
 *   tokens    runs of ASCII letters/digits (lower-cased) and bytes >= 0x80
 *   features  XXH64(token) and XXH64(token " " next token), seeded, into
 *             TEXTEMBED_BUCKETS buckets (collisions are accepted)
 *   weight    (1 + ln tf) * idf, idf = ln((1 + N) / (1 + df)) + 1 over the N
 *             documents counted with textembed__count (the chunks)
 *   project   each bucket adds +-weight/2 to TEXTEMBED_FANOUT output dimensions
 *             chosen (with their signs) by a seeded hash of the bucket: a sparse
 *             Achlioptas-style random projection that needs no stored matrix
 *
 * It is bag-of-words: texts that share (rare) words and word pairs land close
 * together; synonyms, paraphrases and meaning do not. Same text, seed and
 * document counts => bit-identical vector; a text with no token maps to the unit
 * vector e0.
 */
#ifndef RB_TEXTEMBED_H
#define RB_TEXTEMBED_H

#include <stddef.h>
#include <stdint.h>

#define TEXTEMBED_BUCKETS (1u << 18)
#define TEXTEMBED_FANOUT 4

struct textembed;

/* A new embedder for dim output dimensions; no documents counted yet. */
int textembed__new(struct textembed **out, int64_t dim, uint64_t seed);
void textembed__free(struct textembed *te);

/* Count one document's distinct features into the document frequencies. */
int textembed__count(struct textembed *te, const char *text, size_t len);

/* Embed text into out[dim] (unit length) with the idf of the documents counted so far. */
int textembed__embed(struct textembed *te, const char *text, size_t len, float *out);

/* Number of documents counted. */
uint64_t textembed__docs(const struct textembed *te);

#endif
