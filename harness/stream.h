/*
 * stream — which query runs i-th: the query stream of a repeat. sequential (the
 * first workload.queries queries in order), uniform (seeded picks), zipf (query of
 * popularity rank r drawn with probability proportional to 1/r^s: popular topics
 * repeat, so their lists and chunks stay cached while the tail misses) or replay
 * (query ids from a file, one per line). The stream is built once per run, so every
 * strategy and repeat sees exactly the same queries in the same order.
 */
#ifndef RB_STREAM_H
#define RB_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include "config/config.h"

/* ids[workload.queries], each in [0, nq). Caller frees. 0 or -errno with err set. */
int stream__build(const struct rb_config *cfg, int64_t nq, int64_t **ids, char *err, size_t errlen);

#endif
