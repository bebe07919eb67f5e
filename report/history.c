/*
 * history — grouping a history's points into rows and writing them (history.h):
 * the text formats are one row per line; the HTML page adds an inline SVG trend
 * with a polyline per series (environment × strategy × clients level), so runs of
 * another environment are a line of their own and never joined to this one's.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"
#include "report.h"

static const char *const by_names[] = { "run", "commit", "kernel", "host", "day" };

static void group_of(const struct rb_hist_point *p, enum rb_hist_by by, char *out, size_t len)
{
	switch (by) {
	case RB_BY_COMMIT: snprintf(out, len, "%s", p->git_rev); break;
	case RB_BY_KERNEL: snprintf(out, len, "%s", p->kernel); break;
	case RB_BY_HOST: snprintf(out, len, "%s", p->host); break;
	case RB_BY_DAY: snprintf(out, len, "%.10s", p->started); break;
	default: snprintf(out, len, "%s", p->run_key); break;
	}
}

static int same_series(const struct rb_hist_row *r, const char *series, const char *strategy,
		       int clients)
{
	return !strcmp(r->series, series) && !strcmp(r->strategy, strategy) && r->clients == clients;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* the median of the points of one row (group, series, strategy, clients) */
static double row_median(const struct rb_history *h, enum rb_hist_by by, const struct rb_hist_row *r)
{
	double *v = malloc(h->n * sizeof(*v)), m = NAN;
	char g[128];
	size_t i, k = 0;

	if (!v)
		return NAN;
	for (i = 0; i < h->n; i++) {
		const struct rb_hist_point *p = &h->pts[i];

		group_of(p, by, g, sizeof(g));
		if (!strcmp(g, r->group) && isfinite(p->value) &&
		    same_series(r, by == RB_BY_KERNEL ? p->env_fp_nokernel : p->env_fp, p->strategy,
				p->clients))
			v[k++] = p->value;
	}
	if (k) {
		qsort(v, k, sizeof(*v), cmp_double);
		m = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	}
	free(v);
	return m;
}

int history__rows(const struct rb_history *h, enum rb_hist_by by, struct rb_hist_row **rows,
		  size_t *n)
{
	struct rb_hist_row *out = calloc(h->n ? h->n : 1, sizeof(*out)), *r;
	size_t i, j, m = 0;
	char g[128];

	if (!out)
		return -ENOMEM;
	for (i = 0; i < h->n; i++) {
		const struct rb_hist_point *p = &h->pts[i];
		const char *series = by == RB_BY_KERNEL ? p->env_fp_nokernel : p->env_fp;

		group_of(p, by, g, sizeof(g));
		for (j = 0; j < m; j++)
			if (!strcmp(out[j].group, g) && same_series(&out[j], series, p->strategy, p->clients))
				break;
		if (j < m) {
			out[j].runs++;
			continue;
		}
		r = &out[m++];
		snprintf(r->group, sizeof(r->group), "%s", g);
		snprintf(r->started, sizeof(r->started), "%s", p->started);
		snprintf(r->series, sizeof(r->series), "%s", series);
		snprintf(r->strategy, sizeof(r->strategy), "%s", p->strategy);
		r->clients = p->clients;
		r->runs = 1;
	}
	for (i = 0; i < m; i++) {
		out[i].value = row_median(h, by, &out[i]);
		out[i].change = NAN;
		for (j = i; j-- > 0;)
			if (same_series(&out[j], out[i].series, out[i].strategy, out[i].clients)) {
				if (out[j].value > 0)
					out[i].change = out[i].value / out[j].value - 1;
				break;
			}
	}
	*rows = out;
	*n = m;
	return 0;
}

static void fmt_change(char *buf, size_t len, double c)
{
	if (isfinite(c))
		snprintf(buf, len, "%+.1f%%", c * 100);
	else
		snprintf(buf, len, "-");
}

static void fmt_value(char *buf, size_t len, double v)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, len, "%.0f", v);	/* counters: every digit */
	else if (isfinite(v))
		snprintf(buf, len, "%.6g", v);
	else
		snprintf(buf, len, "null");
}

static void render_text(const struct rb_hist_row *rows, size_t n, const char *metric,
			enum rb_hist_by by, int md, FILE *out)
{
	char val[32], chg[32];
	size_t i;

	if (md)
		fprintf(out, "| %s | started | environment | strategy | clients | runs | %s | change |\n"
			"| --- | --- | --- | --- | --- | --- | --- | --- |\n", by_names[by], metric);
	else
		fprintf(out, "%-20s %-20s %-16s %-18s %7s %4s %12s %8s\n", by_names[by], "started",
			"environment", "strategy", "clients", "runs", metric, "change");
	for (i = 0; i < n; i++) {
		const struct rb_hist_row *r = &rows[i];

		fmt_value(val, sizeof(val), r->value);
		fmt_change(chg, sizeof(chg), r->change);
		if (md)
			fprintf(out, "| %s | %s | %s | %s | %d | %d | %s | %s |\n", r->group, r->started,
				r->series, r->strategy, r->clients, r->runs, val, chg);
		else
			fprintf(out, "%-20.20s %-20s %-16s %-18s %7d %4d %12s %8s\n", r->group,
				r->started, r->series, r->strategy, r->clients, r->runs, val, chg);
	}
}

static void csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void render_csv(const struct rb_hist_row *rows, size_t n, const char *metric,
		       enum rb_hist_by by, FILE *out)
{
	char val[32], chg[32];
	size_t i;

	fprintf(out, "%s,started,environment,strategy,clients,runs,%s,change\n", by_names[by], metric);
	for (i = 0; i < n; i++) {
		fmt_value(val, sizeof(val), rows[i].value);
		if (isfinite(rows[i].change))
			snprintf(chg, sizeof(chg), "%.6g", rows[i].change);
		else
			chg[0] = '\0';
		csv_field(out, rows[i].group);
		fprintf(out, ",%s,%s,", rows[i].started, rows[i].series);
		csv_field(out, rows[i].strategy);
		fprintf(out, ",%d,%d,%s,%s\n", rows[i].clients, rows[i].runs,
			strcmp(val, "null") ? val : "", chg);
	}
}

static int render_json(const struct rb_hist_row *rows, size_t n, const char *what,
		       const char *metric, enum rb_hist_by by, FILE *out)
{
	json_object *doc = json_object_new_object(), *arr = json_object_new_array(), *o;
	size_t i;

	json_object_object_add(doc, "history", json_object_new_string(what));
	json_object_object_add(doc, "metric", json_object_new_string(metric));
	json_object_object_add(doc, "by", json_object_new_string(by_names[by]));
	for (i = 0; i < n; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "group", json_object_new_string(rows[i].group));
		json_object_object_add(o, "started", json_object_new_string(rows[i].started));
		json_object_object_add(o, "environment", json_object_new_string(rows[i].series));
		json_object_object_add(o, "strategy", json_object_new_string(rows[i].strategy));
		json_object_object_add(o, "clients", json_object_new_int(rows[i].clients));
		json_object_object_add(o, "runs", json_object_new_int(rows[i].runs));
		json_object_object_add(o, "value", report__json_double(rows[i].value));
		json_object_object_add(o, "change", report__json_double(rows[i].change));
		json_object_array_add(arr, o);
	}
	json_object_object_add(doc, "rows", arr);
	fprintf(out, "%s\n", json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY));
	json_object_put(doc);
	return 0;
}

#define W 760
#define H 320
#define PAD 50

/* One polyline (and its dots) per series, x the row's position in time, y its value. */
static void svg_trend(const struct rb_hist_row *rows, size_t n, const char *metric, FILE *out)
{
	double lo = INFINITY, hi = -INFINITY, x, y;
	size_t i, j, s = 0;
	int *done = calloc(n ? n : 1, sizeof(*done));

	for (i = 0; i < n; i++)
		if (isfinite(rows[i].value)) {
			lo = rows[i].value < lo ? rows[i].value : lo;
			hi = rows[i].value > hi ? rows[i].value : hi;
		}
	if (!done || !isfinite(lo)) {
		free(done);
		return;
	}
	if (hi <= lo)
		hi = lo + 1;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
		"<text x=\"4\" y=\"14\" font-size=\"12\">%s: %.6g .. %.6g</text>\n", W, H + 20 * 0, metric,
		lo, hi);
	for (i = 0; i < n; i++) {
		if (done[i])
			continue;
		fprintf(out, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
			report_html__color(s));
		for (j = i; j < n; j++) {
			if (!same_series(&rows[j], rows[i].series, rows[i].strategy, rows[i].clients))
				continue;
			done[j] = 1;
			if (!isfinite(rows[j].value))
				continue;
			x = PAD + (double)(W - 2 * PAD) * (n > 1 ? (double)j / (double)(n - 1) : 0.5);
			y = H - PAD - (double)(H - 2 * PAD) * (rows[j].value - lo) / (hi - lo);
			fprintf(out, "%.1f,%.1f ", x, y);
		}
		fprintf(out, "\"/>\n<text x=\"%d\" y=\"%zu\" font-size=\"11\" fill=\"%s\">", W - 240,
			30 + 14 * s, report_html__color(s));
		report_html__escape(out, rows[i].strategy);
		fprintf(out, " (%d clients) env %s</text>\n", rows[i].clients, rows[i].series);
		s++;
	}
	fputs("</svg>\n", out);
	free(done);
}

static void render_html(const struct rb_hist_row *rows, size_t n, const char *what,
			const char *metric, enum rb_hist_by by, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>rabench history: ", out);
	report_html__escape(out, what);
	fputs("</title></head>\n<body style=\"font-family: sans-serif\">\n<h1>rabench history: ", out);
	report_html__escape(out, what);
	fprintf(out, "</h1>\n<p>%s by %s: a line per environment, strategy and clients level.</p>\n",
		metric, by_names[by]);
	svg_trend(rows, n, metric, out);
	fputs("<pre>\n", out);
	render_text(rows, n, metric, by, 0, out);
	fputs("</pre>\n</body></html>\n", out);
}

int history__render(const struct rb_hist_row *rows, size_t n, const char *what,
		    const char *metric, enum rb_hist_by by, enum rb_hist_format fmt, FILE *out)
{
	switch (fmt) {
	case RB_HF_MD:
		fprintf(out, "# rabench history: %s (%s by %s)\n\n", what, metric, by_names[by]);
		render_text(rows, n, metric, by, 1, out);
		return 0;
	case RB_HF_CSV:
		render_csv(rows, n, metric, by, out);
		return 0;
	case RB_HF_JSON:
		return render_json(rows, n, what, metric, by, out);
	case RB_HF_HTML:
		render_html(rows, n, what, metric, by, out);
		return 0;
	default:
		render_text(rows, n, metric, by, 0, out);
		return 0;
	}
}
