/*
 * test_compare — the gate's verdicts on crafted pairs of reports: equal, a
 * regressed counter, latencies x1.3 (a regression), the same run, a shuffled copy
 * and fresh noise (none), too few samples for a p99, a recall drop, incompatible
 * runs and environments, missing strategies and figures, threshold overrides.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "report/compare.h"

struct fig {
	double med, min, max;
};

struct figs {
	struct fig bytes, p50, p99, qps, recall, majflt;
};

static json_object *spread(struct fig f)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "median", json_object_new_double(f.med));
	json_object_object_add(o, "min", json_object_new_double(f.min));
	json_object_object_add(o, "max", json_object_new_double(f.max));
	return o;
}

static json_object *make_doc(const struct figs *f, long n)
{
	json_object *doc = json_object_new_object(), *cfg = json_object_new_object();
	json_object *env = json_object_new_object(), *sum = json_object_new_object();
	json_object *list = json_object_new_array(), *s = json_object_new_object();

	json_object_object_add(doc, "schema_version", json_object_new_int(1));
	json_object_object_add(cfg, "dataset.n", json_object_new_int64(n));
	json_object_object_add(cfg, "run.repeats", json_object_new_int64(3));
	json_object_object_add(doc, "config", cfg);
	json_object_object_add(env, "kernel", json_object_new_string("6.18"));
	json_object_object_add(doc, "environment", env);
	json_object_object_add(s, "name", json_object_new_string("default"));
	json_object_object_add(s, "proc_read_bytes", spread(f->bytes));
	json_object_object_add(s, "p50_us", spread(f->p50));
	json_object_object_add(s, "p99_us", spread(f->p99));
	json_object_object_add(s, "qps", spread(f->qps));
	json_object_object_add(s, "recall", spread(f->recall));
	json_object_object_add(s, "majflt", spread(f->majflt));
	json_object_array_add(list, s);
	json_object_object_add(sum, "strategies", list);
	json_object_object_add(doc, "summary", sum);
	return doc;
}

static const struct figs base_figs = {
	.bytes = { 100e6, 100e6, 100e6 },
	.p50 = { 1000, 950, 1050 },
	.p99 = { 5000, 4500, 5600 },
	.qps = { 500, 480, 520 },
	.recall = { 0.95, 0.95, 0.95 },
	.majflt = { 1000, 1000, 1000 },
};

static enum rb_verdict verdict_of(const struct rb_compare *c, const char *metric)
{
	size_t i;

	for (i = 0; i < c->n_rows; i++)
		if (strcmp(c->rows[i].metric, metric) == 0)
			return c->rows[i].verdict;
	return (enum rb_verdict)-1;
}

/* compare base_figs with f; returns the number of regressions */
static int compare_with(const struct figs *f, struct rb_compare *c, const struct rb_compare_opts *o)
{
	json_object *b = make_doc(&base_figs, 1000), *n = make_doc(f, 1000);
	char err[256];
	int rc = compare__run(b, n, o, c, err, sizeof(err));

	json_object_put(b);
	json_object_put(n);
	assert_int_equal(rc, 0);
	return c->regressions;
}

static void test_equal_runs_pass(void **state)
{
	struct rb_compare c;

	(void)state;
	assert_int_equal(compare_with(&base_figs, &c, NULL), 0);
	assert_int_equal(verdict_of(&c, "proc_read_bytes"), RB_SAME);
	/* no per-query samples in these documents: times are shown, not judged */
	assert_int_equal(verdict_of(&c, "p99_us"), RB_INFO);
	compare__free(&c);
}

static void test_regressed_counter_fails(void **state)
{
	struct figs f = base_figs;
	struct rb_compare c;

	(void)state;
	f.bytes = (struct fig){ 110e6, 110e6, 110e6 };   /* +10 % bytes read */
	assert_int_equal(compare_with(&f, &c, NULL), 1);
	assert_int_equal(verdict_of(&c, "proc_read_bytes"), RB_REGRESSION);
	compare__free(&c);

	f.bytes = (struct fig){ 101e6, 101e6, 101e6 };   /* +1 %: inside the 2 % tolerance */
	assert_int_equal(compare_with(&f, &c, NULL), 0);
	compare__free(&c);

	f = base_figs;
	f.majflt = (struct fig){ 500, 500, 500 };         /* fewer faults: better */
	assert_int_equal(compare_with(&f, &c, NULL), 0);
	assert_int_equal(verdict_of(&c, "majflt"), RB_BETTER);
	compare__free(&c);
}

/* A strategy whose prefetch races the queries: its faults are shown, not gated; bytes are. */
static void test_racing_faults_not_gated(void **state)
{
	struct figs f = base_figs;
	json_object *b = make_doc(&base_figs, 1000), *n;
	struct rb_compare c;
	char err[256];

	(void)state;
	f.majflt = (struct fig){ 1300, 1300, 1300 };      /* +30 %, repeats agreeing */
	f.bytes = (struct fig){ 110e6, 110e6, 110e6 };
	n = make_doc(&f, 1000);
	json_object_object_add(json_object_array_get_idx(json_object_object_get(
		json_object_object_get(n, "summary"), "strategies"), 0), "faults_race",
		json_object_new_boolean(1));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(verdict_of(&c, "majflt"), RB_INFO);
	assert_int_equal(verdict_of(&c, "proc_read_bytes"), RB_REGRESSION);
	assert_int_equal(c.regressions, 1);
	compare__free(&c);
	json_object_put(b);
	json_object_put(n);
	/* without the mark the same faults regress */
	assert_int_equal(compare_with(&f, &c, NULL), 2);
	assert_int_equal(verdict_of(&c, "majflt"), RB_REGRESSION);
	compare__free(&c);
}

/*
 * Per-query latencies: repeats x n draws of a fixed skewed (log-normal) law
 * around 1 ms, seeded, times scale; what compare's tests judge times on.
 */
static void add_samples(json_object *doc, double scale, uint64_t seed, int repeats, int n)
{
	json_object *reps = json_object_new_array(), *r, *lat;
	uint64_t x = seed * 2654435761u + 1;
	int i, j;

	for (i = 0; i < repeats; i++) {
		r = json_object_new_object();
		lat = json_object_new_array();
		json_object_object_add(r, "strategy", json_object_new_string("default"));
		json_object_object_add(r, "clients", json_object_new_int(1));
		for (j = 0; j < n; j++) {
			double u1, u2;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			u1 = ((x >> 11) + 1.0) / 9007199254740993.0;
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			u2 = (x >> 11) / 9007199254740992.0;
			json_object_array_add(lat, json_object_new_double(
				scale * 1000 * exp(0.5 * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2))));
		}
		json_object_object_add(r, "latency_samples_us", lat);
		json_object_array_add(reps, r);
	}
	json_object_object_add(doc, "repeats", reps);
}

/* base_figs with samples (seed 1) against new_ with samples of (scale, seed). */
static int compare_samples(double scale, uint64_t seed, int n, struct rb_compare *c,
			   const struct rb_compare_opts *o)
{
	json_object *b = make_doc(&base_figs, 1000), *nd = make_doc(&base_figs, 1000);
	char err[256];
	int rc;

	add_samples(b, 1.0, 1, 3, n);
	add_samples(nd, scale, seed, 3, n);
	rc = compare__run(b, nd, o, c, err, sizeof(err));
	json_object_put(b);
	json_object_put(nd);
	assert_int_equal(rc, 0);
	return c->regressions;
}

static const struct rb_compare_row *row_of(const struct rb_compare *c, const char *metric)
{
	size_t i;

	for (i = 0; i < c->n_rows; i++)
		if (strcmp(c->rows[i].metric, metric) == 0)
			return &c->rows[i];
	return NULL;
}

/* Every latency x 1.3: the U test and the p99 interval both call it a regression. */
static void test_time_slower_fails(void **state)
{
	struct rb_compare c;

	(void)state;
	/* 600 queries: the median's shift is certain; six samples above a p99 are not */
	assert_int_equal(compare_samples(1.3, 1, 200, &c, NULL), 1);
	assert_int_equal(verdict_of(&c, "p50_us"), RB_REGRESSION);
	assert_non_null(strstr(row_of(&c, "p50_us")->stat, "U test p="));
	assert_int_equal(verdict_of(&c, "p99_us"), RB_SAME);
	assert_non_null(strstr(row_of(&c, "p99_us")->stat, "95% CI"));
	compare__free(&c);
	/* 6000 queries: the p99's interval lies above 1 too */
	assert_int_equal(compare_samples(1.3, 1, 2000, &c, NULL), 2);
	assert_int_equal(verdict_of(&c, "p99_us"), RB_REGRESSION);
	compare__free(&c);
	/* --counters-only shows them, gates nothing */
	{
		struct rb_compare_opts o = { .counters_only = 1 };

		assert_int_equal(compare_samples(1.3, 1, 200, &c, &o), 0);
		assert_int_equal(verdict_of(&c, "p50_us"), RB_INFO);
		compare__free(&c);
	}
	/* x 0.7: better */
	assert_int_equal(compare_samples(0.7, 1, 200, &c, NULL), 0);
	assert_int_equal(verdict_of(&c, "p50_us"), RB_BETTER);
	compare__free(&c);
}

/* The run against itself, a shuffled copy of it, and fresh noise: no regression. */
static void test_time_noise_passes(void **state)
{
	json_object *b = make_doc(&base_figs, 1000), *nd = make_doc(&base_figs, 1000), *reps, *l0, *l2, *t;
	struct rb_compare c;
	char err[256];
	size_t i, len;

	(void)state;
	assert_int_equal(compare_samples(1.0, 1, 200, &c, NULL), 0);
	assert_int_equal(verdict_of(&c, "p50_us"), RB_SAME);
	assert_int_equal(verdict_of(&c, "p99_us"), RB_SAME);
	compare__free(&c);
	/* fresh draws of the same law, five times: never a regression */
	for (i = 2; i < 7; i++) {
		assert_int_equal(compare_samples(1.0, i, 200, &c, NULL), 0);
		compare__free(&c);
	}
	/* the same samples, reversed within and swapped between repeats */
	add_samples(b, 1.0, 1, 3, 200);
	add_samples(nd, 1.0, 1, 3, 200);
	json_object_object_get_ex(nd, "repeats", &reps);
	json_object_object_get_ex(json_object_array_get_idx(reps, 0), "latency_samples_us", &l0);
	json_object_object_get_ex(json_object_array_get_idx(reps, 2), "latency_samples_us", &l2);
	len = json_object_array_length(l0);
	for (i = 0; i < len; i++) {
		t = json_object_get(json_object_array_get_idx(l0, i));
		json_object_array_put_idx(l0, i, json_object_get(json_object_array_get_idx(l2, len - 1 - i)));
		json_object_array_put_idx(l2, len - 1 - i, t);
	}
	assert_int_equal(compare__run(b, nd, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.regressions, 0);
	assert_int_equal(verdict_of(&c, "p50_us"), RB_SAME);
	compare__free(&c);
	json_object_put(b);
	json_object_put(nd);
	/* significant but small (+5 % < the 10 % effect size): not a regression */
	assert_int_equal(compare_samples(1.05, 1, 200, &c, NULL), 0);
	compare__free(&c);
}

/* p99 of 90 queries is their second largest: not gated, and says why. */
static void test_time_too_few_samples(void **state)
{
	struct rb_compare c;

	(void)state;
	assert_int_equal(compare_samples(1.3, 1, 30, &c, NULL), 1);   /* the median still is */
	assert_int_equal(verdict_of(&c, "p50_us"), RB_REGRESSION);
	assert_int_equal(verdict_of(&c, "p99_us"), RB_INFO);
	assert_non_null(strstr(row_of(&c, "p99_us")->stat, "too few samples"));
	assert_int_equal(verdict_of(&c, "qps"), RB_INFO);
	compare__free(&c);
}

static void test_threshold_override(void **state)
{
	struct rb_compare_opts o = { 0 };
	struct rb_compare c;
	char err[256];

	(void)state;
	assert_int_equal(compare_samples(1.08, 1, 200, &c, NULL), 0);   /* +8 % < 10 % */
	compare__free(&c);
	assert_int_equal(compare__parse_threshold(&o, "p50_us=5", err, sizeof(err)), 0);
	assert_int_equal(compare_samples(1.08, 1, 200, &c, &o), 1);     /* now beyond 5 % */
	assert_int_equal(verdict_of(&c, "p50_us"), RB_REGRESSION);
	compare__free(&c);
	assert_int_equal(compare__parse_threshold(&o, "nonsense=5", err, sizeof(err)), -22);
	assert_non_null(strstr(err, "nonsense"));
	assert_int_equal(compare__parse_threshold(&o, "p99_us=abc", err, sizeof(err)), -22);
	assert_int_equal(compare__parse_threshold(&o, "p99_us", err, sizeof(err)), -22);
}

static void test_recall_drop_fails(void **state)
{
	struct figs f = base_figs;
	struct rb_compare c;

	(void)state;
	f.recall = (struct fig){ 0.94, 0.94, 0.94 };
	assert_int_equal(compare_with(&f, &c, NULL), 1);
	assert_int_equal(verdict_of(&c, "recall"), RB_REGRESSION);
	compare__free(&c);
}

static void test_incompatible_runs_refused(void **state)
{
	json_object *b = make_doc(&base_figs, 1000), *n = make_doc(&base_figs, 2000);
	struct rb_compare c;
	char err[256] = "";

	(void)state;
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "dataset.n"));
	compare__free(&c);
	json_object_put(n);
	n = make_doc(&base_figs, 1000);
	json_object_object_add(n, "schema_version", json_object_new_int(2));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "schema"));
	compare__free(&c);
	json_object_put(b);
	json_object_put(n);
}

/* A different kernel (or read_ahead_kb, device...) cannot compare counters: -EXDEV. */
static void test_environment_difference_refused(void **state)
{
	json_object *b = make_doc(&base_figs, 1000), *n = make_doc(&base_figs, 1000), *env;
	struct rb_compare_opts allow = { .allow_env_change = 1 };
	struct rb_compare c;
	char err[256];

	(void)state;
	json_object_object_get_ex(n, "environment", &env);
	json_object_object_add(env, "kernel", json_object_new_string("6.1"));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -EXDEV);
	assert_non_null(strstr(err, "kernel"));
	assert_non_null(strstr(err, "--allow-env-change"));
	compare__free(&c);
	assert_int_equal(compare__run(b, n, &allow, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(c.warnings, "kernel"));
	assert_int_equal(c.regressions, 0);
	compare__free(&c);
	/* read_ahead_kb recorded only in new (an older base): a warning */
	json_object_object_add(env, "kernel", json_object_new_string("6.18"));
	json_object_object_add(env, "read_ahead_kb", json_object_new_int(128));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(c.warnings, "read_ahead_kb is not recorded in base"));
	compare__free(&c);
	/* recorded in both and different: refused */
	json_object_object_get_ex(b, "environment", &env);
	json_object_object_add(env, "read_ahead_kb", json_object_new_int(8192));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -EXDEV);
	assert_non_null(strstr(err, "read_ahead_kb is 8192 in base, 128 in new"));
	compare__free(&c);
	json_object_put(b);
	json_object_put(n);
}

/* A strategy of base that new lacks (or skipped) fails the gate with its own line. */
static void test_missing_strategy_regresses(void **state)
{
	json_object *b = make_doc(&base_figs, 1000), *n = make_doc(&base_figs, 1000);
	json_object *list, *s2, *sum, *sk, *e;
	struct rb_compare c;
	char err[256];
	size_t i;
	int found = 0;

	(void)state;
	json_object_object_get_ex(b, "summary", &sum);
	json_object_object_get_ex(sum, "strategies", &list);
	s2 = json_object_new_object();
	json_object_object_add(s2, "name", json_object_new_string("bpf-prefetch"));
	json_object_object_add(s2, "proc_read_bytes", spread(base_figs.bytes));
	json_object_array_add(list, s2);
	sk = json_object_new_array();
	e = json_object_new_object();
	json_object_object_add(e, "name", json_object_new_string("bpf-prefetch"));
	json_object_object_add(e, "reason", json_object_new_string("BPF load failed"));
	json_object_array_add(sk, e);
	json_object_object_add(n, "skipped_strategies", sk);
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.regressions, 1);
	for (i = 0; i < c.n_rows; i++)
		if (!strcmp(c.rows[i].strategy, "bpf-prefetch")) {
			found = 1;
			assert_int_equal(c.rows[i].verdict, RB_REGRESSION);
			assert_non_null(strstr(c.rows[i].note, "BPF load failed"));
		}
	assert_true(found);
	compare__free(&c);
	json_object_put(b);
	json_object_put(n);
}

/* A gated figure base has and new lacks (null) is a regression, not "missing". */
static void test_null_figure_regresses(void **state)
{
	json_object *b = make_doc(&base_figs, 1000), *n = make_doc(&base_figs, 1000);
	json_object *list, *sum;
	struct rb_compare c;
	char err[256];

	(void)state;
	json_object_object_get_ex(n, "summary", &sum);
	json_object_object_get_ex(sum, "strategies", &list);
	json_object_object_del(json_object_array_get_idx(list, 0), "majflt");
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c.regressions, 1);
	assert_int_equal(verdict_of(&c, "majflt"), RB_REGRESSION);
	compare__free(&c);
	json_object_put(b);
	json_object_put(n);
}

/* Shaping keys: the union of both configs, matched exactly (run.cache_dir is not run.cache). */
static void test_config_keys_union_exact(void **state)
{
	json_object *b = make_doc(&base_figs, 1000), *n = make_doc(&base_figs, 1000), *cfg;
	struct rb_compare c;
	char err[256];

	(void)state;
	json_object_object_get_ex(n, "config", &cfg);
	json_object_object_add(cfg, "run.cache_dir", json_object_new_string("/elsewhere"));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), 0);
	compare__free(&c);
	/* a key the base's rabench did not record yet, at its default: the same run */
	json_object_object_add(cfg, "run.memory_limit", json_object_new_int(0));
	json_object_object_add(cfg, "workload.client_timeout", json_object_new_double(30.0));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), 0);
	compare__free(&c);
	json_object_object_add(cfg, "workload.client_timeout", json_object_new_double(2.5));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "workload.client_timeout"));
	compare__free(&c);
	json_object_object_add(cfg, "workload.client_timeout", json_object_new_double(30.0));
	json_object_object_add(cfg, "workload.nprobe", json_object_new_int(8));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "workload.nprobe"));
	compare__free(&c);
	json_object_put(b);
	json_object_put(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_runs_pass),
		cmocka_unit_test(test_regressed_counter_fails),
		cmocka_unit_test(test_racing_faults_not_gated),
		cmocka_unit_test(test_time_slower_fails),
		cmocka_unit_test(test_time_noise_passes),
		cmocka_unit_test(test_time_too_few_samples),
		cmocka_unit_test(test_threshold_override),
		cmocka_unit_test(test_recall_drop_fails),
		cmocka_unit_test(test_incompatible_runs_refused),
		cmocka_unit_test(test_environment_difference_refused),
		cmocka_unit_test(test_missing_strategy_regresses),
		cmocka_unit_test(test_null_figure_regresses),
		cmocka_unit_test(test_config_keys_union_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
