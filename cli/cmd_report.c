/*
 * cmd_report — `rabench report FILE.json`: re-render a saved run from its JSON,
 * so any old run can be redrawn with today's renderers.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "report/report.h"

#define MAX_REPORTS 32

static struct report_env {
	const char *files[MAX_REPORTS];
	int n_files;
	const char *format;
	int counters;
} env;

static const char doc[] =
	"Render a saved report.json, or merge several into one comparison table.\v"
	"With several reports, the output is one markdown table with a row per run and\n"
	"strategy (runs are labelled #1, #2, ... in the order given).\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench report results/ivf/20261124T120000Z/report.json\n"
	"    rabench report --format html results/ivf/*/report.json > ivf.html   (one run)\n"
	"    rabench report results/ivf/*/report.json           (merge: one table)\n"
	"    rabench report --counters k61/report.json k612/report.json   (kernels: counters, no times)\n";

static const struct argp_option opts[] = {
	{ "format", 'f', "FORMAT", 0, "md (default), html, csv, table (terminal) or json (checked and re-printed)", 0 },
	{ "counters", 'c', NULL, 0, "Merge runs of one config on several kernels: bytes, faults and pages per strategy and kernel, no times (scripts/kernel-matrix.sh)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'f':
		if (strcmp(arg, "md") && strcmp(arg, "html") && strcmp(arg, "csv") &&
		    strcmp(arg, "table") && strcmp(arg, "json"))
			argp_error(state, "--format: '%s' is not one of md, html, csv, table, json", arg);
		env.format = arg;
		break;
	case 'c':
		env.counters = 1;
		break;
	case ARGP_KEY_ARG:
		if (env.n_files == MAX_REPORTS)
			argp_error(state, "at most %d reports", MAX_REPORTS);
		env.files[env.n_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (!env.n_files)
			argp_error(state, "which report.json?");
		if (env.n_files > 1 && strcmp(env.format, "md"))
			argp_error(state, "several reports merge into markdown only (--format md)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static int render_merged(void)
{
	json_object *docs[MAX_REPORTS] = { NULL };
	char labels[MAX_REPORTS][8], err[512];
	const char *lp[MAX_REPORTS];
	int i, rc = 2;

	for (i = 0; i < env.n_files; i++) {
		if (report__load(env.files[i], &docs[i], err, sizeof(err))) {
			fprintf(stderr, "rabench: %s\n", err);
			goto cleanup;
		}
		snprintf(labels[i], sizeof(labels[i]), "#%d", i + 1);
		lp[i] = labels[i];
	}
	if (env.counters)
		rc = report__render_counters_md(docs, env.n_files, stdout) ? 1 : 0;
	else
		rc = report__render_merged_md(docs, lp, env.n_files, stdout) ? 1 : 0;
cleanup:
	for (i = 0; i < env.n_files; i++)
		json_object_put(docs[i]);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "REPORT.json", doc, NULL, NULL, NULL };
	char err[512];
	json_object *doc;
	int rc;

	memset(&env, 0, sizeof(env));
	env.format = "md";
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (env.n_files > 1 || env.counters)
		return render_merged();
	if (report__load(env.files[0], &doc, err, sizeof(err))) {
		fprintf(stderr, "rabench: %s\n", err);
		return 2;
	}
	if (strcmp(env.format, "table") == 0)
		rc = report__print_table(doc, stdout);
	else if (strcmp(env.format, "html") == 0)
		rc = report__render_html(doc, stdout);
	else if (strcmp(env.format, "csv") == 0)
		rc = report__render_csv(doc, stdout);
	else if (strcmp(env.format, "json") == 0)
		rc = puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY)) < 0;
	else
		rc = report__render_md(doc, stdout);
	json_object_put(doc);
	return rc ? 1 : 0;
}
