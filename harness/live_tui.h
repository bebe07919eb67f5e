/*
 * live_tui — the live view's terminal screen (ncurses): what one frame shows,
 * drawn to fit the terminal, and putting the terminal back. live.c decides when
 * and with what; this file only draws.
 */
#ifndef RB_LIVE_TUI_H
#define RB_LIVE_TUI_H

#include <stdbool.h>
#include <stdint.h>

#define LIVE_LAT_SLOTS 24	/* latency histogram: log2 microseconds, 1 us .. 8 s */
#define LIVE_WIN_SLOTS 12	/* readahead window histogram: log2 pages */
#define LIVE_LOG_LINES 4	/* the last progress lines kept */

struct live_frame {
	char step[96];
	double elapsed_s;        /* of the current step's query phase, 0 when none */
	double qps, dev_mbs, proc_mbs, majflt_s;
	bool have_dev;
	bool have_probes;        /* the probe panels have figures */
	double hit_ratio;        /* NAN when unknown */
	uint64_t added[3];       /* demand, speculative, prefetched: this repeat so far */
	uint64_t waste;          /* speculative + prefetched pages evicted unused */
	uint64_t win[LIVE_WIN_SLOTS];
	uint64_t lat[LIVE_LAT_SLOTS];
	char log[LIVE_LOG_LINES][160];
};

/* Take over the terminal on stderr; false when it cannot (not a terminal, no TERM). */
bool tui__open(void);
void tui__draw(const struct live_frame *f);
/* Give the terminal back as it was (also after Ctrl-C: live__stop calls it). */
void tui__close(void);

#endif
