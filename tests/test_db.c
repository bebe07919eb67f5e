/*
 * test_db — the results database on real SQLite files in a temporary folder: the
 * migrations on a fresh file, refusing a newer schema, another schema and a file
 * that is not a database, a report recorded twice being one run, the history and
 * comparable-run queries; the password redaction of URLs; the drift check on
 * synthetic series (five runs each 2 % slower flagged, a flat noisy series not).
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
#include <unistd.h>
#include <sqlite3.h>

#include "db/db.h"
#include "lib/drift.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/rabench-test-db.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void sql(const char *path, const char *stmt)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, stmt, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* A small report: one strategy, two repeats of n latencies scaled by f, started at t. */
static json_object *report(double f, const char *started, int n)
{
	char text[4096];
	json_object *doc, *reps, *lat;
	int r, i;

	snprintf(text, sizeof(text),
		 "{\"schema_version\": 1, \"tool\": \"rabench\", \"complete\": true, "
		 "\"started\": \"%s\", \"config_source\": \"configs/ci.yaml\", "
		 "\"environment\": {\"kernel\": \"6.1.0\", \"read_ahead_kb\": 128, \"device\": \"vda\", "
		 "\"device_model\": \"virtio\", \"fs_type\": \"ext4\", \"mem_total_bytes\": 1000, "
		 "\"cpu_model\": \"cpu\", \"ncpu\": 2, \"hostname\": \"h\", \"git_rev\": \"abc1234\"}, "
		 "\"config\": {\"name\": \"ci\", \"dataset.n\": 1000, \"run.results_dir\": \"x\"}, "
		 "\"dataset\": {\"dir\": \"datasets/cache/0123abcd\"}, "
		 "\"repeats\": [], \"summary\": {\"strategies\": [{\"name\": \"default\", "
		 "\"clients\": 1, \"repeats\": 2, \"p50_us\": {\"median\": %g, \"min\": %g, \"max\": %g}, "
		 "\"majflt\": null}]}}",
		 started, 100 * f, 99 * f, 101 * f);
	doc = json_tokener_parse(text);
	assert_non_null(doc);
	json_object_object_get_ex(doc, "repeats", &reps);
	for (r = 0; r < 2; r++) {
		json_object *rep = json_object_new_object(), *total = json_object_new_object();

		lat = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(lat, json_object_new_double(f * (90 + i % 20)));
		json_object_object_add(rep, "strategy", json_object_new_string("default"));
		json_object_object_add(rep, "repeat", json_object_new_int(r));
		json_object_object_add(rep, "latency_samples_us", lat);
		json_object_object_add(total, "pages_added_demand", json_object_new_int(10 + r));
		json_object_object_add(rep, "probes", json_object_new_object());
		if (r == 0)   /* one repeat with bounds: unique_bytes and opt_bytes rows */
			json_object_object_add(rep, "bounds", json_tokener_parse(
				"{\"unique_bytes\": 4096, \"opt_bytes\": 8192}"));
		json_object_object_add(json_object_object_get(rep, "probes"), "total", total);
		json_object_array_add(reps, rep);
	}
	return doc;
}

static void test_fresh_migrations(void **state)
{
	char path[128], err[512];
	struct rb_db *db;

	(void)state;
	path_of(path, sizeof(path), "sub/fresh.db");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), 0);
	assert_int_equal(db__schema_version(db), RB_DB_SCHEMA_VERSION);
	assert_string_equal(db__engine(db), "sqlite");
	assert_int_equal(db__count(db, "runs", NULL, err, sizeof(err)), 0);
	db__close(db);
	/* opening again applies nothing and keeps one version row */
	assert_int_equal(db__open(path, &db, err, sizeof(err)), 0);
	db__close(db);
	{
		sqlite3 *h;
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT COUNT(*), MAX(version) FROM schema_version",
						    -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 1);
		assert_int_equal(sqlite3_column_int(st, 1), RB_DB_SCHEMA_VERSION);
		sqlite3_finalize(st);
		assert_int_equal(sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
}

static void test_newer_schema_refused(void **state)
{
	char path[128], err[512];
	struct rb_db *db;

	(void)state;
	path_of(path, sizeof(path), "newer.db");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), 0);
	db__close(db);
	sql(path, "INSERT INTO schema_version VALUES (99, 'rabench', 'future')");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), -EPROTONOSUPPORT);
	assert_null(db);
	assert_non_null(strstr(err, "schema version 99 is newer"));
}

static void test_other_schema_refused(void **state)
{
	char path[128], err[512];
	struct rb_db *db;

	(void)state;
	path_of(path, sizeof(path), "other.db");
	sql(path, "CREATE TABLE invoices (id INTEGER)");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "another schema"));
	assert_non_null(strstr(err, "invoices"));
	path_of(path, sizeof(path), "other2.db");
	sql(path, "CREATE TABLE schema_version (version BIGINT, tool TEXT, applied TEXT);"
		  "INSERT INTO schema_version VALUES (1, 'bencher', 'x')");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "bencher"));
}

static void test_not_a_database(void **state)
{
	char path[128], err[512];
	struct rb_db *db;
	FILE *f;

	(void)state;
	path_of(path, sizeof(path), "notes.txt");
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database, only some text\n", f);
	fclose(f);
	assert_int_equal(db__open(path, &db, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "not a SQLite database"));
	assert_int_equal(db__open("mysql://u:pw@h/db", &db, err, sizeof(err)), -EINVAL);
	assert_null(strstr(err, "pw"));
}

static void test_import_twice_one_run(void **state)
{
	char path[128], err[512], key[17], key2[17];
	json_object *doc = report(1, "2026-01-01T00:00:00Z", 30);
	struct rb_db *db;
	int ins;

	(void)state;
	path_of(path, sizeof(path), "twice.db");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), 0);
	assert_int_equal(db__record(db, doc, NULL, &ins, key, sizeof(key), err, sizeof(err)), 0);
	assert_int_equal(ins, 1);
	assert_int_equal(db__record(db, doc, NULL, &ins, key2, sizeof(key2), err, sizeof(err)), 0);
	assert_int_equal(ins, 0);
	assert_string_equal(key, key2);
	assert_int_equal(db__count(db, "runs", NULL, err, sizeof(err)), 1);
	assert_int_equal(db__count(db, "repeats", key, err, sizeof(err)), 2);
	assert_int_equal(db__count(db, "query_latencies", key, err, sizeof(err)), 60);
	assert_int_equal(db__count(db, "probe_counters", key, err, sizeof(err)), 2);
	assert_int_equal(db__count(db, "bounds", key, err, sizeof(err)), 2);
	/* p50_us, majflt (null) and repeats (a plain number) */
	assert_int_equal(db__count(db, "strategy_summaries", key, err, sizeof(err)), 3);
	db__close(db);
	json_object_put(doc);
}

static void test_history_and_comparable(void **state)
{
	char path[128], err[512], started[32];
	struct rb_history h;
	json_object **docs, *lat, *newest;
	struct rb_db *db;
	int ins, got, i;

	(void)state;
	path_of(path, sizeof(path), "hist.db");
	assert_int_equal(db__open(path, &db, err, sizeof(err)), 0);
	for (i = 0; i < 4; i++) {
		json_object *doc;

		snprintf(started, sizeof(started), "2026-01-0%dT00:00:00Z", i + 1);
		doc = report(1 + 0.02 * i, started, 30);
		assert_int_equal(db__record(db, doc, NULL, &ins, NULL, 0, err, sizeof(err)), 0);
		json_object_put(doc);
	}
	assert_int_equal(db__history(db, "ci", NULL, "p50_us", &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 4);
	assert_true(fabs(h.pts[0].value - 100) < 1e-9);
	assert_true(fabs(h.pts[3].value - 106) < 1e-9);
	assert_string_equal(h.pts[2].strategy, "default");
	assert_string_equal(h.pts[0].env_fp, h.pts[3].env_fp);
	db__history_free(&h);
	assert_int_equal(db__history(db, "nope", NULL, "p50_us", &h, err, sizeof(err)), 0);
	assert_int_equal(h.n, 0);

	newest = report(1.1, "2026-01-09T00:00:00Z", 30);
	assert_int_equal(db__comparable_runs(db, newest, 3, &docs, &got, err, sizeof(err)), 0);
	assert_int_equal(got, 3);
	/* oldest first: runs 2, 3 and 4 */
	assert_string_equal(json_object_get_string(json_object_object_get(docs[0], "started")),
			    "2026-01-02T00:00:00Z");
	lat = json_object_object_get(json_object_array_get_idx(json_object_object_get(docs[2], "repeats"), 1),
				     "latency_samples_us");
	assert_int_equal(json_object_array_length(lat), 30);
	assert_true(fabs(json_object_get_double(json_object_array_get_idx(lat, 1)) - 1.06 * 91) < 1e-9);
	for (i = 0; i < got; i++)
		json_object_put(docs[i]);
	free(docs);
	json_object_put(newest);
	db__close(db);
}

static void test_redact(void **state)
{
	char out[256];

	(void)state;
	db__redact("postgresql://bench:s3cret@db.example:5432/rabench", out, sizeof(out));
	assert_string_equal(out, "postgresql://bench:***@db.example:5432/rabench");
	db__redact("postgres://bench@db/rabench?sslmode=require&password=s3cret", out, sizeof(out));
	assert_string_equal(out, "postgres://bench@db/rabench?sslmode=require&password=***");
	db__redact("postgresql:///rabench?host=/tmp/x&password=p&user=u", out, sizeof(out));
	assert_string_equal(out, "postgresql:///rabench?host=/tmp/x&password=***&user=u");
	db__redact("host=/tmp dbname=r password=hunter2 user=u", out, sizeof(out));
	assert_string_equal(out, "host=/tmp dbname=r password=*** user=u");
	db__redact("results/rabench.db", out, sizeof(out));
	assert_string_equal(out, "results/rabench.db");
	db__redact("postgresql://u:p@ss@h/db", out, sizeof(out));
	assert_null(strstr(out, "p@ss"));
}

static void test_drift(void **state)
{
	double slow[5], flat[8], few[3] = { 1, 2, 3 };
	struct rb_drift d;
	uint64_t x = 12345;
	int i;

	(void)state;
	for (i = 0; i < 5; i++)
		slow[i] = 1000 * pow(1.02, i);		/* five runs, each 2 % slower */
	assert_int_equal(drift__check(slow, 5, 0.05, 0.05, &d), 0);
	assert_true(d.flagged);
	assert_true(d.change > 0.07 && d.change < 0.09);
	assert_true(d.mk_p < 0.05);
	for (i = 0; i < 8; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		flat[i] = 1000 * (1 + 0.03 * ((double)(x >> 11) / 9007199254740992.0 - 0.5));
	}
	assert_int_equal(drift__check(flat, 8, 0.05, 0.05, &d), 0);
	assert_false(d.flagged);
	/* 2 % slower each run but under the tolerance over the window: not flagged */
	assert_int_equal(drift__check(slow, 5, 0.10, 0.05, &d), 0);
	assert_false(d.flagged);
	/* faster is never drift */
	for (i = 0; i < 5; i++)
		slow[i] = 1000 * pow(0.98, i);
	assert_int_equal(drift__check(slow, 5, 0.05, 0.05, &d), 0);
	assert_false(d.flagged);
	assert_int_equal(drift__check(few, 3, 0.05, 0.05, &d), -EINVAL);
	assert_int_equal(d.n, 3);
	assert_false(d.flagged);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_migrations),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_other_schema_refused),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_import_twice_one_run),
		cmocka_unit_test(test_history_and_comparable),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_drift),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
