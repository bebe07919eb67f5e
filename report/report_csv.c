/*
 * report_csv — report.csv: one row per repeat with the raw figures, for
 * spreadsheets; rendered from the report.json document like every other format.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

/* column name = field of a repeat, or "latency_us.<p>" for a percentile */
static const char *const columns[] = {
	"strategy", "repeat", "order", "clients", "batch", "n_queries", "wall_s", "qps", "recall",
	"latency_us.p50", "latency_us.p90", "latency_us.p99", "latency_us.p999", "latency_us.max",
	"latency_us.mean", "proc_read_bytes", "dev_read_bytes", "needed_bytes", "needed_bytes_sum",
	"read_amplification", "majflt", "minflt", "results_digest", NULL,
};

static json_object *field(json_object *repeat, const char *col)
{
	const char *dot = strchr(col, '.');
	json_object *v = NULL, *inner = NULL;
	char head[32];

	if (!dot) {
		json_object_object_get_ex(repeat, col, &v);
		return v;
	}
	snprintf(head, sizeof(head), "%.*s", (int)(dot - col), col);
	if (json_object_object_get_ex(repeat, head, &inner))
		json_object_object_get_ex(inner, dot + 1, &v);
	return v;
}

/* Strategy names are [a-z-]; quote anyway so a future name with a comma stays one cell. */
static void cell(FILE *out, json_object *v)
{
	if (!v || json_object_is_type(v, json_type_null))
		return;
	if (json_object_is_type(v, json_type_string))
		fprintf(out, "\"%s\"", json_object_get_string(v));
	else
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), out);
}

int report__render_csv(json_object *report, FILE *out)
{
	json_object *repeats = NULL, *r;
	size_t i, c;

	if (!json_object_object_get_ex(report, "repeats", &repeats))
		return -EINVAL;
	for (c = 0; columns[c]; c++)
		fprintf(out, "%s%s", c ? "," : "", columns[c]);
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(repeats); i++) {
		r = json_object_array_get_idx(repeats, i);
		for (c = 0; columns[c]; c++) {
			if (c)
				fputc(',', out);
			cell(out, field(r, columns[c]));
		}
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
