/*
 * runner — execute a plan: for each (strategy, repeat) put the run's files in the
 * configured cache state, open the workload, apply the strategy, run and time
 * every query while reading the witnesses around the query phase, then undo the
 * strategy and close. Results go into run->repeats in schedule order.
 */
#ifndef RB_RUNNER_H
#define RB_RUNNER_H

#include <signal.h>
#include "config/config.h"
#include "live.h"
#include "lib/metrics.h"
#include "plan.h"
#include "harness/result.h"
#include "datasets/dataset.h"

struct rb_stalls;

struct rb_runner_opts {
	volatile sig_atomic_t *stop;  /* set by SIGINT/SIGTERM: finish cleanly, mark incomplete */
	int quiet;                    /* no progress lines on stderr */
	struct rb_live *live;         /* --live view, or NULL */
	const int64_t *stream;        /* query id of the i-th query (set by runner__execute) */
	struct rb_stalls *stalls;     /* per-query I/O wait (set by runner__execute), or NULL */
};

/* The block device under the first file the run's workload reads. 0 or -errno. */
int runner__blockdev(const struct rb_config *cfg, const struct rb_dataset *ds,
		     struct rb_blockdev *dev);

/*
 * Run every step of plan. run->repeats is allocated here. Returns 0, -EINTR when
 * stopped (completed repeats kept, run->complete false) or -errno with err set.
 */
/*
 * With run.memory_limit, before anything large is allocated (the dataset's
 * preparation): glibc raises its mmap threshold to the largest block freed (up to
 * 32 MiB), so large blocks freed later (a dataset build's arrays, bpf-prefetch's
 * extent map) would come back from the heap and stay resident, counted as the
 * process's anonymous memory by each repeat's memory check — ivf-memlimit failed
 * its first repeat right after building its dataset (213.8 MiB held, 128 MiB
 * limit), hnsw-memlimit its fifth (56.9 MiB, 64 MiB). Pinned at glibc's default,
 * large blocks are mmapped and unmapped again when freed.
 */
void runner__memory_policy(const struct rb_config *cfg);
int runner__execute(const struct rb_config *cfg, const struct rb_dataset *ds,
		    const struct rb_plan *plan, const struct rb_runner_opts *opts,
		    struct rb_run *run, char *err, size_t errlen);

/* The largest file the workload reads (what calibrate reads when the raw device cannot be). */
int runner__largest_file(const struct rb_config *cfg, const struct rb_dataset *ds, char *buf,
		       size_t len);

#endif
