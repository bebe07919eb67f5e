/*
 * cachesim — how many pages a cache of a given size must read for a known page
 * access trace. A readahead strategy is judged by the pages it makes the kernel
 * read; for a trace that is known in full (every page a run touched, in order)
 * these are the reference points: the distinct pages (what an unlimited cache
 * reads once each), Belady's MIN/OPT (the fewest reads any demand-paged cache of
 * that size can do: no policy can beat it) and LRU (roughly what the page cache's
 * own reclaim does). Exact, single-threaded, O(n log n) time and O(n) memory.
 */
#ifndef RB_CACHESIM_H
#define RB_CACHESIM_H

#include <stddef.h>
#include <stdint.h>

/* A page key: (file id << 40) | page index within the file (4096-byte pages). */
#define CACHESIM_PAGE_SHIFT	12
#define CACHESIM_PAGE_SIZE	(1ULL << CACHESIM_PAGE_SHIFT)
#define CACHESIM_FILE_SHIFT	40
#define CACHESIM_MAX_FILE	((1ULL << (64 - CACHESIM_FILE_SHIFT)) - 1)	/* file ids 0..2^24-1 */
#define CACHESIM_MAX_PAGE	((1ULL << CACHESIM_FILE_SHIFT) - 1)		/* 4 PiB per file */
#define CACHESIM_KEY(file, page) \
	(((uint64_t)(file) << CACHESIM_FILE_SHIFT) | ((uint64_t)(page) & CACHESIM_MAX_PAGE))

struct cachesim_result {
	uint64_t accesses;	/* trace length */
	uint64_t unique;	/* distinct pages (= misses of an unlimited cache) */
	uint64_t opt_misses;	/* Belady's MIN (OPT) at the capacity: pages read by an optimal cache */
	uint64_t lru_misses;	/* LRU at the capacity */
};

/*
 * Simulate the n accesses of trace (any uint64 values are keys; a key may repeat,
 * also back to back) through a demand-paged cache of capacity_pages pages: every
 * accessed page is resident after its access, a miss loads it, evicting one page
 * first when the cache is full. capacity_pages 0 means unlimited (both miss counts
 * are then unique, as they are for any capacity >= unique). n may be 0 (trace may
 * then be NULL). Returns 0, -EINVAL (out NULL, or trace NULL with n > 0) or
 * -ENOMEM; *out is only written on success.
 */
int cachesim__run(const uint64_t *trace, size_t n, uint64_t capacity_pages,
		  struct cachesim_result *out);

/* A growable trace of page keys; zero-initialise it ({0}) before first use. */
struct cachesim_trace {
	uint64_t *pages;
	size_t n, cap;
};

/*
 * Append the pages covering the bytes [off, off + len) of file `file`, in
 * ascending order: an extent that crosses a page boundary gives both pages, len 0
 * gives none. Returns 0, -EINVAL (file > CACHESIM_MAX_FILE, off + len overflows
 * or reaches past page CACHESIM_MAX_PAGE) or -ENOMEM; on error t is unchanged.
 */
int cachesim_trace__add_extent(struct cachesim_trace *t, uint32_t file, uint64_t off, uint64_t len);

/* Release t's pages and reset it to empty (it may be reused). */
void cachesim_trace__free(struct cachesim_trace *t);

#endif
