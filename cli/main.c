/*
 * main — rabench's entry point: find the subcommand in commands[] and run it
 * (git.c's dispatch table). Everything else lives in cli/cmd_<name>.c.
 */
#include <argp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "lib/journal.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd_struct commands[] = {
	{ "advise", cmd_advise, "run or watch a process under the probes, say which readahead setting it needs" },
	{ "compare", cmd_compare, "compare two runs, or a run with its history; exit 1 on a regression (the CI gate)" },
	{ "db", cmd_db, "the results database: import saved reports, show what it holds" },
	{ "evict", cmd_evict, "evict a config's files from the page cache (for timings by hand)" },
	{ "history", cmd_history, "a config's figures across its recorded runs, like beside like" },
	{ "list", cmd_list, "list workloads, strategies or config keys" },
	{ "prefetch", cmd_prefetch, "serve another process's FAISS index with the eBPF prefetcher" },
	{ "probe", cmd_probe, "run a command with the page-cache probes, print what readahead did" },
	{ "report", cmd_report, "re-render a saved report.json (markdown, html, csv, table or json)" },
	{ "restore", cmd_restore, "put back settings a killed rabench left changed (read_ahead_kb, cgroups)" },
	{ "run", cmd_run, "prepare data, run the workload under each strategy, write reports" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"usage: rabench <command> [options]\n\n"
		"rabench measures what Linux readahead strategies do to RAG retrieval\n"
		"(FAISS IVF search over on-disk indexes): latency, bytes read, faults.\n\n"
		"commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n'rabench <command> --help' explains a command's options.\n"
		"example: rabench run configs/ivf.yaml\n");
}

static const struct cmd_struct *get_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cmd_struct *cmd;
	char prog[64];
	int rc;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("rabench %s\n", RB_VERSION);
		return 0;
	}
	cmd = get_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "rabench: '%s' is not a command; see 'rabench --help'\n", argv[1]);
		return 2;
	}
	/* argp names the program from argv[0] and exits with this status on bad usage */
	/* a closed pipe is an error to handle (EPIPE), never a death that skips the cleanup */
	signal(SIGPIPE, SIG_IGN);
	/* what a rabench killed earlier left changed is put back first, whatever the command */
	if (cmd->fn != cmd_restore)
		journal__repair(stderr);
	snprintf(prog, sizeof(prog), "rabench %s", cmd->name);
	argv[1] = prog;
	argp_err_exit_status = 2;
	rc = cmd->fn(argc - 1, argv + 1);
	/* like git: a command whose output could not be written has failed */
	if (fflush(stdout) || ferror(stdout)) {
		perror("rabench: writing output");
		return rc ? rc : 1;
	}
	return rc;
}
