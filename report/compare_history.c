/*
 * compare_history — the gate against history (`rabench compare --history N`): the
 * last N comparable runs (same config and environment fingerprints, read back from
 * the results database) pooled into one base document, which compare__run judges
 * the new run against with its usual tests (every query of the N runs pooled); and
 * the drift check over the series of run medians (lib/drift.h), which sees what no
 * single step does: five runs each 2 % slower.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "report.h"
#include "lib/drift.h"

/* The metrics whose series the drift check judges (times: counters gate each step exactly). */
static const char *const drift_metrics[] = { "p50_us", "p99_us", NULL };

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* entry (name, clients)'s spread of metric across docs: median of medians, min, max */
static json_object *pooled_spread(json_object *const *docs, int n, const char *name, int clients,
				  const char *metric)
{
	double med[256], lo = INFINITY, hi = -INFINITY, v;
	json_object *s, *e;
	size_t k = 0;
	int i;

	for (i = 0; i < n && k < 256; i++) {
		e = report__entry(report__get(report__get(docs[i], "summary"), "strategies"), name, clients);
		v = report__median(e, metric);
		if (!isfinite(v))
			continue;
		med[k++] = v;
		s = report__get(e, metric);
		lo = fmin(lo, report__get(s, "min") ? json_object_get_double(report__get(s, "min")) : v);
		hi = fmax(hi, report__get(s, "max") ? json_object_get_double(report__get(s, "max")) : v);
	}
	if (!k)
		return NULL;
	s = json_object_new_object();
	json_object_object_add(s, "median", report__json_double(median_of(med, k)));
	json_object_object_add(s, "min", report__json_double(lo));
	json_object_object_add(s, "max", report__json_double(hi));
	return s;
}

static json_object *pooled_entry(json_object *const *docs, int n, json_object *like)
{
	const char *name = json_object_get_string(report__get(like, "name"));
	int clients = report__entry_clients(like);
	json_object *e = json_object_new_object(), *s;

	json_object_object_add(e, "name", json_object_new_string(name));
	json_object_object_add(e, "clients", json_object_new_int(clients));
	json_object_object_foreach(like, metric, v) {
		if (!v || !json_object_is_type(v, json_type_object))
			continue;
		s = pooled_spread(docs, n, name, clients, metric);
		json_object_object_add(e, metric, s);
	}
	return e;
}

json_object *compare__pool(json_object *const *docs, int n)
{
	json_object *base, *reps, *list, *newest, *sum, *e;
	size_t i;
	int d;

	if (n < 1)
		return NULL;
	newest = docs[n - 1];
	base = json_object_new_object();
	json_object_object_add(base, "schema_version", json_object_new_int(RB_REPORT_SCHEMA_VERSION));
	json_object_object_add(base, "config", json_object_get(report__get(newest, "config")));
	json_object_object_add(base, "environment", json_object_get(report__get(newest, "environment")));
	reps = json_object_new_array();
	for (d = 0; d < n; d++)
		for (i = 0; i < json_object_array_length(report__get(docs[d], "repeats")); i++)
			json_object_array_add(reps, json_object_get(json_object_array_get_idx(
						    report__get(docs[d], "repeats"), i)));
	json_object_object_add(base, "repeats", reps);
	list = json_object_new_array();
	e = report__get(report__get(newest, "summary"), "strategies");
	for (i = 0; e && i < json_object_array_length(e); i++)
		json_object_array_add(list, pooled_entry(docs, n, json_object_array_get_idx(e, i)));
	sum = json_object_new_object();
	json_object_object_add(sum, "strategies", list);
	json_object_object_add(base, "summary", sum);
	return base;
}

static int drift_one(json_object *const *docs, int n, json_object *entry,
		     const char *metric, double tol, FILE *out)
{
	const char *name = json_object_get_string(report__get(entry, "name"));
	int clients = report__entry_clients(entry), i;
	double *v = malloc((size_t)(n + 1) * sizeof(*v));
	struct rb_drift d;
	int rc;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = report__median(report__entry(report__get(report__get(docs[i], "summary"),
								"strategies"), name, clients), metric);
	v[n] = report__median(entry, metric);
	rc = drift__check(v, (size_t)n + 1, tol, 0.05, &d);
	free(v);
	if (rc == -EINVAL) {
		fprintf(out, "| %s, %d client(s) | %s | %zu runs | too few for a trend (need %d) | - |\n",
			name, clients, metric, d.n, RB_DRIFT_MIN_RUNS);
		return 0;
	}
	if (rc)
		return rc;
	fprintf(out, "| %s, %d client(s) | %s | %zu runs | %+.1f%% over the window, Mann-Kendall p=%.2g | %s |\n",
		name, clients, metric, d.n, d.change * 100, d.mk_p, d.flagged ? "DRIFT" : "ok");
	return d.flagged;
}

int compare__drift(json_object *const *docs, int n, json_object *new_, double tol, FILE *out)
{
	json_object *list = report__get(report__get(new_, "summary"), "strategies");
	const char *const *m;
	int flagged = 0, rc;
	size_t i;

	fprintf(out, "\n## drift over the last %d runs and this one (tolerance %.1f%% over the window)\n\n"
		"| strategy | metric | series | trend | verdict |\n| --- | --- | --- | --- | --- |\n",
		n, tol * 100);
	for (i = 0; list && i < json_object_array_length(list); i++)
		for (m = drift_metrics; *m; m++) {
			rc = drift_one(docs, n, json_object_array_get_idx(list, i), *m, tol, out);
			if (rc < 0)
				return rc;
			flagged += rc;
		}
	return flagged;
}
