/*
 * config — the run configuration: a YAML file read with libyaml into a typed
 * struct rb_config, through one table of keys (fio-style: dotted key, type,
 * offsetof, default, range, help, allowed values). Unknown keys, duplicate keys,
 * wrong types and out-of-range values are errors that name file, line, column
 * and key. `--set key=value` goes through the same table.
 */
#ifndef RB_CONFIG_H
#define RB_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#define RB_MAX_STRATEGIES 8
#define RB_MAX_CLIENT_LEVELS 8   /* entries of run.clients */
#define RB_MAX_CLIENTS 64        /* threads of one level */
#define RB_MAX_RESULT_IDS 10000000 /* workload.queries x workload.k, kept per repeat */
#include "datasets/spec.h"	/* RB_NAME_MAX, RB_PATH_MAX */
#define RB_ERR_MAX 512

struct rb_config {
	/* file this config came from ("" when built from defaults only) */
	char source[RB_PATH_MAX];
	/* `rabench run CONFIG -- CMD ARGS...`: the external client (never from a config) */
	char *const *client_argv;

	char name[RB_NAME_MAX];               /* name: results go to results/<name>/ */

	/* dataset: synthetic clustered embeddings, imported vectors or a text corpus */
	char dataset_generator[RB_NAME_MAX];  /* dataset.generator: "synthetic", "import", ... */
	int64_t dataset_n;                    /* dataset.n: base vectors */
	int64_t dataset_dim;                  /* dataset.dim */
	int64_t dataset_clusters;             /* dataset.clusters */
	int64_t dataset_queries;              /* dataset.queries: held-out queries generated */
	int64_t dataset_seed;                 /* dataset.seed */
	bool dataset_normalize;               /* dataset.normalize: L2-normalise */
	double dataset_spread;                /* dataset.spread: cluster std-dev / centre std-dev */
	char dataset_base[RB_PATH_MAX];       /* dataset.base: import source (or fashion-mnist folder) */
	char dataset_queries_file[RB_PATH_MAX]; /* dataset.queries_file: import queries */
	char dataset_groundtruth[RB_PATH_MAX]; /* dataset.groundtruth: import gt, "" = compute */
	char dataset_corpus[RB_PATH_MAX];     /* dataset.corpus: "wordnet" or a text file */
	int64_t dataset_chunk_size;           /* dataset.chunk_size: bytes per chunk, at most */
	char dataset_chunk_store[16];         /* dataset.chunk_store: file | lmdb | sqlite */

	/* index: FAISS IVF on disk */
	char index_kind[16];                  /* index.kind: ivf | hnsw */
	int64_t index_hnsw_m;                 /* index.hnsw_m */
	int64_t index_hnsw_ef_construction;   /* index.hnsw_ef_construction */
	char index_factory[RB_NAME_MAX];      /* index.factory, e.g. "IVF1024,Flat" */
	int64_t index_train_size;             /* index.train_size */
	int64_t index_prefetch_threads;       /* index.prefetch_threads: FAISS's own, 0 = off */

	/* workload */
	char workload_type[RB_NAME_MAX];      /* workload.type: "ivf-search" */
	int64_t workload_k;                   /* workload.k */
	int64_t workload_nprobe;              /* workload.nprobe */
	int64_t workload_ef_search;           /* workload.ef_search (hnsw) */
	int64_t workload_queries;             /* workload.queries: queries per repeat */
	int64_t workload_batch;               /* workload.batch: queries per search call */
	double workload_client_timeout;       /* workload.client_timeout: seconds per query */
	char workload_chunk_io[16];           /* workload.chunk_io: "pread" | "mmap" */
	char workload_chunk_ids[16];          /* workload.chunk_ids: "groundtruth" | "uniform" */
	char workload_stream[16];             /* workload.stream: sequential|uniform|zipf|replay */
	double workload_zipf_s;               /* workload.zipf_s: Zipf exponent */
	char workload_replay_file[RB_PATH_MAX]; /* workload.replay_file: query ids, one per line */

	/* run */
	char strategies[RB_MAX_STRATEGIES][RB_NAME_MAX]; /* run.strategies */
	int n_strategies;
	int64_t run_clients[RB_MAX_CLIENT_LEVELS]; /* run.clients: concurrent clients, a sweep */
	int n_clients;
	int64_t run_repeats;                  /* run.repeats */
	char run_cache[16];                   /* run.cache: "cold" | "warm" */
	bool run_drop_caches;                 /* run.drop_caches: also echo 1 > drop_caches */
	bool run_calibrate;                   /* run.calibrate: describe the device (calibrate.h) */
	int64_t run_readahead_kb;             /* run.readahead_kb: for readahead-kb (KiB) */
	char results_dir[RB_PATH_MAX];        /* run.results_dir */
	char cache_dir[RB_PATH_MAX];          /* run.cache_dir: generated datasets/indexes */
	char run_db[RB_PATH_MAX];             /* run.db: results database, "" = results/rabench.db */
	int64_t run_memory_limit;             /* run.memory_limit: bytes of a memory cgroup, 0 = none */
	bool run_probes;                      /* run.probes: BPF page-cache probes around queries */
};

enum rb_key_type {
	RB_KEY_STR,      /* char[len] */
	RB_KEY_INT,      /* int64_t, checked against [min, max]; accepts 1k/1M/1G suffixes */
	RB_KEY_DOUBLE,   /* double, checked against [min, max] */
	RB_KEY_BOOL,     /* true/false/yes/no/on/off */
	RB_KEY_ENUM,     /* char[len], value must be one of allowed[] */
	RB_KEY_STRLIST,  /* the strategies list: each item one of allowed[] */
	RB_KEY_INTLIST,  /* the clients list: each item an integer in [min, max] */
	RB_KEY_SIZE,     /* int64_t bytes in [min, max]; K/M/G suffixes are KiB/MiB/GiB */
};

struct rb_key {
	const char *key;         /* dotted path: "dataset.n" */
	enum rb_key_type type;
	size_t offset;           /* offsetof(struct rb_config, ...) */
	size_t len;              /* for strings: buffer size */
	const char *def;         /* default, as YAML text ("" for lists means empty) */
	double min, max;         /* numeric range */
	const char *allowed;     /* ENUM/STRLIST: '|'-separated allowed values, or NULL */
	const char *help;
	unsigned flags;          /* RB_KEY_F_* */
	/* STRLIST: the allowed values from a registry instead of allowed (run.strategies) */
	const char *(*allowed_fn)(void);
};

/*
 * A folder rabench writes into (results, cache). Set from a config file it must
 * be a relative path without '..' (a config cannot make rabench write anywhere
 * else); somewhere else is asked for explicitly with --set on the command line.
 */
#define RB_KEY_F_WRITE_DIR 1u

/* The table of every key; ends with a NULL key. */
extern const struct rb_key rb_config_keys[];

/* Fill cfg with every key's default. */
void config__defaults(struct rb_config *cfg);

/*
 * Load a YAML file over the defaults. Returns 0, or a negative errno with a
 * message in err ("configs/x.yaml:12:3: dataset.n: ...").
 */
int config__load(struct rb_config *cfg, const char *path, char *err, size_t errlen);

/* Apply one "key=value" override (from --set). Same checks as the file. */
int config__set(struct rb_config *cfg, const char *assignment, char *err, size_t errlen);

/* Cross-key checks (e.g. nprobe <= nlist, queries <= dataset.queries). */
int config__validate(const struct rb_config *cfg, char *err, size_t errlen);

/*
 * What depends on the workload (config/config_workload.c, from its RB_WL_*
 * flags): workload.type known, the index and chunk store it reads, batches.
 * Callers run it after config__validate.
 */
int config__validate_workload(const struct rb_config *cfg, char *err, size_t errlen);

/* An error about key of cfg, as config__validate writes them ("FILE: KEY: ..."). Returns ret. */
int config__errf(int ret, const struct rb_config *cfg, const char *key, char *err, size_t errlen,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* The nlist of an IVF factory string ("IVF1024,Flat" -> 1024), 0 when none. */
int64_t config__factory_nlist(const char *factory);

/* Find a key by dotted name; NULL if unknown. */
const struct rb_key *config__find_key(const char *key);

/* Render a key's current value as text (for reports and `rabench list keys`). */
void config__format_value(const struct rb_config *cfg, const struct rb_key *k, char *buf, size_t len);

/*
 * Print every key as a markdown table (key | type | default | range/allowed |
 * meaning), for `rabench list keys` and the README.
 */
void config__print_keys(FILE *out);

#endif
