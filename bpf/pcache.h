/*
 * pcache.h — the contract between bpf/pcache.bpf.c (kernel side) and bpf/pcache.c
 * (the loader): limits, map keys and values, the counters in .bss. Nothing else.
 *
 * Page-cache state is kept per 64-page chunk of a file as bitmaps, one bit per
 * page: a folio of any order is a few bit operations, and a file of several GiB
 * needs at most size / 256 KiB map entries however sparsely it is touched.
 */
#ifndef RB_PCACHE_H
#define RB_PCACHE_H

#define RB_PC_CHUNK_SHIFT	6			/* 64 pages per chunk */
#define RB_PC_MAX_CHUNKS	(1 << 17)		/* 8M pages: 32 GiB of file range */
#define RB_PC_MAX_FILES		4096			/* files counted per window */
#define RB_PC_MAX_TASKS		16384			/* thread contexts (LRU) */
#define RB_PC_MAX_INFLIGHT	8192			/* block requests being timed */
#define RB_PC_MAX_WALK		(1 << 16)		/* chunks per range walk: 4 GiB */
#define RB_PC_MAX_FOLIO_CHUNKS	16			/* folios up to order 10 */

#define RB_PC_WIN_SLOTS		24	/* log2(readahead window in pages) */
#define RB_PC_SIZE_SLOTS	32	/* log2(request bytes) */
#define RB_PC_LAT_SLOTS		32	/* log2(issue -> complete, microseconds) */
#define RB_PC_FOLIO_SLOTS	12	/* log2(folio pages): orders 0..11 */

/* How a page came into the page cache. */
enum rb_pc_kind {
	RB_PC_DEMAND,		/* the page a read or fault asked for */
	RB_PC_SPEC,		/* speculative readahead beyond what was asked */
	RB_PC_PREFETCH,		/* fadvise(WILLNEED), readahead(2), madvise(WILLNEED) */
	RB_PC_KINDS,
};

/* Readahead entry points, one tracepoint each. */
enum rb_pc_ra {
	RB_PC_RA_SYNC,		/* page_cache_sync_ra: a read or fault missed */
	RB_PC_RA_ASYNC,		/* page_cache_async_ra: a PG_readahead folio was hit */
	RB_PC_RA_ORDER,		/* page_cache_ra_order: the window actually allocated */
	RB_PC_RA_UNBOUNDED,	/* page_cache_ra_unbounded: order-0 / forced path */
	RB_PC_RA_KINDS,
};

struct rb_pc_file_key {
	__u64 ino;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 pad;
};

struct rb_pc_chunk_key {
	__u64 ino;
	__u32 dev;
	__u32 chunk;		/* page index >> RB_PC_CHUNK_SHIFT */
};

/* Pages added during the window; bit i is page chunk * 64 + i. */
struct rb_pc_chunk {
	__u64 present;		/* added and not yet deleted */
	__u64 spec;		/* added by speculative readahead */
	__u64 prefetch;		/* added by an explicit prefetch */
	__u64 accessed;		/* read or faulted on since it was added */
	__u64 mapped;		/* mapped by fault-around since it was added */
};

/* Per-file counters of one window (pages are 4 KiB). */
struct rb_pc_file {
	__u64 ra_calls[RB_PC_RA_KINDS];
	__u64 ra_readaround;	/* ra_order straight from a fault: mmap read-around */
	__u64 ra_explicit;	/* ra_unbounded inside an explicit prefetch */
	__u64 ra_window[RB_PC_WIN_SLOTS];
	__u64 added[RB_PC_KINDS];
	__u64 accessed;		/* tracked pages accessed, once per residency */
	__u64 mapped;		/* tracked pages first mapped by fault-around */
	__u64 read_pages;	/* pages read() asked for, clamped to EOF */
	__u64 read_miss;	/* of those, pages the read had to add */
	__u64 evicted;		/* pages deleted from the page cache */
	__u64 evicted_tracked;	/* of those, pages added in this window */
	__u64 unused_evicted[RB_PC_KINDS];	/* never accessed nor mapped */
	__u64 mapped_evicted[RB_PC_KINDS];	/* never accessed, but mapped */
	__u64 faults;		/* page faults on the file's mappings */
	__u64 major_faults;	/* faults that had to add the page */
	__u64 map_calls;	/* fault-around (filemap_map_pages) calls */
	__u64 block_reads;	/* read requests issued whose first page is the file's */
	__u64 block_read_bytes;	/* their bytes */
	__u64 readds;		/* added while already marked present (lost delete) */
	__u64 untracked;	/* pages added with the chunk map full */
	__u32 generation;	/* inode i_generation: resolves the path later */
	__u32 watched;		/* an event of it ran in the watched process (watch_tgid) */
};

/* Block layer, for the disk holding the run's files; counted at completion. */
struct rb_pc_block {
	__u64 reads;
	__u64 read_bytes;
	__u64 timed;		/* completions matched to an issue in the window */
	__u64 reissued;		/* issues of a request already issued (requeued) */
	__u64 size_hist[RB_PC_SIZE_SLOTS];
	__u64 lat_hist[RB_PC_LAT_SLOTS];
};

/* What did not fit; reported, never silently dropped. */
struct rb_pc_overflow {
	__u64 chunks_full;	/* pages added that the chunk map could not hold */
	__u64 files_full;	/* events for files beyond RB_PC_MAX_FILES */
	__u64 tasks_full;	/* events whose thread context could not be made */
	__u64 inflight_full;	/* block requests that could not be timed */
	__u64 walk_truncated;	/* ranges longer than RB_PC_MAX_WALK chunks */
};

struct rb_pc_counters {
	struct rb_pc_block block;
	struct rb_pc_overflow overflow;
	__u64 folio_pages[RB_PC_FOLIO_SLOTS];	/* folios added to counted files, by order */
};

#endif
