/*
 * cmd_history — `rabench history CONFIG_OR_NAME`: a figure of every recorded run of
 * one config, oldest first, like beside like (a series per environment), with the
 * change from the previous run or group (--by commit|kernel|host|day).
 * Exit 0 done (also with no runs: says so), 2 bad input or an unusable database.
 */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "db/db.h"
#include "report/history.h"

static struct history_env {
	const char *what;
	const char *db;
	const char *strategy;
	const char *metric;
	enum rb_hist_by by;
	enum rb_hist_format fmt;
} env;

static const char doc[] =
	"Show how a config's figures moved across its recorded runs.\v"
	"CONFIG_OR_NAME is the run's name (config 'name'), the config file it was read\n"
	"from (its config_source), or a config fingerprint prefix (4+ hex digits).\n"
	"One row per run (or per --by group: the median of its runs) and strategy;\n"
	"runs are put beside like only: a series per environment fingerprint (kernel,\n"
	"read_ahead_kb, device, file system, memory, CPU), the change is from the\n"
	"previous row of the same series. --by kernel leaves the kernel out of the\n"
	"series, so the change is what a kernel upgrade did.\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench history ci\n"
	"    rabench history ci --by kernel --metric proc_read_bytes\n"
	"    rabench history configs/ivf.yaml --strategy default --format html > trend.html\n"
	"\n"
	"METRIC is a summary figure of report.json (p50_us, p99_us, qps, proc_read_bytes,\n"
	"majflt, read_amplification, recall, ...); default p50_us.\n"
	"Exit status: 0 done, 2 bad input or database.";

static const struct argp_option opts[] = {
	{ "db", 'D', "PATH|URL", 0, "Results database (overrides RABENCH_DB; default results/rabench.db)", 0 },
	{ "strategy", 's', "S", 0, "Only this strategy", 0 },
	{ "metric", 'm', "M", 0, "The summary figure (default p50_us)", 0 },
	{ "by", 'b', "commit|kernel|host|day", 0, "One row per group of runs instead of per run", 0 },
	{ "format", 'f', "table|md|html|csv|json", 0, "Output format (default table)", 0 },
	{},
};

static int pick(const char *arg, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(arg, names[i]))
			return i;
	return -1;
}

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	static const char *const bys[] = { "run", "commit", "kernel", "host", "day" };
	static const char *const fmts[] = { "table", "md", "html", "csv", "json" };
	int v;

	switch (key) {
	case 'D': env.db = arg; break;
	case 's': env.strategy = arg; break;
	case 'm': env.metric = arg; break;
	case 'b':
		if ((v = pick(arg, bys, 5)) < 0)
			argp_error(state, "--by: commit, kernel, host or day (got '%s')", arg);
		env.by = (enum rb_hist_by)v;
		break;
	case 'f':
		if ((v = pick(arg, fmts, 5)) < 0)
			argp_error(state, "--format: table, md, html, csv or json (got '%s')", arg);
		env.fmt = (enum rb_hist_format)v;
		break;
	case ARGP_KEY_ARG:
		if (env.what)
			argp_error(state, "one config or name");
		env.what = arg;
		break;
	case ARGP_KEY_END:
		if (!env.what)
			argp_error(state, "which config? e.g. rabench history ci");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_history(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "CONFIG_OR_NAME", doc, NULL, NULL, NULL };
	struct rb_history h = { 0 };
	struct rb_hist_row *rows = NULL;
	struct rb_db *db = NULL;
	char err[1024];
	size_t n = 0;
	int rc = 2;

	memset(&env, 0, sizeof(env));
	env.metric = "p50_us";
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (db__open(db__resolve(env.db, NULL), &db, err, sizeof(err))) {
		fprintf(stderr, "rabench history: results database: %s\n", err);
		return 2;
	}
	if (db__history(db, env.what, env.strategy, env.metric, &h, err, sizeof(err))) {
		fprintf(stderr, "rabench history: %s\n", err);
		goto cleanup;
	}
	if (!h.n) {
		fprintf(stderr, "rabench history: no recorded run of '%s' has %s%s%s\n", env.what,
			env.metric, env.strategy ? " for strategy " : "", env.strategy ? env.strategy : "");
		rc = 0;
		goto cleanup;
	}
	if (history__rows(&h, env.by, &rows, &n)) {
		fprintf(stderr, "rabench history: out of memory\n");
		goto cleanup;
	}
	rc = history__render(rows, n, env.what, env.metric, env.by, env.fmt, stdout) ? 1 : 0;
cleanup:
	free(rows);
	db__history_free(&h);
	db__close(db);
	return rc;
}
