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
 *
 * This file holds the attach points; the maps are pcache_state.bpf.h, the
 * event bodies pcache_events.bpf.h.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "pcache.h"
#include "core_fixes.bpf.h"
#include "pcache_state.bpf.h"
#include "pcache_events.bpf.h"

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
