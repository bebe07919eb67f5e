/*
 * prefetch_stats — the agent's counters by name (what report.json's
 * strategy_stats and rabench prefetch print), and their snapshot.
 */
#include <stddef.h>
#include <string.h>

#include "prefetch_int.h"

#define STAT(f) { #f, offsetof(struct prefetch_stats, f) }
static const struct prefetch_stat_name stat_names[] = {
	STAT(hint_calls), STAT(hint_lists), STAT(hint_truncated), STAT(hint_read_errors),
	STAT(hint_events), STAT(hint_delay_us_sum), STAT(hint_delay_us_max), STAT(hint_unknown),
	STAT(lists_prefetched), STAT(lists_resident), STAT(lists_inflight), STAT(lists_budget),
	STAT(extents_prefetched), STAT(bytes_advised), STAT(willneed_calls),
	STAT(willneed_us_sum), STAT(pages_prefetched),
	STAT(miss_pages), STAT(miss_events), STAT(miss_expanded), STAT(miss_outside),
	STAT(access_events), STAT(streams_detected), STAT(stream_bytes_advised),
	STAT(files_random), STAT(files_kept), STAT(files_hinted), STAT(files_too_big), STAT(files_whole), STAT(hints_detached), STAT(maps_advised), STAT(fds_advised), STAT(repeats_skipped), STAT(resident_skips),
	STAT(budget_skips), STAT(consumed), STAT(expired), STAT(budget_bytes),
	STAT(ringbuf_drops), STAT(errors), STAT(agent_cpu_us), STAT(agent_wall_us), STAT(agent_nice),
	STAT(submitters), STAT(submit_cpu_us), STAT(queue_full), STAT(hint_records),
	STAT(drop_pressure), STAT(lists_dropped), STAT(lists_kept_hot), STAT(hot_min_calls), STAT(lists_kept_busy),
	STAT(bytes_dropped), STAT(drop_us_sum), STAT(popularity_full), STAT(ordered_waits),
	STAT(result_calls), STAT(result_ids), STAT(result_events), STAT(result_delay_us_sum),
	STAT(results_prefetched), STAT(results_resident), STAT(results_skipped),
	STAT(result_unknown),
	{ NULL, 0 },
};
_Static_assert(sizeof(stat_names) / sizeof(stat_names[0]) ==
	       sizeof(struct prefetch_stats) / sizeof(uint64_t) + 1,
	       "every counter needs its name");

const struct prefetch_stat_name *prefetch__stat_names(void)
{
	return stat_names;
}

void prefetch__collect(struct prefetch *p, struct prefetch_stats *out)
{
	volatile struct rb_pf_kcounters *k = &p->skel->bss->counters;
	const uint64_t *src = (const uint64_t *)&p->st;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	pf_drain(p);
	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	out->hint_calls = k->hint_calls;
	out->hint_lists = k->hint_lists;
	out->hint_truncated = k->hint_truncated;
	out->hint_read_errors = k->hint_read_errors;
	out->pages_prefetched = k->agent_pages;
	out->miss_pages = k->miss_pages;
	out->ringbuf_drops = k->ringbuf_drops;
	out->submit_cpu_us = 0;
	for (i = 0; i < PF_MAX_SUBMITTERS; i++)
		out->submit_cpu_us += __atomic_load_n(&p->wargs[i].cpu_us, __ATOMIC_RELAXED);
	out->hint_records = k->hint_records;
	out->popularity_full = k->popularity_full;
	out->result_calls = k->result_calls;
	out->result_ids = k->result_ids;
}
