// SPDX-License-Identifier: GPL-2.0
/*
 * prefetch.bpf.c — what the prefetch agent (bpf/prefetch.c) learns from the
 * kernel: the list numbers FAISS is about to scan (a uprobe on
 * OnDiskInvertedLists::prefetch_lists, attached to this process only), and for
 * the run's files (filtered by device and inode) the pages the workload had to
 * add to the page cache (misses) and the pages it faulted on or read (the access
 * stream), and optionally the ids a search returns (uprobe and uretprobe on
 * IndexIVF::search). Pages added by the agent's own thread are its prefetches: counted,
 * not sent back. Each page-cache event is attached by the best mechanism the
 * kernel offers (tp_btf, else fentry, else kprobe: bpf/hooks.h), as in
 * pcache.bpf.c; the folio is read through core_fixes.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "prefetch.h"
#include "core_fixes.bpf.h"

/* the served process; .bss, so the agent can follow a target that forks (retarget) */
__u32 targ_tgid = 0;

/*
 * Written by the agent once its threads run (.bss is mmapped by the skeleton):
 * the threads whose page adds are prefetches (0 = unused slot).
 */
__u32 agent_tids[RB_PF_MAX_AGENTS] = {};
struct rb_pf_kcounters counters = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PF_MAX_FILES);
	__type(key, struct rb_pf_file_key);
	__type(value, struct rb_pf_file_val);
} files SEC(".maps");

/* what of the watched files is in the page cache, from every process's adds and deletes */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PF_RES_CHUNKS);
	/* allocated as used: the maps are charged to the workload's memory cgroup */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct rb_pf_res_key);
	__type(value, __u64);
} resident SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_PF_RINGBUF_BYTES);
} events SEC(".maps");

/* hints alone: the agent reads this ring before the events ring */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RB_PF_HINTBUF_BYTES);
} hints SEC(".maps");

/* thread id -> the search call it is inside (pf_search_entry to pf_search_return) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PF_MAX_SEARCHES);
	__type(key, __u32);
	__type(value, struct rb_pf_search);
} searches SEC(".maps");

/* how many prefetch_lists calls named each list number: hot and cold lists */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_PF_MAX_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __s64);
	__type(value, __u32);
} popularity SEC(".maps");

static __always_inline void count(__u64 *c, __u64 n)
{
	__sync_fetch_and_add(c, n);
}

/* The run's file of mapping's inode, or NULL when it is not ours. */
static __always_inline struct rb_pf_file_val *file_of(struct address_space *mapping)
{
	struct rb_pf_file_key key = {};
	struct inode *host;

	if (!mapping)
		return NULL;
	host = BPF_CORE_READ(mapping, host);
	if (!host)
		return NULL;
	key.ino = BPF_CORE_READ(host, i_ino);
	key.dev = BPF_CORE_READ(host, i_sb, s_dev);
	return bpf_map_lookup_elem(&files, &key);
}

static __always_inline bool is_agent(__u32 tid)
{
	int i;

	for (i = 0; i < RB_PF_MAX_AGENTS; i++)
		if (agent_tids[i] && agent_tids[i] == tid)
			return true;
	return false;
}

static __always_inline int ours(__u32 *tid)
{
	__u64 id = bpf_get_current_pid_tgid();

	*tid = (__u32)id;
	return (id >> 32) == targ_tgid;
}

/*
 * An access only updates the agent's bookkeeping: it is sent without a wakeup
 * (the agent reads it with the next record that wakes it, or at its poll
 * timeout), so the workload's faults do not each pay for waking the agent. A
 * miss is what the agent acts on at once: it always wakes it.
 */
static __always_inline void send_pages(__u32 type, __u32 tid, __u32 file, __u64 index, __u64 nr)
{
	struct rb_pf_page_event *e;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(&counters.ringbuf_drops, 1);
		return;
	}
	e->type = type;
	e->tid = tid;
	e->file = file;
	e->nr = nr;
	e->index = index;
	count(&counters.records, 1);
	bpf_ringbuf_submit(e, type == RB_PF_ACCESS ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP);
}

/* Set (present) or clear the residency bits of pages [index, index + nr) of file. */
static __always_inline void mark(__u32 file, __u64 index, __u64 nr, bool present)
{
	struct rb_pf_res_key k = { .file = file };
	__u64 end = index + nr, zero = 0, *bits, lo, hi, c;
	int i;

	for (i = 0; i < RB_PF_RES_SPAN; i++) {
		c = (index >> 6) + i;
		if ((c << 6) >= end)
			break;
		lo = index > (c << 6) ? index - (c << 6) : 0;
		hi = end - (c << 6) < 64 ? end - (c << 6) : 64;
		k.chunk = (__u32)c;
		bits = bpf_map_lookup_elem(&resident, &k);
		if (!bits && present) {
			bpf_map_update_elem(&resident, &k, &zero, BPF_NOEXIST);
			bits = bpf_map_lookup_elem(&resident, &k);
		}
		if (!bits)
			continue;
		if (present)
			__sync_fetch_and_or(bits, (hi == 64 ? ~0ULL : (1ULL << hi) - 1) & ~((1ULL << lo) - 1));
		else
			__sync_fetch_and_and(bits, ~((hi == 64 ? ~0ULL : (1ULL << hi) - 1) & ~((1ULL << lo) - 1)));
	}
}

SEC("tp_btf/mm_filemap_add_to_page_cache")
int BPF_PROG(pf_add_tp, struct folio *folio)
{
	struct rb_pf_file_val *file;
	__u32 tid;
	__u64 nr, index;

	file = file_of(BPF_CORE_READ(folio, mapping));
	if (!file)
		return 0;
	nr = rb_folio_nr_pages(folio);
	index = BPF_CORE_READ(folio, index);
	/* residency is everyone's: whoever reads the file, its pages are cached for all */
	mark(file->file, index, nr, true);
	/* the agent may be another process than the one it serves (rabench prefetch) */
	if (!ours(&tid) && !is_agent(tid))
		return 0;
	if (is_agent(tid)) {
		count(&counters.agent_pages, nr);
		return 0;
	}
	count(&counters.miss_events, 1);
	count(&counters.miss_pages, nr);
	/* only a file with an extent map has anything to expand a miss to */
	if (file->flags & RB_PF_F_MISSES)
		send_pages(RB_PF_MISS, tid, file->file, index, nr);
	return 0;
}

/* an eviction (or truncation): those pages must be fetched again */
SEC("tp_btf/mm_filemap_delete_from_page_cache")
int BPF_PROG(pf_delete_tp, struct folio *folio)
{
	struct rb_pf_file_val *file = file_of(BPF_CORE_READ(folio, mapping));

	if (file)
		mark(file->file, BPF_CORE_READ(folio, index), rb_folio_nr_pages(folio), false);
	return 0;
}

static __always_inline void access(struct address_space *mapping, __u64 index, __u64 nr)
{
	struct rb_pf_file_val *file;
	__u32 tid;

	if (!ours(&tid) || is_agent(tid))
		return;
	file = file_of(mapping);
	if (!file)
		return;
	count(&counters.access_events, 1);
	send_pages(RB_PF_ACCESS, tid, file->file, index, nr);
}

/*
 * The access stream, one body per event and the variants of pcache.bpf.c
 * (see its attach points for what the function variants read).
 */
static __always_inline void access_vmf(struct vm_fault *vmf, __u64 index, __u64 nr)
{
	access(BPF_CORE_READ(vmf, vma, vm_file, f_mapping), index, nr);
}

static __always_inline void access_read(struct kiocb *iocb, struct iov_iter *iter)
{
	__u64 pos = BPF_CORE_READ(iocb, ki_pos), count = BPF_CORE_READ(iter, count);

	if (count)
		access(BPF_CORE_READ(iocb, ki_filp, f_mapping), pos >> 12,
		       ((pos + count - 1) >> 12) - (pos >> 12) + 1);
}

SEC("tp_btf/mm_filemap_fault")
int BPF_PROG(pf_fault_tp, struct address_space *mapping, unsigned long index)
{
	access(mapping, index, 1);
	return 0;
}

SEC("fentry/filemap_fault")
int BPF_PROG(pf_fault_fentry, struct vm_fault *vmf)
{
	access_vmf(vmf, BPF_CORE_READ(vmf, pgoff), 1);
	return 0;
}

SEC("kprobe/filemap_fault")
int BPF_KPROBE(pf_fault_kprobe, struct vm_fault *vmf)
{
	access_vmf(vmf, BPF_CORE_READ(vmf, pgoff), 1);
	return 0;
}

SEC("tp_btf/mm_filemap_get_pages")
int BPF_PROG(pf_get_pages_tp, struct address_space *mapping, unsigned long index,
	     unsigned long last_index)
{
	access(mapping, index, last_index >= index ? last_index - index + 1 : 1);
	return 0;
}

SEC("fentry/filemap_read")
int BPF_PROG(pf_get_pages_fentry, struct kiocb *iocb, struct iov_iter *iter)
{
	access_read(iocb, iter);
	return 0;
}

SEC("kprobe/filemap_read")
int BPF_KPROBE(pf_get_pages_kprobe, struct kiocb *iocb, struct iov_iter *iter)
{
	access_read(iocb, iter);
	return 0;
}

/* fault-around: pages mapped without a fault of their own, so also accesses */
SEC("tp_btf/mm_filemap_map_pages")
int BPF_PROG(pf_map_pages_tp, struct address_space *mapping, unsigned long start,
	     unsigned long last)
{
	access(mapping, start, last >= start ? last - start + 1 : 1);
	return 0;
}

SEC("fentry/filemap_map_pages")
int BPF_PROG(pf_map_pages_fentry, struct vm_fault *vmf, unsigned long start, unsigned long last)
{
	access_vmf(vmf, start, last >= start ? last - start + 1 : 1);
	return 0;
}

SEC("kprobe/filemap_map_pages")
int BPF_KPROBE(pf_map_pages_kprobe, struct vm_fault *vmf, unsigned long start, unsigned long last)
{
	access_vmf(vmf, start, last >= start ? last - start + 1 : 1);
	return 0;
}

/* One more call named list number i of the user's array (a bpf_loop callback). */
static long count_one(__u64 i, void *ctx)
{
	const __s64 *lists = *(const __s64 **)ctx;
	__u32 one = 1, *c;
	__s64 key;

	if (bpf_probe_read_user(&key, sizeof(key), lists + i) || key < 0)
		return 0;
	c = bpf_map_lookup_elem(&popularity, &key);
	if (!c && !bpf_map_update_elem(&popularity, &key, &one, BPF_NOEXIST))
		return 0;
	/* another CPU inserted it first, or the map is full */
	if (!c)
		c = bpf_map_lookup_elem(&popularity, &key);
	if (c)
		__sync_fetch_and_add(c, 1);
	else
		count(&counters.popularity_full, 1);
	return 0;
}

/* One hint record: list numbers (or returned ids) [first, first + n) of the call's total. */
static __always_inline int send_hint(__u32 type, const __s64 *list_nos, __u32 first, __u32 total,
				     __u32 tid)
{
	struct rb_pf_hint_event *e;
	__u32 n = total - first;
	__u64 size;

	if (n > RB_PF_MAX_LISTS)
		n = RB_PF_MAX_LISTS;
	size = n * sizeof(__s64);
	/* the bound must be checked on the register passed as size: keep clang from reordering */
	asm volatile("" : "+r"(size));
	if (size > sizeof(e->lists))
		return -1;
	e = bpf_ringbuf_reserve(&hints, sizeof(*e), 0);
	if (!e) {
		count(&counters.ringbuf_drops, 1);
		return -1;
	}
	e->type = type;
	e->tid = tid;
	e->first = first;
	e->total = total;
	e->n = n;
	e->ts = bpf_ktime_get_ns();
	if (bpf_probe_read_user(e->lists, size, list_nos + first)) {
		count(&counters.hint_read_errors, 1);
		bpf_ringbuf_discard(e, 0);
		return -1;
	}
	if (type == RB_PF_HINT)
		count(&counters.hint_lists, n);
	count(&counters.records, 1);
	count(&counters.hint_records, 1);
	/* wake the agent now: the scan starts as soon as this returns */
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* faiss::OnDiskInvertedLists::prefetch_lists(const idx_t *list_nos, int n) const */
SEC("uprobe")
int BPF_KPROBE(pf_prefetch_lists, void *self, const __s64 *list_nos, int n)
{
	__u32 tid, first, total;
	int i;

	if (!ours(&tid) || n <= 0)
		return 0;
	count(&counters.hint_calls, 1);
	total = n < RB_PF_MAX_CHUNKS * RB_PF_MAX_LISTS ? n : RB_PF_MAX_CHUNKS * RB_PF_MAX_LISTS;
	/* counted first: the agent reads popularity as soon as it has a call's hints */
	bpf_loop(total, count_one, &list_nos, 0);
	total = n;
	for (i = 0; i < RB_PF_MAX_CHUNKS; i++) {
		first = i * RB_PF_MAX_LISTS;
		if (first >= total || send_hint(RB_PF_HINT, list_nos, first, total, tid))
			break;
	}
	if (total > RB_PF_MAX_CHUNKS * RB_PF_MAX_LISTS)
		count(&counters.hint_truncated, total - RB_PF_MAX_CHUNKS * RB_PF_MAX_LISTS);
	return 0;
}

/*
 * faiss::IndexIVF::search(idx_t n, const float *x, idx_t k, float *distances,
 * idx_t *labels, const SearchParameters *params) const: on entry, where the n x k
 * ids will be written (labels is the sixth argument, past BPF_KPROBE's five) ...
 */
SEC("uprobe")
int pf_search_entry(struct pt_regs *ctx)
{
	struct rb_pf_search s;
	__u32 tid;
	__s64 n = (__s64)PT_REGS_PARM2(ctx), k = (__s64)PT_REGS_PARM4(ctx);

	if (!ours(&tid) || n <= 0 || k <= 0)
		return 0;
#ifdef PT_REGS_PARM6
	s.labels = (__u64)PT_REGS_PARM6(ctx);
#else
	s.labels = ctx->r9;	/* x86-64: the sixth integer argument */
#endif
	s.n = (__u64)(n * k);
	bpf_map_update_elem(&searches, &tid, &s, BPF_ANY);
	return 0;
}

/* ... and on return, the ids it wrote: the agent prefetches what they name. */
SEC("uretprobe")
int pf_search_return(struct pt_regs *ctx)
{
	struct rb_pf_search *s;
	const __s64 *labels;
	__u32 tid, total;
	int i;

	if (!ours(&tid))
		return 0;
	s = bpf_map_lookup_elem(&searches, &tid);
	if (!s)
		return 0;
	labels = (const __s64 *)s->labels;
	total = s->n < RB_PF_MAX_CHUNKS * RB_PF_MAX_LISTS ? s->n : RB_PF_MAX_CHUNKS * RB_PF_MAX_LISTS;
	bpf_map_delete_elem(&searches, &tid);
	count(&counters.result_calls, 1);
	count(&counters.result_ids, total);
	for (i = 0; i < RB_PF_MAX_CHUNKS; i++)
		if (i * RB_PF_MAX_LISTS >= total ||
		    send_hint(RB_PF_RESULT, labels, i * RB_PF_MAX_LISTS, total, tid))
			break;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
