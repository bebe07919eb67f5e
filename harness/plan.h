/*
 * plan — the schedule of a run: every (strategy, clients, repeat) triple,
 * interleaved so that slow drift on the machine (host cache, other tenants)
 * spreads over all strategies instead of biasing whichever ran last. Repeat r
 * is one round: every clients level of run.clients (in config order rotated by
 * r) and, within a level, every strategy (in config order rotated by r plus the
 * level's position), so no strategy and no level always goes first.
 */
#ifndef RB_PLAN_H
#define RB_PLAN_H

#include <stddef.h>
#include "config/config.h"
#include "strategies/strategy.h"
#include "workloads/workload.h"

struct rb_plan_step {
	int strategy;   /* index into cfg->strategies */
	int clients;    /* concurrent clients: a value of cfg->run_clients */
	int repeat;     /* 0-based */
};

/*
 * The plan also resolves, once, what the config names: the workload that runs the
 * queries with its parameters, and each strategy's ops (NULL where a name is not
 * registered: config validation refuses those before a plan is built).
 */
struct rb_plan {
	struct rb_plan_step *steps;
	size_t n_steps;
	const struct workload_ops *workload;
	struct rb_workload_params wl;
	const struct ra_strategy_ops *strategy[RB_MAX_STRATEGIES];
};

int plan__build(const struct rb_config *cfg, struct rb_plan *plan);
void plan__free(struct rb_plan *plan);

#endif
