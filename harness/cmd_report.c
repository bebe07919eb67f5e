/*
 * cmd_report — `rabench report FILE.json`: re-render a saved run from its JSON,
 * so any old run can be redrawn with today's renderers.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "report.h"

static struct report_env {
	const char *file;
	const char *format;
} env;

static const char doc[] =
	"Render a saved report.json.\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench report results/ivf/20261124T120000Z/report.json\n"
	"    rabench report --format table results/ci/*/report.json\n";

static const struct argp_option opts[] = {
	{ "format", 'f', "FORMAT", 0, "md (default), html, csv, table (terminal) or json (checked and re-printed)", 0 },
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
	case ARGP_KEY_ARG:
		if (env.file)
			argp_error(state, "one report at a time (got '%s' and '%s')", env.file, arg);
		env.file = arg;
		break;
	case ARGP_KEY_END:
		if (!env.file)
			argp_error(state, "which report.json?");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
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
	if (report__load(env.file, &doc, err, sizeof(err))) {
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
