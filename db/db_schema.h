/*
 * db_schema — the migrations (schema.c) that db.c applies on open: db_migrations[i]
 * is the NULL-terminated list of statements from version i to version i + 1.
 */
#ifndef RB_DB_SCHEMA_H
#define RB_DB_SCHEMA_H

#include "db.h"

extern const char *const *const db_migrations[RB_DB_SCHEMA_VERSION];

#endif
