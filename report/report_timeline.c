/*
 * report_timeline — the Timeline section of report.html, from each repeat's
 * "timeline" (samples every 100 ms of the query phase, harness/timeline.h):
 *   - queries done over time, one series per strategy (its first repeat);
 *   - small multiples: a row per strategy, a panel per figure (queries/s,
 *     process MB/s, major faults/s, page-cache hit ratio), a line per repeat,
 *     each figure on the same scale in every row so the rows compare;
 *   - the page-cache hit ratio per strategy (lookups that found the page, over
 *     the whole phase; median across repeats), when the probes ran.
 * Rates are differences of the cumulative samples over their interval.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define SM_W 220
#define SM_H 120
#define SM_PAD 28
#define OV_W 720
#define OV_H 260
#define OV_PAD 60
#define OV_PAD_R 150

enum fig { F_QPS, F_MBS, F_FAULTS, F_HIT, N_FIGS };

static const struct {
	const char *name, *unit;
} figs[N_FIGS] = {
	{ "queries/s", "q/s" }, { "process read MB/s", "MB/s" }, { "major faults/s", "/s" },
	{ "page-cache hit ratio", "%" },
};

/* Element i of an array column (0 for anything else: a report is input, never trusted). */
static long long at(json_object *col, size_t i)
{
	if (!col || json_object_get_type(col) != json_type_array || i >= json_object_array_length(col))
		return 0;
	return json_object_get_int64(json_object_array_get_idx(col, i));
}

/* Figure f of sample i of timeline t (NAN when it is not measured). */
static double value(json_object *t, enum fig f, size_t i)
{
	json_object *ts = report__get(t, "t_ms");
	double dt = (at(ts, i) - (i ? at(ts, i - 1) : 0)) / 1000.0;
	const char *cols[] = { "queries", "read_bytes", "major_faults" };
	json_object *hits = report__get(t, "hits"), *look = report__get(t, "lookups");
	long long dl;

	if (f == F_HIT) {
		if (!hits || !look || json_object_get_type(hits) != json_type_array)
			return NAN;
		dl = at(look, i) - (i ? at(look, i - 1) : 0);
		return dl > 0 ? 100.0 * (at(hits, i) - (i ? at(hits, i - 1) : 0)) / dl : NAN;
	}
	if (dt <= 0)
		return NAN;
	json_object *c = report__get(t, cols[f]);
	double d = (double)(at(c, i) - (i ? at(c, i - 1) : 0)) / dt;

	return f == F_MBS ? d / 1e6 : d;
}

/* Samples of timeline t: t_ms's length when every column it needs is an array that long, else 0. */
static size_t samples(json_object *t)
{
	static const char *const need[] = { "queries", "read_bytes", "major_faults" };
	static const char *const probe[] = { "hits", "lookups" };
	json_object *ts = report__get(t, "t_ms"), *c;
	size_t n, i;

	if (!ts || json_object_get_type(ts) != json_type_array)
		return 0;
	n = json_object_array_length(ts);
	for (i = 0; i < 3; i++) {
		c = report__get(t, need[i]);
		if (!c || json_object_get_type(c) != json_type_array || json_object_array_length(c) < n)
			return 0;
	}
	for (i = 0; i < 2; i++) {
		c = report__get(t, probe[i]);
		if (c && (json_object_get_type(c) != json_type_array || json_object_array_length(c) < n))
			return 0;
	}
	return n;
}

/* Does repeat r belong to summary entry e (its strategy and clients level)? */
static bool of_entry(json_object *r, json_object *e)
{
	json_object *rc = report__get(r, "clients"), *ec = report__get(e, "clients");
	const char *rs = json_object_get_string(report__get(r, "strategy"));
	const char *es = json_object_get_string(report__get(e, "name"));

	return rs && es && !strcmp(rs, es) &&
	       (!rc || !ec || json_object_get_int(rc) == json_object_get_int(ec));
}

static void polyline(FILE *out, const char *cls, const char *color, json_object *t, enum fig f,
		     double xmax, double ymax, int x0, int y0, int w, int h)
{
	json_object *ts = report__get(t, "t_ms");
	size_t i, n = samples(t);
	double v;

	fprintf(out, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
		"points=\"", cls, color);
	for (i = 0; i < n; i++) {
		v = value(t, f, i);
		if (isnan(v))
			continue;
		fprintf(out, "%.1f,%.1f ", x0 + at(ts, i) / 1000.0 / xmax * w,
			y0 - fmin(v, ymax) / ymax * h);
	}
	fprintf(out, "\"/>\n");
}

static void small_panel(FILE *out, json_object *repeats, json_object *e, enum fig f,
			double xmax, double ymax)
{
	size_t i, n = json_object_array_length(repeats), k = 0;
	int x0 = SM_PAD, y0 = SM_H - 18, w = SM_W - SM_PAD - 6, h = SM_H - 36;
	json_object *r;

	fprintf(out, "<svg class=\"timeline\" data-strategy=\"");
	report_html__escape(out, json_object_get_string(report__get(e, "name")));
	fprintf(out, "\" data-figure=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\"><title>%s</title>"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
		"<text x=\"%d\" y=\"12\" font-size=\"11\">%s (max %.4g)</text>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#000\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%.3g s</text>\n",
		(int)f, SM_W, SM_H, SM_W, SM_H, figs[f].name, x0, figs[f].name, ymax, x0, y0, x0 + w,
		y0, x0, y0, x0, y0 - h, x0 + w, SM_H - 4, xmax);
	for (i = 0; i < n; i++) {
		r = json_object_array_get_idx(repeats, i);
		if (of_entry(r, e) && report__get(r, "timeline"))
			polyline(out, "tl-repeat", report_html__color(k++), report__get(r, "timeline"),
				 f, xmax, ymax, x0, y0, w, h);
	}
	fprintf(out, "</svg>\n");
}

/* The largest figure f reaches in any repeat (a common scale), and the longest phase. */
static double max_of(json_object *repeats, enum fig f, double *xmax)
{
	size_t i, j, n = json_object_array_length(repeats), m;
	double max = 0, v;
	json_object *t;

	for (i = 0; i < n; i++) {
		t = report__get(json_object_array_get_idx(repeats, i), "timeline");
		m = samples(t);
		for (j = 0; j < m; j++) {
			v = value(t, f, j);
			if (!isnan(v))
				max = fmax(max, v);
		}
		if (m)
			*xmax = fmax(*xmax, at(report__get(t, "t_ms"), m - 1) / 1000.0);
	}
	return max;
}

/* Queries done over time: a series per strategy (its first repeat with a timeline). */
static void overview(FILE *out, json_object *strategies, json_object *repeats, double xmax)
{
	size_t i, j, ns = json_object_array_length(strategies), n = json_object_array_length(repeats);
	double qmax = 1, y0 = OV_H - 30, h = OV_H - 50, w = OV_W - OV_PAD - OV_PAD_R;
	json_object *t, *q;

	for (j = 0; j < n; j++) {
		t = report__get(json_object_array_get_idx(repeats, j), "timeline");
		q = report__get(t, "queries");
		if (samples(t))
			qmax = fmax(qmax, (double)at(q, samples(t) - 1));
	}
	fprintf(out, "<figure><svg class=\"timeline-overview\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>queries done over time</title>"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
		"<line x1=\"%d\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"#000\"/>"
		"<line x1=\"%d\" y1=\"%.0f\" x2=\"%d\" y2=\"20\" stroke=\"#000\"/>"
		"<text x=\"%.0f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">seconds into the query "
		"phase (0 .. %.3g)</text><text x=\"8\" y=\"16\" font-size=\"12\">queries done (0 .. %.0f)"
		"</text>\n", OV_W, OV_H, OV_W, OV_H, OV_PAD, y0, OV_PAD + w, y0, OV_PAD, y0, OV_PAD,
		OV_PAD + w / 2, OV_H - 8, xmax, qmax);
	for (i = 0; i < ns; i++) {
		json_object *e = json_object_array_get_idx(strategies, i);

		for (j = 0; j < n; j++) {
			json_object *r = json_object_array_get_idx(repeats, j);

			t = report__get(r, "timeline");
			if (!of_entry(r, e) || !samples(t))
				continue;
			q = report__get(t, "queries");
			fprintf(out, "<polyline class=\"tl-series\" data-strategy=\"");
			report_html__escape(out, json_object_get_string(report__get(e, "name")));
			fprintf(out, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%d,%.0f ",
				report_html__color(i), OV_PAD, y0);
			for (size_t k = 0; k < samples(t); k++)
				fprintf(out, "%.1f,%.1f ",
					OV_PAD + at(report__get(t, "t_ms"), k) / 1000.0 / xmax * w,
					y0 - at(q, k) / qmax * h);
			fprintf(out, "\"/>\n");
			break;
		}
		fprintf(out, "<rect x=\"%.0f\" y=\"%zu\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%.0f\" y=\"%zu\" font-size=\"12\">", OV_PAD + w + 16, 24 + 18 * i,
			report_html__color(i), OV_PAD + w + 32, 34 + 18 * i);
		report_html__escape(out, json_object_get_string(report__get(e, "name")));
		fprintf(out, "</text>\n");
	}
	fprintf(out, "</svg><figcaption>Queries done since the start of the query phase, the first "
		"repeat of each strategy (sampled every 100 ms).</figcaption></figure>\n");
}

/* Hit ratio over a whole repeat: its last sample's hits over lookups. */
static double repeat_hit_ratio(json_object *t)
{
	json_object *hits = report__get(t, "hits"), *look = report__get(t, "lookups");
	size_t n = samples(t);

	if (!n || !hits || !look || json_object_get_type(hits) != json_type_array ||
	    at(look, n - 1) <= 0)
		return NAN;
	return 100.0 * at(hits, n - 1) / at(look, n - 1);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void hit_ratio_chart(FILE *out, json_object *strategies, json_object *repeats)
{
	size_t i, j, ns = json_object_array_length(strategies), n = json_object_array_length(repeats);
	double v[256], med, bw = 500.0 / (ns ? ns : 1);
	size_t m;

	fprintf(out, "<figure><svg class=\"hit-ratio\" xmlns=\"http://www.w3.org/2000/svg\" "
		"width=\"620\" height=\"220\" viewBox=\"0 0 620 220\"><title>page-cache hit ratio per "
		"strategy</title><rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>"
		"<line x1=\"50\" y1=\"180\" x2=\"560\" y2=\"180\" stroke=\"#000\"/>"
		"<text x=\"8\" y=\"16\" font-size=\"12\">hit ratio %% (0 .. 100)</text>\n");
	for (i = 0; i < ns; i++) {
		json_object *e = json_object_array_get_idx(strategies, i);

		for (j = 0, m = 0; j < n && m < 256; j++) {
			json_object *r = json_object_array_get_idx(repeats, j);
			double h = of_entry(r, e) ? repeat_hit_ratio(report__get(r, "timeline")) : NAN;

			if (!isnan(h))
				v[m++] = h;
		}
		fprintf(out, "<text x=\"%.0f\" y=\"196\" font-size=\"11\" text-anchor=\"middle\">",
			55 + bw * (i + 0.5));
		report_html__escape(out, json_object_get_string(report__get(e, "name")));
		fprintf(out, "</text>\n");
		if (!m)
			continue;
		qsort(v, m, sizeof(v[0]), cmp_d);
		med = m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
		fprintf(out, "<rect class=\"hit-bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"%s\"><title>%.1f %%</title></rect><text x=\"%.1f\" y=\"%.1f\" "
			"font-size=\"10\" text-anchor=\"middle\">%.1f %%</text>\n", 55 + bw * i + bw * 0.2,
			180 - med * 1.5, bw * 0.6, med * 1.5, report_html__color(i), med,
			55 + bw * (i + 0.5), 176 - med * 1.5, med);
	}
	fprintf(out, "</svg><figcaption>Page-cache hit ratio over the query phase: pages read() asked "
		"for and faults on the files' mappings that found the page cached (eBPF probes); median "
		"across repeats.</figcaption></figure>\n");
}

void report_html__timeline(FILE *out, json_object *report)
{
	json_object *strategies = report__get(report__get(report, "summary"), "strategies");
	json_object *repeats = report__get(report, "repeats");
	double ymax[N_FIGS], xmax = 0;
	size_t i, ns = strategies && json_object_get_type(strategies) == json_type_array ?
		       json_object_array_length(strategies) : 0;
	bool probes;
	int f;

	if (!ns || !repeats || json_object_get_type(repeats) != json_type_array ||
	    json_object_get_type(strategies) != json_type_array)
		return;
	for (f = 0; f < N_FIGS; f++)
		ymax[f] = max_of(repeats, (enum fig)f, &xmax);
	if (xmax <= 0) {
		fprintf(out, "<h2>Timeline</h2>\n<p>No timeline in this report (written by a rabench "
			"from before timelines).</p>\n");
		return;
	}
	/* the probes ran when a repeat's hits are measured (0 % is a figure, not an absence) */
	probes = false;
	for (i = 0; i < json_object_array_length(repeats) && !probes; i++) {
		json_object *h = report__get(report__get(json_object_array_get_idx(repeats, i),
							 "timeline"), "hits");

		probes = h && json_object_get_type(h) == json_type_array;
	}
	fprintf(out, "<h2>Timeline</h2>\n<p>How each repeat's query phase unfolded, sampled every "
		"100 ms: one row per strategy, one line per repeat, every panel of a column on the same "
		"scale.%s</p>\n", probes ? "" : " The hit ratio needs the eBPF probes, which did not run.");
	overview(out, strategies, repeats, xmax);
	for (i = 0; i < ns; i++) {
		json_object *e = json_object_array_get_idx(strategies, i);

		fprintf(out, "<div class=\"tl-row\"><h3>");
		report_html__escape(out, json_object_get_string(report__get(e, "name")));
		fprintf(out, "</h3>\n");
		for (f = 0; f < N_FIGS; f++)
			if (f != F_HIT || probes)
				small_panel(out, repeats, e, (enum fig)f, xmax, ymax[f] > 0 ? ymax[f] : 1);
		fprintf(out, "</div>\n");
	}
	if (probes)
		hit_ratio_chart(out, strategies, repeats);
}
