// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcache.bpf.c — what readahead really did, per file, from the page-cache events:
 * each through the best mechanism the running kernel offers (tp_btf, else fentry,
 * else kprobe: see the attach points at the end, and bpf/hooks.c). 6.18 here has
 * every tracepoint but no kprobes and refuses fentry (why libbpf-tools' readahead
 * and cachestat fail on it); Debian's 6.1 has only the add/delete tracepoints.
 *
 * Every page added to the page cache is classified by what the thread adding it
 * was doing (its syscall, read from its saved user registers, and its last
 * page-cache events):
 *   - inside fadvise(WILLNEED), readahead(2) or madvise(WILLNEED)   -> prefetch;
 *   - after mm_filemap_fault(index): the folio page at index -> demand (and the
 *     fault is major), the rest of the read-around window         -> speculative;
 *   - after page_cache_{sync,async}_ra(index, req): pages in [index, index+req)
 *     -> demand (a read miss), beyond                             -> speculative;
 *   - anything else (writes, kernel threads)                      -> demand.
 * Pages are then marked accessed (read() ranges from mm_filemap_get_pages, fault
 * indexes from mm_filemap_fault) or mapped (fault-around ranges from
 * mm_filemap_map_pages: no per-page event, so "mapped, maybe used"), and a
 * delete tells whether a speculative page was ever used. State lives in
 * per-64-page bitmaps (pcache.h); the loader scans what is left at the end.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pcache.h"
#include "core_fixes.bpf.h"

#define PAGE_SHIFT		12
#define MINORBITS		20
#define REQ_OP_MASK		0xff	/* (1 << REQ_OP_BITS) - 1, linux/blk_types.h */
#define POSIX_FADV_WILLNEED	3
#define MADV_WILLNEED		3

/*
 * The syscalls that prefetch on purpose, and where the saved user registers
 * keep the syscall number. Outside a syscall x86 keeps the page-fault error
 * code there (never one of these numbers: 187 and 221 have bit 7, undefined
 * for faults; 28 needs RSVD, which never reaches the page cache), arm64 -1.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_MADVISE	28
#define NR_READAHEAD	187
#define NR_FADVISE64	221
#define REGS_NR(r)	BPF_CORE_READ((r), orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define NR_MADVISE	233
#define NR_READAHEAD	213
#define NR_FADVISE64	223
#define REGS_NR(r)	BPF_CORE_READ((r), syscallno)
#else
#define NR_MADVISE	-1
#define NR_READAHEAD	-1
#define NR_FADVISE64	-1
#define REGS_NR(r)	(-1L)
#endif

#define ADD(p, v)	__sync_fetch_and_add((p), (v))

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Filters, set by the loader before each window. Not rodata: one load serves a
 * whole run (the run learns at open whether BPF works), and targets change
 * between runs of `rabench probe` and `rabench run` in one process.
 */
__u32 enabled;		/* the window is open: attach/detach are slow, this flag is not */
__u32 all_files;	/* count every file; else only those the loader put in files */
__u32 block_dev;	/* kernel dev_t of the disk whose reads count; 0 = every disk */

struct rb_pc_counters counters;

/*
 * Per-thread context. Each slot says which file and pages the thread's last
 * event of that kind was about, so an add can tell demand from speculation.
 * Only the owning thread touches its entry. A slot holds only within the
 * syscall (or fault) that made it: its number is kept and must match. Not a
 * sys_enter program to drop slots: that would tax every syscall on the machine.
 */
struct task_ctx {
	struct rb_pc_file_key read_f;	/* READ: the last sync/async readahead */
	__u64 read_lo, read_hi;		/* its demand range [lo, hi) */
	long read_nr;			/* the syscall (or fault) it was made in */
	struct rb_pc_file_key fault_f;	/* FAULT: the last mm_filemap_fault */
	__u64 fault_idx;
	long fault_nr;
	struct rb_pc_file_key map_f;	/* the last fault-around, until a fault uses it */
	__u64 map_lo, map_hi;		/* [lo, hi] */
	struct rb_pc_file_key gp_f;	/* the last read() request (get_pages) */
	__u64 gp_idx, gp_last;
	long gp_nr;
	struct rb_pc_file_key order_f;	/* ra_order ran: a ra_unbounded now is its fallback */
	__u8 read_ok, fault_ok, map_ok, gp_ok, order_ok;
	__u8 fault_major;		/* the FAULT slot's fault was counted major */
	__u8 ra_seen;			/* sync/async readahead ran inside this fault */
};

static const struct rb_pc_chunk zero_chunk;
static const struct rb_pc_file zero_file;
static const struct task_ctx zero_task;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PC_MAX_CHUNKS);
	__type(key, struct rb_pc_chunk_key);
	__type(value, struct rb_pc_chunk);
} chunks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PC_MAX_FILES);
	__type(key, struct rb_pc_file_key);
	__type(value, struct rb_pc_file);
} files SEC(".maps");

/* LRU: threads that exited (or went quiet) make room for new ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, RB_PC_MAX_TASKS);
	__type(key, __u32);
	__type(value, struct task_ctx);
} tasks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PC_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, __u64);
} inflight SEC(".maps");

/* ---- small helpers ---------------------------------------------------- */

static __always_inline __u64 log2_u64(__u64 v)
{
	__u64 r, shift;

	/* clz crashes clang 14's BPF backend: bcc's branch-free log2 instead */
	r = (v > 0xFFFFFFFFULL) << 5;
	v >>= r;
	shift = (v > 0xFFFF) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xFF) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xF) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline void hist_add(__u64 *hist, __u64 slots, __u64 v)
{
	/* 64-bit throughout: a 32-bit index is bounds-checked in a copy clang makes */
	__u64 s = log2_u64(v);

	if (s >= slots)
		s = slots - 1;
	ADD(&hist[s], 1);
}

static __always_inline __u64 popcount(__u64 v)
{
	return __builtin_popcountll(v);
}

static __always_inline bool same_file(const struct rb_pc_file_key *a,
				      const struct rb_pc_file_key *b)
{
	return a->ino == b->ino && a->dev == b->dev;
}

/* Bits of the pages [lo, hi) that fall in the chunk starting at page base. */
static __always_inline __u64 range_mask(__u64 base, __u64 lo, __u64 hi)
{
	__u64 from = lo > base ? lo - base : 0;
	__u64 to = hi > base ? hi - base : 0;
	__u64 top;

	if (to > 64)
		to = 64;
	if (from >= to)
		return 0;
	top = to == 64 ? ~0ULL : (1ULL << to) - 1;
	return top & ~((1ULL << from) - 1);
}

static __always_inline __u64 chunks_in(__u64 lo, __u64 hi)
{
	return hi > lo ? ((hi - 1) >> RB_PC_CHUNK_SHIFT) - (lo >> RB_PC_CHUNK_SHIFT) + 1 : 0;
}

/*
 * bpf_loop over n chunks, at most max. Bounding n as a 64-bit value matters:
 * clang computes a u32 argument in 32 bits and leaves junk above them, and the
 * verifier's inlined bpf_loop compares all 64 (-E2BIG, the loop never runs).
 */
static __always_inline void loop_chunks(__u64 n, __u64 max, void *cb, void *ctx)
{
	if (n > max) {
		n = max;
		ADD(&counters.overflow.walk_truncated, 1);
	}
	bpf_loop(n, cb, ctx, 0);
}

static __always_inline void inode_key(struct inode *inode, struct rb_pc_file_key *k)
{
	k->ino = BPF_CORE_READ(inode, i_ino);
	k->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k->pad = 0;
}

/* The registers the current thread entered the kernel with (syscall or fault). */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* The current syscall number (a fault's error code outside syscalls, x86). */
static __always_inline long current_nr(void)
{
	return REGS_NR(user_regs());
}

/* Inside fadvise(WILLNEED), readahead(2) or madvise(WILLNEED)? */
static __always_inline bool explicit_prefetch(struct pt_regs *regs)
{
	long nr = REGS_NR(regs);

	if (nr == NR_READAHEAD)
		return true;
	if (nr == NR_FADVISE64)
		return PT_REGS_PARM4_CORE_SYSCALL(regs) == POSIX_FADV_WILLNEED;
	if (nr == NR_MADVISE)
		return PT_REGS_PARM3_CORE_SYSCALL(regs) == MADV_WILLNEED;
	return false;
}

/* The file's counters: targets are created by the loader, others on first sight. */
static __always_inline struct rb_pc_file *file_get(const struct rb_pc_file_key *k,
						   struct inode *inode)
{
	struct rb_pc_file *f = bpf_map_lookup_elem(&files, k);
	long err;

	if (f || !all_files)
		return f;
	err = bpf_map_update_elem(&files, k, &zero_file, BPF_NOEXIST);
	f = bpf_map_lookup_elem(&files, k);
	if (!f) {
		ADD(&counters.overflow.files_full, 1);
		return NULL;
	}
	if (!err)
		f->generation = BPF_CORE_READ(inode, i_generation);
	return f;
}

static __always_inline struct task_ctx *task_get(bool create)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct task_ctx *t = bpf_map_lookup_elem(&tasks, &tid);

	if (t || !create)
		return t;
	bpf_map_update_elem(&tasks, &tid, &zero_task, BPF_NOEXIST);
	t = bpf_map_lookup_elem(&tasks, &tid);
	if (!t)
		ADD(&counters.overflow.tasks_full, 1);
	return t;
}

static __always_inline struct rb_pc_chunk *chunk_get(const struct rb_pc_file_key *fk,
						     __u64 chunk, bool create)
{
	struct rb_pc_chunk_key ck = { .ino = fk->ino, .dev = fk->dev, .chunk = (__u32)chunk };
	struct rb_pc_chunk *c = bpf_map_lookup_elem(&chunks, &ck);

	if (c || !create)
		return c;
	bpf_map_update_elem(&chunks, &ck, &zero_chunk, BPF_NOEXIST);
	return bpf_map_lookup_elem(&chunks, &ck);
}

/* ---- adds -------------------------------------------------------------- */

struct add_ctx {
	struct rb_pc_file_key fk;
	__u64 lo, hi;		/* the folio's pages [lo, hi) */
	__u64 dem_lo, dem_hi;	/* its demand pages [dem_lo, dem_hi); the rest is rest_kind */
	__u32 rest_kind;	/* RB_PC_SPEC or RB_PC_PREFETCH */
	__u32 access;		/* demand pages are being read right now */
	__u32 read_miss;	/* demand pages are read() misses */
	__u64 n_demand, n_rest, accessed, readds, untracked;
};

static long add_chunk(__u32 i, void *data)
{
	struct add_ctx *a = data;
	__u64 c = (a->lo >> RB_PC_CHUNK_SHIFT) + i, base = c << RB_PC_CHUNK_SHIFT;
	__u64 m = range_mask(base, a->lo, a->hi);
	__u64 dm = range_mask(base, a->dem_lo, a->dem_hi) & m, rest = m & ~dm, old;
	struct rb_pc_chunk *ch = chunk_get(&a->fk, c, true);

	a->n_demand += popcount(dm);
	a->n_rest += popcount(rest);
	if (!ch) {
		a->untracked += popcount(m);
		return 0;
	}
	/* a new residency: forget what the previous one of these pages did */
	__sync_fetch_and_and(&ch->accessed, ~m);
	__sync_fetch_and_and(&ch->mapped, ~m);
	__sync_fetch_and_and(&ch->spec, ~m);
	__sync_fetch_and_and(&ch->prefetch, ~m);
	if (rest && a->rest_kind == RB_PC_SPEC)
		__sync_fetch_and_or(&ch->spec, rest);
	else if (rest)
		__sync_fetch_and_or(&ch->prefetch, rest);
	if (a->access && dm) {
		__sync_fetch_and_or(&ch->accessed, dm);
		a->accessed += popcount(dm);
	}
	old = __sync_fetch_and_or(&ch->present, m);
	a->readds += popcount(old & m);
	return 0;
}

/* Which of the folio's pages the adding thread asked for (see the header). */
static __always_inline void classify(struct add_ctx *a, struct task_ctx *t, bool *major)
{
	struct pt_regs *regs = user_regs();
	long nr = REGS_NR(regs);

	a->rest_kind = RB_PC_SPEC;
	if (explicit_prefetch(regs)) {
		a->rest_kind = RB_PC_PREFETCH;
	} else if (t && t->fault_ok && t->fault_nr == nr && same_file(&t->fault_f, &a->fk)) {
		if (t->fault_idx >= a->lo && t->fault_idx < a->hi) {
			a->dem_lo = t->fault_idx;
			a->dem_hi = t->fault_idx + 1;
			a->access = 1;
			*major = !t->fault_major;
			t->fault_major = 1;
		}
	} else if (t && t->read_ok && t->read_nr == nr && same_file(&t->read_f, &a->fk)) {
		a->dem_lo = t->read_lo;
		a->dem_hi = t->read_hi;
		a->access = 1;
		a->read_miss = 1;
	} else {
		a->dem_lo = a->lo;
		a->dem_hi = a->hi;
	}
}

static __always_inline int on_add(struct folio *folio)
{
	struct inode *inode = rb_folio_inode(folio);
	struct add_ctx a = {};
	struct rb_pc_file *f;
	struct task_ctx *t;
	bool major = false;
	__u64 nr;

	if (!inode)
		return 0;
	inode_key(inode, &a.fk);
	f = file_get(&a.fk, inode);
	if (!f)
		return 0;
	nr = rb_folio_nr_pages(folio);
	hist_add(counters.folio_pages, RB_PC_FOLIO_SLOTS, nr);
	a.lo = BPF_CORE_READ(folio, index);
	a.hi = a.lo + nr;
	t = task_get(false);
	classify(&a, t, &major);
	loop_chunks(chunks_in(a.lo, a.hi), RB_PC_MAX_FOLIO_CHUNKS, add_chunk, &a);
	ADD(&f->added[RB_PC_DEMAND], a.n_demand);
	if (a.rest_kind == RB_PC_SPEC)
		ADD(&f->added[RB_PC_SPEC], a.n_rest);
	else
		ADD(&f->added[RB_PC_PREFETCH], a.n_rest);
	if (a.read_miss)
		ADD(&f->read_miss, a.n_demand);
	if (major)
		ADD(&f->major_faults, 1);
	ADD(&f->accessed, a.accessed);
	ADD(&f->readds, a.readds);
	if (a.untracked) {
		ADD(&f->untracked, a.untracked);
		ADD(&counters.overflow.chunks_full, a.untracked);
	}
	return 0;
}

/* ---- deletes ----------------------------------------------------------- */

struct del_ctx {
	struct rb_pc_file_key fk;
	__u64 lo, hi;
	__u64 tracked, spec_unused, spec_mapped, pf_unused, pf_mapped;
};

static long del_chunk(__u32 i, void *data)
{
	struct del_ctx *d = data;
	__u64 c = (d->lo >> RB_PC_CHUNK_SHIFT) + i;
	__u64 m = range_mask(c << RB_PC_CHUNK_SHIFT, d->lo, d->hi), gone, unused, sp, pf;
	struct rb_pc_chunk *ch = chunk_get(&d->fk, c, false);

	if (!ch)
		return 0;
	gone = __sync_fetch_and_and(&ch->present, ~m) & m;
	if (!gone)
		return 0;
	d->tracked += popcount(gone);
	unused = gone & ~ch->accessed;
	sp = unused & ch->spec;
	pf = unused & ch->prefetch;
	d->spec_unused += popcount(sp & ~ch->mapped);
	d->spec_mapped += popcount(sp & ch->mapped);
	d->pf_unused += popcount(pf & ~ch->mapped);
	d->pf_mapped += popcount(pf & ch->mapped);
	return 0;
}

static __always_inline int on_delete(struct folio *folio)
{
	struct inode *inode = rb_folio_inode(folio);
	struct del_ctx d = {};
	struct rb_pc_file *f;

	if (!inode)
		return 0;
	inode_key(inode, &d.fk);
	/* no entry made here: reclaim of files the window never saw is not news */
	f = bpf_map_lookup_elem(&files, &d.fk);
	if (!f)
		return 0;
	d.lo = BPF_CORE_READ(folio, index);
	d.hi = d.lo + rb_folio_nr_pages(folio);
	loop_chunks(chunks_in(d.lo, d.hi), RB_PC_MAX_FOLIO_CHUNKS, del_chunk, &d);
	ADD(&f->evicted, d.hi - d.lo);
	ADD(&f->evicted_tracked, d.tracked);
	ADD(&f->unused_evicted[RB_PC_SPEC], d.spec_unused);
	ADD(&f->mapped_evicted[RB_PC_SPEC], d.spec_mapped);
	ADD(&f->unused_evicted[RB_PC_PREFETCH], d.pf_unused);
	ADD(&f->mapped_evicted[RB_PC_PREFETCH], d.pf_mapped);
	return 0;
}

/* ---- accesses: read() ranges, faults, fault-around ---------------------- */

struct walk_ctx {
	struct rb_pc_file_key fk;
	__u64 lo, hi;		/* pages [lo, hi) */
	__u64 newly;		/* pages marked for the first time */
	__u32 map;		/* mark mapped rather than accessed */
};

static long walk_chunk(__u32 i, void *data)
{
	struct walk_ctx *w = data;
	__u64 c = (w->lo >> RB_PC_CHUNK_SHIFT) + i;
	__u64 m = range_mask(c << RB_PC_CHUNK_SHIFT, w->lo, w->hi), old;
	struct rb_pc_chunk *ch = chunk_get(&w->fk, c, false);
	__u64 *bitsp;

	if (!ch)
		return 0;
	bitsp = w->map ? &ch->mapped : &ch->accessed;
	m &= ch->present;
	/* re-reads are the common case: skip the atomic when nothing is new */
	if (!m || (*bitsp & m) == m)
		return 0;
	old = __sync_fetch_and_or(bitsp, m);
	w->newly += popcount(m & ~old);
	return 0;
}

/* Mark the tracked pages of [lo, hi) accessed (or mapped); returns pages newly marked. */
static __always_inline __u64 walk(const struct rb_pc_file_key *fk, __u64 lo, __u64 hi, __u32 map)
{
	struct walk_ctx w = { .fk = *fk, .lo = lo, .hi = hi, .map = map };

	loop_chunks(chunks_in(lo, hi), RB_PC_MAX_WALK, walk_chunk, &w);
	return w.newly;
}

/*
 * filemap_get_pages() fires once per batch of a read, each time with the rest
 * of the request [index, last]: count and walk a request once, at its first
 * batch. Pages the read adds later are demand pages, marked accessed at add.
 */
static __always_inline int on_get_pages(struct address_space *mapping, __u64 index, __u64 last)
{
	struct inode *inode = BPF_CORE_READ(mapping, host);
	struct rb_pc_file_key k;
	struct rb_pc_file *f;
	struct task_ctx *t;
	loff_t isize;
	long nr;

	inode_key(inode, &k);
	f = file_get(&k, inode);
	if (!f)
		return 0;
	t = task_get(true);
	nr = current_nr();
	if (t && t->gp_ok && t->gp_nr == nr && same_file(&t->gp_f, &k) && last == t->gp_last &&
	    index > t->gp_idx && index <= last) {
		t->gp_idx = index;
		return 0;
	}
	if (t) {
		t->gp_f = k;
		t->gp_idx = index;
		t->gp_last = last;
		t->gp_nr = nr;
		t->gp_ok = 1;
	}
	isize = BPF_CORE_READ(inode, i_size);
	if (isize <= 0)
		return 0;
	if (last > (__u64)(isize - 1) >> PAGE_SHIFT)
		last = (__u64)(isize - 1) >> PAGE_SHIFT;
	if (index > last)
		return 0;
	ADD(&f->read_pages, last - index + 1);
	ADD(&f->accessed, walk(&k, index, last + 1, 0));
	return 0;
}

/*
 * A fault tries fault-around first (map_pages) and calls filemap_fault only if
 * that did not map the faulting page; a fault that had to read is retried and
 * then usually ends in map_pages. Count each fault once across those events.
 */
static __always_inline int on_fault(struct address_space *mapping, __u64 index)
{
	struct inode *inode = BPF_CORE_READ(mapping, host);
	struct rb_pc_file_key k;
	struct rb_pc_file *f;
	struct task_ctx *t;

	inode_key(inode, &k);
	f = file_get(&k, inode);
	if (!f)
		return 0;
	t = task_get(true);
	if (t && t->map_ok && same_file(&t->map_f, &k) && index >= t->map_lo && index <= t->map_hi) {
		t->map_ok = 0;			/* counted by its fault-around */
		t->fault_major = 0;
	} else if (!(t && t->fault_ok && same_file(&t->fault_f, &k) && index == t->fault_idx)) {
		ADD(&f->faults, 1);		/* not a retry: a new fault */
		if (t)
			t->fault_major = 0;
	}
	if (t) {
		t->fault_f = k;
		t->fault_idx = index;
		t->fault_nr = current_nr();
		t->fault_ok = 1;
		t->ra_seen = 0;
	}
	ADD(&f->accessed, walk(&k, index, index + 1, 0));
	return 0;
}

static __always_inline int on_map_pages(struct address_space *mapping, __u64 start, __u64 end)
{
	struct inode *inode = BPF_CORE_READ(mapping, host);
	struct rb_pc_file_key k;
	struct rb_pc_file *f;
	struct task_ctx *t;

	inode_key(inode, &k);
	f = file_get(&k, inode);
	if (!f)
		return 0;
	ADD(&f->map_calls, 1);
	t = task_get(true);
	if (t && t->fault_ok && same_file(&t->fault_f, &k) && t->fault_idx >= start &&
	    t->fault_idx <= end)
		t->fault_ok = 0;		/* the retry of a fault already counted */
	else
		ADD(&f->faults, 1);
	if (t) {
		t->map_f = k;
		t->map_lo = start;
		t->map_hi = end;
		t->map_ok = 1;
	}
	ADD(&f->mapped, walk(&k, start, end + 1, 1));
	return 0;
}

/* ---- readahead --------------------------------------------------------- */

static __always_inline int on_ra(struct inode *inode, __u64 index, __u64 req, int kind)
{
	struct rb_pc_file_key k;
	struct rb_pc_file *f;
	struct task_ctx *t;

	inode_key(inode, &k);
	f = file_get(&k, inode);
	if (!f)
		return 0;
	ADD(&f->ra_calls[kind], 1);
	t = task_get(true);
	if (!t)
		return 0;
	t->read_f = k;
	t->read_lo = index;
	t->read_hi = index + req;
	t->read_nr = current_nr();
	t->read_ok = 1;
	t->order_ok = 0;
	t->ra_seen = 1;
	return 0;
}

static __always_inline int on_ra_order(struct inode *inode, struct file_ra_state *ra)
{
	struct rb_pc_file_key k;
	struct rb_pc_file *f;
	struct task_ctx *t;

	inode_key(inode, &k);
	f = file_get(&k, inode);
	if (!f)
		return 0;
	ADD(&f->ra_calls[RB_PC_RA_ORDER], 1);
	/* callers set the start to ra->start: the window is ra->size pages */
	hist_add(f->ra_window, RB_PC_WIN_SLOTS, BPF_CORE_READ(ra, size));
	t = task_get(true);
	if (!t)
		return 0;
	if (t->fault_ok && same_file(&t->fault_f, &k) && !t->ra_seen)
		ADD(&f->ra_readaround, 1);
	t->order_f = k;
	t->order_ok = 1;
	return 0;
}

static __always_inline int on_ra_unbounded(struct inode *inode, __u64 nr)
{
	struct rb_pc_file_key k;
	struct rb_pc_file *f;
	struct task_ctx *t;

	inode_key(inode, &k);
	f = file_get(&k, inode);
	if (!f)
		return 0;
	ADD(&f->ra_calls[RB_PC_RA_UNBOUNDED], 1);
	t = task_get(false);
	if (explicit_prefetch(user_regs())) {
		ADD(&f->ra_explicit, 1);
	} else if (t && t->order_ok && same_file(&t->order_f, &k)) {
		t->order_ok = 0;	/* ra_order's fallback: its window is counted */
		return 0;
	}
	hist_add(f->ra_window, RB_PC_WIN_SLOTS, nr);
	return 0;
}

/* ---- block layer --------------------------------------------------------- */

static __always_inline __u32 rq_disk(struct request *rq)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);

	return ((__u32)BPF_CORE_READ(disk, major) << MINORBITS) |
	       (__u32)BPF_CORE_READ(disk, first_minor);
}

/* A read on the disk of the run's files (every disk when block_dev is 0). */
static __always_inline bool counted_read(struct request *rq)
{
	if ((BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK) != REQ_OP_READ)
		return false;
	return !block_dev || rq_disk(rq) == block_dev;
}

/*
 * The file whose page starts the request, if it is counted. Bios of adjacent
 * blocks of two files can merge into one request: it goes to the first file.
 */
static __always_inline struct rb_pc_file *rq_file(struct request *rq)
{
	struct bio *bio = BPF_CORE_READ(rq, bio);
	struct rb_pc_file_key k;
	struct address_space *mapping;
	struct inode *host;
	struct page *page;
	unsigned long head;

	if (!bio)
		return NULL;
	page = BPF_CORE_READ(bio, bi_io_vec, bv_page);
	head = BPF_CORE_READ(page, compound_head);
	if (head & 1)			/* a tail page: bit 0 marks the head pointer */
		page = (struct page *)(head - 1);
	mapping = BPF_CORE_READ(page, mapping);
	if (!mapping || ((unsigned long)mapping & 3))	/* none, anon or movable */
		return NULL;
	/* pointers made from compound_head are plain numbers: read through helpers */
	host = BPF_CORE_READ(mapping, host);
	k.ino = BPF_CORE_READ(host, i_ino);
	k.dev = BPF_CORE_READ(host, i_sb, s_dev);
	k.pad = 0;
	return bpf_map_lookup_elem(&files, &k);
}

/*
 * Issue starts the clock and charges the request to its file: what the window
 * caused to be read, even if it completes after stop. A requeued request is
 * issued again: that restarts the clock but is not charged twice.
 */
static __always_inline int on_rq_issue(struct request *rq)
{
	__u64 key = (__u64)rq, ts = bpf_ktime_get_ns();
	struct rb_pc_file *f;

	if (!counted_read(rq))
		return 0;
	if (bpf_map_lookup_elem(&inflight, &key)) {
		ADD(&counters.block.reissued, 1);
	} else {
		f = rq_file(rq);
		if (f) {
			ADD(&f->block_reads, 1);
			ADD(&f->block_read_bytes, BPF_CORE_READ(rq, __data_len));
		}
	}
	if (bpf_map_update_elem(&inflight, &key, &ts, BPF_ANY))
		ADD(&counters.overflow.inflight_full, 1);
	return 0;
}

/* Requests and bytes count at completion, as /sys/block/<dev>/stat does. */
static __always_inline int on_rq_complete(struct request *rq, __u32 nr_bytes)
{
	__u64 key = (__u64)rq, *tsp, delta;

	if (!counted_read(rq))
		return 0;
	ADD(&counters.block.reads, 1);
	ADD(&counters.block.read_bytes, nr_bytes);
	hist_add(counters.block.size_hist, RB_PC_SIZE_SLOTS, nr_bytes);
	tsp = bpf_map_lookup_elem(&inflight, &key);
	if (!tsp)
		return 0;	/* issued before the window */
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&inflight, &key);
	hist_add(counters.block.lat_hist, RB_PC_LAT_SLOTS, delta / 1000);
	ADD(&counters.block.timed, 1);
	return 0;
}

/*
 * ---- attach points ------------------------------------------------------
 *
 * One body per figure, several ways in (libbpf-tools' pattern): the
 * tracepoint where the kernel has it (tp_btf), else an fentry, else a kprobe
 * on the function the tracepoint sits in. The loader (pcache.c, hooks.c)
 * keeps one variant per hook, the best this kernel offers, and switches
 * autoload off for the rest. Program names are <hook>_{tp,fentry,kprobe}:
 * the loader finds them by name. The function variants see the same values
 * the tracepoint reports:
 *   - mm_filemap_fault(mapping, index) sits at the top of filemap_fault(vmf);
 *   - mm_filemap_map_pages(mapping, start, end) at the end of
 *     filemap_map_pages(vmf, start, end), when a folio was mapped (the entry
 *     sees every call);
 *   - mm_filemap_get_pages(mapping, index, last) in filemap_get_pages, once
 *     per batch of a read: filemap_read(iocb, iter) gives the whole request
 *     [pos, pos + count), which on_get_pages counts once either way;
 *   - page_cache_{sync,async}_ra, page_cache_ra_order, page_cache_ra_unbounded
 *     (inode, index, ...) at the top of the functions of the same name, which
 *     take a readahead_control: mapping->host and _index.
 */

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(pc_add_tp, struct folio *folio)
{
	return enabled ? on_add(folio) : 0;
}

SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(pc_delete_tp, struct folio *folio)
{
	return enabled ? on_delete(folio) : 0;
}

/* get_pages: the pages a read() asked for */
static __always_inline int on_read_iter(struct kiocb *iocb, struct iov_iter *iter)
{
	struct address_space *mapping = BPF_CORE_READ(iocb, ki_filp, f_mapping);
	__u64 pos = BPF_CORE_READ(iocb, ki_pos), count = BPF_CORE_READ(iter, count);

	if (!count || !mapping)
		return 0;
	return on_get_pages(mapping, pos >> PAGE_SHIFT, (pos + count - 1) >> PAGE_SHIFT);
}

SEC("tp_btf/mm_filemap_get_pages")
int BPF_PROG(pc_get_pages_tp, struct address_space *mapping, unsigned long index,
	     unsigned long last_index)
{
	return enabled ? on_get_pages(mapping, index, last_index) : 0;
}

SEC("fentry/filemap_read")
int BPF_PROG(pc_get_pages_fentry, struct kiocb *iocb, struct iov_iter *iter)
{
	return enabled ? on_read_iter(iocb, iter) : 0;
}

SEC("kprobe/filemap_read")
int BPF_KPROBE(pc_get_pages_kprobe, struct kiocb *iocb, struct iov_iter *iter)
{
	return enabled ? on_read_iter(iocb, iter) : 0;
}

/* fault: a page fault on a file mapping that fault-around did not serve */
static __always_inline int on_vmf(struct vm_fault *vmf)
{
	struct address_space *mapping = BPF_CORE_READ(vmf, vma, vm_file, f_mapping);

	return mapping ? on_fault(mapping, BPF_CORE_READ(vmf, pgoff)) : 0;
}

SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(pc_fault_tp, struct address_space *mapping, unsigned long index)
{
	return enabled ? on_fault(mapping, index) : 0;
}

SEC("fentry/filemap_fault")
int BPF_PROG(pc_fault_fentry, struct vm_fault *vmf)
{
	return enabled ? on_vmf(vmf) : 0;
}

SEC("kprobe/filemap_fault")
int BPF_KPROBE(pc_fault_kprobe, struct vm_fault *vmf)
{
	return enabled ? on_vmf(vmf) : 0;
}

/* map_pages: fault-around */
static __always_inline int on_vmf_around(struct vm_fault *vmf, __u64 start, __u64 end)
{
	struct address_space *mapping = BPF_CORE_READ(vmf, vma, vm_file, f_mapping);

	return mapping ? on_map_pages(mapping, start, end) : 0;
}

SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(pc_map_pages_tp, struct address_space *mapping, unsigned long start,
	     unsigned long end)
{
	return enabled ? on_map_pages(mapping, start, end) : 0;
}

SEC("fentry/filemap_map_pages")
int BPF_PROG(pc_map_pages_fentry, struct vm_fault *vmf, unsigned long start, unsigned long end)
{
	return enabled ? on_vmf_around(vmf, start, end) : 0;
}

SEC("kprobe/filemap_map_pages")
int BPF_KPROBE(pc_map_pages_kprobe, struct vm_fault *vmf, unsigned long start, unsigned long end)
{
	return enabled ? on_vmf_around(vmf, start, end) : 0;
}

/* readahead: what a readahead_control says */
static __always_inline struct inode *ractl_inode(struct readahead_control *ractl)
{
	return BPF_CORE_READ(ractl, mapping, host);
}

static __always_inline __u64 ractl_index(struct readahead_control *ractl)
{
	return BPF_CORE_READ(ractl, _index);
}

SEC("tp_btf/page_cache_sync_ra")
int BPF_PROG(pc_sync_ra_tp, struct inode *inode, unsigned long index,
	     struct file_ra_state *ra, unsigned long req_count)
{
	return enabled ? on_ra(inode, index, req_count, RB_PC_RA_SYNC) : 0;
}

SEC("fentry/page_cache_sync_ra")
int BPF_PROG(pc_sync_ra_fentry, struct readahead_control *ractl, unsigned long req_count)
{
	return enabled ? on_ra(ractl_inode(ractl), ractl_index(ractl), req_count, RB_PC_RA_SYNC) : 0;
}

SEC("kprobe/page_cache_sync_ra")
int BPF_KPROBE(pc_sync_ra_kprobe, struct readahead_control *ractl, unsigned long req_count)
{
	return enabled ? on_ra(ractl_inode(ractl), ractl_index(ractl), req_count, RB_PC_RA_SYNC) : 0;
}

SEC("tp_btf/page_cache_async_ra")
int BPF_PROG(pc_async_ra_tp, struct inode *inode, unsigned long index,
	     struct file_ra_state *ra, unsigned long req_count)
{
	return enabled ? on_ra(inode, index, req_count, RB_PC_RA_ASYNC) : 0;
}

SEC("fentry/page_cache_async_ra")
int BPF_PROG(pc_async_ra_fentry, struct readahead_control *ractl, struct folio *folio,
	     unsigned long req_count)
{
	return enabled ? on_ra(ractl_inode(ractl), ractl_index(ractl), req_count, RB_PC_RA_ASYNC) : 0;
}

SEC("kprobe/page_cache_async_ra")
int BPF_KPROBE(pc_async_ra_kprobe, struct readahead_control *ractl, struct folio *folio,
	       unsigned long req_count)
{
	return enabled ? on_ra(ractl_inode(ractl), ractl_index(ractl), req_count, RB_PC_RA_ASYNC) : 0;
}

SEC("tp_btf/page_cache_ra_order")
int BPF_PROG(pc_ra_order_tp, struct inode *inode, unsigned long index, struct file_ra_state *ra)
{
	return enabled ? on_ra_order(inode, ra) : 0;
}

SEC("fentry/page_cache_ra_order")
int BPF_PROG(pc_ra_order_fentry, struct readahead_control *ractl, struct file_ra_state *ra)
{
	return enabled ? on_ra_order(ractl_inode(ractl), ra) : 0;
}

SEC("kprobe/page_cache_ra_order")
int BPF_KPROBE(pc_ra_order_kprobe, struct readahead_control *ractl, struct file_ra_state *ra)
{
	return enabled ? on_ra_order(ractl_inode(ractl), ra) : 0;
}

SEC("tp_btf/page_cache_ra_unbounded")
int BPF_PROG(pc_ra_unbounded_tp, struct inode *inode, unsigned long index,
	     unsigned long nr_to_read, unsigned long lookahead_size)
{
	return enabled ? on_ra_unbounded(inode, nr_to_read) : 0;
}

SEC("fentry/page_cache_ra_unbounded")
int BPF_PROG(pc_ra_unbounded_fentry, struct readahead_control *ractl, unsigned long nr_to_read)
{
	return enabled ? on_ra_unbounded(ractl_inode(ractl), nr_to_read) : 0;
}

SEC("kprobe/page_cache_ra_unbounded")
int BPF_KPROBE(pc_ra_unbounded_kprobe, struct readahead_control *ractl, unsigned long nr_to_read)
{
	return enabled ? on_ra_unbounded(ractl_inode(ractl), nr_to_read) : 0;
}

/* block layer: these tracepoints exist on every kernel rabench supports */
SEC("tp_btf/block_rq_issue")
int BPF_PROG(pc_rq_issue_tp, struct request *rq)
{
	return enabled ? on_rq_issue(rq) : 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(pc_rq_complete_tp, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	return enabled ? on_rq_complete(rq, nr_bytes) : 0;
}
