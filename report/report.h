/*
 * report — the report model and its writers. A run's raw figures live in struct
 * rb_run; report__to_json turns them (plus summaries) into the report.json
 * document, and every other format (report.md, the terminal table) is rendered
 * from that JSON, so `rabench report old.json` redraws any saved run.
 * The schema is documented in report/report-schema.md and, machine-checkable,
 * in report/report.schema.json.
 */
#ifndef RB_REPORT_H
#define RB_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "harness/result.h"

#define RB_REPORT_SCHEMA_VERSION 1

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
