/*
 * query_phase — the timed part of a repeat and its accounting. N client threads
 * (rr->clients) share one open workload instance and take the next batch of the
 * query stream until it is used up; a client's only work between queries is to
 * store what the query returned (its latency, phase times, result ids), so the
 * wall time of the phase is queries, not bookkeeping. Afterwards, untimed and in
 * stream order: recall, the results digest and the extents each query needed
 * (the workload's extents op, given the query's result), so these figures are
 * the same whatever the number of clients.
 */
#ifndef RB_QUERY_PHASE_H
#define RB_QUERY_PHASE_H

#include "config/config.h"
#include "harness/result.h"
#include "runner.h"
#include "strategies/strategy.h"
#include "datasets/dataset.h"
#include "workloads/workload.h"

struct query_phase;

/* Clients opened on w, room for every query's figures. 0 or -errno. */
int query_phase__new(struct query_phase **out, const struct rb_config *cfg,
		     const struct rb_dataset *ds, const struct ra_strategy_ops *strategy,
		     struct rb_workload *w, const struct rb_runner_opts *opts,
		     struct rb_repeat_result *rr);

/* Run every query: 0, -EINTR when stopped, or the first client's error. */
int query_phase__run(struct query_phase *qp);

/* After a complete run: rr's n_queries, recall, results_digest, needed_bytes(_sum). */
int query_phase__account(struct query_phase *qp);

/* Queries done so far (any thread; a struct query_phase * as void *, for the timeline). */
uint64_t query_phase__done(void *qp);
void query_phase__free(struct query_phase *qp);

#endif
