/*
 * report_merge — several saved runs in one comparison table (`rabench report
 * A.json B.json ...`): one row per run and strategy, medians across repeats,
 * so a sweep over kernels, devices or configs reads as one table.
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
