/*
 * cmd_probe — `rabench probe [--json] [--top N] -- CMD [ARGS...]`: run a command
 * (no shell) with the page-cache probes counting every file and every disk, and
 * when it exits print what readahead did per file (top files by pages added:
 * pages added on demand / by speculative readahead / by explicit prefetch,
 * accessed, wasted, faults) and the block-layer histograms. The tracepoint-only
 * stand-in for cachestat/readahead, to point at a RAG server or a model loader.
 * Without root, BTF or BPF the command still runs; stderr says why there are no
 * figures and the exit status is the command's either way.
 */
#include <argp.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "probe_run.h"
#include "report/probe_table.h"
#include "bpf/probes.h"

static struct probe_env {
	int json;
	long top;
	char **cmd;
} env;

static const char doc[] =
	"Run a command with the page-cache probes attached, then print per file what\n"
	"readahead did: pages added (demand, speculative readahead, explicit prefetch),\n"
	"accessed, wasted (read ahead, never used), faults; and the block-layer request\n"
	"size and latency histograms. Tracepoints only: works where bcc's cachestat and\n"
	"readahead cannot attach. Needs root and BTF; without them the command still\n"
	"runs and the reason goes to stderr.\n"
	"\n"
	"The command's own stdout is rabench's: the table (or JSON) follows it.\n"
	"\n"
	"EXAMPLES:\n"
	"    rabench probe -- dd if=big.file of=/dev/null bs=1M\n"
	"    rabench probe --top 5 -- python3 serve.py --warmup\n"
	"    rabench probe --json -- ./load-model weights.bin > probe.json\n"
	"\n"
	"Exit status: the command's (128 + signal if it was killed), 2 bad options.";

static const struct argp_option opts[] = {
	{ "json", 'j', NULL, 0, "Print the result as JSON (with the definitions of every field)", 0 },
	{ "top", 't', "N", 0, "Show the N files with the most pages added (default 20, 0 = all)", 0 },
	{},
};

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	char *end;

	switch (key) {
	case 'j':
		env.json = 1;
		break;
	case 't':
		errno = 0;
		env.top = strtol(arg, &end, 10);
		if (errno || *end || env.top < 0)
			argp_error(state, "--top: '%s' is not a count", arg);
		break;
	case ARGP_KEY_ARG:
		/* the command and everything after it belong to the command */
		env.cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!env.cmd)
			argp_error(state, "which command? e.g. rabench probe -- cat FILE");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static struct rb_probes *start_probes(void)
{
	struct rb_probes *p = NULL;
	char why[256];

	if (probe_run__start(&p, why, sizeof(why)))
		fprintf(stderr, "rabench probe: no probes (%s); running the command without them\n", why);
	return p;
}

static void print_table(const struct rb_probe_result *r, int status)
{
	printf("rabench probe: '%s' exited %d after %.2f s; %zu files touched (pages of 4 KiB)\n\n",
	       env.cmd[0], status, r->window_s, r->n_files);
	probe_table__print(r, env.top > 0 ? (size_t)env.top : 0);
}

static void print_json(struct rb_probe_result *r, int status)
{
	size_t all = r->n_files;
	json_object *o;

	if (env.top && (size_t)env.top < r->n_files)
		r->n_files = (size_t)env.top;
	o = probes__result_to_json(r);
	r->n_files = all;
	if (!o) {
		fprintf(stderr, "rabench probe: out of memory\n");
		return;
	}
	json_object_object_add(o, "command", json_object_new_string(env.cmd[0]));
	json_object_object_add(o, "exit_status", json_object_new_int(status));
	json_object_object_add(o, "files_seen", json_object_new_int64((int64_t)all));
	json_object_object_add(o, "definitions", probes__definitions_to_json());
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static void report(struct rb_probes *p, int status)
{
	struct rb_probe_result r;

	if (probes__stop(p) || probes__collect(p, &r)) {
		fprintf(stderr, "rabench probe: %s\n", probes__last_error(p));
		return;
	}
	if (env.json)
		print_json(&r, status);
	else
		print_table(&r, status);
	probe_result__free(&r);
}

int cmd_probe(int argc, char **argv)
{
	static const struct argp argp = { opts, parse_arg, "-- CMD [ARGS...]", doc, NULL, NULL, NULL };
	struct rb_probes *p;
	int status = 1;
	pid_t pid;

	memset(&env, 0, sizeof(env));
	env.top = 20;
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, NULL))
		return 2;
	p = start_probes();
	pid = probe_run__spawn(env.cmd, "rabench probe");
	if (pid < 0 || !probe_run__wait(pid, 0, &status))
		status = 1;
	if (p)
		report(p, status);
	probes__destroy(p);
	return status;
}
