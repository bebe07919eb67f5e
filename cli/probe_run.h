/*
 * probe_run — the page-cache probes around a command, shared by `rabench probe`
 * and `rabench advise` so that there is one way to probe a process: open the
 * probes for every file, start them, fork + exec the command (no shell), wait
 * for it with ^C left to the command, stop and collect.
 */
#ifndef RB_PROBE_RUN_H
#define RB_PROBE_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "bpf/probes.h"

/* probes__open + every file + probes__start: 0, or -errno with the reason in why. */
int probe_run__start(struct rb_probes **out, char *why, size_t whylen);

/* fork + exec cmd; the child's pid, or -1 with a message on stderr (who: "rabench probe"). */
pid_t probe_run__spawn(char **cmd, const char *who);

/*
 * Wait for pid, SIGINT and SIGQUIT left to it; max_s > 0 stops waiting after that
 * many seconds. true with *status (its exit status, 128 + signal if killed) when
 * it exited, false when the time ran out first.
 */
bool probe_run__wait(pid_t pid, double max_s, int *status);

#endif
