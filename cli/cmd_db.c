/*
 * cmd_db — `rabench db import|info|runs`: the results database by hand. import
 * loads saved report.json files (old runs, a run whose database write failed); a
 * report imported twice is one run. info says which database, engine and schema
 * version, and how many rows each table holds; runs lists the runs, one per line,
 * with the rows each holds (what the concurrency test checks every run by).
 * Exit 0 done, 1 a report could not be recorded, 2 bad input.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "db/db.h"
#include "report/report.h"

static struct db_env {
	const char *db;
	const char *sub;
	char **files;
	int n_files;
	int quiet;
} env;

static const char doc[] =
	"The results database: import saved reports, show what it holds.\v"
	"SUBCOMMANDS:\n"
	"    import REPORT.json...   record saved runs (a run imported twice is one run)\n"
	"    info                    the database, its engine and schema version, rows per table\n"
	"    runs                    every run: key, name, started, rows of repeats and latencies\n"
	"\n"
	"The database is --db, else $RABENCH_DB, else results/rabench.db: a SQLite file or\n"
	"a postgresql://USER[:PASSWORD]@HOST/DB URL (the password is never printed).\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench db import results/ci/*/report.json\n"
	"    RABENCH_DB=postgresql://bench@db.example/rabench rabench db info\n"
	"\n"
	"Exit status: 0 done, 1 a report could not be recorded, 2 bad input.";

static const struct argp_option opts[] = {
	{ "db", 'D', "PATH|URL", 0, "Results database (overrides RABENCH_DB)", 0 },
	{ "quiet", 'q', NULL, 0, "No line per imported report", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'D':
		env.db = arg;
		break;
	case 'q':
		env.quiet = 1;
		break;
	case ARGP_KEY_ARG:
		if (!env.sub) {
			if (strcmp(arg, "import") && strcmp(arg, "info") && strcmp(arg, "runs"))
				argp_error(state, "'%s' is not a db subcommand: import, info or runs", arg);
			env.sub = arg;
			break;
		}
		if (strcmp(env.sub, "import"))
			argp_error(state, "%s takes no arguments", env.sub);
		env.files = &state->argv[state->next - 1];
		env.n_files = state->argc - state->next + 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!env.sub)
			argp_error(state, "which subcommand? import, info or runs");
		if (!strcmp(env.sub, "import") && !env.n_files)
			argp_error(state, "import which reports? rabench db import REPORT.json...");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int import_one(struct rb_db *db, const char *path)
{
	char err[1024], key[17];
	json_object *doc = NULL;
	int rc, inserted;

	rc = report__load(path, &doc, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "rabench db: %s\n", err);
		return 2;
	}
	rc = db__record(db, doc, NULL, &inserted, key, sizeof(key), err, sizeof(err));
	json_object_put(doc);
	if (rc) {
		fprintf(stderr, "rabench db: %s: not recorded: %s\n", path, err);
		return 1;
	}
	if (!env.quiet)
		printf("%s %s %s\n", inserted ? "recorded" : "already there", key, path);
	return 0;
}

static int info(struct rb_db *db, const char *target)
{
	static const char *const tables[] = { "runs", "repeats", "strategy_summaries",
					      "query_latencies", "probe_counters", "bounds", NULL };
	const char *const *t;
	char red[RB_DB_URL_MAX], err[512];
	long n;

	db__redact(target, red, sizeof(red));
	printf("database: %s\nengine: %s\nschema_version: %d\n", red, db__engine(db),
	       db__schema_version(db));
	for (t = tables; *t; t++) {
		n = db__count(db, *t, NULL, err, sizeof(err));
		if (n < 0) {
			fprintf(stderr, "rabench db: %s\n", err);
			return 1;
		}
		printf("%s: %ld\n", *t, n);
	}
	return 0;
}

int cmd_db(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "import REPORT.json...|info|runs", doc,
					  NULL, NULL, NULL };
	char err[1024];
	const char *target;
	struct rb_db *db = NULL;
	int i, rc = 0, r;

	memset(&env, 0, sizeof(env));
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL))
		return 2;
	target = db__resolve(env.db, NULL);
	if (db__open(target, &db, err, sizeof(err))) {
		fprintf(stderr, "rabench db: results database: %s\n", err);
		return 2;
	}
	if (!strcmp(env.sub, "info"))
		rc = info(db, target);
	else if (!strcmp(env.sub, "runs"))
		rc = db__print_runs(db, stdout, err, sizeof(err)) ? 1 : 0;
	else
		for (i = 0; i < env.n_files; i++)
			if ((r = import_one(db, env.files[i])) > rc)
				rc = r;
	if (rc && !strcmp(env.sub, "runs"))
		fprintf(stderr, "rabench db: %s\n", err);
	db__close(db);
	return rc;
}
