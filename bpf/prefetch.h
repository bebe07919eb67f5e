/*
 * prefetch.h — the contract between bpf/prefetch.bpf.c (kernel side) and
 * bpf/prefetch.c (the loader and prefetch agent): limits, the file filter key,
 * the ring-buffer records and the counters in .bss. Nothing else.
 *
 * Three kinds of record reach the agent: the list numbers FAISS is about to scan
 * (a uprobe on OnDiskInvertedLists::prefetch_lists), page-cache misses of the
 * run's files (pages the workload's own threads had to add) and the access
 * stream of those files (faults and read() lookups). Hints travel on a ring of
 * their own (hints), so a burst of access records never queues ahead of them,
 * and each list number's popularity (how many calls named it) is counted in the
 * popularity map, which the agent reads to tell hot lists from cold ones.
 * A fourth, optional: the ids a search call returned (a uprobe on the search's
 * entry keeps where they go, a uretprobe sends them), which name what the
 * application reads next (rag: the chunks of its hits).
 */
#ifndef RB_PREFETCH_H
#define RB_PREFETCH_H

#define RB_PF_MAX_LISTS		256	/* list numbers per hint record */
#define RB_PF_MAX_CHUNKS	16	/* hint records per call: 4096 lists */
#define RB_PF_MAX_FILES		64	/* files filtered at once */
#define RB_PF_RES_CHUNKS	(1 << 16)	/* residency: 64-page chunks, 16 GiB of files */
#define RB_PF_RES_SPAN		16	/* chunks one folio may span (order 10) */
#define RB_PF_RINGBUF_BYTES	(4 << 20)	/* misses and accesses */
#define RB_PF_HINTBUF_BYTES	(1 << 20)	/* hints: a ring of their own, read first */
#define RB_PF_MAX_AGENTS	8	/* agent threads whose page adds are prefetches */
#define RB_PF_MAX_KEYS		(1 << 16)	/* list numbers whose popularity is counted */
#define RB_PF_MAX_SEARCHES	1024	/* threads inside a watched search call at once */

enum rb_pf_type {
	RB_PF_HINT = 1,		/* list numbers from prefetch_lists */
	RB_PF_MISS,		/* the workload added pages: they were not cached */
	RB_PF_ACCESS,		/* the workload faulted on or read pages */
	RB_PF_RESULT,		/* ids a search returned (struct rb_pf_hint_event) */
};

struct rb_pf_file_key {
	__u64 ino;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 pad;
};

/* Residency: bit i of a chunk's value is page chunk * 64 + i of the file, in the page cache. */
struct rb_pf_res_key {
	__u32 file;
	__u32 chunk;
};

/* The filter map's value: the run's file number, and what the agent wants of it. */
struct rb_pf_file_val {
	__u32 file;
	__u32 flags;		/* RB_PF_F_* */
};

#define RB_PF_F_MISSES	1	/* has an extent map: send misses, waking the agent */

/* Misses and accesses: pages [index, index + nr) of file number file. */
struct rb_pf_page_event {
	__u32 type;
	__u32 tid;
	__u32 file;		/* the value of the file filter map */
	__u32 nr;
	__u64 index;
};

/*
 * n list numbers (of total in the call), starting at position first of it; for
 * RB_PF_RESULT, n of the ids a search call returned (-1: no hit).
 */
struct rb_pf_hint_event {
	__u32 type;
	__u32 tid;
	__u32 n;
	__u32 first;
	__u32 total;
	__u32 pad;
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__s64 lists[RB_PF_MAX_LISTS];
};

/* Kernel-side counters (.bss), read by the agent. */
struct rb_pf_kcounters {
	__u64 hint_calls;	/* prefetch_lists calls seen */
	__u64 hint_lists;	/* list numbers sent */
	__u64 hint_truncated;	/* list numbers beyond RB_PF_MAX_CHUNKS records */
	__u64 hint_read_errors;	/* list arrays that could not be read */
	__u64 miss_events;	/* add-to-page-cache by the workload's threads */
	__u64 miss_pages;
	__u64 agent_pages;	/* pages added by the agent's own prefetches */
	__u64 access_events;	/* faults and read() lookups */
	__u64 ringbuf_drops;	/* records lost: the ring buffer was full */
	__u64 records;		/* records submitted, both rings */
	__u64 hint_records;	/* of records, on the hint ring */
	__u64 popularity_full;	/* list numbers not counted: the popularity map was full */
	__u64 result_calls;	/* search calls whose returned ids were sent */
	__u64 result_ids;	/* ids sent (no-hit -1 included) */
};

/* A search call in flight (entry -> return): where its ids will be, how many. */
struct rb_pf_search {
	__u64 labels;		/* user address of the idx_t result array */
	__u64 n;		/* queries x k */
};

#endif
