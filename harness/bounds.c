/*
 * bounds — the best a page cache could do for a repeat's queries, so every
 * report says how far each strategy is from it. query_phase.c records the
 * trace and simulates it (lib/cachesim.h: unique bytes, Belady's MIN, LRU at
 * the page-cache room); this file adds the device roofline once every repeat
 * is in: the sequential bandwidth measured in this run (calibrate__seq_now,
 * just before the first repeat) over the bytes per query an
 * optimal cache reads, capped by the compute ceiling — the q/s of the run's
 * fastest repeat that read (almost) nothing from the device (a warm one), or,
 * in a cold run, of the warm pass the runner makes after the repeats.
 */
#include <math.h>

#include "result.h"

/* A repeat that read at most 1 % of what its queries needed ran from memory. */
static bool warm(const struct rb_repeat_result *r)
{
	return r->n_queries && r->wall_s > 0 && r->needed_bytes &&
	       r->io.proc_read_bytes * 100 <= r->needed_bytes;
}

void bounds__roofline(struct rb_run *run)
{
	/* the bandwidth measured in this run: the disk's speed follows the host's cache */
	double bw = run->env.calib.run_seq_mb_s > 0 ? run->env.calib.run_seq_mb_s * 1e6 : NAN;
	double ceiling = NAN, qps, per_query;
	size_t i;

	for (i = 0; i < run->n_repeats; i++) {
		const struct rb_repeat_result *r = &run->repeats[i];

		qps = (double)r->n_queries / r->wall_s;
		if (warm(r) && (isnan(ceiling) || qps > ceiling))
			ceiling = qps;
	}
	run->ceiling_from = !isnan(ceiling) ? "a warm repeat" : "";
	if (isnan(ceiling) && run->warm_pass_qps > 0) {
		ceiling = run->warm_pass_qps;
		run->ceiling_from = "the warm pass";
	}
	for (i = 0; i < run->n_repeats; i++) {
		struct rb_repeat_result *r = &run->repeats[i];

		r->bounds.compute_qps = ceiling;
		r->bounds.roofline_qps = NAN;
		if (!r->bounds.known || !r->n_queries || isnan(bw) || bw <= 0)
			continue;
		per_query = (double)r->bounds.opt_bytes / (double)r->n_queries;
		r->bounds.roofline_qps = per_query > 0 ? bw / per_query : INFINITY;
		if (!isnan(ceiling) && ceiling < r->bounds.roofline_qps)
			r->bounds.roofline_qps = ceiling;
		if (isinf(r->bounds.roofline_qps))
			r->bounds.roofline_qps = NAN;   /* nothing to read and no ceiling: no bound */
	}
}
