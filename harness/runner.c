/*
 * runner — one repeat at a time, everything a strategy changed undone before the
 * next (see runner.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "lib/cache.h"
#include "lib/memcg.h"
#include "lib/metrics.h"
#include "query_phase.h"
#include "runner.h"
#include "workload_params.h"
#include "timeline.h"
#include "bpf/stalls_api.h"
#include "stream.h"
#include "strategies/strategy.h"
#include "bpf/probes.h"
#include "workloads/workload.h"
#include "lib/clock.h"


static int prepare_cache(const struct rb_config *cfg, char paths[][512], int n, char *err,
			 size_t errlen)
{
	int i, rc;

	if (cfg->run_drop_caches) {
		rc = cache__drop_all(err, errlen);
		if (rc)
			return rc;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(cfg->run_cache, "cold") == 0)
			rc = cache__evict(paths[i], err, errlen);
		else
			rc = cache__warm(paths[i], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

static uint64_t resident_pages(char paths[][512], int n)
{
	uint64_t res, total, sum = 0;
	int i;

	for (i = 0; i < n; i++)
		if (cache__resident_pages(paths[i], &res, &total) == 0)
			sum += res;
	return sum;
}

#define RB_MMAP_THRESHOLD (128 << 10)	/* glibc's default M_MMAP_THRESHOLD */

void runner__memory_policy(const struct rb_config *cfg)
{
	if (cfg->run_memory_limit > 0)
		mallopt(M_MMAP_THRESHOLD, RB_MMAP_THRESHOLD);
}

/*
 * With run.memory_limit, the repeat's own memory cgroup, entered after the
 * eviction so that what the workload brings in is charged to it and limited
 * (*cg stays NULL without a limit).
 */
static int memcg_begin(const struct rb_config *cfg, struct rb_memcg **cg, char *err,
		       size_t errlen)
{
	char why[RB_ERR_MAX];
	int rc;

	*cg = NULL;
	if (cfg->run_memory_limit <= 0)
		return 0;
	rc = memcg__create((uint64_t)cfg->run_memory_limit, cg, why, sizeof(why));
	if (!rc)
		rc = memcg__enter(*cg, why, sizeof(why));
	if (rc) {
		snprintf(err, errlen, "run.memory_limit: %s", why);
		memcg__destroy(*cg, NULL, 0);
		*cg = NULL;
	}
	return rc;
}

/*
 * The page cache's room for the bounds: the limit less what the cgroup holds
 * that is not page cache (the index loaded at open, the buffers) as queries
 * begin; 0 without a limit (unlimited).
 */
static uint64_t cache_room(const struct rb_memcg *cg)
{
	struct rb_memcg_stats st;
	uint64_t other;

	if (!cg || memcg__read(cg, &st) || !st.limit_bytes)
		return 0;
	other = st.usage_bytes > st.file_bytes ? st.usage_bytes - st.file_bytes : 0;
	return st.limit_bytes > other + 4096 ? st.limit_bytes - other : 4096;
}

/* Record the cgroup's figures (complete repeats only) and remove it, always. */
static int memcg_end(struct rb_memcg *cg, struct rb_repeat_result *rr, int rc, char *err,
		     size_t errlen)
{
	char why[RB_ERR_MAX];
	int drc;

	if (!cg)
		return rc;
	if (!rc && memcg__read(cg, &rr->memcg) == 0)
		rr->has_memcg = true;
	drc = memcg__destroy(cg, why, sizeof(why));
	if (drc && !rc) {
		snprintf(err, errlen, "run.memory_limit: %s", why);
		return drc;
	}
	return rc;
}

/*
 * The probes of a run: opened once for the workload's files; when they cannot
 * be, the run goes on and the report carries the reason.
 */
static struct rb_probes *probes_open(const struct rb_config *cfg, const struct rb_plan *plan,
				     const struct rb_dataset *ds, struct rb_run *run)
{
	const struct workload_ops *ops = plan->workload;
	char paths[RB_MAX_FILES][512], *why = run->probes_reason;
	const char *names[RB_MAX_FILES];
	struct rb_probes *p = NULL;
	int i, n;

	run->probes_available = false;
	if (!cfg->run_probes) {
		snprintf(why, sizeof(run->probes_reason), "run.probes is false");
		return NULL;
	}
	if (probes__open(&p, why, sizeof(run->probes_reason)))
		return NULL;
	n = ops ? ops->list_files(&plan->wl, ds, paths, RB_MAX_FILES) : 0;
	for (i = 0; i < n; i++)
		names[i] = paths[i];
	if (n <= 0 || probes__set_targets(p, names, n)) {
		snprintf(why, sizeof(run->probes_reason), "%s",
			 n <= 0 ? "the workload names no files" : probes__last_error(p));
		probes__destroy(p);
		return NULL;
	}
	run->probes_available = true;
	why[0] = '\0';
	return p;
}

/* The probe window is the query phase: opened right before, closed right after. */
static bool probes_begin(struct rb_probes *p)
{
	return p && probes__start(p) == 0;
}

static void probes_end(struct rb_probes *p, bool started, struct rb_repeat_result *rr)
{
	if (!started)
		return;
	probes__stop(p);
	rr->has_probes = probes__collect(p, &rr->probes) == 0;
}

/*
 * The device's read_ahead_kb for strategies that set it (readahead-kb; bpf-prefetch
 * for an external client), before the workload opens its files: a file takes its
 * window when opened, journaled first (lib/journal.h). *jid: the journal entry
 * to put back (-1: nothing changed).
 */
static int ra_kb_begin(const struct rb_config *cfg, const struct ra_strategy_ops *s,
		       const struct rb_blockdev *dev, int *jid, char *err, size_t errlen)
{
	int rc;

	*jid = -1;
	if (s->readahead_kb == RB_RA_KB_NEVER ||
	    (s->readahead_kb == RB_RA_KB_OUTSIDE && !cfg->client_argv))
		return 0;
	if (!dev || dev->read_ahead_kb < 0) {
		snprintf(err, errlen, "strategy %s: no block device whose read_ahead_kb to set",
			 s->name);
		return -ENOTSUP;
	}
	rc = metrics__change_read_ahead_kb(dev, (long)cfg->run_readahead_kb, jid);
	if (rc) {
		snprintf(err, errlen, "strategy %s: /sys/block/%s/queue/read_ahead_kb: %s", s->name,
			 dev->name, strerror(-rc));
		return rc == -EACCES ? -EPERM : rc;
	}
	return 0;
}

static int ra_kb_end(const struct rb_blockdev *dev, int jid)
{
	return jid < 0 ? 0 : metrics__restore_read_ahead_kb(dev, jid);
}

/* Open, apply, measure, reset, close: one repeat of one strategy. */
static int run_step(const struct rb_config *cfg, const struct rb_plan *plan,
		    const struct rb_dataset *ds, const struct ra_strategy_ops *strategy, const struct rb_blockdev *dev,
		    const struct rb_runner_opts *opts, struct rb_probes *probes,
		    struct rb_repeat_result *rr, char *err, size_t errlen)
{
	const struct workload_ops *ops = plan->workload;
	struct rb_workload w = { .ops = ops };
	struct rb_counters before, after, self_before = { 0 }, self_after = { 0 };
	struct query_phase *qp = NULL;
	struct timeline_sampler *sampler;
	struct rb_memcg *cg;
	char paths[RB_MAX_FILES][512];
	int n_paths, rc, applied = 0;
	int ra_jid = -1;
	bool probing;
	double t0;

	if (!ops) {
		snprintf(err, errlen, "workload.type: unknown workload '%s'", cfg->workload_type);
		return -EINVAL;
	}
	n_paths = ops->list_files(&plan->wl, ds, paths, RB_MAX_FILES);
	if (n_paths < 0)
		return n_paths;
	rc = prepare_cache(cfg, paths, n_paths, err, errlen);
	if (rc)
		return rc;
	rc = memcg_begin(cfg, &cg, err, errlen);
	if (rc)
		return rc;
	rc = ra_kb_begin(cfg, strategy, dev, &ra_jid, err, errlen);
	if (rc)
		return memcg_end(cg, rr, rc, err, errlen);
	t0 = clock__now_s();
	rc = ops->open(&w, &plan->wl, ds, err, errlen);
	if (rc) {
		ra_kb_end(dev, ra_jid);
		return memcg_end(cg, rr, rc, err, errlen);
	}
	rr->open_s = clock__now_s() - t0;
	w.clients = rr->clients;
	rc = query_phase__new(&qp, cfg, ds, strategy, &w, opts, rr);
	if (rc)
		goto cleanup;
	if (strategy->apply) {
		applied = 1;
		rc = strategy->apply(&w, err, errlen);
		if (rc)
			goto cleanup;
	}
	rr->resident_pages_before = resident_pages(paths, n_paths);
	rr->bounds.room_bytes = cache_room(cg);
	/*
	 * An external client's own counters (what it read and faulted), plus what
	 * rabench read for it (WILLNEED, the prefetch agent): bytes read are both.
	 */
	rc = metrics__snapshot_of(dev, w.target_pid, &before);
	if (!rc && w.target_pid)
		rc = metrics__snapshot(NULL, &self_before);
	if (rc)
		goto cleanup;
	probing = probes_begin(probes);
	/* the timeline: how the phase unfolds, 10 samples a second (a failure only loses it) */
	if (timeline__start(&sampler, query_phase__done, qp, w.target_pid, probing ? probes : NULL))
		sampler = NULL;
	live__set_sampler(opts->live, sampler);
	t0 = clock__now_s();
	rc = query_phase__run(qp);
	rr->wall_s = clock__now_s() - t0;
	live__set_sampler(opts->live, NULL);
	if (metrics__snapshot_of(dev, w.target_pid, &after) == 0)
		metrics__delta(&before, &after, &rr->io);
	if (w.target_pid && metrics__snapshot(NULL, &self_after) == 0) {
		rr->io.proc_read_bytes += self_after.proc_read_bytes - self_before.proc_read_bytes;
		rr->io.proc_rchar += self_after.proc_rchar - self_before.proc_rchar;
	}
	timeline__stop(sampler, &rr->io, &rr->timeline);
	probes_end(probes, probing, rr);
	if (strategy->collect && strategy->collect(&w, &rr->strategy_stats) == -ECANCELED && !rc) {
		snprintf(err, errlen, "strategy %s stopped working mid-repeat: the repeat failed",
			 strategy->name);
		rc = -ECANCELED;
	}
	if (!rc)
		rc = query_phase__account(qp);
	if (rc && rc != -EINTR && rc != -ECANCELED)
		snprintf(err, errlen, "%s: query failed: %s", cfg->workload_type, strerror(-rc));
cleanup:
	/* undo the strategy while its mappings still exist, also after a failure */
	if (applied && strategy->reset(&w) && !rc) {
		snprintf(err, errlen, "strategy %s: could not restore the settings it changed",
			 strategy->name);
		rc = -EIO;
	}
	query_phase__free(qp);   /* the clients, before the instance they query */
	ops->close(&w);
	if (ra_kb_end(dev, ra_jid) && !rc) {
		snprintf(err, errlen, "strategy %s: could not restore read_ahead_kb %ld",
			 strategy->name, dev->read_ahead_kb);
		rc = -EIO;
	}
	return memcg_end(cg, rr, rc, err, errlen);
}

/* ", 4 clients" in a sweep or with more than one client; "" otherwise. */
static const char *clients_note(const struct rb_repeat_result *rr, const struct rb_config *cfg,
				char *buf, size_t len)
{
	buf[0] = '\0';
	if (cfg->n_clients > 1 || rr->clients > 1)
		snprintf(buf, len, ", %d client%s", rr->clients, rr->clients == 1 ? "" : "s");
	return buf;
}

/* A line for the user: under the live screen (and after it) when it is up, else stderr. */
static void say(const struct rb_runner_opts *opts, const char *line)
{
	if (live__owns_terminal(opts->live))
		live__log(opts->live, line);
	else
		fprintf(stderr, "%s\n", line);
}

__attribute__((format(printf, 2, 3)))
static void sayf(const struct rb_runner_opts *opts, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(opts, line);
}

static void progress(const struct rb_runner_opts *opts, size_t i, size_t n,
		     const struct rb_repeat_result *rr, const struct rb_config *cfg)
{
	char note[32], line[256];

	if (opts->quiet)
		return;
	snprintf(line, sizeof(line),
		 "rabench: [%zu/%zu] %-18s repeat %d/%lld%s: %zu queries in %.2f s, recall@%lld %.3f, "
		 "read %.1f MiB, %llu major faults",
		 i + 1, n, rr->strategy, rr->repeat + 1, (long long)cfg->run_repeats,
		 clients_note(rr, cfg, note, sizeof(note)), rr->n_queries, rr->wall_s,
		 (long long)cfg->workload_k, rr->recall, rr->io.proc_read_bytes / 1048576.0,
		 (unsigned long long)rr->io.majflt);
	say(opts, line);
}

/* Room for the per-query phase times of a workload that has phases (rag). */
static int phases_init(const struct rb_config *cfg, const struct rb_plan *plan,
		       struct rb_repeat_result *rr)
{
	const struct workload_ops *ops = plan->workload;

	for (rr->n_phases = 0; ops && ops->phase_names && ops->phase_names[rr->n_phases] &&
	     rr->n_phases < RB_MAX_PHASES; rr->n_phases++)
		rr->phase_names[rr->n_phases] = ops->phase_names[rr->n_phases];
	if (!rr->n_phases)
		return 0;
	rr->phase_us = calloc(cfg->workload_queries * rr->n_phases, sizeof(double));
	rr->phase_io_wait_us = calloc(cfg->workload_queries * rr->n_phases, sizeof(double));
	rr->phase_majflt = calloc(cfg->workload_queries * rr->n_phases, sizeof(double));
	return rr->phase_us && rr->phase_io_wait_us && rr->phase_majflt ? 0 : -ENOMEM;
}

/*
 * A strategy this machine cannot run (no root, no BTF) is skipped with its reason
 * in the report instead of failing the run: the others still get measured, and
 * nothing is pretended.
 */
static int unavailable_reason(const struct ra_strategy_ops *s, char *why, size_t len)
{
	if ((s->flags & (RB_STRATEGY_NEEDS_ROOT | RB_STRATEGY_NEEDS_BPF)) && geteuid() != 0) {
		snprintf(why, len, "needs root to %s (running as uid %u)",
			 s->flags & RB_STRATEGY_NEEDS_BPF ? "load BPF programs" : "change kernel settings",
			 (unsigned)geteuid());
		return 1;
	}
	if ((s->flags & RB_STRATEGY_NEEDS_BPF) && access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(why, len, "no kernel BTF at /sys/kernel/btf/vmlinux (CO-RE BPF cannot load)");
		return 1;
	}
	return 0;
}

static bool is_skipped(const struct rb_run *run, const char *name)
{
	int i;

	for (i = 0; i < run->n_skipped; i++)
		if (strcmp(run->skipped[i], name) == 0)
			return true;
	return false;
}

static void skip_strategy(struct rb_run *run, const char *name, const char *why,
			  const struct rb_runner_opts *opts)
{
	if (is_skipped(run, name) || run->n_skipped == RB_MAX_STRATEGIES)
		return;
	snprintf(run->skipped[run->n_skipped], sizeof(run->skipped[0]), "%s", name);
	snprintf(run->skipped_reason[run->n_skipped], sizeof(run->skipped_reason[0]), "%s", why);
	run->n_skipped++;
	if (!opts->quiet)
		sayf(opts, "rabench: skipping strategy %s: %s", name, why);
}

/* A strategy that cannot act here (privileges, BPF, or nothing to act on) is skipped. */
static bool refused(const struct ra_strategy_ops *s, int rc)
{
	return rc == -ENOTSUP ||
	       ((s->flags & (RB_STRATEGY_NEEDS_ROOT | RB_STRATEGY_NEEDS_BPF)) &&
		(rc == -EPERM || rc == -EACCES || rc == -ENOSYS));
}

static void drop_repeat(struct rb_repeat_result *rr)
{
	timeline__free(&rr->timeline);
	free(rr->latency_us);
	free(rr->io_wait_us);
	free(rr->client_of);
	free(rr->phase_us);
	free(rr->phase_io_wait_us);
	free(rr->phase_majflt);
	probe_result__free(&rr->probes);
	memset(rr, 0, sizeof(*rr));
}

/* A repeat's per-query arrays; -ENOMEM (drop_repeat frees what was had). */
static int repeat_alloc(const struct rb_config *cfg, const struct rb_plan *plan,
			const struct rb_runner_opts *opts, struct rb_repeat_result *rr)
{
	rr->latency_us = calloc(cfg->workload_queries, sizeof(double));
	if (opts->stalls && !(rr->io_wait_us = calloc(cfg->workload_queries, sizeof(double))))
		return -ENOMEM;
	rr->client_of = calloc(cfg->workload_queries, sizeof(*rr->client_of));
	if (!rr->latency_us || !rr->client_of || phases_init(cfg, plan, rr))
		return -ENOMEM;
	return 0;
}

int runner__blockdev(const struct rb_config *cfg, const struct rb_dataset *ds,
		     struct rb_blockdev *dev)
{
	struct rb_workload_params wp;
	const struct workload_ops *ops = workload__of_config(cfg, &wp);
	char paths[RB_MAX_FILES][512];

	memset(dev, 0, sizeof(*dev));
	dev->read_ahead_kb = -1;
	if (!ops || ops->list_files(&wp, ds, paths, RB_MAX_FILES) < 1)
		return -ENOENT;
	return metrics__blockdev_for(paths[0], dev);
}

int runner__largest_file(const struct rb_config *cfg, const struct rb_dataset *ds, char *buf,
		       size_t len)
{
	struct rb_workload_params wp;
	const struct workload_ops *ops = workload__of_config(cfg, &wp);
	char paths[RB_MAX_FILES][512];
	struct stat st;
	off_t best = -1;
	int i, n;

	n = ops ? ops->list_files(&wp, ds, paths, RB_MAX_FILES) : -1;
	for (i = 0; i < n; i++)
		if (stat(paths[i], &st) == 0 && st.st_size > best) {
			best = st.st_size;
			snprintf(buf, len, "%s", paths[i]);
		}
	return best < 0 ? -ENOENT : 0;
}

static int run_steps(const struct rb_config *cfg, const struct rb_dataset *ds,
		     const struct rb_plan *plan, const struct rb_runner_opts *opts,
		     struct rb_probes *probes, struct rb_run *run, char *err, size_t errlen)
{
	const struct ra_strategy_ops *strategy;
	struct rb_repeat_result *rr;
	struct rb_blockdev dev, *devp = &dev;
	char why[256];
	size_t i;
	int rc = 0;

	if (runner__blockdev(cfg, ds, &dev))
		devp = NULL;   /* tmpfs & co: no device counters, the report shows 0 */
	run->repeats = calloc(plan->n_steps, sizeof(*run->repeats));
	if (!run->repeats)
		return -ENOMEM;
	for (i = 0; i < plan->n_steps; i++) {
		rr = &run->repeats[run->n_repeats];
		strategy = plan->strategy[plan->steps[i].strategy];
		if (!strategy) {
			snprintf(err, errlen, "run.strategies: unknown strategy '%s'",
				 cfg->strategies[plan->steps[i].strategy]);
			return -EINVAL;
		}
		if (unavailable_reason(strategy, why, sizeof(why)))
			skip_strategy(run, strategy->name, why, opts);
		if (cfg->client_argv && !(strategy->flags & RB_STRATEGY_OUTSIDE))
			skip_strategy(run, strategy->name, "it cannot reach another process's mappings "
				      "or descriptors (the external client's)", opts);
		if (is_skipped(run, strategy->name))
			continue;
		snprintf(rr->strategy, sizeof(rr->strategy), "%s", strategy->name);
		rr->repeat = plan->steps[i].repeat;
		rr->order = (int)i;
		rr->clients = plan->steps[i].clients;
		rr->batch = (int)cfg->workload_batch;
		rr->faults_race = (strategy->flags & RB_STRATEGY_RACES) != 0;
		if (repeat_alloc(cfg, plan, opts, rr))
			return -ENOMEM;
		live__set_step(opts->live, strategy->name, rr->repeat);
		rc = run_step(cfg, plan, ds, strategy, devp, opts, probes, rr, err, errlen);
		if (rc) {
			/* a repeat cut short has no honest figures: drop it */
			drop_repeat(rr);
			if (!refused(strategy, rc))
				break;
			skip_strategy(run, strategy->name, err, opts);
			rc = 0;
			continue;
		}
		run->n_repeats++;
		progress(opts, i, plan->n_steps, rr, cfg);
	}
	run->complete = rc == 0;
	return rc;
}

/* Why a cold run gets no warm pass ("" : it does). */
static const char *no_warm_pass(const struct rb_config *cfg, const struct rb_plan *plan,
				const struct rb_dataset *ds, const struct rb_run *run)
{
	char paths[RB_MAX_FILES][512];
	uint64_t bytes = 0, room;
	struct stat st;
	size_t i;
	int n;

	if (strcmp(cfg->run_cache, "cold"))
		return "the run's repeats are warm";
	if (cfg->client_argv)
		return "an external client";
	for (i = 0; i < run->n_repeats && !run->repeats[i].bounds.known; i++)
		;
	if (i == run->n_repeats)
		return RB_NO_BOUNDS;
	n = plan->workload->list_files(&plan->wl, ds, paths, RB_MAX_FILES);
	while (n-- > 0)
		if (stat(paths[n], &st) == 0)
			bytes += (uint64_t)st.st_size;
	if (memcg__cache_room(&room) < 0 || bytes > room / 2)
		return "the workload's files do not fit in half of the available memory";
	return "";
}

/*
 * The compute ceiling of a cold run, which caps each repeat's roofline
 * (bounds.c): after the repeats, the same queries once more from a warm cache,
 * with the default strategy, no memory limit and no probes — not a repeat and
 * in no table, only run->warm_pass_qps: the fastest of up to RB_WARM_PASSES
 * passes (a single pass of ivf-bench gave 108 q/s once, 130 and 141 in two other
 * runs) that read at most 1 % of what their queries needed (bounds.c's warm).
 */
#define RB_WARM_PASSES 3

static void warm_pass(const struct rb_config *cfg, const struct rb_dataset *ds,
		      const struct rb_plan *plan, const struct rb_runner_opts *opts,
		      struct rb_run *run)
{
	const struct ra_strategy_ops *def = strategy__find("default");
	struct rb_runner_opts quiet = *opts;
	struct rb_repeat_result rr;
	struct rb_config warm = *cfg;
	int64_t pass;
	bool stopped;
	int rc;
	struct rb_blockdev dev;
	const char *why = no_warm_pass(cfg, plan, ds, run);
	char err[RB_ERR_MAX] = "";

	run->warm_pass_qps = NAN;
	snprintf(run->warm_pass_note, sizeof(run->warm_pass_note), "%s", why);
	if (*why || !def)
		return;
	snprintf(warm.run_cache, sizeof(warm.run_cache), "warm");
	warm.run_memory_limit = 0;
	warm.run_drop_caches = false;
	quiet.stalls = NULL;
	quiet.live = NULL;
	for (pass = 0; pass < RB_WARM_PASSES && pass < cfg->run_repeats; pass++) {
		rr = (struct rb_repeat_result){ .clients = (int)cfg->run_clients[0],
						.batch = (int)cfg->workload_batch };
		snprintf(rr.strategy, sizeof(rr.strategy), "%s", def->name);
		rc = repeat_alloc(&warm, plan, &quiet, &rr);
		if (!rc && !(opts->stop && *opts->stop))
			rc = run_step(&warm, plan, ds, def,
				      runner__blockdev(cfg, ds, &dev) ? NULL : &dev, &quiet, NULL,
				      &rr, err, sizeof(err));
		stopped = rc == -EINTR || (opts->stop && *opts->stop);
		if (rc || stopped) {
			if (stopped)
				snprintf(run->warm_pass_note, sizeof(run->warm_pass_note), "interrupted");
			else
				snprintf(run->warm_pass_note, sizeof(run->warm_pass_note), "failed: %s",
					 *err ? err : strerror(-rc));
			run->warm_pass_qps = NAN;
			drop_repeat(&rr);
			return;
		}
		if (rr.wall_s <= 0 || rr.io.proc_read_bytes * 100 > rr.needed_bytes)
			snprintf(run->warm_pass_note, sizeof(run->warm_pass_note),
				 "not warm: it read %" PRIu64 " bytes", rr.io.proc_read_bytes);
		else if (!(run->warm_pass_qps >= (double)rr.n_queries / rr.wall_s))
			run->warm_pass_qps = (double)rr.n_queries / rr.wall_s;	/* the fastest */
		drop_repeat(&rr);
	}
	if (run->warm_pass_qps > 0)
		run->warm_pass_note[0] = '\0';
}

int runner__execute(const struct rb_config *cfg, const struct rb_dataset *ds,
		    const struct rb_plan *plan, const struct rb_runner_opts *opts,
		    struct rb_run *run, char *err, size_t errlen)
{
	struct rb_runner_opts with_stream = *opts;
	struct rb_probes *probes;
	int64_t *stream = NULL;
	int rc;

	/* one stream for the whole run: every strategy and repeat sees the same queries */
	rc = stream__build(cfg, ds->nq, &stream, err, errlen);
	if (rc)
		return rc;
	with_stream.stream = stream;
	probes = probes_open(cfg, plan, ds, run);
	if (!run->probes_available && cfg->run_probes && !opts->quiet)
		sayf(opts, "rabench: no page-cache probes: %s", run->probes_reason);
	if (cfg->run_probes && !stalls__open(&with_stream.stalls, run->io_wait_reason,
					     sizeof(run->io_wait_reason)))
		run->io_wait_available = true;
	else if (!cfg->run_probes)
		snprintf(run->io_wait_reason, sizeof(run->io_wait_reason), "run.probes is false");
	live__set_probes(opts->live, probes);
	rc = run_steps(cfg, ds, plan, &with_stream, probes, run, err, errlen);
	run->warm_pass_qps = NAN;
	if (!rc)
		warm_pass(cfg, ds, plan, &with_stream, run);
	bounds__roofline(run);
	live__set_probes(opts->live, NULL);
	stalls__destroy(with_stream.stalls);
	probes__destroy(probes);
	free(stream);
	return rc;
}
