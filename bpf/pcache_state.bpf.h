// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcache_state.bpf.h — pcache.bpf.c's state: its settings, its maps (per-file
 * counters, per-64-page chunk bitmaps, per-task context, block requests in
 * flight) and the small helpers that find or create their entries. Included
 * once, by pcache.bpf.c.
 */
#ifndef RB_PCACHE_STATE_BPF_H
#define RB_PCACHE_STATE_BPF_H

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
__u32 watch_tgid;	/* mark the files this process's events touch (0: none); advise */

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

/*
 * The file's counters: targets are created by the loader, others on first sight.
 * Every caller is an event of the current task, so the file is marked here when
 * that task belongs to the watched process (watch_tgid).
 */
static __always_inline struct rb_pc_file *file_get(const struct rb_pc_file_key *k,
						   struct inode *inode)
{
	struct rb_pc_file *f = bpf_map_lookup_elem(&files, k);
	long err;

	if (!f && all_files) {
		err = bpf_map_update_elem(&files, k, &zero_file, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&files, k);
		if (!f) {
			ADD(&counters.overflow.files_full, 1);
			return NULL;
		}
		if (!err)
			f->generation = BPF_CORE_READ(inode, i_generation);
	}
	if (f && watch_tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) == watch_tgid)
		f->watched = 1;
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

#endif
