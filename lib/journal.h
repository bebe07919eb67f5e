/*
 * journal — what this process changed on the machine, written down before each
 * change, so that nothing outlives a rabench that dies without cleaning up
 * (SIGKILL, OOM kill, a power cut).
 *
 * One file per process under /run/rabench/ (RABENCH_RUN_DIR overrides it):
 * <pid>.journal, rewritten atomically and fsync'd before the change it names and
 * again after the change is undone; removed when nothing is left to undo. Each
 * entry says how to put the machine back:
 *
 *   write PATH VALUE   write VALUE into PATH (read_ahead_kb, cgroup.subtree_control)
 *   rmdir DIR          a memory cgroup: its tasks moved to the parent, then rmdir
 *   uprobes PID        tracefs uprobe events libbpf created for process PID
 *
 * Any rabench start calls journal__repair: a journal whose owner is gone (no such
 * pid, or a pid reused by a process that started later) is replayed newest entry
 * first, one line is printed, and the file is removed. `rabench restore` does the
 * same on demand. The journal is process-wide state behind a mutex: callers in
 * lib/, bpf/ and harness/ record and forget entries from any thread.
 */
#ifndef RB_JOURNAL_H
#define RB_JOURNAL_H

#include <stdio.h>

#define RB_JOURNAL_DIR "/run/rabench"

enum rb_journal_kind {
	RB_JOURNAL_WRITE,	/* target: a file; undo: write the original value back */
	RB_JOURNAL_RMDIR,	/* target: a cgroup directory; undo: empty it and rmdir */
	RB_JOURNAL_UPROBES,	/* target: a pid; undo: remove libbpf's legacy uprobe events */
};

/*
 * Write down, durably, a change about to be made: kind, target and (for WRITE)
 * the original value. *id receives a handle for journal__forget. 0 or -errno
 * (the change must then not be made: nothing could repair it).
 */
int journal__record(enum rb_journal_kind kind, const char *target, const char *original, int *id);

/* The change with handle id was undone: drop it (the file goes when empty). id < 0: no-op. */
void journal__forget(int id);

/*
 * Replay the journals of processes that are gone. One line per journal to out
 * (NULL: silent), e.g. "rabench: put back what process 812 left changed: ...".
 * Journals of live processes are left alone. Returns how many journals were
 * replayed; -EIO when one could not be (kept for a later try: not root?), or
 * -errno when the folder cannot be read (no folder is 0).
 */
int journal__repair(FILE *out);

/* The folder in use (RABENCH_RUN_DIR or /run/rabench). */
const char *journal__dir(void);

#endif
