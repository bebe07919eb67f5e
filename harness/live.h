/*
 * live — `rabench run --live`: the run while it runs. On a terminal, a screen
 * (harness/live_tui.c, ncurses) refreshed four times a second: the step and
 * strategy, queries/s, device and process MB/s, major faults/s, the page-cache
 * hit ratio, pages added by cause and readahead waste as bars, the readahead
 * window histogram (log2 pages, as the bcc tools print theirs) and a query
 * latency histogram; the last progress lines under it; the terminal put back on
 * exit and after Ctrl-C. Elsewhere (stderr not a terminal) a line per second.
 * Figures come from the repeat's timeline sampler (timeline.h: the counters the
 * report reads) and the device's counters; the runner only bumps a counter and
 * a histogram slot per query.
 */
#ifndef RB_LIVE_H
#define RB_LIVE_H

#include <stdbool.h>
#include <stdint.h>
#include "lib/metrics.h"

struct rb_live;
struct rb_probes;
struct timeline_sampler;

/* Start the view's thread. dev may be NULL (no device column). */
int live__start(struct rb_live **out, const struct rb_blockdev *dev);
/* The step now running (name is copied); its histograms start over. */
void live__set_step(struct rb_live *l, const char *strategy, int repeat);
/* One more query done, taking latency_us (cheap: atomic adds). */
void live__query_done(struct rb_live *l, double latency_us);
/* The probes to peek at in the line view (NULL: none; call before destroying them). */
void live__set_probes(struct rb_live *l, struct rb_probes *probes);
/* The current repeat's sampler (NULL between query phases; before stopping it). */
void live__set_sampler(struct rb_live *l, struct timeline_sampler *ts);
/* Is the view drawing on the terminal (so progress lines go to live__log)? */
bool live__owns_terminal(const struct rb_live *l);
/* A progress line shown under the screen (and printed to stderr once it is gone). */
void live__log(struct rb_live *l, const char *line);
/* Stop, put the terminal back, join the thread; NULL is fine. */
void live__stop(struct rb_live *l);

#endif
