/*
 * schema — the results database's tables, as ordered migrations: migration N takes
 * a database from schema version N-1 to N. A change to the schema is a new entry at
 * the end (never an edit of an old one) and RB_DB_SCHEMA_VERSION + 1. The SQL is the
 * same for SQLite and PostgreSQL: BIGINT, DOUBLE PRECISION and TEXT only, and keys
 * that are text (run_key) rather than engine-specific auto-increments.
 * docs/results-db.md describes every table.
 */
#include <stddef.h>

#include "db_schema.h"

static const char *const v1[] = {
	"CREATE TABLE schema_version (version BIGINT NOT NULL PRIMARY KEY, tool TEXT NOT NULL, "
	"applied TEXT NOT NULL)",
	/* a run: one report.json */
	"CREATE TABLE runs (run_key TEXT NOT NULL PRIMARY KEY, name TEXT NOT NULL, "
	"config_fp TEXT NOT NULL, env_fp TEXT NOT NULL, config_source TEXT, config_json TEXT NOT NULL, "
	"rabench_version TEXT, git_rev TEXT, data_rev TEXT, host TEXT, kernel TEXT, machine TEXT, "
	"cpu_model TEXT, ncpu BIGINT, device TEXT, device_model TEXT, fs_type TEXT, "
	"read_ahead_kb BIGINT, mem_total_bytes BIGINT, cgroup_version BIGINT, "
	"started TEXT NOT NULL, ended TEXT, complete BIGINT NOT NULL, env_json TEXT NOT NULL, "
	"recorded TEXT NOT NULL)",
	"CREATE INDEX runs_by_group ON runs (config_fp, env_fp, started)",
	"CREATE INDEX runs_by_name ON runs (name, started)",
	/* one repeat of one strategy at one clients level */
	"CREATE TABLE repeats (run_key TEXT NOT NULL REFERENCES runs (run_key), seq BIGINT NOT NULL, "
	"strategy TEXT NOT NULL, repeat BIGINT NOT NULL, clients BIGINT NOT NULL, batch BIGINT NOT NULL, "
	"n_queries BIGINT, wall_s DOUBLE PRECISION, open_s DOUBLE PRECISION, qps DOUBLE PRECISION, "
	"recall DOUBLE PRECISION, p50_us DOUBLE PRECISION, p99_us DOUBLE PRECISION, "
	"proc_read_bytes BIGINT, dev_read_bytes BIGINT, majflt BIGINT, minflt BIGINT, "
	"needed_bytes BIGINT, read_amplification DOUBLE PRECISION, results_digest TEXT, "
	"PRIMARY KEY (run_key, seq))",
	/* the summary: a row per strategy, clients level and figure (long form) */
	"CREATE TABLE strategy_summaries (run_key TEXT NOT NULL REFERENCES runs (run_key), "
	"strategy TEXT NOT NULL, clients BIGINT NOT NULL, metric TEXT NOT NULL, "
	"median DOUBLE PRECISION, min DOUBLE PRECISION, max DOUBLE PRECISION, "
	"PRIMARY KEY (run_key, strategy, clients, metric))",
	/* every query's latency (repeats[].latency_samples_us) */
	"CREATE TABLE query_latencies (run_key TEXT NOT NULL REFERENCES runs (run_key), "
	"seq BIGINT NOT NULL, query BIGINT NOT NULL, latency_us DOUBLE PRECISION NOT NULL, "
	"PRIMARY KEY (run_key, seq, query))",
	/* repeats[].probes.total and repeats[].strategy_stats: a row per counter */
	"CREATE TABLE probe_counters (run_key TEXT NOT NULL REFERENCES runs (run_key), "
	"seq BIGINT NOT NULL, source TEXT NOT NULL, counter TEXT NOT NULL, value DOUBLE PRECISION, "
	"PRIMARY KEY (run_key, seq, source, counter))",
	/* repeats[].bounds (what an optimal cache would read): a row per repeat and figure */
	"CREATE TABLE bounds (run_key TEXT NOT NULL REFERENCES runs (run_key), "
	"seq BIGINT NOT NULL, bound TEXT NOT NULL, value DOUBLE PRECISION, "
	"PRIMARY KEY (run_key, seq, bound))",
	NULL,
};

const char *const *const db_migrations[RB_DB_SCHEMA_VERSION] = { v1 };
