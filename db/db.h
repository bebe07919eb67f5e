/*
 * db — the results database every run is recorded into: SQLite (a file, the default
 * results/rabench.db) or PostgreSQL (a postgresql:// URL, for a fleet of runners).
 * One schema for both engines, versioned: migrations are applied on open, and a
 * database newer than this binary, of another schema, or not a database at all is
 * refused. The JSON report stays the source of truth; the database is what many
 * runs are queried and gated from (`rabench history`, `rabench compare --history`).
 *
 * Layer: below cli/ and report/, above lib/ (docs/ARCHITECTURE.md).
 */
#ifndef RB_DB_H
#define RB_DB_H

#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>

#define RB_DB_SCHEMA_VERSION 1
#define RB_DB_DEFAULT "results/rabench.db"
#define RB_DB_URL_MAX 1024

struct rb_db;

/*
 * Where the database is: the first set of flag (--db), $RABENCH_DB, cfg_value
 * (run.db; may be NULL) and RB_DB_DEFAULT. Returns a pointer to one of them.
 */
const char *db__resolve(const char *flag, const char *cfg_value);

/* Is target a PostgreSQL URL (postgresql:// or postgres://)? */
int db__is_url(const char *target);

/*
 * target with any password replaced by "***" (user:PASS@ in the URL, password=...
 * in its query string or a key=value conninfo), for every message and report.
 */
void db__redact(const char *target, char *out, size_t outlen);

/*
 * Open (creating a SQLite file and its folder when absent), then apply the pending
 * migrations in one transaction. Errors, with a message naming the redacted target:
 * -EINVAL a malformed URL, -ECONNREFUSED a server that cannot be reached or refuses
 * the login, -ENOTSUP a file that is not a SQLite database, -EPROTO a database of
 * another schema, -EPROTONOSUPPORT a schema newer than this binary, other -errno.
 */
int db__open(const char *target, struct rb_db **out, char *err, size_t errlen);
void db__close(struct rb_db *db);
const char *db__engine(const struct rb_db *db);	/* "sqlite" or "postgresql" */
int db__schema_version(struct rb_db *db);

/*
 * Record a report.json document as one run, in one transaction (all of it or none).
 * ended: when the run ended (ISO 8601) or NULL when unknown (imports). *inserted is 1
 * for a new run, 0 when the same report was recorded before (run_key, below).
 */
int db__record(struct rb_db *db, json_object *report, const char *ended, int *inserted,
	       char *run_key, size_t keylen, char *err, size_t errlen);

/*
 * A report's identity and groups, from the document alone: run_key (XXH3-64 of its
 * canonical text), config_fp (the keys that shape the figures: dataset.*, index.*,
 * workload.*, run.cache, run.memory_limit), env_fp (kernel, read_ahead_kb, device,
 * device_model, fs_type, mem_total_bytes, cpu_model, ncpu): 16 hex digits each.
 */
void db__fingerprints(json_object *report, char run_key[17], char config_fp[17], char env_fp[17]);

/* Count of rows of table for run_key (tests, `rabench db check`); -errno. */
long db__count(struct rb_db *db, const char *table, const char *run_key, char *err, size_t errlen);

/* ---- reading back (db/query.c) ---- */

/*
 * Every run, oldest first, one line each: "RUN_KEY NAME STARTED repeats=R
 * queries=Q latencies=L" (Q the repeats' n_queries summed: L == Q for a whole run).
 */
int db__print_runs(struct rb_db *db, FILE *out, char *err, size_t errlen);

/* One point of a history: a run's figure for one strategy and clients level. */
struct rb_hist_point {
	char run_key[17];
	char name[64];
	char started[32];
	char git_rev[64];
	char kernel[128];
	char host[64];
	char env_fp[17];
	char env_fp_nokernel[17];	/* the groups of --by kernel */
	char strategy[64];
	int clients;
	double value;			/* the summary median; NAN when null */
};

struct rb_history {
	struct rb_hist_point *pts;
	size_t n;
	char metric[64];
};

/*
 * Every run whose name, config_source or config_fp (a prefix of 4+ hex digits) is
 * `what`, with metric's median per strategy (all strategies when strategy is NULL),
 * oldest first. 0 (possibly no points), or -errno with err.
 */
int db__history(struct rb_db *db, const char *what, const char *strategy, const char *metric,
		struct rb_history *out, char *err, size_t errlen);
void db__history_free(struct rb_history *h);

/*
 * The last n runs comparable to `report` (same config_fp and env_fp, other than the
 * report itself), oldest first, each rebuilt as a report-shaped document (config,
 * environment, summary, repeats with latency_samples_us, started). *got is how many.
 */
int db__comparable_runs(struct rb_db *db, json_object *report, int n, json_object ***docs,
			int *got, char *err, size_t errlen);

#endif
