/*
 * cmd_compare — `rabench compare BASE.json NEW.json`: the performance gate.
 * Exit 0 no regression, 1 regression, 2 cannot compare (unreadable file, other
 * schema or workload config), with the reason on stderr.
 */
#include <argp.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "report/compare.h"
#include "report/report.h"

static struct compare_env {
	const char *files[2];
	int n_files;
	struct rb_compare_opts opts;
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
	{ "allow-env-change", 'e', NULL, 0, "Compare runs from different environments (kernel, read_ahead_kb, device, file system, memory): a warning instead of exit 2", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char err[256];

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
	case ARGP_KEY_ARG:
		if (env.n_files == 2)
			argp_error(state, "two reports: BASE.json NEW.json");
		env.files[env.n_files++] = arg;
		break;
	case ARGP_KEY_END:
		if (env.n_files != 2)
			argp_error(state, "two reports: BASE.json NEW.json");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "BASE.json NEW.json", doc, NULL, NULL, NULL };
	json_object *docs[2] = { NULL, NULL };
	struct rb_compare c = { 0 };
	char err[512];
	int i, rc = 2;

	memset(&env, 0, sizeof(env));
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
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
