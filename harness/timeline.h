/*
 * timeline — how a repeat unfolded: every 100 ms during its query phase, a
 * sample of the counters the report and the live view read (queries done, bytes
 * the workload's process read, its major faults, pages added to the page cache by
 * cause and page-cache lookups and hits when the probes run). Samples are
 * cumulative from the phase's start; renderers take differences. One thread per
 * repeat; the live view reads its latest sample.
 */
#ifndef RB_TIMELINE_H
#define RB_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/probes.h"

struct rb_counters;

#define RB_TIMELINE_MS 100
#define RB_TIMELINE_MAX 36000	/* one hour of samples; later ones are not kept */

struct rb_timeline_sample {
	double t_s;                      /* since the query phase began */
	uint64_t queries;                /* done */
	uint64_t read_bytes;             /* the process's /proc/PID/io read_bytes */
	uint64_t majflt;                 /* its major faults */
	uint64_t added_demand, added_spec, added_prefetch; /* probes: pages added, by cause */
	uint64_t lookups, hits;          /* probes: pages read() asked for + faults; of those, cached */
};

struct rb_timeline {
	struct rb_timeline_sample *s;    /* n samples (owned) */
	size_t n;
	int interval_ms;
	bool has_probes;                 /* the probe columns are measured (else 0) */
	bool truncated;                  /* more than RB_TIMELINE_MAX samples were due */
};

struct timeline_sampler;

/*
 * Start sampling: queries(ctx) counts the queries done; pid is the process whose
 * I/O and faults count (0: this one); probes may be NULL (no probe columns).
 */
int timeline__start(struct timeline_sampler **out, uint64_t (*queries)(void *ctx), void *ctx,
		    int pid, struct rb_probes *probes);
/* Stop (one last sample), hand the samples to out; ts is freed. NULL is fine. */
/*
 * Stop and hand over the samples. total (NULL: none): the repeat's own counter
 * deltas over the phase, which the last sample takes, so the series ends exactly on
 * the repeat's figures (an external client's read bytes include rabench's for it).
 */
void timeline__stop(struct timeline_sampler *ts, const struct rb_counters *total,
		    struct rb_timeline *out);
/* The latest sample and probe counts (for the live view); false before the first. */
bool timeline__latest(struct timeline_sampler *ts, struct rb_timeline_sample *s,
		      struct rb_probe_counts *c);
void timeline__free(struct rb_timeline *t);

#endif
