/*
 * db_sqlite — the SQLite engine of the results database (libsqlite3): a file,
 * WAL mode (readers never block the writer, a crash never leaves half a
 * transaction), a busy timeout so that concurrent rabench processes wait for each
 * other's short write transactions instead of failing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "db_int.h"
#include "lib/fsutil.h"

#define BUSY_TIMEOUT_MS 30000

static int sq_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -ENOTSUP;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int sq_fail(sqlite3 *h, int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
	return sq_errno(rc);
}

/* The folder of path, created when absent (results/ before the first run). */
static int make_parent(const char *path)
{
	char dir[RB_DB_URL_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return fsutil__mkdir_p(dir, 0755, 0);
}

static int sq_open(const char *target, void **conn, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	int rc;

	rc = make_parent(target);
	if (rc) {
		snprintf(err, errlen, "cannot create its folder: %s", strerror(-rc));
		return rc;
	}
	rc = sqlite3_open_v2(target, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_fail(h, rc, "cannot open", err, errlen);
		sqlite3_close(h);
		return rc;
	}
	sqlite3_busy_timeout(h, BUSY_TIMEOUT_MS);
	/* the first read of the file: a file that is not a database fails here */
	rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(h, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_fail(h, rc, (rc & 0xff) == SQLITE_NOTADB ? "not a SQLite database" :
			     "cannot use it", err, errlen);
		sqlite3_close(h);
		return rc;
	}
	*conn = h;
	return 0;
}

static void sq_close(void *conn)
{
	sqlite3_close(conn);
}

static int sq_bind(sqlite3 *h, sqlite3_stmt *st, int n, const char *const *params, char *err,
		   size_t errlen)
{
	char name[16];
	int i, idx, rc;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "$%d", i + 1);
		/* parameters numbered in order of first use sit at their own index */
		idx = i < sqlite3_bind_parameter_count(st) && sqlite3_bind_parameter_name(st, i + 1) &&
		      !strcmp(sqlite3_bind_parameter_name(st, i + 1), name) ?
		      i + 1 : sqlite3_bind_parameter_index(st, name);
		if (!idx)
			continue;	/* a parameter the statement does not use */
		rc = params[i] ? sqlite3_bind_text(st, idx, params[i], -1, SQLITE_STATIC) :
				 sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			return sq_fail(h, rc, "bind", err, errlen);
	}
	return 0;
}

static int sq_rows(sqlite3 *h, sqlite3_stmt *st, db_row_fn fn, void *arg, char *err,
		   size_t errlen)
{
	const char *vals[64];
	int rc, i, nc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		nc = sqlite3_column_count(st);
		nc = nc > 64 ? 64 : nc;
		for (i = 0; i < nc; i++)
			vals[i] = (const char *)sqlite3_column_text(st, i);
		if (fn && (rc = fn(arg, nc, vals)))
			return rc;
	}
	return rc == SQLITE_DONE ? 0 : sq_fail(h, rc, "query", err, errlen);
}

static int sq_query(void *conn, const char *sql, int nparams, const char *const *params,
		    db_row_fn fn, void *arg, long *changed, char *err, size_t errlen)
{
	sqlite3 *h = conn;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(h, rc, (rc & 0xff) == SQLITE_NOTADB ? "not a SQLite database" :
			       "prepare", err, errlen);
	rc = sq_bind(h, st, nparams, params, err, errlen);
	if (!rc)
		rc = sq_rows(h, st, fn, arg, err, errlen);
	if (!rc && changed)
		*changed = sqlite3_changes(h);
	sqlite3_finalize(st);
	return rc;
}

const struct db_ops db_sqlite_ops = {
	.name = "sqlite",
	.version = RB_DB_OPS_VERSION,
	.flags = 0,
	.open = sq_open,
	.close = sq_close,
	.query = sq_query,
	.begin_sql = "BEGIN IMMEDIATE",
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
	.lock_sql = NULL,
};
