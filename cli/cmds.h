/*
 * cmds — rabench's subcommands, one file each (cli/cmd_<name>.c).
 *
 * Adding a command:
 *   1. write cli/cmd_<name>.c with `int cmd_<name>(int argc, char **argv)`; it
 *      parses its own options (argp), returns the process exit code and prints
 *      its own errors;
 *   2. declare it here;
 *   3. add one line to commands[] in cli/main.c (kept in alphabetical order)
 *      with its one-line summary;
 *   4. document it in README.md's command table and docs/, test it in tests/.
 * Exit codes: 0 success, 1 the command ran and found a failure, 2 bad input.
 */
#ifndef RB_CMDS_H
#define RB_CMDS_H

#define RB_VERSION "0.1.0"

int cmd_advise(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_evict(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_prefetch(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_run(int argc, char **argv);

/*
 * The signals that stop a command which changed something, between two steps,
 * so that it puts everything back (cmd_run, cmd_prefetch). SIGPIPE is not one:
 * main ignores it, and a write to a closed pipe fails with EPIPE instead.
 */
#define RB_N_STOP_SIGNALS 4
extern const int rb_stop_signals[RB_N_STOP_SIGNALS];	/* cli/stop_signals.c */

#endif
