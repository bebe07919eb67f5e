/*
 * phase — what a multi-phase query (rag: search, then fetch) measures at each
 * phase boundary: the clock, the client thread's I/O wait (the running total
 * the harness keeps in rb_client.io_wait_ns, from bpf/stalls.bpf.c) and its
 * major faults (getrusage RUSAGE_THREAD). A phase's figures are the difference
 * of two marks, so a prefetcher's effect on one phase (the fetch) is seen apart
 * from the other.
 */
#define _GNU_SOURCE
#include <math.h>
#include <sys/resource.h>

#include "workload.h"
#include "lib/clock.h"

void workload__phase_mark(const struct rb_client *c, struct rb_phase_mark *m)
{
	struct rusage ru;

	m->us = (double)clock__now_ns() / 1e3;
	m->wait_ns = c->io_wait_ns ? __atomic_load_n(c->io_wait_ns, __ATOMIC_RELAXED) : 0;
	m->majflt = getrusage(RUSAGE_THREAD, &ru) ? 0 : (uint64_t)ru.ru_majflt;
}

void workload__phase_set(const struct rb_client *c, struct rb_query_result *res, int p, int n,
			 const struct rb_phase_mark *a, const struct rb_phase_mark *b)
{
	if (p < 0 || p >= RB_MAX_PHASES || n < 1)
		return;
	res->phase_us[p] = b->us - a->us;
	res->phase_io_wait_us[p] = c->io_wait_ns ? (double)(b->wait_ns - a->wait_ns) / 1e3 / n : NAN;
	res->phase_majflt[p] = (double)(b->majflt - a->majflt) / n;
}
