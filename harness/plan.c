/*
 * plan — expand strategies x repeats into the interleaved schedule (see plan.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "plan.h"

int plan__build(const struct rb_config *cfg, struct rb_plan *plan)
{
	int s, r, ns = cfg->n_strategies;
	size_t i = 0;

	plan->n_steps = 0;
	plan->steps = NULL;
	if (ns <= 0 || cfg->run_repeats <= 0)
		return -EINVAL;
	plan->steps = calloc((size_t)ns * (size_t)cfg->run_repeats, sizeof(*plan->steps));
	if (!plan->steps)
		return -ENOMEM;
	for (r = 0; r < cfg->run_repeats; r++)
		for (s = 0; s < ns; s++)
			plan->steps[i++] = (struct rb_plan_step){ .strategy = (s + r) % ns, .repeat = r };
	plan->n_steps = i;
	return 0;
}

void plan__free(struct rb_plan *plan)
{
	free(plan->steps);
	plan->steps = NULL;
	plan->n_steps = 0;
}
