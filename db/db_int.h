/*
 * db_int — what db.c, record.c, query.c and the two engines share: the engine ops
 * table (fio's ioengine pattern: name, version, flags, a few hooks) and the handle.
 * Every statement is written once, with $1..$N placeholders, which both engines read
 * (SQLite as named parameters, bound by name). Values travel as text, NULL as NULL;
 * the columns' types (BIGINT, DOUBLE PRECISION, TEXT) convert them.
 */
#ifndef RB_DB_INT_H
#define RB_DB_INT_H

#include <stdint.h>

#include "db.h"

#define RB_DB_OPS_VERSION 1

/* Called per result row; vals[i] NULL for SQL NULL. Non-zero stops (and is returned). */
typedef int (*db_row_fn)(void *arg, int ncols, const char *const *vals);

enum {
	DB_F_SERVER = 1 << 0,   /* a server: the migration takes an advisory lock */
};

struct db_ops {
	const char *name;
	int version;            /* RB_DB_OPS_VERSION */
	unsigned flags;
	int (*open)(const char *target, void **conn, char *err, size_t errlen);
	void (*close)(void *conn);
	/* one statement, params as text; rows to fn (may be NULL); *changed: rows written */
	int (*query)(void *conn, const char *sql, int nparams, const char *const *params,
		     db_row_fn fn, void *arg, long *changed, char *err, size_t errlen);
	/* a write transaction: SQLite BEGIN IMMEDIATE, PostgreSQL BEGIN */
	const char *begin_sql;
	/* the names of the tables in the database (current schema), one row each */
	const char *tables_sql;
	/* taken inside the migration's transaction (PostgreSQL: an advisory lock), or NULL */
	const char *lock_sql;
};

extern const struct db_ops db_sqlite_ops;
extern const struct db_ops db_pg_ops;

struct rb_db {
	const struct db_ops *ops;
	void *conn;
	char target[RB_DB_URL_MAX];     /* redacted: safe in any message */
	int schema;
};

int db__query(struct rb_db *db, const char *sql, int n, const char *const *params,
	      db_row_fn fn, void *arg, long *changed, char *err, size_t errlen);
int db__exec(struct rb_db *db, const char *sql, char *err, size_t errlen);
int db__begin(struct rb_db *db, char *err, size_t errlen);
int db__commit(struct rb_db *db, char *err, size_t errlen);
void db__rollback(struct rb_db *db);

/*
 * INSERT INTO table (cols) VALUES (...), (...): nrows rows of ncols text values
 * (row-major, NULL for SQL NULL), sent in batches.
 */
int db__insert_rows(struct rb_db *db, const char *table, const char *cols, int ncols,
		    const char *const *vals, size_t nrows, char *err, size_t errlen);

/* The environment fingerprint's hash, leaving out the key skip (NULL: none); record.c. */
uint64_t db__env_hash(json_object *env, const char *skip);

#endif
