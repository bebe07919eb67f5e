/*
 * report_html — report.html: one self-contained page (no network, no script) with
 * a verdict per strategy and charts drawn as inline SVG, rendered from the
 * report.json document only, like report.md:
 *   - latency CDF per strategy (every query of every repeat, log-scaled time axis);
 *   - bytes read vs bytes needed per strategy;
 *   - major faults per strategy (log scale: one strategy's thousands must not flatten
 *     the others' tens);
 *   - readahead waste per strategy, when the probes ran;
 *   - throughput vs clients per strategy, when run.clients had several levels;
 *   - the timeline of every repeat, small multiples per strategy, and the
 *     page-cache hit ratio per strategy (report_timeline.c);
 *   - the summary as an HTML table.
 * With several clients levels, a "strategy" is a (strategy, clients) summary entry.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define CHART_W 720
#define CHART_H 300
#define PAD_L 70
#define PAD_B 40
#define PAD_T 20
#define PAD_R 150

#define html_escape report_html__escape
#define color report_html__color

static void svg_open(FILE *out, const char *title)
{
	fprintf(out, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>", CHART_W, CHART_H, CHART_W,
		CHART_H);
	html_escape(out, title);
	fprintf(out, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
}

static void svg_close(FILE *out, const char *caption)
{
	fprintf(out, "</svg><figcaption>");
	html_escape(out, caption);
	fprintf(out, "</figcaption></figure>\n");
}

static void legend(FILE *out, size_t i, const char *name)
{
	double y = PAD_T + 10 + 18.0 * i;

	fprintf(out, "<rect x=\"%d\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"%.0f\" font-size=\"12\">", CHART_W - PAD_R + 16, y, color(i),
		CHART_W - PAD_R + 32, y + 10);
	html_escape(out, name);
	fprintf(out, "</text>\n");
}

static void axes(FILE *out, const char *xlabel, const char *ylabel)
{
	int x0 = PAD_L, y0 = CHART_H - PAD_B, x1 = CHART_W - PAD_R;

	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", x0, y0, x1, y0);
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>\n", x0, PAD_T, x0, y0);
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>\n",
		(x0 + x1) / 2, CHART_H - 6, xlabel);
	fprintf(out, "<text x=\"14\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" "
		"transform=\"rotate(-90 14 %d)\">%s</text>\n", (PAD_T + y0) / 2, (PAD_T + y0) / 2, ylabel);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* An entry's label for legends and bar groups ("willneed, 4 clients" in a sweep). */
static const char *label(json_object *strategies, size_t i, char *buf, size_t len)
{
	return report__entry_label(strategies, json_object_array_get_idx(strategies, i), buf, len);
}

/* Every latency sample of one summary entry's repeats (its strategy and clients), sorted. */
static double *strategy_samples(json_object *repeats, json_object *entry, size_t *n)
{
	json_object *r, *s, *v, *name = report__get(entry, "name");
	int clients = report__entry_clients(entry);
	double *all = NULL, *grown;
	size_t i, j, len;

	*n = 0;
	for (i = 0; i < json_object_array_length(repeats); i++) {
		r = json_object_array_get_idx(repeats, i);
		v = report__get(r, "strategy");
		s = report__get(r, "latency_samples_us");
		if (!v || !name || strcmp(json_object_get_string(v), json_object_get_string(name)) ||
		    report__entry_clients(r) != clients || !json_object_is_type(s, json_type_array))
			continue;
		len = json_object_array_length(s);
		grown = realloc(all, (*n + len + 1) * sizeof(*all));
		if (!grown) {
			free(all);
			*n = 0;
			return NULL;
		}
		all = grown;
		for (j = 0; j < len; j++)
			all[(*n)++] = json_object_get_double(json_object_array_get_idx(s, j));
	}
	if (all)
		qsort(all, *n, sizeof(*all), cmp_double);
	return all;
}

static double log_x(double us, double lo, double hi)
{
	double f = (log10(us) - log10(lo)) / (log10(hi) - log10(lo));

	return PAD_L + f * (CHART_W - PAD_L - PAD_R);
}

static void cdf_ticks(FILE *out, double lo, double hi)
{
	double t;
	int e, q, y0 = CHART_H - PAD_B;

	/* integer loop counters: lo and hi are finite powers of ten (chart_cdf) */
	for (e = (int)floor(log10(lo)); e <= (int)ceil(log10(hi)); e++) {
		t = pow(10, e);
		if (t < lo || t > hi * 1.0001)
			continue;
		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%g ms</text>\n",
			log_x(t, lo, hi), PAD_T, log_x(t, lo, hi), y0, log_x(t, lo, hi), y0 + 14, t / 1000);
	}
	for (q = 0; q <= 4; q++) {
		t = q * 0.25;
		fprintf(out, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.2f</text>\n",
			PAD_L - 6, y0 - t * (y0 - PAD_T) + 4, t);
	}
}

static void chart_cdf(FILE *out, json_object *strategies, json_object *repeats)
{
	size_t i, j, n, ns = json_object_array_length(strategies);
	double lo = INFINITY, hi = 0, *s[16] = { NULL };
	size_t counts[16] = { 0 };
	char name[RB_NAME_MAX + 32];
	int y0 = CHART_H - PAD_B;

	if (ns > 16)
		ns = 16;
	for (i = 0; i < ns; i++) {
		s[i] = strategy_samples(repeats, json_object_array_get_idx(strategies, i), &counts[i]);
		if (counts[i]) {
			lo = fmin(lo, fmax(s[i][0], 1.0));
			hi = fmax(hi, s[i][counts[i] - 1]);
		}
	}
	if (hi <= 0)
		goto cleanup;
	lo = pow(10, floor(log10(lo)));
	hi = pow(10, ceil(log10(hi)));
	if (!isfinite(hi))   /* an absurd sample (1e308 us): no scale to draw it on */
		goto cleanup;
	svg_open(out, "latency CDF per strategy");
	cdf_ticks(out, lo, hi);
	axes(out, "query latency (log scale)", "fraction of queries");
	for (i = 0; i < ns; i++) {
		n = counts[i];
		if (!n)
			continue;
		fprintf(out, "<polyline class=\"cdf\" fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
			color(i));
		for (j = 0; j < n; j++)
			fprintf(out, "%.1f,%.1f ", log_x(fmax(s[i][j], lo), lo, hi),
				y0 - (double)(j + 1) / n * (y0 - PAD_T));
		fprintf(out, "\"/>\n");
		legend(out, i, label(strategies, i, name, sizeof(name)));
	}
	svg_close(out, "Latency CDF: every query of every repeat, per strategy. Further left is faster.");
cleanup:
	for (i = 0; i < ns; i++)
		free(s[i]);
}

/* Bar labels: whole numbers from 100 up, one decimal below. */
static int decimals(double v)
{
	return fabs(v) >= 100 || v == floor(v) ? 0 : 1;
}

/* Grouped bars: one group per strategy, one bar per metric. */
static void chart_bars(FILE *out, json_object *strategies, const char *const *keys,
		       const char *const *labels, size_t nk, double scale, const char *unit,
		       const char *title, const char *caption, bool log_scale)
{
	size_t i, k, ns = json_object_array_length(strategies);
	double max = 0, v, gw, bw, x, h, y0 = CHART_H - PAD_B;
	char ylabel[48];
	char name[RB_NAME_MAX + 32];

	for (i = 0; i < ns; i++)
		for (k = 0; k < nk; k++) {
			v = report__median(json_object_array_get_idx(strategies, i), keys[k]);
			if (!isnan(v))
				max = fmax(max, v * scale);
		}
	if (ns == 0 || max <= 0)
		return;
	svg_open(out, title);
	snprintf(ylabel, sizeof(ylabel), "%s%s", unit, log_scale ? " (log scale)" : "");
	axes(out, "strategy", ylabel);
	gw = (double)(CHART_W - PAD_L - PAD_R) / ns;
	bw = gw * 0.7 / nk;
	for (i = 0; i < ns; i++) {
		json_object *s = json_object_array_get_idx(strategies, i);

		for (k = 0; k < nk; k++) {
			v = report__median(s, keys[k]) * scale;
			if (isnan(v))
				continue;
			h = (log_scale ? log10(1 + v) / log10(1 + max) : v / max) * (y0 - PAD_T);
			x = PAD_L + gw * i + gw * 0.15 + bw * k;
			fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				"fill=\"%s\"><title>%.*f %s</title></rect>"
				"<text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" text-anchor=\"middle\">%.*f</text>\n",
				x, y0 - h, bw, h, color(k), decimals(v), v, unit, x + bw / 2, y0 - h - 3,
				decimals(v), v);
		}
		fprintf(out, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">",
			PAD_L + gw * (i + 0.5), y0 + 14);
		html_escape(out, label(strategies, i, name, sizeof(name)));
		fprintf(out, "</text>\n");
	}
	for (k = 0; k < nk; k++)
		legend(out, k, labels[k]);
	svg_close(out, caption);
}

/* "willneed: 3.1x faster than default at p99, reads 1.3x fewer bytes", per clients level. */
static void verdicts(FILE *out, json_object *strategies)
{
	json_object *base, *s;
	char name[RB_NAME_MAX + 32];
	double bp, bb, sp, sb;
	size_t i, shown = 0;

	fprintf(out, "<h2>Verdict</h2>\n<ul class=\"verdict\">\n");
	for (i = 0; i < json_object_array_length(strategies); i++) {
		s = json_object_array_get_idx(strategies, i);
		base = report__entry(strategies, "default", report__entry_clients(s));
		if (!base || s == base)
			continue;
		bp = report__median(base, "p99_us");
		bb = report__median(base, "proc_read_bytes");
		sp = report__median(s, "p99_us");
		sb = report__median(s, "proc_read_bytes");
		if (isnan(sp) || isnan(sb) || isnan(bp) || isnan(bb) || sp <= 0 || sb <= 0)
			continue;
		fprintf(out, "<li><b>");
		html_escape(out, label(strategies, i, name, sizeof(name)));
		fprintf(out, "</b>: %.1fx %s than default at p99, reads %.1fx %s bytes</li>\n",
			sp < bp ? bp / sp : sp / bp, sp < bp ? "faster" : "slower",
			sb < bb ? bb / sb : sb / bb, sb < bb ? "fewer" : "more");
		shown++;
	}
	if (!shown)
		fprintf(out, "<li>No <code>default</code> strategy in this run to compare with.</li>\n");
	fprintf(out, "</ul>\n");
}

/* Queries per second vs clients, one line per strategy; only for a sweep. */
static void chart_scaling(FILE *out, json_object *strategies)
{
	int levels[RB_MAX_CLIENT_LEVELS * 2], nl, l;
	const char *names[16], *nm;
	size_t i, j, n = 0;
	double max = 0, v, x, y, y0 = CHART_H - PAD_B;

	nl = report__client_levels(strategies, levels, (int)(sizeof(levels) / sizeof(levels[0])));
	if (nl < 2)
		return;
	for (i = 0; i < json_object_array_length(strategies) && n < 16; i++) {
		nm = json_object_get_string(report__get(json_object_array_get_idx(strategies, i), "name"));
		if (!nm)
			continue;
		for (j = 0; j < n && strcmp(names[j], nm); j++)
			;
		if (j == n)
			names[n++] = nm;
		max = fmax(max, report__median(json_object_array_get_idx(strategies, i), "qps"));
	}
	if (!(max > 0))
		return;
	svg_open(out, "throughput vs clients");
	axes(out, "concurrent clients", "queries/s");
	for (l = 0; l < nl; l++) {
		x = PAD_L + (CHART_W - PAD_L - PAD_R) * (l + 0.5) / nl;
		fprintf(out, "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%d"
			"</text>\n", x, y0 + 14, levels[l]);
	}
	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%.0f</text>\n",
		PAD_L - 6, PAD_T + 4, max);
	for (i = 0; i < n; i++) {
		fprintf(out, "<polyline class=\"scaling\" fill=\"none\" stroke-width=\"2\" "
			"stroke=\"%s\" points=\"", color(i));
		for (l = 0; l < nl; l++) {
			v = report__median(report__entry(strategies, names[i], levels[l]), "qps");
			if (isnan(v))
				continue;
			x = PAD_L + (CHART_W - PAD_L - PAD_R) * (l + 0.5) / nl;
			y = y0 - v / max * (y0 - PAD_T);
			fprintf(out, "%.1f,%.1f ", x, y);
		}
		fprintf(out, "\"/>\n");
		legend(out, i, names[i]);
	}
	svg_close(out, "Throughput of all clients together (median across repeats) vs the number "
		  "of concurrent clients sharing one index; flat means the clients wait on the "
		  "same disk or CPU.");
}

static void kv_table(FILE *out, const char *title, json_object *obj)
{
	if (!obj)
		return;
	fprintf(out, "<h2>%s</h2>\n<table>\n", title);
	json_object_object_foreach(obj, key, val) {
		fprintf(out, "<tr><th>");
		html_escape(out, key);
		fprintf(out, "</th><td>");
		html_escape(out, json_object_get_string(val));
		fprintf(out, "</td></tr>\n");
	}
	fprintf(out, "</table>\n");
}

static void head(FILE *out, json_object *report)
{
	const char *name = json_object_get_string(report__get(report__get(report, "config"), "name"));

	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>rabench: ");
	html_escape(out, name);
	fprintf(out, "</title>\n<style>body{font:14px sans-serif;max-width:980px;margin:2em auto;color:#222}"
		"table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
		"text-align:left}figure{margin:1em 0}figcaption{color:#555;font-size:12px}"
		".warn{color:#a00}</style></head><body>\n<h1>rabench report: ");
	html_escape(out, name);
	fprintf(out, "</h1>\n<p>Started ");
	html_escape(out, json_object_get_string(report__get(report, "started")));
	fprintf(out, ".%s</p>\n", json_object_get_boolean(report__get(report, "complete")) ? "" :
		" <b class=\"warn\">Incomplete run (interrupted or failed): figures cover the completed "
		"repeats only.</b>");
}

/* A summary figure as "median (min..max)", scaled; "-" when absent. */
static void cell(FILE *out, json_object *entry, const char *key, double scale, int prec)
{
	json_object *f = report__get(entry, key);
	double med = report__median(entry, key), lo, hi;

	fprintf(out, "<td>");
	if (isnan(med)) {
		fprintf(out, "-</td>");
		return;
	}
	fprintf(out, "%.*f", prec, med * scale);
	lo = json_object_get_double(report__get(f, "min")) * scale;
	hi = json_object_get_double(report__get(f, "max")) * scale;
	if (report__get(f, "min") && report__get(f, "max") && (lo != med * scale || hi != med * scale))
		fprintf(out, " <small>(%.*f..%.*f)</small>", prec, lo, prec, hi);
	fprintf(out, "</td>");
}

static void summary_table(FILE *out, json_object *report)
{
	static const struct { const char *key, *head; double scale; int prec; } cols[] = {
		{ "p50_us", "p50 ms", 1e-3, 3 }, { "p99_us", "p99 ms", 1e-3, 3 },
		{ "qps", "q/s", 1, 1 }, { "recall", "recall", 1, 3 },
		{ "proc_read_bytes", "read MiB", 1.0 / 1048576, 1 },
		{ "needed_bytes", "needed MiB", 1.0 / 1048576, 1 },
		{ "read_amplification", "amplification", 1, 2 },
		{ "opt_bytes", "optimal-cache MiB", 1.0 / 1048576, 1 },
		{ "bytes_x_opt", "read × optimum", 1, 2 },
		{ "qps_pct_roofline", "% of roofline q/s", 1, 0 }, { "majflt", "major faults", 1, 0 },
		{ "io_wait_mean_us", "I/O wait ms/query", 1e-3, 3 },
	};
	json_object *strategies = report__get(report__get(report, "summary"), "strategies");
	size_t i, c, n = strategies ? json_object_array_length(strategies) : 0;
	char name[RB_NAME_MAX + 32];

	fprintf(out, "<h2>Summary</h2>\n<table class=\"summary\"><tr><th>strategy</th><th>repeats</th>");
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		fprintf(out, "<th>%s</th>", cols[c].head);
	fprintf(out, "</tr>\n");
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(strategies, i);

		fprintf(out, "<tr><td>");
		html_escape(out, label(strategies, i, name, sizeof(name)));
		fprintf(out, "</td><td>%d</td>", json_object_get_int(report__get(e, "repeats")));
		for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
			cell(out, e, cols[c].key, cols[c].scale, cols[c].prec);
		fprintf(out, "</tr>\n");
	}
	fprintf(out, "</table>\n<p>Medians across repeats, (min..max) when they differ; the same "
		"figures as report.md's table.</p>\n");
}

/* Multi-phase workloads (rag): each phase's p50, I/O wait and major faults per strategy. */
static void phases_table(FILE *out, json_object *report)
{
	json_object *strategies = report__get(report__get(report, "summary"), "strategies");
	json_object *first = strategies ? report__get(json_object_array_get_idx(strategies, 0),
						      "phases") : NULL;
	size_t i, n = strategies ? json_object_array_length(strategies) : 0;
	char name[RB_NAME_MAX + 32];

	if (!first || !json_object_is_type(first, json_type_object))
		return;
	fprintf(out, "<h2>Phases</h2>\n<table class=\"summary\"><tr><th>strategy</th>");
	json_object_object_foreach(first, ph, v0) {
		(void)v0;
		fprintf(out, "<th>");
		html_escape(out, ph);
		fprintf(out, " p50 ms</th><th>");
		html_escape(out, ph);
		fprintf(out, " I/O wait ms</th><th>");
		html_escape(out, ph);
		fprintf(out, " major faults</th>");
	}
	fprintf(out, "</tr>\n");
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(strategies, i);

		fprintf(out, "<tr><td>");
		html_escape(out, label(strategies, i, name, sizeof(name)));
		fprintf(out, "</td>");
		json_object_object_foreach(first, ph2, v1) {
			json_object *p = report__get(report__get(e, "phases"), ph2);

			(void)v1;
			cell(out, p, "p50_us", 1e-3, 3);
			cell(out, p, "io_wait_total_us", 1e-3, 1);
			cell(out, p, "majflt", 1, 0);
		}
		fprintf(out, "</tr>\n");
	}
	fprintf(out, "</table>\n<p>Each phase of a query, timed inside it: its p50, and the client "
		"thread's I/O wait (summed over a repeat's queries) and major faults in that phase; "
		"medians across repeats (min..max).</p>\n");
}

int report__render_html(json_object *report, FILE *out)
{
	static const char *const bytes_keys[] = { "proc_read_bytes", "opt_bytes", "needed_bytes" };
	static const char *const bytes_labels[] = { "read (process)", "optimal cache", "needed" };
	static const char *const fault_keys[] = { "majflt" };
	static const char *const fault_labels[] = { "major faults" };
	static const char *const waste_keys[] = { "probe_waste_ratio" };
	static const char *const waste_labels[] = { "readahead waste" };
	json_object *strategies = report__get(report__get(report, "summary"), "strategies");
	json_object *repeats = report__get(report, "repeats");

	if (!strategies || !repeats)
		return -EINVAL;
	head(out, report);
	verdicts(out, strategies);
	fprintf(out, "<h2>Charts</h2>\n");
	chart_cdf(out, strategies, repeats);
	chart_scaling(out, strategies);
	chart_bars(out, strategies, bytes_keys, bytes_labels, 3, 1.0 / 1048576, "MiB",
		   "bytes read vs the optimum", "Bytes read from storage by the process "
		   "(/proc/self/io), what an optimal cache of the run's page-cache room would read "
		   "(Belady's MIN over the queries' own trace) and the distinct pages the queries "
		   "needed; median across repeats.", false);
	chart_bars(out, strategies, fault_keys, fault_labels, 1, 1, "faults", "major faults",
		   "Major page faults during the query phase (getrusage); median across repeats. "
		   "Log scale: the height of a bar is log10(1 + faults).", true);
	chart_bars(out, strategies, waste_keys, waste_labels, 1, 100, "%", "readahead waste",
		   "Speculatively read pages never accessed (eBPF probes); median across repeats.", false);
	report_html__timeline(out, report);
	summary_table(out, report);
	phases_table(out, report);
	kv_table(out, "Environment", report__get(report, "environment"));
	kv_table(out, "Configuration", report__get(report, "config"));
	fprintf(out, "</body></html>\n");
	return ferror(out) ? -EIO : 0;
}
