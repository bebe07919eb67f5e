/*
 * stalls.h — the contract between bpf/stalls.bpf.c and its loader bpf/stalls.c:
 * per registered thread, the nanoseconds it spent blocked in I/O wait.
 */
#ifndef RB_STALLS_H
#define RB_STALLS_H

#define RB_ST_SLOTS	256	/* threads measured at once (clients of a run) */

#endif
