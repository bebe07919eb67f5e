/*
 * pcache_collect — the end of a window: per-file counters out of the files map,
 * the scan of the pages still resident (speculative, never accessed, still in
 * the page cache = unused) out of the chunk map, block and overflow counters
 * out of .bss; and, for `rabench probe`, file names from (device, inode).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdbool.h>
#include <bpf/bpf.h>

#include "pcache_int.h"

#define DRAIN_BATCH	4096

/*
 * Read and delete every entry of a hash map in batches (one pass, unlike
 * get_next_key + delete, which rescans from the first bucket each time).
 */
int pcache__drain(int fd, size_t ksz, size_t vsz, pcache_drain_fn fn, void *ctx)
{
	char *keys = malloc(ksz * DRAIN_BATCH), *vals = malloc(vsz * DRAIN_BATCH);
	__u64 in[4], out[4];
	bool first = true;
	__u32 i, count;
	int rc = 0;

	if (!keys || !vals) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		count = DRAIN_BATCH;
		rc = bpf_map_lookup_and_delete_batch(fd, first ? NULL : in, out, keys, vals,
						     &count, NULL);
		if (rc && rc != -ENOENT)
			break;
		for (i = 0; fn && i < count; i++)
			fn(ctx, keys + (size_t)i * ksz, vals + (size_t)i * vsz);
		if (rc == -ENOENT) {
			rc = 0;
			break;
		}
		memcpy(in, out, sizeof(in));
		first = false;
	}
cleanup:
	free(keys);
	free(vals);
	return rc;
}

#define FILEID_INO32_GEN 1	/* the handle type ext2/3/4 (and others) decode */

_Static_assert(sizeof(struct rb_probe_counts) % sizeof(uint64_t) == 0,
	       "rb_probe_counts must hold uint64_t only: totals add it word by word");

struct entry {
	struct rb_pc_file_key key;
	struct rb_pc_file v;
};

/* Files drained from the map, and a sorted key index for the chunk scan. */
struct collect {
	struct entry *e;
	size_t n, cap;
	struct keyidx {
		struct rb_pc_file_key key;
		size_t idx;		/* into out->files */
	} *ix;
	size_t n_ix;
	struct rb_probe_result *out;
	int err;
};

static void take_file(void *ctx, const void *key, const void *value)
{
	struct collect *c = ctx;
	struct entry *grown;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		grown = realloc(c->e, c->cap * sizeof(*c->e));
		if (!grown) {
			c->err = -ENOMEM;
			return;
		}
		c->e = grown;
	}
	memcpy(&c->e[c->n].key, key, sizeof(c->e[c->n].key));
	memcpy(&c->e[c->n].v, value, sizeof(c->e[c->n].v));
	c->n++;
}

static int key_cmp(const struct rb_pc_file_key *a, const struct rb_pc_file_key *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

static int ix_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct keyidx *)a)->key, &((const struct keyidx *)b)->key);
}

static void convert(const struct rb_pc_file_key *k, const struct rb_pc_file *v,
		    struct rb_probe_file *f)
{
	struct rb_probe_counts *c = &f->c;

	f->ino = k->ino;
	f->dev_major = k->dev >> 20;
	f->dev_minor = k->dev & 0xfffff;
	f->generation = v->generation;
	f->watched = v->watched != 0;
	c->ra_sync = v->ra_calls[RB_PC_RA_SYNC];
	c->ra_async = v->ra_calls[RB_PC_RA_ASYNC];
	c->ra_order = v->ra_calls[RB_PC_RA_ORDER];
	c->ra_unbounded = v->ra_calls[RB_PC_RA_UNBOUNDED];
	c->ra_readaround = v->ra_readaround;
	c->ra_explicit = v->ra_explicit;
	memcpy(c->ra_window, v->ra_window, sizeof(c->ra_window));
	c->added_demand = v->added[RB_PC_DEMAND];
	c->added_spec = v->added[RB_PC_SPEC];
	c->added_prefetch = v->added[RB_PC_PREFETCH];
	c->accessed = v->accessed;
	c->mapped = v->mapped;
	c->read_pages = v->read_pages;
	c->read_miss = v->read_miss;
	c->spec_unused_evicted = v->unused_evicted[RB_PC_SPEC];
	c->spec_mapped_only = v->mapped_evicted[RB_PC_SPEC];
	c->prefetch_unused_evicted = v->unused_evicted[RB_PC_PREFETCH];
	c->prefetch_mapped_only = v->mapped_evicted[RB_PC_PREFETCH];
	c->evicted = v->evicted;
	c->evicted_tracked = v->evicted_tracked;
	c->faults = v->faults;
	c->major_faults = v->major_faults;
	c->map_calls = v->map_calls;
	c->block_reads = v->block_reads;
	c->block_read_bytes = v->block_read_bytes;
	c->readds = v->readds;
	c->untracked = v->untracked;
}

/* Targets in the order given (zeros if never seen); otherwise every file seen. */
static int build_files(struct collect *c, const struct pcache_maps *m)
{
	size_t n = m->all_files ? c->n : (size_t)m->n_want, i, j;
	struct rb_probe_result *out = c->out;

	out->files = calloc(n + 1, sizeof(*out->files));
	c->ix = calloc(n + 1, sizeof(*c->ix));
	if (!out->files || !c->ix)
		return -ENOMEM;
	out->n_files = n;
	for (i = 0; i < n; i++) {
		struct rb_pc_file zero = { 0 };
		const struct rb_pc_file *v = &zero;
		struct rb_pc_file_key k = m->all_files ? c->e[i].key : m->want[i];

		for (j = 0; !m->all_files && j < c->n; j++)
			if (!key_cmp(&c->e[j].key, &k))
				v = &c->e[j].v;
		if (m->all_files)
			v = &c->e[i].v;
		convert(&k, v, &out->files[i]);
		c->ix[i] = (struct keyidx){ .key = k, .idx = i };
	}
	c->n_ix = n;
	qsort(c->ix, n, sizeof(*c->ix), ix_cmp);
	return 0;
}

/* One 64-page chunk left at stop: resident pages and which were never used. */
static void take_chunk(void *ctx, const void *key, const void *value)
{
	const struct rb_pc_chunk_key *ck = key;
	const struct rb_pc_chunk *ch = value;
	struct collect *c = ctx;
	struct keyidx probe = { .key = { .ino = ck->ino, .dev = ck->dev } }, *hit;
	struct rb_probe_counts *pc;
	uint64_t unused = ch->present & ~ch->accessed;

	hit = bsearch(&probe, c->ix, c->n_ix, sizeof(*c->ix), ix_cmp);
	if (!hit)
		return;
	pc = &c->out->files[hit->idx].c;
	pc->resident_tracked += __builtin_popcountll(ch->present);
	pc->spec_unused_resident += __builtin_popcountll(unused & ch->spec & ~ch->mapped);
	pc->spec_mapped_only += __builtin_popcountll(unused & ch->spec & ch->mapped);
	pc->prefetch_unused_resident += __builtin_popcountll(unused & ch->prefetch & ~ch->mapped);
	pc->prefetch_mapped_only += __builtin_popcountll(unused & ch->prefetch & ch->mapped);
}

static uint64_t added_of(const struct rb_probe_file *f)
{
	return f->c.added_demand + f->c.added_spec + f->c.added_prefetch;
}

static int by_added_desc(const void *a, const void *b)
{
	uint64_t x = added_of(a), y = added_of(b);

	return x == y ? 0 : (x > y ? -1 : 1);
}

static void sum_counts(struct rb_probe_result *out)
{
	uint64_t *t = (uint64_t *)&out->total;
	size_t i, w, words = sizeof(out->total) / sizeof(uint64_t);

	memset(&out->total, 0, sizeof(out->total));
	for (i = 0; i < out->n_files; i++)
		for (w = 0; w < words; w++)
			t[w] += ((const uint64_t *)&out->files[i].c)[w];
}

static void copy_counters(const struct rb_pc_counters *k, struct rb_probe_result *out)
{
	out->block.reads = k->block.reads;
	out->block.read_bytes = k->block.read_bytes;
	out->block.timed = k->block.timed;
	out->block.reissued = k->block.reissued;
	memcpy(out->block.size_hist, k->block.size_hist, sizeof(out->block.size_hist));
	memcpy(out->block.lat_hist, k->block.lat_hist, sizeof(out->block.lat_hist));
	out->overflow.chunks_full = k->overflow.chunks_full;
	out->overflow.files_full = k->overflow.files_full;
	out->overflow.tasks_full = k->overflow.tasks_full;
	out->overflow.inflight_full = k->overflow.inflight_full;
	out->overflow.walk_truncated = k->overflow.walk_truncated;
	memcpy(out->folio_pages, k->folio_pages, sizeof(out->folio_pages));
}

int pcache__collect_maps(const struct pcache_maps *m, struct rb_probe_result *out)
{
	struct collect c = { .out = out };
	int rc;

	rc = pcache__drain(m->files_fd, sizeof(struct rb_pc_file_key), sizeof(struct rb_pc_file),
			   take_file, &c);
	rc = rc ? rc : c.err;
	rc = rc ? rc : build_files(&c, m);
	rc = rc ? rc : pcache__drain(m->chunks_fd, sizeof(struct rb_pc_chunk_key),
				     sizeof(struct rb_pc_chunk), take_chunk, &c);
	if (rc) {
		probe_result__free(out);
		goto cleanup;
	}
	if (m->all_files)
		qsort(out->files, out->n_files, sizeof(*out->files), by_added_desc);
	sum_counts(out);
	out->all_files = m->all_files;
	copy_counters(m->counters, out);
cleanup:
	free(c.e);
	free(c.ix);
	return rc;
}

/* Where the filesystem of major:minor is mounted at its root ("" if nowhere). */
static void mount_root(unsigned int ma, unsigned int mi, char *dir, size_t len)
{
	char line[4096], dev[32], root[1024], mnt[1024], want[32];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	dir[0] = '\0';
	if (!f)
		return;
	snprintf(want, sizeof(want), "%u:%u", ma, mi);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %31s %1023s %1023s", dev, root, mnt) == 3 &&
		    !strcmp(dev, want) && !strcmp(root, "/") && !strchr(mnt, '\\')) {
			snprintf(dir, len, "%s", mnt);
			break;
		}
	fclose(f);
}

/* open_by_handle_at(ino, generation) and read the path back from /proc. */
static void resolve_one(struct rb_probe_file *pf)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 2 * sizeof(uint32_t)];
	} h;
	uint32_t fid[2] = { (uint32_t)pf->ino, pf->generation };
	char dir[1024], link[64];
	int mfd, fd;
	ssize_t n;

	if (pf->ino > UINT32_MAX || pf->path[0])
		return;
	mount_root(pf->dev_major, pf->dev_minor, dir, sizeof(dir));
	if (!dir[0])
		return;
	h.fh.handle_bytes = sizeof(fid);
	h.fh.handle_type = FILEID_INO32_GEN;
	memcpy(h.fh.f_handle, fid, sizeof(fid));
	mfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return;
	fd = open_by_handle_at(mfd, &h.fh, O_PATH | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, pf->path, sizeof(pf->path) - 1);
	pf->path[n > 0 ? n : 0] = '\0';
	close(fd);
}

void pcache__resolve_paths(struct rb_probe_result *out, size_t max)
{
	size_t i;

	for (i = 0; i < out->n_files && i < max; i++)
		resolve_one(&out->files[i]);
}
