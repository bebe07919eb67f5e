// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * pcache_events.bpf.h — pcache.bpf.c's event bodies, one per figure: a page
 * added (classified demand / speculative / prefetch), deleted (used or not),
 * accessed (read() ranges, faults, fault-around), readahead windows, and block
 * requests issued and completed. Each is an __always_inline function the
 * attach points of pcache.bpf.c call, whatever the way in (tp_btf, fentry,
 * kprobe). Included once, by pcache.bpf.c, after pcache_state.bpf.h.
 */
#ifndef RB_PCACHE_EVENTS_BPF_H
#define RB_PCACHE_EVENTS_BPF_H

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
#endif
