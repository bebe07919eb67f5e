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
	{ "optimal-cache MiB", "opt MiB", "opt_bytes", fmt_mib },
	{ "read × optimum", "x opt", "bytes_x_opt", fmt_ratio },
	{ "% of roofline q/s", "%roof", "qps_pct_roofline", fmt_count },
	{ "major faults", "majflt", "majflt", fmt_count },
	{ "minor faults", "minflt", "minflt", fmt_count },
	{ "I/O wait ms/query", "iowait ms", "io_wait_mean_us", fmt_ms },
};

/* The raw per-repeat table; paths are fields of a repeats[] entry. */
static const struct column repeat_cols[] = {
	{ "order", NULL, "order", fmt_count },
	{ "strategy", NULL, "strategy", NULL },
	{ "repeat", NULL, "repeat", fmt_count },
	{ "clients", NULL, "clients", fmt_count },
	{ "batch", NULL, "batch", fmt_count },
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
	{ "unique MiB", NULL, "bounds.unique_bytes", fmt_mib },
	{ "optimal-cache MiB", NULL, "bounds.opt_bytes", fmt_mib },
	{ "LRU-cache MiB", NULL, "bounds.lru_bytes", fmt_mib },
	{ "cache room MiB", NULL, "bounds.room_bytes", fmt_mib },
	{ "roofline q/s", NULL, "bounds.roofline_qps", fmt_qps },
	{ "major faults", NULL, "majflt", fmt_count },
	{ "minor faults", NULL, "minflt", fmt_count },
	{ "resident pages before", NULL, "resident_pages_before", fmt_count },
};

static void fmt_version(double v, char *buf, size_t len)
{
	snprintf(buf, len, "v%.0f", v);
}

/* The memory cgroup of each repeat (run.memory_limit); "-" for what the version lacks. */
static const struct column memcg_cols[] = {
	{ "order", NULL, "order", fmt_count },
	{ "strategy", NULL, "strategy", NULL },
	{ "repeat", NULL, "repeat", fmt_count },
	{ "cgroup", NULL, "memcg.version", fmt_version },
	{ "limit MiB", NULL, "memcg.limit_bytes", fmt_mib },
	{ "peak MiB", NULL, "memcg.peak_bytes", fmt_mib },
	{ "page cache MiB", NULL, "memcg.file_bytes", fmt_mib },
	{ "anon MiB", NULL, "memcg.anon_bytes", fmt_mib },
	{ "limit hits", NULL, "memcg.limit_hits", fmt_count },
	{ "pages scanned", NULL, "memcg.pgscan", fmt_count },
	{ "pages reclaimed", NULL, "memcg.pgsteal", fmt_count },
	{ "pages out", NULL, "memcg.pgpgout", fmt_count },
	{ "refaults", NULL, "memcg.refault_file", fmt_count },
	{ "major faults", NULL, "memcg.pgmajfault", fmt_count },
	{ "OOM kills", NULL, "memcg.oom_kills", fmt_count },
};

/* The page-cache probes per strategy (medians of summary figures) ... */
static const struct column probe_summary_cols[] = {
	{ "demand pages", NULL, "probe_pages_added_demand", fmt_count },
	{ "speculative pages", NULL, "probe_pages_added_speculative", fmt_count },
	{ "prefetched pages", NULL, "probe_pages_added_prefetch", fmt_count },
	{ "waste ratio", NULL, "probe_waste_ratio", fmt_ratio },
	{ "files' block MiB read", NULL, "probe_block_read_bytes", fmt_mib },
	{ "prefetched, evicted unread", NULL, "probe_prefetched_evicted_unread", fmt_count },
};

/* ... and per repeat, summed over the run's files (report.json has them per file). */
static const struct column probe_repeat_cols[] = {
	{ "order", NULL, "order", fmt_count },
	{ "strategy", NULL, "strategy", NULL },
	{ "repeat", NULL, "repeat", fmt_count },
	{ "ra sync", NULL, "probes.total.ra_sync", fmt_count },
	{ "ra async", NULL, "probes.total.ra_async", fmt_count },
	{ "mmap read-around", NULL, "probes.total.ra_mmap_readaround", fmt_count },
	{ "demand", NULL, "probes.total.pages_added_demand", fmt_count },
	{ "speculative", NULL, "probes.total.pages_added_speculative", fmt_count },
	{ "prefetch", NULL, "probes.total.pages_added_prefetch", fmt_count },
	{ "accessed", NULL, "probes.total.pages_accessed", fmt_count },
	{ "mapped, maybe used", NULL, "probes.total.pages_mapped_maybe_used", fmt_count },
	{ "waste", NULL, "probes.total.waste_pages", fmt_count },
	{ "waste ratio", NULL, "probes.total.waste_ratio", fmt_ratio },
	{ "read hit ratio", NULL, "probes.total.read_hit_ratio", fmt_ratio },
	{ "evicted", NULL, "probes.total.pages_evicted", fmt_count },
	{ "major faults", NULL, "probes.total.major_faults", fmt_count },
	{ "minor faults", NULL, "probes.total.minor_faults", fmt_count },
	{ "files' block reads", NULL, "probes.total.block_reads", fmt_count },
	{ "files' block MiB", NULL, "probes.total.block_read_bytes", fmt_mib },
	{ "disk block MiB", NULL, "probes.block.read_bytes", fmt_mib },
	{ "dropped pages", NULL, "probes.overflow.page_state_full", fmt_count },
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
/* The device's calibration in one sentence (env.device_calibration). */
static void md_calibration(json_object *c, FILE *out)
{
	double lat, iops1, iops32, seq;

	if (!number(lookup(c, "qd1_4k_read_us"), &lat) || !number(lookup(c, "qd1_iops"), &iops1) ||
	    !number(lookup(c, "qd32_iops"), &iops32) || !number(lookup(c, "seq_read_mb_s"), &seq)) {
		fprintf(out, "not measured (%s)", text(c, "reason"));
		return;
	}
	fprintf(out, "4 KiB random reads %.1f us at depth 1 (%.1fk IOPS), %.1fk IOPS at depth 32, "
		"%.0f MB/s sequential (O_DIRECT on the %s, %s)", lat, iops1 / 1000, iops32 / 1000,
		seq, strcmp(text(c, "source"), "device") ? "run's largest file" : "raw device",
		text(c, "measured_at"));
	if (number(lookup(c, "in_run_seq_read_mb_s"), &seq))
		fprintf(out, "; in this run, the roofline's bandwidth: %.0f MB/s sequential (%s)",
			seq, text(c, "in_run_measured_at"));
}

static void md_members(json_object *o, FILE *out)
{
	if (!o || !json_object_is_type(o, json_type_object))
		return;
	json_object_object_foreach(o, key, val) {
		fprintf(out, "- **%s**: ", key);
		if (!strcmp(key, "device_calibration") && val)
			md_calibration(val, out);
		else if (val && json_object_is_type(val, json_type_string))
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
		char label[RB_NAME_MAX + 32];
		double n = 0;

		number(lookup(s, "repeats"), &n);
		fprintf(out, "| ");
		md_escape(out, report__entry_label(strategies, s, label, sizeof(label)));
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

/* What capped the roofline (compute_ceiling), when the repeats have one. */
static void md_ceiling_note(json_object *report, FILE *out)
{
	double qps;

	if (!lookup(report, "compute_ceiling"))
		return;	/* a report written before it existed */
	if (number(lookup(report, "compute_ceiling.qps"), &qps))
		fprintf(out, "**The roofline** (%% of roofline q/s) is the sequential bandwidth "
			"measured in this run over the optimum's bytes per query, capped by the "
			"compute ceiling: %.0f q/s, %s.\n\n", qps,
			!strcmp(text(report, "compute_ceiling.from"), "the warm pass") ?
			"the same queries from a warm cache after the repeats (default strategy, "
			"no memory limit)" : "the run's fastest warm repeat");
	else if (*text(report, "compute_ceiling.warm_pass_note") &&
		 strcmp(text(report, "compute_ceiling.warm_pass_note"), RB_NO_BOUNDS))
		fprintf(out, "**The roofline** is not capped by a compute ceiling (no warm "
			"pass: %s).\n\n", text(report, "compute_ceiling.warm_pass_note"));
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

/* One row per repeat, one column per cols[] entry. */
static void md_table(json_object *repeats, const struct column *cols, size_t n, FILE *out)
{
	char cell[CELL_MAX];
	size_t i, j;

	fputc('|', out);
	for (j = 0; j < n; j++)
		fprintf(out, " %s |", cols[j].md_header);
	fprintf(out, "\n|");
	for (j = 0; j < n; j++)
		fprintf(out, cols[j].fmt ? " ---: |" : " --- |");
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(repeats); i++) {
		json_object *r = json_object_array_get_idx(repeats, i);

		fputc('|', out);
		for (j = 0; j < n; j++) {
			value_cell(r, &cols[j], cell, sizeof(cell));
			fputc(' ', out);
			md_escape(out, cell);
			fprintf(out, " |");
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

static void md_repeats(json_object *repeats, FILE *out)
{
	fprintf(out, "## Repeats (raw)\n\nIn run order; latency_samples_us in report.json "
		"has every query's latency.\n\n");
	md_table(repeats, repeat_cols, ARRAY_SIZE(repeat_cols), out);
}

/* The first repeat's memory cgroup object, or NULL when the run had no limit. */
static json_object *first_memcg(json_object *repeats)
{
	json_object *m = lookup(json_object_array_get_idx(repeats, 0), "memcg");

	return m && json_object_is_type(m, json_type_object) ? m : NULL;
}

static void md_memcg(json_object *repeats, FILE *out)
{
	if (!json_object_array_length(repeats) || !first_memcg(repeats))
		return;
	fprintf(out, "## Memory cgroup\n\nEach repeat ran in its own memory cgroup "
		"(run.memory_limit), created after the cache eviction and removed after the "
		"repeat; counters cover the whole repeat, \"-\" where the cgroup version has "
		"no such counter.\n\n");
	md_table(repeats, memcg_cols, ARRAY_SIZE(memcg_cols), out);
}

/* One row per strategy: the median (and range) of each of cols' summary figures. */
static void md_spread_table(json_object *strategies, const struct column *cols, size_t n,
			    FILE *out)
{
	char cell[CELL_MAX];
	size_t i, j;

	fprintf(out, "| strategy |");
	for (j = 0; j < n; j++)
		fprintf(out, " %s |", cols[j].md_header);
	fprintf(out, "\n| --- |");
	for (j = 0; j < n; j++)
		fprintf(out, " ---: |");
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(strategies); i++) {
		json_object *s = json_object_array_get_idx(strategies, i);
		char label[RB_NAME_MAX + 32];
		double reps = 0;

		number(lookup(s, "repeats"), &reps);
		fprintf(out, "| ");
		md_escape(out, report__entry_label(strategies, s, label, sizeof(label)));
		fprintf(out, " |");
		for (j = 0; j < n; j++) {
			spread_cell(lookup(s, cols[j].path), cols[j].fmt, reps > 1, cell, sizeof(cell));
			fprintf(out, " %s |", cell);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

/*
 * Multi-phase workloads (rag): each phase's latency, the I/O wait and major faults
 * inside it, per strategy — what a prefetcher of the fetch phase (bpf-prefetch's
 * chunks from the search's return) changes, apart from the search.
 */
static void md_phases(json_object *strategies, FILE *out)
{
	static const struct { const char *head, *fig; fmt_fn fmt; } figs[] = {
		{ "p50 ms", "p50_us", fmt_ms },
		{ "I/O wait ms (all queries)", "io_wait_total_us", fmt_ms },
		{ "major faults", "majflt", fmt_count },
	};
	enum { FIGS = sizeof(figs) / sizeof(figs[0]), COLS = RB_MAX_PHASES * FIGS };
	json_object *first = lookup(json_object_array_get_idx(strategies, 0), "phases");
	struct column cols[COLS];
	char heads[COLS][80], paths[COLS][96];
	size_t n = 0, i;

	if (!first || !json_object_is_type(first, json_type_object))
		return;
	json_object_object_foreach(first, name, v) {
		(void)v;
		for (i = 0; i < FIGS && n < COLS; i++, n++) {
			snprintf(heads[n], sizeof(heads[n]), "%s %s", name, figs[i].head);
			snprintf(paths[n], sizeof(paths[n]), "phases.%s.%s", name, figs[i].fig);
			cols[n] = (struct column){ heads[n], NULL, paths[n], figs[i].fmt };
		}
	}
	fprintf(out, "## Phases\n\nEach phase of a query, timed inside it: latency, and the "
		"client thread's I/O wait (summed over the repeat's queries) and major faults "
		"in that phase; medians across repeats (min..max).\n\n");
	md_spread_table(strategies, cols, n, out);
}

/* Strategies that could not run on this machine, and why (optional field). */
static void md_skipped(json_object *report, FILE *out)
{
	json_object *list = lookup(report, "skipped_strategies"), *s;
	size_t i;

	if (!list || json_object_array_length(list) == 0)
		return;
	fprintf(out, "**Not run here:**\n\n");
	for (i = 0; i < json_object_array_length(list); i++) {
		s = json_object_array_get_idx(list, i);
		fprintf(out, "- `");
		md_escape(out, text(s, "name"));
		fprintf(out, "`: ");
		md_escape(out, text(s, "reason"));
		fputc('\n', out);
	}
	fputc('\n', out);
}

/* What readahead did, from the BPF probes; or why there are no probe figures. */
static void md_probes(json_object *report, json_object *strategies, json_object *repeats,
		      FILE *out)
{
	json_object *avail = lookup(report, "probes_available");

	if (!avail)
		return;		/* a report from before the probes */
	fprintf(out, "## Page-cache probes\n\n");
	if (!json_object_get_boolean(avail)) {
		fprintf(out, "No probe figures in this run: ");
		md_escape(out, text(report, "probes_unavailable_reason"));
		fprintf(out, ".\n\n");
		return;
	}
	fprintf(out, "What readahead did to the run's files in each query phase, from BPF "
		"tracepoints (pages of 4 KiB). Waste: speculative pages never read, faulted on "
		"or mapped; pages mapped by fault-around are \"mapped, maybe used\" (the kernel "
		"has no per-page event for them). Definitions: `probes.*` below.\n\n");
	md_spread_table(strategies, probe_summary_cols, ARRAY_SIZE(probe_summary_cols), out);
	md_table(repeats, probe_repeat_cols, ARRAY_SIZE(probe_repeat_cols), out);
}

/* Each client's share and latency, for the repeats that had more than one. */
static const struct column client_cols[] = {
	{ "client", NULL, "client", fmt_count },
	{ "queries", NULL, "n_queries", fmt_count },
	{ "mean ms", NULL, "latency_us.mean", fmt_ms },
	{ "p50 ms", NULL, "latency_us.p50", fmt_ms },
	{ "p99 ms", NULL, "latency_us.p99", fmt_ms },
	{ "max ms", NULL, "latency_us.max", fmt_ms },
};

/* The distinct strategy names of the summary, in entry order; how many. */
static size_t strategy_names(json_object *strategies, const char **names, size_t max)
{
	size_t i, j, n = 0;
	const char *name;

	for (i = 0; i < json_object_array_length(strategies) && n < max; i++) {
		name = text(json_object_array_get_idx(strategies, i), "name");
		for (j = 0; j < n && strcmp(names[j], name); j++)
			;
		if (j == n)
			names[n++] = name;
	}
	return n;
}

/* Strategies x clients levels: median qps and p99 of each pair. */
static void md_scaling(json_object *strategies, const int *levels, int nl, FILE *out)
{
	const char *names[RB_MAX_STRATEGIES * 2];
	char qps[32], p99[32];
	size_t i, n = strategy_names(strategies, names, ARRAY_SIZE(names));
	json_object *s;
	int l;

	fprintf(out, "Median queries per second of all clients together, and in brackets the "
		"median p99 latency in ms, per strategy and number of concurrent clients.\n\n"
		"| strategy |");
	for (l = 0; l < nl; l++)
		fprintf(out, " %d client%s |", levels[l], levels[l] == 1 ? "" : "s");
	fprintf(out, "\n| --- |");
	for (l = 0; l < nl; l++)
		fprintf(out, " ---: |");
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		fprintf(out, "| ");
		md_escape(out, names[i]);
		fprintf(out, " |");
		for (l = 0; l < nl; l++) {
			s = report__entry(strategies, names[i], levels[l]);
			spread_cell(lookup(s, "qps"), fmt_qps, false, qps, sizeof(qps));
			spread_cell(lookup(s, "p99_us"), fmt_ms, false, p99, sizeof(p99));
			fprintf(out, s ? " %s (%s) |" : " - |", qps, p99);
		}
		fputc('\n', out);
	}
	fputc('\n', out);
}

/* Per-client rows of every multi-client repeat. */
static void md_per_client(json_object *repeats, FILE *out)
{
	json_object *r, *pc;
	double c;
	size_t i;

	fprintf(out, "Per client of each multi-client repeat: the queries it took from the "
		"shared stream and their latency.\n\n");
	for (i = 0; i < json_object_array_length(repeats); i++) {
		r = json_object_array_get_idx(repeats, i);
		pc = lookup(r, "per_client");
		if (!number(lookup(r, "clients"), &c) || c < 2 || !pc ||
		    !json_object_is_type(pc, json_type_array))
			continue;
		fprintf(out, "**");
		md_escape(out, text(r, "strategy"));
		fprintf(out, "**, %.0f clients, repeat %.0f:\n\n", c,
			json_object_get_double(lookup(r, "repeat")) + 1);
		md_table(pc, client_cols, ARRAY_SIZE(client_cols), out);
	}
}

/* Throughput vs clients, when the run had more than one client or level. */
static void md_concurrency(json_object *strategies, json_object *repeats, FILE *out)
{
	int levels[RB_MAX_CLIENT_LEVELS * 2], nl;

	nl = report__client_levels(strategies, levels, (int)ARRAY_SIZE(levels));
	if (nl < 1 || (nl == 1 && levels[0] == 1))
		return;
	fprintf(out, "## Throughput vs clients\n\n");
	md_scaling(strategies, levels, nl, out);
	md_per_client(repeats, out);
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
	md_concurrency(strategies, repeats, out);
	md_phases(strategies, out);
	md_skipped(report, out);
	md_ceiling_note(report, out);
	md_counter_note(report, out);
	md_probes(report, strategies, repeats, out);
	md_definitions(report, out);
	md_repeats(repeats, out);
	md_memcg(repeats, out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}

/* One line saying the repeats ran under a memory limit, when they did. */
static void tty_memcg_note(json_object *report, FILE *out)
{
	json_object *repeats = array_at(report, "repeats");
	json_object *m = repeats && json_object_array_length(repeats) ? first_memcg(repeats) : NULL;
	char limit[32] = "?";
	double v;

	if (!m)
		return;
	if (number(lookup(m, "limit_bytes"), &v))
		fmt_mib(v, limit, sizeof(limit));
	fprintf(out, "(every repeat ran in its own memory cgroup limited to %s MiB; report.md "
		"has its counters)\n", limit);
}

int report__print_table(json_object *report, FILE *out)
{
	json_object *strategies = array_at(report, "summary.strategies");
	char cell[CELL_MAX], hbuf[32], label[RB_NAME_MAX + 32];
	int width = 20;
	size_t i, j;

	if (!out || !strategies)
		return -EINVAL;
	for (i = 0; i < json_object_array_length(strategies); i++) {
		int l = (int)strlen(report__entry_label(strategies, json_object_array_get_idx(strategies, i),
							 label, sizeof(label)));

		width = l > width ? l : width;
	}
	fprintf(out, "%-*s %3s", width, "strategy", "n");
	for (j = 0; j < ARRAY_SIZE(summary_cols); j++)
		fprintf(out, " %9s", header(report, summary_cols[j].tty_header, hbuf, sizeof(hbuf)));
	fputc('\n', out);
	for (i = 0; i < json_object_array_length(strategies); i++) {
		json_object *s = json_object_array_get_idx(strategies, i);
		double n = 0;

		number(lookup(s, "repeats"), &n);
		fprintf(out, "%-*s %3.0f", width, report__entry_label(strategies, s, label, sizeof(label)),
			n);
		for (j = 0; j < ARRAY_SIZE(summary_cols); j++) {
			spread_cell(lookup(s, summary_cols[j].path), summary_cols[j].fmt, false,
				    cell, sizeof(cell));
			fprintf(out, " %9s", cell);
		}
		fputc('\n', out);
	}
	fprintf(out, "(medians across repeats; proc MiB is exact run to run and is what gates "
		"use, dev MiB also counts other I/O on the device)\n");
	tty_memcg_note(report, out);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}
