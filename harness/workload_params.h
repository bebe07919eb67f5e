/*
 * workload_params — the config as workloads/ needs it (workloads/params.h), and
 * the workload that runs a config's queries, resolved from it.
 */
#ifndef RB_WORKLOAD_PARAMS_HARNESS_H
#define RB_WORKLOAD_PARAMS_HARNESS_H

#include "config/config.h"
#include "workloads/workload.h"

void workload_params__from_config(const struct rb_config *cfg, struct rb_workload_params *wp);

/* Fill wp from cfg and return the workload that runs cfg's queries (NULL: none). */
const struct workload_ops *workload__of_config(const struct rb_config *cfg,
					       struct rb_workload_params *wp);

#endif
