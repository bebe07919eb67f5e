/*
 * test_compare — the gate's verdicts on crafted pairs of reports: equal, a
 * regressed counter, a time regressed beyond the noise, a time change inside the
 * noise, a recall drop, incompatible runs, threshold overrides.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "harness/compare.h"

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
	assert_int_equal(verdict_of(&c, "p99_us"), RB_SAME);
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

static void test_time_beyond_noise_fails(void **state)
{
	struct figs f = base_figs;
	struct rb_compare c;

	(void)state;
	f.p99 = (struct fig){ 8000, 7500, 8600 };   /* +60 %, ranges disjoint */
	assert_int_equal(compare_with(&f, &c, NULL), 1);
	assert_int_equal(verdict_of(&c, "p99_us"), RB_REGRESSION);
	compare__free(&c);

	f = base_figs;
	f.qps = (struct fig){ 300, 290, 310 };      /* throughput down 40 % */
	assert_int_equal(compare_with(&f, &c, NULL), 1);
	assert_int_equal(verdict_of(&c, "qps"), RB_REGRESSION);
	compare__free(&c);
}

static void test_time_inside_noise_passes(void **state)
{
	struct figs f = base_figs;
	struct rb_compare c;

	(void)state;
	f.p99 = (struct fig){ 6000, 5500, 9000 };   /* +20 % median but overlaps base range */
	assert_int_equal(compare_with(&f, &c, NULL), 0);
	assert_int_equal(verdict_of(&c, "p99_us"), RB_SAME);
	compare__free(&c);

	f = base_figs;
	f.p50 = (struct fig){ 1080, 1060, 1100 };   /* disjoint but only +8 % < 10 % */
	assert_int_equal(compare_with(&f, &c, NULL), 0);
	compare__free(&c);
}

static void test_threshold_override(void **state)
{
	struct rb_compare_opts o = { 0 };
	struct figs f = base_figs;
	struct rb_compare c;
	char err[256];

	(void)state;
	assert_int_equal(compare__parse_threshold(&o, "p50_us=5", err, sizeof(err)), 0);
	f.p50 = (struct fig){ 1080, 1060, 1100 };   /* +8 % now beyond a 5 % threshold */
	assert_int_equal(compare_with(&f, &c, &o), 1);
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
	/* read_ahead_kb only in one of them is a difference too */
	json_object_object_add(env, "kernel", json_object_new_string("6.18"));
	json_object_object_add(env, "read_ahead_kb", json_object_new_int(128));
	assert_int_equal(compare__run(b, n, NULL, &c, err, sizeof(err)), -EXDEV);
	assert_non_null(strstr(err, "read_ahead_kb"));
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
		cmocka_unit_test(test_time_beyond_noise_fails),
		cmocka_unit_test(test_time_inside_noise_passes),
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
