/*
 * strategy default — change nothing: the kernel's readahead as configured
 * (/sys/block/<dev>/queue/read_ahead_kb and the per-file readahead state). The
 * baseline every other strategy is compared with.
 */
#include "strategy.h"

const struct ra_strategy_ops strategy_default_ops = {
	.name = "default",
	.version = RB_STRATEGY_VERSION,
	.flags = RB_STRATEGY_OUTSIDE,
	.help = "nothing changed: the kernel's readahead as configured (read_ahead_kb of the device)",
};
