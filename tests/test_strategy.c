/*
 * test_strategy — the strategy and workload registries reject incomplete ops
 * tables, the plan interleaves, and fadvise-random really sets what it claims:
 * the kernel shows MADV_RANDOM as the "rr" VmFlag of the mapping in
 * /proc/self/smaps, and reset() clears it again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/plan.h"
#include "strategies/strategy.h"
#include "workloads/workload.h"
#include "tests/smaps.h"


static void test_fadvise_random_sets_and_resets_madvise(void **state)
{
	const struct ra_strategy_ops *s = strategy__find("fadvise-random");
	struct rb_workload w = { 0 };
	char flags[256], err[256];
	size_t len = 1 << 20;
	void *map;

	(void)state;
	assert_non_null(s);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	w.n_files = 1;
	w.files[0].fd = open("/proc/self/exe", O_RDONLY);
	w.files[0].map = map;
	w.files[0].map_len = len;
	assert_int_equal(smaps__vmflags(map, flags, sizeof(flags)), 0);
	assert_null(strstr(flags, " rr"));
	assert_int_equal(s->apply(&w, err, sizeof(err)), 0);
	assert_int_equal(smaps__vmflags(map, flags, sizeof(flags)), 0);
	assert_non_null(strstr(flags, " rr"));
	assert_int_equal(s->reset(&w), 0);
	assert_int_equal(smaps__vmflags(map, flags, sizeof(flags)), 0);
	assert_null(strstr(flags, " rr"));
	close(w.files[0].fd);
	munmap(map, len);
}

static void test_fadvise_sequential_sets_sr(void **state)
{
	const struct ra_strategy_ops *s = strategy__find("fadvise-sequential");
	struct rb_workload w = { 0 };
	char flags[256], err[256];
	size_t len = 1 << 20;
	void *map;

	(void)state;
	assert_non_null(s);
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	w.n_files = 1;
	w.files[0].fd = -1;
	w.files[0].map = map;
	w.files[0].map_len = len;
	assert_int_equal(s->apply(&w, err, sizeof(err)), 0);
	assert_int_equal(smaps__vmflags(map, flags, sizeof(flags)), 0);
	assert_non_null(strstr(flags, " sr"));
	assert_int_equal(s->reset(&w), 0);
	assert_int_equal(smaps__vmflags(map, flags, sizeof(flags)), 0);
	assert_null(strstr(flags, " sr"));
	munmap(map, len);
}

static void test_apply_error_names_file(void **state)
{
	const struct ra_strategy_ops *s = strategy__find("fadvise-random");
	struct rb_workload w = { 0 };
	char err[256] = "";

	(void)state;
	w.n_files = 1;
	snprintf(w.files[0].path, sizeof(w.files[0].path), "some/file.ivfdata");
	w.files[0].fd = 12345;   /* not open: EBADF */
	assert_true(s->apply(&w, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "some/file.ivfdata"));
}

static int noop_apply(struct rb_workload *w, char *err, size_t len)
{
	(void)w, (void)err, (void)len;
	return 0;
}

static void test_check_ops(void **state)
{
	const struct ra_strategy_ops *const *s;
	const struct workload_ops *const *w;
	struct ra_strategy_ops bad = { .name = "x", .version = RB_STRATEGY_VERSION, .help = "h" };
	struct workload_ops badw = { .name = "x", .version = RB_WORKLOAD_VERSION, .help = "h" };

	(void)state;
	for (s = strategy__all(); *s; s++)
		assert_int_equal(strategy__check_ops(*s), 0);
	for (w = workload__all(); *w; w++)
		assert_int_equal(workload__check_ops(*w), 0);
	assert_int_equal(strategy__check_ops(&bad), 0);        /* nothing changed, nothing to undo */
	bad.apply = noop_apply;                                  /* apply without reset */
	assert_int_equal(strategy__check_ops(&bad), -22);
	bad.apply = NULL;
	bad.version = RB_STRATEGY_VERSION + 1;
	assert_int_equal(strategy__check_ops(&bad), -22);
	assert_int_equal(workload__check_ops(&badw), -22);      /* no hooks */
	assert_null(strategy__find("no-such-strategy"));
	assert_null(workload__find("no-such-workload"));
	assert_non_null(workload__find("ivf-search"));
}

static void test_plan_interleaves_and_rotates(void **state)
{
	struct rb_config cfg;
	struct rb_plan plan;
	int seen[3][4] = { { 0 } };
	size_t i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_strategies = 3;
	cfg.run_repeats = 4;
	cfg.run_clients[0] = 1;
	cfg.n_clients = 1;
	assert_int_equal(plan__build(&cfg, &plan), 0);
	assert_int_equal(plan.n_steps, 12);
	for (i = 0; i < plan.n_steps; i++) {
		/* repeats run in rounds: every strategy once per round */
		assert_int_equal(plan.steps[i].repeat, (int)(i / 3));
		seen[plan.steps[i].strategy][plan.steps[i].repeat]++;
	}
	for (i = 0; i < 12; i++)
		assert_int_equal(seen[i % 3][i / 3], 1);
	/* no strategy always goes first */
	assert_int_equal(plan.steps[0].strategy, 0);
	assert_int_equal(plan.steps[3].strategy, 1);
	assert_int_equal(plan.steps[6].strategy, 2);
	plan__free(&plan);
	cfg.run_repeats = 0;
	assert_int_equal(plan__build(&cfg, &plan), -22);
}

/* A clients sweep: every (strategy, level) once per round, no level always first. */
static void test_plan_sweeps_clients(void **state)
{
	struct rb_config cfg;
	struct rb_plan plan;
	int seen[2][3][2] = { { { 0 } } }, level_of[9] = { [1] = 0, [4] = 1, [8] = 2 };
	size_t i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.n_strategies = 2;
	cfg.run_repeats = 2;
	cfg.n_clients = 3;
	cfg.run_clients[0] = 1;
	cfg.run_clients[1] = 4;
	cfg.run_clients[2] = 8;
	assert_int_equal(plan__build(&cfg, &plan), 0);
	assert_int_equal(plan.n_steps, 12);
	for (i = 0; i < plan.n_steps; i++) {
		assert_int_equal(plan.steps[i].repeat, (int)(i / 6));
		seen[plan.steps[i].strategy][level_of[plan.steps[i].clients]][plan.steps[i].repeat]++;
		/* a level's strategies run back to back */
		if (i % 2)
			assert_int_equal(plan.steps[i].clients, plan.steps[i - 1].clients);
	}
	for (i = 0; i < 12; i++)
		assert_int_equal(seen[i % 2][(i / 2) % 3][i / 6], 1);
	assert_int_equal(plan.steps[0].clients, 1);
	assert_int_equal(plan.steps[6].clients, 4);
	plan__free(&plan);
	cfg.n_clients = 0;
	assert_int_equal(plan__build(&cfg, &plan), -22);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fadvise_random_sets_and_resets_madvise),
		cmocka_unit_test(test_fadvise_sequential_sets_sr),
		cmocka_unit_test(test_apply_error_names_file),
		cmocka_unit_test(test_check_ops),
		cmocka_unit_test(test_plan_interleaves_and_rotates),
		cmocka_unit_test(test_plan_sweeps_clients),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
