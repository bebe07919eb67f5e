/*
 * validate — the checks across keys, after every key was read: ranges that
 * depend on each other, input files readable, the memory limit possible, the
 * concurrency sane. Errors name the key and where it was set.
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
#include "lib/memcg.h"

#include "config_int.h"

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
	return config_errf(-EINVAL, err, errlen, w, ka,
		    "larger than %s (got %" PRId64 "; expected at most %" PRId64 ")", kb, a, b);
}

/* An import names its files. */
static int check_sources(const struct rb_config *cfg, const struct where *w, char *err,
			 size_t errlen)
{
	if (strcmp(cfg->dataset_generator, "import"))
		return 0;
	if (!cfg->dataset_base[0])
		return config_errf(-EINVAL, err, errlen, w, "dataset.base",
			    "not set (dataset.generator import needs the base vectors file)");
	if (!cfg->dataset_queries_file[0])
		return config_errf(-EINVAL, err, errlen, w, "dataset.queries_file",
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
		return config_errf(-EINVAL, err, errlen, w, key, "%s: %s", path, strerror(errno));
	if (folder ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return config_errf(-EINVAL, err, errlen, w, key, "%s: not a %s", path,
			    folder ? "folder" : "regular file");
	if (folder)
		return 0;
	f = fopen(path, "re");
	if (!f)
		return config_errf(-EINVAL, err, errlen, w, key, "%s: %s", path, strerror(errno));
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
	config_format_size(cfg->run_memory_limit, got, sizeof(got));
	config_format_size((int64_t)RB_MEMCG_MIN_LIMIT, min, sizeof(min));
	return config_errf(-EINVAL, err, errlen, w, "run.memory_limit",
		    "too small to run (got %s; expected 0 = no limit, or at least %s)", got, min);
}

/* Clients and batches: each client needs at least one whole batch of queries. */
static int check_concurrency(const struct rb_config *cfg, const struct where *w, char *err,
			     size_t errlen)
{
	int64_t most = 0;
	int i;

	if (cfg->n_clients < 1 || cfg->n_clients > RB_MAX_CLIENT_LEVELS)
		return config_errf(-EINVAL, err, errlen, w, "run.clients",
			    "wrong number of entries (got %d; expected 1..%d)", cfg->n_clients,
			    RB_MAX_CLIENT_LEVELS);
	for (i = 0; i < cfg->n_clients; i++)
		if (cfg->run_clients[i] > most)
			most = cfg->run_clients[i];
	/* the runner keeps every query's k result ids for the accounting after the phase */
	if (cfg->workload_queries * cfg->workload_k > RB_MAX_RESULT_IDS)
		return config_errf(-EINVAL, err, errlen, w, "workload.queries",
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
		return config_errf(-EINVAL, err, errlen, &w, "name",
			    "not usable as a folder name (got '%s'; expected letters, digits, '.', '_' "
			    "and '-', not '.' or '..')", cfg->name);
	if (cfg->n_strategies < 1 || cfg->n_strategies > RB_MAX_STRATEGIES)
		return config_errf(-EINVAL, err, errlen, &w, "run.strategies",
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
		ret = config_errf(-EINVAL, err, errlen, &w, "workload.replay_file",
			   "missing (workload.stream replay reads its query ids from it)");
	/* a replay file that would be ignored is a mistake, not a preference */
	if (!ret && strcmp(cfg->workload_stream, "replay") && cfg->workload_replay_file[0])
		ret = config_errf(-EINVAL, err, errlen, &w, "workload.replay_file",
			   "conflicts with workload.stream %s (got '%s'; expected workload.stream: "
			   "replay to replay it, or no replay file)", cfg->workload_stream,
			   cfg->workload_replay_file);
	if (!ret)
		ret = check_inputs(cfg, &w, err, errlen);
	return ret;
}

