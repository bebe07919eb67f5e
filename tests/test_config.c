/*
 * test_config — unit tests for config/config.c: defaults, a full file, every
 * kind of bad input (each message must name file, line and key), --set, the
 * cross-key checks of config__validate, and the key table printer.
 */
#define _GNU_SOURCE   /* asprintf */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "workloads/workload.h"

#define MAX_FILES 128

static char tmpdir[64];
static char *files[MAX_FILES];
static int n_files;

/* Write text to tmpdir/name and return its path (freed by teardown). */
static const char *write_yaml(const char *name, const char *text)
{
	char *path;
	FILE *f;

	assert_true(n_files < MAX_FILES);
	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
	files[n_files++] = path;
	return path;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/rabench-test-config-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < n_files; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	return rmdir(tmpdir);
}

#define assert_contains(hay, needle)                                              \
	do {                                                                      \
		if (!strstr((hay), (needle)))                                     \
			fail_msg("'%s' not found in '%s'", (needle), (hay));       \
	} while (0)

#define assert_starts_with(s, prefix)                                             \
	do {                                                                      \
		if (strncmp((s), (prefix), strlen(prefix)))                       \
			fail_msg("'%s' does not start with '%s'", (s), (prefix));  \
	} while (0)

/*
 * Load yaml from a file called name and expect -EINVAL with a message that
 * starts "PATH:LINE:" and names key and what; cfg must be left as it was.
 */
static void expect_load_error(const char *name, const char *yaml, int line, const char *key,
			      const char *what)
{
	struct rb_config cfg, before;
	char err[RB_ERR_MAX], prefix[256], keypart[128];
	const char *path = write_yaml(name, yaml);

	config__defaults(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	err[0] = '\0';
	assert_int_equal(config__load(&cfg, path, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:%d:", path, line);
	assert_starts_with(err, prefix);
	snprintf(keypart, sizeof(keypart), ": %s: ", key);
	assert_contains(err, keypart);
	assert_contains(err, what);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

/* Expect a --set to fail with "--set: KEY: ...what..." and leave cfg alone. */
static void expect_set_error(const char *assignment, const char *key, const char *what)
{
	struct rb_config cfg, before;
	char err[RB_ERR_MAX], prefix[128];

	config__defaults(&cfg);
	memcpy(&before, &cfg, sizeof(cfg));
	err[0] = '\0';
	assert_int_equal(config__set(&cfg, assignment, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "--set: %s: ", key);
	assert_starts_with(err, prefix);
	assert_contains(err, what);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
}

/* Expect config__validate to reject cfg, naming key and what. */
/* What rabench run checks: the generic checks, then the workload's (its flags). */
static int validate_all(const struct rb_config *cfg, char *err, size_t errlen)
{
	int rc = config__validate(cfg, err, errlen);

	return rc ? rc : config__validate_workload(cfg, err, errlen);
}

static void expect_invalid(const struct rb_config *cfg, const char *key, const char *what)
{
	char err[RB_ERR_MAX], keypart[128];

	err[0] = '\0';
	assert_int_equal(validate_all(cfg, err, sizeof(err)), -EINVAL);
	snprintf(keypart, sizeof(keypart), ": %s: ", key);
	assert_contains(err, keypart);
	assert_contains(err, what);
}

static void set_ok(struct rb_config *cfg, const char *assignment)
{
	char err[RB_ERR_MAX] = "";

	if (config__set(cfg, assignment, err, sizeof(err)))
		fail_msg("--set %s failed: %s", assignment, err);
}

static void load_ok(struct rb_config *cfg, const char *name, const char *yaml)
{
	char err[RB_ERR_MAX] = "";
	const char *path = write_yaml(name, yaml);

	if (config__load(cfg, path, err, sizeof(err)))
		fail_msg("loading %s failed: %s", name, err);
	assert_string_equal(cfg->source, path);
}

static void assert_value(const struct rb_config *cfg, const char *key, const char *text)
{
	const struct rb_key *k = config__find_key(key);
	char buf[256];

	assert_non_null(k);
	config__format_value(cfg, k, buf, sizeof(buf));
	assert_string_equal(buf, text);
}

/* ---- defaults and the table ---- */

static void test_defaults(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "";

	(void)state;
	config__defaults(&cfg);
	assert_string_equal(cfg.source, "");
	assert_string_equal(cfg.name, "ivf");
	assert_string_equal(cfg.dataset_generator, "synthetic");
	assert_int_equal(cfg.dataset_n, 1000000);
	assert_int_equal(cfg.dataset_dim, 128);
	assert_int_equal(cfg.dataset_clusters, 256);
	assert_int_equal(cfg.dataset_queries, 1000);
	assert_int_equal(cfg.dataset_seed, 42);
	assert_true(cfg.dataset_normalize);
	assert_true(cfg.dataset_spread == 0.35);
	assert_string_equal(cfg.index_factory, "IVF1024,Flat");
	assert_int_equal(cfg.index_train_size, 65536);
	assert_int_equal(cfg.index_prefetch_threads, 0);
	assert_string_equal(cfg.workload_type, "ivf-search");
	assert_int_equal(cfg.workload_k, 10);
	assert_int_equal(cfg.workload_nprobe, 16);
	assert_int_equal(cfg.workload_queries, 500);
	assert_int_equal(cfg.n_strategies, 2);
	assert_string_equal(cfg.strategies[0], "default");
	assert_string_equal(cfg.strategies[1], "fadvise-random");
	assert_int_equal(cfg.run_repeats, 3);
	assert_string_equal(cfg.run_cache, "cold");
	assert_false(cfg.run_drop_caches);
	assert_string_equal(cfg.results_dir, "results");
	assert_string_equal(cfg.cache_dir, "datasets/cache");
	if (validate_all(&cfg, err, sizeof(err)))
		fail_msg("defaults do not validate: %s", err);
}

/* Every default is accepted by its own key's parser and renders back as written. */
static void test_table_defaults_parse(void **state)
{
	struct rb_config cfg;
	char assignment[512], err[RB_ERR_MAX], buf[256];
	int n = 0;

	(void)state;
	for (const struct rb_key *k = rb_config_keys; k->key; k++, n++) {
		config__defaults(&cfg);
		snprintf(assignment, sizeof(assignment), "%s=%s", k->key, k->def);
		if (config__set(&cfg, assignment, err, sizeof(err)))
			fail_msg("default of %s rejected: %s", k->key, err);
		config__format_value(&cfg, k, buf, sizeof(buf));
		assert_string_equal(buf, k->def);
		assert_ptr_equal(config__find_key(k->key), k);
		assert_non_null(k->help);
		assert_true(strlen(k->help) > 10);
	}
	assert_int_equal(n, 45);	/* run.db: the results database */
}

static void test_find_key(void **state)
{
	const struct rb_key *k;

	(void)state;
	k = config__find_key("dataset.n");
	assert_non_null(k);
	assert_int_equal(k->type, RB_KEY_INT);
	assert_int_equal(k->offset, offsetof(struct rb_config, dataset_n));
	assert_null(config__find_key("dataset"));
	assert_null(config__find_key("dataset.nn"));
	assert_null(config__find_key(""));
	k = config__find_key("run.strategies");
	assert_non_null(k);
	assert_int_equal(k->type, RB_KEY_STRLIST);
}

static void test_format_value(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	assert_value(&cfg, "dataset.spread", "0.35");
	assert_value(&cfg, "dataset.n", "1000000");
	assert_value(&cfg, "dataset.normalize", "true");
	assert_value(&cfg, "run.strategies", "[default, fadvise-random]");
	assert_value(&cfg, "index.factory", "IVF1024,Flat");
	set_ok(&cfg, "run.strategies=fadvise-random");
	assert_value(&cfg, "run.strategies", "[fadvise-random]");
	set_ok(&cfg, "dataset.spread=0.1");
	assert_value(&cfg, "dataset.spread", "0.1");
	set_ok(&cfg, "dataset.seed=4611686018427387904");
	assert_value(&cfg, "dataset.seed", "4611686018427387904");
}

static void test_print_keys(void **state)
{
	char *text = NULL, needle[128];
	size_t size = 0;
	int lines = 0;
	FILE *f;

	(void)state;
	f = open_memstream(&text, &size);
	assert_non_null(f);
	config__print_keys(f);
	assert_int_equal(fclose(f), 0);
	assert_starts_with(text, "| key | type | default | range/allowed | meaning |\n| --- |");
	for (const struct rb_key *k = rb_config_keys; k->key; k++) {
		snprintf(needle, sizeof(needle), "\n| `%s` | ", k->key);
		assert_contains(text, needle);
	}
	assert_contains(text, "| `dataset.n` | int | `1000000` | 1000..200000000 | ");
	assert_contains(text, "| `run.strategies` | list | `[default, fadvise-random]` | default \\| fadvise-random \\| fadvise-sequential \\| faiss-prefetch \\| willneed \\| bpf-prefetch \\| readahead-kb | ");
	assert_contains(text, "| `run.cache` | enum | `cold` | cold \\| warm | ");
	for (char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 45 + 2);
	free(text);
}

/* ---- files that load ---- */

static const char full_yaml[] =
	"# every key, none at its default\n"
	"name: full-run_1.0\n"
	"dataset:\n"
	"  generator: synthetic\n"
	"  n: 20000\n"
	"  dim: 64\n"
	"  clusters: 100\n"
	"  queries: 300\n"
	"  seed: 7\n"
	"  normalize: no\n"
	"  spread: 0.5\n"
	"index:\n"
	"  factory: \"OPQ16,IVF256,PQ16\"\n"
	"  train_size: 10k\n"
	"  prefetch_threads: 4\n"
	"workload:\n"
	"  type: ivf-search\n"
	"  k: 20\n"
	"  nprobe: 32\n"
	"  queries: 200\n"
	"run:\n"
	"  strategies:\n"
	"    - fadvise-random\n"
	"    - default\n"
	"  repeats: 5\n"
	"  cache: warm\n"
	"  drop_caches: true\n"
	"  results_dir: out/res\n"
	"  cache_dir: out/cache\n";

static void test_full_file(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "";

	(void)state;
	config__defaults(&cfg);
	load_ok(&cfg, "full.yaml", full_yaml);
	assert_string_equal(cfg.name, "full-run_1.0");
	assert_string_equal(cfg.dataset_generator, "synthetic");
	assert_int_equal(cfg.dataset_n, 20000);
	assert_int_equal(cfg.dataset_dim, 64);
	assert_int_equal(cfg.dataset_clusters, 100);
	assert_int_equal(cfg.dataset_queries, 300);
	assert_int_equal(cfg.dataset_seed, 7);
	assert_false(cfg.dataset_normalize);
	assert_true(cfg.dataset_spread == 0.5);
	assert_string_equal(cfg.index_factory, "OPQ16,IVF256,PQ16");
	assert_int_equal(cfg.index_train_size, 10000);
	assert_int_equal(cfg.index_prefetch_threads, 4);
	assert_string_equal(cfg.workload_type, "ivf-search");
	assert_int_equal(cfg.workload_k, 20);
	assert_int_equal(cfg.workload_nprobe, 32);
	assert_int_equal(cfg.workload_queries, 200);
	assert_int_equal(cfg.n_strategies, 2);
	assert_string_equal(cfg.strategies[0], "fadvise-random");
	assert_string_equal(cfg.strategies[1], "default");
	assert_int_equal(cfg.run_repeats, 5);
	assert_string_equal(cfg.run_cache, "warm");
	assert_true(cfg.run_drop_caches);
	assert_string_equal(cfg.results_dir, "out/res");
	assert_string_equal(cfg.cache_dir, "out/cache");
	if (validate_all(&cfg, err, sizeof(err)))
		fail_msg("full.yaml does not validate: %s", err);
}

/* Flow style and dotted keys at the top level mean the same as nested blocks. */
static void test_flow_and_dotted(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	load_ok(&cfg, "flow.yaml", "{dataset: {n: 5000, normalize: off}, run.repeats: 7, "
		"run: {strategies: [fadvise-random]}}\n");
	assert_int_equal(cfg.dataset_n, 5000);
	assert_false(cfg.dataset_normalize);
	assert_int_equal(cfg.run_repeats, 7);
	assert_int_equal(cfg.n_strategies, 1);
	assert_string_equal(cfg.strategies[0], "fadvise-random");
}

static void test_empty_files_are_defaults(void **state)
{
	static const char *const texts[] = { "", "# only a comment\n\n", "---\n", "dataset:\n" };
	struct rb_config cfg, def;
	char name[32];

	(void)state;
	config__defaults(&def);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		config__defaults(&cfg);
		snprintf(name, sizeof(name), "empty%zu.yaml", i);
		load_ok(&cfg, name, texts[i]);
		memset(cfg.source, 0, sizeof(cfg.source));
		assert_memory_equal(&cfg, &def, sizeof(cfg));
	}
}

/* A file only changes the keys it names. */
static void test_load_over_existing(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "run.repeats=9");
	load_ok(&cfg, "partial.yaml", "dataset:\n  dim: 32\n");
	assert_int_equal(cfg.run_repeats, 9);
	assert_int_equal(cfg.dataset_dim, 32);
	assert_int_equal(cfg.dataset_n, 1000000);
}

static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "true", "True", "yes", "on", "ON" };
	static const char *const no[] = { "false", "FALSE", "no", "off", "Off" };
	struct rb_config cfg;
	char a[64];

	(void)state;
	config__defaults(&cfg);
	for (size_t i = 0; i < 5; i++) {
		snprintf(a, sizeof(a), "dataset.normalize=%s", no[i]);
		set_ok(&cfg, a);
		assert_false(cfg.dataset_normalize);
		snprintf(a, sizeof(a), "dataset.normalize=%s", yes[i]);
		set_ok(&cfg, a);
		assert_true(cfg.dataset_normalize);
	}
}

static void test_int_suffixes(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	load_ok(&cfg, "suffix.yaml", "dataset:\n  n: 2M\n  queries: 1k\n  seed: 3G\n");
	assert_int_equal(cfg.dataset_n, 2000000);
	assert_int_equal(cfg.dataset_queries, 1000);
	assert_int_equal(cfg.dataset_seed, 3000000000LL);
	set_ok(&cfg, "index.train_size=64k");
	assert_int_equal(cfg.index_train_size, 64000);
	/* binary suffixes and lower-case m are not accepted: 1K would be ambiguous */
	expect_set_error("dataset.n=1K", "dataset.n", "not an integer");
	expect_set_error("dataset.n=2m", "dataset.n", "not an integer");
	expect_set_error("dataset.n=5kk", "dataset.n", "not an integer");
	expect_set_error("dataset.n=k", "dataset.n", "not an integer");
	expect_set_error("dataset.n=1e6", "dataset.n", "not an integer");
	expect_set_error("dataset.n=0x1000", "dataset.n", "not an integer");
	expect_set_error("dataset.n=201M", "dataset.n", "out of range");
	expect_set_error("dataset.seed=-1k", "dataset.seed", "out of range");
}

/* Sizes are memory: K/M/G are powers of 1024, and they render back the same way. */
static void test_size_suffixes(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	assert_int_equal(cfg.run_memory_limit, 0);
	load_ok(&cfg, "size.yaml", "run:\n  memory_limit: 256M\n");
	assert_int_equal(cfg.run_memory_limit, 256LL << 20);
	assert_value(&cfg, "run.memory_limit", "256M");
	set_ok(&cfg, "run.memory_limit=2G");
	assert_int_equal(cfg.run_memory_limit, 2LL << 30);
	assert_value(&cfg, "run.memory_limit", "2G");
	set_ok(&cfg, "run.memory_limit=40000k");
	assert_int_equal(cfg.run_memory_limit, 40000LL << 10);
	set_ok(&cfg, "run.memory_limit=100000000");
	assert_value(&cfg, "run.memory_limit", "100000000");
	expect_set_error("run.memory_limit=1.5G", "run.memory_limit", "not a size");
	expect_set_error("run.memory_limit=-1M", "run.memory_limit", "not a size");
	expect_set_error("run.memory_limit=1T", "run.memory_limit", "not a size");
	expect_set_error("run.memory_limit=2000G", "run.memory_limit", "out of range");
	expect_set_error("run.memory_limit=99999999999999999999", "run.memory_limit",
			 "too large for a 64-bit integer");
}

/* A limit below what any workload needs is refused before anything runs; 0 is none. */
static void test_validate_memory_limit(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "run.memory_limit=16M");
	expect_invalid(&cfg, "run.memory_limit",
		       "too small to run (got 16M; expected 0 = no limit, or at least 32M)");
	set_ok(&cfg, "run.memory_limit=32M");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "run.memory_limit=0");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
}

/* flat-scan reads no index: index.* and workload.nprobe are not checked for it. */
/* run.clients: a list of integers, from YAML, --set and defaults; workload.batch with it. */
static void test_clients_and_batch(void **state)
{
	const struct rb_key *k = config__find_key("run.clients");
	struct rb_config cfg;
	char buf[128];
	const char *path;

	(void)state;
	config__defaults(&cfg);
	assert_int_equal(cfg.n_clients, 1);
	assert_int_equal(cfg.run_clients[0], 1);
	assert_int_equal(cfg.workload_batch, 1);
	path = write_yaml("clients.yaml", "run:\n  clients: [1, 2, 4, 8]\nworkload:\n  batch: 4\n");
	assert_int_equal(config__load(&cfg, path, NULL, 0), 0);
	assert_int_equal(cfg.n_clients, 4);
	assert_int_equal(cfg.run_clients[3], 8);
	assert_int_equal(cfg.workload_batch, 4);
	config__format_value(&cfg, k, buf, sizeof(buf));
	assert_string_equal(buf, "[1, 2, 4, 8]");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "run.clients=3");
	assert_int_equal(cfg.n_clients, 1);
	assert_int_equal(cfg.run_clients[0], 3);
	/* each bad item named at its own line */
	expect_load_error("clients-bad.yaml", "run:\n  clients:\n    - 1\n    - x\n", 4, "run.clients",
			  "not an integer (got 'x'; expected a list of integers in 1..64)");
	expect_load_error("clients-range.yaml", "run:\n  clients: [0]\n", 2, "run.clients",
			  "out of range");
	expect_load_error("clients-big.yaml", "run:\n  clients: [1, 65]\n", 2, "run.clients",
			  "out of range (got '65'");
	expect_load_error("clients-twice.yaml", "run:\n  clients: [2, 2]\n", 2, "run.clients",
			  "listed twice (got 2 again");
	expect_load_error("clients-empty.yaml", "run:\n  clients: []\n", 2, "run.clients",
			  "empty list");
	expect_load_error("clients-scalar.yaml", "run:\n  clients: {a: 1}\n", 2, "run.clients",
			  "wrong type");
	expect_set_error("run.clients=1,2,3,4,5,6,7,8,9", "run.clients", "too many entries (at most 8)");
	expect_set_error("run.clients=1,,2", "run.clients", "empty list entry");
	expect_set_error("workload.batch=0", "workload.batch", "out of range");
}

/* A batch needs a batched search, and each client at least one whole batch. */
static void test_validate_batch(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "workload.batch=8");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "workload.type=flat-scan");
	expect_invalid(&cfg, "workload.batch", "workload.type flat-scan has no batched search");
	set_ok(&cfg, "workload.type=ivf-search");
	set_ok(&cfg, "workload.queries=100");
	set_ok(&cfg, "run.clients=[1,16]");
	expect_invalid(&cfg, "workload.batch",
		       "larger than workload.queries / the most run.clients (got 128; expected at most 100)");
	set_ok(&cfg, "run.clients=[1,8]");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	/* the check follows the flag, whatever the name */
	for (const struct workload_ops *const *w = workload__all(); *w; w++) {
		char err[RB_ERR_MAX] = "", set[128];

		snprintf(set, sizeof(set), "workload.type=%s", (*w)->name);
		set_ok(&cfg, set);
		set_ok(&cfg, (*w)->flags & RB_WL_HNSW && !((*w)->flags & RB_WL_IVF) ?
			     "index.kind=hnsw" : "index.kind=ivf");
		set_ok(&cfg, (*w)->flags & RB_WL_CORPUS ? "dataset.generator=corpus" :
			     "dataset.generator=synthetic");
		if (validate_all(&cfg, err, sizeof(err)) == 0 && !((*w)->flags & RB_WL_BATCH))
			fail_msg("workload %s has no batched search but workload.batch=8 passed",
				 (*w)->name);
		if (((*w)->flags & RB_WL_BATCH) && validate_all(&cfg, err, sizeof(err)))
			fail_msg("workload %s batches but was refused: %s", (*w)->name, err);
	}
}

/* index.kind, a chunk store and the HNSW keys, against what the workload reads. */
static void test_workload_reads(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "index.kind=hnsw");
	expect_invalid(&cfg, "index.kind", "workload.type ivf-search does not read it (got 'hnsw'; expected ivf)");
	set_ok(&cfg, "workload.type=hnsw-search");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "workload.ef_search=5");
	expect_invalid(&cfg, "workload.ef_search", "fewer candidates than results (got 5; expected at least workload.k, 10)");
	set_ok(&cfg, "workload.ef_search=64");
	set_ok(&cfg, "index.hnsw_m=32");
	set_ok(&cfg, "index.hnsw_ef_construction=20");
	expect_invalid(&cfg, "index.hnsw_ef_construction", "below index.hnsw_m (got 20; expected at least 32)");
	set_ok(&cfg, "index.hnsw_ef_construction=200");
	set_ok(&cfg, "workload.type=flat-scan-x");
	expect_invalid(&cfg, "workload.type", "unknown workload (got 'flat-scan-x'; expected one of ivf-search, hnsw-search,");
	set_ok(&cfg, "workload.type=hnsw-search");
	set_ok(&cfg, "dataset.chunk_store=lmdb");
	expect_invalid(&cfg, "dataset.chunk_store", "workload.type hnsw-search reads no chunks (got 'lmdb'");
	set_ok(&cfg, "dataset.generator=corpus");
	set_ok(&cfg, "workload.type=chunk-fetch");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "dataset.chunk_store=sqlite");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	expect_load_error("store.yaml", "dataset:\n  chunk_store: postgres\n", 2, "dataset.chunk_store",
			  "expected one of file, lmdb, sqlite");
	expect_load_error("m.yaml", "index:\n  hnsw_m: 1\n", 2, "index.hnsw_m", "out of range");
}

/* Huge and zero sizes are refused by the table's ranges, naming the key. */
static void test_huge_values(void **state)
{
	(void)state;
	expect_load_error("n-1e12.yaml", "dataset:\n  n: 1e12\n", 2, "dataset.n",
			  "not an integer (got '1e12'");
	expect_load_error("n-huge.yaml", "dataset:\n  n: 1000000000000\n", 2, "dataset.n",
			  "out of range (got '1000000000000'; expected an integer in 1000..200000000");
	expect_load_error("n-1000G.yaml", "dataset:\n  n: 1000G\n", 2, "dataset.n", "out of range");
	expect_load_error("dim-0.yaml", "dataset:\n  dim: 0\n", 2, "dataset.dim",
			  "out of range (got '0'");
	expect_load_error("queries-huge.yaml", "workload:\n  queries: 99999999999999999999\n", 2,
			  "workload.queries", "too large for a 64-bit integer");
	expect_load_error("limit-huge.yaml", "run:\n  memory_limit: 9999999G\n", 2,
			  "run.memory_limit", "out of range");
}

/* A config file cannot point the folders rabench writes outside the working folder. */
static void test_write_dirs_confined(void **state)
{
	struct rb_config cfg;
	const char *path;

	(void)state;
	expect_load_error("abs-results.yaml", "run:\n  results_dir: /etc\n", 2, "run.results_dir",
			  "a config file may only name a folder below the working folder (got '/etc'");
	expect_load_error("dotdot-cache.yaml", "run:\n  cache_dir: datasets/../../x\n", 2,
			  "run.cache_dir", "--set run.cache_dir=datasets/../../x");
	expect_load_error("dotdot-only.yaml", "run:\n  results_dir: ..\n", 2, "run.results_dir",
			  "relative path without '..'");
	config__defaults(&cfg);
	path = write_yaml("below.yaml", "run:\n  results_dir: out/results..d\n  cache_dir: ./c\n");
	assert_int_equal(config__load(&cfg, path, NULL, 0), 0);
	assert_string_equal(cfg.results_dir, "out/results..d");
	/* asked for on the command line: allowed */
	set_ok(&cfg, "run.results_dir=/tmp/elsewhere");
	assert_string_equal(cfg.results_dir, "/tmp/elsewhere");
}

/* Options that contradict each other are refused, not silently resolved. */
static void test_conflicting_options(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "workload.replay_file=ids.txt");
	expect_invalid(&cfg, "workload.replay_file",
		       "conflicts with workload.stream sequential (got 'ids.txt'");
	set_ok(&cfg, "workload.stream=replay");
	/* every input file is opened before any work */
	expect_invalid(&cfg, "workload.replay_file", "ids.txt: No such file or directory");
}

static void test_validate_flat_scan(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "index.factory=Flat");
	set_ok(&cfg, "workload.nprobe=5000");
	expect_invalid(&cfg, "index.factory", "needs an IVF index");
	set_ok(&cfg, "workload.type=flat-scan");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "workload.queries=2000");
	expect_invalid(&cfg, "workload.queries", "larger than dataset.queries");
}

/* The chunk workloads need a corpus; an import names its files; optional paths can be emptied. */
static void test_validate_sources(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "workload.type=rag");
	expect_invalid(&cfg, "workload.type", "needs a chunk store");
	set_ok(&cfg, "dataset.generator=corpus");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "workload.type=chunk-fetch");
	set_ok(&cfg, "index.factory=Flat");          /* chunk-fetch reads no index */
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "workload.chunk_io=mmap");
	set_ok(&cfg, "workload.chunk_ids=uniform");
	expect_set_error("workload.chunk_io=aio", "workload.chunk_io", "not allowed");
	config__defaults(&cfg);
	set_ok(&cfg, "dataset.generator=import");
	expect_invalid(&cfg, "dataset.base", "not set");
	set_ok(&cfg, "dataset.base=sift/sift_base.fvecs");
	expect_invalid(&cfg, "dataset.queries_file", "not set");
	set_ok(&cfg, "dataset.queries_file=sift/sift_query.fvecs");
	/* named, but not there: refused before any work, naming key and path */
	expect_invalid(&cfg, "dataset.base", "sift/sift_base.fvecs: No such file or directory");
	set_ok(&cfg, "dataset.base=/etc/hostname");
	expect_invalid(&cfg, "dataset.queries_file", "sift/sift_query.fvecs: No such file");
	set_ok(&cfg, "dataset.queries_file=/etc");
	expect_invalid(&cfg, "dataset.queries_file", "/etc: not a regular file");
	set_ok(&cfg, "dataset.queries_file=/etc/hostname");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
	set_ok(&cfg, "dataset.groundtruth=gt.ivecs");
	expect_invalid(&cfg, "dataset.groundtruth", "gt.ivecs: No such file");
	set_ok(&cfg, "dataset.groundtruth=");
	assert_string_equal(cfg.dataset_groundtruth, "");
	expect_set_error("name=", "name", "empty value");
	expect_set_error("dataset.chunk_size=10", "dataset.chunk_size", "out of range");
}

/* ---- files that must not load ---- */

static void test_malformed_yaml(void **state)
{
	(void)state;
	expect_load_error("flowseq.yaml", "name: ivf\ndataset:\n  n: [1, 2\n  dim: 3\n", 4, "YAML",
			  "did not find expected ',' or ']'");
	expect_load_error("quote.yaml", "name: ivf\nindex:\n  factory: \"IVF1024\n", 4, "YAML",
			  "found unexpected end of stream");
	expect_load_error("tab.yaml", "name: ivf\ndataset:\n\tn: 5000\n", 3, "YAML",
			  "found character that cannot start any token");
	expect_load_error("twodocs.yaml", "name: a\n---\nname: b\n", 3, "YAML", "second document");
}

static void test_invalid_utf8(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "", prefix[256];
	const char *path = write_yaml("utf8.yaml", "name: \xff\n");

	(void)state;
	config__defaults(&cfg);
	assert_int_equal(config__load(&cfg, path, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s: YAML: ", path);
	assert_starts_with(err, prefix);
	assert_contains(err, "UTF-8");
}

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_load_error("unknown.yaml", "name: x\nnmae: y\n", 2, "nmae", "unknown key");
	expect_load_error("unknown2.yaml", "name: x\nnmae: y\n", 2, "nmae", "did you mean 'name'?");
	expect_load_error("nested.yaml", "dataset:\n  n: 5000\n  size: 3\n", 3, "dataset.size",
			  "unknown key");
	expect_load_error("nested2.yaml", "run:\n  repeats: 2\n  strategy: [default]\n", 3,
			  "run.strategy", "did you mean 'run.strategies'?");
	expect_load_error("section.yaml", "\ndatasets:\n  n: 5000\n", 2, "datasets", "unknown key");
	expect_load_error("leafonly.yaml", "nprobe: 4\n", 1, "nprobe",
			  "did you mean 'workload.nprobe'?");
	expect_load_error("deep.yaml", "dataset:\n  n:\n    x: 1\n", 3, "dataset.n", "got a mapping");
	expect_load_error("sectscalar.yaml", "name: x\ndataset: 5000\n", 2, "dataset",
			  "expected a mapping of dataset.* keys");
	expect_load_error("complexkey.yaml", "? [a, b]\n: 1\n", 1, "(top level)", "wrong type of key");
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	expect_load_error("dup.yaml", "run:\n  repeats: 2\n  repeats: 3\n", 3, "run.repeats",
			  "duplicate key (first at line 2)");
	expect_load_error("dupsect.yaml", "dataset:\n  n: 5000\nname: x\ndataset:\n  dim: 3\n", 4,
			  "dataset", "duplicate key (first at line 1)");
	expect_load_error("duptop.yaml", "name: a\nname: b\n", 2, "name",
			  "duplicate key (first at line 1)");
	expect_load_error("dupdotted.yaml", "dataset.n: 5000\ndataset:\n  n: 6000\n", 3, "dataset.n",
			  "set twice (first at line 1)");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_load_error("int_abc.yaml", "dataset:\n  n: abc\n", 2, "dataset.n",
			  "not an integer (got 'abc'; expected an integer in 1000..200000000");
	expect_load_error("int_frac.yaml", "workload:\n  k: 1.5\n", 2, "workload.k",
			  "not an integer (got '1.5'");
	expect_load_error("int_seq.yaml", "dataset:\n  dim: [1, 2]\n", 2, "dataset.dim",
			  "wrong type (got a sequence");
	expect_load_error("int_null.yaml", "dataset:\n  n:\nname: x\n", 2, "dataset.n",
			  "missing value");
	expect_load_error("int_empty.yaml", "dataset:\n  n: \"\"\n", 2, "dataset.n", "empty value");
	expect_load_error("bool.yaml", "dataset:\n  normalize: maybe\n", 2, "dataset.normalize",
			  "not a boolean (got 'maybe'; expected true or false)");
	expect_load_error("bool_map.yaml", "run:\n  drop_caches: {a: 1}\n", 2, "run.drop_caches",
			  "wrong type (got a mapping");
	expect_load_error("double.yaml", "dataset:\n  spread: wide\n", 2, "dataset.spread",
			  "not a number (got 'wide'");
	expect_load_error("double_inf.yaml", "dataset:\n  spread: .inf\n", 2, "dataset.spread",
			  "not a number");
	expect_load_error("double_nan.yaml", "dataset:\n  spread: nan\n", 2, "dataset.spread",
			  "not a number");
	expect_load_error("double_hex.yaml", "dataset:\n  spread: 0x1p-2\n", 2, "dataset.spread",
			  "not a number");
	expect_load_error("double_seq.yaml", "dataset:\n  spread: [1]\n", 2, "dataset.spread",
			  "wrong type (got a sequence");
	expect_load_error("list_scalar.yaml", "run:\n  strategies: default\n", 2, "run.strategies",
			  "wrong type");
	expect_load_error("list_map.yaml", "run:\n  strategies:\n    a: 1\n", 3, "run.strategies",
			  "wrong type");
	expect_load_error("list_nested.yaml", "run:\n  strategies: [[default]]\n", 2,
			  "run.strategies", "got a sequence");
	expect_load_error("str_seq.yaml", "name: [a]\n", 1, "name", "wrong type (got a sequence");
	expect_load_error("nul.yaml", "name: \"a\\0b\"\n", 1, "name", "NUL");
}

static void test_out_of_range(void **state)
{
	(void)state;
	expect_load_error("low.yaml", "dataset:\n  n: 999\n", 2, "dataset.n",
			  "out of range (got '999'; expected an integer in 1000..200000000");
	expect_load_error("high.yaml", "\ndataset:\n  n: 200000001\n", 3, "dataset.n",
			  "out of range (got '200000001'");
	expect_load_error("high_k.yaml", "workload:\n  k: 101\n", 2, "workload.k", "out of range");
	expect_load_error("neg.yaml", "dataset:\n  seed: -1\n", 2, "dataset.seed", "out of range");
	expect_load_error("seed_top.yaml", "dataset:\n  seed: 4611686018427387905\n", 2,
			  "dataset.seed", "out of range");
	expect_load_error("zero_rep.yaml", "run:\n  repeats: 0\n", 2, "run.repeats", "out of range");
	expect_load_error("dlow.yaml", "dataset:\n  spread: 0\n", 2, "dataset.spread",
			  "out of range (got '0'; expected a number in 0.001..10)");
	expect_load_error("dhigh.yaml", "dataset:\n  spread: 10.5\n", 2, "dataset.spread",
			  "out of range");
}

static void test_int_overflow(void **state)
{
	(void)state;
	expect_load_error("ovf.yaml", "dataset:\n  seed: 99999999999999999999\n", 2, "dataset.seed",
			  "too large for a 64-bit integer");
	expect_load_error("ovf_suffix.yaml", "dataset:\n  seed: 10000000000G\n", 2, "dataset.seed",
			  "too large for a 64-bit integer");
	expect_load_error("ovf_neg.yaml", "dataset:\n  seed: -99999999999999999999\n", 2,
			  "dataset.seed", "too large for a 64-bit integer");
}

static void test_enums_and_lists(void **state)
{
	(void)state;
	expect_load_error("enum.yaml", "run:\n  cache: hot\n", 2, "run.cache",
			  "not allowed (got 'hot'; expected one of cold, warm)");
	expect_load_error("gen.yaml", "dataset:\n  generator: random\n", 2, "dataset.generator",
			  "not allowed (got 'random'");
	expect_load_error("strat.yaml", "run:\n  strategies:\n    - default\n    - bpf-magic\n", 4,
			  "run.strategies", "not allowed (got 'bpf-magic'");
	expect_load_error("dupstrat.yaml", "run:\n  strategies: [default, fadvise-random, default]\n",
			  2, "run.strategies", "listed twice (got 'default'");
	expect_load_error("emptystrat.yaml", "run:\n  strategies: []\n", 2, "run.strategies",
			  "empty list");
	expect_load_error("nullstrat.yaml", "run:\n  strategies: [default, ~]\n", 2,
			  "run.strategies", "missing value");
}

static void test_string_too_long(void **state)
{
	struct rb_config cfg;
	char yaml[256], name[RB_NAME_MAX + 1];

	(void)state;
	memset(name, 'a', RB_NAME_MAX);
	name[RB_NAME_MAX] = '\0';
	snprintf(yaml, sizeof(yaml), "# long\nname: %s\n", name);
	expect_load_error("long.yaml", yaml, 2, "name", "too long");
	/* one byte shorter fits, with its terminating NUL */
	name[RB_NAME_MAX - 1] = '\0';
	snprintf(yaml, sizeof(yaml), "name: %s\n", name);
	config__defaults(&cfg);
	load_ok(&cfg, "notlong.yaml", yaml);
	assert_string_equal(cfg.name, name);
	snprintf(yaml, sizeof(yaml), "run.cache=%s", "cold-and-then-some-more");
	expect_set_error(yaml, "run.cache", "not allowed");
}

static void test_top_level_not_mapping(void **state)
{
	(void)state;
	expect_load_error("seq.yaml", "# list\n- a\n- b\n", 2, "(top level)",
			  "wrong type (got a sequence; expected a mapping");
	expect_load_error("scalar.yaml", "hello\n", 1, "(top level)", "wrong type (got a scalar");
}

static void test_missing_file(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "", path[128], prefix[160];

	(void)state;
	config__defaults(&cfg);
	snprintf(path, sizeof(path), "%s/does-not-exist.yaml", tmpdir);
	assert_int_equal(config__load(&cfg, path, err, sizeof(err)), -ENOENT);
	snprintf(prefix, sizeof(prefix), "%s: ", path);
	assert_starts_with(err, prefix);
	assert_contains(err, strerror(ENOENT));

	err[0] = '\0';
	assert_int_equal(config__load(&cfg, tmpdir, err, sizeof(err)), -EISDIR);
	assert_contains(err, tmpdir);
	assert_contains(err, strerror(EISDIR));
	assert_string_equal(cfg.source, "");
}

static void test_unreadable_file(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "";
	const char *path = write_yaml("unreadable.yaml", "name: x\n");
	FILE *f;

	(void)state;
	assert_int_equal(chmod(path, 0), 0);
	f = fopen(path, "r");
	if (f) {   /* root reads it anyway */
		fclose(f);
		print_message("SKIP: root reads a mode-0 file anyway: no EACCES to test\n");
		skip();
	}
	config__defaults(&cfg);
	assert_int_equal(config__load(&cfg, path, err, sizeof(err)), -EACCES);
	assert_contains(err, path);
	assert_contains(err, strerror(EACCES));
}

/* ---- --set ---- */

static void test_set_valid(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "dataset.n=2000");
	assert_int_equal(cfg.dataset_n, 2000);
	set_ok(&cfg, " run.strategies = fadvise-random , default ");
	assert_int_equal(cfg.n_strategies, 2);
	assert_string_equal(cfg.strategies[0], "fadvise-random");
	assert_string_equal(cfg.strategies[1], "default");
	set_ok(&cfg, "run.strategies=[default]");
	assert_int_equal(cfg.n_strategies, 1);
	assert_string_equal(cfg.strategies[0], "default");
	set_ok(&cfg, "dataset.normalize=off");
	assert_false(cfg.dataset_normalize);
	set_ok(&cfg, "dataset.spread=1.25e-1");
	assert_true(cfg.dataset_spread == 0.125);
	set_ok(&cfg, "index.factory=OPQ16,IVF64,PQ16");
	assert_string_equal(cfg.index_factory, "OPQ16,IVF64,PQ16");
	set_ok(&cfg, "name=a=b");   /* only the first '=' splits */
	assert_string_equal(cfg.name, "a=b");
	set_ok(&cfg, "run.cache=warm");
	assert_string_equal(cfg.run_cache, "warm");
	assert_string_equal(cfg.source, "");
}

static void test_set_invalid(void **state)
{
	(void)state;
	expect_set_error("dataset.n", "dataset.n", "missing '='");
	expect_set_error("dataset.nn=5", "dataset.nn", "unknown key");
	expect_set_error("dataset=5", "dataset", "unknown key");
	expect_set_error("dataset.n=abc", "dataset.n", "not an integer (got 'abc'");
	expect_set_error("dataset.n=", "dataset.n", "empty value");
	expect_set_error("dataset.n=10", "dataset.n", "out of range");
	expect_set_error("dataset.normalize=maybe", "dataset.normalize", "not a boolean");
	expect_set_error("run.cache=hot", "run.cache", "not allowed");
	expect_set_error("run.strategies=", "run.strategies", "empty list");
	expect_set_error("run.strategies=[]", "run.strategies", "empty list");
	expect_set_error("run.strategies=default,,fadvise-random", "run.strategies",
			 "empty list entry");
	expect_set_error("run.strategies=default,default", "run.strategies", "listed twice");
	expect_set_error("run.strategies=default,nope", "run.strategies", "not allowed (got 'nope'");
}

/* ---- cross-key checks ---- */

static void test_validate_sizes(void **state)
{
	struct rb_config cfg;

	(void)state;
	config__defaults(&cfg);
	cfg.workload_k = 101;   /* past the table's range: validate must still catch it */
	expect_invalid(&cfg, "workload.k", "(got 101; expected at most 100)");

	config__defaults(&cfg);
	cfg.dataset_n = 50;
	cfg.index_train_size = 50;
	cfg.dataset_clusters = 10;
	cfg.workload_k = 60;
	expect_invalid(&cfg, "workload.k", "larger than dataset.n (got 60; expected at most 50)");

	config__defaults(&cfg);
	set_ok(&cfg, "workload.queries=2000");
	expect_invalid(&cfg, "workload.queries", "larger than dataset.queries");

	config__defaults(&cfg);
	set_ok(&cfg, "dataset.n=50000");
	set_ok(&cfg, "index.train_size=60000");
	expect_invalid(&cfg, "index.train_size", "larger than dataset.n");

	config__defaults(&cfg);
	set_ok(&cfg, "dataset.n=2000");
	set_ok(&cfg, "index.train_size=2000");
	set_ok(&cfg, "index.factory=IVF64,Flat");
	set_ok(&cfg, "dataset.clusters=3000");
	expect_invalid(&cfg, "dataset.clusters", "larger than dataset.n");
	set_ok(&cfg, "dataset.clusters=2000");
	assert_int_equal(validate_all(&cfg, NULL, 0), 0);
}

static void test_validate_factory(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "";

	(void)state;
	config__defaults(&cfg);
	set_ok(&cfg, "workload.nprobe=1025");
	expect_invalid(&cfg, "workload.nprobe", "(got 1025; expected at most 1024");
	set_ok(&cfg, "workload.nprobe=1024");
	assert_int_equal(validate_all(&cfg, err, sizeof(err)), 0);

	set_ok(&cfg, "index.factory=OPQ16,IVF512,PQ16");
	expect_invalid(&cfg, "workload.nprobe", "expected at most 512");
	set_ok(&cfg, "index.factory=PCA64,IVF4096_HNSW32,Flat");
	assert_int_equal(validate_all(&cfg, err, sizeof(err)), 0);

	set_ok(&cfg, "index.factory=Flat");
	expect_invalid(&cfg, "index.factory", "needs an IVF index (got 'Flat'");
	set_ok(&cfg, "index.factory=HNSW32");
	expect_invalid(&cfg, "index.factory", "needs an IVF index");
	set_ok(&cfg, "index.factory=IVFFlat");
	expect_invalid(&cfg, "index.factory", "needs an IVF index");
	set_ok(&cfg, "index.factory=PQIVF16,Flat");   /* IVF only counts at a part's start */
	expect_invalid(&cfg, "index.factory", "needs an IVF index");

	set_ok(&cfg, "index.factory=IVF65536,Flat");
	set_ok(&cfg, "workload.nprobe=16");
	set_ok(&cfg, "index.train_size=60000");
	expect_invalid(&cfg, "index.train_size", "fewer training vectors than IVF lists");
}

static void test_validate_name(void **state)
{
	static const char *const bad[] = { "name=a/b", "name=a b", "name=..", "name=.", "name=é" };
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config__defaults(&cfg);
		set_ok(&cfg, bad[i]);
		expect_invalid(&cfg, "name", "not usable as a folder name");
	}
	config__defaults(&cfg);
	cfg.name[0] = '\0';
	expect_invalid(&cfg, "name", "not usable as a folder name (got ''");
	set_ok(&cfg, "name=Run-1.2_x");
	assert_int_equal(validate_all(&cfg, err, sizeof(err)), 0);

	config__defaults(&cfg);
	cfg.n_strategies = 0;
	expect_invalid(&cfg, "run.strategies", "wrong number of strategies");
}

/* validate's messages name the file the config came from. */
static void test_validate_names_source(void **state)
{
	struct rb_config cfg;
	char err[RB_ERR_MAX] = "", prefix[RB_PATH_MAX + 32];

	(void)state;
	config__defaults(&cfg);
	load_ok(&cfg, "cross.yaml", "workload:\n  queries: 5000\n");
	assert_int_equal(validate_all(&cfg, err, sizeof(err)), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s: workload.queries: ", cfg.source);
	assert_starts_with(err, prefix);

	config__defaults(&cfg);
	set_ok(&cfg, "workload.queries=5000");
	assert_int_equal(validate_all(&cfg, err, sizeof(err)), -EINVAL);
	assert_starts_with(err, "config: workload.queries: ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_table_defaults_parse),
		cmocka_unit_test(test_find_key),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_print_keys),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_flow_and_dotted),
		cmocka_unit_test(test_empty_files_are_defaults),
		cmocka_unit_test(test_load_over_existing),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_int_suffixes),
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_validate_memory_limit),
		cmocka_unit_test(test_validate_flat_scan),
		cmocka_unit_test(test_huge_values),
		cmocka_unit_test(test_workload_reads),
		cmocka_unit_test(test_write_dirs_confined),
		cmocka_unit_test(test_conflicting_options),
		cmocka_unit_test(test_clients_and_batch),
		cmocka_unit_test(test_validate_batch),
		cmocka_unit_test(test_validate_sources),
		cmocka_unit_test(test_malformed_yaml),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_int_overflow),
		cmocka_unit_test(test_enums_and_lists),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_top_level_not_mapping),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_set_valid),
		cmocka_unit_test(test_set_invalid),
		cmocka_unit_test(test_validate_sizes),
		cmocka_unit_test(test_validate_factory),
		cmocka_unit_test(test_validate_name),
		cmocka_unit_test(test_validate_names_source),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
