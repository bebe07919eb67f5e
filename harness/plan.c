/*
 * plan — expand strategies x clients levels x repeats into the interleaved
 * schedule (see plan.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "workload_params.h"

int plan__build(const struct rb_config *cfg, struct rb_plan *plan)
{
	int s, r, l, level, ns = cfg->n_strategies, nl = cfg->n_clients;
	size_t i = 0;

	memset(plan, 0, sizeof(*plan));
	plan->workload = workload__of_config(cfg, &plan->wl);
	for (s = 0; s < ns && s < RB_MAX_STRATEGIES; s++)
		plan->strategy[s] = strategy__find(cfg->strategies[s]);
	if (ns <= 0 || nl <= 0 || nl > RB_MAX_CLIENT_LEVELS || cfg->run_repeats <= 0)
		return -EINVAL;
	plan->steps = calloc((size_t)ns * nl * (size_t)cfg->run_repeats, sizeof(*plan->steps));
	if (!plan->steps)
		return -ENOMEM;
	for (r = 0; r < cfg->run_repeats; r++)
		for (l = 0; l < nl; l++) {
			level = (l + r) % nl;
			for (s = 0; s < ns; s++)
				plan->steps[i++] = (struct rb_plan_step){
					.strategy = (s + r + l) % ns,
					.clients = (int)cfg->run_clients[level],
					.repeat = r,
				};
		}
	plan->n_steps = i;
	return 0;
}

void plan__free(struct rb_plan *plan)
{
	free(plan->steps);
	plan->steps = NULL;
	plan->n_steps = 0;
}
