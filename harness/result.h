/*
 * result — what the engine produces: the raw figures of a run (struct rb_run) and
 * of each repeat of each strategy. The runner fills them; report/ turns them into
 * report.json and every other format, so nothing here knows about output.
 */
#ifndef RB_RESULT_H
#define RB_RESULT_H

#include <stdbool.h>
#include "config/config.h"
#include "harness/timeline.h"
#include "lib/env.h"
#include "lib/memcg.h"
#include "lib/metrics.h"
#include "lib/stats.h"
#include "strategies/strategy.h"
#include "bpf/probes.h"

/*
 * What an optimal page cache would have read for this repeat's queries: the
 * access trace the workload knows (each query's extents, in stream order, page
 * by page) replayed through Belady's MIN and LRU at the page-cache room
 * (lib/cachesim.h), from an empty cache.
 */
struct rb_bounds {
	bool known;                /* the trace was recorded and simulated */
	uint64_t trace_pages;      /* page accesses in the trace */
	uint64_t unique_bytes;     /* distinct pages * page size: an unlimited cache's reads */
	uint64_t opt_bytes;        /* Belady's MIN at room_bytes */
	uint64_t lru_bytes;        /* LRU at room_bytes */
	uint64_t room_bytes;       /* memory limit - the cgroup's non-file usage at the start; 0: unlimited */
	double roofline_qps;       /* device sequential bandwidth / (opt_bytes / query), capped (NaN: unknown) */
	double compute_qps;        /* the cap: the run's fastest repeat that read (almost) nothing; NaN: none */
};

/* Raw figures of one repeat of one strategy. */
struct rb_repeat_result {
	char strategy[RB_NAME_MAX];
	int repeat;                /* 0-based repeat number of this strategy */
	int order;                 /* 0-based position in the interleaved schedule */
	int clients;               /* concurrent clients that shared the queries */
	int batch;                 /* queries per search call (workload.batch) */
	bool faults_race;          /* the strategy's prefetch races the queries (RB_STRATEGY_RACES) */
	double *latency_us;        /* per-query latency, n_queries values (owned) */
	int *client_of;            /* per query: the client (0-based) that ran it (owned) */
	uint64_t results_digest;   /* sum over queries of XXH3(result ids, seed = query id) */
	size_t n_queries;
	double wall_s;             /* query phase, wall clock */
	double open_s;             /* workload open (index load), not in wall_s */
	double recall;             /* mean recall@k over the queries (NaN: not known) */
	int n_phases;              /* phases the workload times per query; 0: one phase */
	const char *phase_names[RB_MAX_PHASES]; /* the workload's static names */
	double *phase_us;          /* n_queries * n_phases, query-major (owned; NULL: none) */
	double *phase_io_wait_us;  /* the same layout: each phase's I/O wait (NaN: not measured) */
	double *phase_majflt;      /* the same layout: each phase's major faults (client thread) */
	struct rb_counters io;     /* deltas over the query phase */
	uint64_t needed_bytes;     /* distinct pages of the extents the queries touched * page size */
	uint64_t needed_bytes_sum; /* extents summed over queries (a re-read counts again) */
	uint64_t resident_pages_before; /* pages of the run's files resident when queries began */
	bool has_memcg;            /* ran in its own memory cgroup (run.memory_limit) */
	struct rb_memcg_stats memcg; /* that cgroup's figures at the end of the repeat */
	struct rb_strategy_stats strategy_stats; /* the strategy's own counters (n = 0: none) */
	double *io_wait_us;        /* per query, microseconds waited for I/O (owned; NULL: not measured) */
	bool has_probes;           /* the BPF probes ran around this repeat's queries */
	struct rb_probe_result probes; /* their figures for the run's files (owned) */
	struct rb_timeline timeline; /* samples every 100 ms of the query phase (owned) */
	struct rb_bounds bounds;   /* the optimal cache's reads for these queries */
};

struct rb_run {
	struct rb_config cfg;
	struct rb_env env;
	char started[40];          /* ISO 8601 UTC */
	char dataset_dir[RB_PATH_MAX];
	char index_dir[RB_PATH_MAX];
	uint64_t files_bytes;      /* total size of the files the workload reads */
	int64_t store_interior_bytes; /* LMDB/SQLite chunk store: its B-tree's interior pages (-1: none) */
	struct rb_repeat_result *repeats;
	size_t n_repeats;
	/*
	 * The compute ceiling of a cold run (harness/runner.c's warm pass): the q/s of
	 * the queries once more from a warm cache after the repeats (NaN: not run or
	 * not warm, warm_pass_note says why); ceiling_from says what capped the
	 * roofline ("a warm repeat", "the warm pass", "" none).
	 */
#define RB_NO_BOUNDS "no repeat has bounds"	/* the note then: nothing to cap */
	double warm_pass_qps;
	char warm_pass_note[RB_ERR_MAX];
	const char *ceiling_from;
	bool complete;             /* false when interrupted or failed mid-run */
	/* strategies that could not run here (no root, no BPF) and why: never pretended */
	char skipped[RB_MAX_STRATEGIES][RB_NAME_MAX];
	char skipped_reason[RB_MAX_STRATEGIES][256];
	int n_skipped;
	bool probes_available;     /* run.probes on and the BPF probes loaded */
	char probes_reason[RB_ERR_MAX]; /* why not, when not ("" when available) */
	bool io_wait_available;    /* the I/O wait programs (bpf/stalls.bpf.c) ran */
	char io_wait_reason[RB_ERR_MAX]; /* why not, when not */
};

void run__free(struct rb_run *run);

/*
 * Each repeat's roofline (harness/bounds.c): the calibrated sequential bandwidth
 * over its bytes per query at the optimum, capped by the run's compute ceiling.
 */
void bounds__roofline(struct rb_run *run);

#endif
