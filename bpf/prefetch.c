/*
 * prefetch — loader of bpf/prefetch.bpf.c and the prefetch agent (see
 * prefetch_agent.h for what it does and the lifecycle).
 *
 * One thread polls the ring buffer and issues POSIX_FADV_WILLNEED through the
 * agent's own descriptors: the page cache belongs to the inode, so what it
 * brings in serves the workload's mapping, and the readahead state of our
 * descriptors is nobody else's. Pages our thread adds are told apart in the
 * kernel by its tid, so they never come back as misses.
 *
 * Bounding: "outstanding" bytes are prefetched bytes the workload has not
 * touched yet (an extent leaves the count at its first access, or after 1 s,
 * counted as expired). A prefetch that would take the outstanding bytes over the
 * budget is skipped and counted, not queued: a late prefetch is worth little.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "prefetch.h"
#include "prefetch_agent.h"
#include "../harness/memcg.h"
#include "prefetch.skel.h"
#include "hooks.h"

/* The page-cache events the agent watches; see bpf/hooks.h and pcache.c. */
static const struct rb_hook_def pf_hooks[] = {
	{ "add", "mm_filemap_add_to_page_cache", NULL, true },
	{ "fault", "mm_filemap_fault", "filemap_fault", true },
	{ "get_pages", "mm_filemap_get_pages", "filemap_read", true },
	{ "map_pages", "mm_filemap_map_pages", "filemap_map_pages", true },
};
#define PF_HOOKS ((int)(sizeof(pf_hooks) / sizeof(pf_hooks[0])))

#define PF_PAGE			4096ULL
#define PF_DEFAULT_BUDGET	(64ULL << 20)
#define PF_DEFAULT_WINDOW	(4ULL << 20)
#define PF_POLL_MS		5
/* a hint for an extent fetched less than this ago is a repeat: it is still cached */
#define PF_RECENT_NS		1000000000ULL
/* a miss re-fetches an extent older than this: it was evicted, or the hint lost the race */
#define PF_MISS_REPEAT_NS	2000000ULL
#define PF_EXPIRE_NS		1000000000ULL
#define PF_SWEEP_NS		100000000ULL
/* one WILLNEED reads at most max(io_pages, ra_pages): ask in pieces below that */
#define PF_CHUNK		(2ULL << 20)
#define PF_STREAMS		4
#define PF_STREAM_HITS		4	/* sequential accesses before a stream counts */
#define PF_STREAM_SLACK		64	/* pages: fault-around and large folios skip ahead */
#define PF_CLASSIFY_MIN		16	/* accesses seen before a file is classified */
#define PF_MAX_ADVISED		256
#define PF_DRAIN_MS		100

enum pf_advice { PF_ADV_NORMAL, PF_ADV_RANDOM, PF_ADV_SEQUENTIAL };

struct pf_ext {
	uint64_t off, len;
	uint64_t issued_ns;	/* last WILLNEED, 0 = never */
	uint64_t outstanding;	/* bytes held against the budget */
};

struct pf_key {
	int64_t key;
	uint32_t file, ext;	/* ext: index into the file's sorted extents */
	uint64_t off;
};

struct pf_stream {
	uint64_t first;		/* page: where the last access began */
	uint64_t next, ahead;	/* pages: where the reader goes next, how far we fetched */
	uint64_t hits, last_ns;
};

struct pf_file {
	char path[512];
	dev_t dev;
	ino_t ino;
	int fd;			/* the agent's own descriptor */
	uint64_t pages;
	struct pf_ext *ext;	/* sorted by offset once started */
	size_t n_ext, cap_ext;
	int random;		/* speculative readahead is off */
	uint64_t accesses, jumps;
	struct pf_stream streams[PF_STREAMS];
};

/* A mapping we advised, and the advice it had before. */
struct pf_map {
	uintptr_t start, end;
	int file;
	enum pf_advice orig;
};

struct pf_fd {
	int fd;
	dev_t dev;
	ino_t ino;
};

struct prefetch {
	struct prefetch_opts opts;
	struct prefetch_bpf *skel;
	struct ring_buffer *rb;
	struct pf_file files[PREFETCH_MAX_FILES];
	int n_files;
	struct pf_key *keys;
	size_t n_keys, cap_keys;
	pthread_t thread;
	int thread_started;
	sem_t ready;
	int stop;		/* __atomic: tells the thread to leave */
	uint64_t ext_outstanding;
	uint64_t last_sweep_ns;
	struct pf_file *pend_file;	/* a range queued for one WILLNEED */
	uint64_t pend_off, pend_len;
	struct pf_map maps[PF_MAX_ADVISED];
	int n_maps;
	struct pf_fd fds[PF_MAX_ADVISED];
	int n_fds;
	struct prefetch_stats st;	/* written with __atomic ops, read by collect */
	struct rb_hook_state hooks[PF_HOOKS];	/* how each event is attached here */
	int exe_tried;			/* attach_hints_found: the executable had no symbol */
	uint64_t records;		/* __atomic: ring-buffer records handled */
};

#define STAT_ADD(p, field, n) __atomic_fetch_add(&(p)->st.field, (n), __ATOMIC_RELAXED)

#define STAT(f) { #f, offsetof(struct prefetch_stats, f) }
static const struct prefetch_stat_name stat_names[] = {
	STAT(hint_calls), STAT(hint_lists), STAT(hint_truncated), STAT(hint_read_errors),
	STAT(hint_events), STAT(hint_delay_us_sum), STAT(hint_delay_us_max), STAT(hint_unknown),
	STAT(lists_prefetched), STAT(extents_prefetched), STAT(bytes_advised), STAT(willneed_calls),
	STAT(willneed_us_sum), STAT(pages_prefetched),
	STAT(miss_pages), STAT(miss_events), STAT(miss_expanded), STAT(miss_outside),
	STAT(access_events), STAT(streams_detected), STAT(stream_bytes_advised),
	STAT(files_random), STAT(maps_advised), STAT(fds_advised), STAT(repeats_skipped),
	STAT(budget_skips), STAT(consumed), STAT(expired), STAT(budget_bytes),
	STAT(ringbuf_drops), STAT(errors),
	{ NULL, 0 },
};

_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) ==
	       sizeof(struct prefetch_stats) / sizeof(uint64_t) + 1,
	       "every counter needs its name");

const struct prefetch_stat_name *prefetch__stat_names(void)
{
	return stat_names;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- prefetching ---- */

static uint64_t outstanding(const struct prefetch *p)
{
	uint64_t sum = p->ext_outstanding;
	const struct pf_stream *s;
	int i, j;

	for (i = 0; i < p->n_files; i++)
		for (j = 0; j < PF_STREAMS; j++) {
			s = &p->files[i].streams[j];
			if (s->ahead > s->next)
				sum += (s->ahead - s->next) * PF_PAGE;
		}
	return sum;
}

/* WILLNEED in pieces; 0 or -errno. */
static int willneed(struct prefetch *p, struct pf_file *f, uint64_t off, uint64_t len)
{
	uint64_t piece, t0;
	int rc;

	while (len) {
		piece = len < PF_CHUNK ? len : PF_CHUNK;
		t0 = now_ns();
		rc = posix_fadvise(f->fd, (off_t)off, (off_t)piece, POSIX_FADV_WILLNEED);
		STAT_ADD(p, willneed_calls, 1);
		STAT_ADD(p, willneed_us_sum, (now_ns() - t0) / 1000);
		if (rc) {
			STAT_ADD(p, errors, 1);
			return -rc;
		}
		STAT_ADD(p, bytes_advised, piece);
		off += piece;
		len -= piece;
	}
	return 0;
}

/* Issue the pending range, if any. */
static void flush(struct prefetch *p)
{
	if (p->pend_len)
		willneed(p, p->pend_file, p->pend_off, p->pend_len);
	p->pend_len = 0;
}

/*
 * Queue a range; one that continues the pending one joins it. FAISS stores a
 * list's ids right after its codes, so a list costs one WILLNEED, not two:
 * the agent's syscalls are on the scan's critical path.
 */
static void pend(struct prefetch *p, struct pf_file *f, uint64_t off, uint64_t len)
{
	if (p->pend_len && p->pend_file == f && p->pend_off + p->pend_len == off) {
		p->pend_len += len;
		return;
	}
	flush(p);
	p->pend_file = f;
	p->pend_off = off;
	p->pend_len = len;
}

/*
 * Fetch a whole extent (queued: the caller flushes) unless it was just fetched
 * or the budget is spent.
 */
static int prefetch_extent(struct prefetch *p, struct pf_file *f, struct pf_ext *e,
			   uint64_t repeat_ns)
{
	uint64_t now = now_ns();

	if (e->issued_ns && now - e->issued_ns < repeat_ns) {
		STAT_ADD(p, repeats_skipped, 1);
		return 0;
	}
	if (!e->outstanding && outstanding(p) + e->len > p->st.budget_bytes) {
		STAT_ADD(p, budget_skips, 1);
		return 0;
	}
	pend(p, f, e->off, e->len);
	e->issued_ns = now;
	if (!e->outstanding) {
		e->outstanding = e->len;
		p->ext_outstanding += e->len;
	}
	STAT_ADD(p, extents_prefetched, 1);
	return 1;
}

static void retire(struct prefetch *p, struct pf_ext *e, int touched)
{
	if (!e->outstanding)
		return;
	p->ext_outstanding -= e->outstanding;
	e->outstanding = 0;
	if (touched)
		STAT_ADD(p, consumed, 1);
	else
		STAT_ADD(p, expired, 1);
}

/* Index of the last extent starting at or before off, or -1. */
static long ext_floor(const struct pf_file *f, uint64_t off)
{
	long lo = 0, hi = (long)f->n_ext - 1, mid, found = -1;

	while (lo <= hi) {
		mid = lo + (hi - lo) / 2;
		if (f->ext[mid].off <= off) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/* The extent holding byte off, or NULL. */
static struct pf_ext *ext_at(struct pf_file *f, uint64_t off)
{
	long i = ext_floor(f, off);

	if (i < 0 || off >= f->ext[i].off + f->ext[i].len)
		return NULL;
	return &f->ext[i];
}

static void handle_hint(struct prefetch *p, const struct rb_pf_hint_event *e)
{
	size_t lo, hi, mid, k;
	uint64_t delay;
	uint32_t i;
	int64_t key;
	int any;

	STAT_ADD(p, hint_events, 1);
	delay = (now_ns() - e->ts) / 1000;
	STAT_ADD(p, hint_delay_us_sum, delay);
	if (delay > p->st.hint_delay_us_max)
		__atomic_store_n(&p->st.hint_delay_us_max, delay, __ATOMIC_RELAXED);
	for (i = 0; i < e->n && i < RB_PF_MAX_LISTS; i++) {
		key = e->lists[i];
		if (key < 0)
			continue;   /* FAISS pads with -1 when fewer lists exist */
		for (lo = 0, hi = p->n_keys; lo < hi;) {
			mid = lo + (hi - lo) / 2;
			if (p->keys[mid].key < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		any = 0;
		for (k = lo; k < p->n_keys && p->keys[k].key == key; k++) {
			struct pf_file *f = &p->files[p->keys[k].file];

			any |= prefetch_extent(p, f, &f->ext[p->keys[k].ext], PF_RECENT_NS) > 0;
		}
		if (k == lo)
			STAT_ADD(p, hint_unknown, 1);
		else if (any)
			STAT_ADD(p, lists_prefetched, 1);
	}
	flush(p);
}

static void handle_miss(struct prefetch *p, const struct rb_pf_page_event *e)
{
	struct pf_file *f;
	struct pf_ext *x;

	STAT_ADD(p, miss_events, 1);
	if (e->file >= (uint32_t)p->n_files)
		return;
	f = &p->files[e->file];
	if (!f->n_ext)
		return;   /* no extent map: the stream detector sees the accesses */
	x = ext_at(f, e->index * PF_PAGE);
	if (!x) {
		STAT_ADD(p, miss_outside, 1);
		return;
	}
	if (prefetch_extent(p, f, x, PF_MISS_REPEAT_NS) > 0)
		STAT_ADD(p, miss_expanded, 1);
	flush(p);
}

/* ---- advice: switching speculative readahead off, and back ---- */

static int parse_maps_line(const char *line, uintptr_t *start, uintptr_t *end, dev_t *dev,
			   ino_t *ino)
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
	return 0;
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
 * Record the mappings of file fi (from /proc/self/smaps, with the advice each
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
	FILE *f = fopen("/proc/self/smaps", "re");

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
	DIR *d = opendir("/proc/self/fd");
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
static bool outside(const struct prefetch *p)
{
	return p->opts.pid && p->opts.pid != getpid();
}

static int served_pid(const struct prefetch *p)
{
	return p->opts.pid ? p->opts.pid : getpid();
}

/* Speculative readahead off for file fi: every mapping and descriptor of it. */
static int advise_random(struct prefetch *p, int fi)
{
	int rc;

	if (outside(p))
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
static int restore_advice(struct prefetch *p)
{
	char line[512];
	uintptr_t s, e, lo, hi;
	struct stat st;
	int i, fi, rc = 0;
	dev_t dev;
	ino_t ino;
	FILE *f = p->n_maps ? fopen("/proc/self/maps", "re") : NULL;

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

/* ---- the access stream: consumption, streams, classification ---- */

static void consume(struct prefetch *p, struct pf_file *f, uint64_t first, uint64_t nr)
{
	uint64_t end = (first + nr) * PF_PAGE;
	long i = ext_floor(f, first * PF_PAGE);

	if (i < 0)
		i = 0;
	for (; (size_t)i < f->n_ext && f->ext[i].off < end; i++)
		if (f->ext[i].off + f->ext[i].len > first * PF_PAGE)
			retire(p, &f->ext[i], 1);
}

/*
 * The stream this access continues, or a recycled slot (the least recent). One
 * read() shows up as several lookups that start inside the range the first one
 * named (each up to the end of the request), so an access continues a stream
 * from where the last one began to a little past where it ended.
 */
static struct pf_stream *stream_for(struct pf_file *f, uint64_t index, int *cont)
{
	struct pf_stream *s, *oldest = &f->streams[0];
	int i;

	for (i = 0; i < PF_STREAMS; i++) {
		s = &f->streams[i];
		if (s->hits && index >= s->first && index <= s->next + PF_STREAM_SLACK) {
			*cont = 1;
			return s;
		}
		if (s->last_ns < oldest->last_ns)
			oldest = s;
	}
	*cont = 0;
	return oldest;
}

/* Keep window_bytes fetched ahead of a sequential reader. */
static void stream_ahead(struct prefetch *p, struct pf_file *f, struct pf_stream *s)
{
	uint64_t win = p->opts.window_bytes / PF_PAGE, from, to;

	if (s->ahead >= s->next + win / 2)
		return;
	from = s->ahead > s->next ? s->ahead : s->next;
	to = s->next + win < f->pages ? s->next + win : f->pages;
	if (to <= from)
		return;
	if (outstanding(p) + (to - from) * PF_PAGE > p->st.budget_bytes) {
		STAT_ADD(p, budget_skips, 1);
		return;
	}
	if (willneed(p, f, from * PF_PAGE, (to - from) * PF_PAGE) == 0) {
		STAT_ADD(p, stream_bytes_advised, (to - from) * PF_PAGE);
		s->ahead = to;
	}
}

static void classify(struct prefetch *p, int fi, int cont)
{
	struct pf_file *f = &p->files[fi];

	f->accesses++;
	f->jumps += !cont;
	/* mostly jumps: readahead around them only reads what nobody asks for */
	if (!f->random && f->accesses >= PF_CLASSIFY_MIN && f->jumps * 4 >= f->accesses * 3 &&
	    advise_random(p, fi))
		STAT_ADD(p, errors, 1);
}

static void handle_access(struct prefetch *p, const struct rb_pf_page_event *e)
{
	struct pf_stream *s;
	struct pf_file *f;
	int cont;

	STAT_ADD(p, access_events, 1);
	if (e->file >= (uint32_t)p->n_files)
		return;
	f = &p->files[e->file];
	if (f->n_ext) {
		consume(p, f, e->index, e->nr);
		return;
	}
	s = stream_for(f, e->index, &cont);
	if (!cont)
		*s = (struct pf_stream){ .ahead = e->index + e->nr };
	s->first = e->index;
	s->next = e->index + e->nr > s->next ? e->index + e->nr : s->next;
	s->last_ns = now_ns();
	if (++s->hits == PF_STREAM_HITS)
		STAT_ADD(p, streams_detected, 1);
	if (s->hits >= PF_STREAM_HITS && !f->random)
		stream_ahead(p, f, s);
	classify(p, (int)e->file, cont);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct prefetch *p = ctx;
	uint32_t type;

	__atomic_fetch_add(&p->records, 1, __ATOMIC_RELEASE);
	if (size < sizeof(type))
		return 0;
	memcpy(&type, data, sizeof(type));
	if (type == RB_PF_HINT && size >= sizeof(struct rb_pf_hint_event))
		handle_hint(p, data);
	else if (type == RB_PF_MISS && size >= sizeof(struct rb_pf_page_event))
		handle_miss(p, data);
	else if (type == RB_PF_ACCESS && size >= sizeof(struct rb_pf_page_event))
		handle_access(p, data);
	return 0;
}

/* Release outstanding extents nobody touched, so the budget cannot leak. */
static void sweep(struct prefetch *p)
{
	uint64_t now = now_ns();
	struct pf_file *f;
	size_t j;
	int i;

	if (now - p->last_sweep_ns < PF_SWEEP_NS)
		return;
	p->last_sweep_ns = now;
	for (i = 0; i < p->n_files; i++) {
		f = &p->files[i];
		for (j = 0; j < f->n_ext; j++)
			if (f->ext[j].outstanding && now - f->ext[j].issued_ns > PF_EXPIRE_NS)
				retire(p, &f->ext[j], 0);
	}
}

static void *agent_main(void *arg)
{
	struct prefetch *p = arg;
	int rc;

	/* from here on, pages this thread adds are prefetches, not misses */
	p->skel->bss->agent_tid = (__u32)syscall(SYS_gettid);
	p->last_sweep_ns = now_ns();
	sem_post(&p->ready);
	while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		rc = ring_buffer__poll(p->rb, PF_POLL_MS);
		/* records sent without a wakeup are read here, at the latest after a timeout */
		if (rc >= 0)
			rc = ring_buffer__consume(p->rb);
		if (rc < 0 && rc != -EINTR) {
			STAT_ADD(p, errors, 1);
			break;
		}
		sweep(p);
	}
	return NULL;
}

/* ---- setup ---- */

static uint32_t kernel_dev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

/*
 * Less under a memory cgroup limit (v1 or v2): prefetched pages are charged to the
 * workload's cgroup, so more than a quarter of its limit in flight would push out
 * the pages it is using.
 */
static uint64_t budget_for(uint64_t want)
{
	uint64_t limit;

	if (memcg__current_limit(&limit) == 0 && limit / 4 < want)
		want = limit / 4;
	return want;
}

int prefetch__open(struct prefetch **out, const struct prefetch_opts *opts, char *err,
		   size_t errlen)
{
	struct prefetch *p = calloc(1, sizeof(*p));
	char why[200];
	int rc;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (opts)
		p->opts = *opts;
	if (!p->opts.budget_bytes)
		p->opts.budget_bytes = PF_DEFAULT_BUDGET;
	if (!p->opts.window_bytes)
		p->opts.window_bytes = PF_DEFAULT_WINDOW;
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen, "bpf-prefetch: no kernel BTF (/sys/kernel/btf/vmlinux): %s",
			 strerror(errno));
		free(p);
		return -EOPNOTSUPP;
	}
	p->skel = prefetch_bpf__open();
	if (!p->skel) {
		rc = -errno;
		snprintf(err, errlen, "bpf-prefetch: cannot open the BPF object: %s", strerror(-rc));
		free(p);
		return rc;
	}
	p->skel->rodata->targ_tgid = (__u32)(p->opts.pid ? p->opts.pid : getpid());
	rc = hooks__choose(p->skel->obj, "pf", pf_hooks, PF_HOOKS, p->hooks, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "bpf-prefetch: %s", why);
		prefetch_bpf__destroy(p->skel);
		free(p);
		return -ENOTSUP;
	}
	rc = prefetch_bpf__load(p->skel);
	if (rc) {
		/* a kernel the programs do not fit is a skipped strategy, not a failed run */
		snprintf(err, errlen, "bpf-prefetch: cannot load the BPF programs: %s%s",
			 strerror(-rc), geteuid() ? " (needs root)" : "");
		prefetch_bpf__destroy(p->skel);
		free(p);
		return geteuid() ? -EPERM : -ENOTSUP;
	}
	*out = p;
	return 0;
}

/* Put file f into the kernel's filter with val. */
static int filter(struct prefetch *p, const struct pf_file *f, const struct rb_pf_file_val *val)
{
	struct rb_pf_file_key key = { .ino = f->ino, .dev = kernel_dev(f->dev) };

	return bpf_map__update_elem(p->skel->maps.files, &key, sizeof(key), val, sizeof(*val), 0);
}

int prefetch__add_file(struct prefetch *p, const char *path, char *err, size_t errlen)
{
	struct rb_pf_file_val val = { 0 };
	struct pf_file *f;
	struct stat st;
	int rc;

	if (p->n_files >= PREFETCH_MAX_FILES) {
		snprintf(err, errlen, "bpf-prefetch: more than %d files", PREFETCH_MAX_FILES);
		return -ENOSPC;
	}
	f = &p->files[p->n_files];
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot open for prefetching: %s", path, strerror(-rc));
		if (f->fd >= 0)
			close(f->fd);
		return rc;
	}
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->pages = ((uint64_t)st.st_size + PF_PAGE - 1) / PF_PAGE;
	val.file = (__u32)p->n_files;
	if (filter(p, f, &val)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot add to the BPF file filter: %s", path, strerror(-rc));
		close(f->fd);
		return rc;
	}
	return p->n_files++;
}

int prefetch__add_extent(struct prefetch *p, int file, int64_t key, uint64_t off, uint64_t len)
{
	struct pf_file *f;
	void *n;

	if (file < 0 || file >= p->n_files || !len)
		return -EINVAL;
	f = &p->files[file];
	if (f->n_ext == f->cap_ext) {
		f->cap_ext = f->cap_ext ? 2 * f->cap_ext : 1024;
		n = realloc(f->ext, f->cap_ext * sizeof(*f->ext));
		if (!n)
			return -ENOMEM;
		f->ext = n;
	}
	f->ext[f->n_ext++] = (struct pf_ext){ .off = off, .len = len };
	if (key < 0)
		return 0;
	if (p->n_keys == p->cap_keys) {
		p->cap_keys = p->cap_keys ? 2 * p->cap_keys : 1024;
		n = realloc(p->keys, p->cap_keys * sizeof(*p->keys));
		if (!n)
			return -ENOMEM;
		p->keys = n;
	}
	p->keys[p->n_keys++] = (struct pf_key){ .key = key, .file = (uint32_t)file, .off = off };
	return 0;
}

static int cmp_ext(const void *a, const void *b)
{
	const struct pf_ext *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

static int cmp_key(const void *a, const void *b)
{
	const struct pf_key *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

/* Sort each file's extents (one per offset, the longest) and point keys at them. */
static void index_extents(struct prefetch *p)
{
	struct pf_file *f;
	size_t i, n;
	int fi;

	for (fi = 0; fi < p->n_files; fi++) {
		f = &p->files[fi];
		if (!f->n_ext)
			continue;
		qsort(f->ext, f->n_ext, sizeof(*f->ext), cmp_ext);
		for (i = 1, n = 1; i < f->n_ext; i++) {
			if (f->ext[i].off == f->ext[n - 1].off) {
				if (f->ext[i].len > f->ext[n - 1].len)
					f->ext[n - 1].len = f->ext[i].len;
				continue;
			}
			f->ext[n++] = f->ext[i];
		}
		f->n_ext = n;
	}
	for (i = 0; i < p->n_keys; i++)
		p->keys[i].ext = (uint32_t)ext_floor(&p->files[p->keys[i].file], p->keys[i].off);
	if (p->n_keys)
		qsort(p->keys, p->n_keys, sizeof(*p->keys), cmp_key);
}

static int attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen);

static int attach(struct prefetch *p, char *err, size_t errlen)
{
	char exe[PATH_MAX];
	const char *bin = p->opts.binary, *sym = p->opts.symbol;
	struct prefetch_bpf *s = p->skel;
	ssize_t n;
	int i, rc;

	for (i = 0; i < s->skeleton->prog_cnt; i++) {
		struct bpf_program *prog = *s->skeleton->progs[i].prog;

		if (prog == s->progs.pf_prefetch_lists || !bpf_program__autoload(prog))
			continue;
		*s->skeleton->progs[i].link = bpf_program__attach(prog);
		if (!*s->skeleton->progs[i].link) {
			rc = errno ? -errno : -EINVAL;
			snprintf(err, errlen, "bpf-prefetch: cannot attach %s: %s",
				 bpf_program__name(prog), strerror(-rc));
			return rc;
		}
	}
	if ((sym && !sym[0]) || (!bin && outside(p)))
		return 0;   /* no uprobe asked for, or not yet (prefetch__attach_hints) */
	if (!bin) {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = '\0';
		bin = exe;
	}
	return attach_uprobe(p, bin, err, errlen);
}

static int attach_uprobe(struct prefetch *p, const char *bin, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts);
	struct prefetch_bpf *s = p->skel;
	int rc;

	uopts.func_name = p->opts.symbol ? p->opts.symbol : PREFETCH_FAISS_SYMBOL;
	s->links.pf_prefetch_lists = bpf_program__attach_uprobe_opts(s->progs.pf_prefetch_lists,
								     served_pid(p), bin, 0, &uopts);
	if (!s->links.pf_prefetch_lists) {
		rc = errno ? -errno : -EINVAL;
		snprintf(err, errlen, "bpf-prefetch: cannot attach a uprobe to %s in %s: %s",
			 uopts.func_name, bin, strerror(-rc));
		return rc;
	}
	return 0;
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
	int rc = attach_uprobe(p, binary, err, sizeof(err));

	libbpf_set_print(old);
	return rc == 0;
}

int prefetch__attach_hints_found(struct prefetch *p, char *found, size_t len)
{
	char path[64], line[PATH_MAX + 128], last[PATH_MAX] = "", *name;
	int pid = served_pid(p), ok = 0;
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

int prefetch__attach_hints(struct prefetch *p, const char *binary, char *err, size_t errlen)
{
	if (p->skel->links.pf_prefetch_lists)
		return -EALREADY;
	return attach_uprobe(p, binary, err, errlen);
}

/* The agent thread takes no signal: SIGINT stays with the thread that handles it. */
static int start_thread(struct prefetch *p)
{
	sigset_t all, old;
	int rc;

	if (sem_init(&p->ready, 0, 0))
		return -errno;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->thread, NULL, agent_main, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		sem_destroy(&p->ready);
		return -rc;
	}
	p->thread_started = 1;
	while (sem_wait(&p->ready) && errno == EINTR)
		;
	return 0;
}

/*
 * A file read extent by extent gains nothing from speculative readahead, and
 * its misses are worth waking the agent for.
 */
static int start_file(struct prefetch *p, int fi)
{
	struct rb_pf_file_val val = { .file = (__u32)fi, .flags = RB_PF_F_MISSES };

	if (!p->files[fi].n_ext)
		return 0;
	if (filter(p, &p->files[fi], &val))
		return -errno;
	return advise_random(p, fi);
}

int prefetch__start(struct prefetch *p, char *err, size_t errlen)
{
	int i, rc;

	index_extents(p);
	p->st.budget_bytes = budget_for(p->opts.budget_bytes);
	p->rb = ring_buffer__new(bpf_map__fd(p->skel->maps.events), on_event, p, NULL);
	if (!p->rb) {
		rc = -errno;
		snprintf(err, errlen, "bpf-prefetch: cannot open the ring buffer: %s", strerror(-rc));
		return rc;
	}
	for (i = 0; i < p->n_files; i++) {
		rc = start_file(p, i);
		if (rc) {
			snprintf(err, errlen, "%s: cannot switch readahead off: %s", p->files[i].path,
				 strerror(-rc));
			return rc;
		}
	}
	rc = attach(p, err, errlen);
	if (rc)
		return rc;
	rc = start_thread(p);
	if (rc)
		snprintf(err, errlen, "bpf-prefetch: cannot start the agent thread: %s", strerror(-rc));
	return rc;
}

/* Give the agent up to PF_DRAIN_MS to handle what the kernel already sent. */
static void drain(struct prefetch *p)
{
	volatile struct rb_pf_kcounters *k = &p->skel->bss->counters;
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; p->thread_started && i < PF_DRAIN_MS; i++) {
		if (__atomic_load_n(&p->records, __ATOMIC_ACQUIRE) >= k->records)
			return;
		nanosleep(&ms, NULL);
	}
}

void prefetch__collect(struct prefetch *p, struct prefetch_stats *out)
{
	volatile struct rb_pf_kcounters *k = &p->skel->bss->counters;
	const uint64_t *src = (const uint64_t *)&p->st;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	drain(p);
	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	out->hint_calls = k->hint_calls;
	out->hint_lists = k->hint_lists;
	out->hint_truncated = k->hint_truncated;
	out->hint_read_errors = k->hint_read_errors;
	out->pages_prefetched = k->agent_pages;
	out->miss_pages = k->miss_pages;
	out->ringbuf_drops = k->ringbuf_drops;
}

int prefetch__stop(struct prefetch *p)
{
	int rc;

	if (p->thread_started) {
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
		pthread_join(p->thread, NULL);
		sem_destroy(&p->ready);
		p->thread_started = 0;
	}
	/* detach first: nothing may prefetch or advise once we start restoring */
	prefetch_bpf__detach(p->skel);
	rc = restore_advice(p);
	return rc;
}

int prefetch__destroy(struct prefetch *p)
{
	int i, rc;

	if (!p)
		return 0;
	rc = prefetch__stop(p);
	ring_buffer__free(p->rb);
	prefetch_bpf__destroy(p->skel);
	for (i = 0; i < p->n_files; i++) {
		close(p->files[i].fd);
		free(p->files[i].ext);
	}
	free(p->keys);
	free(p);
	return rc;
}
