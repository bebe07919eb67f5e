/*
 * report_json_int — what report_json.c (the document) and report_summary.c (its
 * summary) share: a repeat's figures as doubles, the table of summarised figures,
 * the JSON helpers. No other file includes it.
 */
#ifndef RB_REPORT_JSON_INT_H
#define RB_REPORT_JSON_INT_H

#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "report.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* One repeat's figures as doubles; NAN means "not computable" (JSON null). */
struct rep_figs {
	double p50_us, p90_us, p99_us, p999_us, max_us, min_us, mean_us;
	double qps, recall, wall_s;
	double dev_read_bytes, proc_read_bytes, needed_bytes, read_amplification;
	double opt_bytes, x_opt, pct_roofline; /* the bounds (NaN: not known) */
	double majflt, minflt;
	double probe_waste_ratio, probe_added_demand, probe_added_spec, probe_added_prefetch;
	double probe_block_read_bytes, probe_prefetch_evicted_unread;
	double io_wait_mean_us, io_wait_p50_us, io_wait_p99_us, io_wait_total_us;
};

struct rep_fig_def {
	const char *name;
	size_t offset;
};

/* The figures summarised per strategy, in report order (report_json.c). */
extern const struct rep_fig_def rj_summary_figs[];
extern const size_t rj_n_summary_figs;

/* The byte counter CI gates use: exact run to run. */
#define GATE_COUNTER "proc_read_bytes"

/* report_json.c */
json_object *rj_ju64(uint64_t v);
void rj_put(json_object *o, const char *key, json_object *v, int *err);
size_t rj_call_samples(const struct rb_repeat_result *r, double *buf);
void rj_compute_figs(const struct rb_repeat_result *r, struct rep_figs *f);
int rj_phase_summary(const struct rb_repeat_result *r, int p, struct rb_latency_summary *ls);
/* Phase p's I/O wait (NaN: not measured) and major faults over r's queries; -EINVAL: no phases. */
int rj_phase_io(const struct rb_repeat_result *r, int p, double *wait_total_us, double *majflt);

/* report_summary.c */
json_object *rj_summary_to_json(const struct rb_run *run, int *err);

#endif
