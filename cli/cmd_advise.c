/*
 * cmd_advise — `rabench advise`: which readahead setting a process needs, per
 * file, from one probed window. Three sources, one decision table
 * (report/advise_rules.c):
 *   rabench advise [--json] [--duration S] -- CMD ARGS...   run CMD once under the probes
 *   rabench advise [--json] --pid PID [--duration S]        watch a running process
 *   rabench advise [--json] REPORT.json                     a run's probes (default's first)
 *   rabench advise --explain                                the decision table
 * The probes are cmd_probe's (cli/probe_run.c). Unlike `rabench probe`, advice
 * without probes means nothing: no root/BPF is bad input (exit 2) before the
 * command runs. Exit: the command's status, 2 bad input or nothing to advise on.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "advise_src.h"
#include "probe_run.h"
#include "bpf/stalls_api.h"
#include "lib/clock.h"
#include "lib/procfs.h"

#define MAX_PID_FILES	256
#define MAX_CMD_FILES	2048	/* the union over the command's life */

static struct advise_cli env;

static const char doc[] =
	"Say, per file a process reads (largest first), what readahead did to it and\n"
	"which setting it needs: leave as is, fadvise/MADV_RANDOM, a read_ahead_kb,\n"
	"WILLNEED of a range, `rabench prefetch`, or the memory limit that would change\n"
	"the answer; with the reason and the expected effect in bytes and faults, from\n"
	"the page-cache probes' own counts. A file with too few events gets none.\n"
	"\n"
	"  rabench advise [--json] [--duration S] -- CMD [ARGS...]\n"
	"  rabench advise [--json] --pid PID [--duration S]\n"
	"  rabench advise [--json] REPORT.json\n"
	"  rabench advise --explain\n"
	"\n"
	"Needs root (CAP_BPF and CAP_PERFMON) except with REPORT.json and --explain.\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench advise -- python3 serve.py --warmup\n"
	"    rabench advise --pid $(pidof qdrant) --duration 30\n"
	"    rabench advise results/ci/20261201T101010Z/report.json\n"
	"\n"
	"Exit status: the command's (128 + signal if killed); 2 bad input, or no file\n"
	"with enough events to advise on.";

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "Print the advice as JSON", 0 },
	{ "duration", 'd', "S", 0, "Watch S seconds (with --pid: default 10; with a command: until it exits)", 0 },
	{ "pid", 'p', "PID", 0, "Watch this running process instead of starting one", 0 },
	{ "top", 't', "N", 0, "Show the N largest files (default 10, 0 = all; --json: all)", 0 },
	{ "explain", 'e', NULL, 0, "Print the decision table and exit", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	errno = 0;
	switch (key) {
	case 'j':
		env.json = 1;
		break;
	case 'e':
		env.explain = 1;
		break;
	case 'd':
		env.duration = strtod(arg, &end);
		if (errno || *end || !(env.duration > 0) || env.duration > 86400)
			argp_error(state, "--duration: '%s' is not a number of seconds (0 < S <= 86400)", arg);
		break;
	case 'p':
		env.pid = strtol(arg, &end, 10);
		if (errno || *end || env.pid <= 0 || env.pid > INT_MAX)
			argp_error(state, "--pid: '%s' is not a process id", arg);
		break;
	case 't':
		env.top = strtol(arg, &end, 10);
		if (errno || *end || env.top < 0)
			argp_error(state, "--top: '%s' is not a count", arg);
		break;
	case ARGP_KEY_ARG:
		if (env.report)
			argp_error(state, "one report at a time ('%s' and '%s')", env.report, arg);
		env.report = arg;
		break;
	case ARGP_KEY_END:
		if (env.explain)
			break;
		if (!!env.cmd + !!env.pid + !!env.report != 1)
			argp_error(state, "give one of: -- CMD [ARGS...], --pid PID, REPORT.json "
				   "(or --explain)");
		if (env.duration && env.report)
			argp_error(state, "--duration watches a process; a report was measured already");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* The probes and the I/O-wait programs, or exit 2's message. */
static int open_probes(struct rb_probes **p, struct rb_stalls **st)
{
	char why[256];

	if (probe_run__start(p, why, sizeof(why))) {
		fprintf(stderr, "rabench advise: the page-cache probes cannot run: %s "
			"(advice needs them: run as root, or with CAP_BPF and CAP_PERFMON)\n", why);
		return -EPERM;
	}
	if (stalls__open(st, why, sizeof(why)))
		*st = NULL;	/* I/O wait stays unknown; the advice does not need it */
	return 0;
}

/* Stop the window and turn it into the probes' JSON; NULL with a message. */
static json_object *collect(struct rb_probes *p, double *window_s)
{
	struct rb_probe_result r;
	json_object *o;

	if (probes__stop(p) || probes__collect(p, &r)) {
		fprintf(stderr, "rabench advise: %s\n", probes__last_error(p));
		return NULL;
	}
	*window_s = r.window_s;
	o = probes__result_to_json(&r);
	probe_result__free(&r);
	if (!o)
		fprintf(stderr, "rabench advise: out of memory\n");
	return o;
}

/* Add the files pid maps or holds open now to set (n of max used); dedup. */
static void sample_files(pid_t pid, char (*set)[PATH_MAX], int *n, int max)
{
	char (*now)[PATH_MAX] = calloc(MAX_PID_FILES, sizeof(*now));
	int i, j, k, m = 0;

	if (!now)
		return;
	k = procfs__mapped(pid, "", now, MAX_PID_FILES);
	if (k >= 0 && k < MAX_PID_FILES)
		m = procfs__open_files(pid, "", now + k, MAX_PID_FILES - k);
	k = (k > 0 ? k : 0) + (m > 0 ? m : 0);
	for (i = 0; i < k && *n < max; i++) {
		for (j = 0; j < *n && strcmp(set[j], now[i]); j++)
			;
		if (j == *n)
			memcpy(set[(*n)++], now[i], PATH_MAX);
	}
	free(now);
}

/*
 * Wait for the command (up to --duration), sampling every ~20 ms the files it
 * maps or holds open: the probes count every file on the machine, the advice
 * keeps the command's: these, and the files the probes saw its own events touch
 * (probes__watch), which catches a file mapped and closed between two samples.
 * Its children's files are missed.
 */
static bool watch_command(pid_t pid, char (*set)[PATH_MAX], int *n, int *status)
{
	double end = clock__now_s() + env.duration;

	for (;;) {
		sample_files(pid, set, n, MAX_CMD_FILES);
		if (probe_run__wait(pid, 0.01, status))
			return true;
		if (env.duration > 0 && clock__now_s() >= end)
			return false;
	}
}

/*
 * A command done sooner than this gave no window: the probes count every file on
 * the machine, and in a few milliseconds its shared libraries' events are mostly
 * other processes'. Nothing is advised on it.
 */
#define MIN_WINDOW_S 0.1

static int advise_command(void)
{
	struct rb_probes *p = NULL;
	struct rb_stalls *st = NULL;
	struct advise_live live = { .pid = -1 };
	char (*files)[PATH_MAX] = calloc(MAX_CMD_FILES, sizeof(*files));
	json_object *probes = NULL;
	int status = 2, nf = 0;
	bool exited;
	double t0;
	pid_t pid;

	if (!files) {
		fprintf(stderr, "rabench advise: out of memory\n");
		return 2;
	}

	if (open_probes(&p, &st)) {
		free(files);
		return 2;
	}
	advise_src__live_room(&live.env);
	t0 = clock__now_s();
	pid = probe_run__spawn(env.cmd, "rabench advise");
	if (pid < 0)
		goto cleanup;
	probes__watch(p, pid);
	if (st && stalls__register_process(st, 0, pid))
		stalls__destroy(st), st = NULL;
	exited = watch_command(pid, files, &nf, &status);
	if (st) {
		live.env.io_wait_s = (double)stalls__read(st, 0) / 1e9;
		stalls__unregister(st, 0);
	}
	probes = collect(p, &live.env.window_s);
	if (!exited)	/* --duration ran out: the advice first, then the command's status */
		fprintf(stderr, "rabench advise: window of %.0f s closed; waiting for '%s' to exit\n",
			env.duration, env.cmd[0]);
	if (probes && exited && status == 0 && clock__now_s() - t0 < MIN_WINDOW_S) {
		fprintf(stderr, "rabench advise: '%s' exited after %.0f ms: nothing to advise on "
			"(a window under %.0f ms cannot tell its page-cache behaviour from the "
			"machine's)\n", env.cmd[0], (clock__now_s() - t0) * 1e3, MIN_WINDOW_S * 1e3);
		live.rc = 2;
	} else if (probes && (exited ? status == 0 : true))
		live.rc = advise_src__print_live(&env, &live, probes, (const char (*)[PATH_MAX])files, nf);
	else if (probes)
		fprintf(stderr, "rabench advise: '%s' exited %d: no advice from a failed run "
			"(fix the command; its figures describe the failure)\n", env.cmd[0], status);
	if (!exited)
		probe_run__wait(pid, 0, &status);
	if (status == 0 && live.rc)
		status = 2;
cleanup:
	free(files);
	json_object_put(probes);
	probes__destroy(p);
	stalls__destroy(st);
	return status;
}

/* Every file pid maps or holds open (its libraries too): the all-files result's filter. */
static int pid_files(pid_t pid, char (**files)[PATH_MAX])
{
	int n, m = 0;

	*files = calloc(MAX_PID_FILES, sizeof(**files));
	if (!*files)
		return -ENOMEM;
	n = procfs__mapped(pid, "", *files, MAX_PID_FILES);
	if (n >= 0 && n < MAX_PID_FILES)
		m = procfs__open_files(pid, "", *files + n, MAX_PID_FILES - n);
	return n < 0 ? n : n + (m > 0 ? m : 0);
}

static bool alive(pid_t pid)
{
	return kill(pid, 0) == 0 || errno == EPERM;
}

static int advise_pid(void)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct advise_live live = { .pid = (pid_t)env.pid };
	char (*files)[PATH_MAX] = NULL;
	struct rb_probes *p = NULL;
	struct rb_stalls *st = NULL;
	json_object *probes = NULL;
	double end;
	int n, rc = 2;

	if (!alive((pid_t)env.pid)) {
		fprintf(stderr, "rabench advise: no process %ld\n", env.pid);
		return 2;
	}
	if (open_probes(&p, &st))
		return 2;
	probes__watch(p, (int)env.pid);
	advise_src__live_room(&live.env);
	if (st && stalls__register_process(st, 0, (pid_t)env.pid))
		stalls__destroy(st), st = NULL;
	end = clock__now_s() + (env.duration > 0 ? env.duration : 10);
	while (clock__now_s() < end && alive((pid_t)env.pid))
		nanosleep(&tick, NULL);
	n = pid_files((pid_t)env.pid, &files);
	if (st)
		live.env.io_wait_s = (double)stalls__read(st, 0) / 1e9;
	probes = collect(p, &live.env.window_s);
	if (!alive((pid_t)env.pid) || n <= 0) {
		fprintf(stderr, "rabench advise: process %ld exited during the window: the files "
			"it read cannot be told from other processes' (probes detached)\n", env.pid);
		goto cleanup;
	}
	if (probes)
		rc = advise_src__print_live(&env, &live, probes, (const char (*)[PATH_MAX])files, n);
cleanup:
	free(files);
	json_object_put(probes);
	probes__destroy(p);
	stalls__destroy(st);
	return rc;
}

/* Split argv at "--": what follows is the command, argp sees what precedes. */
static int split_command(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--")) {
			if (i + 1 < argc)
				env.cmd = &argv[i + 1];
			else
				env.cmd_missing = 1;
			return i;
		}
	return argc;
}

int cmd_advise(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "-- CMD [ARGS...] | --pid PID | REPORT.json",
					  doc, NULL, NULL, NULL };

	memset(&env, 0, sizeof(env));
	env.top = 10;
	argc = split_command(argc, argv);
	if (env.cmd_missing) {
		fprintf(stderr, "rabench advise: '--' with no command; e.g. rabench advise -- cat FILE\n");
		return 2;
	}
	if (argp_parse(&argp, argc, argv, 0, NULL, NULL))
		return 2;
	if (env.explain) {
		advise_print__explain(stdout);
		return 0;
	}
	if (env.report)
		return advise_src__report(&env);
	return env.pid ? advise_pid() : advise_command();
}
