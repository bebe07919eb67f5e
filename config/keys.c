/*
 * keys — the one table of every config key (type, offsetof into struct rb_config,
 * default, range, allowed values, help): YAML, --set, the defaults and the
 * reference (`rabench list keys`) all read it, so they can never disagree.
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
#include <stddef.h>

#include "config_int.h"
#include "datasets/indexes/index.h"
#include "datasets/stores/store.h"
#include "strategies/strategy.h"

#define OFF(f) offsetof(struct rb_config, f)
#define SZ(f) sizeof(((struct rb_config *)0)->f)

/*
 * An enum's allowed values are a string here; workload.type and run.strategies are
 * checked against their registries (config_workload.c, strategy__names).
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
	  "file", 0, 0, NULL,
	  "corpus: where the chunk text lives: file = rabench's chunks.dat + chunks.idx; lmdb = an LMDB database (key = chunk id, value = text); sqlite = a SQLite table of chunks by integer id. chunk-fetch and rag read it; one of the chunk stores' registry (datasets/stores/)", 0, store__names },
	{ "dataset.chunk_size", RB_KEY_INT, OFF(dataset_chunk_size), 0, "1024", 64, 1048576, NULL,
	  "corpus: chunks hold at most this many bytes (whole paragraphs packed; longer ones cut at sentence ends); dataset.n caps the number of chunks" },

	{ "index.kind", RB_KEY_ENUM, OFF(index_kind), SZ(index_kind), "ivf", 0, 0, NULL,
	  "ivf = a FAISS IVF index with on-disk inverted lists (index.factory); hnsw = an hnswlib HNSW graph whose level 0 (links and vectors) is searched from an mmap of its file (index.hnsw_*); one of the index kinds' registry (datasets/indexes/)", 0, index__names },
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
	  "Queries per search call: ivf-search and rag search this many queries in one FAISS call (as a server batches requests; each query's latency is its batch's); 1 = one at a time. flat-scan, chunk-fetch and hnsw-search take 1 only" },
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
	  "[default, fadvise-random]", 0, 0, NULL,
	  "Readahead strategies to compare, each run run.repeats times, in this order; the names "
	  "of the strategies' registry (`rabench list strategies`)", 0, strategy__names },
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
	{ "run.db", RB_KEY_STR, OFF(run_db), SZ(run_db), "", 0, 0, NULL,
	  "Results database every run is recorded into: a SQLite file or a postgresql:// URL; '' = results/rabench.db. RABENCH_DB and --db override it, --no-db skips it (docs/results-db.md). A password in a URL is never written into the report" },

	{ NULL },
};
#pragma GCC diagnostic pop

_Static_assert(sizeof(rb_config_keys) / sizeof(rb_config_keys[0]) <= RB_CFG_MAX_KEYS,
	       "raise RB_CFG_MAX_KEYS");

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
		config_set_text(cfg, k, k->def, &w, NULL, 0);
}

