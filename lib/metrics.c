/*
 * metrics — read the I/O and fault witnesses around a measured phase.
 * See metrics.h for what each counter means and which one is exact.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "journal.h"
#include "metrics.h"

static long read_long_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/*
 * /sys/dev/block/M:m links to the device's sysfs folder; a partition's folder has
 * a "partition" file and lives inside its disk's folder, whose name is the disk.
 */
int metrics__blockdev_for(const char *path, struct rb_blockdev *dev)
{
	char link[128], real[PATH_MAX], probe[PATH_MAX + 32];
	struct stat st;
	char *slash;

	memset(dev, 0, sizeof(*dev));
	dev->read_ahead_kb = -1;
	if (stat(path, &st) < 0)
		return -errno;
	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
	if (!realpath(link, real))
		return -ENODEV;   /* tmpfs, overlay on no device, ... */
	snprintf(probe, sizeof(probe), "%s/partition", real);
	if (access(probe, F_OK) == 0) {
		slash = strrchr(real, '/');
		if (slash)
			*slash = '\0';
	}
	slash = strrchr(real, '/');
	snprintf(dev->name, sizeof(dev->name), "%s", slash ? slash + 1 : real);
	snprintf(dev->stat_path, sizeof(dev->stat_path), "/sys/block/%s/stat", dev->name);
	if (access(dev->stat_path, R_OK) < 0)
		return -ENODEV;
	snprintf(probe, sizeof(probe), "/sys/block/%s/queue/read_ahead_kb", dev->name);
	dev->read_ahead_kb = read_long_file(probe);
	return 0;
}

/* Fields 1 and 3 of /sys/block/<dev>/stat: reads completed, sectors read. */
static int read_dev_stat(const struct rb_blockdev *dev, struct rb_counters *c)
{
	unsigned long long ios, merges, sectors;
	FILE *f = fopen(dev->stat_path, "r");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%llu %llu %llu", &ios, &merges, &sectors);
	fclose(f);
	if (n != 3)
		return -EIO;
	c->dev_read_ios = ios;
	c->dev_read_bytes = sectors * 512ULL;
	return 0;
}

static int read_proc_io(int pid, struct rb_counters *c)
{
	char key[64], path[64];
	unsigned long long v;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/io", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/io");
	f = fopen(path, "r");

	if (!f)
		return -errno;
	while (fscanf(f, "%63[^:]: %llu\n", key, &v) == 2) {
		if (strcmp(key, "read_bytes") == 0)
			c->proc_read_bytes = v;
		else if (strcmp(key, "rchar") == 0)
			c->proc_rchar = v;
	}
	fclose(f);
	return 0;
}

/* minflt and majflt of a live process: fields 10 and 12 of /proc/PID/stat. */
static int read_proc_faults(int pid, struct rb_counters *c)
{
	char path[64], text[1024], *p;
	unsigned long long minflt, majflt;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	p = strrchr(text, ')');		/* the command name may hold spaces */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &minflt, &majflt) != 2)
		return -EIO;
	c->minflt = minflt;
	c->majflt = majflt;
	return 0;
}

int metrics__snapshot(const struct rb_blockdev *dev, struct rb_counters *out)
{
	return metrics__snapshot_of(dev, 0, out);
}

int metrics__snapshot_of(const struct rb_blockdev *dev, int pid, struct rb_counters *out)
{
	struct rusage ru;
	int err;

	memset(out, 0, sizeof(*out));
	if (dev && dev->stat_path[0]) {
		err = read_dev_stat(dev, out);
		if (err)
			return err;
	}
	err = read_proc_io(pid, out);
	if (err)
		return err;
	if (pid)
		return read_proc_faults(pid, out);
	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return -errno;
	out->majflt = (uint64_t)ru.ru_majflt;
	out->minflt = (uint64_t)ru.ru_minflt;
	return 0;
}

void metrics__delta(const struct rb_counters *before, const struct rb_counters *after,
		    struct rb_counters *out)
{
	out->dev_read_bytes = after->dev_read_bytes - before->dev_read_bytes;
	out->dev_read_ios = after->dev_read_ios - before->dev_read_ios;
	out->proc_read_bytes = after->proc_read_bytes - before->proc_read_bytes;
	out->proc_rchar = after->proc_rchar - before->proc_rchar;
	out->majflt = after->majflt - before->majflt;
	out->minflt = after->minflt - before->minflt;
}

int metrics__change_read_ahead_kb(const struct rb_blockdev *dev, long kb, int *jid)
{
	char path[128], old[32];
	int rc;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/read_ahead_kb", dev->name);
	snprintf(old, sizeof(old), "%ld", dev->read_ahead_kb);
	rc = journal__record(RB_JOURNAL_WRITE, path, old, jid);
	if (rc)
		return rc;
	rc = metrics__set_read_ahead_kb(dev, kb);
	if (rc) {
		journal__forget(*jid);
		*jid = -1;
	}
	return rc;
}

int metrics__restore_read_ahead_kb(const struct rb_blockdev *dev, int jid)
{
	int rc = metrics__set_read_ahead_kb(dev, dev->read_ahead_kb);

	if (!rc)
		journal__forget(jid);	/* on failure the journal keeps it for `rabench restore` */
	return rc;
}

int metrics__set_read_ahead_kb(const struct rb_blockdev *dev, long kb)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/block/%s/queue/read_ahead_kb", dev->name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", kb) < 0) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}
