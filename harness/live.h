/*
 * live — `rabench run --live`: a once-a-second view of the run while it runs
 * (like cachestat, but per strategy): the step in progress, queries/s, device
 * MB/s and major faults/s, plus what the page-cache probes have counted so far
 * when they are running. Printed to stderr from its own thread; the runner only
 * bumps a counter per query.
 */
#ifndef RB_LIVE_H
#define RB_LIVE_H

#include <stdint.h>
#include "metrics.h"

struct rb_live;

/* Start the printing thread. dev may be NULL (no device column). */
int live__start(struct rb_live **out, const struct rb_blockdev *dev);
/* The step now running (name is copied). */
void live__set_step(struct rb_live *l, const char *strategy, int repeat);
/* One more query done (cheap: an atomic add). */
void live__query_done(struct rb_live *l);
/* The probes to peek at (NULL: none, or no longer: call before destroying them). */
struct rb_probes;
void live__set_probes(struct rb_live *l, struct rb_probes *probes);
/* Stop and join the thread; NULL is fine. */
void live__stop(struct rb_live *l);

#endif
