/*
 * cmd_compare — `rabench compare BASE.json NEW.json`: the performance gate; with
 * --history N, `rabench compare --history N NEW.json` judges NEW against the last N
 * comparable runs of the results database (pooled) and the trend over them.
 * Exit 0 no regression, 1 regression, 2 cannot compare (unreadable file, other
 * schema or workload config), with the reason on stderr.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "report/compare.h"
#include "report/report.h"
#include "db/db.h"

static struct compare_env {
	const char *files[2];
	int n_files;
	struct rb_compare_opts opts;
	int history;		/* --history N: 0 = two reports */
	const char *db;
	double drift_tol;
} env;

static const char doc[] =
	"Compare two runs and fail on a regression.\v"
	"Deterministic counters (process bytes read, read amplification, major faults)\n"
	"regress beyond 2 % (and a small absolute slack); a counter the same build's\n"
	"repeats already disagree on (an agent racing the queries) is shown, not gated.\n"
	"Recall regresses beyond -0.005. Latencies are judged on every query of both\n"
	"runs pooled (a batch counted once): the p50 when a Mann-Whitney U test gives\n"
	"p < 0.01 and it is worse by more than 10 %, the p99 when the bootstrap 95 %\n"
	"interval of its ratio lies above 1 and it is worse by more than 10 % -- or, when\n"
	"more, than the runs' own repeats differ from each other. Queries/s, device\n"
	"bytes and minor faults are shown, never gated.\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench compare results/baselines/ci.json results/ci/*/report.json\n"
	"    rabench compare --threshold p99_us=25 base.json new.json\n"
	"    rabench compare --history 10 results/ci/*/report.json\n"
	"\n"
	"--history N judges NEW against the last N runs in the results database (--db,\n"
	"$RABENCH_DB, results/rabench.db) with the same config and environment\n"
	"fingerprints, NEW itself left out: the tests above on their queries pooled, and\n"
	"a drift check of each strategy's p50 and p99 over those runs' medians and NEW's\n"
	"(a least-squares change beyond --drift-tol over the window, default 5 %, with a\n"
	"Mann-Kendall trend p < 0.05; at least 4 runs): five runs each 2 % slower fail.\n"
	"No comparable run is exit 2.\n"
	"\n"
	"A strategy, clients level or gated figure that BASE has and NEW lacks is a\n"
	"regression (a prefetcher that stops loading must not turn the gate green).\n"
	"Counters depend on the kernel, read_ahead_kb, device, file system and memory:\n"
	"runs from different environments are refused unless --allow-env-change.\n"
	"\n"
	"Exit status: 0 no regression, 1 regression, 2 cannot compare.";

static const struct argp_option opts[] = {
	{ "threshold", 't', "METRIC=PCT", 0, "Tolerance of one metric in percent (repeatable)", 0 },
	{ "counters-only", 'c', NULL, 0, "Gate on the deterministic counters only; show times as info", 0 },
	{ "history", 'H', "N", 0, "Judge NEW.json against the last N comparable runs of the results database", 0 },
	{ "db", 'D', "PATH|URL", 0, "Results database for --history (overrides RABENCH_DB)", 0 },
	{ "drift-tol", 'T', "PCT", 0, "--history: the trend over the window that fails (default 5)", 0 },
	{ "allow-env-change", 'e', NULL, 0, "Compare runs from different environments (kernel, read_ahead_kb, device, file system, memory): a warning instead of exit 2", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char err[256], *end;

	switch (key) {
	case 't':
		if (compare__parse_threshold(&env.opts, arg, err, sizeof(err)))
			argp_error(state, "%s", err);
		break;
	case 'c':
		env.opts.counters_only = 1;
		break;
	case 'e':
		env.opts.allow_env_change = 1;
		break;
	case 'H':
		env.history = atoi(arg);
		if (env.history < 1 || env.history > 1000)
			argp_error(state, "--history: a number of runs, 1 to 1000 (got '%s')", arg);
		break;
	case 'D':
		env.db = arg;
		break;
	case 'T':
		env.drift_tol = strtod(arg, &end) / 100;
		if (*end || !(env.drift_tol > 0))
			argp_error(state, "--drift-tol: a percentage above 0 (got '%s')", arg);
		break;
	case ARGP_KEY_ARG:
		if (env.n_files == (env.history ? 1 : 2))
			argp_error(state, env.history ? "--history takes one report: NEW.json" :
				   "two reports: BASE.json NEW.json");
		env.files[env.n_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.n_files != (env.history ? 1 : 2))
			argp_error(state, env.history ? "--history takes one report: NEW.json" :
				   "two reports: BASE.json NEW.json");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The last env.history comparable runs of the database, oldest first; 2 on bad input. */
static int load_history(json_object *new_, json_object ***docs, int *got)
{
	char err[1024];
	struct rb_db *db = NULL;
	int rc;

	if (db__open(db__resolve(env.db, NULL), &db, err, sizeof(err))) {
		fprintf(stderr, "rabench compare: results database: %s\n", err);
		return 2;
	}
	rc = db__comparable_runs(db, new_, env.history, docs, got, err, sizeof(err));
	db__close(db);
	if (rc) {
		fprintf(stderr, "rabench compare: reading the history: %s\n", err);
		return 2;
	}
	if (!*got) {
		fprintf(stderr, "rabench compare: cannot compare: no run in the results database has "
			"this report's config and environment (run it, or 'rabench db import' earlier "
			"reports)\n");
		return 2;
	}
	return 0;
}

static int compare_history(void)
{
	json_object *new_ = NULL, *base = NULL, **docs = NULL;
	struct rb_compare c = { 0 };
	char err[512];
	int got = 0, rc, drifted, i;

	if (report__load(env.files[0], &new_, err, sizeof(err))) {
		fprintf(stderr, "rabench compare: cannot compare: %s\n", err);
		return 2;
	}
	rc = load_history(new_, &docs, &got);
	if (rc)
		goto cleanup;
	rc = 2;
	printf("# %s against the last %d comparable runs in the results database%s\n\n",
	       env.files[0], got, got < env.history ? " (fewer than --history asked for)" : "");
	base = compare__pool(docs, got);
	if (!base || compare__run(base, new_, &env.opts, &c, err, sizeof(err))) {
		fprintf(stderr, "rabench compare: cannot compare: %s\n", base ? err : "out of memory");
		goto cleanup;
	}
	fputs(c.warnings, stderr);
	compare__print(&c, stdout);
	drifted = compare__drift(docs, got, new_, env.drift_tol, stdout);
	if (drifted < 0) {
		fprintf(stderr, "rabench compare: the drift check failed: %s\n", strerror(-drifted));
		goto cleanup;
	}
	if (drifted)
		printf("\n%d series drifted beyond %.1f%% over the window\n", drifted, env.drift_tol * 100);
	rc = c.regressions || drifted ? 1 : 0;
cleanup:
	compare__free(&c);
	json_object_put(base);
	for (i = 0; i < got; i++)
		json_object_put(docs[i]);
	free(docs);
	json_object_put(new_);
	return rc;
}

int cmd_compare(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "BASE.json NEW.json | --history N NEW.json", doc, NULL, NULL, NULL };
	json_object *docs[2] = { NULL, NULL };
	struct rb_compare c = { 0 };
	char err[512];
	int i, rc = 2;

	memset(&env, 0, sizeof(env));
	env.drift_tol = 0.05;
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (env.history)
		return compare_history();
	for (i = 0; i < 2; i++)
		if (report__load(env.files[i], &docs[i], err, sizeof(err))) {
			fprintf(stderr, "rabench compare: cannot compare: %s\n", err);
			goto cleanup;
		}
	if (compare__run(docs[0], docs[1], &env.opts, &c, err, sizeof(err))) {
		fprintf(stderr, "rabench compare: cannot compare: %s\n", err);
		goto cleanup;
	}
	fputs(c.warnings, stderr);
	compare__print(&c, stdout);
	rc = c.regressions ? 1 : 0;
cleanup:
	compare__free(&c);
	for (i = 0; i < 2; i++)
		json_object_put(docs[i]);
	return rc;
}
