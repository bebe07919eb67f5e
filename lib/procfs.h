/*
 * procfs — what /proc says about a process: its descendants, the files it maps
 * and the files it holds open. rabench prefetch uses it to find, in a target that
 * forks or execs (a shell, nice, a server's workers), the process that searches
 * an index and which index that is.
 */
#ifndef RB_PROCFS_H
#define RB_PROCFS_H

#include <limits.h>
#include <sys/types.h>

/* root and every process descending from it (root first), up to max; how many. */
int procfs__descendants(pid_t root, pid_t *out, int max);

/*
 * Distinct paths of the files pid maps (maps) or holds open (fd) whose name ends
 * in suffix, up to max into out; how many (0 when pid is gone).
 */
int procfs__mapped(pid_t pid, const char *suffix, char out[][PATH_MAX], int max);
int procfs__open_files(pid_t pid, const char *suffix, char out[][PATH_MAX], int max);

#endif
