/*
 * db_pg — the PostgreSQL engine of the results database (libpq), for several
 * runners writing into one server: each statement sent with its parameters as text
 * (PQexecParams; the server types them from the columns), never spliced into SQL.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "db_int.h"

/* libpq's messages end in a newline; ours are one line */
static void pg_msg(char *err, size_t errlen, const char *what, const char *msg)
{
	size_t len;

	snprintf(err, errlen, "%s: %s", what, msg && *msg ? msg : "unknown error");
	len = strlen(err);
	while (len && (err[len - 1] == '\n' || err[len - 1] == ' '))
		err[--len] = '\0';
	for (; len; len--)
		if (err[len - 1] == '\n' || err[len - 1] == '\t')
			err[len - 1] = ' ';
}

static int pg_open(const char *target, void **conn, char *err, size_t errlen)
{
	PQconninfoOption *opts;
	char *perr = NULL;
	PGconn *c;

	opts = PQconninfoParse(target, &perr);
	if (!opts) {
		pg_msg(err, errlen, "not a valid PostgreSQL URL", perr);
		PQfreemem(perr);
		return -EINVAL;
	}
	PQconninfoFree(opts);
	c = PQconnectdb(target);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_msg(err, errlen, "cannot connect", c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return -ECONNREFUSED;
	}
	/* notices (CREATE TABLE IF NOT EXISTS ... skipping) are not ours to print */
	PQsetNoticeProcessor(c, NULL, NULL);
	*conn = c;
	return 0;
}

static void pg_close(void *conn)
{
	PQfinish(conn);
}

static int pg_rows(PGresult *r, db_row_fn fn, void *arg)
{
	const char *vals[64];
	int i, j, nc = PQnfields(r), rc;

	nc = nc > 64 ? 64 : nc;
	for (i = 0; fn && i < PQntuples(r); i++) {
		for (j = 0; j < nc; j++)
			vals[j] = PQgetisnull(r, i, j) ? NULL : PQgetvalue(r, i, j);
		if ((rc = fn(arg, nc, vals)))
			return rc;
	}
	return 0;
}

static int pg_query(void *conn, const char *sql, int nparams, const char *const *params,
		    db_row_fn fn, void *arg, long *changed, char *err, size_t errlen)
{
	PGresult *r = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		pg_msg(err, errlen, PQstatus(conn) == CONNECTION_OK ? "query" : "connection lost",
		       r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
		rc = PQstatus(conn) == CONNECTION_OK ? -EIO : -ECONNRESET;
	} else {
		rc = pg_rows(r, fn, arg);
		if (changed)
			*changed = *PQcmdTuples(r) ? atol(PQcmdTuples(r)) : 0;
	}
	PQclear(r);
	return rc;
}

const struct db_ops db_pg_ops = {
	.name = "postgresql",
	.version = RB_DB_OPS_VERSION,
	.flags = DB_F_SERVER,
	.open = pg_open,
	.close = pg_close,
	.query = pg_query,
	.begin_sql = "BEGIN",
	.tables_sql = "SELECT table_name FROM information_schema.tables "
		      "WHERE table_schema = current_schema()",
	.lock_sql = "SELECT pg_advisory_xact_lock(7262010)",
};
