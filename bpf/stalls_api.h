/*
 * stalls — the time threads spend waiting for I/O, per query: the figure that says
 * what prefetching saves whatever the fault counters call it (a fault that sleeps on
 * a page another reader already has in flight counts minor, yet it waited).
 *
 *   stalls__open -> { stalls__register (in the thread) -> stalls__read ... ->
 *   stalls__unregister } ... -> stalls__destroy
 *
 * Needs root and BTF; without them stalls__open fails with a one-line reason and
 * the figure is null. stalls__read is a plain memory read (an mmapped BPF array).
 */
#ifndef RB_STALLS_API_H
#define RB_STALLS_API_H

#include <stddef.h>
#include <stdint.h>

struct rb_stalls;

int stalls__open(struct rb_stalls **out, char *why, size_t whylen);

/* Measure the calling thread in slot (0..255); its total starts at 0. 0 or -errno. */
int stalls__register(struct rb_stalls *s, int slot);
/* The same for thread tid. */
int stalls__register_tid(struct rb_stalls *s, int slot, int tid);
/*
 * Every thread of process pid that is not measured on its own counts to slot: an
 * external client's threads, or this process's OpenMP workers in a batch search.
 */
int stalls__register_process(struct rb_stalls *s, int slot, int pid);
/* The slot rabench's own process is measured in while it batches (RB_ST_SLOTS - 1). */
#define RB_STALLS_SHARED_SLOT 255
void stalls__unregister(struct rb_stalls *s, int slot);

/* Nanoseconds slot's thread has waited for I/O since it registered. */
uint64_t stalls__read(const struct rb_stalls *s, int slot);
/*
 * The same total as a counter to load (__atomic, relaxed) at any time: what a
 * workload reads at its phase boundaries (rb_client.io_wait_ns). NULL when s is.
 */
const volatile uint64_t *stalls__counter(const struct rb_stalls *s, int slot);

void stalls__destroy(struct rb_stalls *s);

#endif
