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

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static double med(json_object *s, const char *key)
{
	json_object *m = get(get(s, key), "median");

	return m && !json_object_is_type(m, json_type_null) ? json_object_get_double(m) : NAN;
}

static void row(FILE *out, const char *label, json_object *s)
{
	fprintf(out, "| %s | %s | %.3f | %.3f | %.1f | %.3f | %.1f | %.2f | %.0f |\n", label,
		json_object_get_string(get(s, "name")), med(s, "p50_us") / 1000, med(s, "p99_us") / 1000,
		med(s, "qps"), med(s, "recall"), med(s, "proc_read_bytes") / 1048576,
		med(s, "read_amplification"), med(s, "majflt"));
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
		strategies = get(get(reports[i], "summary"), "strategies");
		if (!strategies)
			return -EINVAL;
		for (j = 0; j < json_object_array_length(strategies); j++)
			row(out, labels[i], json_object_array_get_idx(strategies, j));
	}
	fprintf(out, "\nRuns:\n\n");
	for (i = 0; i < n; i++)
		fprintf(out, "- %s: `%s`, started %s, kernel %s, read_ahead_kb %s\n", labels[i],
			json_object_get_string(get(get(reports[i], "config"), "name")),
			json_object_get_string(get(reports[i], "started")),
			json_object_get_string(get(get(reports[i], "environment"), "kernel")),
			json_object_get_string(get(get(reports[i], "environment"), "read_ahead_kb")));
	return ferror(out) ? -EIO : 0;
}
