// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * stalls.bpf.c — how long each registered thread waited for I/O: from the
 * sched_switch that puts it to sleep with in_iowait set (io_schedule(): a page
 * fault or read waiting on a folio under I/O, whoever started that I/O — its own
 * readahead, another reader's, a prefetcher's WILLNEED) to the sched_wakeup that
 * makes it runnable again. Summed per thread in an mmapable array the harness
 * reads around each query, without a syscall.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "stalls.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* nanoseconds of I/O wait per slot, read by user space through mmap */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, RB_ST_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} totals SEC(".maps");

/* thread id -> slot: only registered threads are measured */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_ST_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} slots SEC(".maps");

/*
 * process id -> slot: every thread of the process not measured on its own counts
 * there (an external client's threads, FAISS's OpenMP workers in a batch search)
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RB_ST_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} procs SEC(".maps");

/* thread id -> when it went to sleep in I/O wait, and its slot */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * RB_ST_SLOTS);
	__type(key, __u32);
	__type(value, struct rb_st_sleep);
} asleep SEC(".maps");

/*
 * Only a real sleep counts: not preempted, no longer runnable (__state not
 * TASK_RUNNING; a wakeup that came before schedule() leaves it runnable) and in
 * io_schedule(). Any other switch-out of the thread forgets a stale start, so a
 * later wakeup of another kind is never counted as I/O wait.
 */
SEC("tp_btf/sched_switch")
int BPF_PROG(st_switch, bool preempt, struct task_struct *prev)
{
	__u32 tid = BPF_CORE_READ(prev, pid), tgid = BPF_CORE_READ(prev, tgid), *slot;
	struct rb_st_sleep z = {};

	slot = bpf_map_lookup_elem(&slots, &tid);
	if (!slot)
		slot = bpf_map_lookup_elem(&procs, &tgid);
	if (!slot)
		return 0;
	if (preempt || BPF_CORE_READ(prev, __state) == 0 ||
	    !BPF_CORE_READ_BITFIELD_PROBED(prev, in_iowait)) {
		bpf_map_delete_elem(&asleep, &tid);
		return 0;
	}
	z.ts = bpf_ktime_get_ns();
	z.slot = *slot;
	bpf_map_update_elem(&asleep, &tid, &z, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(st_wakeup, struct task_struct *p)
{
	__u32 tid = BPF_CORE_READ(p, pid), slot;
	struct rb_st_sleep *start;
	__u64 *total;

	start = bpf_map_lookup_elem(&asleep, &tid);
	if (!start)
		return 0;
	slot = start->slot;
	total = bpf_map_lookup_elem(&totals, &slot);
	if (total)
		__sync_fetch_and_add(total, bpf_ktime_get_ns() - start->ts);
	bpf_map_delete_elem(&asleep, &tid);
	return 0;
}
