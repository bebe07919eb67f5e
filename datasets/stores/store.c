/*
 * store — the table of chunk stores and what every store shares: the extent
 * file, finding the library's own descriptor and map of a file in /proc/self,
 * and reading chunks.dat for a build (see store.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "store.h"

/* One line per store. */
static const struct rb_store_ops *const stores[] = {
	&store_file_ops,
	&store_lmdb_ops,
	&store_sqlite_ops,
};

#define N_STORES (sizeof(stores) / sizeof(stores[0]))

const char *store__names(void)
{
	static char names[256];
	size_t i, len = 0;

	if (!names[0])
		for (i = 0; i < N_STORES; i++)
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? "|" : "", stores[i]->name);
	return names;
}

int store__check_ops(const struct rb_store_ops *o, char *err, size_t errlen)
{
	const char *why = NULL;

	if (!o || !o->name || !o->name[0])
		why = "no name";
	else if (o->version != RB_STORE_OPS_VERSION)
		why = "ops version differs from RB_STORE_OPS_VERSION";
	else if (!o->open || !o->get || !o->extent || !o->close)
		why = "open, get, extent and close are required";
	else if ((o->flags & RB_STORE_BUILT) && (!o->build || !o->file_name))
		why = "RB_STORE_BUILT without build or file_name";
	else if ((o->flags & RB_STORE_PER_CLIENT) && (!o->client_open || !o->client_close))
		why = "RB_STORE_PER_CLIENT without client_open/client_close";
	else if ((o->flags & RB_STORE_INTERIOR) && !o->interior_bytes)
		why = "RB_STORE_INTERIOR without interior_bytes";
	if (why)
		snprintf(err, errlen, "chunk store %s: %s", o && o->name ? o->name : "?", why);
	return why ? -EINVAL : 0;
}

const struct rb_store_ops *store__find(const char *name)
{
	char err[160];
	size_t i;

	for (i = 0; name && i < N_STORES; i++)
		if (!strcmp(stores[i]->name, name))
			return store__check_ops(stores[i], err, sizeof(err)) ? NULL : stores[i];
	return NULL;
}

int store__read_chunk(int fd, const struct chunkstore *cs, uint64_t i, char *buf)
{
	return fsutil__pread_all(fd, buf, cs->recs[i].len, (off_t)cs->recs[i].offset);
}

uint32_t store__longest(const struct chunkstore *cs)
{
	uint32_t m = 1;
	uint64_t i;

	for (i = 0; i < cs->count; i++)
		if (cs->recs[i].len > m)
			m = cs->recs[i].len;
	return m;
}

static int fail(int ret, char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s", path, what);
	return ret;
}

/* path holds exactly buf, on disk (fsynced). */
static int write_file(const char *path, const void *buf, size_t len, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc;

	if (fd < 0)
		return fail(-errno, err, errlen, path, strerror(errno));
	rc = fsutil__write_all(fd, buf, len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	return rc ? fail(rc, err, errlen, path, strerror(-rc)) : 0;
}

int store__build(const struct rb_store_ops *ops, const struct chunkstore *cs, const char *dat_path,
		 const char *db_path, const char *ext_path, char *err, size_t errlen)
{
	uint64_t *off = calloc(cs->count ? cs->count : 1, sizeof(*off));
	int rc;

	if (!off)
		return -ENOMEM;
	rc = ops->build(cs, dat_path, db_path, off, err, errlen);
	if (!rc && (rc = fsutil__fsync_path(db_path)))
		fail(rc, err, errlen, db_path, strerror(-rc));
	if (!rc)
		rc = write_file(ext_path, off, cs->count * sizeof(*off), err, errlen);
	free(off);
	return rc;
}

int store__load_extents(const char *ext_path, uint64_t count, uint64_t **offsets, char *err,
			size_t errlen)
{
	int fd = open(ext_path, O_RDONLY | O_CLOEXEC);
	uint64_t *off = malloc((count ? count : 1) * sizeof(*off));
	struct stat st;
	int rc = 0;

	*offsets = NULL;
	if (fd < 0 || !off || fstat(fd, &st))
		rc = fail(-EIO, err, errlen, ext_path, fd < 0 ? strerror(errno) : "cannot read");
	else if ((uint64_t)st.st_size != count * sizeof(*off))
		rc = fail(-EINVAL, err, errlen, ext_path, "not the extents of this chunk store (size)");
	else if (count && fsutil__pread_all(fd, off, (size_t)st.st_size, 0))
		rc = fail(-EIO, err, errlen, ext_path, "cannot read");
	if (fd >= 0)
		close(fd);
	if (rc)
		free(off);
	else
		*offsets = off;
	return rc;
}

int store__open(struct rb_store *s, const struct rb_store_ops *ops, const struct chunkstore *cs,
		const char *path, const char *ext_path, bool use_mmap, char *err, size_t errlen)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->cs = cs;
	s->fd = -1;
	s->use_mmap = use_mmap;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if ((ops->flags & RB_STORE_BUILT) &&
	    (rc = store__load_extents(ext_path, cs->count, &s->offsets, err, errlen)))
		return rc;
	s->ops = ops;
	rc = ops->open(s, err, errlen);
	if (rc)
		store__close(s);   /* what open set up before it failed */
	return rc;
}

void store__close(struct rb_store *s)
{
	if (s->ops)
		s->ops->close(s);
	free(s->offsets);
	s->offsets = NULL;
	s->ops = NULL;
}

int store__find_mapping(const char *path, void **addr, size_t *len)
{
	unsigned long s, e, pgoff, ino;
	unsigned int maj, min;
	char line[1024], perms[8];
	struct stat st;
	FILE *f;
	int rc = -ENOENT;

	if (stat(path, &st))
		return -errno;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -errno;
	while (rc && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &s, &e, perms, &pgoff, &maj, &min,
			   &ino) != 7)
			continue;
		if (ino == st.st_ino && makedev(maj, min) == st.st_dev && pgoff == 0) {
			*addr = (void *)s;
			*len = e - s;
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

int store__find_fds(const char *path, int *fds, int max)
{
	struct stat want, st;
	struct dirent *de;
	int fd, n = 0;
	char *end;
	DIR *d;

	if (stat(path, &want) || !(d = opendir("/proc/self/fd")))
		return 0;
	while (n < max && (de = readdir(d))) {
		fd = (int)strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd == dirfd(d))
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == want.st_dev &&
		    st.st_ino == want.st_ino)
			fds[n++] = fd;
	}
	closedir(d);
	return n;
}

int store__find_fd(const char *path, int excluding)
{
	int fds[64], n = store__find_fds(path, fds, 64), i;

	for (i = 0; i < n; i++)
		if (fds[i] != excluding)
			return fds[i];
	return -1;
}
