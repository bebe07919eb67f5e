/*
 * record — a report.json document into the results database as one run: its row in
 * runs, then its repeats, summaries, per-query latencies, probe counters and bounds,
 * all in ONE transaction (a crash or a lost server mid-write leaves no half run).
 * A run is identified by the XXH3 of the report's canonical text (run_key, the
 * primary key): recording the same report twice is one run (INSERT ... ON CONFLICT
 * DO NOTHING, which SQLite and PostgreSQL both read).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "db_int.h"

/* ---- a growing list of text values (NULL for SQL NULL) ---- */

struct vals {
	char **v;
	size_t n, cap;
	int oom;
};

static void vals_add(struct vals *vs, const char *s)
{
	char **grown;

	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 256;
		grown = realloc(vs->v, vs->cap * sizeof(*grown));
		if (!grown) {
			vs->oom = 1;
			vs->cap = vs->n;
			return;
		}
		vs->v = grown;
	}
	vs->v[vs->n] = s ? strdup(s) : NULL;
	if (s && !vs->v[vs->n])
		vs->oom = 1;
	vs->n++;
}

static void vals_json(struct vals *vs, json_object *o)
{
	char buf[64];

	if (!o) {
		vals_add(vs, NULL);
	} else if (json_object_is_type(o, json_type_int)) {
		snprintf(buf, sizeof(buf), "%" PRId64, json_object_get_int64(o));
		vals_add(vs, buf);
	} else if (json_object_is_type(o, json_type_double)) {
		snprintf(buf, sizeof(buf), "%.17g", json_object_get_double(o));
		vals_add(vs, isfinite(json_object_get_double(o)) ? buf : NULL);
	} else if (json_object_is_type(o, json_type_boolean)) {
		vals_add(vs, json_object_get_boolean(o) ? "1" : "0");
	} else if (json_object_is_type(o, json_type_string)) {
		vals_add(vs, json_object_get_string(o));
	} else {
		vals_add(vs, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	}
}

static void vals_num(struct vals *vs, double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.17g", v);
	vals_add(vs, isfinite(v) ? buf : NULL);
}

static void vals_reset(struct vals *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i]);
	vs->n = 0;
}

static void vals_free(struct vals *vs)
{
	vals_reset(vs);
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int is_num(json_object *o)
{
	return o && (json_object_is_type(o, json_type_int) || json_object_is_type(o, json_type_double));
}

/* ---- fingerprints ---- */

static const char *const shaping_prefixes[] = { "dataset.", "index.", "workload.", NULL };
static const char *const shaping_keys[] = { "run.cache", "run.memory_limit", NULL };
static const char *const env_keys[] = { "kernel", "read_ahead_kb", "device", "device_model",
					"fs_type", "mem_total_bytes", "cpu_model", "ncpu", NULL };

static int shapes(const char *key)
{
	const char *const *p;

	for (p = shaping_prefixes; *p; p++)
		if (!strncmp(key, *p, strlen(*p)))
			return 1;
	for (p = shaping_keys; *p; p++)
		if (!strcmp(key, *p))
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void hex16(uint64_t h, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, h);
}

static uint64_t config_hash(json_object *cfg)
{
	const char *keys[256];
	XXH3_state_t *st = XXH3_createState();
	size_t n = 0, i;
	uint64_t h;

	json_object_object_foreach(cfg, key, val) {
		(void)val;
		if (shapes(key) && n < 256)
			keys[n++] = key;
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	XXH3_64bits_reset(st);
	for (i = 0; i < n; i++) {
		const char *v = json_object_to_json_string_ext(get(cfg, keys[i]), JSON_C_TO_STRING_PLAIN);

		XXH3_64bits_update(st, keys[i], strlen(keys[i]) + 1);
		XXH3_64bits_update(st, v, strlen(v) + 1);
	}
	h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}

/* The environment's hash over env_keys, leaving out `skip` (NULL: none). */
uint64_t db__env_hash(json_object *env, const char *skip)
{
	XXH3_state_t *st = XXH3_createState();
	const char *const *k;
	const char *v;
	uint64_t h;

	XXH3_64bits_reset(st);
	for (k = env_keys; *k; k++) {
		if (skip && !strcmp(*k, skip))
			continue;
		v = get(env, *k) ? json_object_to_json_string_ext(get(env, *k), JSON_C_TO_STRING_PLAIN) :
				   "null";
		XXH3_64bits_update(st, *k, strlen(*k) + 1);
		XXH3_64bits_update(st, v, strlen(v) + 1);
	}
	h = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return h;
}

void db__fingerprints(json_object *report, char run_key[17], char config_fp[17], char env_fp[17])
{
	const char *text = json_object_to_json_string_ext(report, JSON_C_TO_STRING_PLAIN);

	hex16(XXH3_64bits(text, strlen(text)), run_key);
	hex16(config_hash(get(report, "config")), config_fp);
	hex16(db__env_hash(get(report, "environment"), NULL), env_fp);
}

/* ---- the rows ---- */

#define RUN_COLS "run_key, name, config_fp, env_fp, config_source, config_json, " \
	"rabench_version, git_rev, data_rev, host, kernel, machine, cpu_model, ncpu, device, " \
	"device_model, fs_type, read_ahead_kb, mem_total_bytes, cgroup_version, started, ended, " \
	"complete, env_json, recorded"
#define RUN_NCOLS 25

/* data_rev: the dataset folder's name, which is the hash of the data's parameters */
static const char *data_rev(json_object *doc)
{
	const char *dir = get(get(doc, "dataset"), "dir") ?
		json_object_get_string(get(get(doc, "dataset"), "dir")) : NULL;
	const char *slash = dir ? strrchr(dir, '/') : NULL;

	return slash && slash[1] ? slash + 1 : dir;
}

static json_object *cgroup_version(json_object *doc)
{
	json_object *reps = get(doc, "repeats"), *v;
	size_t i;

	for (i = 0; reps && json_object_is_type(reps, json_type_array) &&
		    i < json_object_array_length(reps); i++)
		if ((v = get(get(json_object_array_get_idx(reps, i), "memcg"), "version")))
			return v;
	return NULL;
}

static void run_row(struct vals *vs, json_object *doc, const char *keys[3], const char *ended)
{
	json_object *env = get(doc, "environment"), *cfg = get(doc, "config");
	static const char *const env_cols[] = { "rabench_version", "git_rev", NULL, "hostname",
		"kernel", "machine", "cpu_model", "ncpu", "device", "device_model", "fs_type",
		"read_ahead_kb", "mem_total_bytes" };
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	size_t i;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vals_add(vs, keys[0]);
	vals_json(vs, get(cfg, "name"));
	vals_add(vs, keys[1]);
	vals_add(vs, keys[2]);
	vals_json(vs, get(doc, "config_source"));
	vals_json(vs, cfg);
	for (i = 0; i < sizeof(env_cols) / sizeof(env_cols[0]); i++)
		if (env_cols[i])
			vals_json(vs, get(env, env_cols[i]));
		else
			vals_add(vs, data_rev(doc));
	vals_json(vs, cgroup_version(doc));
	vals_json(vs, get(doc, "started"));
	vals_add(vs, ended);
	vals_json(vs, get(doc, "complete"));
	vals_json(vs, env);
	vals_add(vs, now);
}

#define REP_COLS "run_key, seq, strategy, repeat, clients, batch, n_queries, wall_s, open_s, " \
	"qps, recall, p50_us, p99_us, proc_read_bytes, dev_read_bytes, majflt, minflt, " \
	"needed_bytes, read_amplification, results_digest"
#define REP_NCOLS 20

static int int_or(json_object *o, int def)
{
	return is_num(o) ? json_object_get_int(o) : def;
}

static void repeat_row(struct vals *vs, const char *key, size_t seq, json_object *r)
{
	static const char *const nums[] = { "n_queries", "wall_s", "open_s", "qps", "recall" };
	static const char *const more[] = { "proc_read_bytes", "dev_read_bytes", "majflt", "minflt",
					    "needed_bytes", "read_amplification", "results_digest" };
	size_t i;

	vals_add(vs, key);
	vals_num(vs, (double)seq);
	vals_json(vs, get(r, "strategy"));
	vals_json(vs, get(r, "repeat"));
	vals_num(vs, int_or(get(r, "clients"), 1));
	vals_num(vs, int_or(get(r, "batch"), 1));
	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		vals_json(vs, get(r, nums[i]));
	vals_json(vs, get(get(r, "latency_us"), "p50"));
	vals_json(vs, get(get(r, "latency_us"), "p99"));
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++)
		vals_json(vs, get(r, more[i]));
}

/* Flush vs as rows of table, then empty it. */
static int flush(struct rb_db *db, struct vals *vs, const char *table, const char *cols,
		 int ncols, char *err, size_t errlen)
{
	int rc;

	if (vs->oom)
		return -ENOMEM;
	rc = db__insert_rows(db, table, cols, ncols, (const char *const *)vs->v,
			     vs->n / (size_t)ncols, err, errlen);
	vals_reset(vs);
	return rc;
}

/* Numeric members of obj as probe_counters rows (source: probes, strategy, memcg). */
static void counter_rows(struct vals *vs, const char *key, size_t seq, const char *source,
			 json_object *obj)
{
	if (!obj || !json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, name, v) {
		if (!is_num(v) && !json_object_is_type(v, json_type_null))
			continue;
		vals_add(vs, key);
		vals_num(vs, (double)seq);
		vals_add(vs, source);
		vals_add(vs, name);
		vals_json(vs, v);
	}
}

/* repeats[i].bounds' figures as bounds rows (none when the repeat has no bounds). */
static void bound_rows(struct vals *vs, const char *key, size_t seq, json_object *b)
{
	if (!b || !json_object_is_type(b, json_type_object))
		return;
	json_object_object_foreach(b, name, v) {
		vals_add(vs, key);
		vals_num(vs, (double)seq);
		vals_add(vs, name);
		vals_json(vs, is_num(v) ? v : NULL);
	}
}

static int record_repeats(struct rb_db *db, json_object *doc, const char *key, struct vals *vs,
			  char *err, size_t errlen)
{
	json_object *reps = get(doc, "repeats"), *r, *lat;
	size_t i, j, n = reps && json_object_is_type(reps, json_type_array) ?
			 json_object_array_length(reps) : 0;
	int rc = 0;

	for (i = 0; i < n; i++)
		repeat_row(vs, key, i, json_object_array_get_idx(reps, i));
	rc = flush(db, vs, "repeats", REP_COLS, REP_NCOLS, err, errlen);
	for (i = 0; !rc && i < n; i++) {
		r = json_object_array_get_idx(reps, i);
		lat = get(r, "latency_samples_us");
		for (j = 0; lat && json_object_is_type(lat, json_type_array) &&
			    j < json_object_array_length(lat); j++) {
			vals_add(vs, key);
			vals_num(vs, (double)i);
			vals_num(vs, (double)j);
			vals_json(vs, json_object_array_get_idx(lat, j));
		}
		rc = flush(db, vs, "query_latencies", "run_key, seq, query, latency_us", 4, err, errlen);
	}
	for (i = 0; !rc && i < n; i++) {
		r = json_object_array_get_idx(reps, i);
		counter_rows(vs, key, i, "probes", get(get(r, "probes"), "total"));
		counter_rows(vs, key, i, "strategy", get(r, "strategy_stats"));
		counter_rows(vs, key, i, "memcg", get(r, "memcg"));
		rc = flush(db, vs, "probe_counters", "run_key, seq, source, counter, value", 5, err,
			   errlen);
	}
	for (i = 0; !rc && i < n; i++) {
		bound_rows(vs, key, i, get(json_object_array_get_idx(reps, i), "bounds"));
		rc = flush(db, vs, "bounds", "run_key, seq, bound, value", 4, err, errlen);
	}
	return rc;
}

static void summary_rows(struct vals *vs, const char *key, json_object *s)
{
	json_object *name = get(s, "name");

	if (!name || !json_object_is_type(name, json_type_string))
		return;
	json_object_object_foreach(s, metric, v) {
		if (!strcmp(metric, "name") || !strcmp(metric, "clients"))
			continue;
		if (!is_num(v) && !(json_object_is_type(v, json_type_object) && get(v, "median")) &&
		    !(json_object_is_type(v, json_type_null)))
			continue;
		vals_add(vs, key);
		vals_json(vs, name);
		vals_num(vs, int_or(get(s, "clients"), 1));
		vals_add(vs, metric);
		vals_json(vs, is_num(v) ? v : get(v, "median"));
		vals_json(vs, is_num(v) ? v : get(v, "min"));
		vals_json(vs, is_num(v) ? v : get(v, "max"));
	}
}

static int record_summaries(struct rb_db *db, json_object *doc, const char *key, struct vals *vs,
			    char *err, size_t errlen)
{
	json_object *list = get(get(doc, "summary"), "strategies");
	size_t i;

	for (i = 0; list && json_object_is_type(list, json_type_array) &&
		    i < json_object_array_length(list); i++)
		summary_rows(vs, key, json_object_array_get_idx(list, i));
	return flush(db, vs, "strategy_summaries",
		     "run_key, strategy, clients, metric, median, min, max", 7, err, errlen);
}

static int insert_run(struct rb_db *db, json_object *doc, const char *keys[3], const char *ended,
		      long *changed, struct vals *vs, char *err, size_t errlen)
{
	char sql[1024];
	int rc, i;
	size_t used;

	run_row(vs, doc, keys, ended);
	if (vs->oom)
		return -ENOMEM;
	used = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO runs (" RUN_COLS ") VALUES (");
	for (i = 0; i < RUN_NCOLS; i++)
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, "$%d%s", i + 1,
					 i < RUN_NCOLS - 1 ? "," : ")");
	snprintf(sql + used, sizeof(sql) - used, " ON CONFLICT (run_key) DO NOTHING");
	rc = db__query(db, sql, RUN_NCOLS, (const char *const *)vs->v, NULL, NULL, changed, err,
		       errlen);
	vals_reset(vs);
	return rc;
}

static int check_doc(json_object *doc, char *err, size_t errlen)
{
	if (!get(doc, "config") || !get(doc, "environment") || !get(doc, "started") ||
	    !get(get(doc, "config"), "name")) {
		snprintf(err, errlen, "not a rabench report (config, environment, started)");
		return -EINVAL;
	}
	return 0;
}

int db__record(struct rb_db *db, json_object *report, const char *ended, int *inserted,
	       char *run_key, size_t keylen, char *err, size_t errlen)
{
	char key[17], cfp[17], efp[17];
	const char *keys[3] = { key, cfp, efp };
	struct vals vs = { 0 };
	long changed = 0;
	int rc;

	*inserted = 0;
	if ((rc = check_doc(report, err, errlen)))
		return rc;
	db__fingerprints(report, key, cfp, efp);
	if (run_key)
		snprintf(run_key, keylen, "%s", key);
	rc = db__begin(db, err, errlen);
	if (rc)
		return rc;
	rc = insert_run(db, report, keys, ended, &changed, &vs, err, errlen);
	if (!rc && changed > 0)
		rc = record_repeats(db, report, key, &vs, err, errlen);
	if (!rc && changed > 0)
		rc = record_summaries(db, report, key, &vs, err, errlen);
	if (!rc)
		rc = db__commit(db, err, errlen);
	if (rc)
		db__rollback(db);
	else
		*inserted = changed > 0;
	vals_free(&vs);
	return rc;
}
