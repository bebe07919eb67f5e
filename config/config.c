/*
 * config — read a run configuration from YAML (libyaml's document API) or from
 * `--set key=value` into struct rb_config. Every key is one row of
 * rb_config_keys[]; one set of value parsers serves the file, --set and the
 * defaults, so the three can never disagree. Nested mappings become dotted
 * keys ("dataset: {n: 5}" is "dataset.n"). Nothing is printed and nothing
 * exits here: errors go to the caller's buffer as
 * "FILE:LINE:COL: KEY: what is wrong (got 'VALUE'; expected ...)".
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config.h"
#include "lib/memcg.h"

#define OFF(f) offsetof(struct rb_config, f)
#define SZ(f) sizeof(((struct rb_config *)0)->f)

/* Room for every row of the table; checked below, where the table's size is known. */
#define RB_CFG_MAX_KEYS 64
/* Longest dotted key we build while walking nested mappings. */
#define RB_KEY_MAX 128
/* Longest value shown back in a message; the rest becomes "...". */
#define RB_SHOW_MAX 48

/*
 * Adding an allowed value (a workload, a strategy) is a one-line change to the
 * matching string here.
 */
/* flags is 0 for all but the write folders: leave it out of the other entries */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
const struct rb_key rb_config_keys[] = {
	{ "name", RB_KEY_STR, OFF(name), SZ(name), "ivf", 0, 0, NULL,
	  "Run name; results go to the folder run.results_dir/NAME/. Letters, digits, '.', '_' and '-' only" },

	{ "dataset.generator", RB_KEY_ENUM, OFF(dataset_generator), SZ(dataset_generator),
	  "synthetic", 0, 0, "synthetic|import|fashion-mnist|corpus",
	  "How the vectors are made: synthetic = Gaussian clusters around random centres; import = read from dataset.base/queries_file/groundtruth; fashion-mnist = the IDX files of Debian's dataset-fashion-mnist (train = base, t10k = queries); corpus = a text corpus cut into a chunk store and embedded (dataset.corpus, dataset.chunk_size)" },
	{ "dataset.n", RB_KEY_INT, OFF(dataset_n), 0, "1000000", 1000, 200000000, NULL,
	  "Number of base vectors in the index (k = 1000, M = 10^6, G = 10^9)" },
	{ "dataset.dim", RB_KEY_INT, OFF(dataset_dim), 0, "128", 2, 4096, NULL,
	  "Dimensions per vector (float32)" },
	{ "dataset.clusters", RB_KEY_INT, OFF(dataset_clusters), 0, "256", 1, 1000000, NULL,
	  "Number of Gaussian clusters the generator draws vectors from; at most dataset.n" },
	{ "dataset.queries", RB_KEY_INT, OFF(dataset_queries), 0, "1000", 1, 1000000, NULL,
	  "Held-out query vectors generated (with exact ground truth); at least workload.queries" },
	{ "dataset.seed", RB_KEY_INT, OFF(dataset_seed), 0, "42", 0, 4611686018427387904.0, NULL,
	  "Random seed; the same seed and sizes give byte-identical data" },
	{ "dataset.normalize", RB_KEY_BOOL, OFF(dataset_normalize), 0, "true", 0, 0, NULL,
	  "L2-normalise every base and query vector (inner product = cosine)" },
	{ "dataset.spread", RB_KEY_DOUBLE, OFF(dataset_spread), 0, "0.35", 0.001, 10, NULL,
	  "Std-dev of points around their cluster centre, relative to the std-dev of the centres" },
	{ "dataset.base", RB_KEY_STR, OFF(dataset_base), SZ(dataset_base), "", 0, 0, NULL,
	  "import: base vectors, .fvecs/.bvecs/.ivecs (TEXMEX) or .fbin/.u8bin/.ibin (big-ann-benchmarks), the first dataset.n of them; fashion-mnist: the folder of its IDX files (default /usr/share/datasets/fashion-mnist). Relative paths are from the config file's folder" },
	{ "dataset.queries_file", RB_KEY_STR, OFF(dataset_queries_file), SZ(dataset_queries_file),
	  "", 0, 0, NULL,
	  "import: query vectors (same formats and dimension as dataset.base), the first dataset.queries of them" },
	{ "dataset.groundtruth", RB_KEY_STR, OFF(dataset_groundtruth), SZ(dataset_groundtruth),
	  "", 0, 0, NULL,
	  "import: neighbour ids per query (.ivecs or .ibin); empty = computed by brute force" },
	{ "dataset.corpus", RB_KEY_STR, OFF(dataset_corpus), SZ(dataset_corpus), "wordnet", 0, 0,
	  NULL,
	  "corpus: wordnet = the WordNet glosses of Debian's wordnet-base, or a plain-text file (paragraphs separated by blank lines)" },
	{ "dataset.chunk_store", RB_KEY_ENUM, OFF(dataset_chunk_store), SZ(dataset_chunk_store),
	  "file", 0, 0, "file|lmdb|sqlite",
	  "corpus: where the chunk text lives: file = rabench's chunks.dat + chunks.idx; lmdb = an LMDB database (key = chunk id, value = text); sqlite = a SQLite table of chunks by integer id. chunk-fetch and rag read it" },
	{ "dataset.chunk_size", RB_KEY_INT, OFF(dataset_chunk_size), 0, "1024", 64, 1048576, NULL,
	  "corpus: chunks hold at most this many bytes (whole paragraphs packed; longer ones cut at sentence ends); dataset.n caps the number of chunks" },

	{ "index.kind", RB_KEY_ENUM, OFF(index_kind), SZ(index_kind), "ivf", 0, 0, "ivf|hnsw",
	  "ivf = a FAISS IVF index with on-disk inverted lists (index.factory); hnsw = an hnswlib HNSW graph whose level 0 (links and vectors) is searched from an mmap of its file (index.hnsw_*)" },
	{ "index.hnsw_m", RB_KEY_INT, OFF(index_hnsw_m), 0, "16", 2, 100, NULL,
	  "hnsw: links per node and level (M; level 0 has 2M)" },
	{ "index.hnsw_ef_construction", RB_KEY_INT, OFF(index_hnsw_ef_construction), 0, "100", 10,
	  2000, NULL,
	  "hnsw: candidates kept while inserting (ef_construction): a better graph for a slower build" },
	{ "index.factory", RB_KEY_STR, OFF(index_factory), SZ(index_factory), "IVF1024,Flat",
	  0, 0, NULL,
	  "FAISS index_factory string; must contain IVF followed by nlist (e.g. OPQ16,IVF1024,PQ16); lists live on disk" },
	{ "index.train_size", RB_KEY_INT, OFF(index_train_size), 0, "65536", 1000, 100000000, NULL,
	  "Base vectors used to train the coarse quantizer; at most dataset.n, at least nlist" },
	{ "index.prefetch_threads", RB_KEY_INT, OFF(index_prefetch_threads), 0, "0", 0, 256, NULL,
	  "Threads of FAISS's own OnDiskInvertedLists prefetcher; 0 = off, so strategies are compared alone" },

	{ "workload.type", RB_KEY_STR, OFF(workload_type), SZ(workload_type), "ivf-search",
	  0, 0, NULL,
	  "What each query does, one of `rabench list workloads`: ivf-search = FAISS search of the on-disk IVF index; hnsw-search = search of the HNSW graph on mmap (index.kind hnsw); flat-scan = exact search by reading the base vectors sequentially (index.* unused); chunk-fetch = read k chunks of the chunk store by id; rag = search either index, then fetch the hits' chunks (chunk-fetch and rag need dataset.generator corpus)" },
	{ "workload.k", RB_KEY_INT, OFF(workload_k), 0, "10", 1, 100, NULL,
	  "Neighbours returned per query; recall@k is measured at this k" },
	{ "workload.nprobe", RB_KEY_INT, OFF(workload_nprobe), 0, "16", 1, 65536, NULL,
	  "Inverted lists scanned per query; at most the factory's nlist" },
	{ "workload.ef_search", RB_KEY_INT, OFF(workload_ef_search), 0, "64", 1, 100000, NULL,
	  "hnsw: candidates kept per search (ef); at least workload.k" },
	{ "workload.queries", RB_KEY_INT, OFF(workload_queries), 0, "500", 1, 1000000, NULL,
	  "Queries run per repeat, the first ones of the dataset's queries" },
	{ "workload.client_timeout", RB_KEY_DOUBLE, OFF(workload_client_timeout), 0, "30", 0.01, 3600, NULL,
	  "With an external client (rabench run CONFIG -- CMD): seconds it may take to answer one query (or batch) before the run fails" },
	{ "workload.batch", RB_KEY_INT, OFF(workload_batch), 0, "1", 1, 1024, NULL,
	  "Queries per search call: ivf-search and rag search this many queries in one FAISS call (as a server batches requests; each query's latency is its batch's); 1 = one at a time. flat-scan and chunk-fetch take 1 only" },
	{ "workload.chunk_io", RB_KEY_ENUM, OFF(workload_chunk_io), SZ(workload_chunk_io), "pread",
	  0, 0, "pread|mmap",
	  "chunk-fetch, rag: read chunks with pread on an fd, or copy them out of an mmap of chunks.dat; with dataset.chunk_store sqlite, mmap sets SQLite's mmap_size to the database's size (pread = SQLite's default, no mmap). LMDB always maps" },
	{ "workload.chunk_ids", RB_KEY_ENUM, OFF(workload_chunk_ids), SZ(workload_chunk_ids),
	  "groundtruth", 0, 0, "groundtruth|uniform",
	  "chunk-fetch: which k chunks a query fetches: its exact k nearest (ground truth), or k picked uniformly (seeded per query)" },
	{ "workload.stream", RB_KEY_ENUM, OFF(workload_stream), SZ(workload_stream), "sequential",
	  0, 0, "sequential|uniform|zipf|replay",
	  "Which query runs i-th: sequential = the first workload.queries in order; uniform = seeded picks; zipf = popularity rank r with probability ~ 1/r^workload.zipf_s (hot queries repeat, so their lists stay cached); replay = ids from workload.replay_file. The same stream for every strategy and repeat" },
	{ "workload.zipf_s", RB_KEY_DOUBLE, OFF(workload_zipf_s), 0, "1", 0, 5, NULL,
	  "Zipf exponent of workload.stream zipf: 0 = uniform, 1 = classic Zipf, larger = more skewed" },
	{ "workload.replay_file", RB_KEY_STR, OFF(workload_replay_file), SZ(workload_replay_file), "",
	  0, 0, NULL,
	  "workload.stream replay: a text file of query ids (0-based, < dataset.queries), one per line, '#' comments; relative to the config file's folder" },

	{ "run.strategies", RB_KEY_STRLIST, OFF(strategies), SZ(strategies[0]),
	  "[default, fadvise-random]", 0, 0, "default|fadvise-random|fadvise-sequential|faiss-prefetch|willneed|bpf-prefetch|readahead-kb",
	  "Readahead strategies to compare, each run run.repeats times, in this order" },
	{ "run.clients", RB_KEY_INTLIST, OFF(run_clients), 0, "[1]", 1, RB_MAX_CLIENTS, NULL,
	  "Concurrent client threads querying one shared instance (index, files, strategy), sharing each repeat's workload.queries; a list is a sweep, e.g. [1, 2, 4, 8]: every strategy runs at every level and the report shows throughput vs clients" },
	{ "run.repeats", RB_KEY_INT, OFF(run_repeats), 0, "3", 1, 1000, NULL,
	  "Repeats per strategy; reports give the median and spread across them" },
	{ "run.cache", RB_KEY_ENUM, OFF(run_cache), SZ(run_cache), "cold", 0, 0, "cold|warm",
	  "Page cache before each repeat: cold = the run's files are evicted, warm = the run's files are read in fully" },
	{ "run.drop_caches", RB_KEY_BOOL, OFF(run_drop_caches), 0, "false", 0, 0, NULL,
	  "With run.cache cold, also write 1 to /proc/sys/vm/drop_caches (root; affects the whole machine)" },
	{ "run.memory_limit", RB_KEY_SIZE, OFF(run_memory_limit), 0, "0", 0, 1099511627776.0, NULL,
	  "Run each repeat in its own memory cgroup (v2 or v1, root) with this limit on page cache and new allocations; 0 = no limit, else at least 32M (K/M/G = KiB/MiB/GiB)" },
	{ "run.readahead_kb", RB_KEY_INT, OFF(run_readahead_kb), 0, "16", 0, 1048576, NULL,
	  "The device's read_ahead_kb under strategy readahead-kb, and under bpf-prefetch for an external client (set before the workload opens its files, restored after, also on Ctrl-C)" },
	{ "run.calibrate", RB_KEY_BOOL, OFF(run_calibrate), 0, "true", 0, 0, NULL,
	  "Describe the block device under the files in the report: 4 KiB random read latency at depth 1, IOPS at depth 32, sequential MB/s, with O_DIRECT (about 3 s, cached a day per device in run.cache_dir)" },
	{ "run.probes", RB_KEY_BOOL, OFF(run_probes), 0, "true", 0, 0, NULL,
	  "Attach the BPF page-cache probes around each repeat's queries (root and BTF; without them the run goes on and the report says why)" },
	{ "run.results_dir", RB_KEY_STR, OFF(results_dir), SZ(results_dir), "results", 0, 0, NULL,
	  "Folder that receives NAME/TIMESTAMP/ for every run; in a config file a relative path without '..' (elsewhere: --set run.results_dir=PATH)",
	  RB_KEY_F_WRITE_DIR },
	{ "run.cache_dir", RB_KEY_STR, OFF(cache_dir), SZ(cache_dir), "datasets/cache", 0, 0, NULL,
	  "Folder for generated datasets and built indexes, reused while their parameters match; in a config file a relative path without '..' (elsewhere: --set run.cache_dir=PATH)",
	  RB_KEY_F_WRITE_DIR },

	{ NULL },
};
#pragma GCC diagnostic pop

_Static_assert(sizeof(rb_config_keys) / sizeof(rb_config_keys[0]) <= RB_CFG_MAX_KEYS,
	       "raise RB_CFG_MAX_KEYS");

/* Where a value came from, for messages: a file position, or just "--set". */
struct where {
	const char *file;
	size_t line, col;   /* 1-based; 0 when there is no position */
};

static void verrf(char *err, size_t errlen, const struct where *w, const char *key,
		  const char *fmt, va_list ap)
{
	int n;

	if (!err || !errlen)
		return;
	if (w->line)
		n = snprintf(err, errlen, "%s:%zu:%zu: %s: ", w->file, w->line, w->col, key);
	else
		n = snprintf(err, errlen, "%s: %s: ", w->file, key);
	if (n < 0 || (size_t)n >= errlen)
		return;
	vsnprintf(err + n, errlen - n, fmt, ap);
}

/* Write "WHERE: KEY: message" to err and return ret. */
__attribute__((format(printf, 6, 7)))
static int errf(int ret, char *err, size_t errlen, const struct where *w, const char *key,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verrf(err, errlen, w, key, fmt, ap);
	va_end(ap);
	return ret;
}

int config__errf(int ret, const struct rb_config *cfg, const char *key, char *err, size_t errlen,
		 const char *fmt, ...)
{
	struct where w = { cfg->source[0] ? cfg->source : "config", 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	verrf(err, errlen, &w, key, fmt, ap);
	va_end(ap);
	return ret;
}

/* A value as shown in a message: bounded, one line, no control characters. */
static const char *show(char *buf, size_t len, const char *s)
{
	size_t i, o = 0;

	for (i = 0; s[i] && o + 1 < len; i++) {
		if (i == RB_SHOW_MAX && o + 4 < len) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		buf[o++] = (char)((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	}
	buf[o] = '\0';
	return buf;
}

/* Is word one of the '|'-separated values in allowed? */
static bool in_allowed(const char *allowed, const char *word)
{
	size_t wl = strlen(word);
	const char *p = allowed;

	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);

		if (l == wl && !memcmp(p, word, l))
			return true;
		p = bar ? bar + 1 : NULL;
	}
	return false;
}

/* "a|b|c" as "a, b, c" (for messages) or "a \| b \| c" (for markdown cells). */
static void list_allowed(const char *allowed, const char *sep, char *buf, size_t len)
{
	size_t o = 0, sl = strlen(sep);

	for (const char *p = allowed; *p; p++) {
		const char *add = *p == '|' ? sep : p;
		size_t n = *p == '|' ? sl : 1;

		if (o + n >= len)
			break;
		memcpy(buf + o, add, n);
		o += n;
	}
	buf[o] = '\0';
}

/* Bytes as the shortest exact text parse_size reads back: 268435456 -> "256M". */
static void format_size(int64_t v, char *buf, size_t len)
{
	static const char units[] = "KMG";
	int u = -1;

	while (u < 2 && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRId64, v);
	else
		snprintf(buf, len, "%" PRId64 "%c", v, units[u]);
}

/* What a key accepts, in words: the "expected ..." part of messages. */
static void describe(const struct rb_key *k, char *buf, size_t len)
{
	char vals[256], lo[32], hi[32];

	switch (k->type) {
	case RB_KEY_INT:
		snprintf(buf, len, "an integer in %" PRId64 "..%" PRId64 ", suffix k/M/G = 10^3/10^6/10^9",
			 (int64_t)k->min, (int64_t)k->max);
		break;
	case RB_KEY_INTLIST:
		snprintf(buf, len, "a list of integers in %" PRId64 "..%" PRId64,
			 (int64_t)k->min, (int64_t)k->max);
		break;
	case RB_KEY_DOUBLE:
		snprintf(buf, len, "a number in %g..%g", k->min, k->max);
		break;
	case RB_KEY_SIZE:
		format_size((int64_t)k->min, lo, sizeof(lo));
		format_size((int64_t)k->max, hi, sizeof(hi));
		snprintf(buf, len, "a size in bytes in %s..%s, suffix K/M/G = KiB/MiB/GiB", lo, hi);
		break;
	case RB_KEY_BOOL:
		snprintf(buf, len, "true or false");
		break;
	case RB_KEY_ENUM:
	case RB_KEY_STRLIST:
		list_allowed(k->allowed, ", ", vals, sizeof(vals));
		snprintf(buf, len, "%s%s", k->type == RB_KEY_STRLIST ? "a list of " : "one of ", vals);
		break;
	case RB_KEY_STR:
	default:
		snprintf(buf, len, "a string of at most %zu bytes", k->len - 1);
		break;
	}
}

/* "WHAT (got 'TEXT'; expected <what the key accepts>)" */
static int bad_value(const struct where *w, const struct rb_key *k, const char *what,
		     const char *text, char *err, size_t errlen)
{
	char exp[320], shown[RB_SHOW_MAX + 8];

	describe(k, exp, sizeof(exp));
	return errf(-EINVAL, err, errlen, w, k->key, "%s (got '%s'; expected %s)", what,
		    show(shown, sizeof(shown), text), exp);
}

/* Decimal integer with an optional k/M/G suffix (powers of ten, never 1024). */
static int parse_int(const char *s, int64_t *out, bool *overflow)
{
	int64_t mult = 1;
	long long v;
	char *end;

	*overflow = false;
	if (!(*s >= '0' && *s <= '9') && !(*s == '-' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		*overflow = true;
		return -ERANGE;
	}
	if (*end == 'k')
		mult = 1000;
	else if (*end == 'M')
		mult = 1000000;
	else if (*end == 'G')
		mult = 1000000000;
	if (mult != 1)
		end++;
	if (*end)
		return -EINVAL;
	if (v > INT64_MAX / mult || v < INT64_MIN / mult) {
		*overflow = true;
		return -ERANGE;
	}
	*out = (int64_t)v * mult;
	return 0;
}

static int set_int(struct rb_config *cfg, const struct rb_key *k, const char *text,
		   const struct where *w, char *err, size_t errlen)
{
	int64_t v;
	bool overflow;

	if (parse_int(text, &v, &overflow))
		return bad_value(w, k, overflow ? "too large for a 64-bit integer" : "not an integer",
				 text, err, errlen);
	/* compare as integers: a double cannot hold every int64 near the top of the range */
	if (v < (int64_t)k->min || v > (int64_t)k->max)
		return bad_value(w, k, "out of range", text, err, errlen);
	*(int64_t *)((char *)cfg + k->offset) = v;
	return 0;
}

/*
 * Bytes with an optional K/M/G suffix meaning KiB/MiB/GiB: memory is sized in
 * powers of two ("256M" is what a user means by a 256 MiB cgroup). "k" is taken
 * as K, since counts elsewhere in the config are written with a lower-case k.
 */
static int parse_size(const char *s, int64_t *out, bool *overflow)
{
	int64_t mult = 1;
	long long v;
	char *end;

	*overflow = false;
	if (!(*s >= '0' && *s <= '9'))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE) {
		*overflow = true;
		return -ERANGE;
	}
	if (*end == 'K' || *end == 'k')
		mult = 1LL << 10;
	else if (*end == 'M')
		mult = 1LL << 20;
	else if (*end == 'G')
		mult = 1LL << 30;
	if (mult != 1)
		end++;
	if (*end)
		return -EINVAL;
	if (v > INT64_MAX / mult) {
		*overflow = true;
		return -ERANGE;
	}
	*out = (int64_t)v * mult;
	return 0;
}

static int set_size(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen)
{
	int64_t v;
	bool overflow;

	if (parse_size(text, &v, &overflow))
		return bad_value(w, k, overflow ? "too large for a 64-bit integer" : "not a size",
				 text, err, errlen);
	if (v < (int64_t)k->min || v > (int64_t)k->max)
		return bad_value(w, k, "out of range", text, err, errlen);
	*(int64_t *)((char *)cfg + k->offset) = v;
	return 0;
}

static int set_double(struct rb_config *cfg, const struct rb_key *k, const char *text,
		      const struct where *w, char *err, size_t errlen)
{
	char *end;
	double v;

	/* strtod would also take leading blanks, hex, "inf" and "nan": none is a config value */
	if (!strchr("0123456789+-.", *text) || strpbrk(text, "xXnN"))
		return bad_value(w, k, "not a number", text, err, errlen);
	errno = 0;
	v = strtod(text, &end);
	if (end == text || *end || errno == ERANGE || !isfinite(v))
		return bad_value(w, k, "not a number", text, err, errlen);
	if (v < k->min || v > k->max)
		return bad_value(w, k, "out of range", text, err, errlen);
	*(double *)((char *)cfg + k->offset) = v;
	return 0;
}

static int set_bool(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen)
{
	static const char *const yes[] = { "true", "yes", "on" }, *const no[] = { "false", "no", "off" };
	bool *dst = (bool *)((char *)cfg + k->offset);

	/* YAML 1.1 booleans, the spelling libyaml users expect */
	for (size_t i = 0; i < 3; i++) {
		if (!strcasecmp(text, yes[i])) {
			*dst = true;
			return 0;
		}
		if (!strcasecmp(text, no[i])) {
			*dst = false;
			return 0;
		}
	}
	return bad_value(w, k, "not a boolean", text, err, errlen);
}

/* Does path stay below the folder it is relative to: not absolute, no ".." part? */
static bool path_confined(const char *path)
{
	const char *p = path;
	size_t n;

	if (*path == '/')
		return false;
	while (*p) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		p += *p == '/';
	}
	return true;
}

static int set_str(struct rb_config *cfg, const struct rb_key *k, const char *text,
		   const struct where *w, char *err, size_t errlen)
{
	char *dst = (char *)cfg + k->offset, shown[RB_SHOW_MAX + 8];
	size_t l = strlen(text);

	/* only a config file is confined: --set on the command line is the user asking */
	if ((k->flags & RB_KEY_F_WRITE_DIR) && w->line && !path_confined(text))
		return errf(-EINVAL, err, errlen, w, k->key,
			    "a config file may only name a folder below the working folder (got '%s'; "
			    "expected a relative path without '..'; to write there, ask on the command "
			    "line: --set %s=%s)", show(shown, sizeof(shown), text), k->key,
			    show(shown, sizeof(shown), text));
	if (k->type == RB_KEY_ENUM && !in_allowed(k->allowed, text))
		return bad_value(w, k, "not allowed", text, err, errlen);
	if (l >= k->len)
		return bad_value(w, k, "too long", text, err, errlen);
	memcpy(dst, text, l + 1);
	return 0;
}

/*
 * Lists are built one item at a time so a YAML sequence can point at the bad
 * item's own line while --set and defaults share the same checks.
 */
static char (*list_items(struct rb_config *cfg, const struct rb_key *k))[RB_NAME_MAX]
{
	return (char (*)[RB_NAME_MAX])((char *)cfg + k->offset);
}

/* One list of each kind: run.strategies (STRLIST) and run.clients (INTLIST). */
static int *list_count(struct rb_config *cfg, const struct rb_key *k)
{
	return k->type == RB_KEY_INTLIST ? &cfg->n_clients : &cfg->n_strategies;
}

static int intlist_add(struct rb_config *cfg, const struct rb_key *k, const char *item,
		       const struct where *w, char *err, size_t errlen)
{
	int64_t *items = (int64_t *)((char *)cfg + k->offset), v;
	int *n = list_count(cfg, k);
	bool overflow;

	if (parse_int(item, &v, &overflow))
		return bad_value(w, k, overflow ? "too large for a 64-bit integer" : "not an integer",
				 item, err, errlen);
	if (v < (int64_t)k->min || v > (int64_t)k->max)
		return bad_value(w, k, "out of range", item, err, errlen);
	for (int i = 0; i < *n; i++)
		if (items[i] == v)
			return errf(-EINVAL, err, errlen, w, k->key,
				    "listed twice (got %" PRId64 " again; expected each entry once)", v);
	if (*n >= RB_MAX_CLIENT_LEVELS) {
		char what[64];

		snprintf(what, sizeof(what), "too many entries (at most %d)", RB_MAX_CLIENT_LEVELS);
		return bad_value(w, k, what, item, err, errlen);
	}
	items[(*n)++] = v;
	return 0;
}

static int list_add(struct rb_config *cfg, const struct rb_key *k, const char *item,
		    const struct where *w, char *err, size_t errlen)
{
	char (*items)[RB_NAME_MAX] = list_items(cfg, k);
	int *n = list_count(cfg, k);

	if (!*item)
		return bad_value(w, k, "empty list entry", item, err, errlen);
	if (k->type == RB_KEY_INTLIST)
		return intlist_add(cfg, k, item, w, err, errlen);
	if (!in_allowed(k->allowed, item))
		return bad_value(w, k, "not allowed", item, err, errlen);
	for (int i = 0; i < *n; i++)
		if (!strcmp(items[i], item))
			return errf(-EINVAL, err, errlen, w, k->key,
				    "listed twice (got '%s' again; expected each entry once)", items[i]);
	if (*n >= RB_MAX_STRATEGIES) {
		char what[64];

		snprintf(what, sizeof(what), "too many entries (at most %d)", RB_MAX_STRATEGIES);
		return bad_value(w, k, what, item, err, errlen);
	}
	if (strlen(item) >= k->len)
		return bad_value(w, k, "too long", item, err, errlen);
	strcpy(items[(*n)++], item);
	return 0;
}

static int list_finish(struct rb_config *cfg, const struct rb_key *k, const struct where *w,
		       char *err, size_t errlen)
{
	if (!*list_count(cfg, k))
		return bad_value(w, k, "empty list", "[]", err, errlen);
	return 0;
}

static void trim(char **s)
{
	char *e;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	e = *s + strlen(*s);
	while (e > *s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
}

/* A list as text: "a,b" or "[a, b]" (--set and the table's defaults). */
static int set_list_text(struct rb_config *cfg, const struct rb_key *k, const char *text,
			 const struct where *w, char *err, size_t errlen)
{
	char *copy = strdup(text), *s, *item, *save = NULL;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	s = copy;
	trim(&s);
	if (*s == '[' && s[strlen(s) - 1] == ']') {
		s[strlen(s) - 1] = '\0';
		s++;
		trim(&s);
	}
	*list_count(cfg, k) = 0;
	if (*s) {
		/* strtok_r would skip empty fields; "a,,b" must be an error */
		for (item = s; item; item = save) {
			save = strchr(item, ',');
			if (save)
				*save++ = '\0';
			trim(&item);
			ret = list_add(cfg, k, item, w, err, errlen);
			if (ret)
				goto cleanup;
		}
	}
	ret = list_finish(cfg, k, w, err, errlen);
cleanup:
	free(copy);
	return ret;
}

/* One scalar's text into its field, whatever the key's type. */
static int set_text(struct rb_config *cfg, const struct rb_key *k, const char *text,
		    const struct where *w, char *err, size_t errlen)
{
	/* an optional path (empty default, e.g. dataset.groundtruth) may be set back to empty */
	if (!*text && k->type != RB_KEY_STRLIST && k->type != RB_KEY_INTLIST &&
	    !(k->type == RB_KEY_STR && !*k->def))
		return bad_value(w, k, "empty value", text, err, errlen);
	switch (k->type) {
	case RB_KEY_INT:
		return set_int(cfg, k, text, w, err, errlen);
	case RB_KEY_SIZE:
		return set_size(cfg, k, text, w, err, errlen);
	case RB_KEY_DOUBLE:
		return set_double(cfg, k, text, w, err, errlen);
	case RB_KEY_BOOL:
		return set_bool(cfg, k, text, w, err, errlen);
	case RB_KEY_STRLIST:
	case RB_KEY_INTLIST:
		return set_list_text(cfg, k, text, w, err, errlen);
	case RB_KEY_STR:
	case RB_KEY_ENUM:
	default:
		return set_str(cfg, k, text, w, err, errlen);
	}
}

const struct rb_key *config__find_key(const char *key)
{
	for (const struct rb_key *k = rb_config_keys; k->key; k++)
		if (!strcmp(k->key, key))
			return k;
	return NULL;
}

void config__defaults(struct rb_config *cfg)
{
	struct where w = { "default", 0, 0 };

	memset(cfg, 0, sizeof(*cfg));
	/* the defaults go through the same parsers; tests check each one is accepted */
	for (const struct rb_key *k = rb_config_keys; k->key; k++)
		set_text(cfg, k, k->def, &w, NULL, 0);
}

/* Levenshtein distance, capped: only small distances make useful suggestions. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[RB_KEY_MAX + 1];

	if (la > RB_KEY_MAX || lb > RB_KEY_MAX)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

static const char *leaf(const char *key)
{
	const char *dot = strrchr(key, '.');

	return dot ? dot + 1 : key;
}

/* The known key most like an unknown one: a close spelling, or the same last part. */
static const char *suggest(const char *key)
{
	const char *best = NULL;
	size_t best_d = 2 + strlen(key) / 4;   /* one typo per four letters, at least two */

	for (const struct rb_key *k = rb_config_keys; k->key; k++) {
		size_t d = edit_distance(key, k->key);

		if (d < best_d) {
			best_d = d;
			best = k->key;
		}
	}
	for (const struct rb_key *k = rb_config_keys; k->key && !best; k++)
		if (!strcmp(leaf(key), leaf(k->key)))
			best = k->key;
	return best;
}

static int unknown_key(const struct where *w, const char *key, char *err, size_t errlen)
{
	const char *s = suggest(key);

	if (s)
		return errf(-EINVAL, err, errlen, w, key,
			    "unknown key (did you mean '%s'? `rabench list keys` lists them all)", s);
	return errf(-EINVAL, err, errlen, w, key,
		    "unknown key (`rabench list keys` lists them all)");
}

int config__set(struct rb_config *cfg, const char *assignment, char *err, size_t errlen)
{
	struct where w = { "--set", 0, 0 };
	struct rb_config tmp = *cfg;
	const struct rb_key *k;
	char *copy, *key, *val, *eq;
	int ret;

	copy = strdup(assignment);
	if (!copy)
		return -ENOMEM;
	eq = strchr(copy, '=');
	if (eq)
		*eq = '\0';
	key = copy;
	trim(&key);
	if (!eq) {
		ret = errf(-EINVAL, err, errlen, &w, key,
			   "missing '=' (got '%s'; expected KEY=VALUE)", key);
		goto cleanup;
	}
	val = eq + 1;
	trim(&val);
	k = config__find_key(key);
	if (!k) {
		ret = unknown_key(&w, key, err, errlen);
		goto cleanup;
	}
	ret = set_text(&tmp, k, val, &w, err, errlen);
	if (!ret)
		*cfg = tmp;
cleanup:
	free(copy);
	return ret;
}

/* ---- YAML files ---- */

struct load {
	yaml_document_t *doc;
	struct rb_config *cfg;
	const char *file;
	char *err;
	size_t errlen;
	size_t set_line[RB_CFG_MAX_KEYS];  /* where each key was set; 0 = not yet */
};

static struct where at(const struct load *l, const yaml_node_t *node)
{
	return (struct where){ l->file, node->start_mark.line + 1, node->start_mark.column + 1 };
}

/* "", "~" and "null" written plainly are YAML's null: the key has no value. */
static bool is_null(const yaml_node_t *n)
{
	const char *v = (const char *)n->data.scalar.value;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return "a sequence";
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	return "nothing";
}

/* A value that is not a usable scalar: a sequence, a mapping, null, or text with a NUL. */
static int check_scalar(struct load *l, const struct rb_key *k, const yaml_node_t *n)
{
	struct where w = at(l, n);
	char exp[320];

	describe(k, exp, sizeof(exp));
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return errf(-EINVAL, l->err, l->errlen, &w, k->key,
			    "%s (got %s; expected %s)", n->type == YAML_SCALAR_NODE ?
			    "missing value" : "wrong type", node_kind(n), exp);
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return bad_value(&w, k, "contains a NUL byte", (const char *)n->data.scalar.value,
				 l->err, l->errlen);
	return 0;
}

static int load_list(struct load *l, const struct rb_key *k, yaml_node_t *n)
{
	struct where w = at(l, n);
	int ret;

	if (n->type != YAML_SEQUENCE_NODE) {
		const char *got = n->type == YAML_SCALAR_NODE ?
				  (const char *)n->data.scalar.value : node_kind(n);

		return bad_value(&w, k, "wrong type, a list is written [a, b]", got,
				 l->err, l->errlen);
	}
	*list_count(l->cfg, k) = 0;
	for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
		yaml_node_t *item = yaml_document_get_node(l->doc, *i);
		struct where iw = at(l, item);

		ret = check_scalar(l, k, item);
		if (ret)
			return ret;
		ret = list_add(l->cfg, k, (const char *)item->data.scalar.value, &iw,
			       l->err, l->errlen);
		if (ret)
			return ret;
	}
	return list_finish(l->cfg, k, &w, l->err, l->errlen);
}

static int load_value(struct load *l, const struct rb_key *k, yaml_node_t *key, yaml_node_t *val)
{
	size_t idx = k - rb_config_keys;
	struct where w = at(l, key);
	int ret;

	/* "dataset.n: 1" next to "dataset: {n: 2}" sets one key twice */
	if (l->set_line[idx])
		return errf(-EINVAL, l->err, l->errlen, &w, k->key,
			    "set twice (first at line %zu)", l->set_line[idx]);
	l->set_line[idx] = w.line;
	if (k->type == RB_KEY_STRLIST || k->type == RB_KEY_INTLIST)
		return load_list(l, k, val);
	ret = check_scalar(l, k, val);
	if (ret)
		return ret;
	w = at(l, val);
	return set_text(l->cfg, k, (const char *)val->data.scalar.value, &w, l->err, l->errlen);
}

/* Is prefix a section, i.e. the part before a '.' of some key? */
static bool is_section(const char *prefix)
{
	size_t pl = strlen(prefix);

	for (const struct rb_key *k = rb_config_keys; k->key; k++)
		if (!strncmp(k->key, prefix, pl) && k->key[pl] == '.')
			return true;
	return false;
}

static int load_mapping(struct load *l, yaml_node_t *map, const char *prefix);

static int load_entry(struct load *l, const char *full, yaml_node_t *key, yaml_node_t *val)
{
	const struct rb_key *k = config__find_key(full);
	struct where w = at(l, val);

	if (k)
		return load_value(l, k, key, val);
	if (!is_section(full)) {
		w = at(l, key);
		return unknown_key(&w, full, l->err, l->errlen);
	}
	if (val->type == YAML_MAPPING_NODE)
		return load_mapping(l, val, full);
	if (is_null(val))   /* a section with every key commented out */
		return 0;
	return errf(-EINVAL, l->err, l->errlen, &w, full,
		    "wrong type (got %s%s%s; expected a mapping of %s.* keys)",
		    val->type == YAML_SCALAR_NODE ? "'" : "",
		    val->type == YAML_SCALAR_NODE ? (const char *)val->data.scalar.value : node_kind(val),
		    val->type == YAML_SCALAR_NODE ? "'" : "", full);
}

static bool same_scalar(const yaml_node_t *a, const yaml_node_t *b)
{
	return a->data.scalar.length == b->data.scalar.length &&
	       !memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length);
}

/* Line of an earlier key in the same mapping spelled like key, or 0. */
static size_t earlier_key(struct load *l, yaml_node_t *map, yaml_node_pair_t *upto, yaml_node_t *key)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < upto; p++) {
		yaml_node_t *other = yaml_document_get_node(l->doc, p->key);

		if (other->type == YAML_SCALAR_NODE && same_scalar(other, key))
			return other->start_mark.line + 1;
	}
	return 0;
}

static int load_mapping(struct load *l, yaml_node_t *map, const char *prefix)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *key = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *val = yaml_document_get_node(l->doc, p->value);
		struct where w = at(l, key);
		char full[RB_KEY_MAX];
		size_t dup;
		int ret;

		if (key->type != YAML_SCALAR_NODE)
			return errf(-EINVAL, l->err, l->errlen, &w, *prefix ? prefix : "(top level)",
				    "wrong type of key (got %s; expected a key name)", node_kind(key));
		snprintf(full, sizeof(full), "%s%s%s", prefix, *prefix ? "." : "",
			 (const char *)key->data.scalar.value);
		dup = earlier_key(l, map, p, key);
		if (dup)
			return errf(-EINVAL, l->err, l->errlen, &w, full,
				    "duplicate key (first at line %zu)", dup);
		ret = load_entry(l, full, key, val);
		if (ret)
			return ret;
	}
	return 0;
}

/* libyaml's own problem text and position. */
static int yaml_problem(const yaml_parser_t *p, const char *file, char *err, size_t errlen)
{
	struct where w = { file, p->problem_mark.line + 1, p->problem_mark.column + 1 };

	if (p->error == YAML_MEMORY_ERROR)
		return errf(-ENOMEM, err, errlen, &w, "YAML", "out of memory");
	if (p->error == YAML_READER_ERROR) {
		w.line = 0;
		return errf(-EINVAL, err, errlen, &w, "YAML", "%s at byte %zu",
			    p->problem ? p->problem : "unreadable input", p->problem_offset);
	}
	if (p->context)
		return errf(-EINVAL, err, errlen, &w, "YAML", "%s (%s at line %zu column %zu)",
			    p->problem ? p->problem : "syntax error", p->context,
			    p->context_mark.line + 1, p->context_mark.column + 1);
	return errf(-EINVAL, err, errlen, &w, "YAML", "%s",
		    p->problem ? p->problem : "syntax error");
}

/* A second document ("---") would be silently ignored; say so instead. */
static int check_single_document(yaml_parser_t *p, const char *file, char *err, size_t errlen)
{
	yaml_document_t next;
	yaml_node_t *root;
	int ret = 0;

	if (!yaml_parser_load(p, &next))
		return yaml_problem(p, file, err, errlen);
	root = yaml_document_get_root_node(&next);
	if (root) {
		struct where w = { file, root->start_mark.line + 1, root->start_mark.column + 1 };

		ret = errf(-EINVAL, err, errlen, &w, "YAML",
			   "second document (got '---' twice; expected one document)");
	}
	yaml_document_delete(&next);
	return ret;
}

static int load_root(struct load *l, yaml_node_t *root)
{
	struct where w;

	if (!root || is_null(root))   /* empty file, or only comments: all defaults */
		return 0;
	if (root->type == YAML_MAPPING_NODE)
		return load_mapping(l, root, "");
	w = at(l, root);
	return errf(-EINVAL, l->err, l->errlen, &w, "(top level)",
		    "wrong type (got %s; expected a mapping of keys such as 'dataset: {n: 1000}')",
		    root->type == YAML_SCALAR_NODE ? "a scalar" : node_kind(root));
}

static int open_config(const char *path, FILE **f, char *err, size_t errlen)
{
	struct where w = { path, 0, 0 };
	struct stat st;
	int ret;

	*f = fopen(path, "rb");
	if (!*f) {
		ret = -errno;
		return errf(ret, err, errlen, &w, "cannot open", "%s", strerror(-ret));
	}
	/* fopen opens a directory; libyaml would then report only "input error" */
	if (fstat(fileno(*f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(*f);
		*f = NULL;
		return errf(-EISDIR, err, errlen, &w, "cannot open", "%s", strerror(EISDIR));
	}
	return 0;
}

int config__load(struct rb_config *cfg, const char *path, char *err, size_t errlen)
{
	struct load *l = NULL;
	struct rb_config *tmp = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	bool parser_ok = false, doc_ok = false;
	FILE *f = NULL;
	int ret;

	if (strlen(path) >= sizeof(cfg->source)) {
		struct where w = { "config", 0, 0 };

		return errf(-ENAMETOOLONG, err, errlen, &w, "path", "too long (%zu bytes)", strlen(path));
	}
	ret = open_config(path, &f, err, errlen);
	if (ret)
		return ret;
	/* built on a copy so a failed load leaves cfg as it was */
	tmp = malloc(sizeof(*tmp));
	l = calloc(1, sizeof(*l));
	if (!tmp || !l || !yaml_parser_initialize(&parser)) {
		ret = -ENOMEM;
		goto cleanup;
	}
	parser_ok = true;
	*tmp = *cfg;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		ret = yaml_problem(&parser, path, err, errlen);
		goto cleanup;
	}
	doc_ok = true;
	*l = (struct load){ .doc = &doc, .cfg = tmp, .file = path, .err = err, .errlen = errlen };
	ret = load_root(l, yaml_document_get_root_node(&doc));
	if (!ret && yaml_document_get_root_node(&doc))
		ret = check_single_document(&parser, path, err, errlen);
	if (ret)
		goto cleanup;
	snprintf(tmp->source, sizeof(tmp->source), "%s", path);
	*cfg = *tmp;
cleanup:
	if (doc_ok)
		yaml_document_delete(&doc);
	if (parser_ok)
		yaml_parser_delete(&parser);
	free(l);
	free(tmp);
	fclose(f);
	return ret;
}

/* ---- cross-key checks ---- */

/*
 * nlist of the factory's IVF part: "IVF<n>" at the start or after a comma
 * ("OPQ16,IVF1024,PQ16", "IVF4096_HNSW32,Flat"). 0 when there is none.
 */
int64_t config__factory_nlist(const char *factory)
{
	for (const char *p = factory; p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL) {
		int64_t v = 0;

		if (strncmp(p, "IVF", 3) || !(p[3] >= '0' && p[3] <= '9'))
			continue;
		for (const char *d = p + 3; *d >= '0' && *d <= '9'; d++) {
			if (v > (INT64_MAX - 9) / 10)
				return 0;
			v = v * 10 + (*d - '0');
		}
		if (v > 0)
			return v;
	}
	return 0;
}

/* Is name usable as one folder name? */
static bool folder_name_ok(const char *name)
{
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *c))
			return false;
	return true;
}

/* a <= b, or an error naming key a. */
static int check_le(const struct where *w, const char *ka, int64_t a, const char *kb, int64_t b,
		    char *err, size_t errlen)
{
	if (a <= b)
		return 0;
	return errf(-EINVAL, err, errlen, w, ka,
		    "larger than %s (got %" PRId64 "; expected at most %" PRId64 ")", kb, a, b);
}

/* An import names its files. */
static int check_sources(const struct rb_config *cfg, const struct where *w, char *err,
			 size_t errlen)
{
	if (strcmp(cfg->dataset_generator, "import"))
		return 0;
	if (!cfg->dataset_base[0])
		return errf(-EINVAL, err, errlen, w, "dataset.base",
			    "not set (dataset.generator import needs the base vectors file)");
	if (!cfg->dataset_queries_file[0])
		return errf(-EINVAL, err, errlen, w, "dataset.queries_file",
			    "not set (dataset.generator import needs the query vectors file)");
	return 0;
}

/*
 * An input file a config names must open now, before any work: a missing one
 * is bad input (exit 2), not a run that fails halfway. Relative paths are from
 * the config file's folder, as the importers read them (datasets/import.c).
 */
static int check_readable(const struct rb_config *cfg, const struct where *w, const char *key,
			  const char *value, bool folder, char *err, size_t errlen)
{
	const char *slash = strrchr(cfg->source, '/');
	char path[PATH_MAX];
	struct stat st;
	FILE *f;

	if (!value[0])
		return 0;
	if (value[0] == '/' || !slash)
		snprintf(path, sizeof(path), "%s", value);
	else
		snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - cfg->source), cfg->source, value);
	if (stat(path, &st))
		return errf(-EINVAL, err, errlen, w, key, "%s: %s", path, strerror(errno));
	if (folder ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return errf(-EINVAL, err, errlen, w, key, "%s: not a %s", path,
			    folder ? "folder" : "regular file");
	if (folder)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return errf(-EINVAL, err, errlen, w, key, "%s: %s", path, strerror(errno));
	fclose(f);
	return 0;
}

static int check_inputs(const struct rb_config *cfg, const struct where *w, char *err,
			size_t errlen)
{
	const char *gen = cfg->dataset_generator;
	int ret = 0;

	if (!strcmp(gen, "import")) {
		ret = check_readable(cfg, w, "dataset.base", cfg->dataset_base, false, err, errlen);
		if (!ret)
			ret = check_readable(cfg, w, "dataset.queries_file", cfg->dataset_queries_file,
					     false, err, errlen);
		if (!ret)
			ret = check_readable(cfg, w, "dataset.groundtruth", cfg->dataset_groundtruth,
					     false, err, errlen);
	} else if (!strcmp(gen, "fashion-mnist")) {
		ret = check_readable(cfg, w, "dataset.base", cfg->dataset_base, true, err, errlen);
	} else if (!strcmp(gen, "corpus") && strcmp(cfg->dataset_corpus, "wordnet")) {
		ret = check_readable(cfg, w, "dataset.corpus", cfg->dataset_corpus, false, err, errlen);
	}
	if (!ret && !strcmp(cfg->workload_stream, "replay"))
		ret = check_readable(cfg, w, "workload.replay_file", cfg->workload_replay_file, false,
				     err, errlen);
	return ret;
}

/* 0 is "no limit"; anything else must leave room to run (memcg.h). */
static int check_memory_limit(const struct rb_config *cfg, const struct where *w, char *err,
			      size_t errlen)
{
	char got[32], min[32];

	if (!cfg->run_memory_limit || cfg->run_memory_limit >= (int64_t)RB_MEMCG_MIN_LIMIT)
		return 0;
	format_size(cfg->run_memory_limit, got, sizeof(got));
	format_size((int64_t)RB_MEMCG_MIN_LIMIT, min, sizeof(min));
	return errf(-EINVAL, err, errlen, w, "run.memory_limit",
		    "too small to run (got %s; expected 0 = no limit, or at least %s)", got, min);
}

/* Clients and batches: each client needs at least one whole batch of queries. */
static int check_concurrency(const struct rb_config *cfg, const struct where *w, char *err,
			     size_t errlen)
{
	int64_t most = 0;
	int i;

	if (cfg->n_clients < 1 || cfg->n_clients > RB_MAX_CLIENT_LEVELS)
		return errf(-EINVAL, err, errlen, w, "run.clients",
			    "wrong number of entries (got %d; expected 1..%d)", cfg->n_clients,
			    RB_MAX_CLIENT_LEVELS);
	for (i = 0; i < cfg->n_clients; i++)
		if (cfg->run_clients[i] > most)
			most = cfg->run_clients[i];
	/* the runner keeps every query's k result ids for the accounting after the phase */
	if (cfg->workload_queries * cfg->workload_k > RB_MAX_RESULT_IDS)
		return errf(-EINVAL, err, errlen, w, "workload.queries",
			    "too many results to keep (got %" PRId64 " queries x workload.k %" PRId64
			    "; expected at most %d ids, 80 MB)", cfg->workload_queries,
			    cfg->workload_k, RB_MAX_RESULT_IDS);
	return check_le(w, "workload.batch", cfg->workload_batch * most,
			"workload.queries / the most run.clients", cfg->workload_queries, err, errlen);
}

int config__validate(const struct rb_config *cfg, char *err, size_t errlen)
{
	struct where w = { cfg->source[0] ? cfg->source : "config", 0, 0 };
	int ret;

	if (!folder_name_ok(cfg->name))
		return errf(-EINVAL, err, errlen, &w, "name",
			    "not usable as a folder name (got '%s'; expected letters, digits, '.', '_' "
			    "and '-', not '.' or '..')", cfg->name);
	if (cfg->n_strategies < 1 || cfg->n_strategies > RB_MAX_STRATEGIES)
		return errf(-EINVAL, err, errlen, &w, "run.strategies",
			    "wrong number of strategies (got %d; expected 1..%d)",
			    cfg->n_strategies, RB_MAX_STRATEGIES);
	/* 100 = RB_GT_K (datasets/dataset.h): ground truth holds that many neighbours */
	ret = check_le(&w, "workload.k", cfg->workload_k, "the ground truth's 100 neighbours", 100,
		       err, errlen);
	if (!ret)
		ret = check_le(&w, "workload.k", cfg->workload_k, "dataset.n", cfg->dataset_n, err, errlen);
	if (!ret)
		ret = check_le(&w, "workload.queries", cfg->workload_queries, "dataset.queries",
			       cfg->dataset_queries, err, errlen);
	if (!ret)
		ret = check_le(&w, "dataset.clusters", cfg->dataset_clusters, "dataset.n",
			       cfg->dataset_n, err, errlen);
	if (!ret)
		ret = check_memory_limit(cfg, &w, err, errlen);
	if (!ret)
		ret = check_sources(cfg, &w, err, errlen);
	if (!ret)
		ret = check_concurrency(cfg, &w, err, errlen);
	if (!ret && !strcmp(cfg->workload_stream, "replay") && !cfg->workload_replay_file[0])
		ret = errf(-EINVAL, err, errlen, &w, "workload.replay_file",
			   "missing (workload.stream replay reads its query ids from it)");
	/* a replay file that would be ignored is a mistake, not a preference */
	if (!ret && strcmp(cfg->workload_stream, "replay") && cfg->workload_replay_file[0])
		ret = errf(-EINVAL, err, errlen, &w, "workload.replay_file",
			   "conflicts with workload.stream %s (got '%s'; expected workload.stream: "
			   "replay to replay it, or no replay file)", cfg->workload_stream,
			   cfg->workload_replay_file);
	if (!ret)
		ret = check_inputs(cfg, &w, err, errlen);
	return ret;
}

/* ---- rendering ---- */

/* Shortest %g text that reads back as the same double. */
static void format_double(double v, char *buf, size_t len)
{
	for (int prec = 6; prec <= 17; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

/* "[a, b]": the same text a YAML flow sequence and --set accept. */
static void format_list(const struct rb_config *cfg, const struct rb_key *k, char *buf,
			size_t len)
{
	int count = k->type == RB_KEY_INTLIST ? cfg->n_clients : cfg->n_strategies;
	char num[24];
	size_t o = 0;

	buf[0] = '\0';
	for (int i = -1; i <= count; i++) {
		const char *piece = i < 0 ? "[" : i == count ? "]" : num;
		int n;

		if (i >= 0 && i < count && k->type == RB_KEY_INTLIST)
			snprintf(num, sizeof(num), "%" PRId64, cfg->run_clients[i]);
		else if (i >= 0 && i < count)
			piece = cfg->strategies[i];
		n = snprintf(buf + o, len - o, "%s%s", i > 0 && i < count ? ", " : "", piece);

		if (n < 0 || (size_t)n >= len - o)
			return;
		o += n;
	}
}

void config__format_value(const struct rb_config *cfg, const struct rb_key *k, char *buf, size_t len)
{
	const char *p = (const char *)cfg + k->offset;

	if (!len)
		return;
	switch (k->type) {
	case RB_KEY_INT:
		snprintf(buf, len, "%" PRId64, *(const int64_t *)p);
		break;
	case RB_KEY_SIZE:
		format_size(*(const int64_t *)p, buf, len);
		break;
	case RB_KEY_DOUBLE:
		format_double(*(const double *)p, buf, len);
		break;
	case RB_KEY_BOOL:
		snprintf(buf, len, "%s", *(const bool *)p ? "true" : "false");
		break;
	case RB_KEY_STRLIST:
	case RB_KEY_INTLIST:
		format_list(cfg, k, buf, len);
		break;
	case RB_KEY_STR:
	case RB_KEY_ENUM:
	default:
		snprintf(buf, len, "%s", p);
		break;
	}
}

static const char *type_name(enum rb_key_type t)
{
	switch (t) {
	case RB_KEY_INT:
		return "int";
	case RB_KEY_SIZE:
		return "size";
	case RB_KEY_DOUBLE:
		return "number";
	case RB_KEY_BOOL:
		return "bool";
	case RB_KEY_ENUM:
		return "enum";
	case RB_KEY_STRLIST:
		return "list";
	case RB_KEY_INTLIST:
		return "int list";
	case RB_KEY_STR:
	default:
		return "string";
	}
}

/* The "range/allowed" cell; '|' is escaped because it ends a markdown cell. */
static void range_cell(const struct rb_key *k, char *buf, size_t len)
{
	char lo[32], hi[32];

	switch (k->type) {
	case RB_KEY_INT:
	case RB_KEY_INTLIST:
		snprintf(buf, len, "%" PRId64 "..%" PRId64, (int64_t)k->min, (int64_t)k->max);
		break;
	case RB_KEY_SIZE:
		format_size((int64_t)k->min, lo, sizeof(lo));
		format_size((int64_t)k->max, hi, sizeof(hi));
		snprintf(buf, len, "%s..%s", lo, hi);
		break;
	case RB_KEY_DOUBLE:
		snprintf(buf, len, "%g..%g", k->min, k->max);
		break;
	case RB_KEY_BOOL:
		snprintf(buf, len, "true, false");
		break;
	case RB_KEY_ENUM:
	case RB_KEY_STRLIST:
		list_allowed(k->allowed, " \\| ", buf, len);
		break;
	case RB_KEY_STR:
	default:
		snprintf(buf, len, "at most %zu bytes", k->len - 1);
		break;
	}
}

void config__print_keys(FILE *out)
{
	char range[256];

	fprintf(out, "| key | type | default | range/allowed | meaning |\n");
	fprintf(out, "| --- | --- | --- | --- | --- |\n");
	for (const struct rb_key *k = rb_config_keys; k->key; k++) {
		range_cell(k, range, sizeof(range));
		fprintf(out, "| `%s` | %s | `%s` | %s | %s |\n", k->key, type_name(k->type), k->def,
			range, k->help);
	}
}
