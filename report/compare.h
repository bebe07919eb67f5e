/*
 * compare — the CI performance gate: compare two report.json documents strategy by
 * strategy and say, per metric, whether the new run regressed.
 *
 * Deterministic counters (bytes read, faults, amplification) are compared with tight
 * tolerances; latencies are judged on every query of both runs (lib/stattest.h):
 * the median by a Mann-Whitney U test, the p99 by a bootstrap interval of its ratio,
 * each also needing the difference to exceed the metric's tolerance (an effect size).
 * The rules are a table (compare.c); tolerances can be overridden per metric.
 */
#ifndef RB_COMPARE_H
#define RB_COMPARE_H

#include <stdio.h>
#include <json-c/json.h>

enum rb_verdict {
	RB_SAME,         /* within tolerance */
	RB_BETTER,
	RB_REGRESSION,
	RB_INFO,         /* reported, never gated (noisy witnesses) */
	RB_MISSING,      /* not in one of the two runs */
};

struct rb_compare_row {
	char strategy[64];
	const char *metric;    /* key in summary.strategies[].<metric> */
	const char *label;
	double base, new_;     /* medians */
	double change;         /* (new - base) / base, 0 when base is 0 */
	enum rb_verdict verdict;
	char note[200];        /* a strategy row: why it is gone (printed instead of label) */
	char stat[64];         /* a latency row: the test's p-value or interval */
};

struct rb_compare {
	struct rb_compare_row *rows;
	size_t n_rows;
	int regressions;
	char warnings[2048];   /* environment differences, one per line */
};

#define RB_COMPARE_MAX_OVERRIDES 16
struct rb_compare_opts {
	struct {
		char metric[32];
		double rel_tol;   /* fraction: 0.05 = 5 % */
	} overrides[RB_COMPARE_MAX_OVERRIDES];
	int n_overrides;
	int counters_only;    /* times are shown but not gated (CI on shared machines) */
	int allow_env_change; /* compare across environments (warn instead of exit 2) */
};

/* "p99_us=15" -> an override of 15 %. -EINVAL for an unknown metric or a bad number. */
int compare__parse_threshold(struct rb_compare_opts *opts, const char *arg, char *err, size_t errlen);

/*
 * Compare; returns 0 (see out->regressions), -EINVAL when the two runs cannot be
 * compared (schema or shaping config differ, nothing in common), or -EXDEV when
 * their environments differ where counters depend on them (kernel, read_ahead_kb,
 * device, file system, memory) and opts do not allow it; the reason in err.
 * Whatever base has and new lacks (a strategy, a clients level, a gated figure)
 * is a regression.
 */
int compare__run(json_object *base, json_object *new_, const struct rb_compare_opts *opts,
		 struct rb_compare *out, char *err, size_t errlen);

/* The per-metric markdown table. */
void compare__print(const struct rb_compare *c, FILE *out);

void compare__free(struct rb_compare *c);

/*
 * The gate against history (compare_history.c). compare__pool: docs[0..n) (oldest
 * first, comparable runs) as one base document for compare__run: every repeat of
 * every run, and per summary figure the median of the runs' medians (min, max: the
 * extremes). compare__drift: a table of the trend of each strategy's p50 and p99 over
 * the runs' medians and new_'s (lib/drift.h); returns how many series drifted beyond
 * tol (a fraction), or -errno.
 */
json_object *compare__pool(json_object *const *docs, int n);
int compare__drift(json_object *const *docs, int n, json_object *new_, double tol, FILE *out);

#endif
