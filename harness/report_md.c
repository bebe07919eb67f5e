/*
 * report_md — report.md and the terminal summary table, rendered from the
 * report.json document only (never from struct rb_run), so `rabench report
 * old.json` redraws any saved run exactly as it was written.
 *
 * Units for people: latencies in ms (3 decimals below 10 ms, 2 below 100, then
 * 1), bytes in MiB with 1 decimal. Summary cells are "median (min..max)" across
 * repeats; a single repeat, or a range that rounds away, shows the value alone.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define CELL_MAX 96

typedef void (*fmt_fn)(double v, char *buf, size_t len);

static void fmt_ms(double us, char *buf, size_t len)
{
	double ms = us / 1000.0;

	if (ms >= 100)
		snprintf(buf, len, "%.1f", ms);
	else if (ms >= 10)
		snprintf(buf, len, "%.2f", ms);
	else
		snprintf(buf, len, "%.3f", ms);
}

static void fmt_mib(double bytes, char *buf, size_t len)
{
	snprintf(buf, len, "%.1f", bytes / (1024.0 * 1024.0));
}

static void fmt_qps(double v, char *buf, size_t len)
{
	snprintf(buf, len, v >= 100 ? "%.0f" : "%.1f", v);
}

static void fmt_recall(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.3f", v);
}

static void fmt_ratio(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.2f", v);
}

static void fmt_secs(double v, char *buf, size_t len)
{
	snprintf(buf, len, "%.3f", v);
}

/* Counts are integers, but a median of an even number of them may end in .5. */
static void fmt_count(double v, char *buf, size_t len)
{
	snprintf(buf, len, v == floor(v) ? "%.0f" : "%.1f", v);
}

/* A column of a table: header, dotted path of the figure, formatter (NULL: text). */
struct column {
	const char *md_header;
	const char *tty_header;
	const char *path;
	fmt_fn fmt;
};

/* The summary comparison, one row per strategy; paths are summary figures. */
static const struct column summary_cols[] = {
	{ "p50 latency ms", "p50 ms", "p50_us", fmt_ms },
	{ "p99 latency ms", "p99 ms", "p99_us", fmt_ms },
	{ "p99.9 latency ms", "p99.9 ms", "p999_us", fmt_ms },
	{ "qps", "qps", "qps", fmt_qps },
	{ "recall@k", "recall", "recall", fmt_recall },
	{ "device MiB read", "dev MiB", "dev_read_bytes", fmt_mib },
	{ "process MiB read", "proc MiB", "proc_read_bytes", fmt_mib },
	{ "needed MiB", "need MiB", "needed_bytes", fmt_mib },
	{ "amplification", "amp", "read_amplification", fmt_ratio },
	{ "major faults", "majflt", "majflt", fmt_count },
	{ "minor faults", "minflt", "minflt", fmt_count },
};

/* The raw per-repeat table; paths are fields of a repeats[] entry. */
static const struct column repeat_cols[] = {
	{ "order", NULL, "order", fmt_count },
	{ "strategy", NULL, "strategy", NULL },
	{ "repeat", NULL, "repeat", fmt_count },
	{ "queries", NULL, "n_queries", fmt_count },
	{ "open s", NULL, "open_s", fmt_secs },
	{ "wall s", NULL, "wall_s", fmt_secs },
	{ "qps", NULL, "qps", fmt_qps },
	{ "recall", NULL, "recall", fmt_recall },
	{ "mean ms", NULL, "latency_us.mean", fmt_ms },
	{ "p50 ms", NULL, "latency_us.p50", fmt_ms },
	{ "p90 ms", NULL, "latency_us.p90", fmt_ms },
	{ "p99 ms", NULL, "latency_us.p99", fmt_ms },
	{ "p99.9 ms", NULL, "latency_us.p999", fmt_ms },
	{ "max ms", NULL, "latency_us.max", fmt_ms },
	{ "device MiB", NULL, "dev_read_bytes", fmt_mib },
	{ "device IOs", NULL, "dev_read_ios", fmt_count },
	{ "process MiB", NULL, "proc_read_bytes", fmt_mib },
	{ "rchar MiB", NULL, "proc_rchar", fmt_mib },
	{ "needed MiB", NULL, "needed_bytes", fmt_mib },
	{ "needed sum MiB", NULL, "needed_bytes_sum", fmt_mib },
	{ "amplification", NULL, "read_amplification", fmt_ratio },
	{ "major faults", NULL, "majflt", fmt_count },
	{ "minor faults", NULL, "minflt", fmt_count },
	{ "resident pages before", NULL, "resident_pages_before", fmt_count },
};

/* o["a"]["b"] for path "a.b"; NULL when any step is missing or not an object. */
static json_object *lookup(json_object *o, const char *path)
{
	char key[64];
	const char *dot;
	size_t n;

	while (o && json_object_is_type(o, json_type_object)) {
		dot = strchr(path, '.');
		n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		if (!dot)
			return o;
		path = dot + 1;
	}
	return NULL;
}

static bool number(json_object *o, double *v)
{
	if (!o || !(json_object_is_type(o, json_type_double) ||
		    json_object_is_type(o, json_type_int)))
		return false;
	*v = json_object_get_double(o);
	return true;
}

static const char *text(json_object *o, const char *path)
{
	json_object *v = lookup(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

/* Markdown table text: a '|' would split the cell, a newline the row. */
static void md_escape(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

/* A scalar cell: formatted number, the text, or "-" for null/missing. */
static void value_cell(json_object *o, const struct column *c, char *buf, size_t len)
{
	json_object *v = lookup(o, c->path);
	double d;

	if (!c->fmt && v && json_object_is_type(v, json_type_string))
		snprintf(buf, len, "%s", json_object_get_string(v));
	else if (c->fmt && number(v, &d))
		c->fmt(d, buf, len);
	else
		snprintf(buf, len, "-");
}

/*
 * A summary cell: "median (min..max)"; the median alone for one repeat or when
 * the range vanishes at the shown precision; "-" for null.
 */
static void spread_cell(json_object *fig, fmt_fn fmt, bool with_range, char *buf, size_t len)
{
	char med[32], lo[32], hi[32];
	double m, a, b;

	if (!number(lookup(fig, "median"), &m)) {
		snprintf(buf, len, "-");
		return;
	}
	fmt(m, med, sizeof(med));
	if (!with_range || !number(lookup(fig, "min"), &a) || !number(lookup(fig, "max"), &b)) {
		snprintf(buf, len, "%s", med);
		return;
	}
	fmt(a, lo, sizeof(lo));
	fmt(b, hi, sizeof(hi));
	if (strcmp(lo, hi) == 0) {
		snprintf(buf, len, "%s", med);     /* no spread at this precision */
		return;
	}
	if (snprintf(buf, len, "%s (%s..%s)", med, lo, hi) >= (int)len)
		snprintf(buf, len, "%s", med);     /* no room for the range */
}

/* "recall@10" when the config says k, else the generic header. */
static const char *header(json_object *report, const char *h, char *buf, size_t len)
{
	double k;

	json_object *cfg = lookup(report, "config"), *kv = NULL;

	/* config keys contain dots themselves, so no dotted lookup() here */
	if (strcmp(h, "recall@k") || !cfg || !json_object_is_type(cfg, json_type_object) ||
	    !json_object_object_get_ex(cfg, "workload.k", &kv) || !number(kv, &k))
		return h;
	snprintf(buf, len, "recall@%.0f", k);
	return buf;
}

static json_object *array_at(json_object *report, const char *path)
{
	json_object *a = lookup(report, path);

	return a && json_object_is_type(a, json_type_array) ? a : NULL;
}

static void md_title(json_object *report, FILE *out)
{
	json_object *c = lookup(report, "complete");

	fprintf(out, "# rabench report: ");
	md_escape(out, *text(report, "config.name") ? text(report, "config.name") : "(unnamed)");
	fprintf(out, "\n\nStarted %s", *text(report, "started") ? text(report, "started") : "(unknown)");
	if (*text(report, "config_source"))
		fprintf(out, " from `%s`", text(report, "config_source"));
	fprintf(out, ".\n\n");
	if (c && !json_object_get_boolean(c))
		fprintf(out, "> **Incomplete run:** it was interrupted or failed; the figures "
			"cover only the repeats that finished.\n\n");
}

/* "- **key**: value" for every member; non-strings as their JSON text. */
static void md_members(json_object *o, FILE *out)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		fprintf(out, "- **%s**: ", key);
		if (val && json_object_is_type(val, json_type_string))
			fputs(json_object_get_string(val), out);
		else
			fputs(val ? json_object_to_json_string(val) : "null", out);
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void md_config(json_object *report, FILE *out)
{
	json_object *cfg = lookup(report, "config");

	fprintf(out, "## Configuration\n\n| key | value |\n| --- | --- |\n");
	if (!cfg || !json_object_is_type(cfg, json_type_object))
		return;
	json_object_object_foreach(cfg, key, val) {
		fprintf(out, "| `%s` | ", key);
		if (val && json_object_is_type(val, json_type_string))
			md_escape(out, json_object_get_string(val));
		else
			md_escape(out, val ? json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN)
				  : "null");
		fprintf(out, " |\n");
	}
	fputc('\n', out);
}

static void md_summary(json_object *report, json_object *strategies, FILE *out)
{
	char cell[CELL_MAX], hbuf[32];
	size_t i, j;

	fprintf(out, "## Summary\n\nEach cell is the median across repeats, with the range "
		"(min..max) when the repeats differ at the precision shown.\n\n| strategy | repeats |");
	for (j = 0; j < ARRAY_SIZE(summary_cols); j++)
		fprintf(out, " %s |", header(report, summary_cols[j].md_header, hbuf, sizeof(hbuf)));
	fprintf(out, "\n| --- | ---: |");
	for (j = 0; j < ARRAY_SIZE(summary_cols); j++)
		fprintf(out, " ---: |");
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(strategies); i++) {
		json_object *s = json_object_array_get_idx(strategies, i);
		double n = 0;

		number(lookup(s, "repeats"), &n);
		fprintf(out, "| ");
		md_escape(out, text(s, "name"));
		fprintf(out, " | %.0f |", n);
		for (j = 0; j < ARRAY_SIZE(summary_cols); j++) {
			spread_cell(lookup(s, summary_cols[j].path), summary_cols[j].fmt, n > 1,
				    cell, sizeof(cell));
			fprintf(out, " %s |", cell);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void md_counter_note(json_object *report, FILE *out)
{
	const char *gate = text(report, "summary.gate_counter");

	fprintf(out, "**Which byte counter to trust:** `%s` (process MiB read, from "
		"/proc/self/io) is deterministic: it repeats exactly run to run and is what CI "
		"gates compare. `dev_read_bytes` (device MiB read, from /sys/block/<dev>/stat) "
		"also counts any other I/O on the machine's device during the query phase, so "
		"it is noisy; read it as a cross-check.\n\n",
		*gate ? gate : "proc_read_bytes");
}

static void md_definitions(json_object *report, FILE *out)
{
	json_object *defs = lookup(report, "metrics_definitions");

	fprintf(out, "## Metric definitions\n\n");
	if (!defs || !json_object_is_type(defs, json_type_object))
		return;
	json_object_object_foreach(defs, key, val) {
		fprintf(out, "- `%s`: %s\n", key,
			val && json_object_is_type(val, json_type_string) ?
			json_object_get_string(val) : "");
	}
	fputc('\n', out);
}

static void md_repeats(json_object *repeats, FILE *out)
{
	char cell[CELL_MAX];
	size_t i, j;

	fprintf(out, "## Repeats (raw)\n\nIn run order; latency_samples_us in report.json "
		"has every query's latency.\n\n|");
	for (j = 0; j < ARRAY_SIZE(repeat_cols); j++)
		fprintf(out, " %s |", repeat_cols[j].md_header);
	fprintf(out, "\n|");
	for (j = 0; j < ARRAY_SIZE(repeat_cols); j++)
		fprintf(out, repeat_cols[j].fmt ? " ---: |" : " --- |");
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(repeats); i++) {
		json_object *r = json_object_array_get_idx(repeats, i);

		fputc('|', out);
		for (j = 0; j < ARRAY_SIZE(repeat_cols); j++) {
			value_cell(r, &repeat_cols[j], cell, sizeof(cell));
			fputc(' ', out);
			md_escape(out, cell);
			fprintf(out, " |");
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

int report__render_md(json_object *report, FILE *out)
{
	json_object *strategies = array_at(report, "summary.strategies");
	json_object *repeats = array_at(report, "repeats");

	if (!out || !strategies || !repeats)
		return -EINVAL;
	md_title(report, out);
	fprintf(out, "## Environment\n\n");
	md_members(lookup(report, "environment"), out);
	md_config(report, out);
	fprintf(out, "## Dataset\n\n");
	md_members(lookup(report, "dataset"), out);
	md_summary(report, strategies, out);
	md_counter_note(report, out);
	md_definitions(report, out);
	md_repeats(repeats, out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

int report__print_table(json_object *report, FILE *out)
{
	json_object *strategies = array_at(report, "summary.strategies");
	char cell[CELL_MAX], hbuf[32];
	size_t i, j;

	if (!out || !strategies)
		return -EINVAL;
	fprintf(out, "%-20s %3s", "strategy", "n");
	for (j = 0; j < ARRAY_SIZE(summary_cols); j++)
		fprintf(out, " %9s", header(report, summary_cols[j].tty_header, hbuf, sizeof(hbuf)));
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(strategies); i++) {
		json_object *s = json_object_array_get_idx(strategies, i);
		double n = 0;

		number(lookup(s, "repeats"), &n);
		fprintf(out, "%-20s %3.0f", text(s, "name"), n);
		for (j = 0; j < ARRAY_SIZE(summary_cols); j++) {
			spread_cell(lookup(s, summary_cols[j].path), summary_cols[j].fmt, false,
				    cell, sizeof(cell));
			fprintf(out, " %9s", cell);
		}
		fputc('\n', out);
	}
	fprintf(out, "(medians across repeats; proc MiB is exact run to run and is what gates "
		"use, dev MiB also counts other I/O on the device)\n");
	fflush(out);
	return ferror(out) ? -EIO : 0;
}
