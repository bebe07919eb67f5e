/*
 * strategy fadvise-random / fadvise-sequential — per-file access advice.
 *
 * posix_fadvise() changes the readahead state of one open file description, so it
 * reaches read()/pread() on the workload's fds but not page faults on a mapping
 * that another descriptor created (FAISS mmaps the .ivfdata through its own,
 * already closed, FILE*). Faults follow the VMA's advice instead, so every mapping
 * gets the matching madvise() too. reset() puts both back to NORMAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "strategy.h"

static int fadvise_apply(struct rb_workload *w, int fadv, int madv, const char *what,
			 char *err, size_t errlen)
{
	struct rb_file *f;
	int i, j, rc;

	for (i = 0; i < w->n_files; i++) {
		f = &w->files[i];
		for (j = -1; j < f->n_more_fds; j++) {
			int fd = j < 0 ? f->fd : f->more_fds[j];

			if (fd < 0)
				continue;
			rc = posix_fadvise(fd, 0, 0, fadv);
			if (rc) {
				snprintf(err, errlen, "%s: posix_fadvise(%s): %s", f->path, what,
					 strerror(rc));
				return -rc;
			}
		}
		if (f->map && madvise(f->map, f->map_len, madv) < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: madvise(%s): %s", f->path, what, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int strategy__advise_normal(struct rb_workload *w)
{
	struct rb_file *f;
	int i, j, rc = 0;

	for (i = 0; i < w->n_files; i++) {
		f = &w->files[i];
		if (f->fd >= 0 && posix_fadvise(f->fd, 0, 0, POSIX_FADV_NORMAL))
			rc = -EIO;
		for (j = 0; j < f->n_more_fds; j++)
			if (posix_fadvise(f->more_fds[j], 0, 0, POSIX_FADV_NORMAL))
				rc = -EIO;
		if (f->map && madvise(f->map, f->map_len, MADV_NORMAL) < 0)
			rc = -errno;
	}
	return rc;
}

int strategy__advise_random(struct rb_workload *w, char *err, size_t errlen)
{
	return fadvise_apply(w, POSIX_FADV_RANDOM, MADV_RANDOM, "RANDOM", err, errlen);
}

static int fadvise_sequential_apply(struct rb_workload *w, char *err, size_t errlen)
{
	return fadvise_apply(w, POSIX_FADV_SEQUENTIAL, MADV_SEQUENTIAL, "SEQUENTIAL", err, errlen);
}

const struct ra_strategy_ops strategy_fadvise_random_ops = {
	.name = "fadvise-random",
	.version = RB_STRATEGY_VERSION,
	.help = "POSIX_FADV_RANDOM on every fd the workload reads, MADV_RANDOM on every mapping",
	.apply = strategy__advise_random,
	.reset = strategy__advise_normal,
};

const struct ra_strategy_ops strategy_fadvise_sequential_ops = {
	.name = "fadvise-sequential",
	.version = RB_STRATEGY_VERSION,
	.help = "POSIX_FADV_SEQUENTIAL on every fd, MADV_SEQUENTIAL on every mapping (the opposite bet)",
	.apply = fadvise_sequential_apply,
	.reset = strategy__advise_normal,
};
