/*
 * report_merge — several saved runs in one comparison table (`rabench report
 * A.json B.json ...`): one row per run and strategy, medians across repeats,
 * so a sweep over kernels, devices or configs reads as one table. The counters
 * form (`--counters`, scripts/kernel-matrix.sh) labels runs by kernel and shows
 * no time at all: runs under emulation have no comparable times.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

static void row(FILE *out, const char *label, json_object *strategies, json_object *s)
{
	char name[RB_NAME_MAX + 32];

	fprintf(out, "| %s | %s | %.3f | %.3f | %.1f | %.3f | %.1f | %.2f | %.0f |\n", label,
		report__entry_label(strategies, s, name, sizeof(name)),
		report__median(s, "p50_us") / 1000, report__median(s, "p99_us") / 1000,
		report__median(s, "qps"), report__median(s, "recall"),
		report__median(s, "proc_read_bytes") / 1048576,
		report__median(s, "read_amplification"), report__median(s, "majflt"));
}

static void run_line(FILE *out, const char *label, json_object *r)
{
	json_object *env = report__get(r, "environment");

	fprintf(out, "- %s: `%s`, started %s, kernel %s, read_ahead_kb %s\n", label,
		json_object_get_string(report__get(report__get(r, "config"), "name")),
		json_object_get_string(report__get(r, "started")),
		json_object_get_string(report__get(env, "kernel")),
		json_object_get_string(report__get(env, "read_ahead_kb")));
}

int report__render_merged_md(json_object *const *reports, const char *const *labels, size_t n,
			     FILE *out)
{
	json_object *strategies;
	size_t i, j;

	fprintf(out, "# rabench: %zu runs compared\n\n", n);
	fprintf(out, "Medians across each run's repeats.\n\n");
	fprintf(out, "| run | strategy | p50 ms | p99 ms | qps | recall | process MiB read "
		"| amplification | major faults |\n");
	fprintf(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < n; i++) {
		strategies = report__get(report__get(reports[i], "summary"), "strategies");
		if (!strategies)
			return -EINVAL;
		for (j = 0; j < json_object_array_length(strategies); j++)
			row(out, labels[i], strategies, json_object_array_get_idx(strategies, j));
	}
	fprintf(out, "\nRuns:\n\n");
	for (i = 0; i < n; i++)
		run_line(out, labels[i], reports[i]);
	return ferror(out) ? -EIO : 0;
}

/* A median cell: "-" when the figure is null (not measured, e.g. no probes). */
static void cell(FILE *out, json_object *s, const char *key, double scale, const char *fmt)
{
	json_object *v = report__get(report__get(s, key), "median");

	if (!v || json_object_get_type(v) == json_type_null) {
		fprintf(out, " - |");
		return;
	}
	fprintf(out, " ");
	fprintf(out, fmt, json_object_get_double(v) / scale);
	fprintf(out, " |");
}

static void counters_row(FILE *out, const char *kernel, json_object *strategies, json_object *s)
{
	char name[RB_NAME_MAX + 32];

	fprintf(out, "| %s | %s |", report__entry_label(strategies, s, name, sizeof(name)), kernel);
	cell(out, s, "proc_read_bytes", 1048576, "%.1f");
	cell(out, s, "needed_bytes", 1048576, "%.1f");
	cell(out, s, "read_amplification", 1, "%.2f");
	cell(out, s, "majflt", 1, "%.0f");
	cell(out, s, "minflt", 1, "%.0f");
	cell(out, s, "probe_pages_added_demand", 1, "%.0f");
	cell(out, s, "probe_pages_added_speculative", 1, "%.0f");
	cell(out, s, "probe_pages_added_prefetch", 1, "%.0f");
	cell(out, s, "probe_waste_ratio", 0.01, "%.1f %%");
	fprintf(out, "\n");
}

/* How the probes were attached in the run's first repeat that has them. */
static void attach_line(FILE *out, const char *kernel, json_object *r)
{
	json_object *reps = report__get(r, "repeats"), *att = NULL, *nul = NULL;
	size_t i;

	for (i = 0; reps && !att && i < json_object_array_length(reps); i++) {
		json_object *p = report__get(json_object_array_get_idx(reps, i), "probes");

		att = report__get(p, "attach");
		nul = report__get(p, "null_figures");
	}
	fprintf(out, "- %s: ", kernel);
	if (!att) {
		fprintf(out, "no probes (%s)\n",
			json_object_get_string(report__get(r, "probes_unavailable_reason")));
		return;
	}
	json_object_object_foreach(att, hook, a) {
		fprintf(out, "%s `%s`, ", hook,
			json_object_get_string(report__get(a, "mechanism")));
	}
	fprintf(out, "%d null figure(s); readahead tracepoints %s\n",
		nul ? json_object_object_length(nul) : 0,
		json_object_get_boolean(report__get(report__get(report__get(
			json_object_array_get_idx(reps, 0), "probes"), "kernel"),
			"readahead_tracepoints")) ? "yes" : "no");
}

int report__render_counters_md(json_object *const *reports, size_t n, FILE *out)
{
	json_object *strategies, *first, *s;
	const char *kernel, *name;
	size_t i, j, k;

	fprintf(out, "# rabench: one config on %zu kernels, counters only\n\n", n);
	fprintf(out, "Medians across each run's repeats. No times: runs under emulation (qemu "
		"TCG) are many times slower than on hardware, so their latencies and throughput "
		"say nothing about the kernel. Bytes, faults and pages depend on the kernel's "
		"readahead, not on the speed of the CPU: those compare. '-' = not measured "
		"(see the attach lines).\n\n");
	fprintf(out, "| strategy | kernel | process MiB read | MiB needed | amplification "
		"| major faults | minor faults | demand pages | speculative pages "
		"| prefetched pages | readahead waste |\n");
	fprintf(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
	first = report__get(report__get(reports[0], "summary"), "strategies");
	if (!first)
		return -EINVAL;
	/* grouped by strategy (the first run's order), one row per kernel */
	for (j = 0; j < json_object_array_length(first); j++) {
		name = json_object_get_string(report__get(json_object_array_get_idx(first, j), "name"));
		for (i = 0; i < n; i++) {
			strategies = report__get(report__get(reports[i], "summary"), "strategies");
			kernel = json_object_get_string(report__get(report__get(reports[i],
							"environment"), "kernel"));
			for (k = 0; strategies && k < json_object_array_length(strategies); k++) {
				s = json_object_array_get_idx(strategies, k);
				if (!strcmp(json_object_get_string(report__get(s, "name")), name))
					counters_row(out, kernel ? kernel : "?", strategies, s);
			}
		}
	}
	fprintf(out, "\nProbe attach mechanisms per kernel:\n\n");
	for (i = 0; i < n; i++)
		attach_line(out, json_object_get_string(report__get(report__get(reports[i],
			    "environment"), "kernel")), reports[i]);
	fprintf(out, "\nRuns:\n\n");
	for (i = 0; i < n; i++)
		run_line(out, json_object_get_string(report__get(report__get(reports[i],
			 "environment"), "kernel")), reports[i]);
	return ferror(out) ? -EIO : 0;
}
