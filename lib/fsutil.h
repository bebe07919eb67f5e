/*
 * fsutil — the filesystem and I/O helpers every layer shares: folders, whole
 * reads and writes, fsync, and the one-line kernel files (sysfs, cgroupfs).
 */
#ifndef RB_FSUTIL_H
#define RB_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/*
 * mkdir -p. With exclusive set, the last component must not exist yet
 * (-EEXIST), so two runs never write into one folder.
 */
int fsutil__mkdir_p(const char *path, mode_t mode, int exclusive);

/* rm -rf of a folder rabench built (or was building): contents first, links not followed. */
int fsutil__rm_rf(const char *path);

/*
 * rmdir, retried for about a second while the kernel still counts a task that just
 * left (a cgroup: -EBUSY); a folder already gone is 0. 0 or -errno.
 */
int fsutil__rmdir_busy(const char *dir);

/* "dir/name" into out; -ENAMETOOLONG when it does not fit. */
int fsutil__join(char *out, size_t len, const char *dir, const char *name);

/* write(2) until all of buf is written (EINTR retried). 0 or -errno. */
int fsutil__write_all(int fd, const void *buf, size_t len);
/* pread(2) exactly len bytes at off; -EIO when the file ends first. 0 or -errno. */
int fsutil__pread_all(int fd, void *buf, size_t len, off_t off);
/* fsync a file or a folder by path (a folder: to make a rename in it durable). 0 or -errno. */
int fsutil__fsync_path(const char *path);

/*
 * A small kernel file (sysfs, cgroupfs, procfs) into buf, NUL-terminated (also on
 * error); and one write(2) of text into one, as those files take a value per write.
 * 0 or -errno.
 */
int fsutil__read_text(const char *path, char *buf, size_t len);
int fsutil__write_text(const char *path, const char *text);

#endif
