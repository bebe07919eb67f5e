/*
 * plan — the schedule of a run: every (strategy, repeat) pair, interleaved so
 * that slow drift on the machine (host cache, other tenants) spreads over all
 * strategies instead of biasing whichever ran last. Repeat r runs the strategies
 * in config order rotated by r, so no strategy always goes first.
 */
#ifndef RB_PLAN_H
#define RB_PLAN_H

#include <stddef.h>
#include "config.h"

struct rb_plan_step {
	int strategy;   /* index into cfg->strategies */
	int repeat;     /* 0-based */
};

struct rb_plan {
	struct rb_plan_step *steps;
	size_t n_steps;
};

int plan__build(const struct rb_config *cfg, struct rb_plan *plan);
void plan__free(struct rb_plan *plan);

#endif
