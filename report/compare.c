/*
 * compare — base vs new, metric by metric (see compare.h for the rules).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "config/config.h"
#include "report.h"
#include "lib/stats.h"
#include "lib/stattest.h"

#define ALPHA		0.01	/* significance of a time difference */
#define BOOT_ITERS	2000	/* bootstrap resamples of the p99 ratio */
#define BOOT_SEED	20261130

enum cmp_kind {
	CMP_COUNTER,   /* deterministic: tolerance max(rel * base, abs) */
	CMP_MEDIAN,    /* latency median: Mann-Whitney U on every query, and > rel */
	CMP_TAIL,      /* latency p99: bootstrap interval of the ratio above 1, and > rel */
	CMP_ABS,       /* absolute tolerance only (recall) */
	CMP_INFO,      /* shown, never gated */
};

struct cmp_metric {
	const char *name;       /* summary field */
	const char *label;
	enum cmp_kind kind;
	int higher_is_better;
	double rel_tol;
	double abs_tol;
};

/* The gate's rules. A new metric in the summary is one line here. */
static const struct cmp_metric cmp_metrics[] = {
	{ "proc_read_bytes", "process bytes read", CMP_COUNTER, 0, 0.02, 65536 },
	{ "read_amplification", "read amplification", CMP_COUNTER, 0, 0.02, 0.01 },
	{ "majflt", "major faults", CMP_COUNTER, 0, 0.02, 8 },
	{ "recall", "recall@k", CMP_ABS, 1, 0, 0.005 },
	{ "p50_us", "p50 latency (us)", CMP_MEDIAN, 0, 0.10, 50 },
	{ "p99_us", "p99 latency (us)", CMP_TAIL, 0, 0.10, 99 },
	{ "qps", "queries/s", CMP_INFO, 1, 0, 0 },
	{ "dev_read_bytes", "device bytes read", CMP_INFO, 0, 0, 0 },
	{ "minflt", "minor faults", CMP_INFO, 0, 0, 0 },
	{ NULL },
};

/*
 * Config keys that shape what is measured: if they differ, the runs are not
 * comparable. Whole sections by prefix (with the dot), single keys exactly.
 */
static const char *const shaping_prefixes[] = { "dataset.", "index.", "workload.", NULL };
static const char *const shaping_keys[] = { "run.cache", "run.memory_limit", NULL };

/*
 * What the environment must share for counters to compare: default's bytes and
 * faults are a function of the kernel, read_ahead_kb, the device, the file
 * system and the memory (page cache size). Different: exit 2, unless allowed.
 */
static const char *const env_keys[] = { "kernel", "read_ahead_kb", "device", "device_model",
					"fs_type", "mem_total_bytes", NULL };

static const struct cmp_metric *find_metric(const char *name)
{
	const struct cmp_metric *m;

	for (m = cmp_metrics; m->name; m++)
		if (strcmp(m->name, name) == 0)
			return m;
	return NULL;
}

int compare__parse_threshold(struct rb_compare_opts *opts, const char *arg, char *err, size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char *end;
	double pct;
	size_t len;

	if (!eq || eq == arg) {
		snprintf(err, errlen, "--threshold: '%s' is not METRIC=PERCENT", arg);
		return -EINVAL;
	}
	len = (size_t)(eq - arg);
	pct = strtod(eq + 1, &end);
	if (*end || end == eq + 1 || !(pct >= 0) || pct > 1000) {
		snprintf(err, errlen, "--threshold: '%s' is not a percentage (0..1000)", eq + 1);
		return -EINVAL;
	}
	if (len >= sizeof(opts->overrides[0].metric) || opts->n_overrides == RB_COMPARE_MAX_OVERRIDES) {
		snprintf(err, errlen, "--threshold: too many or too long: '%s'", arg);
		return -EINVAL;
	}
	memcpy(opts->overrides[opts->n_overrides].metric, arg, len);
	opts->overrides[opts->n_overrides].metric[len] = '\0';
	if (!find_metric(opts->overrides[opts->n_overrides].metric)) {
		snprintf(err, errlen, "--threshold: unknown metric '%s' (see rabench compare --help)",
			 opts->overrides[opts->n_overrides].metric);
		return -EINVAL;
	}
	opts->overrides[opts->n_overrides++].rel_tol = pct / 100.0;
	return 0;
}

static double rel_tol_of(const struct cmp_metric *m, const struct rb_compare_opts *opts)
{
	int i;

	for (i = 0; opts && i < opts->n_overrides; i++)
		if (strcmp(opts->overrides[i].metric, m->name) == 0)
			return opts->overrides[i].rel_tol;
	return m->rel_tol;
}

static int config_shapes(const char *key)
{
	const char *const *p;

	for (p = shaping_prefixes; *p; p++)
		if (strncmp(key, *p, strlen(*p)) == 0)
			return 1;
	for (p = shaping_keys; *p; p++)
		if (strcmp(key, *p) == 0)
			return 1;
	return 0;
}

/* Is v the default value of config key (what a report from before the key meant)? */
static bool is_default(const char *key, json_object *v)
{
	const struct rb_key *k = config__find_key(key);

	if (!k || !k->def)
		return false;
	if (json_object_is_type(v, json_type_string))
		return !strcmp(json_object_get_string(v), k->def);
	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int))
		return json_object_get_double(v) == strtod(k->def, NULL);
	return !strcmp(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), k->def);
}

/* The shaping keys of a that b lacks or holds another value for: the first, in err. */
static int config_differs(json_object *a, json_object *b, int a_is_base, char *err, size_t errlen)
{
	json_object *bv = NULL;
	const char *as, *bs;

	json_object_object_foreach(a, key, av) {
		if (!config_shapes(key))
			continue;
		as = json_object_to_json_string(av);
		if (!json_object_object_get_ex(b, key, &bv) && is_default(key, av))
			continue;	/* a key the other rabench did not have yet, at its default */
		bs = bv ? json_object_to_json_string(bv) : "(absent)";
		if (strcmp(as, bs)) {
			snprintf(err, errlen, "config differs: %s is %s in base, %s in new", key,
				 a_is_base ? as : bs, a_is_base ? bs : as);
			return 1;
		}
	}
	return 0;
}

static int check_comparable(json_object *base, json_object *new_, char *err, size_t errlen)
{
	json_object *bc, *nc;

	if (!json_object_object_get_ex(base, "config", &bc) ||
	    !json_object_object_get_ex(new_, "config", &nc)) {
		snprintf(err, errlen, "a report has no config");
		return -EINVAL;
	}
	/* the union of both runs' keys: a key only one run has is a difference too */
	if (config_differs(bc, nc, 1, err, errlen) || config_differs(nc, bc, 0, err, errlen))
		return -EINVAL;
	return 0;
}

/*
 * Environments that differ where counters depend on them: refused (-EXDEV, the
 * reason in err) unless opts allow it, then a warning. CPU and core count only
 * ever warn: they move times, not counters.
 */
static int check_env(json_object *base, json_object *new_, const struct rb_compare_opts *opts,
		     struct rb_compare *out, char *err, size_t errlen)
{
	static const char *const warn_keys[] = { "ncpu", "cpu_model", NULL };
	json_object *be, *ne, *bv, *nv;
	const char *const *k;
	size_t used;
	int pass;

	if (!json_object_object_get_ex(base, "environment", &be) ||
	    !json_object_object_get_ex(new_, "environment", &ne))
		return 0;
	for (pass = 0; pass < 2; pass++)
		for (k = pass ? warn_keys : env_keys; *k; k++) {
			bool hb = json_object_object_get_ex(be, *k, &bv);
			bool hn = json_object_object_get_ex(ne, *k, &nv);

			if (hb != hn) {
				/* a report from a rabench that did not record it yet: cannot tell */
				used = strlen(out->warnings);
				snprintf(out->warnings + used, sizeof(out->warnings) - used,
					 "environment: %s is not recorded in %s\n", *k,
					 hb ? "new" : "base");
				continue;
			}
			if (!hb || !strcmp(json_object_to_json_string(bv), json_object_to_json_string(nv)))
				continue;
			if (!pass && !(opts && opts->allow_env_change)) {
				snprintf(err, errlen, "cannot compare counters: the environment differs: "
					 "%s is %s in base, %s in new (--allow-env-change compares anyway)",
					 *k, json_object_to_json_string(bv), json_object_to_json_string(nv));
				return -EXDEV;
			}
			used = strlen(out->warnings);
			snprintf(out->warnings + used, sizeof(out->warnings) - used,
				 "environments differ: %s is %s in base, %s in new\n", *k,
				 json_object_to_json_string(bv), json_object_to_json_string(nv));
		}
	return 0;
}

static json_object *summary_list(json_object *doc)
{
	json_object *sum, *list;

	if (!json_object_object_get_ex(doc, "summary", &sum) ||
	    !json_object_object_get_ex(sum, "strategies", &list))
		return NULL;
	return list;
}

/* The entry of (name, clients) in doc's summary: runs are compared level by level. */
static json_object *strategy_summary(json_object *doc, const char *name, int clients)
{
	return report__entry(summary_list(doc), name, clients);
}

/* An entry listed twice in doc's summary (which one would it gate?), or NULL. */
static json_object *duplicate_strategy(json_object *doc)
{
	json_object *list = summary_list(doc), *s, *n;
	size_t i;

	for (i = 0; list && i < json_object_array_length(list); i++) {
		s = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(s, "name", &n) && n &&
		    strategy_summary(doc, json_object_get_string(n), report__entry_clients(s)) != s)
			return s;
	}
	return NULL;
}

/* median, min, max of one figure; 0 when absent or null */
static int figure(json_object *s, const char *metric, double *med, double *min, double *max)
{
	json_object *f, *v;

	if (!s || !json_object_object_get_ex(s, metric, &f) || !json_object_is_type(f, json_type_object))
		return -ENOENT;
	if (!json_object_object_get_ex(f, "median", &v) || json_object_is_type(v, json_type_null))
		return -ENOENT;
	*med = json_object_get_double(v);
	*min = json_object_object_get_ex(f, "min", &v) ? json_object_get_double(v) : *med;
	*max = json_object_object_get_ex(f, "max", &v) ? json_object_get_double(v) : *med;
	return 0;
}

/* Counters and recall: the median against a tolerance. */
static enum rb_verdict judge(const struct cmp_metric *m, double tol, const double b[3], const double n[3])
{
	/* worse > 0 when the new run is worse, in the metric's own units */
	double worse = m->higher_is_better ? b[0] - n[0] : n[0] - b[0];
	double slack;

	switch (m->kind) {
	case CMP_ABS:
		slack = m->abs_tol;
		break;
	case CMP_COUNTER:
		slack = fmax(tol * fabs(b[0]), m->abs_tol);
		break;
	default:
		return RB_INFO;
	}
	if (worse > slack)
		return RB_REGRESSION;
	if (-worse > slack)
		return RB_BETTER;
	return RB_SAME;
}

/* Is repeat r one of (name, clients)? */
static bool repeat_of(json_object *r, const char *name, int clients)
{
	json_object *v;

	if (!json_object_object_get_ex(r, "strategy", &v) || strcmp(json_object_get_string(v), name))
		return false;
	return !(json_object_object_get_ex(r, "clients", &v) && v && json_object_get_int(v) != clients);
}

/*
 * Every query's latency of doc's repeats of (name, clients), pooled; only the
 * which-th of those repeats when which >= 0 (NULL with *n 0 past the last).
 */
static double *samples_of(json_object *doc, const char *name, int clients, int which, size_t *n)
{
	json_object *reps, *r, *v, *lat;
	double *out = NULL, *grown;
	size_t i, j, len, batch;
	int seen = -1;

	*n = 0;
	if (!json_object_object_get_ex(doc, "repeats", &reps))
		return NULL;
	for (i = 0; i < json_object_array_length(reps); i++) {
		r = json_object_array_get_idx(reps, i);
		if (!repeat_of(r, name, clients))
			continue;
		if (which >= 0 && ++seen != which)
			continue;
		if (!json_object_object_get_ex(r, "latency_samples_us", &lat) ||
		    !json_object_is_type(lat, json_type_array))
			continue;
		/* a batch's queries share one latency: one sample per batch, not B copies */
		batch = json_object_object_get_ex(r, "batch", &v) && v && json_object_get_int(v) > 1 ?
			(size_t)json_object_get_int(v) : 1;
		len = json_object_array_length(lat);
		grown = realloc(out, (*n + len + 1) * sizeof(*out));
		if (!grown) {
			free(out);
			*n = 0;
			return NULL;
		}
		out = grown;
		for (j = 0; j < len; j += batch)
			out[(*n)++] = json_object_get_double(json_object_array_get_idx(lat, j));
	}
	return out;
}

/* Nearest-rank percentile pct of n samples (sorted in place). */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pooled_pct(double *v, size_t n, double pct)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return stats__percentile_sorted(v, n, pct);
}

static double *pooled(json_object *doc, const char *name, int clients, size_t *n)
{
	return samples_of(doc, name, clients, -1, n);
}

/*
 * The noise floor of a side: how far apart the same build's own repeats of one
 * strategy put percentile pct in one run (largest ratio between two repeats, - 1).
 * A difference between two runs no bigger than that is no evidence of a change,
 * whatever a test on the pooled samples says (the disk's speed drifts within a
 * minute). 0 with fewer than two repeats that hold enough samples.
 */
static double own_spread(json_object *doc, const char *name, int clients, double pct)
{
	double lo = INFINITY, hi = 0, v, *s;
	size_t n, need = stats__min_samples(pct);
	int k, have = 0;

	for (k = 0; (s = samples_of(doc, name, clients, k, &n)) || n; k++) {
		if (s && n >= need && n >= 20) {
			v = pooled_pct(s, n, pct);
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
			have++;
		}
		free(s);
		if (!s)
			break;
	}
	return have >= 2 && lo > 0 ? hi / lo - 1 : 0;
}

/*
 * A latency figure from every query of both runs: significant (Mann-Whitney
 * p < ALPHA for the median; the bootstrap 95 % interval of the p99 ratio
 * excluding 1) and bigger than the tolerance. Too few samples: shown, not gated.
 */
static enum rb_verdict judge_time(const struct cmp_metric *m, double tol, double floor,
				  struct rb_compare_row *r, double *bs, size_t nb, double *ns, size_t nn)
{
	double pct = m->abs_tol, ratio, p, q, lo, hi;
	size_t need = stats__min_samples(pct), len;
	char noise[48] = "";

	if (floor > tol) {
		snprintf(noise, sizeof(noise), "; own repeats differ %.0f%%", floor * 100);
		tol = floor;
	}

	if (nb < need || nn < need || nb < 20 || nn < 20) {
		snprintf(r->stat, sizeof(r->stat), "too few samples (%zu, %zu; need %zu)", nb, nn,
			 need > 20 ? need : 20);
		return RB_INFO;
	}
	/* the figures judged are those of the pooled samples (equal to the summary's, which pools them too) */
	r->base = pooled_pct(bs, nb, pct);
	r->new_ = pooled_pct(ns, nn, pct);
	ratio = r->base > 0 ? r->new_ / r->base : NAN;
	r->change = ratio - 1;
	if (m->kind == CMP_MEDIAN) {
		p = stattest__mann_whitney_greater(bs, nb, ns, nn);
		q = stattest__mann_whitney_greater(ns, nn, bs, nb);	/* new faster */
		snprintf(r->stat, sizeof(r->stat), "U test p=%.2g (slower), %.2g (faster)%s", p, q,
			 noise);
		if (p < ALPHA && ratio > 1 + tol)
			return RB_REGRESSION;
		if (q < ALPHA && ratio < 1 / (1 + tol))
			return RB_BETTER;
		return RB_SAME;
	}
	if (stattest__bootstrap_ratio(bs, nb, ns, nn, pct, 0.95, BOOT_ITERS, BOOT_SEED, &lo, &hi)) {
		snprintf(r->stat, sizeof(r->stat), "no interval");
		return RB_INFO;
	}
	snprintf(r->stat, sizeof(r->stat), "ratio 95%% CI [%.3f, %.3f]", lo, hi);
	len = strlen(r->stat);
	snprintf(r->stat + len, sizeof(r->stat) - len, "%s", noise);
	if (lo > 1 && ratio > 1 + tol)
		return RB_REGRESSION;
	if (hi < 1 && ratio < 1 / (1 + tol))
		return RB_BETTER;
	return RB_SAME;
}

/* A zeroed row appended for strategy, or NULL when out of memory. */
static struct rb_compare_row *new_row(struct rb_compare *out, const char *strategy)
{
	struct rb_compare_row *r, *rows = realloc(out->rows, (out->n_rows + 1) * sizeof(*rows));

	if (!rows)
		return NULL;
	out->rows = rows;
	r = &rows[out->n_rows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->strategy, sizeof(r->strategy), "%s", strategy);
	return r;
}

struct side {
	json_object *doc, *entry;	/* the report and its summary entry */
	const char *name;
	int clients;
};

static enum rb_verdict verdict_of_time(const struct cmp_metric *m, double tol,
				       struct rb_compare_row *r, const struct side *b,
				       const struct side *n)
{
	size_t nb, nn;
	double *bs = pooled(b->doc, b->name, b->clients, &nb);
	double *ns = pooled(n->doc, n->name, n->clients, &nn);
	double fb = own_spread(b->doc, b->name, b->clients, m->abs_tol);
	double fn = own_spread(n->doc, n->name, n->clients, m->abs_tol);
	enum rb_verdict v = judge_time(m, tol, fb > fn ? fb : fn, r, bs, nb, ns, nn);

	free(bs);
	free(ns);
	return v;
}

/*
 * A counter of doc's repeats of (name, clients): the range it takes across them.
 * false when fewer than two repeats hold it.
 */
static bool repeat_range(json_object *doc, const char *name, int clients, const char *key,
			 double *lo, double *hi)
{
	json_object *reps, *r, *v;
	size_t i;
	int have = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	if (!json_object_object_get_ex(doc, "repeats", &reps))
		return false;
	for (i = 0; i < json_object_array_length(reps); i++) {
		r = json_object_array_get_idx(reps, i);
		if (!repeat_of(r, name, clients))
			continue;
		if (!json_object_object_get_ex(r, key, &v) || !v)
			continue;
		*lo = fmin(*lo, json_object_get_double(v));
		*hi = fmax(*hi, json_object_get_double(v));
		have++;
	}
	return have >= 2;
}

/*
 * A counter gates only where it is deterministic: when the same build's repeats of
 * one strategy in one run already disagree by more than its tolerance (an agent
 * racing the queries decides some faults), it is a timing figure, shown, not gated.
 */
static bool counter_varies(const struct cmp_metric *m, double tol, const struct side *b,
			   const struct side *n, char *why, size_t len)
{
	const struct side *sides[2] = { b, n };
	double lo, hi;
	int i;

	for (i = 0; i < 2; i++)
		if (repeat_range(sides[i]->doc, sides[i]->name, sides[i]->clients, m->name, &lo, &hi) &&
		    hi - lo > fmax(tol * fabs(lo), m->abs_tol)) {
			snprintf(why, len, "%s repeats %.4g..%.4g: timing-dependent, not gated",
				 i ? "new" : "base", lo, hi);
			return true;
		}
	return false;
}

/*
 * A strategy whose prefetch races the queries (summary "faults_race": bpf-prefetch's
 * agent, FAISS's prefetch threads) decides some faults by timing: its repeats of one
 * run may agree and the next run still differ (ci.yaml: 58..92 major faults over five
 * repeats of one build). Its fault counts are shown, not gated; its bytes still are.
 */
static bool faults_race(const struct cmp_metric *m, const struct side *b, const struct side *n,
			char *why, size_t len)
{
	json_object *v;
	int i;

	if (strcmp(m->name, "majflt"))
		return false;
	for (i = 0; i < 2; i++)
		if (json_object_object_get_ex((i ? n : b)->entry, "faults_race", &v) &&
		    json_object_get_boolean(v)) {
			snprintf(why, len, "its prefetch races the queries: fault counts are timing, "
				 "not gated");
			return true;
		}
	return false;
}

static int add_row(struct rb_compare *out, const char *strategy, const struct cmp_metric *m,
		   const struct side *b_side, const struct side *n_side,
		   const struct rb_compare_opts *opts)
{
	json_object *bs = b_side->entry, *ns = n_side->entry;
	struct rb_compare_row *r;
	double b[3], n[3];
	int hb, hn;

	hb = figure(bs, m->name, &b[0], &b[1], &b[2]) == 0;
	hn = figure(ns, m->name, &n[0], &n[1], &n[2]) == 0;
	if (!hb && !hn)
		return 0;   /* neither run has it (e.g. probes off in both) */
	r = new_row(out, strategy);
	if (!r)
		return -ENOMEM;
	r->metric = m->name;
	r->label = m->label;
	r->base = hb ? b[0] : NAN;
	r->new_ = hn ? n[0] : NAN;
	if (!hb || !hn) {
		/* gone from the new run: a gate must not turn green when a figure vanishes */
		r->verdict = hb && m->kind != CMP_INFO ? RB_REGRESSION : RB_MISSING;
		out->regressions += r->verdict == RB_REGRESSION;
		return 0;
	}
	r->change = b[0] != 0 ? (n[0] - b[0]) / fabs(b[0]) : 0;
	if ((m->kind == CMP_MEDIAN || m->kind == CMP_TAIL) && opts && opts->counters_only)
		r->verdict = RB_INFO;	/* shown, not judged: no need to test them */
	else if (m->kind == CMP_MEDIAN || m->kind == CMP_TAIL)
		r->verdict = verdict_of_time(m, rel_tol_of(m, opts), r, b_side, n_side);
	else if (m->kind == CMP_COUNTER &&
		 (faults_race(m, b_side, n_side, r->stat, sizeof(r->stat)) ||
		  counter_varies(m, rel_tol_of(m, opts), b_side, n_side, r->stat, sizeof(r->stat))))
		r->verdict = RB_INFO;
	else
		r->verdict = judge(m, rel_tol_of(m, opts), b, n);
	out->regressions += r->verdict == RB_REGRESSION;
	return 0;
}

/* Why new skipped strategy name ("" if it did not say). */
static const char *skip_reason(json_object *new_, const char *name)
{
	json_object *list, *e, *v;
	size_t i;

	if (!json_object_object_get_ex(new_, "skipped_strategies", &list))
		return "";
	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(e, "name", &v) && !strcmp(json_object_get_string(v), name))
			return json_object_object_get_ex(e, "reason", &v) ? json_object_get_string(v) : "";
	}
	return "";
}

/* A strategy (or clients level) of base that new does not have: one regression row. */
static int add_gone(struct rb_compare *out, const char *label, const char *name, json_object *new_)
{
	struct rb_compare_row *r = new_row(out, label);
	const char *why = skip_reason(new_, name);

	if (!r)
		return -ENOMEM;
	r->metric = "strategy";
	snprintf(r->note, sizeof(r->note), "%s%s", why[0] ? "skipped in new: " : "absent from new",
		 why);
	r->label = "strategy";
	r->base = r->new_ = NAN;
	r->verdict = RB_REGRESSION;
	out->regressions++;
	return 0;
}

static int schema_of(json_object *doc)
{
	json_object *v;

	return json_object_object_get_ex(doc, "schema_version", &v) ? json_object_get_int(v) : -1;
}

int compare__run(json_object *base, json_object *new_, const struct rb_compare_opts *opts,
		 struct rb_compare *out, char *err, size_t errlen)
{
	json_object *list, *bs, *ns, *name, *dup;
	const struct cmp_metric *m;
	char label[sizeof(((struct rb_compare_row *)0)->strategy)];
	size_t i, common = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (schema_of(base) != schema_of(new_)) {
		snprintf(err, errlen, "schema versions differ: %d in base, %d in new", schema_of(base),
			 schema_of(new_));
		return -EINVAL;
	}
	rc = check_comparable(base, new_, err, errlen);
	if (rc)
		return rc;
	if ((dup = duplicate_strategy(base)) || (dup = duplicate_strategy(new_))) {
		snprintf(err, errlen, "strategy '%s' is listed twice in a report's summary",
			 report__entry_label(summary_list(base), dup, label, sizeof(label)));
		return -EINVAL;
	}
	rc = check_env(base, new_, opts, out, err, errlen);
	if (rc)
		return rc;
	list = summary_list(base);
	if (!list) {
		snprintf(err, errlen, "base report has no summary");
		return -EINVAL;
	}
	for (i = 0; i < json_object_array_length(list); i++) {
		bs = json_object_array_get_idx(list, i);
		if (!json_object_object_get_ex(bs, "name", &name) || !name)
			continue;   /* no name: nothing to match it with */
		ns = strategy_summary(new_, json_object_get_string(name), report__entry_clients(bs));
		common += ns != NULL;
		report__entry_label(list, bs, label, sizeof(label));
		if (!ns) {
			rc = add_gone(out, label, json_object_get_string(name), new_);
			if (rc)
				return rc;
			continue;
		}
		for (m = cmp_metrics; m->name; m++) {
			struct side b_side = { base, bs, json_object_get_string(name),
					       report__entry_clients(bs) };
			struct side n_side = { new_, ns, json_object_get_string(name),
					       report__entry_clients(bs) };

			rc = add_row(out, label, m, &b_side, &n_side, opts);
			if (rc)
				return rc;
		}
	}
	if (!common) {
		snprintf(err, errlen, "the two runs have no strategy in common");
		return -EINVAL;
	}
	return 0;
}

static const char *verdict_name(enum rb_verdict v)
{
	static const char *const names[] = { "same", "better", "**REGRESSION**", "info", "missing" };

	return names[v];
}

static void print_value(FILE *out, double v)
{
	if (isnan(v))
		fprintf(out, " — |");
	else if (fabs(v) >= 100 || v == floor(v))
		fprintf(out, " %.0f |", v);
	else
		fprintf(out, " %.3f |", v);
}

void compare__print(const struct rb_compare *c, FILE *out)
{
	const struct rb_compare_row *r;
	size_t i;

	fprintf(out, "| strategy | metric | base | new | change | test | verdict |\n");
	fprintf(out, "| --- | --- | ---: | ---: | ---: | --- | --- |\n");
	for (i = 0; i < c->n_rows; i++) {
		r = &c->rows[i];
		fprintf(out, "| %s | %s |", r->strategy, r->note[0] ? r->note : r->label);
		print_value(out, r->base);
		print_value(out, r->new_);
		if (r->verdict == RB_MISSING)
			fprintf(out, " — |");
		else
			fprintf(out, " %+.1f%% |", r->change * 100);
		fprintf(out, " %s | %s |\n", r->stat, verdict_name(r->verdict));
	}
	fprintf(out, "\n%d regression(s). Counters gate with tight tolerances; latencies on every "
		"query of both runs: the median when a Mann-Whitney U test gives p < %.2g and it is "
		"worse by more than its tolerance, the p99 when the bootstrap 95%% interval of its "
		"ratio lies above 1 and it is worse by more than its tolerance (or than the two runs' own "
		"repeats differ from each other, when more); a counter the same build's repeats disagree on "
		"(an agent racing the queries) is shown, not gated; a strategy or gated "
		"figure of base that new lacks is a regression.\n", c->regressions, ALPHA);
}

void compare__free(struct rb_compare *c)
{
	free(c->rows);
	c->rows = NULL;
	c->n_rows = 0;
}
