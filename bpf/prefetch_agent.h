/*
 * prefetch_agent.h — the eBPF-guided prefetch agent, for the bpf-prefetch
 * strategy (strategies/bpf_prefetch.c) and the tests.
 *
 * The agent loads bpf/prefetch.bpf.c, attaches a uprobe on FAISS's
 * OnDiskInvertedLists::prefetch_lists in this process's executable and
 * tracepoints on the page cache filtered to the files it was given, and runs one
 * thread that turns what the kernel reports into prefetches through its own
 * descriptors (POSIX_FADV_WILLNEED):
 *   - list numbers (hints) -> every extent of those keys in the extent map;
 *   - a page-cache miss in a file with an extent map -> the whole enclosing extent;
 *   - a sequential access stream in a file without one -> a window kept ahead;
 *   - the ids a search returned (opts.result_symbol: a uprobe and a uretprobe on
 *     it) -> the extents of keys result_key_base + id (rag: its hits' chunks).
 * Files with an extent map, and files whose accesses it classifies as random,
 * get speculative readahead switched off: MADV_RANDOM on their mappings found in
 * /proc/self/maps and POSIX_FADV_RANDOM on their descriptors in /proc/self/fd.
 * The only thing the workload supplies is the extent map; its code path is not
 * changed. prefetch__stop() puts every setting back.
 *
 * Lifecycle: open -> add_file... -> add_extent... -> start -> collect... ->
 * stop -> destroy. Functions return 0 (or an index) or -errno with a one-line
 * reason in err where they take one.
 */
#ifndef RB_PREFETCH_AGENT_H
#define RB_PREFETCH_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFETCH_MAX_FILES 8
#define PREFETCH_FAISS_SYMBOL "_ZNK5faiss19OnDiskInvertedLists14prefetch_listsEPKli"
/* faiss::IndexIVF::search(long, float const*, long, float*, long*, SearchParameters const*) const */
#define PREFETCH_FAISS_SEARCH_SYMBOL "_ZNK5faiss8IndexIVF6searchElPKflPfPlPKNS_16SearchParametersE"

struct prefetch;

struct prefetch_opts {
	uint64_t budget_bytes;   /* outstanding prefetch at most; 0: 64 MiB per client, at most
				    a quarter of mem_room_bytes */
	int clients;             /* threads querying at once (0: 1): budget and submitters */
	bool drop_after_scan;    /* a thread's next hint call means its previous call's keys
				    were scanned (FAISS's prefetch_lists; not a graph walk's
				    neighbour hints): cold keys may be dropped then */
	uint64_t mem_room_bytes; /* what the served process's memory cgroup limit leaves for
				    the page cache at start (limit - usage), 0 = no limit:
				    bounds the budget; extents larger than it turn on
				    dropping cold lists after their scan */
	uint64_t window_bytes;   /* kept ahead of a sequential stream; 0: 4 MiB */
	const char *binary;      /* uprobe target; NULL: this executable (or, for another
				    process, none until prefetch__attach_hints) */
	const char *symbol;      /* NULL: PREFETCH_FAISS_SYMBOL; "" : no uprobe */
	/*
	 * The ids a search returns name what is read next: extent-map keys
	 * result_key_base + id (rag: its hits' chunks). result_symbol: the search
	 * (PREFETCH_FAISS_SEARCH_SYMBOL's signature), whose entry and return are
	 * probed in the same binary as the hint uprobe; NULL: none.
	 */
	const char *result_symbol;
	int64_t result_key_base;
	int pid;                 /* the process served; 0: this one. Another process's
				    mappings and descriptors are not ours to advise:
				    MADV_RANDOM and FADV_RANDOM are skipped for it */
};

/* Everything the agent counts; k: counted in the kernel. */
struct prefetch_stats {
	uint64_t hint_calls;          /* k: prefetch_lists calls */
	uint64_t hint_lists;          /* k: list numbers received */
	uint64_t hint_truncated;      /* k: list numbers beyond what one call may send */
	uint64_t hint_read_errors;    /* k: list arrays the uprobe could not read */
	uint64_t hint_events;         /* hint records handled */
	uint64_t hint_delay_us_sum;   /* uprobe -> agent handling the record, summed */
	uint64_t hint_delay_us_max;
	uint64_t hint_unknown;        /* list numbers with no extent in the map */
	uint64_t lists_prefetched;    /* list numbers that led to a prefetch */
	uint64_t lists_resident;      /* list numbers all of whose extents were cached */
	uint64_t lists_inflight;      /* list numbers another call had just asked for (< 1 ms) */
	uint64_t lists_budget;        /* list numbers not (wholly) prefetched: over the budget */
	uint64_t extents_prefetched;  /* extents passed to WILLNEED */
	uint64_t bytes_advised;       /* bytes passed to WILLNEED (cached pages included) */
	uint64_t willneed_calls;      /* posix_fadvise(WILLNEED) calls */
	uint64_t willneed_us_sum;     /* time the agent spent in them (allocating, submitting) */
	uint64_t pages_prefetched;    /* k: pages the agent's WILLNEED actually added */
	uint64_t miss_pages;          /* k: pages the workload itself had to add */
	uint64_t miss_events;         /* miss records handled (files with an extent map) */
	uint64_t miss_expanded;       /* misses expanded to their enclosing extent */
	uint64_t miss_outside;        /* misses in a file with a map but outside every extent */
	uint64_t access_events;       /* access records handled */
	uint64_t streams_detected;    /* sequential streams found */
	uint64_t stream_bytes_advised;/* of bytes_advised, ahead of streams */
	uint64_t files_random;        /* files with speculative readahead switched off */
	uint64_t files_kept;          /* files whose read-around was left to the kernel (they fit) */
	uint64_t files_hinted;        /* files whose extents a hint names before they are read */
	uint64_t files_too_big;       /* files with no such hint that do not fit the room */
	uint64_t files_whole;         /* hinted files read whole at their first hint (PF_WHOLE) */
	uint64_t hints_detached;      /* 1: every hinted file was read whole, the hint uprobe removed */
	uint64_t maps_advised;        /* mappings given MADV_RANDOM */
	uint64_t fds_advised;         /* descriptors given POSIX_FADV_RANDOM */
	uint64_t repeats_skipped;     /* prefetches skipped: the extent was asked for < 1 ms ago */
	uint64_t resident_skips;      /* prefetches skipped: every page of the extent is cached */
	uint64_t budget_skips;        /* prefetches skipped: over the outstanding budget */
	uint64_t consumed;            /* outstanding extents the workload then touched */
	uint64_t expired;             /* outstanding extents never touched within 1 s */
	uint64_t budget_bytes;        /* the budget in force */
	uint64_t ringbuf_drops;       /* k: records lost, ring buffer full */
	uint64_t errors;              /* failed fadvise/madvise/poll calls */
	uint64_t agent_cpu_us;        /* the agent thread's CPU time: how busy it is ... */
	uint64_t agent_wall_us;       /* ... against its life (busy fraction = cpu / wall) */
	uint64_t agent_nice;          /* 10 when its nice value was lowered to -10, else 0 */
	uint64_t submitters;          /* WILLNEED/drop threads beside the agent (0: it submits itself) */
	uint64_t submit_cpu_us;       /* their CPU time together */
	uint64_t queue_full;          /* ranges the agent waited to queue: the queue was full */
	uint64_t hint_records;        /* k: records on the hint ring (read before the others) */
	uint64_t drop_pressure;       /* 1 when cold lists are dropped (extents > page-cache room) */
	uint64_t lists_dropped;       /* cold lists paged out after their scan */
	uint64_t lists_kept_hot;      /* scanned lists kept: popular enough (hot_min_calls) */
	uint64_t hot_min_calls;       /* the latest rank: calls a list needs to be kept */
	uint64_t lists_kept_busy;     /* scanned cold lists kept: another call named them */
	uint64_t bytes_dropped;       /* bytes passed to MADV_PAGEOUT / FADV_DONTNEED */
	uint64_t drop_us_sum;         /* time spent dropping them */
	uint64_t popularity_full;     /* k: list numbers not counted, popularity map full */
	uint64_t ordered_waits;       /* jobs that waited for an earlier job on a page they share */
	uint64_t result_calls;        /* k: search calls whose returned ids were sent (result_symbol) */
	uint64_t result_ids;          /* k: ids sent, no-hit -1 included */
	uint64_t result_events;       /* result records handled */
	uint64_t result_delay_us_sum; /* search return -> agent handling the record, summed */
	uint64_t results_prefetched;  /* returned ids whose extents the agent passed to WILLNEED */
	uint64_t results_resident;    /* returned ids whose extents were all cached already */
	uint64_t results_skipped;     /* returned ids not prefetched: just asked for, or over budget */
	uint64_t result_unknown;      /* returned ids with no extent in the map */
};

/* The counters by name, in struct order; NULL-terminated. */
struct prefetch_stat_name {
	const char *name;
	size_t offset;
};
const struct prefetch_stat_name *prefetch__stat_names(void);

/* Load the BPF programs for this process (not attached yet). */
int prefetch__open(struct prefetch **out, const struct prefetch_opts *opts, char *err,
		   size_t errlen);
/* Watch path; returns its file number (0, 1, ... in call order) or -errno. */
int prefetch__add_file(struct prefetch *p, const char *path, char *err, size_t errlen);
/*
 * The per-file choice, before prefetch__start. PF_KEEP: leave file fi's
 * read-around to the kernel (no MADV_RANDOM / FADV_RANDOM at start nor when its
 * accesses turn out scattered, no miss events): files_kept. PF_HINTED (a hint
 * names its extents before they are read) and PF_TOO_BIG (no such hint, does
 * not fit the room) keep the agent's default policy and are counted
 * (files_hinted, files_too_big) so strategy_stats says why. PF_WHOLE: a hinted
 * file so small that the kernel's read-around would take it in a fault or two:
 * the hinted extents first, then the whole file in the background, once, at its
 * first hint or miss (files_whole).
 */
enum pf_choice { PF_KEEP, PF_HINTED, PF_TOO_BIG, PF_WHOLE };
int prefetch__choose(struct prefetch *p, int fi, enum pf_choice c);
/*
 * Which choice a file of size bytes gets: PF_WHOLE when a hint names its extents
 * before they are read (prior_hints), it fits the page-cache room and it is at
 * most twice the device's read-around window ra_bytes (0: unknown, never);
 * else PF_HINTED for a hinted file; else PF_KEEP when it fits the room (room 0:
 * unknown, nothing is taken to fit); else PF_TOO_BIG.
 */
enum pf_choice prefetch__choice_for(uint64_t size, bool prior_hints, uint64_t room,
				    uint64_t ra_bytes);
/* Extent [off, off + len) of file belongs to key (key < 0: no key, misses only). */
int prefetch__add_extent(struct prefetch *p, int file, int64_t key, uint64_t off, uint64_t len);
/* Switch readahead off where it wastes, attach, start the agent thread. */
int prefetch__start(struct prefetch *p, char *err, size_t errlen);
/*
 * Attach the uprobe on symbol (opts) in binary for the served process, once the
 * agent runs (e.g. when another process has just mapped the FAISS library).
 * 0, -EALREADY when one is attached, or -errno (message in err).
 */
int prefetch__attach_hints(struct prefetch *p, const char *binary, char *err, size_t errlen);
/*
 * The same, for the served process's own FAISS: the first object in its
 * /proc/PID/maps whose name says faiss (python's _swigfaiss*.so, libfaiss.so)
 * and defines the symbol, else its executable (linked with libfaiss.a). 1
 * attached (its path in found), 0 not (yet: call again once it mapped FAISS),
 * -EALREADY when one is.
 */
int prefetch__attach_hints_found(struct prefetch *p, char *found, size_t len);
/*
 * Of pages [first, first + n) of file, how many the BPF residency map holds as
 * in the page cache (kept from every process's adds and deletes since start).
 */
int prefetch__resident_pages(struct prefetch *p, int file, uint64_t first, uint64_t n,
			     uint64_t *count);
/* A snapshot of the counters; safe while the agent runs. */
void prefetch__collect(struct prefetch *p, struct prefetch_stats *out);
/* Join the thread, detach, restore every setting changed; safe to repeat. 0 or -EIO. */
int prefetch__stop(struct prefetch *p);
/*
 * Serve process pid from now on (a target that forked: the child that maps the
 * index). Its FAISS uprobe is looked for again (prefetch__attach_hints_found).
 */
int prefetch__retarget(struct prefetch *p, int pid);
/* The room left by the served process's memory cgroup, known only once joined (before start). */
void prefetch__set_room(struct prefetch *p, uint64_t room);
/* false once the agent's loop ended on an error before it was asked to stop */
bool prefetch__alive(const struct prefetch *p);
/* stop() and free; accepts NULL. */
int prefetch__destroy(struct prefetch *p);

#endif
