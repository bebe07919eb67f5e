/*
 * strategy — a readahead strategy: what it changes in the kernel for the files and
 * mappings of a workload, and how it puts everything back. One ops table per
 * strategy (fio's ioengine_ops pattern), one file per strategy, one line in
 * strategies/registry.c to register it.
 *
 * The runner calls apply() after the workload is open and reset() before it is
 * closed, also on error and on SIGINT, so nothing a strategy changed outlives the
 * repeat.
 */
#ifndef RB_STRATEGY_H
#define RB_STRATEGY_H

#include "workloads/workload.h"

#define RB_STRATEGY_VERSION 2   /* 2: before_query takes the client */

enum rb_strategy_flags {
	RB_STRATEGY_NEEDS_ROOT = 1 << 0,   /* changes system-wide settings */
	RB_STRATEGY_NEEDS_BPF = 1 << 1,    /* loads BPF programs */
	RB_STRATEGY_OUTSIDE = 1 << 2,      /* works for an external client process too */
	/*
	 * Its prefetch runs on threads of its own, racing the queries: which pages a
	 * query finds already read, so its fault counts, depend on timing (the gate
	 * shows them and does not judge them: report.json summary "faults_race").
	 */
	RB_STRATEGY_RACES = 1 << 3,
};

/* Named counters a strategy reports per repeat (report.json "strategy_stats"). */
#define RB_STRATEGY_MAX_STATS 64
struct rb_strategy_stats {
	int n;
	struct {
		const char *name;   /* static text */
		uint64_t value;
	} v[RB_STRATEGY_MAX_STATS];
};

/* When the runner sets the device's read_ahead_kb to run.readahead_kb around a repeat. */
enum rb_ra_kb_when {
	RB_RA_KB_NEVER,
	RB_RA_KB_ALWAYS,	/* readahead-kb */
	RB_RA_KB_OUTSIDE,	/* for an external client: bpf-prefetch's stand-in for MADV_RANDOM */
};

struct ra_strategy_ops {
	const char *name;
	int version;          /* RB_STRATEGY_VERSION */
	unsigned flags;
	enum rb_ra_kb_when readahead_kb;
	const char *help;     /* one line: the mechanism, exactly */

	/* Change the kernel's behaviour for w's files. 0 or -errno (message in err). */
	int (*apply)(struct rb_workload *w, char *err, size_t errlen);
	/* Undo everything apply() did; must be safe after a partial apply. */
	int (*reset)(struct rb_workload *w);
	/*
	 * Optional: called right before query qi, inside the timed section (what
	 * an application-level hint costs is part of the latency it buys), from
	 * the thread of client c (so it may run in several threads at once: it
	 * writes nothing but c's scratch).
	 */
	int (*before_query)(struct rb_client *c, int64_t qi);
	/* Optional: counters of what it did, read after the queries, before reset(). */
	/* -ECANCELED: the strategy stopped working mid-repeat (the repeat fails) */
	int (*collect)(struct rb_workload *w, struct rb_strategy_stats *out);
};

/* Shared by strategies that switch speculative readahead off (strategies/fadvise.c). */
int strategy__advise_random(struct rb_workload *w, char *err, size_t errlen);
int strategy__advise_normal(struct rb_workload *w);

const struct ra_strategy_ops *strategy__find(const char *name);
const struct ra_strategy_ops *const *strategy__all(void);   /* NULL-terminated */
int strategy__check_ops(const struct ra_strategy_ops *ops);
/* Every registered name, '|'-separated (what run.strategies accepts). */
const char *strategy__names(void);

#endif
