/*
 * test_chunkstore — the chunk store and the text corpus pipeline: what is fetched
 * (pread and mmap, through the workloads' chunk_io) is exactly what was stored and
 * a corrupted byte is caught; the offsets table's errors name the file; chunk
 * boundaries (packing, sentence cuts, hard cuts, the size bound, metadata); the
 * embedding is deterministic and unit length; queries are reproducible sentences
 * of their chunk; and a tiny corpus dataset prepares end to end. Files live under
 * build/ (ext4), not /tmp.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datasets/chunkstore.h"
#include "datasets/corpus.h"
#include "datasets/dataset.h"
#include "harness/dataset_spec.h"
#include "datasets/textembed.h"
#include "workloads/chunk_io.h"
#include "tests/flip.h"

#define N_CHUNKS 300

struct fixture {
	char dir[64];
	char dat[128], idx[128];
	char *text[N_CHUNKS];
	size_t len[N_CHUNKS];
	char err[RB_ERR_MAX];
};

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	mkdir("build", 0755);
	strcpy(f->dir, "build/test-chunkstore-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->dat, sizeof(f->dat), "%s/chunks.dat", f->dir);
	snprintf(f->idx, sizeof(f->idx), "%s/chunks.idx", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int i;

	for (i = 0; i < N_CHUNKS; i++)
		free(f->text[i]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* N_CHUNKS chunks of 1..3000 random bytes (any byte value) into dat + idx. */
static void write_store(struct fixture *f)
{
	struct chunkstore_writer *w;
	uint64_t s = 12345;
	size_t i, j;

	assert_int_equal(chunkstore__create(&w, f->dat, f->idx, f->err, sizeof(f->err)), 0);
	for (i = 0; i < N_CHUNKS; i++) {
		free(f->text[i]);
		f->len[i] = 1 + rng_next(&s) % 3000;
		f->text[i] = malloc(f->len[i]);
		assert_non_null(f->text[i]);
		for (j = 0; j < f->len[i]; j++)
			f->text[i][j] = (char)rng_next(&s);
		assert_int_equal(chunkstore__append(w, f->text[i], f->len[i], (uint32_t)i, 1, f->err,
						    sizeof(f->err)), 0);
	}
	/* nothing under the final names until commit */
	assert_int_equal(access(f->dat, F_OK), -1);
	assert_int_equal(chunkstore__commit(w, f->err, sizeof(f->err)), 0);
}

static void test_store_round_trip(void **state)
{
	struct fixture *f = *state;
	struct chunkstore cs;
	FILE *fp;
	char *buf = malloc(3000);
	uint64_t i;

	write_store(f);
	assert_int_equal(chunkstore__open(&cs, f->dat, f->idx, f->err, sizeof(f->err)), 0);
	assert_int_equal(cs.count, N_CHUNKS);
	fp = fopen(f->dat, "r");
	assert_non_null(fp);
	for (i = 0; i < cs.count; i++) {
		assert_int_equal(cs.recs[i].len, f->len[i]);
		assert_int_equal(cs.recs[i].first_doc, i);
		assert_int_equal(fseek(fp, (long)cs.recs[i].offset, SEEK_SET), 0);
		assert_int_equal(fread(buf, 1, f->len[i], fp), f->len[i]);
		assert_memory_equal(buf, f->text[i], f->len[i]);
		assert_int_equal(chunkstore__verify(&cs, i, buf, f->len[i]), 0);
		buf[0] ^= 1;
		assert_int_equal(chunkstore__verify(&cs, i, buf, f->len[i]), -EBADMSG);
	}
	assert_int_equal(chunkstore__verify(&cs, cs.count, buf, 1), -EBADMSG);
	fclose(fp);
	free(buf);
	chunkstore__close(&cs);
}

/* Fetch every chunk through the workloads' chunk_io (io = "pread" or "mmap"). */
static void fetch_all(struct fixture *f, const char *io)
{
	struct rb_workload_params wp = { 0 };
	struct rb_dataset ds = { 0 };
	struct rb_workload w = { 0 };
	struct chunk_io c;
	struct chunk_buf b;
	int64_t ids[4];
	int i, j;

	snprintf(wp.chunk_io, sizeof(wp.chunk_io), "%s", io);
	snprintf(wp.chunk_store, sizeof(wp.chunk_store), "file");
	snprintf(ds.chunks_path, sizeof(ds.chunks_path), "%s", f->dat);
	snprintf(ds.chunks_idx_path, sizeof(ds.chunks_idx_path), "%s", f->idx);
	assert_int_equal(chunk_io__open(&c, &w, 1, &wp, &ds, 4, f->err, sizeof(f->err)), 0);
	assert_true(!strcmp(io, "mmap") ? w.files[1].map && w.files[1].fd < 0 :
					  !w.files[1].map && w.files[1].fd >= 0);
	assert_int_equal(chunk_buf__init(&b, &c, &w), 0);
	for (i = 0; i + 4 <= N_CHUNKS; i += 4) {
		/* out of order, as a search returns them */
		for (j = 0; j < 4; j++)
			ids[j] = N_CHUNKS - 1 - (i + j);
		assert_int_equal(chunk_io__fetch(&c, &w, &b, ids, 4), 0);
		for (j = 0; j < 4; j++)
			assert_memory_equal(b.buf + (size_t)j * c.max_len, f->text[ids[j]],
					    f->len[ids[j]]);
		assert_int_equal(chunk_io__extents(&c, &b, ids, 4), 4);
		assert_int_equal(b.extents[0].file, 1);
		assert_int_equal(b.extents[0].len, f->len[ids[0]]);
	}
	ids[0] = -1;   /* fewer hits than k: skipped */
	assert_int_equal(chunk_io__fetch(&c, &w, &b, ids, 1), 0);
	ids[0] = N_CHUNKS;
	assert_int_equal(chunk_io__fetch(&c, &w, &b, ids, 1), -ERANGE);
	chunk_buf__free(&b, &w, &c);
	chunk_io__close(&c, &w);
}

static void test_fetch_pread_mmap_and_corruption(void **state)
{
	struct fixture *f = *state;
	struct rb_workload_params wp = { 0 };
	struct rb_dataset ds = { 0 };
	struct rb_workload w = { 0 };
	struct chunk_io c;
	struct chunk_buf b;
	int64_t id = 7;
	int m;

	write_store(f);
	fetch_all(f, "pread");
	fetch_all(f, "mmap");
	/* one byte of chunk 7 changes on disk: both paths refuse it */
	flip_byte(f->dat, 0);
	for (m = 0; m < 2; m++) {
		snprintf(wp.chunk_io, sizeof(wp.chunk_io), m ? "mmap" : "pread");
		snprintf(wp.chunk_store, sizeof(wp.chunk_store), "file");
		snprintf(ds.chunks_path, sizeof(ds.chunks_path), "%s", f->dat);
		snprintf(ds.chunks_idx_path, sizeof(ds.chunks_idx_path), "%s", f->idx);
		assert_int_equal(chunk_io__open(&c, &w, 0, &wp, &ds, 1, f->err, sizeof(f->err)), 0);
		assert_int_equal(chunk_buf__init(&b, &c, &w), 0);
		id = 0;
		assert_int_equal(chunk_io__fetch(&c, &w, &b, &id, 1), -EBADMSG);
		id = 1;
		assert_int_equal(chunk_io__fetch(&c, &w, &b, &id, 1), 0);
		chunk_buf__free(&b, &w, &c);
		chunk_io__close(&c, &w);
	}
}

static void expect_open_error(struct fixture *f, const char *needle)
{
	struct chunkstore cs;

	assert_int_not_equal(chunkstore__open(&cs, f->dat, f->idx, f->err, sizeof(f->err)), 0);
	if (!strstr(f->err, needle))
		fail_msg("error '%s' lacks '%s'", f->err, needle);
}

static void test_bad_store(void **state)
{
	struct fixture *f = *state;
	char cmd[512];

	write_store(f);
	/* chunks.dat shorter than the table says */
	assert_int_equal(truncate(f->dat, 100), 0);
	expect_open_error(f, f->idx);
	expect_open_error(f, "but");
	/* a table cut in the middle of a record */
	unlink(f->dat);
	unlink(f->idx);
	write_store(f);
	snprintf(cmd, sizeof(cmd), "truncate -s -5 '%s'", f->idx);
	assert_int_equal(system(cmd), 0);
	expect_open_error(f, f->idx);
	/* not a chunk index */
	assert_int_equal(truncate(f->idx, 0), 0);
	expect_open_error(f, "not a chunk index");
	unlink(f->idx);
	expect_open_error(f, "cannot open");
}

/* ---- chunking ---- */

struct got {
	char text[64][256];
	size_t len[64];
	uint32_t first[64], n_docs[64];
	int n;
};

static int collect(void *arg, const char *text, size_t len, uint32_t first_doc, uint32_t n_docs)
{
	struct got *g = arg;

	assert_true(g->n < 64);
	assert_true(len < 256);
	memcpy(g->text[g->n], text, len);
	g->text[g->n][len] = '\0';
	g->len[g->n] = len;
	g->first[g->n] = first_doc;
	g->n_docs[g->n] = n_docs;
	g->n++;
	return 0;
}

static void add(struct chunker *c, const char *s, uint32_t doc)
{
	assert_int_equal(chunker__add(c, s, strlen(s), doc), 0);
}

static void test_chunk_boundaries(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	struct chunker c;
	int i;

	(void)state;
	assert_int_equal(chunker__init(&c, 64, collect, g), 0);
	add(&c, "First paragraph.", 0);                          /* 16 bytes */
	add(&c, "  Second one, with spaces around.  ", 1);       /* 31 after trimming */
	add(&c, "Third paragraph is longer now.", 2);            /* does not fit: new chunk */
	add(&c, "", 3);                                          /* empty: nothing */
	/* 100 bytes with sentence ends: cut after the last one (<= 64) in the second half */
	add(&c, "Alpha beta gamma delta epsilon zeta. Eta theta iota kappa lambda mu. "
		"Nu xi omicron pi rho sigma tau.", 4);
	add(&c, "Supercalifragilisticexpialidocious_is_a_single_word_of_eighty_bytes_"
		"withoutspaces", 5);
	assert_int_equal(chunker__finish(&c), 0);
	chunker__free(&c);

	assert_string_equal(g->text[0], "First paragraph.\nSecond one, with spaces around.");
	assert_int_equal(g->first[0], 0);
	assert_int_equal(g->n_docs[0], 2);
	assert_string_equal(g->text[1], "Third paragraph is longer now.");
	assert_int_equal(g->first[1], 2);
	assert_int_equal(g->n_docs[1], 1);
	assert_string_equal(g->text[2], "Alpha beta gamma delta epsilon zeta.");
	assert_int_equal(g->first[2], 4);
	/* the rest of paragraph 4 starts a chunk the no-space word cannot join */
	assert_string_equal(g->text[3], "Eta theta iota kappa lambda mu. Nu xi omicron pi rho sigma "
			    "tau.");
	assert_int_equal(g->first[3], 4);
	assert_int_equal(g->len[4], 64);                         /* hard cut at the target */
	assert_memory_equal(g->text[4], "Supercalifragilisticexpialidocious_is_a_single_word_of_"
			    "eighty_by", 64);
	assert_string_equal(g->text[5], "tes_withoutspaces");
	assert_int_equal(g->first[5], 5);
	assert_int_equal(g->n, 6);
	for (i = 0; i < g->n; i++)
		assert_true(g->len[i] > 0 && g->len[i] <= 64);
	free(g);
}

/* A long paragraph without sentence ends is cut at spaces, every piece <= target. */
static void test_chunk_space_cuts(void **state)
{
	struct got *g = calloc(1, sizeof(*g));
	char para[600], joined[700] = "";
	struct chunker c;
	int i;

	(void)state;
	for (i = 0, para[0] = '\0'; strlen(para) < 500; i++)
		sprintf(para + strlen(para), "%sword%d", i ? " " : "", i);
	assert_int_equal(chunker__init(&c, 100, collect, g), 0);
	add(&c, para, 9);
	assert_int_equal(chunker__finish(&c), 0);
	chunker__free(&c);
	assert_true(g->n >= 5);
	for (i = 0; i < g->n; i++) {
		assert_true(g->len[i] <= 100 && (i == g->n - 1 || g->len[i] > 50));
		assert_true(g->text[i][0] != ' ' && g->text[i][g->len[i] - 1] != ' ');
		sprintf(joined + strlen(joined), "%s%s", i ? " " : "", g->text[i]);
	}
	assert_string_equal(joined, para);   /* no word lost or split */
	free(g);
}

/* ---- embedding ---- */

static double dot(const float *a, const float *b, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += (double)a[i] * b[i];
	return s;
}

static void test_embedding_deterministic_unit(void **state)
{
	static const char *docs[] = {
		"the cat sat on the mat", "a dog barked at the postman",
		"quantum chromodynamics describes the strong interaction",
		"the cat chased the dog around the garden",
	};
	const char *q = "the cat sat on a mat";
	struct textembed *a, *b, *c;
	float x[64], y[64], z[64], e[64];
	size_t i;

	(void)state;
	assert_int_equal(textembed__new(&a, 64, 7), 0);
	assert_int_equal(textembed__new(&b, 64, 7), 0);
	assert_int_equal(textembed__new(&c, 64, 8), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(textembed__count(a, docs[i], strlen(docs[i])), 0);
		assert_int_equal(textembed__count(b, docs[i], strlen(docs[i])), 0);
		assert_int_equal(textembed__count(c, docs[i], strlen(docs[i])), 0);
	}
	assert_int_equal(textembed__docs(a), 4);
	assert_int_equal(textembed__embed(a, q, strlen(q), x), 0);
	assert_int_equal(textembed__embed(b, q, strlen(q), y), 0);
	assert_memory_equal(x, y, sizeof(x));                   /* same text, same vector */
	assert_true(fabs(dot(x, x, 64) - 1.0) < 1e-5);           /* unit length */
	/* case and punctuation are not features */
	assert_int_equal(textembed__embed(b, "THE cat, sat on... a MAT!", 25, y), 0);
	assert_memory_equal(x, y, sizeof(x));
	assert_int_equal(textembed__embed(c, q, strlen(q), z), 0);
	assert_memory_not_equal(x, z, sizeof(x));                /* the seed matters */
	/* closest to the document it shares words with */
	assert_int_equal(textembed__embed(a, docs[0], strlen(docs[0]), y), 0);
	assert_int_equal(textembed__embed(a, docs[2], strlen(docs[2]), z), 0);
	assert_true(dot(x, y, 64) > dot(x, z, 64) + 0.2);
	/* no token at all: the unit vector e0 */
	assert_int_equal(textembed__embed(a, " ;; ", 4, e), 0);
	assert_true(e[0] == 1.0f && fabs(dot(e, e, 64) - 1.0) < 1e-6);
	textembed__free(a);
	textembed__free(b);
	textembed__free(c);
}

/* ---- queries ---- */

static void test_query_from_chunk(void **state)
{
	const char *chunk = "cat (noun): feline mammal usually having thick soft fur and no "
			    "ability to roar; \"cats are good pets\"\nhi.\n";
	char q1[256], q2[256], word[64];
	const char *p;
	size_t n1, n2;
	int n, words = 0;

	(void)state;
	n1 = corpus__make_query(chunk, strlen(chunk), 99, q1, sizeof(q1));
	n2 = corpus__make_query(chunk, strlen(chunk), 99, q2, sizeof(q2));
	assert_int_equal(n1, n2);
	assert_string_equal(q1, q2);
	assert_true(n1 > 0 && n1 == strlen(q1));
	/* every word of the query is a word of the chunk; at least 3 kept */
	for (p = q1; sscanf(p, "%63s%n", word, &n) == 1; p += n, words++)
		assert_non_null(strstr(chunk, word));
	assert_true(words >= 3);
	corpus__make_query(chunk, strlen(chunk), 100, q2, sizeof(q2));
	/* a short output buffer is never overrun */
	n1 = corpus__make_query(chunk, strlen(chunk), 99, q2, 8);
	assert_true(n1 < 8 && strlen(q2) == n1);
}

/* ---- a corpus dataset end to end ---- */

static int count_para(void *arg, const char *text, size_t len)
{
	(void)text;
	(void)len;
	++*(int *)arg;
	return 0;
}

static void write_corpus(const char *path, int paras)
{
	static const char *const words[] = {
		"river", "mountain", "engine", "protein", "melody", "harbour", "theorem", "glacier",
		"lantern", "orchard", "circuit", "planet", "violin", "desert", "compiler", "falcon",
	};
	FILE *fp = fopen(path, "w");
	uint64_t s = 99;
	int i, j;

	assert_non_null(fp);
	for (i = 0; i < paras; i++) {
		for (j = 0; j < 12; j++)
			fprintf(fp, "%s%s%d", j ? " " : "", words[rng_next(&s) % 16], (int)(rng_next(&s) % 50));
		fprintf(fp, ".\nSecond line of paragraph %d with %s.\n\n", i, words[i % 16]);
	}
	assert_int_equal(fclose(fp), 0);
}

static void test_corpus_dataset(void **state)
{
	struct fixture *f = *state;
	struct rb_config cfg = { 0 };
	struct rb_dataset ds;
	struct chunkstore cs;
	char path[128];
	int paras = 0;
	int64_t q;

	snprintf(path, sizeof(path), "%s/corpus.txt", f->dir);
	write_corpus(path, 800);
	assert_int_equal(corpus__read_text(path, count_para, &paras, f->err, sizeof(f->err)), 0);
	assert_int_equal(paras, 800);
	strcpy(cfg.dataset_generator, "corpus");
	snprintf(cfg.dataset_corpus, sizeof(cfg.dataset_corpus), "%s", path);
	cfg.dataset_chunk_size = 200;
	cfg.dataset_n = 600;        /* a cap below what the corpus gives */
	cfg.dataset_dim = 32;
	cfg.dataset_queries = 40;
	cfg.dataset_seed = 5;
	strcpy(cfg.index_factory, "IVF8,Flat");
	strcpy(cfg.index_kind, "ivf");
	strcpy(cfg.workload_type, "rag");
	cfg.index_train_size = 600;
	cfg.workload_k = 10;
	cfg.workload_queries = 40;
	snprintf(cfg.cache_dir, sizeof(cfg.cache_dir), "%s/cache", f->dir);
	if (dataset_spec__prepare(&cfg, &ds, f->err, sizeof(f->err)))
		fail_msg("prepare: %s", f->err);
	assert_int_equal(ds.n, 600);
	assert_int_equal(ds.nq, 40);
	assert_int_equal(ds.dim, 32);
	assert_non_null(ds.query_chunk);
	assert_int_equal(chunkstore__open(&cs, ds.chunks_path, ds.chunks_idx_path, f->err,
					  sizeof(f->err)), 0);
	assert_int_equal(cs.count, 600);
	for (q = 0; q < ds.nq; q++) {
		assert_true(ds.query_chunk[q] >= 0 && ds.query_chunk[q] < 600);
		assert_true(ds.gt[q * ds.gt_k] >= 0 && ds.gt[q * ds.gt_k] < 600);
	}
	for (q = 0; q < (int64_t)cs.count; q++)
		assert_true(cs.recs[q].len <= 200);
	chunkstore__close(&cs);
	dataset__free(&ds);
	/* reused, not rebuilt */
	assert_int_equal(dataset_spec__prepare(&cfg, &ds, f->err, sizeof(f->err)), 0);
	assert_int_equal(ds.reused_dataset, 1);
	assert_int_equal(ds.reused_index, 1);
	dataset__free(&ds);
	/* a missing corpus names the key */
	snprintf(cfg.dataset_corpus, sizeof(cfg.dataset_corpus), "%s/none.txt", f->dir);
	assert_int_not_equal(dataset_spec__prepare(&cfg, &ds, f->err, sizeof(f->err)), 0);
	assert_non_null(strstr(f->err, "dataset.corpus"));
	assert_non_null(strstr(f->err, "none.txt"));
	dataset__free(&ds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_pread_mmap_and_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_store, setup, teardown),
		cmocka_unit_test(test_chunk_boundaries),
		cmocka_unit_test(test_chunk_space_cuts),
		cmocka_unit_test(test_embedding_deterministic_unit),
		cmocka_unit_test(test_query_from_chunk),
		cmocka_unit_test_setup_teardown(test_corpus_dataset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
