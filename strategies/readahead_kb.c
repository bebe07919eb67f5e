/*
 * strategy readahead-kb — the knob administrators turn: the device's
 * /sys/block/<dev>/queue/read_ahead_kb set to run.readahead_kb for the repeat and
 * put back after it (also after an error or Ctrl-C). Device-wide, so it reaches
 * any process, an external client included; a file's window is taken when the
 * file is opened, so the runner sets it before the workload opens (the
 * readahead_kb field of the ops: runner.c) — this file only describes it.
 */
#include "strategy.h"

const struct ra_strategy_ops strategy_readahead_kb_ops = {
	.name = "readahead-kb",
	.version = RB_STRATEGY_VERSION,
	.flags = RB_STRATEGY_NEEDS_ROOT | RB_STRATEGY_OUTSIDE,
	.readahead_kb = RB_RA_KB_ALWAYS,
	.help = "the device's read_ahead_kb set to run.readahead_kb before the workload opens its "
		"files, restored after (device-wide: reaches an external client too)",
};
