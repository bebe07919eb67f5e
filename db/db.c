/*
 * db — opening the results database: which one (--db, $RABENCH_DB, run.db, the
 * default), which engine (a postgresql:// URL or a SQLite file), checking that it is
 * ours and not newer than this binary, and applying the pending migrations in one
 * transaction; plus the small statement helpers record.c and query.c share.
 * Passwords never leave here: every message names the target through db__redact.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_int.h"
#include "db_schema.h"

#define TOOL "rabench"

const char *db__resolve(const char *flag, const char *cfg_value)
{
	const char *env = getenv("RABENCH_DB");

	if (flag && *flag)
		return flag;
	if (env && *env)
		return env;
	if (cfg_value && *cfg_value)
		return cfg_value;
	return RB_DB_DEFAULT;
}

int db__is_url(const char *t)
{
	return !strncmp(t, "postgresql://", 13) || !strncmp(t, "postgres://", 11);
}

/* "password=SECRET" (a query parameter or a conninfo pair) -> "password=***" */
static void redact_pairs(char *s)
{
	char *p = s, *end;

	while ((p = strstr(p, "password="))) {
		if (p != s && p[-1] != '?' && p[-1] != '&' && p[-1] != ' ') {
			p += 9;
			continue;
		}
		p += 9;
		end = p + strcspn(p, "& ");
		if (end != p) {
			memmove(p + 3, end, strlen(end) + 1);
			memcpy(p, "***", 3);
		}
		p += 3;
	}
}

void db__redact(const char *target, char *out, size_t outlen)
{
	const char *scheme, *auth, *at, *colon;
	char buf[RB_DB_URL_MAX * 2];

	if (!outlen)
		return;
	scheme = strstr(target, "://");
	if (scheme) {
		auth = scheme + 3;
		at = auth + strcspn(auth, "@/?");
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (*at == '@' && colon)
			snprintf(buf, sizeof(buf), "%.*s:***%s", (int)(colon - target), target, at);
		else
			snprintf(buf, sizeof(buf), "%s", target);
	} else {
		snprintf(buf, sizeof(buf), "%s", target);
	}
	redact_pairs(buf);
	snprintf(out, outlen, "%s", buf);
}

int db__query(struct rb_db *db, const char *sql, int n, const char *const *params,
	      db_row_fn fn, void *arg, long *changed, char *err, size_t errlen)
{
	return db->ops->query(db->conn, sql, n, params, fn, arg, changed, err, errlen);
}

int db__exec(struct rb_db *db, const char *sql, char *err, size_t errlen)
{
	return db__query(db, sql, 0, NULL, NULL, NULL, NULL, err, errlen);
}

int db__begin(struct rb_db *db, char *err, size_t errlen)
{
	return db__exec(db, db->ops->begin_sql, err, errlen);
}

int db__commit(struct rb_db *db, char *err, size_t errlen)
{
	return db__exec(db, "COMMIT", err, errlen);
}

void db__rollback(struct rb_db *db)
{
	char err[256];

	db__exec(db, "ROLLBACK", err, sizeof(err));
}

#define ROWS_PER_INSERT 100

static int insert_batch(struct rb_db *db, const char *table, const char *cols, int ncols,
			const char *const *vals, size_t nrows, char *err, size_t errlen)
{
	size_t cap = 64 + strlen(table) + strlen(cols) + nrows * (size_t)ncols * 8, used, r;
	char *sql = malloc(cap);
	int c, rc;

	if (!sql)
		return -ENOMEM;
	used = (size_t)snprintf(sql, cap, "INSERT INTO %s (%s) VALUES ", table, cols);
	for (r = 0; r < nrows; r++)
		for (c = 0; c < ncols; c++)
			used += (size_t)snprintf(sql + used, cap - used, "%s$%zu%s",
						 c ? "" : (r ? ",(" : "("), r * (size_t)ncols + (size_t)c + 1,
						 c == ncols - 1 ? ")" : ",");
	rc = db__query(db, sql, (int)(nrows * (size_t)ncols), vals, NULL, NULL, NULL, err, errlen);
	free(sql);
	return rc;
}

int db__insert_rows(struct rb_db *db, const char *table, const char *cols, int ncols,
		    const char *const *vals, size_t nrows, char *err, size_t errlen)
{
	size_t done, n;
	int rc = 0;

	for (done = 0; !rc && done < nrows; done += n) {
		n = nrows - done > ROWS_PER_INSERT ? ROWS_PER_INSERT : nrows - done;
		rc = insert_batch(db, table, cols, ncols, vals + done * (size_t)ncols, n, err, errlen);
	}
	return rc;
}

/* ---- the schema check and the migrations ---- */

struct tables {
	int n;
	int has_version;
	char first[64];
};

static int on_table(void *arg, int nc, const char *const *v)
{
	struct tables *t = arg;

	if (nc < 1 || !v[0])
		return 0;
	if (!strcmp(v[0], "schema_version"))
		t->has_version = 1;
	else if (!t->first[0])
		snprintf(t->first, sizeof(t->first), "%s", v[0]);
	t->n++;
	return 0;
}

struct version {
	long v;
	char tool[32];
};

static int on_version(void *arg, int nc, const char *const *v)
{
	struct version *ver = arg;

	if (nc >= 2 && v[0] && strtol(v[0], NULL, 10) > ver->v) {
		ver->v = strtol(v[0], NULL, 10);
		snprintf(ver->tool, sizeof(ver->tool), "%s", v[1] ? v[1] : "");
	}
	return 0;
}

/* The schema version of db: 0 for an empty one; -EPROTO when not ours. */
static int current_version(struct rb_db *db, char *err, size_t errlen)
{
	struct tables t = { 0 };
	struct version ver = { 0 };
	int rc;

	rc = db__query(db, db->ops->tables_sql, 0, NULL, on_table, &t, NULL, err, errlen);
	if (rc)
		return rc;
	if (!t.n)
		return 0;
	if (!t.has_version) {
		snprintf(err, errlen, "%s: a database of another schema (table '%s', no "
			 "schema_version): not a rabench results database", db->target, t.first);
		return -EPROTO;
	}
	rc = db__query(db, "SELECT version, tool FROM schema_version", 0, NULL, on_version, &ver,
		       NULL, err, errlen);
	if (rc) {
		snprintf(err, errlen, "%s: a database of another schema (its schema_version table "
			 "is not rabench's)", db->target);
		return -EPROTO;
	}
	if (strcmp(ver.tool, TOOL)) {
		snprintf(err, errlen, "%s: a database of another schema (schema_version says "
			 "tool '%s', not rabench)", db->target, ver.tool);
		return -EPROTO;
	}
	if (ver.v > RB_DB_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %ld is newer than this rabench's (%d): "
			 "use a newer rabench", db->target, ver.v, RB_DB_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	return (int)ver.v;
}

static int apply(struct rb_db *db, int from, char *err, size_t errlen)
{
	const char *const *s;
	char ver[16], now[32];
	const char *p[3] = { ver, TOOL, now };
	time_t t = time(NULL);
	struct tm tm;
	int v, rc;

	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	for (v = from; v < RB_DB_SCHEMA_VERSION; v++) {
		for (s = db_migrations[v]; *s; s++)
			if ((rc = db__exec(db, *s, err, errlen)))
				return rc;
		snprintf(ver, sizeof(ver), "%d", v + 1);
		rc = db__query(db, "INSERT INTO schema_version (version, tool, applied) "
			       "VALUES ($1, $2, $3)", 3, p, NULL, NULL, NULL, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* Check the schema and bring it up to date, in one transaction. */
static int migrate(struct rb_db *db, char *err, size_t errlen)
{
	char why[512];
	int rc, v;

	rc = db__begin(db, why, sizeof(why));
	if (!rc && db->ops->lock_sql)
		rc = db__exec(db, db->ops->lock_sql, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "%s: %s", db->target, why);
		return rc;
	}
	v = current_version(db, why, sizeof(why));
	rc = v < 0 ? v : (v < RB_DB_SCHEMA_VERSION ? apply(db, v, why, sizeof(why)) : 0);
	if (!rc)
		rc = db__commit(db, why, sizeof(why));
	if (rc) {
		db__rollback(db);
		if (rc == -EPROTO || rc == -EPROTONOSUPPORT)
			snprintf(err, errlen, "%s", why);
		else
			snprintf(err, errlen, "%s: cannot migrate the schema: %s", db->target, why);
		return rc;
	}
	db->schema = RB_DB_SCHEMA_VERSION;
	return 0;
}

static int check_ops(const struct db_ops *ops)
{
	return ops->version == RB_DB_OPS_VERSION && ops->open && ops->close && ops->query &&
	       ops->begin_sql && ops->tables_sql ? 0 : -EINVAL;
}

int db__open(const char *target, struct rb_db **out, char *err, size_t errlen)
{
	struct rb_db *db = calloc(1, sizeof(*db));
	char why[512];
	int rc;

	*out = NULL;
	if (!db)
		return -ENOMEM;
	db__redact(target, db->target, sizeof(db->target));
	db->ops = db__is_url(target) ? &db_pg_ops : &db_sqlite_ops;
	if (strstr(target, "://") && !db__is_url(target)) {
		snprintf(err, errlen, "%s: not a database rabench knows: a SQLite file path or a "
			 "postgresql:// URL", db->target);
		free(db);
		return -EINVAL;
	}
	rc = check_ops(db->ops);
	if (!rc)
		rc = db->ops->open(target, &db->conn, why, sizeof(why));
	if (rc) {
		char safe[600];

		/* libpq may quote the conninfo back: redact its message too */
		db__redact(why, safe, sizeof(safe));
		snprintf(err, errlen, "%s: %s", db->target, safe);
		free(db);
		return rc;
	}
	rc = migrate(db, err, errlen);
	if (rc) {
		db__close(db);
		return rc;
	}
	*out = db;
	return 0;
}

void db__close(struct rb_db *db)
{
	if (!db)
		return;
	if (db->conn)
		db->ops->close(db->conn);
	free(db);
}

const char *db__engine(const struct rb_db *db)
{
	return db->ops->name;
}

int db__schema_version(struct rb_db *db)
{
	return db->schema;
}

static int on_count(void *arg, int nc, const char *const *v)
{
	*(long *)arg = nc >= 1 && v[0] ? strtol(v[0], NULL, 10) : 0;
	return 0;
}

long db__count(struct rb_db *db, const char *table, const char *run_key, char *err, size_t errlen)
{
	static const char *const tables[] = { "runs", "repeats", "strategy_summaries",
					      "query_latencies", "probe_counters", "bounds", NULL };
	const char *const *t;
	char sql[160];
	long n = 0;
	int rc;

	for (t = tables; *t && strcmp(*t, table); t++)
		;
	if (!*t) {
		snprintf(err, errlen, "no table '%s'", table);
		return -EINVAL;
	}
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s%s", table,
		 run_key ? " WHERE run_key = $1" : "");
	rc = db__query(db, sql, run_key ? 1 : 0, &run_key, on_count, &n, NULL, err, errlen);
	return rc ? rc : n;
}
