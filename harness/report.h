/*
 * report — the report model and its writers. A run's raw figures live in struct
 * rb_run; report__to_json turns them (plus summaries) into the report.json
 * document, and every other format (report.md, the terminal table) is rendered
 * from that JSON, so `rabench report old.json` redraws any saved run.
 * The schema is documented in harness/report-schema.md and, machine-checkable,
 * in harness/report.schema.json.
 */
#ifndef RB_REPORT_H
#define RB_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "config.h"
#include "timeline.h"
#include "env.h"
#include "memcg.h"
#include "metrics.h"
#include "stats.h"
#include "strategy.h"
#include "../bpf/probes.h"

#define RB_REPORT_SCHEMA_VERSION 1

/* Raw figures of one repeat of one strategy. */
struct rb_repeat_result {
	char strategy[RB_NAME_MAX];
	int repeat;                /* 0-based repeat number of this strategy */
	int order;                 /* 0-based position in the interleaved schedule */
	int clients;               /* concurrent clients that shared the queries */
	int batch;                 /* queries per search call (workload.batch) */
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
};

struct rb_run {
	struct rb_config cfg;
	struct rb_env env;
	char started[40];          /* ISO 8601 UTC */
	char dataset_dir[RB_PATH_MAX];
	char index_dir[RB_PATH_MAX];
	uint64_t files_bytes;      /* total size of the files the workload reads */
	struct rb_repeat_result *repeats;
	size_t n_repeats;
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

/* The full report.json document. Caller owns the result (json_object_put). */
json_object *report__to_json(const struct rb_run *run);

/* Helpers for renderers: member key of o (NULL if o or it is absent), and the
 * median of a summary figure {"median": ...} (NAN when absent or null). */
json_object *report__get(json_object *o, const char *key);
double report__median(json_object *strategy, const char *key);
/* A double as the shortest text that reads back to it; NaN/inf -> NULL (JSON null). */
json_object *report__json_double(double v);

/*
 * Summary entries are (strategy, clients) pairs. The entry's clients level (1
 * when the report predates clients), the distinct levels ascending (up to max;
 * how many), the entry of (name, clients) or NULL, and a label for tables:
 * "name" in a single-client report, "name, 4 clients" otherwise.
 */
int report__entry_clients(json_object *entry);
int report__client_levels(json_object *strategies, int *levels, int max);
json_object *report__entry(json_object *strategies, const char *name, int clients);
const char *report__entry_label(json_object *strategies, json_object *entry, char *buf,
				size_t len);

/* Read and check a report.json (schema_version, required fields). */
int report__load(const char *path, json_object **out, char *err, size_t errlen);

/* Markdown report rendered from the JSON document. */
int report__render_md(json_object *report, FILE *out);

/* report.html: self-contained page with inline SVG charts, from the JSON document. */
int report__render_html(json_object *report, FILE *out);
/* Pieces of report.html other files draw (report_timeline.c): text escaped for HTML, a series' colour. */
void report_html__escape(FILE *out, const char *s);
const char *report_html__color(size_t i);
/* The Timeline section of report.html (report_timeline.c): small multiples from repeats[].timeline. */
void report_html__timeline(FILE *out, json_object *report);

/* report.csv: one row per repeat, from the JSON document. */
int report__render_csv(json_object *report, FILE *out);

/* Several runs in one markdown table (labels name the runs, e.g. "#1"). */
int report__render_merged_md(json_object *const *reports, const char *const *labels, size_t n,
			     FILE *out);

/* Several runs of one config on different kernels: counters only, no times (--counters). */
int report__render_counters_md(json_object *const *reports, size_t n, FILE *out);

/* The side-by-side comparison table for the terminal, from the JSON document. */
int report__print_table(json_object *report, FILE *out);

/* Write text to dir/name atomically (temporary name, fsync, rename). */
int report__write_atomic(const char *dir, const char *name, const char *text, char *err, size_t errlen);

#endif
