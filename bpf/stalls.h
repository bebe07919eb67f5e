/*
 * stalls.h — the contract between bpf/stalls.bpf.c and its loader bpf/stalls.c:
 * per registered thread, the nanoseconds it spent blocked in I/O wait.
 */
#ifndef RB_STALLS_H
#define RB_STALLS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define RB_ST_SLOTS	256	/* threads measured at once (clients of a run) */

/* a thread asleep in I/O wait: since when, and the slot it counts to */
struct rb_st_sleep {
	__u64 ts;
	__u32 slot;
	__u32 pad;
};

#endif
