/*
 * report_json — struct rb_run -> the report.json document. This file defines the
 * document layout; report/report-schema.md describes every field and
 * report/report.schema.json checks it. Layout (schema_version 1):
 *
 *   { "schema_version": 1, "tool": "rabench", "complete": bool,
 *     "started": "2024-..Z", "config_source": "configs/ivf.yaml",
 *     "environment": { env__to_json },
 *     "config": { every rb_config_keys[] key -> typed value },
 *     "dataset": { "dir", "index_dir", "files_bytes" },
 *     "metrics_definitions": { metric -> one line of text },
 *     "repeats": [ one object per repeat, in run order; "phases": per-phase latency
 *                  of multi-phase workloads (rag: search, fetch), else null ],
 *     "summary": { "gate_counter": "proc_read_bytes",
 *                  "strategies": [ { "name", "clients", "repeats",
 *                                    <figure>: {"median","min","max"} | null } ] } }
 *
 * A summary entry is one (strategy, clients) pair: with run.clients a sweep,
 * each strategy has one entry per clients level (levels in config order).
 *
 * Figures that cannot be computed (no queries, zero wall time, nothing needed)
 * are JSON null, never NaN, so every consumer sees valid JSON.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_json_int.h"


static const struct {
	const char *name;
	const char *text;
} metric_defs[] = {
	{ "n_queries", "queries run in the repeat's query phase" },
	{ "wall_s", "wall-clock seconds of the query phase (workload open excluded)" },
	{ "open_s", "wall-clock seconds to open the workload (index load), not part of wall_s" },
	{ "qps", "n_queries / wall_s" },
	{ "recall", "mean recall@k over the queries against exact ground truth (k = workload.k); chunk-fetch and rag: the fraction of queries whose source chunk (the chunk the query text was made from) is among the k fetched, null for chunk-fetch's uniform picks" },
	{ "latency_us", "per-query latency in microseconds: mean and nearest-rank percentiles p50, p90, p99, p99.9 (p999), max, min; every percentile is an observed sample; p90/p99/p999 are null with fewer than 10/100/1000 queries (they would be the maximum)" },
	{ "latency_samples_us", "every query's latency in microseconds, in query order" },
	{ "phases", "workloads whose queries have phases (rag: search = the IVF search, fetch = reading and checking the k hits' chunks): per phase, the same statistics as latency_us over the phase's per-query times, measured inside the query; null for single-phase workloads; summary.strategies[].phases gives each phase's median p50/p99/mean across repeats" },
	{ "phase_io", "multi-phase workloads (rag): per phase, the client thread's I/O wait in that phase (io_wait_us: mean per query and total, microseconds, from the same sched_switch/sched_wakeup programs as io_wait_us; null when they did not run) and its major faults (getrusage RUSAGE_THREAD; a batch's shared among its queries); the fetch phase's figures are what a chunk prefetcher saves; null for single-phase workloads" },
	{ "dev_read_bytes", "sectors read on the device holding the run's files (/sys/block/<dev>/stat) during the query phase x 512; counts other activity on the machine too, so it varies run to run" },
	{ "dev_read_ios", "read requests completed on that device during the query phase (/sys/block/<dev>/stat); also counts other activity" },
	{ "proc_read_bytes", "/proc/self/io read_bytes delta over the query phase: bytes this process caused to be read from storage, readahead included; exact run to run; the figure CI gates use" },
	{ "proc_rchar", "/proc/self/io rchar delta: bytes passed through read syscalls, whether or not they came from the page cache (mmap accesses are not counted)" },
	{ "majflt", "major page faults of the process during the query phase (getrusage): faults whose page was not in the page cache when the fault looked it up; a fault that sleeps on a page another reader already has in flight (readahead, WILLNEED, the prefetcher) counts minor, so 0 major faults does not mean no waiting: io_wait_us says how long queries waited" },
	{ "minflt", "minor page faults during the query phase (getrusage): faults served from the page cache" },
	{ "needed_bytes", "distinct pages of the file extents the queries touched x page size: what an ideal prefetcher would read; for an LMDB or SQLite chunk store the pages holding the chunks, without the B-tree's interior pages a lookup also reads (shown apart: dataset.store_interior_bytes, all of them, an upper bound)" },
	{ "needed_bytes_sum", "extents the queries touched, summed over queries (a re-read counts again)" },
	{ "read_amplification", "proc_read_bytes / needed_bytes; null when nothing was needed" },
	{ "bounds", "per repeat, what an optimal page cache would have read for its queries, from an empty cache: the trace is every query's extents (the ones needed_bytes counts), page by page in the order of the query stream, replayed through Belady's MIN (evict the page used again farthest in the future) and LRU (lib/cachesim.c) at the page-cache room: trace_pages (accesses), unique_bytes (distinct pages: an unlimited cache's reads), opt_bytes and lru_bytes (the reads of an optimal and of an LRU cache of room_bytes), room_bytes (run.memory_limit less the cgroup's non-file usage when the queries begin; null: no limit, the cache unlimited), roofline_qps (env.device_calibration.in_run_seq_read_mb_s, the sequential bandwidth measured in this run, over opt_bytes per query, capped by compute_qps; null without a calibration), compute_qps (the q/s of the run's fastest repeat that read at most 1 % of its needed bytes, the compute ceiling; null when no repeat of the run was warm), x_opt (proc_read_bytes / opt_bytes) and pct_roofline (100 x qps / roofline_qps); null when the trace was not recorded" },
	{ "bytes_x_opt", "summary: bounds.x_opt per repeat, proc_read_bytes / opt_bytes (1.0 = what an optimal cache reads)" },
	{ "qps_pct_roofline", "summary: bounds.pct_roofline per repeat, 100 x qps / roofline_qps" },
	{ "opt_bytes", "summary: bounds.opt_bytes per repeat" },
	{ "resident_pages_before", "pages of the run's files resident in the page cache when the query phase began (0 for a clean cold start)" },
	{ "strategy_stats", "optional: counters the strategy itself kept during the repeat (bpf-prefetch: its agent's hints, prefetches, misses, skips, drops), name -> integer; absent for strategies without counters" },
	{ "memcg", "with run.memory_limit, the repeat's own memory cgroup (created after the cache eviction, before the workload opens) at the end of the repeat: version, limit_bytes, peak_bytes and usage_bytes, file_bytes (page cache) and anon_bytes charged, reclaim counters pgscan/pgsteal (v2) or pgpgout (v1), refault_file, pgmajfault, limit_hits (v1 failcnt, v2 events max), oom_kills; a counter the cgroup version lacks is null; null without a limit" },
	{ "probes", "the BPF page-cache probes over the query phase (bpf/pcache.bpf.c; each point by tp_btf, fentry or kprobe, see probes.attach): per file of the run and in total, readahead calls and windows, pages added by cause, accessed, wasted, evicted, faults; the block layer of the files' disk; overflow counters; null when the probes did not run (see probes_unavailable_reason); each field is defined under probes.<field>" },
	{ "io_wait_us", "per repeat: microseconds each query waited for I/O (bpf/stalls.bpf.c: from a sched_switch that puts a searching thread to sleep with in_iowait set, as a fault or read waiting on a page under I/O does, to its sched_wakeup; the searching threads are the client thread, with workload.batch also this process's other threads (FAISS's OpenMP workers, shared among the clients), and for an external client every thread of its process), mean, p50, p99 (null below 100 queries) and total over the repeat; null when not measured (see io_wait_unavailable_reason). Unlike majflt, it counts waits on pages another reader (readahead, WILLNEED, the prefetcher) already had in flight" },
	{ "client_command", "the external client that served the queries (rabench run CONFIG -- CMD, workloads/ivf_client.c), its words joined by spaces; null for the built-in workload" },
	{ "compute_ceiling", "what capped each repeat's roofline_qps: qps (null: nothing did), from (\"a warm repeat\": the run's fastest repeat that read at most 1 % of its needed bytes; \"the warm pass\": in a cold run, the same queries once more after the repeats from a warm cache, with the default strategy, no memory limit and no probes, not a repeat; \"\": neither), warm_pass_qps (null: not run or not warm) and warm_pass_note (why not; \"\" when it ran)" },
	{ "io_wait_available", "whether the I/O wait programs ran (root, BTF, run.probes)" },
	{ "io_wait_unavailable_reason", "why not; \"\" when they did" },
	{ "timeline", "per repeat: how its query phase unfolded, sampled every interval_ms (100) from its start: t_ms, and cumulative from the start queries done, read_bytes and major_faults of the workload's process (/proc/PID/io, getrusage), and from the BPF probes (null when they did not run) pages added by cause (added_demand, added_speculative, added_prefetch) and page-cache lookups (pages read() asked for + faults on the files' mappings) and hits (lookups that found the page); truncated when the phase outlasted an hour of samples; the last sample is taken when the phase ends" },
	{ "io_wait_mean_us", "summary: io_wait_us.mean per repeat (spread across repeats)" },
	{ "io_wait_total_us", "summary: io_wait_us.total per repeat (spread across repeats)" },
	{ "probes_available", "whether the probes ran (run.probes true, root, BTF, the BPF programs loaded)" },
	{ "probes_unavailable_reason", "why the probes did not run; \"\" when they did" },
	{ "probe_waste_ratio", "summary: probes.total.waste_ratio, speculative readahead pages never used / speculative pages added" },
	{ "probe_pages_added_demand", "summary: probes.total.pages_added_demand" },
	{ "probe_pages_added_speculative", "summary: probes.total.pages_added_speculative" },
	{ "probe_pages_added_prefetch", "summary: probes.total.pages_added_prefetch" },
	{ "probe_block_read_bytes", "summary: probes.total.block_read_bytes, disk bytes read for the run's files (block requests attributed to a file by their first page); unlike dev_read_bytes it leaves out other activity on the machine" },
	{ "probe_prefetched_evicted_unread", "summary: probes.total.prefetch_unused_evicted, pages a prefetch (WILLNEED, readahead(2)) added that were evicted before anything read them: the prefetch waste that costs a second read" },
	{ "clients", "concurrent client threads that shared the repeat's queries (run.clients); qps is their combined throughput" },
	{ "batch", "queries per search call (workload.batch); every query of a batch has the batch's latency" },
	{ "per_client", "per client of the repeat: the queries it ran and their latency statistics (as latency_us)" },
	{ "results_digest", "sum over the queries of XXH3-64(the query's k result ids, seed = query id), hex: equal across strategies, clients and batches exactly when every query returned the same ids" },
	{ "summary", "per (strategy, clients) pair, each figure's median (mean of the middle two for an even count), min and max across its repeats; except the latency percentiles (p50_us ... max_us, mean_us): their 'median' is the percentile of every query of the repeats pooled (latency_samples of them; with workload.batch a search call counts once, its queries sharing its latency), min and max the per-repeat range; a percentile needs enough samples to be more than the maximum (p90: 10, p99: 100, p99.9: 1000) and is null otherwise" },
};



/* The figures summarised per strategy, in report order. */
const struct rep_fig_def rj_summary_figs[] = {
	{ "p50_us", offsetof(struct rep_figs, p50_us) },
	{ "p90_us", offsetof(struct rep_figs, p90_us) },
	{ "p99_us", offsetof(struct rep_figs, p99_us) },
	{ "p999_us", offsetof(struct rep_figs, p999_us) },
	{ "max_us", offsetof(struct rep_figs, max_us) },
	{ "mean_us", offsetof(struct rep_figs, mean_us) },
	{ "qps", offsetof(struct rep_figs, qps) },
	{ "recall", offsetof(struct rep_figs, recall) },
	{ "dev_read_bytes", offsetof(struct rep_figs, dev_read_bytes) },
	{ "proc_read_bytes", offsetof(struct rep_figs, proc_read_bytes) },
	{ "needed_bytes", offsetof(struct rep_figs, needed_bytes) },
	{ "read_amplification", offsetof(struct rep_figs, read_amplification) },
	{ "opt_bytes", offsetof(struct rep_figs, opt_bytes) },
	{ "bytes_x_opt", offsetof(struct rep_figs, x_opt) },
	{ "qps_pct_roofline", offsetof(struct rep_figs, pct_roofline) },
	{ "majflt", offsetof(struct rep_figs, majflt) },
	{ "minflt", offsetof(struct rep_figs, minflt) },
	{ "wall_s", offsetof(struct rep_figs, wall_s) },
	{ "probe_waste_ratio", offsetof(struct rep_figs, probe_waste_ratio) },
	{ "probe_pages_added_demand", offsetof(struct rep_figs, probe_added_demand) },
	{ "probe_pages_added_speculative", offsetof(struct rep_figs, probe_added_spec) },
	{ "probe_pages_added_prefetch", offsetof(struct rep_figs, probe_added_prefetch) },
	{ "probe_block_read_bytes", offsetof(struct rep_figs, probe_block_read_bytes) },
	{ "probe_prefetched_evicted_unread", offsetof(struct rep_figs, probe_prefetch_evicted_unread) },
	{ "io_wait_mean_us", offsetof(struct rep_figs, io_wait_mean_us) },
	{ "io_wait_total_us", offsetof(struct rep_figs, io_wait_total_us) },
};

const size_t rj_n_summary_figs = sizeof(rj_summary_figs) / sizeof(rj_summary_figs[0]);

json_object *rj_ju64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static json_object *jstr(const char *s, size_t maxlen)
{
	return json_object_new_string_len(s, (int)strnlen(s, maxlen));
}

/* Add v under key; *err records a failure. json-c owns v either way. */
void rj_put(json_object *o, const char *key, json_object *v, int *err)
{
	if (json_object_object_add(o, key, v))
		*err = -ENOMEM;
}

/* v, or NAN (null in the summary) when this kernel's probes cannot give figure. */
static double known(const struct rb_repeat_result *r, const char *figure, double v)
{
	const char *why;

	return probe_result__figure_known(&r->probes, figure, &why) ? v : NAN;
}

/* Per-query I/O wait: mean, p50, p99 (null below 100 queries), total; all NAN unmeasured. */
static void io_wait_figs(const struct rb_repeat_result *r, struct rep_figs *f)
{
	struct rb_latency_summary ls;

	f->io_wait_mean_us = f->io_wait_p50_us = f->io_wait_p99_us = f->io_wait_total_us = NAN;
	if (!r->io_wait_us || !r->n_queries || stats__summarize(r->io_wait_us, r->n_queries, &ls))
		return;
	f->io_wait_mean_us = ls.mean;
	f->io_wait_p50_us = ls.p50;
	f->io_wait_p99_us = ls.p99;
	f->io_wait_total_us = ls.mean * (double)r->n_queries;
}

/*
 * A repeat's latency samples as percentiles see them: with workload.batch every
 * query of a search call carries the call's latency, so the call counts once
 * (as rabench compare counts it). Copies into buf (n_queries long); how many.
 */
size_t rj_call_samples(const struct rb_repeat_result *r, double *buf)
{
	size_t step = r->batch > 1 ? (size_t)r->batch : 1, i, n = 0;

	for (i = 0; r->latency_us && i < r->n_queries; i += step)
		buf[n++] = r->latency_us[i];
	return n;
}

void rj_compute_figs(const struct rb_repeat_result *r, struct rep_figs *f)
{
	struct rb_latency_summary ls;
	double *calls = malloc((r->n_queries + 1) * sizeof(*calls));
	size_t i, nc = calls ? rj_call_samples(r, calls) : 0;

	for (i = 0; i < sizeof(*f) / sizeof(double); i++)
		((double *)f)[i] = NAN;
	if (nc && stats__summarize(calls, nc, &ls) == 0) {
		f->p50_us = ls.p50;
		f->p90_us = ls.p90;
		f->p99_us = ls.p99;
		f->p999_us = ls.p999;
		f->max_us = ls.max;
		f->min_us = ls.min;
		f->mean_us = ls.mean;
	}
	free(calls);
	f->qps = r->wall_s > 0 ? (double)r->n_queries / r->wall_s : NAN;
	f->recall = r->recall >= 0 ? r->recall : NAN;
	f->wall_s = r->wall_s;
	f->dev_read_bytes = (double)r->io.dev_read_bytes;
	f->proc_read_bytes = (double)r->io.proc_read_bytes;
	f->needed_bytes = (double)r->needed_bytes;
	f->read_amplification = r->needed_bytes ?
		(double)r->io.proc_read_bytes / (double)r->needed_bytes : NAN;
	f->opt_bytes = r->bounds.known ? (double)r->bounds.opt_bytes : NAN;
	f->x_opt = r->bounds.known && r->bounds.opt_bytes ?
		(double)r->io.proc_read_bytes / (double)r->bounds.opt_bytes : NAN;
	f->pct_roofline = r->bounds.known && r->bounds.roofline_qps > 0 ?
		100.0 * f->qps / r->bounds.roofline_qps : NAN;
	f->majflt = (double)r->io.majflt;
	f->minflt = (double)r->io.minflt;
	if (r->has_probes) {
		f->probe_waste_ratio = known(r, "waste_ratio",
					     probe_counts__waste_ratio(&r->probes.total));
		f->probe_added_demand = known(r, "pages_added_demand",
					      (double)r->probes.total.added_demand);
		f->probe_added_spec = known(r, "pages_added_speculative",
					    (double)r->probes.total.added_spec);
		f->probe_added_prefetch = known(r, "pages_added_prefetch",
						(double)r->probes.total.added_prefetch);
		f->probe_block_read_bytes = known(r, "block_read_bytes",
						  (double)r->probes.total.block_read_bytes);
		f->probe_prefetch_evicted_unread = known(r, "prefetch_unused_evicted",
							 (double)r->probes.total.prefetch_unused_evicted);
	}
	io_wait_figs(r, f);
}

/* STRLIST keys: the strategies list is read as the array it is. */
static json_object *strlist_value(const struct rb_config *cfg, const struct rb_key *k)
{
	json_object *a;
	char buf[RB_MAX_STRATEGIES * RB_NAME_MAX + 64];
	int i;

	if (k->offset != offsetof(struct rb_config, strategies)) {
		/* an unknown list: its text form is still better than nothing */
		config__format_value(cfg, k, buf, sizeof(buf));
		return json_object_new_string(buf);
	}
	a = json_object_new_array();
	for (i = 0; a && i < cfg->n_strategies && i < RB_MAX_STRATEGIES; i++)
		json_object_array_add(a, jstr(cfg->strategies[i], RB_NAME_MAX));
	return a;
}

/* The clients list (the only INTLIST) as an array of integers. */
static json_object *intlist_value(const struct rb_config *cfg)
{
	json_object *a = json_object_new_array();
	int i;

	for (i = 0; a && i < cfg->n_clients && i < RB_MAX_CLIENT_LEVELS; i++)
		json_object_array_add(a, json_object_new_int64(cfg->run_clients[i]));
	return a;
}

/* A key's value with its JSON type, read through the table's offset. */
static json_object *config_value(const struct rb_config *cfg, const struct rb_key *k)
{
	const char *p = (const char *)cfg + k->offset;
	char buf[RB_PATH_MAX + 64];
	int64_t i64;
	double d;
	bool b;

	switch (k->type) {
	case RB_KEY_STR:
	case RB_KEY_ENUM:
		return jstr(p, k->len);
	case RB_KEY_INT:
	case RB_KEY_SIZE:
		memcpy(&i64, p, sizeof(i64));
		return json_object_new_int64(i64);
	case RB_KEY_DOUBLE:
		memcpy(&d, p, sizeof(d));
		return report__json_double(d);
	case RB_KEY_BOOL:
		memcpy(&b, p, sizeof(b));
		return json_object_new_boolean(b);
	case RB_KEY_STRLIST:
		return strlist_value(cfg, k);
	case RB_KEY_INTLIST:
		return intlist_value(cfg);
	}
	config__format_value(cfg, k, buf, sizeof(buf));
	return json_object_new_string(buf);
}

static json_object *config_to_json(const struct rb_config *cfg, int *err)
{
	json_object *o = json_object_new_object();
	const struct rb_key *k;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	for (k = rb_config_keys; k->key; k++)
		rj_put(o, k->key, config_value(cfg, k), err);
	return o;
}

/* The probes' own definitions, as "probes.<field>". */
static void put_probe_definitions(json_object *o, int *err)
{
	json_object *defs = probes__definitions_to_json();
	char key[96];

	if (!defs) {
		*err = -ENOMEM;
		return;
	}
	json_object_object_foreach(defs, name, text) {
		snprintf(key, sizeof(key), "probes.%s", name);
		rj_put(o, key, json_object_get(text), err);
	}
	json_object_put(defs);
}

static json_object *definitions_to_json(int *err)
{
	json_object *o = json_object_new_object();
	size_t i;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < ARRAY_SIZE(metric_defs); i++)
		rj_put(o, metric_defs[i].name, json_object_new_string(metric_defs[i].text), err);
	put_probe_definitions(o, err);
	return o;
}

static json_object *latency_to_json(const struct rep_figs *f, int *err)
{
	json_object *o;

	if (!isfinite(f->p50_us))
		return NULL;            /* no samples: "latency_us": null */
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_put(o, "mean", report__json_double(f->mean_us), err);
	rj_put(o, "p50", report__json_double(f->p50_us), err);
	rj_put(o, "p90", report__json_double(f->p90_us), err);
	rj_put(o, "p99", report__json_double(f->p99_us), err);
	rj_put(o, "p999", report__json_double(f->p999_us), err);
	rj_put(o, "max", report__json_double(f->max_us), err);
	rj_put(o, "min", report__json_double(f->min_us), err);
	return o;
}

static json_object *samples_to_json(const struct rb_repeat_result *r, int *err)
{
	json_object *a = json_object_new_array_ext((int)r->n_queries);
	size_t i;

	if (!a) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < r->n_queries; i++)
		if (json_object_array_add(a, report__json_double(r->latency_us[i])))
			*err = -ENOMEM;
	return a;
}

/* A cgroup counter: null when this cgroup version does not have it. */
static json_object *jcounter(uint64_t v)
{
	return v == RB_MEMCG_UNKNOWN ? NULL : rj_ju64(v);
}

/* The repeat's memory cgroup, or null when it ran without one. */
static json_object *memcg_to_json(const struct rb_repeat_result *r, int *err)
{
	const struct rb_memcg_stats *m = &r->memcg;
	json_object *o;

	if (!r->has_memcg)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_put(o, "version", json_object_new_int(m->version), err);
	rj_put(o, "limit_bytes", jcounter(m->limit_bytes), err);
	rj_put(o, "peak_bytes", jcounter(m->peak_bytes), err);
	rj_put(o, "usage_bytes", jcounter(m->usage_bytes), err);
	rj_put(o, "file_bytes", jcounter(m->file_bytes), err);
	rj_put(o, "anon_bytes", jcounter(m->anon_bytes), err);
	rj_put(o, "pgscan", jcounter(m->pgscan), err);
	rj_put(o, "pgsteal", jcounter(m->pgsteal), err);
	rj_put(o, "pgpgout", jcounter(m->pgpgout), err);
	rj_put(o, "refault_file", jcounter(m->refault_file), err);
	rj_put(o, "pgmajfault", jcounter(m->pgmajfault), err);
	rj_put(o, "limit_hits", jcounter(m->limit_hits), err);
	rj_put(o, "oom_kills", jcounter(m->oom_kills), err);
	return o;
}

/* The strategy's own counters (bpf-prefetch's agent), absent when it has none. */
static void put_strategy_stats(json_object *o, const struct rb_strategy_stats *s, int *err)
{
	json_object *st;
	int i;

	if (s->n <= 0)
		return;
	st = json_object_new_object();
	if (!st) {
		*err = -ENOMEM;
		return;
	}
	for (i = 0; i < s->n && i < RB_STRATEGY_MAX_STATS; i++)
		rj_put(st, s->v[i].name, rj_ju64(s->v[i].value), err);
	rj_put(o, "strategy_stats", st, err);
}

/* Phase p's time in each query of r, summarised like latency_us. */
int rj_phase_summary(const struct rb_repeat_result *r, int p, struct rb_latency_summary *ls)
{
	double *v;
	size_t i;
	int rc;

	if (p >= r->n_phases || !r->phase_us || !r->n_queries)
		return -EINVAL;
	v = malloc(sizeof(*v) * r->n_queries);
	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->n_queries; i++)
		v[i] = r->phase_us[i * r->n_phases + p];
	rc = stats__summarize(v, r->n_queries, ls);
	free(v);
	return rc;
}

int rj_phase_io(const struct rb_repeat_result *r, int p, double *wait_total_us, double *majflt)
{
	size_t i;

	if (p >= r->n_phases || !r->phase_io_wait_us || !r->phase_majflt || !r->n_queries)
		return -EINVAL;
	*wait_total_us = 0;
	*majflt = 0;
	for (i = 0; i < r->n_queries; i++) {
		*wait_total_us += r->phase_io_wait_us[i * r->n_phases + p];	/* NaN stays NaN */
		*majflt += r->phase_majflt[i * r->n_phases + p];
	}
	return 0;
}

/* {"<phase>": {"io_wait_us": {"mean", "total"} or null, "majflt"}} for a multi-phase workload. */
static json_object *phase_io_to_json(const struct rb_repeat_result *r, int *err)
{
	json_object *o, *ph, *w;
	double total, majflt;
	int p;

	if (!r->n_phases || !r->phase_io_wait_us || !r->n_queries)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	for (p = 0; p < r->n_phases; p++) {
		if (rj_phase_io(r, p, &total, &majflt))
			continue;
		ph = json_object_new_object();
		w = isfinite(total) ? json_object_new_object() : NULL;
		if (!ph || (isfinite(total) && !w)) {
			json_object_put(ph);
			json_object_put(w);
			*err = -ENOMEM;
			continue;
		}
		if (w) {
			rj_put(w, "mean", report__json_double(total / (double)r->n_queries), err);
			rj_put(w, "total", report__json_double(total), err);
		}
		rj_put(ph, "io_wait_us", w, err);
		rj_put(ph, "majflt", report__json_double(majflt), err);
		rj_put(o, r->phase_names[p], ph, err);
	}
	return o;
}

/* {"<phase>": {mean, p50, ...}} for a multi-phase workload, else null. */
static json_object *phases_to_json(const struct rb_repeat_result *r, int *err)
{
	struct rb_latency_summary ls;
	struct rep_figs f;
	json_object *o;
	int p;

	if (!r->n_phases || !r->phase_us || !r->n_queries)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	for (p = 0; p < r->n_phases; p++) {
		if (rj_phase_summary(r, p, &ls)) {
			*err = -ENOMEM;
			continue;
		}
		f = (struct rep_figs){ .p50_us = ls.p50, .p90_us = ls.p90, .p99_us = ls.p99,
				       .p999_us = ls.p999, .max_us = ls.max, .min_us = ls.min,
				       .mean_us = ls.mean };
		rj_put(o, r->phase_names[p], latency_to_json(&f, err), err);
	}
	return o;
}

/* Each client's queries and latency: [{"client", "n_queries", "latency_us"}]. */
static json_object *per_client_to_json(const struct rb_repeat_result *r, int *err)
{
	json_object *a = json_object_new_array(), *o;
	struct rb_latency_summary ls;
	struct rep_figs f;
	double *v = calloc(r->n_queries + 1, sizeof(*v));
	size_t i, n;
	int c;

	if (!a || !v) {
		*err = -ENOMEM;
		free(v);
		return a;
	}
	for (c = 0; c < r->clients; c++) {
		for (i = 0, n = 0; r->client_of && i < r->n_queries; i++)
			if (r->client_of[i] == c)
				v[n++] = r->latency_us[i];
		for (i = 0; i < sizeof(f) / sizeof(double); i++)
			((double *)&f)[i] = NAN;
		if (stats__summarize(v, n, &ls) == 0)
			f = (struct rep_figs){ .p50_us = ls.p50, .p90_us = ls.p90, .p99_us = ls.p99,
					       .p999_us = ls.p999, .max_us = ls.max, .min_us = ls.min,
					       .mean_us = ls.mean };
		o = json_object_new_object();
		rj_put(o, "client", json_object_new_int(c), err);
		rj_put(o, "n_queries", rj_ju64(n), err);
		rj_put(o, "latency_us", n ? latency_to_json(&f, err) : NULL, err);
		if (!o || json_object_array_add(a, o))
			*err = -ENOMEM;
	}
	free(v);
	return a;
}

/* The external client's command line (`rabench run CONFIG -- CMD`), words joined; or null. */
static json_object *client_command(const struct rb_config *cfg)
{
	char buf[1024] = "";
	size_t off = 0;
	int i;

	if (!cfg->client_argv)
		return NULL;
	for (i = 0; cfg->client_argv[i] && off < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " " : "",
					cfg->client_argv[i]);
	return json_object_new_string(buf);
}

/* {"mean", "p50", "p99", "total"} of the repeat's per-query I/O wait, or null. */
static json_object *io_wait_to_json(const struct rep_figs *f, int *err)
{
	json_object *o;

	if (!isfinite(f->io_wait_total_us))
		return NULL;
	o = json_object_new_object();
	rj_put(o, "mean", report__json_double(f->io_wait_mean_us), err);
	rj_put(o, "p50", report__json_double(f->io_wait_p50_us), err);
	rj_put(o, "p99", report__json_double(f->io_wait_p99_us), err);
	rj_put(o, "total", report__json_double(f->io_wait_total_us), err);
	return o;
}

/* One column of the timeline: field of every sample (its offset in the struct). */
static json_object *column(const struct rb_timeline *t, size_t off, int *err)
{
	json_object *a = json_object_new_array_ext((int)t->n);
	uint64_t v;
	size_t i;

	for (i = 0; a && i < t->n; i++) {
		memcpy(&v, (const char *)&t->s[i] + off, sizeof(v));
		json_object_array_add(a, json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v));
	}
	if (!a)
		*err = -ENOMEM;
	return a;
}

/* Columns of equal length; the probe ones null when the probes did not run. */
static json_object *timeline_to_json(const struct rb_timeline *t, int *err)
{
	static const struct { const char *name; size_t off; bool probe; } cols[] = {
		{ "queries", offsetof(struct rb_timeline_sample, queries), false },
		{ "read_bytes", offsetof(struct rb_timeline_sample, read_bytes), false },
		{ "major_faults", offsetof(struct rb_timeline_sample, majflt), false },
		{ "added_demand", offsetof(struct rb_timeline_sample, added_demand), true },
		{ "added_speculative", offsetof(struct rb_timeline_sample, added_spec), true },
		{ "added_prefetch", offsetof(struct rb_timeline_sample, added_prefetch), true },
		{ "lookups", offsetof(struct rb_timeline_sample, lookups), true },
		{ "hits", offsetof(struct rb_timeline_sample, hits), true },
	};
	json_object *o, *ts;
	size_t i;

	if (!t->n)
		return NULL;
	o = json_object_new_object();
	ts = json_object_new_array_ext((int)t->n);
	for (i = 0; i < t->n; i++)
		json_object_array_add(ts, json_object_new_int64((int64_t)(t->s[i].t_s * 1000 + 0.5)));
	rj_put(o, "interval_ms", json_object_new_int(t->interval_ms), err);
	rj_put(o, "truncated", json_object_new_boolean(t->truncated), err);
	rj_put(o, "t_ms", ts, err);
	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		rj_put(o, cols[i].name, cols[i].probe && !t->has_probes ? NULL : column(t, cols[i].off, err),
		    err);
	return o;
}

static json_object *bounds_to_json(const struct rb_repeat_result *r, const struct rep_figs *f,
				   int *err)
{
	const struct rb_bounds *b = &r->bounds;
	json_object *o;

	if (!b->known)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_put(o, "trace_pages", rj_ju64(b->trace_pages), err);
	rj_put(o, "unique_bytes", rj_ju64(b->unique_bytes), err);
	rj_put(o, "opt_bytes", rj_ju64(b->opt_bytes), err);
	rj_put(o, "lru_bytes", rj_ju64(b->lru_bytes), err);
	rj_put(o, "room_bytes", b->room_bytes ? rj_ju64(b->room_bytes) : NULL, err);
	rj_put(o, "roofline_qps", report__json_double(b->roofline_qps), err);
	rj_put(o, "compute_qps", report__json_double(b->compute_qps), err);
	rj_put(o, "x_opt", report__json_double(f->x_opt), err);
	rj_put(o, "pct_roofline", report__json_double(f->pct_roofline), err);
	return o;
}

static json_object *repeat_to_json(const struct rb_repeat_result *r, int *err)
{
	char digest[20];
	json_object *o = json_object_new_object();
	struct rep_figs f;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_compute_figs(r, &f);
	rj_put(o, "strategy", jstr(r->strategy, RB_NAME_MAX), err);
	rj_put(o, "repeat", json_object_new_int(r->repeat), err);
	rj_put(o, "order", json_object_new_int(r->order), err);
	rj_put(o, "clients", json_object_new_int(r->clients), err);
	rj_put(o, "batch", json_object_new_int(r->batch), err);
	rj_put(o, "n_queries", rj_ju64(r->n_queries), err);
	rj_put(o, "wall_s", report__json_double(r->wall_s), err);
	rj_put(o, "open_s", report__json_double(r->open_s), err);
	rj_put(o, "qps", report__json_double(f.qps), err);
	rj_put(o, "recall", report__json_double(f.recall), err);
	rj_put(o, "latency_us", latency_to_json(&f, err), err);
	rj_put(o, "latency_samples_us", samples_to_json(r, err), err);
	rj_put(o, "io_wait_us", io_wait_to_json(&f, err), err);
	rj_put(o, "phases", phases_to_json(r, err), err);
	rj_put(o, "phase_io", phase_io_to_json(r, err), err);
	rj_put(o, "per_client", per_client_to_json(r, err), err);
	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)r->results_digest);
	rj_put(o, "results_digest", json_object_new_string(digest), err);
	rj_put(o, "dev_read_bytes", rj_ju64(r->io.dev_read_bytes), err);
	rj_put(o, "dev_read_ios", rj_ju64(r->io.dev_read_ios), err);
	rj_put(o, "proc_read_bytes", rj_ju64(r->io.proc_read_bytes), err);
	rj_put(o, "proc_rchar", rj_ju64(r->io.proc_rchar), err);
	rj_put(o, "majflt", rj_ju64(r->io.majflt), err);
	rj_put(o, "minflt", rj_ju64(r->io.minflt), err);
	rj_put(o, "needed_bytes", rj_ju64(r->needed_bytes), err);
	rj_put(o, "needed_bytes_sum", rj_ju64(r->needed_bytes_sum), err);
	rj_put(o, "read_amplification", report__json_double(f.read_amplification), err);
	rj_put(o, "bounds", bounds_to_json(r, &f, err), err);
	rj_put(o, "resident_pages_before", rj_ju64(r->resident_pages_before), err);
	rj_put(o, "memcg", memcg_to_json(r, err), err);
	rj_put(o, "probes", r->has_probes ? probes__result_to_json(&r->probes) : NULL, err);
	rj_put(o, "timeline", timeline_to_json(&r->timeline, err), err);
	put_strategy_stats(o, &r->strategy_stats, err);
	return o;
}

static json_object *dataset_to_json(const struct rb_run *run, int *err)
{
	json_object *o = json_object_new_object();

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_put(o, "dir", jstr(run->dataset_dir, RB_PATH_MAX), err);
	rj_put(o, "index_dir", jstr(run->index_dir, RB_PATH_MAX), err);
	rj_put(o, "files_bytes", rj_ju64(run->files_bytes), err);
	/* counted apart from needed_bytes, which holds the chunks' own pages */
	rj_put(o, "store_interior_bytes", run->store_interior_bytes < 0 ? NULL :
	    rj_ju64((uint64_t)run->store_interior_bytes), err);
	return o;
}

static json_object *repeats_to_json(const struct rb_run *run, int *err)
{
	json_object *a = json_object_new_array_ext((int)run->n_repeats);
	size_t i;

	if (!a) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < run->n_repeats; i++)
		if (json_object_array_add(a, repeat_to_json(&run->repeats[i], err)))
			*err = -ENOMEM;
	return a;
}

/* [{"name", "reason"}] of the configured strategies that could not run here. */
static json_object *skipped_to_json(const struct rb_run *run, int *err)
{
	json_object *arr = json_object_new_array(), *o;
	int i;

	if (!arr) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < run->n_skipped; i++) {
		o = json_object_new_object();
		rj_put(o, "name", jstr(run->skipped[i], sizeof(run->skipped[i])), err);
		rj_put(o, "reason", jstr(run->skipped_reason[i], sizeof(run->skipped_reason[i])), err);
		if (!o || json_object_array_add(arr, o))
			*err = -ENOMEM;
	}
	return arr;
}

/* {"qps", "from", "warm_pass_qps", "warm_pass_note"}: what capped the rooflines. */
static json_object *ceiling_to_json(const struct rb_run *run, int *err)
{
	json_object *o = json_object_new_object();
	double qps = run->n_repeats ? run->repeats[0].bounds.compute_qps : NAN;

	if (!o) {
		*err = -ENOMEM;
		return NULL;
	}
	rj_put(o, "qps", report__json_double(qps), err);
	rj_put(o, "from", json_object_new_string(run->ceiling_from && isfinite(qps) ?
						 run->ceiling_from : ""), err);
	rj_put(o, "warm_pass_qps", report__json_double(run->warm_pass_qps > 0 ?
							run->warm_pass_qps : NAN), err);
	rj_put(o, "warm_pass_note", jstr(run->warm_pass_note, sizeof(run->warm_pass_note)), err);
	return o;
}

json_object *report__to_json(const struct rb_run *run)
{
	json_object *doc, *env;
	int err = 0;

	if (!run)
		return NULL;
	doc = json_object_new_object();
	if (!doc)
		return NULL;
	env = env__to_json(&run->env);
	if (!env)
		err = -ENOMEM;
	rj_put(doc, "schema_version", json_object_new_int(RB_REPORT_SCHEMA_VERSION), &err);
	rj_put(doc, "tool", json_object_new_string("rabench"), &err);
	rj_put(doc, "complete", json_object_new_boolean(run->complete), &err);
	rj_put(doc, "started", jstr(run->started, sizeof(run->started)), &err);
	rj_put(doc, "config_source", jstr(run->cfg.source, RB_PATH_MAX), &err);
	rj_put(doc, "environment", env, &err);
	rj_put(doc, "config", config_to_json(&run->cfg, &err), &err);
	rj_put(doc, "dataset", dataset_to_json(run, &err), &err);
	rj_put(doc, "skipped_strategies", skipped_to_json(run, &err), &err);
	rj_put(doc, "probes_available", json_object_new_boolean(run->probes_available), &err);
	rj_put(doc, "client_command", client_command(&run->cfg), &err);
	rj_put(doc, "compute_ceiling", ceiling_to_json(run, &err), &err);
	rj_put(doc, "io_wait_available", json_object_new_boolean(run->io_wait_available), &err);
	rj_put(doc, "io_wait_unavailable_reason",
	    jstr(run->io_wait_available ? "" : run->io_wait_reason, sizeof(run->io_wait_reason)), &err);
	rj_put(doc, "probes_unavailable_reason", jstr(run->probes_reason, sizeof(run->probes_reason)),
	    &err);
	rj_put(doc, "metrics_definitions", definitions_to_json(&err), &err);
	rj_put(doc, "repeats", repeats_to_json(run, &err), &err);
	rj_put(doc, "summary", rj_summary_to_json(run, &err), &err);
	if (err) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}
