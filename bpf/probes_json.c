/*
 * probes_json — a probe result as JSON, and the one-line definition of every
 * figure in it (copied into reports so that an old report explains itself).
 * One table drives both, so a counter cannot appear without its definition.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes.h"
#include "lib/jsonfmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The probe points a figure needs (enum rb_probe_hook bits). */
#define H(x)	(1u << RB_HOOK_##x)
#define CAUSE	(H(ADD) | H(FAULT) | H(SYNC_RA) | H(ASYNC_RA))	/* demand vs speculative */
#define USE	(H(GET_PAGES) | H(MAP_PAGES))	/* accessed or mapped (with CAUSE's fault) */
#define WASTE	(CAUSE | USE | H(DELETE))	/* whether a speculative page was ever used */

static const struct {
	const char *name;
	size_t off;
	unsigned needs;
	const char *text;
} count_fields[] = {
#define F(name, field, needs, text) { name, offsetof(struct rb_probe_counts, field), needs, text }
	F("ra_sync", ra_sync, H(SYNC_RA), "page_cache_sync_ra calls: a read (or an MADV_SEQUENTIAL fault) missed and asked readahead for its pages"),
	F("ra_async", ra_async, H(ASYNC_RA), "page_cache_async_ra calls: a read or fault hit a PG_readahead page and the next window was started"),
	F("ra_order", ra_order, H(RA_ORDER), "page_cache_ra_order calls: a readahead window was allocated (after sync/async, or alone for mmap read-around)"),
	F("ra_unbounded", ra_unbounded, H(RA_UNBOUNDED), "page_cache_ra_unbounded calls: order-0 readahead (explicit prefetch, small random reads, FADV_RANDOM, ra_order's fallback)"),
	F("ra_mmap_readaround", ra_readaround, H(RA_ORDER) | H(FAULT) | H(SYNC_RA) | H(ASYNC_RA), "of ra_order: mmap read-around started by a fault, a window centred on the faulting page"),
	F("ra_explicit", ra_explicit, H(RA_UNBOUNDED), "of ra_unbounded: inside fadvise(WILLNEED), readahead(2) or madvise(WILLNEED)"),
	F("pages_added_demand", added_demand, CAUSE, "pages added that a read() asked for or a fault needed (writes and kernel-thread adds count here too)"),
	F("pages_added_speculative", added_spec, CAUSE, "pages added by kernel readahead beyond what the read or fault asked for"),
	F("pages_added_prefetch", added_prefetch, H(ADD), "pages added inside fadvise(WILLNEED), readahead(2) or madvise(WILLNEED)"),
	F("pages_accessed", accessed, CAUSE | USE, "pages added in the window that a read() copied or a fault (mm_filemap_fault) touched, once per residency; accesses served by fault-around are not seen"),
	F("pages_mapped_maybe_used", mapped, H(ADD) | H(MAP_PAGES), "pages added in the window that fault-around mapped into a page table (mm_filemap_map_pages has no per-page access event): mapped, maybe used"),
	F("read_pages", read_pages, H(GET_PAGES), "pages read() asked for, each request once, clamped to EOF, cached or not"),
	F("read_miss_pages", read_miss, CAUSE | H(GET_PAGES), "of read_pages, pages the reads had to add to the page cache"),
	F("speculative_unused_evicted", spec_unused_evicted, WASTE, "speculative pages evicted before any access and never mapped"),
	F("speculative_unused_resident", spec_unused_resident, WASTE, "speculative pages still resident at stop, never accessed nor mapped"),
	F("speculative_mapped_only", spec_mapped_only, WASTE, "speculative pages mapped by fault-around but never read or faulted on (evicted or resident): maybe used, not waste"),
	F("prefetch_unused_evicted", prefetch_unused_evicted, WASTE, "prefetched pages evicted before any access and never mapped"),
	F("prefetch_unused_resident", prefetch_unused_resident, WASTE, "prefetched pages still resident at stop, never accessed nor mapped"),
	F("prefetch_mapped_only", prefetch_mapped_only, WASTE, "prefetched pages mapped by fault-around but never read or faulted on: maybe used"),
	F("pages_evicted", evicted, H(DELETE), "pages of the file deleted from the page cache during the window, whenever they were added"),
	F("pages_evicted_tracked", evicted_tracked, H(ADD) | H(DELETE), "of pages_evicted, pages added during the window"),
	F("pages_resident_tracked", resident_tracked, H(ADD) | H(DELETE), "pages added during the window and still resident at stop (mincore's count after a cold start)"),
	F("faults", faults, H(FAULT) | H(MAP_PAGES), "page faults on the file's mappings that reached the page cache (fault-around or filemap_fault), once per fault across its retry"),
	F("major_faults", major_faults, H(FAULT) | H(ADD), "faults whose mm_filemap_fault was followed, in the same thread, by an add of the faulting page: they waited for I/O"),
	F("fault_around_calls", map_calls, H(MAP_PAGES), "fault-around (filemap_map_pages) calls that mapped at least one page"),
	F("block_reads", block_reads, H(RQ_ISSUE), "read requests issued to the disk during the window whose first page is the file's (a request merged across two files counts for the first; a requeue is not counted again)"),
	F("block_read_bytes", block_read_bytes, H(RQ_ISSUE), "bytes of those requests: the disk reads the window caused for the file (also those completing after stop), without other activity on the machine"),
	F("readds", readds, H(ADD) | H(DELETE), "adds of pages the probes still held as present (a delete was missed); 0 when the tracking is sound"),
	F("untracked_pages", untracked, H(ADD), "pages added while the page-state map was full: in pages_added_*, not in accessed or waste"),
#undef F
};

static const struct {
	const char *name;
	const char *text;
} other_defs[] = {
	{ "ra_window_log2_pages", "readahead windows by size: slot i counts windows of [2^i, 2^(i+1)) pages (ra_order's ra->size, a standalone ra_unbounded's nr_to_read); trailing empty slots left out" },
	{ "minor_faults", "faults - major_faults: served from the page cache" },
	{ "read_hit_ratio", "1 - read_miss_pages / read_pages; null when nothing was read" },
	{ "waste_pages", "speculative_unused_evicted + speculative_unused_resident: readahead never used, evicted unused or still unused at stop" },
	{ "waste_ratio", "waste_pages / pages_added_speculative; null when nothing was read ahead; adding speculative_mapped_only gives the upper bound" },
	{ "prefetch_waste_ratio", "(prefetch_unused_evicted + prefetch_unused_resident) / pages_added_prefetch; null without prefetch" },
	{ "block.read_requests", "read requests completed on the disk holding the run's files during the window (block_rq_complete), whoever caused them, as /sys/block/<dev>/stat counts them" },
	{ "block.read_bytes", "bytes of those completions" },
	{ "block.timed_requests", "completions whose issue (block_rq_issue) was in the window, so their latency is known" },
	{ "block.reissued_requests", "issues of a request already issued (requeued by the driver); latency runs from the last issue" },
	{ "block.request_bytes_log2", "requests by size: slot i counts requests of [2^i, 2^(i+1)) bytes" },
	{ "block.latency_us_log2", "issue-to-complete latency: slot i counts requests of [2^i, 2^(i+1)) microseconds (slot 0 also < 1)" },
	{ "overflow", "what the bounded maps could not hold: page_state_full (pages), files_full, tasks_full (events), inflight_full (requests), walk_truncated (ranges); all 0 means nothing was dropped" },
	{ "window_s", "seconds between probes start and stop" },
	{ "attach", "per probe point: the mechanism used on this kernel (tp_btf, else fentry, else kprobe on the function the tracepoint sits in; none with the reason) and its tracepoint or function" },
	{ "null_figures", "figures this kernel cannot give (a probe point they need has no mechanism), with the reason; they are null, never 0" },
	{ "kernel.readahead_tracepoints", "whether the kernel has the readahead:page_cache_* tracepoints (else the readahead figures come from fentry or kprobes)" },
	{ "kernel.mglru", "/sys/kernel/mm/lru_gen/enabled (multi-gen LRU: how pages age and get evicted); null when the kernel has none" },
	{ "folio_pages_log2", "folios added to the counted files by size: slot i counts folios of 2^i pages (large folios make fewer, bigger I/Os and faults)" },
};

/* Derived figures and what they are computed from. */
static const struct {
	const char *name;
	unsigned needs;
} derived_needs[] = {
	{ "ra_window_log2_pages", H(RA_ORDER) | H(RA_UNBOUNDED) },
	{ "minor_faults", H(FAULT) | H(MAP_PAGES) | H(ADD) },
	{ "read_hit_ratio", CAUSE | H(GET_PAGES) },
	{ "waste_pages", WASTE },
	{ "waste_ratio", WASTE },
	{ "prefetch_waste_ratio", WASTE },
};

static unsigned figure_needs(const char *figure, bool *found)
{
	size_t i;

	*found = true;
	for (i = 0; i < ARRAY_SIZE(count_fields); i++)
		if (!strcmp(count_fields[i].name, figure))
			return count_fields[i].needs;
	for (i = 0; i < ARRAY_SIZE(derived_needs); i++)
		if (!strcmp(derived_needs[i].name, figure))
			return derived_needs[i].needs;
	*found = false;
	return 0;
}

bool probe_result__figure_known(const struct rb_probe_result *r, const char *figure,
				const char **why)
{
	bool found;
	unsigned miss = figure_needs(figure, &found) & r->missing_hooks;
	int i;

	*why = "";
	/*
	 * mm_filemap_map_pages fires only when fault-around found a page to map;
	 * filemap_map_pages' entry (fentry, kprobe) sees every call, also the one
	 * before each fault that maps nothing: not the same figure, so none.
	 */
	if (!strcmp(figure, "fault_around_calls") && r->attach[RB_HOOK_MAP_PAGES].mech[0] &&
	    strcmp(r->attach[RB_HOOK_MAP_PAGES].mech, "tp_btf")) {
		*why = "fault-around calls that mapped a page need the mm_filemap_map_pages "
		       "tracepoint (filemap_map_pages' entry also sees calls that map nothing)";
		return false;
	}
	if (!miss)
		return true;
	for (i = 0; i < RB_PROBE_HOOKS; i++)
		if (miss & (1u << i)) {
			*why = r->attach[i].why;
			break;
		}
	return false;
}

uint64_t probe_counts__added(const struct rb_probe_counts *c)
{
	return c->added_demand + c->added_spec + c->added_prefetch;
}

uint64_t probe_counts__waste(const struct rb_probe_counts *c)
{
	return c->spec_unused_evicted + c->spec_unused_resident;
}

double probe_counts__waste_ratio(const struct rb_probe_counts *c)
{
	return c->added_spec ? (double)probe_counts__waste(c) / (double)c->added_spec : NAN;
}

double probe_counts__prefetch_waste_ratio(const struct rb_probe_counts *c)
{
	uint64_t w = c->prefetch_unused_evicted + c->prefetch_unused_resident;

	return c->added_prefetch ? (double)w / (double)c->added_prefetch : NAN;
}

double probe_counts__read_hit_ratio(const struct rb_probe_counts *c)
{
	if (!c->read_pages)
		return NAN;
	if (c->read_miss >= c->read_pages)
		return 0;
	return 1.0 - (double)c->read_miss / (double)c->read_pages;
}


static json_object *ju64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

/* A log2 histogram without its trailing empty slots. */
static json_object *hist(const uint64_t *h, size_t slots)
{
	json_object *a = json_object_new_array();
	size_t i, n = slots;

	while (n > 0 && !h[n - 1])
		n--;
	for (i = 0; a && i < n; i++)
		json_object_array_add(a, ju64(h[i]));
	return a;
}

/* o[name] = v, or null when the kernel cannot give the figure. */
static void put_figure(const struct rb_probe_result *r, json_object *o, const char *name,
		       json_object *v)
{
	const char *why;

	if (!probe_result__figure_known(r, name, &why)) {
		json_object_put(v);
		v = NULL;
	}
	json_object_object_add(o, name, v);
}

static void counts_to_json(const struct rb_probe_result *r, const struct rb_probe_counts *c,
			   json_object *o)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(count_fields); i++)
		put_figure(r, o, count_fields[i].name,
			   ju64(*(const uint64_t *)((const char *)c + count_fields[i].off)));
	put_figure(r, o, "ra_window_log2_pages", hist(c->ra_window, RB_PROBE_WIN_SLOTS));
	put_figure(r, o, "minor_faults",
		   ju64(c->faults > c->major_faults ? c->faults - c->major_faults : 0));
	put_figure(r, o, "read_hit_ratio", jsonfmt__double(probe_counts__read_hit_ratio(c)));
	put_figure(r, o, "waste_pages", ju64(probe_counts__waste(c)));
	put_figure(r, o, "waste_ratio", jsonfmt__double(probe_counts__waste_ratio(c)));
	put_figure(r, o, "prefetch_waste_ratio",
		   jsonfmt__double(probe_counts__prefetch_waste_ratio(c)));
}

static json_object *attach_to_json(const struct rb_probe_result *r)
{
	json_object *o = json_object_new_object(), *h;
	int i;

	for (i = 0; o && i < RB_PROBE_HOOKS; i++) {
		const struct rb_probe_attach *a = &r->attach[i];

		if (!a->hook[0])
			continue;
		h = json_object_new_object();
		json_object_object_add(h, "mechanism", json_object_new_string(a->mech));
		json_object_object_add(h, "target", a->target[0] ? json_object_new_string(a->target) : NULL);
		json_object_object_add(h, "reason", a->why[0] ? json_object_new_string(a->why) : NULL);
		json_object_object_add(o, a->hook, h);
	}
	return o;
}

/* Every figure the kernel cannot give, with the reason. */
static json_object *nulls_to_json(const struct rb_probe_result *r)
{
	json_object *o = json_object_new_object();
	const char *why;
	size_t i;

	for (i = 0; o && i < ARRAY_SIZE(count_fields); i++)
		if (!probe_result__figure_known(r, count_fields[i].name, &why))
			json_object_object_add(o, count_fields[i].name, json_object_new_string(why));
	for (i = 0; o && i < ARRAY_SIZE(derived_needs); i++)
		if (!probe_result__figure_known(r, derived_needs[i].name, &why))
			json_object_object_add(o, derived_needs[i].name, json_object_new_string(why));
	return o;
}

static json_object *kernel_to_json(const struct rb_probe_kernel *k)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "readahead_tracepoints",
			       json_object_new_boolean(k->readahead_tracepoints));
	json_object_object_add(o, "mglru", k->mglru[0] ? json_object_new_string(k->mglru) : NULL);
	return o;
}

static json_object *file_to_json(const struct rb_probe_result *r, const struct rb_probe_file *f)
{
	json_object *o = json_object_new_object();
	char dev[32];

	if (!o)
		return NULL;
	snprintf(dev, sizeof(dev), "%u:%u", f->dev_major, f->dev_minor);
	json_object_object_add(o, "path", json_object_new_string(f->path));
	json_object_object_add(o, "dev", json_object_new_string(dev));
	json_object_object_add(o, "ino", ju64(f->ino));
	if (f->watched)
		json_object_object_add(o, "watched", json_object_new_boolean(1));
	counts_to_json(r, &f->c, o);
	return o;
}

static json_object *block_to_json(const struct rb_probe_block *b)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "device", json_object_new_string(b->device));
	json_object_object_add(o, "read_requests", ju64(b->reads));
	json_object_object_add(o, "read_bytes", ju64(b->read_bytes));
	json_object_object_add(o, "timed_requests", ju64(b->timed));
	json_object_object_add(o, "reissued_requests", ju64(b->reissued));
	json_object_object_add(o, "request_bytes_log2", hist(b->size_hist, RB_PROBE_SIZE_SLOTS));
	json_object_object_add(o, "latency_us_log2", hist(b->lat_hist, RB_PROBE_LAT_SLOTS));
	return o;
}

static json_object *overflow_to_json(const struct rb_probe_overflow *v)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "page_state_full", ju64(v->chunks_full));
	json_object_object_add(o, "files_full", ju64(v->files_full));
	json_object_object_add(o, "tasks_full", ju64(v->tasks_full));
	json_object_object_add(o, "inflight_full", ju64(v->inflight_full));
	json_object_object_add(o, "walk_truncated", ju64(v->walk_truncated));
	return o;
}

json_object *probes__result_to_json(const struct rb_probe_result *r)
{
	json_object *o = json_object_new_object(), *total = json_object_new_object();
	json_object *files = json_object_new_array();
	size_t i;

	if (!o || !total || !files) {
		json_object_put(o);
		json_object_put(total);
		json_object_put(files);
		return NULL;
	}
	json_object_object_add(o, "mode", json_object_new_string(r->all_files ? "all-files" : "targets"));
	json_object_object_add(o, "window_s", jsonfmt__double(r->window_s));
	json_object_object_add(o, "attach", attach_to_json(r));
	json_object_object_add(o, "null_figures", nulls_to_json(r));
	json_object_object_add(o, "kernel", kernel_to_json(&r->kernel));
	json_object_object_add(o, "folio_pages_log2", hist(r->folio_pages, RB_PROBE_FOLIO_SLOTS));
	counts_to_json(r, &r->total, total);
	json_object_object_add(o, "total", total);
	for (i = 0; i < r->n_files; i++)
		json_object_array_add(files, file_to_json(r, &r->files[i]));
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "block", block_to_json(&r->block));
	json_object_object_add(o, "overflow", overflow_to_json(&r->overflow));
	return o;
}

json_object *probes__definitions_to_json(void)
{
	json_object *o = json_object_new_object();
	size_t i;

	for (i = 0; o && i < ARRAY_SIZE(count_fields); i++)
		json_object_object_add(o, count_fields[i].name,
				       json_object_new_string(count_fields[i].text));
	for (i = 0; o && i < ARRAY_SIZE(other_defs); i++)
		json_object_object_add(o, other_defs[i].name, json_object_new_string(other_defs[i].text));
	return o;
}
