/*
 * prefetch_target — the process the agent serves, seen from outside: its
 * mappings and descriptors of the watched files (/proc/PID/smaps, /proc/PID/fd),
 * the advice given to them and put back, and the object of it that defines
 * FAISS's prefetch_lists. Advice reaches only this process's own mappings (the
 * in-process strategy): for another process (rabench prefetch, an external
 * client) pf_advise_random does nothing, as process_madvise has no RANDOM.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "prefetch_int.h"

static int parse_maps_line_off(const char *line, uintptr_t *start, uintptr_t *end, dev_t *dev,
			       ino_t *ino, uint64_t *pgoff)
{
	unsigned long s, e, off, inode;
	unsigned int maj, min;
	char perms[8];

	if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu", &s, &e, perms, &off, &maj, &min,
		   &inode) != 7)
		return -1;
	*start = s;
	*end = e;
	*dev = makedev(maj, min);
	*ino = (ino_t)inode;
	*pgoff = off;
	return 0;
}

static int parse_maps_line(const char *line, uintptr_t *start, uintptr_t *end, dev_t *dev,
			   ino_t *ino)
{
	uint64_t off;

	return parse_maps_line_off(line, start, end, dev, ino, &off);
}

static int file_of(const struct prefetch *p, dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < p->n_files; i++)
		if (p->files[i].dev == dev && p->files[i].ino == ino)
			return i;
	return -1;
}

static int map_known(const struct prefetch *p, uintptr_t start, uintptr_t end)
{
	int i;

	for (i = 0; i < p->n_maps; i++)
		if (p->maps[i].start == start && p->maps[i].end == end)
			return 1;
	return 0;
}

static enum pf_advice advice_of(const char *vmflags)
{
	if (strstr(vmflags, " rr"))
		return PF_ADV_RANDOM;
	if (strstr(vmflags, " sr"))
		return PF_ADV_SEQUENTIAL;
	return PF_ADV_NORMAL;
}

static int madv_of(enum pf_advice a)
{
	return a == PF_ADV_RANDOM ? MADV_RANDOM : a == PF_ADV_SEQUENTIAL ? MADV_SEQUENTIAL :
	       MADV_NORMAL;
}

/*
 * Record the mappings of file fi (from /proc/PID/smaps, with the advice each
 * already has) that are not advised yet. Advice is given afterwards, so the
 * VMAs do not change under the reader.
 */
static int collect_maps(struct prefetch *p, int fi, struct pf_map *found, int max)
{
	char line[1024];
	struct pf_map cur = { 0 };
	int n = 0, in = 0;
	uintptr_t s, e;
	dev_t dev;
	ino_t ino;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pf_served_pid(p));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (parse_maps_line(line, &s, &e, &dev, &ino) == 0) {
			in = file_of(p, dev, ino) == fi && !map_known(p, s, e);
			cur = (struct pf_map){ .start = s, .end = e, .file = fi };
		} else if (in && strncmp(line, "VmFlags:", 8) == 0) {
			in = 0;
			cur.orig = advice_of(line + 8);
			if (cur.orig != PF_ADV_RANDOM && n < max)
				found[n++] = cur;
		}
	}
	fclose(f);
	return n;
}

static int advise_maps(struct prefetch *p, int fi)
{
	struct pf_map found[32];
	int i, n = collect_maps(p, fi, found, 32);

	if (n < 0)
		return n;
	for (i = 0; i < n && p->n_maps < PF_MAX_ADVISED; i++) {
		/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): found[0..n) is set; n < 0 (-errno) on error */
		if (madvise((void *)found[i].start, found[i].end - found[i].start, MADV_RANDOM)) {
			STAT_ADD(p, errors, 1);
			continue;
		}
		p->maps[p->n_maps++] = found[i];
		STAT_ADD(p, maps_advised, 1);
	}
	return 0;
}

static int fd_known(const struct prefetch *p, int fd)
{
	int i;

	for (i = 0; i < p->n_files; i++)
		if (p->files[i].fd == fd)
			return 1;   /* our own: WILLNEED does not care */
	for (i = 0; i < p->n_fds; i++)
		if (p->fds[i].fd == fd)
			return 1;
	return 0;
}

static int advise_fds(struct prefetch *p, int fi)
{
	struct pf_file *f = &p->files[fi];
	char dir[64];
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", pf_served_pid(p));
	d = opendir(dir);
	struct dirent *de;
	struct stat st;
	char *end;
	long fd;

	if (!d)
		return -errno;
	while ((de = readdir(d)) && p->n_fds < PF_MAX_ADVISED) {
		fd = strtol(de->d_name, &end, 10);
		if (*end || end == de->d_name || fd == dirfd(d) || fd_known(p, (int)fd))
			continue;
		if (fstat((int)fd, &st) || !S_ISREG(st.st_mode) || st.st_dev != f->dev ||
		    st.st_ino != f->ino)
			continue;
		if (posix_fadvise((int)fd, 0, 0, POSIX_FADV_RANDOM)) {
			STAT_ADD(p, errors, 1);
			continue;
		}
		p->fds[p->n_fds++] = (struct pf_fd){ .fd = (int)fd, .dev = st.st_dev, .ino = st.st_ino };
		STAT_ADD(p, fds_advised, 1);
	}
	closedir(d);
	return 0;
}

/* Serving another process (rabench prefetch --pid / -- CMD)? */
bool pf_outside(const struct prefetch *p)
{
	int pid = __atomic_load_n(&p->opts.pid, __ATOMIC_ACQUIRE);

	return pid && pid != getpid();
}

int pf_served_pid(const struct prefetch *p)
{
	int pid = __atomic_load_n(&p->opts.pid, __ATOMIC_ACQUIRE);	/* prefetch__retarget */

	return pid ? pid : getpid();
}

/* Speculative readahead off for file fi: every mapping and descriptor of it. */
int pf_advise_random(struct prefetch *p, int fi)
{
	int rc;

	if (pf_outside(p))
		return 0;	/* another process's mappings: process_madvise has no RANDOM */
	if (!p->files[fi].random) {
		p->files[fi].random = 1;
		STAT_ADD(p, files_random, 1);
	}
	rc = advise_maps(p, fi);
	if (rc == 0)
		rc = advise_fds(p, fi);
	return rc;
}

/*
 * Put back the advice of every mapping we advised that still exists (where
 * the workload unmapped it, the advice went with it), and POSIX_FADV_NORMAL on
 * every descriptor that is still the same file.
 */
int pf_restore_advice(struct prefetch *p)
{
	char line[512];
	uintptr_t s, e, lo, hi;
	struct stat st;
	int i, fi, rc = 0;
	dev_t dev;
	ino_t ino;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pf_served_pid(p));
	f = p->n_maps ? fopen(path, "re") : NULL;

	if (p->n_maps && !f)
		rc = -EIO;
	while (f && fgets(line, sizeof(line), f)) {
		if (parse_maps_line(line, &s, &e, &dev, &ino) || (fi = file_of(p, dev, ino)) < 0)
			continue;
		for (i = 0; i < p->n_maps; i++) {
			lo = s > p->maps[i].start ? s : p->maps[i].start;
			hi = e < p->maps[i].end ? e : p->maps[i].end;
			if (p->maps[i].file == fi && lo < hi &&
			    madvise((void *)lo, hi - lo, madv_of(p->maps[i].orig)))
				rc = -EIO;
		}
	}
	if (f)
		fclose(f);
	for (i = 0; i < p->n_fds; i++)
		if (fstat(p->fds[i].fd, &st) == 0 && st.st_dev == p->fds[i].dev &&
		    st.st_ino == p->fds[i].ino && posix_fadvise(p->fds[i].fd, 0, 0, POSIX_FADV_NORMAL))
			rc = -EIO;
	p->n_maps = 0;
	p->n_fds = 0;
	return rc;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

/* Try binary; 1 attached, 0 not (it lacks the symbol). libbpf stays quiet: misses are expected. */
static int try_hints(struct prefetch *p, const char *binary)
{
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	char err[256];
	int rc = pf_attach_uprobe(p, binary, err, sizeof(err));

	libbpf_set_print(old);
	return rc == 0;
}

int prefetch__attach_hints_found(struct prefetch *p, char *found, size_t len)
{
	char path[64], line[PATH_MAX + 128], last[PATH_MAX] = "", *name;
	int pid = pf_served_pid(p), ok = 0;
	FILE *f;
	ssize_t n;

	if (p->skel->links.pf_prefetch_lists)
		return -EALREADY;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	while (f && !ok && fgets(line, sizeof(line), f)) {
		name = strchr(line, '/');
		if (!name)
			continue;
		name[strcspn(name, "\n")] = '\0';
		if (!strstr(name, "faiss") || !strcmp(name, last))
			continue;
		snprintf(last, sizeof(last), "%s", name);
		if ((ok = try_hints(p, name)))
			snprintf(found, len, "%s", name);
	}
	if (f)
		fclose(f);
	if (!ok && !p->exe_tried) {
		p->exe_tried = 1;	/* an executable does not gain a symbol later */
		snprintf(path, sizeof(path), "/proc/%d/exe", pid);
		n = readlink(path, line, sizeof(line) - 1);
		if (n > 0) {
			line[n] = '\0';
			if ((ok = try_hints(p, line)))
				snprintf(found, len, "%s", line);
		}
	}
	return ok;
}
/*
 * Every mapping of the extent files in the served process (/proc/PID/maps), and
 * a pidfd for process_madvise when that process is not this one.
 */
int pf_find_spans(struct prefetch *p)
{
	struct pf_span found[PF_MAX_SPANS];
	char path[64], line[1024];
	int n = 0;
	uint64_t pgoff;
	uintptr_t s, e;
	dev_t dev;
	ino_t ino;
	FILE *f;
	int fi;

	if (pf_outside(p) && p->pidfd < 0) {
		p->pidfd = (int)syscall(SYS_pidfd_open, pf_served_pid(p), 0);
		if (p->pidfd < 0)
			return -errno;
	}
	snprintf(path, sizeof(path), "/proc/%d/maps", pf_served_pid(p));
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < PF_MAX_SPANS) {
		if (parse_maps_line_off(line, &s, &e, &dev, &ino, &pgoff) ||
		    (fi = file_of(p, dev, ino)) < 0 || !p->files[fi].n_ext)
			continue;
		found[n++] = (struct pf_span){ .start = s, .end = e, .pgoff = pgoff, .file = fi };
	}
	fclose(f);
	/* submitters read the spans while they drop */
	pthread_mutex_lock(&p->spans_lock);
	memcpy(p->spans, found, sizeof(found[0]) * (size_t)n);
	p->n_spans = n;
	pthread_mutex_unlock(&p->spans_lock);
	return 0;
}

/* MADV_PAGEOUT on [addr, addr + len) of the served process. */
static int pageout(struct prefetch *p, uintptr_t addr, uint64_t len)
{
	struct iovec iov = { .iov_base = (void *)addr, .iov_len = len };

	if (!pf_outside(p))
		return madvise((void *)addr, len, MADV_PAGEOUT) ? -errno : 0;
	return syscall(SYS_process_madvise, p->pidfd, &iov, 1, MADV_PAGEOUT, 0) < 0 ? -errno : 0;
}

/* MADV_PAGEOUT on every mapping of file fi that covers [off, off + len). */
static int pageout_range(struct prefetch *p, int fi, uint64_t off, uint64_t len)
{
	uint64_t lo, hi, first = off & ~(PF_PAGE - 1), end = off + len;
	struct pf_span spans[PF_MAX_SPANS];
	int i, n, rc = 0, r;

	pthread_mutex_lock(&p->spans_lock);
	n = p->n_spans;
	memcpy(spans, p->spans, sizeof(spans[0]) * (size_t)n);
	pthread_mutex_unlock(&p->spans_lock);
	for (i = 0; i < n; i++) {
		const struct pf_span *m = &spans[i];
		uint64_t mlo = m->pgoff, mhi = m->pgoff + (m->end - m->start);

		if (m->file != fi)
			continue;
		lo = first > mlo ? first : mlo;
		hi = end < mhi ? end : mhi;
		if (lo < hi && (r = pageout(p, m->start + (lo - mlo), hi - lo)))
			rc = r;
	}
	return rc;
}

/*
 * Mapped pages leave through MADV_PAGEOUT (the page cache keeps a page a
 * process maps), the rest through DONTNEED. A page still in a CPU's LRU batch
 * (just added) is not on the LRU, so reclaim skips it; DONTNEED drains every
 * CPU's batches when it cannot drop a page (lru_add_drain_all), so when the
 * residency map says pages are left, one more PAGEOUT takes them.
 */
int pf_drop_range(struct prefetch *p, int fi, uint64_t off, uint64_t len)
{
	uint64_t lo, hi, left;
	int i, rc = 0, found = 0;
	struct timespec ts;
	uint64_t now;

	/* whole pages only: a page the extent shares with a neighbour holds another list */
	if (!pf_whole_pages(off, len, &lo, &hi))
		return 0;
	off = lo;
	len = hi - lo;

	/* a process that maps its index after the agent started (rabench prefetch -- CMD) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	pthread_mutex_lock(&p->spans_lock);
	for (i = 0; i < p->n_spans && !found; i++)
		found = p->spans[i].file == fi;
	if (!found && now - p->spans_ns > PF_SWEEP_NS)
		p->spans_ns = now;
	else
		found = 1;	/* looked less than PF_SWEEP_NS ago: not again */
	pthread_mutex_unlock(&p->spans_lock);
	if (!found && pf_find_spans(p))
		rc = -EIO;
	if (pageout_range(p, fi, off, len))
		rc = -EIO;
	if (posix_fadvise(p->files[fi].fd, (off_t)off, (off_t)len, POSIX_FADV_DONTNEED))
		rc = -EIO;
	if (prefetch__resident_pages(p, fi, off / PF_PAGE, len / PF_PAGE, &left) == 0 && left &&
	    pageout_range(p, fi, off, len))
		rc = -EIO;
	return rc;
}
