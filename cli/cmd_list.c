/*
 * cmd_list — `rabench list [workloads|strategies|keys]`: what this build knows.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "config/config.h"
#include "strategies/strategy.h"
#include "workloads/workload.h"

static void list_workloads(void)
{
	const struct workload_ops *const *w;

	printf("workloads:\n");
	for (w = workload__all(); *w; w++)
		printf("  %-20s %s%s\n", (*w)->name, (*w)->help,
		       (*w)->run_batch ? " [batches: workload.batch]" : "");
}

static void list_strategies(void)
{
	const struct ra_strategy_ops *const *s;

	printf("strategies:\n");
	for (s = strategy__all(); *s; s++)
		printf("  %-20s %s\n", (*s)->name, (*s)->help);
}

int cmd_list(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";

	if (!strcmp(what, "--help") || !strcmp(what, "-h")) {
		printf("usage: rabench list [workloads|strategies|keys]\n"
		       "  keys prints every config key as a markdown table.\n");
		return 0;
	}
	if (!strcmp(what, "workloads"))
		list_workloads();
	else if (!strcmp(what, "strategies"))
		list_strategies();
	else if (!strcmp(what, "keys"))
		config__print_keys(stdout);
	else if (!strcmp(what, "all")) {
		list_workloads();
		list_strategies();
	} else {
		fprintf(stderr, "rabench list: '%s' is not one of workloads, strategies, keys\n", what);
		return 2;
	}
	return 0;
}
