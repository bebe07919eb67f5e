/*
 * cmd_restore — `rabench restore`: put back what a rabench that died left changed
 * (a device's read_ahead_kb, a memory cgroup, uprobe events), from the settings
 * journal in /run/rabench (lib/journal.h). Every other command does the same
 * silently-unless-needed at its start; this one says what it found.
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "lib/journal.h"

static const char doc[] =
	"Put back the settings a killed rabench left changed.\n"
	"\n"
	"Before it changes a device's read_ahead_kb, creates a memory cgroup or attaches\n"
	"a uprobe, rabench writes the original to a journal in /run/rabench/ (or\n"
	"$RABENCH_RUN_DIR). A rabench that exits in any way puts them back itself; one\n"
	"killed by SIGKILL or a power cut cannot, so the next rabench start replays its\n"
	"journal. This command does it on demand and prints what it did.\n"
	"\n"
	"Exit status: 0 nothing left or everything put back, 1 something could not be\n"
	"put back (not root?), 2 bad options.";

static const struct argp_option opts[] = { {} };

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	if (key == ARGP_KEY_ARG)
		argp_error(state, "no arguments expected (got '%s')", arg);
	return key == ARGP_KEY_ARG ? 0 : ARGP_ERR_UNKNOWN;
}

int cmd_restore(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "", doc, NULL, NULL, NULL };
	int n;

	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	n = journal__repair(stdout);
	if (n == -EIO) {
		fprintf(stderr, "rabench restore: some settings could not be put back (above); "
			"the journal is kept in %s\n", journal__dir());
		return 1;
	}
	if (n < 0) {
		fprintf(stderr, "rabench restore: %s: %s\n", journal__dir(), strerror(-n));
		return 1;
	}
	if (n == 0)
		printf("rabench restore: nothing to put back (%s holds no journal of a dead "
		       "rabench)\n", journal__dir());
	return 0;
}
