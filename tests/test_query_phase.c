/*
 * test_query_phase — unit tests for harness/query_phase.c on a fake workload
 * (its own ops table, no files): nothing but queries runs inside the timed
 * phase (extents are asked only afterwards, with each query's result in hand),
 * every stream position is run exactly once, and 1 client, 4 clients and
 * batches give the same n_queries, recall, digest and bytes needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/query_phase.h"
#include "harness/result.h"

#define NQ 64
#define K 4

/* What the fake workload saw; atomics: several clients call it at once. */
static int queries_run, extents_calls, extents_during_phase, extents_without_ids;
static int runs_of[NQ];

struct fake_client {
	int64_t ids[16 * K];
	struct rb_extent ext;
};

static int fake_list_files(const struct rb_workload_params *cfg, const struct rb_dataset *ds,
			   char paths[][512], int max)
{
	(void)cfg;
	(void)ds;
	(void)paths;
	(void)max;
	return 0;
}

static int fake_open(struct rb_workload *w, const struct rb_workload_params *cfg,
		     const struct rb_dataset *ds, char *err, size_t errlen)
{
	(void)w;
	(void)cfg;
	(void)ds;
	(void)err;
	(void)errlen;
	return 0;
}

static void fake_close(struct rb_workload *w)
{
	(void)w;
}

static int fake_client_open(struct rb_client *c)
{
	c->priv = calloc(1, sizeof(struct fake_client));
	return c->priv ? 0 : -ENOMEM;
}

static void fake_client_close(struct rb_client *c)
{
	free(c->priv);
	c->priv = NULL;
}

/* Query qi returns ids qi, qi+1, ...: the first two are the ground truth's. */
static int fake_run_batch(struct rb_client *c, const int64_t *qi, int n, struct rb_query_result *res)
{
	struct fake_client *fc = c->priv;
	int i, j;

	for (i = 0; i < n; i++) {
		__atomic_fetch_add(&queries_run, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&runs_of[qi[i]], 1, __ATOMIC_RELAXED);
		for (j = 0; j < K; j++)
			fc->ids[i * K + j] = qi[i] + j;
		res[i].ids = fc->ids + i * K;
	}
	return 0;
}

static int fake_run_query(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	return fake_run_batch(c, &qi, 1, res);
}

/* Query qi needs page qi of file 0, and only after its result is known. */
static int fake_extents(struct rb_client *c, int64_t qi, struct rb_query_result *res)
{
	struct fake_client *fc = c->priv;

	__atomic_fetch_add(&extents_calls, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&queries_run, __ATOMIC_RELAXED) < NQ)
		__atomic_fetch_add(&extents_during_phase, 1, __ATOMIC_RELAXED);
	if (!res->ids || res->ids[0] != qi)
		__atomic_fetch_add(&extents_without_ids, 1, __ATOMIC_RELAXED);
	fc->ext = (struct rb_extent){ 0, (uint64_t)qi * 4096, 100 };
	res->extents = &fc->ext;
	res->n_extents = 1;
	return 0;
}

static const struct workload_ops fake_ops = {
	.name = "fake",
	.version = RB_WORKLOAD_VERSION,
	.help = "test double",
	.list_files = fake_list_files,
	.open = fake_open,
	.client_open = fake_client_open,
	.client_close = fake_client_close,
	.run_query = fake_run_query,
	.extents = fake_extents,
	.close = fake_close,
	.run_batch = fake_run_batch,
};

static const struct ra_strategy_ops no_strategy = { .name = "none" };

/* One phase of NQ queries with the given clients and batch; rr filled. */
static void run_phase(int clients, int batch, struct rb_repeat_result *rr)
{
	static int64_t gt[NQ * K];
	struct rb_config cfg = { .workload_queries = NQ, .workload_k = K, .workload_batch = batch };
	struct rb_dataset ds = { .gt = gt, .gt_k = K };
	struct rb_workload w = { .ops = &fake_ops, .n_files = 1 };
	struct rb_runner_opts opts = { 0 };
	struct query_phase *qp;
	int i;

	for (i = 0; i < NQ * K; i++)   /* query q's truth: q, q+1, then ids no query returns */
		gt[i] = i % K < 2 ? i / K + i % K : -100 - i;
	w.files[0].size = NQ * 4096;
	memset(rr, 0, sizeof(*rr));
	rr->clients = clients;
	rr->batch = batch;
	rr->latency_us = calloc(NQ, sizeof(double));
	rr->client_of = calloc(NQ, sizeof(int));
	assert_non_null(rr->latency_us);
	assert_non_null(rr->client_of);
	queries_run = extents_calls = extents_during_phase = extents_without_ids = 0;
	memset(runs_of, 0, sizeof(runs_of));
	assert_int_equal(query_phase__new(&qp, &cfg, &ds, &no_strategy, &w, &opts, rr), 0);
	assert_int_equal(query_phase__run(qp), 0);
	assert_int_equal(extents_calls, 0);            /* nothing but queries in the timed phase */
	assert_int_equal(query_phase__account(qp), 0);
	query_phase__free(qp);
	assert_int_equal(queries_run, NQ);
	for (i = 0; i < NQ; i++)
		assert_int_equal(runs_of[i], 1);
	assert_int_equal(extents_calls, NQ);
	assert_int_equal(extents_during_phase, 0);
	assert_int_equal(extents_without_ids, 0);
	for (i = 0; i < NQ; i++)
		assert_true(rr->client_of[i] >= 0 && rr->client_of[i] < clients);
}

static void free_rr(struct rb_repeat_result *rr)
{
	free(rr->latency_us);
	free(rr->client_of);
}

static void test_accounting_after_the_phase(void **state)
{
	struct rb_repeat_result one, four, batched;

	(void)state;
	run_phase(1, 1, &one);
	assert_int_equal(one.n_queries, NQ);
	assert_true(fabs(one.recall - 0.5) < 1e-12);   /* 2 of K = 4 right in every query */
	assert_int_equal(one.needed_bytes, NQ * 4096);  /* one distinct page per query */
	assert_int_equal(one.needed_bytes_sum, NQ * 100);
	assert_true(one.results_digest != 0);

	run_phase(4, 1, &four);
	run_phase(3, 5, &batched);   /* NQ is no multiple of 5: a short last batch */
	assert_int_equal(four.n_queries, NQ);
	assert_true(four.results_digest == one.results_digest);
	assert_true(batched.results_digest == one.results_digest);
	assert_true(four.recall == one.recall && batched.recall == one.recall);
	assert_int_equal(four.needed_bytes, one.needed_bytes);
	assert_int_equal(batched.needed_bytes_sum, one.needed_bytes_sum);
	/* a batch's queries share its latency */
	for (int i = 0; i + 5 <= NQ; i += 5)
		for (int j = 1; j < 5; j++)
			assert_true(batched.latency_us[i + j] == batched.latency_us[i]);
	free_rr(&one);
	free_rr(&four);
	free_rr(&batched);
}

/* workloads/phase.c: a phase's I/O wait and faults are the difference of two marks. */
static void test_phase_marks(void **state)
{
	volatile uint64_t waited = 5000;
	struct rb_client c = { .io_wait_ns = &waited };
	struct rb_query_result res = { 0 };
	struct rb_phase_mark a, b;

	(void)state;
	workload__phase_mark(&c, &a);
	waited += 3000;			/* 3 us of I/O wait inside the phase */
	workload__phase_mark(&c, &b);
	workload__phase_set(&c, &res, 1, 2, &a, &b);	/* a batch of 2: half each */
	assert_true(fabs(res.phase_io_wait_us[1] - 1.5) < 1e-9);
	assert_true(res.phase_us[1] >= 0 && res.phase_majflt[1] >= 0);
	assert_true(res.phase_us[0] == 0);	/* other phases untouched */
	workload__phase_set(&c, &res, RB_MAX_PHASES, 1, &a, &b);	/* out of range: ignored */
	c.io_wait_ns = NULL;		/* not measured: NaN, never 0 */
	workload__phase_mark(&c, &a);
	workload__phase_mark(&c, &b);
	workload__phase_set(&c, &res, 0, 1, &a, &b);
	assert_true(isnan(res.phase_io_wait_us[0]));
}

/*
 * harness/bounds.c: the roofline is the in-run bandwidth over the optimum's bytes
 * per query, capped by a warm repeat's q/s, else by the warm pass's, else uncapped.
 */
static void test_roofline_ceiling(void **state)
{
	struct rb_repeat_result reps[2] = {
		{ .n_queries = 100, .wall_s = 1.0, .needed_bytes = 1000 << 20,
		  .io.proc_read_bytes = 1000 << 20,
		  .bounds = { .known = true, .opt_bytes = 1000 << 20 } },	/* cold: 100 q/s */
		{ .n_queries = 100, .wall_s = 0.5, .needed_bytes = 1000 << 20,
		  .io.proc_read_bytes = 1 << 20,
		  .bounds = { .known = true, .opt_bytes = 1000 << 20 } },	/* warm: 200 q/s */
	};
	struct rb_run run = { .repeats = reps, .n_repeats = 2, .warm_pass_qps = NAN };

	(void)state;
	run.env.calib.run_seq_mb_s = 1e4 * 1.048576;	/* 10,000 MiB/s: 1,000 q/s of 10 MiB */
	bounds__roofline(&run);
	assert_true(fabs(reps[0].bounds.roofline_qps - 200) < 1e-9);	/* the warm repeat caps */
	assert_string_equal(run.ceiling_from, "a warm repeat");
	reps[1].io.proc_read_bytes = 100 << 20;		/* 10 % read: not warm */
	run.warm_pass_qps = 300;
	bounds__roofline(&run);
	assert_true(fabs(reps[0].bounds.roofline_qps - 300) < 1e-9);	/* the warm pass caps */
	assert_true(fabs(reps[1].bounds.compute_qps - 300) < 1e-9);
	assert_string_equal(run.ceiling_from, "the warm pass");
	run.warm_pass_qps = NAN;			/* no pass: the bandwidth alone */
	bounds__roofline(&run);
	assert_true(fabs(reps[0].bounds.roofline_qps - 1000) < 1e-6);
	assert_true(isnan(reps[0].bounds.compute_qps));
	assert_string_equal(run.ceiling_from, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounting_after_the_phase),
		cmocka_unit_test(test_phase_marks),
		cmocka_unit_test(test_roofline_ceiling),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
