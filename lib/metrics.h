/*
 * metrics — the witnesses read around a measured phase: bytes read from the block
 * device holding the run's files (/sys/block/<dev>/stat, which also counts other
 * activity on the machine), bytes the process caused to be read (/proc/self/io
 * read_bytes, exact run to run) and faults (getrusage). A snapshot before and after
 * gives the delta.
 */
#ifndef RB_METRICS_H
#define RB_METRICS_H

#include <stdint.h>
#include <stddef.h>

struct rb_blockdev {
	char name[64];          /* "vda" (the whole disk, for partitions the parent) */
	char stat_path[256];    /* /sys/block/vda/stat */
	long read_ahead_kb;     /* /sys/block/vda/queue/read_ahead_kb, -1 if unknown */
};

struct rb_counters {
	uint64_t dev_read_bytes;     /* sectors read * 512 on the run's device */
	uint64_t dev_read_ios;       /* completed read requests on the device */
	uint64_t proc_read_bytes;    /* /proc/self/io read_bytes */
	uint64_t proc_rchar;         /* /proc/self/io rchar (bytes through read syscalls) */
	uint64_t majflt, minflt;     /* getrusage(RUSAGE_SELF) */
};

/* Find the block device that holds path (follows partitions to the disk). */
int metrics__blockdev_for(const char *path, struct rb_blockdev *dev);

/* Write dev's /sys/block/<dev>/queue/read_ahead_kb (root). 0 or -errno. */
int metrics__set_read_ahead_kb(const struct rb_blockdev *dev, long kb);
/*
 * The same, written first to the settings journal (lib/journal.h) with the value
 * dev->read_ahead_kb held, so a rabench that dies is repaired by the next one; *jid
 * is the entry. metrics__restore_read_ahead_kb writes dev->read_ahead_kb back and
 * drops the entry. 0 or -errno.
 */
int metrics__change_read_ahead_kb(const struct rb_blockdev *dev, long kb, int *jid);
int metrics__restore_read_ahead_kb(const struct rb_blockdev *dev, int jid);

/* Snapshot every counter. dev may be NULL (device counters then read 0). */
int metrics__snapshot(const struct rb_blockdev *dev, struct rb_counters *out);
/* The same for another process (pid; 0: this one): its /proc/PID/io and /proc/PID/stat faults. */
int metrics__snapshot_of(const struct rb_blockdev *dev, int pid, struct rb_counters *out);

/* out = after - before, field by field. */
void metrics__delta(const struct rb_counters *before, const struct rb_counters *after,
		    struct rb_counters *out);

#endif
