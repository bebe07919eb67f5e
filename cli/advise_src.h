/*
 * advise_src — the two sources `rabench advise` feeds the rules from, beside
 * cmd_advise.c's option parsing and process handling: a live probe window
 * (the room from this process's memory cgroup or MemAvailable, the device's
 * read_ahead_kb) and a saved report.json (default's probes, its repeat's
 * memory cgroup, the measured best strategy against the advised one).
 */
#ifndef RB_ADVISE_SRC_H
#define RB_ADVISE_SRC_H

#include <limits.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "report/advise.h"

struct advise_cli {
	int json, explain, cmd_missing;
	double duration;
	long pid, top;
	char **cmd;
	const char *report;
};

struct advise_live {
	pid_t pid;			/* --pid, else -1 */
	struct advise_env env;
	int rc;
};

/* The room, limit and source from this process's memory cgroup, else MemAvailable. */
void advise_src__live_room(struct advise_env *e);

/*
 * Print the advice of a live window (probes: probes__result_to_json's object);
 * files (unless NULL) keeps only those n paths. 0, or 2 when no file had enough events.
 */
int advise_src__print_live(const struct advise_cli *c, struct advise_live *l, json_object *probes,
			   const char (*files)[PATH_MAX], int n);

/* `rabench advise REPORT.json`: the exit code. */
int advise_src__report(const struct advise_cli *c);

#endif
