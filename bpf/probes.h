/*
 * probes — the page-cache and block-layer probes (bpf/pcache.*) as the harness
 * sees them: open once (root, BTF and a successful BPF load, or a one-line
 * reason why not), name the files of interest, then start/stop a window around
 * the measured phase and collect what readahead did to each file in it.
 *
 *   probes__open -> probes__set_targets -> { probes__start -> probes__stop ->
 *   probes__collect } ... -> probes__destroy
 *
 * Functions return 0 or a negative errno and never print or exit; the reason of
 * the last failure is kept (probes__last_error). Pages are 4 KiB.
 */
#ifndef RB_PROBES_H
#define RB_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#define RB_PROBE_PATH_MAX	512
#define RB_PROBE_WIN_SLOTS	24	/* log2 of readahead window pages */
#define RB_PROBE_SIZE_SLOTS	32	/* log2 of block request bytes */
#define RB_PROBE_LAT_SLOTS	32	/* log2 of block latency, microseconds */

#define RB_PROBE_FOLIO_SLOTS	12	/* log2 of folio pages: orders 0..11 */

struct rb_probes;

/*
 * The probe points. Each is attached by the best mechanism the running kernel
 * offers (tp_btf, fentry, kprobe: bpf/hooks.h); a figure that needs a point
 * no mechanism reaches is null in the report, with the reason.
 */
enum rb_probe_hook {
	RB_HOOK_ADD,		/* mm_filemap_add_to_page_cache */
	RB_HOOK_DELETE,		/* mm_filemap_delete_from_page_cache */
	RB_HOOK_GET_PAGES,	/* read() requests */
	RB_HOOK_FAULT,		/* filemap_fault */
	RB_HOOK_MAP_PAGES,	/* fault-around */
	RB_HOOK_SYNC_RA,
	RB_HOOK_ASYNC_RA,
	RB_HOOK_RA_ORDER,
	RB_HOOK_RA_UNBOUNDED,
	RB_HOOK_RQ_ISSUE,
	RB_HOOK_RQ_COMPLETE,
	RB_PROBE_HOOKS,
};

/* How one probe point was attached on this kernel. */
struct rb_probe_attach {
	char hook[16];			/* "fault" */
	char mech[8];			/* "tp_btf", "fentry", "kprobe" or "none" */
	char target[48];		/* the tracepoint or function; "" for none */
	char why[160];			/* none: why no mechanism could be used */
};

/* What in the running kernel shapes readahead (beside read_ahead_kb). */
struct rb_probe_kernel {
	bool readahead_tracepoints;	/* readahead:page_cache_* (6.18 here, not 6.1/6.12) */
	char mglru[16];			/* /sys/kernel/mm/lru_gen/enabled, "" if absent */
};

/* What readahead did to one file (or to all of them, summed) in one window. */
struct rb_probe_counts {
	uint64_t ra_sync, ra_async, ra_order, ra_unbounded;	/* readahead calls by kind */
	uint64_t ra_readaround;		/* of ra_order: mmap read-around straight from a fault */
	uint64_t ra_explicit;		/* of ra_unbounded: inside an explicit prefetch */
	uint64_t ra_window[RB_PROBE_WIN_SLOTS];	/* log2(window pages) histogram */
	uint64_t added_demand, added_spec, added_prefetch;	/* pages added, by cause */
	uint64_t accessed;		/* added pages read or faulted on (once per residency) */
	uint64_t mapped;		/* added pages mapped by fault-around: maybe used */
	uint64_t read_pages;		/* pages read() asked for */
	uint64_t read_miss;		/* of those, pages the read had to add */
	uint64_t spec_unused_evicted;	/* speculative pages evicted, never accessed nor mapped */
	uint64_t spec_unused_resident;	/* ... still resident at stop */
	uint64_t spec_mapped_only;	/* speculative pages mapped, never faulted: maybe used */
	uint64_t prefetch_unused_evicted, prefetch_unused_resident, prefetch_mapped_only;
	uint64_t evicted;		/* pages deleted from the page cache */
	uint64_t evicted_tracked;	/* of those, pages added in the window */
	uint64_t resident_tracked;	/* pages added in the window and still resident at stop */
	uint64_t faults, major_faults;	/* faults on the file's mappings */
	uint64_t map_calls;		/* fault-around calls */
	uint64_t block_reads;		/* read requests issued starting with one of its pages */
	uint64_t block_read_bytes;	/* their bytes */
	uint64_t readds;		/* adds of pages already marked present: lost deletes */
	uint64_t untracked;		/* pages added while the page-state map was full */
};

struct rb_probe_file {
	uint64_t ino;
	unsigned int dev_major, dev_minor;
	uint32_t generation;		/* inode generation (all-files mode): names the file */
	bool watched;			/* the probes__watch process caused one of its events */
	char path[RB_PROBE_PATH_MAX];	/* "" when it could not be resolved */
	struct rb_probe_counts c;
};

struct rb_probe_block {
	char device[32];		/* "253:0", or "all" */
	uint64_t reads, read_bytes;	/* read requests completed, their bytes */
	uint64_t timed;			/* of those, timed from an issue in the window */
	uint64_t reissued;		/* issues of a request already issued (requeues) */
	uint64_t size_hist[RB_PROBE_SIZE_SLOTS];
	uint64_t lat_hist[RB_PROBE_LAT_SLOTS];
};

struct rb_probe_overflow {
	uint64_t chunks_full, files_full, tasks_full, inflight_full, walk_truncated;
};

struct rb_probe_result {
	bool all_files;			/* every file, not only the targets */
	double window_s;		/* start -> stop */
	struct rb_probe_file *files;	/* targets in the order given; all files by pages added */
	size_t n_files;
	struct rb_probe_counts total;	/* summed over files */
	struct rb_probe_block block;
	struct rb_probe_overflow overflow;
	struct rb_probe_attach attach[RB_PROBE_HOOKS];	/* in enum rb_probe_hook order */
	uint32_t missing_hooks;		/* bit per rb_probe_hook with no mechanism */
	struct rb_probe_kernel kernel;
	uint64_t folio_pages[RB_PROBE_FOLIO_SLOTS];	/* folios added, by log2 pages */
};

/* Root, BTF, load: 0, or -EPERM/-ENOTSUP/... with a one-line reason in why. */
int probes__open(struct rb_probes **out, char *why, size_t whylen);

/*
 * The files to count, by (device, inode), and the disk holding the first for
 * block statistics; n == 0 counts every file (bounded; top files by pages
 * added) and every disk.
 */
int probes__set_targets(struct rb_probes *p, const char *const *paths, int n);

int probes__start(struct rb_probes *p);	/* zero everything, attach */
int probes__stop(struct rb_probes *p);	/* detach */
/*
 * Mark the files whose page-cache events run in process tgid (0: stop) from
 * now until the next start: rb_probe_file.watched. What `advise` keeps when
 * a file was mapped and closed between two of its /proc samples.
 */
void probes__watch(struct rb_probes *p, int tgid);

/*
 * The window's figures, including the scan of pages still resident. out is
 * overwritten; free it with probe_result__free.
 */
int probes__collect(struct rb_probes *p, struct rb_probe_result *out);

/*
 * The window so far, cheaply and without disturbing it (for the live view): pages
 * added to the targets, and speculative pages already evicted unused (the part of
 * the waste known before stop). Safe from another thread while the window runs.
 */
int probes__peek(struct rb_probes *p, uint64_t *added, uint64_t *spec_unused_evicted);
/*
 * The same, more of it: the counts so far summed over the files (pages added by
 * cause, unused evictions, read pages and misses, faults, the readahead window
 * histogram; the other fields 0). For the timeline and the live view.
 */
int probes__peek_counts(struct rb_probes *p, struct rb_probe_counts *sum);

/* Fill out's attach, missing_hooks and kernel from the open probes. */
void probes__attach_info(const struct rb_probes *p, struct rb_probe_result *out);

/*
 * Is figure (a JSON field name of the counts, e.g. "major_faults") measured
 * on this kernel? If not, why (a static or r-owned string) says which probe
 * point it lacks.
 */
bool probe_result__figure_known(const struct rb_probe_result *r, const char *figure,
				const char **why);

/* Why the last call failed ("" if none). */
const char *probes__last_error(const struct rb_probes *p);

void probes__destroy(struct rb_probes *p);
void probe_result__free(struct rb_probe_result *r);

/* Derived figures: NAN when the denominator is 0. */
double probe_counts__waste_ratio(const struct rb_probe_counts *c);
double probe_counts__prefetch_waste_ratio(const struct rb_probe_counts *c);
double probe_counts__read_hit_ratio(const struct rb_probe_counts *c);
uint64_t probe_counts__waste(const struct rb_probe_counts *c);
uint64_t probe_counts__added(const struct rb_probe_counts *c);

/* The result as JSON (caller owns it); the definitions explain every field. */
json_object *probes__result_to_json(const struct rb_probe_result *r);

/* Field name -> one line of definition, for every counter the JSON carries. */
json_object *probes__definitions_to_json(void);

#endif
