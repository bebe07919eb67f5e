/*
 * corpus — dataset.generator: corpus. A real text corpus becomes a chunk store
 * and its embeddings, so the RAG workloads read real, variable-length text:
 *
 *   dataset.corpus: wordnet   the glosses of WordNet 3.0 (Debian package
 *                             wordnet-base, /usr/share/wordnet/data.{noun,verb,
 *                             adj,adv}): one paragraph per synset, "lemma, lemma
 *                             (noun): gloss; \"example\""
 *   dataset.corpus: PATH      a plain-text file (relative to the config's folder);
 *                             paragraphs are separated by blank lines
 *
 * The paragraphs, in corpus order, are cut into chunks of at most
 * dataset.chunk_size bytes (chunkstore.h) until dataset.n chunks exist or the
 * corpus ends. Each chunk is embedded with textembed (dataset.dim, dataset.seed)
 * into base.fvecs. Query i picks a chunk uniformly (seeded by dataset.seed and
 * i), takes one of its sentences and perturbs it (drops and swaps a few words);
 * the query's vector is its embedding, and the chunk it came from is stored in
 * query_chunks.ivecs, so relevance is known. queries.txt keeps the query texts.
 */
#ifndef RB_CORPUS_H
#define RB_CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include "import.h"

#define CORPUS_WORDNET_DIR "/usr/share/wordnet"

/* Called for every paragraph; a positive return stops the reader (enough read). */
typedef int (*corpus_para_fn)(void *arg, const char *text, size_t len);

int corpus__read_wordnet(const char *dir, corpus_para_fn fn, void *arg, char *err,
			 size_t errlen);
int corpus__read_text(const char *path, corpus_para_fn fn, void *arg, char *err, size_t errlen);

/*
 * A query made from chunk text: one of its sentences of at least 4 words (at
 * most a 32-word window of it), about a fifth of the words dropped and a few
 * neighbours swapped; the same seed gives the same query. Returns its length.
 */
size_t corpus__make_query(const char *chunk, size_t len, uint64_t seed, char *out,
			  size_t outlen);

/* The canonical parameter text of a corpus dataset (its cache key). */
int corpus__canonical(const struct rb_dataset_spec *spec, char *buf, size_t len, char *err,
		      size_t errlen);

/*
 * Write dir/chunks.dat, chunks.idx, base.fvecs, queries.fvecs,
 * query_chunks.ivecs and queries.txt.
 */
int corpus__build(const struct rb_dataset_spec *spec, const char *dir, struct import_info *info,
		  char *err, size_t errlen);

#endif
